import { describe, expect, it } from "vitest";
import { loadNativeAddon } from "../../src/engine/native/load.js";
import { Rng } from "../../src/engine/rng.js";
import { renderViews, SimclrAugment, VIEW_PARAMS } from "../../src/views/pixel/simclrAugment.js";

const native = loadNativeAddon();
if (!native.addon) console.warn(`native pixel view tests skipped: ${native.reason}`);

function randomImages(n: number, h: number, w: number, c: number, kind: "u8" | "f32", seed: number) {
	const rng = new Rng(seed);
	const count = n * h * w * c;
	return kind === "u8"
		? Uint8Array.from({ length: count }, () => rng.int(256))
		: Float32Array.from({ length: count }, () => rng.uniform());
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("pixel view rendering", () => {
	it.runIf(native.addon)("the native renderer is built and gives the JavaScript renderer's bits", () => {
		expect(typeof native.addon?.pixelViews).toBe("function");
		const cases = [
			{ h: 32, w: 32, c: 1, size: 32, kind: "u8" },
			{ h: 32, w: 32, c: 1, size: 24, kind: "f32" },
			{ h: 20, w: 28, c: 3, size: 16, kind: "u8" },
			{ h: 9, w: 7, c: 3, size: 12, kind: "f32" },
		] as const;
		for (const [i, { h, w, c, size, kind }] of cases.entries()) {
			const n = 40;
			const images = randomImages(n, h, w, c, kind, i);
			const augment = new SimclrAugment({ outputSize: size, grayscaleProbability: 0.5 });
			const draws = augment.draw(n, h, w, c, new Rng(10 + i));
			const js = new Float32Array(n * size * size * c);
			const nat = new Float32Array(n * size * size * c);
			renderViews(images, [n, h, w, c], draws, js, size, false);
			renderViews(images, [n, h, w, c], draws, nat, size, true);
			expect(Buffer.compare(bits(js), bits(nat)), `case ${i}`).toBe(0);
			// Every kind of draw occurred, so every branch was compared.
			const p = (j: number) => Array.from({ length: n }, (_, k) => draws.params[k * VIEW_PARAMS + j]);
			expect(p(4)).toContain(1); // flip
			expect(p(5)).toContain(1); // jitter
			expect(new Set(p(8))).toEqual(new Set([0, 1])); // both orders
			if (c === 3) expect(p(9)).toContain(1); // gray
			expect(js.some((v) => v > 0 && v < 1)).toBe(true);
		}
	});

	it("apply() is draw-then-render: the same views from the same Rng either way, blur included", () => {
		const n = 12;
		const images = randomImages(n, 32, 32, 1, "u8", 7);
		const augment = new SimclrAugment({ blurProbability: 0.5 });
		const viaApply = augment.apply(images, [n, 32, 32, 1], new Rng(3));
		const draws = augment.draw(n, 32, 32, 1, new Rng(3));
		expect(Array.from(draws.blur).some((s) => s > 0)).toBe(true);
		const js = new Float32Array(n * 32 * 32);
		renderViews(images, [n, 32, 32, 1], draws, js, 32, false);
		expect(Buffer.compare(bits(viaApply), bits(js))).toBe(0);
	});

	it.runIf(native.addon)("the native renderer rejects bad arguments with a message", () => {
		const addon = native.addon as NonNullable<typeof native.addon>;
		const pixelViews = addon.pixelViews as NonNullable<typeof addon.pixelViews>;
		const params = new Float64Array(VIEW_PARAMS);
		params.set([0, 0, 4, 4]);
		const out = new Float32Array(16);
		expect(() => pixelViews(new Uint8Array(15), 1, 4, 4, 1, params, out, 4)).toThrow(/images must have/);
		expect(() => pixelViews(new Uint8Array(16), 1, 4, 4, 1, params, new Float32Array(15), 4)).toThrow(/out must be/);
		expect(() => pixelViews(new Uint8Array(16), 1, 4, 4, 1, new Float64Array(9), out, 4)).toThrow(/params must be/);
		const outside = params.slice();
		outside[0] = 2; // top 2 + height 4 > 4
		expect(() => pixelViews(new Uint8Array(16), 1, 4, 4, 1, outside, out, 4)).toThrow(/lies outside the image/);
		expect(() => pixelViews(new Int16Array(16) as never, 1, 4, 4, 1, params, out, 4)).toThrow(
			/Uint8Array or a Float32Array/,
		);
	});
});
