import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { GenrepError } from "../../src/errors.js";
import { loadGenerator } from "../../src/generators/load.js";
import { sampleAnchors } from "../../src/views/latent/latentView.js";
import { createLatentView } from "../../src/views/latent/registry.js";
import { SteerView } from "../../src/views/latent/steer.js";
import {
	alphaGrid,
	checkAlphaRange,
	latentStep,
	latentUnit,
	PIXEL_EDIT_NAMES,
	PIXEL_EDITS,
	type PixelEditName,
} from "../../src/views/steer/pixelEdits.js";
import { measureWalk, trainWalk } from "../../src/views/steer/trainWalks.js";
import { generatorWeightsSha256, SteeringWalks } from "../../src/views/steer/walks.js";
import { expectNoLeakedTensors } from "../helpers/tensors.js";
import { makeBlobGenerator } from "./blobGenerator.js";
import { unit, writeWalksFolder } from "./walksFixture.js";

const root = await mkdtemp(join(tmpdir(), "genrep-steer-"));
afterAll(() => rm(root, { recursive: true, force: true }));
beforeAll(async () => {
	await initEngine({ backend: "wasm" });
});

const errorOf = (fn: () => unknown): Error => {
	try {
		fn();
	} catch (err) {
		return err as Error;
	}
	throw new Error("did not throw");
};

/** One image [H, W, 1] of zeros with value 1 at (y, x). */
function dot(h: number, w: number, y: number, x: number): Float32Array {
	const image = new Float32Array(h * w);
	image[y * w + x] = 1;
	return image;
}

function edit(name: PixelEditName, image: Float32Array, h: number, w: number, alpha: number) {
	const out = new Float32Array(image.length);
	const mask = new Float32Array(h * w);
	PIXEL_EDITS[name].apply(image, [h, w, 1], alpha, out, mask);
	return { out, mask };
}

const argmax = (a: Float32Array) => a.reduce((best, v, i) => (v > a[best] ? i : best), 0);

describe("pixel edits", () => {
	it("shifts move the content by alpha pixels and mask the columns or rows that came from outside", () => {
		const { out, mask } = edit("shiftX", dot(8, 8, 5, 3), 8, 8, 2);
		expect(argmax(out)).toBe(5 * 8 + 5);
		expect(out[5 * 8 + 5]).toBeCloseTo(1, 6);
		for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) expect(mask[y * 8 + x]).toBe(x < 2 ? 0 : 1);
		const up = edit("shiftY", dot(8, 8, 5, 3), 8, 8, -1);
		expect(argmax(up.out)).toBe(4 * 8 + 3);
		for (let x = 0; x < 8; x++) expect(up.mask[7 * 8 + x]).toBe(0);
		// Half a pixel: bilinear, split between two pixels.
		const half = edit("shiftX", dot(8, 8, 5, 3), 8, 8, 0.5);
		expect(half.out[5 * 8 + 3]).toBeCloseTo(0.5, 6);
		expect(half.out[5 * 8 + 4]).toBeCloseTo(0.5, 6);
	});

	it("rotation turns counter-clockwise on screen; zoom scales about the centre and masks what zoom-out leaves empty", () => {
		// 15x15: the centre is pixel (7, 7); a dot 4 right of it goes 4 up after +90 degrees.
		const rotated = edit("rotate", dot(15, 15, 7, 11), 15, 15, 90);
		expect(argmax(rotated.out)).toBe(3 * 15 + 7);
		expect(rotated.mask.every((m) => m === 1)).toBe(true); // a square turned by 90 degrees covers itself
		expect(edit("rotate", dot(15, 15, 7, 11), 15, 15, 45).mask[0]).toBe(0); // corners come from outside
		const zoomIn = edit("zoom", dot(15, 15, 7, 9), 15, 15, 2);
		expect(argmax(zoomIn.out)).toBe(7 * 15 + 11);
		const zoomOut = edit("zoom", dot(15, 15, 7, 11), 15, 15, 0.5);
		expect(argmax(zoomOut.out)).toBe(7 * 15 + 9);
		expect(zoomOut.mask[0]).toBe(0);
		expect(zoomOut.mask[7 * 15 + 7]).toBe(1);
	});

	it("brightness adds and clips; contrast scales around the mean; both define every pixel", () => {
		const image = Float32Array.from([-1, -0.5, 0, 0.5]);
		const b = edit("brightness", image, 2, 2, 0.6);
		expect([...b.out].map((v) => Number(v.toFixed(4)))).toEqual([-0.4, 0.1, 0.6, 1]);
		expect([...b.mask]).toEqual([1, 1, 1, 1]);
		const c = edit("contrast", image, 2, 2, 0.5);
		expect([...c.out].map((v) => Number(v.toFixed(4)))).toEqual([-0.625, -0.375, -0.125, 0.125]);
	});

	it("the identity alpha of every edit leaves the image as it is", () => {
		const image = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * 0.9);
		for (const name of PIXEL_EDIT_NAMES) {
			const { out, mask } = edit(name, image, 8, 8, PIXEL_EDITS[name].identity);
			expect(
				[...out].map((v) => Number(v.toFixed(5))),
				name,
			).toEqual([...image].map((v) => Number(v.toFixed(5))));
			expect(
				mask.every((m) => m === 1),
				name,
			).toBe(true);
		}
	});

	it("latent steps: 0 at the identity, +-1 at the far end of the range; log for zoom and contrast", () => {
		expect(latentStep("shiftX", 3, latentUnit("shiftX", [-6, 3]))).toBeCloseTo(0.5, 9);
		expect(latentStep("shiftX", -6, latentUnit("shiftX", [-6, 3]))).toBeCloseTo(-1, 9);
		expect(latentStep("zoom", 2, latentUnit("zoom", [0.5, 2]))).toBeCloseTo(1, 9);
		expect(latentStep("zoom", 0.5, latentUnit("zoom", [0.5, 2]))).toBeCloseTo(-1, 9);
		expect(latentStep("zoom", 1, latentUnit("zoom", [0.5, 2]))).toBe(0);
		expect(alphaGrid("zoom", [0.5, 2], 3).map((a) => Number(a.toFixed(9)))).toEqual([0.5, 1, 2]);
		expect(alphaGrid("rotate", [-45, 45], 3)).toEqual([-45, 0, 45]);
	});

	it("bad alpha ranges are errors that name the edit and the range", () => {
		const cases: [string, unknown, string][] = [
			["zoom", [0, 2], "zoom: alpha range [0,2] must lie inside (0, 8) factor"],
			["zoom", [-1, 2], "zoom: alpha range [-1,2] must lie inside (0, 8) factor"],
			["contrast", [1.2, 2], "contrast: alpha range [1.2,2] must contain 1, the alpha that leaves the image as it is"],
			["shiftX", [2, -2], "shiftX: alpha range must be [min, max] with min < max, got [2,-2]"],
			["shiftY", [1, 1], "shiftY: alpha range must be [min, max] with min < max, got [1,1]"],
			["shiftX", [-40, 4], "shiftX: alpha range [-40,4] must lie inside (-32, 32) pixels"],
			["rotate", [-200, 10], "rotate: alpha range [-200,10] must lie inside (-180, 180) degrees"],
			["rotate", [Number.NaN, 10], "rotate: alpha range must be [min, max] with min < max, got [null,10]"],
			["rotate", "10", 'rotate: alpha range must be [min, max] with min < max, got "10"'],
			["shear", [-1, 1], "unknown pixel edit 'shear'; known edits: shiftX, shiftY, zoom, rotate, brightness, contrast"],
		];
		for (const [name, range, message] of cases) {
			const err = errorOf(() => checkAlphaRange(name, range, 32, 32));
			expect(err).toBeInstanceOf(GenrepError);
			expect(err.message).toBe(message);
		}
		expect(checkAlphaRange("zoom", [0.5, 2], 32, 32)).toEqual([0.5, 2]);
	});
});

describe("walk training", () => {
	// Ranges for 16x16 images.
	const RANGES: Record<PixelEditName, [number, number]> = {
		shiftX: [-3, 3],
		shiftY: [-3, 3],
		zoom: [0.7, 1.4],
		rotate: [-30, 30],
		brightness: [-0.3, 0.3],
		contrast: [0.6, 1.6],
	};

	it("each walk lowers its masked error against the edited image, compared with w = 0", async () => {
		const g = makeBlobGenerator(16);
		const options = { steps: 60, batchSize: 16, learningRate: 0.1, seed: 1, truncation: 2 };
		const reductions: Record<string, number> = {};
		await expectNoLeakedTensors(async () => {
			for (const name of PIXEL_EDIT_NAMES) {
				const { vector, losses } = await trainWalk(g, name, RANGES[name], options);
				expect(losses.length).toBe(60);
				const e = await measureWalk(g, name, RANGES[name], vector, {
					samples: 64,
					alphas: 6,
					seed: 2,
					truncation: 2,
					batchSize: 32,
				});
				expect(e.withWalk, name).toBeLessThan(e.withoutWalk);
				expect(e.byAlpha.length, name).toBe(6);
				reductions[name] = e.reduction;
			}
		});
		for (const name of PIXEL_EDIT_NAMES) expect(reductions[name], name).toBeGreaterThan(0.1);
		g.dispose();
	});

	it("training is deterministic for a seed", async () => {
		const g = makeBlobGenerator(16);
		const options = { steps: 5, batchSize: 4, learningRate: 0.1, seed: 3, truncation: 2 };
		const a = await trainWalk(g, "shiftX", RANGES.shiftX, options);
		const b = await trainWalk(g, "shiftX", RANGES.shiftX, options);
		const c = await trainWalk(g, "shiftX", RANGES.shiftX, { ...options, seed: 4 });
		expect(b.vector).toEqual(a.vector);
		expect(c.vector).not.toEqual(a.vector);
		g.dispose();
	});
});

describe("shipped walks", () => {
	it("each shipped generator has six walks for its weights that lower their masked error; manifests name them by the generator", async () => {
		for (const name of ["fashion-mnist-gan", "fashion-mnist-cgan"]) {
			const generator = await loadGenerator(name);
			const space = {
				latentDim: generator.latentDim,
				numClasses: generator.numClasses,
				truncation: 2,
				differentiable: generator.differentiable,
				weightsSha256: () => generatorWeightsSha256(generator),
			};
			new SteerView({ walks: name }).checkCompatible(space, name);
			generator.dispose();
			const walks = SteeringWalks.load(name);
			expect(walks.card.walks.map((w) => w.edit)).toEqual(PIXEL_EDIT_NAMES);
			expect(walks.card.generator).toMatchObject({ id: name, latentDim: 64 });
			for (const w of walks.card.walks) {
				expect(w.maskedError.withWalk, `${name} ${w.edit}`).toBeLessThan(w.maskedError.withoutWalk);
				expect(w.maskedError.reduction).toBeGreaterThan(0);
			}
			expect(new SteerView({ walks: name }).config.walks).toBe(name);
		}
	});
});

describe("steer latent view", () => {
	const d = 8;
	const weightsSha256 = "ab".repeat(32);
	let walksDir: string;
	beforeAll(async () => {
		walksDir = await writeWalksFolder(
			join(root, "walks"),
			{ id: "test", latentDim: d, numClasses: 3, weightsSha256 },
			{ shiftX: unit(d, 0), zoom: unit(d, 1), brightness: Float32Array.from(unit(d, 2), (v) => 2 * v) },
		);
	});
	const space = {
		latentDim: d,
		numClasses: 3,
		truncation: 2,
		differentiable: true,
		weightsSha256: () => weightsSha256,
	};

	it("neighbours are the anchor plus sum_i step(alpha_i) w_i, with alphas drawn over each range", () => {
		const view = new SteerView({ walks: walksDir });
		view.checkCompatible(space, "test");
		const n = 400;
		const anchors = sampleAnchors(new Rng(1), n, d);
		const out = view.neighbours(new Rng(2), anchors, 3, space);
		expect(out.length).toBe(n * 3 * d);
		const coeff: number[][] = [[], [], []];
		for (let i = 0; i < n; i++) {
			for (let j = 0; j < 3; j++) {
				for (let c = 0; c < d; c++) {
					const offset = out[(i * 3 + j) * d + c] - anchors[i * d + c];
					if (c < 3) coeff[c].push(c === 2 ? offset / 2 : offset);
					else expect(Math.abs(offset)).toBeLessThan(1e-6); // only along the walks
				}
			}
		}
		const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
		const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
		// shiftX [-6, 6] and brightness [-0.5, 0.5]: steps uniform on [-1, 1] (mean 0, std 1 / sqrt 3).
		for (const c of [0, 2]) {
			expect(Math.min(...coeff[c])).toBeGreaterThanOrEqual(-1);
			expect(Math.max(...coeff[c])).toBeLessThanOrEqual(1);
			expect(Math.abs(mean(coeff[c]))).toBeLessThan(0.06);
			expect(std(coeff[c])).toBeCloseTo(1 / Math.sqrt(3), 1);
		}
		// zoom [0.6, 1.6], log-uniform: steps uniform on [log 0.6, log 1.6] / -log 0.6.
		const lo = -1;
		const hi = Math.log(1.6) / -Math.log(0.6);
		expect(Math.min(...coeff[1])).toBeGreaterThanOrEqual(lo - 1e-6);
		expect(Math.max(...coeff[1])).toBeLessThanOrEqual(hi + 1e-6);
		expect(mean(coeff[1])).toBeCloseTo((lo + hi) / 2, 1);
		// Same rng state, same neighbours; another state, others.
		expect(view.neighbours(new Rng(2), anchors, 3, space)).toEqual(out);
		expect(view.neighbours(new Rng(3), anchors, 3, space)).not.toEqual(out);
	});

	it("alphaScale shrinks every range towards no edit; the config records the walks and their sha256", async () => {
		const view = new SteerView({ walks: walksDir, alphaScale: 0.5 });
		const anchors = new Float32Array(200 * d);
		const out = view.neighbours(new Rng(5), anchors, 1, space);
		for (let i = 0; i < 200; i++) expect(Math.abs(out[i * d])).toBeLessThanOrEqual(0.5);
		expect(view.alphaRange(view.walks.card.walks[1]).map((a) => Number(a.toFixed(6)))).toEqual([
			Number(Math.sqrt(0.6).toFixed(6)),
			Number(Math.sqrt(1.6).toFixed(6)),
		]);
		const sha = createHash("sha256")
			.update(await readFile(join(walksDir, "walks.safetensors")))
			.digest("hex");
		expect(view.config).toEqual({ kind: "steer", walks: walksDir, walksSha256: sha, alphaScale: 0.5 });
		// A manifest's config rebuilds the same view.
		expect(createLatentView("steer", { ...view.config, kind: undefined }).config).toEqual(view.config);
	});

	it("without walks, with bad options, or on a generator the walks do not fit: GenrepErrors naming the problem", async () => {
		const cases: [Record<string, unknown>, string][] = [
			[{}, "steer view needs walks: pass --walks <dir>"],
			[{ walks: join(root, "nope") }, `${join(root, "nope")}: no such walks folder`],
			[{ walks: 3 }, "steer view: walks must be a folder path, got 3"],
			[{ walks: walksDir, alphaScale: 0 }, "steer view: alphaScale must be a positive number, got 0"],
			[{ walks: walksDir, alphaScale: 1.5 }, "steer view: alphaScale must be in (0, 1]"],
			[{ walks: walksDir, walksSha256: "00" }, "holds different walks"],
			[
				{ walks: walksDir, sigma: 1 },
				"steer view: unknown option 'sigma' (known options: walks, alphaScale, walksSha256)",
			],
			[{ walks: root }, `${join(root, "walks.json")}: no such file (not a walks folder`],
		];
		for (const [options, message] of cases) {
			const err = errorOf(() => createLatentView("steer", options));
			expect(err, JSON.stringify(options)).toBeInstanceOf(GenrepError);
			expect(err.message).toContain(message);
		}
		const view = new SteerView({ walks: walksDir });
		// A black box (ONNX) takes walks trained for it: the view only adds latent offsets.
		expect(() => view.checkCompatible({ ...space, differentiable: false }, "onnx-g")).not.toThrow();
		expect(errorOf(() => view.checkCompatible({ ...space, latentDim: 9 }, "other")).message).toContain(
			"were trained for generator 'test' (latent dim 8, 3 classes), not for other (latent dim 9, 3 classes)",
		);
		expect(
			errorOf(() => view.checkCompatible({ ...space, weightsSha256: () => "cd".repeat(32) }, "other")).message,
		).toContain("(weights sha256 abababababab), not for other (weights sha256 cdcdcdcdcdcd)");
		// A walks file that does not match its card.
		const broken = await writeWalksFolder(
			join(root, "broken"),
			{ id: "test", latentDim: d, numClasses: 3, weightsSha256 },
			{ shiftX: unit(d, 0) },
		);
		const card = JSON.parse(await readFile(join(broken, "walks.json"), "utf8"));
		card.generator.latentDim = 4;
		await writeFile(join(broken, "walks.json"), JSON.stringify(card));
		expect(errorOf(() => SteeringWalks.load(broken)).message).toBe(
			`${join(broken, "walks.safetensors")}: walk 'shiftX' should be F32 [4], found F32 [8]`,
		);
	});
});
