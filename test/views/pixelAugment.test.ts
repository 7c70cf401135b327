import { describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import { GenrepError } from "../../src/errors.js";
import { PIXEL_AUGMENT_DEFAULTS, randomCropBox, SimclrAugment } from "../../src/views/pixel/simclrAugment.js";
import { maxAbsDiff } from "../helpers/tensors.js";

/** n images 32x32x1 uint8: a horizontal ramp plus the image index, so flips and crops show. */
function ramps(n: number, size = 32): Uint8Array {
	const out = new Uint8Array(n * size * size);
	for (let i = 0; i < n; i++) {
		for (let y = 0; y < size; y++) {
			for (let x = 0; x < size; x++) out[(i * size + y) * size + x] = (x * 8 + i) % 256;
		}
	}
	return out;
}

const IDENTITY = {
	cropScale: [1, 1] as [number, number],
	cropRatio: [1, 1] as [number, number],
	flipProbability: 0,
	jitterProbability: 0,
};

describe("SimCLR pixel views", () => {
	it("defaults are the paper's: crop scale 0.2-1, aspect 3/4-4/3, flip 0.5, jitter 0.4 with p 0.8, no blur", () => {
		expect(PIXEL_AUGMENT_DEFAULTS).toMatchObject({
			cropScale: [0.2, 1],
			cropRatio: [3 / 4, 4 / 3],
			flipProbability: 0.5,
			jitterProbability: 0.8,
			brightness: 0.4,
			contrast: 0.4,
			blurProbability: 0,
		});
	});

	it("the identity configuration returns the input scaled to [0, 1]; a forced flip mirrors it", () => {
		const images = ramps(2);
		const same = new SimclrAugment(IDENTITY).apply(images, [2, 32, 32, 1], new Rng(1));
		expect(
			maxAbsDiff(
				same,
				Array.from(images, (v) => v / 255),
			),
		).toBeLessThan(1e-6);
		const flipped = new SimclrAugment({ ...IDENTITY, flipProbability: 1 }).apply(images, [2, 32, 32, 1], new Rng(1));
		for (let x = 0; x < 32; x++) expect(flipped[5 * 32 + x]).toBeCloseTo(images[5 * 32 + 31 - x] / 255, 6);
	});

	it("is deterministic for a seed, differs across seeds and across views of one image, stays in [0, 1]", () => {
		const one = ramps(1);
		const eight = new Uint8Array(8 * 1024);
		for (let i = 0; i < 8; i++) eight.set(one, i * 1024);
		const aug = new SimclrAugment({ blurProbability: 0.5 });
		const a = aug.apply(eight, [8, 32, 32, 1], new Rng(3));
		const b = aug.apply(eight, [8, 32, 32, 1], new Rng(3));
		const c = aug.apply(eight, [8, 32, 32, 1], new Rng(4));
		expect(a).toEqual(b);
		expect(a).not.toEqual(c);
		const views = Array.from({ length: 8 }, (_, i) => a.subarray(i * 1024, (i + 1) * 1024).join(","));
		expect(new Set(views).size).toBe(8);
		expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
		expect(Math.max(...a)).toBeLessThanOrEqual(1);
	});

	it("float inputs in [0, 1], RGB, and another output size work", () => {
		const rgb = new Float32Array(2 * 16 * 16 * 3).map((_, i) => (i % 7) / 7);
		const out = new SimclrAugment({ outputSize: 8, grayscaleProbability: 1 }).apply(rgb, [2, 16, 16, 3], new Rng(5));
		expect(out.length).toBe(2 * 8 * 8 * 3);
		for (let i = 0; i < out.length; i += 3) expect(out[i]).toBe(out[i + 1]);
	});

	it("crops cover 20-100% of the image within the aspect range", () => {
		const rng = new Rng(9);
		for (let i = 0; i < 500; i++) {
			const box = randomCropBox(rng, 32, 32, [0.2, 1], [3 / 4, 4 / 3]);
			const area = (box.height * box.width) / 1024;
			expect(area).toBeGreaterThan(0.15);
			expect(area).toBeLessThanOrEqual(1);
			expect(box.top + box.height).toBeLessThanOrEqual(32);
			expect(box.left + box.width).toBeLessThanOrEqual(32);
		}
	});

	it("jitter changes brightness: mean level varies across views by about the strength", () => {
		const flat = new Uint8Array(200 * 1024).fill(128);
		const out = new SimclrAugment({ ...IDENTITY, jitterProbability: 1, contrast: 0 }).apply(
			flat,
			[200, 32, 32, 1],
			new Rng(2),
		);
		const means = Array.from({ length: 200 }, (_, i) => out[i * 1024]);
		expect(Math.min(...means)).toBeLessThan((128 / 255) * 0.65);
		expect(Math.max(...means)).toBeGreaterThan((128 / 255) * 1.35);
	});

	it("bad options are GenrepErrors naming the option and value", () => {
		const cases: [Record<string, unknown>, string][] = [
			[{ cropScale: [0, 1] }, "pixel augment: cropScale must be [min, max] with 0 < min <= max <= 1, got [0,1]"],
			[{ cropScale: [0.9, 0.2] }, "cropScale must be"],
			[{ flipProbability: 1.5 }, "pixel augment: flipProbability must be a probability in [0, 1], got 1.5"],
			[{ brightness: -0.1 }, "pixel augment: brightness must be a strength in [0, 1], got -0.1"],
			[{ outputSize: 0 }, "pixel augment: outputSize must be a positive integer, got 0"],
			[{ cjProb: 0.8 }, "pixel augment: unknown option 'cjProb'"],
		];
		for (const [options, message] of cases) {
			expect(() => new SimclrAugment(options)).toThrow(GenrepError);
			expect(() => new SimclrAugment(options)).toThrow(message);
		}
	});

	it("throughput on 32x32 grayscale (logged, not asserted)", () => {
		const images = ramps(2000);
		const aug = new SimclrAugment({ blurProbability: 0.5 });
		aug.apply(images.subarray(0, 100 * 1024), [100, 32, 32, 1], new Rng(0));
		const started = performance.now();
		aug.apply(images, [2000, 32, 32, 1], new Rng(1));
		const seconds = (performance.now() - started) / 1000;
		console.log(`SimCLR pixel views (blur p 0.5): ${(2000 / seconds).toFixed(0)} images/s on one thread`);
	});
});
