import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { truncatedNormal } from "../../src/engine/truncatedNormal.js";
import { GenrepError } from "../../src/errors.js";
import type { Generator } from "../../src/generators/generator.js";
import { loadGenerator } from "../../src/generators/load.js";
import { orthonormalDirections } from "../../src/views/steer/blackBoxGradient.js";
import { drawAlpha, latentUnit } from "../../src/views/steer/pixelEdits.js";
import { trainWalk, walkGradient } from "../../src/views/steer/trainWalks.js";
import { resolveWalkGradient, type WalkStepBatch } from "../../src/views/steer/walkGradient.js";
import { expectNoLeakedTensors } from "../helpers/tensors.js";
import { makeBlobGenerator } from "./blobGenerator.js";
import { type LinearGenerator, solve, writeLinearOnnxGenerator } from "./linearOnnx.js";

const root = await mkdtemp(join(tmpdir(), "genrep-blackbox-"));
afterAll(() => rm(root, { recursive: true, force: true }));
beforeAll(async () => {
	await initEngine({ backend: "wasm" });
});

const D = 4;
const SHAPE: [number, number, number] = [8, 8, 1];
const BRIGHTNESS: [number, number] = [-0.3, 0.3];

/**
 * G(z) = z A + b on 8x8x1 images: latent 0 brightens every pixel by about 0.25 per unit, the
 * others add small random patterns. With truncation 1 and alpha in [-0.3, 0.3] no pixel of G(z)
 * or of its brightness edit leaves [-1, 1], so nothing is clipped and the objective is exactly
 * E[s^2] |w A - unit 1|^2 / P: its minimiser is the least-squares walk (A A^T) w* = unit A 1.
 */
async function linearGenerator(): Promise<LinearGenerator> {
	const rng = new Rng(11);
	const p = SHAPE[0] * SHAPE[1] * SHAPE[2];
	const u = () => 2 * rng.uniform() - 1;
	const a = Float64Array.from({ length: D * p }, (_, i) => (i < p ? 0.25 : 0) + 0.05 * u()); // [d, P]
	const b = Float64Array.from({ length: p }, () => 0.05 * u()); // [P]
	return writeLinearOnnxGenerator(join(root, "linear"), a, b, D, SHAPE);
}

function leastSquaresWalk(g: LinearGenerator, unit: number): Float64Array {
	const p = g.b.length;
	const gram = new Float64Array(D * D); // [d, d] A A^T
	const rhs = new Float64Array(D); // [d] unit A 1
	for (let j = 0; j < D; j++) {
		for (let k = 0; k < D; k++) for (let q = 0; q < p; q++) gram[j * D + k] += g.a[j * p + q] * g.a[k * p + q];
		for (let q = 0; q < p; q++) rhs[j] += unit * g.a[j * p + q];
	}
	return solve(gram, rhs);
}

const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
const distance = (a: ArrayLike<number>, b: ArrayLike<number>) => norm(Array.from(a, (v, i) => v - b[i]));
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) =>
	Array.from(a).reduce((s, v, i) => s + v * b[i], 0) / (norm(a) * norm(b));

/** Counts calls of G (one onnxruntime run each for a dynamic batch axis). */
function counting(g: Generator): { generator: Generator; calls: () => number } {
	let calls = 0;
	const generator = Object.create(g) as Generator;
	generator.generate = (z, y) => {
		calls++;
		return g.generate(z, y);
	};
	return { generator, calls: () => calls };
}

describe("derivative-free walks on a linear ONNX generator", () => {
	let linear: LinearGenerator;
	let onnx: Generator;
	let best: Float64Array;
	const unit = latentUnit("brightness", BRIGHTNESS);
	const options = { steps: 150, batchSize: 8, learningRate: 0.05, seed: 0, truncation: 1 };

	beforeAll(async () => {
		linear = await linearGenerator();
		onnx = await loadGenerator(linear.dir);
		best = leastSquaresWalk(linear, unit);
	});
	afterAll(() => onnx.dispose());

	it("the least-squares walk is a real target: far from 0 and mostly along latent 0", () => {
		expect(onnx.differentiable).toBe(false);
		expect(norm(best)).toBeGreaterThan(1);
		expect(Math.abs(best[0]) / norm(best)).toBeGreaterThan(0.9);
	});

	/** The objective above its minimum, as a fraction of that at w = 0: |(w - w*) A|^2 / |w* A|^2. */
	const excess = (w: ArrayLike<number>) => {
		const p = linear.b.length;
		const moved = (v: ArrayLike<number>) =>
			Array.from({ length: p }, (_, q) => Array.from(v).reduce((s, vj, j) => s + vj * linear.a[j * p + q], 0));
		return norm(moved(Array.from(w, (v, i) => v - best[i]))) ** 2 / norm(moved(best)) ** 2;
	};

	// es with 2 of 4 directions per latent is noisier, so it gets more steps and a larger rate.
	for (const [method, steps, learningRate, tolerance] of [
		["fd", 150, 0.05, 0.03],
		["es", 300, 0.1, 0.08],
	] as const) {
		it(`${method}: Adam on the derivative-free gradient approaches the least-squares walk`, async () => {
			const gradient = resolveWalkGradient(onnx, { gradient: method, ...(method === "es" ? { probes: 2 } : {}) });
			const { generator, calls } = counting(onnx);
			const { vector, losses } = await expectNoLeakedTensors(() =>
				trainWalk(generator, "brightness", BRIGHTNESS, { ...options, steps, learningRate, gradient }),
			);
			// One call of G per step: the batch, the batch moved by w and every probe together.
			expect(calls()).toBe(steps);
			expect(excess(new Float32Array(D))).toBeCloseTo(1, 9);
			expect(excess(vector)).toBeLessThan(1e-4);
			// The least-squares walk itself; what is left lies along the directions G hardly moves.
			expect(distance(vector, best) / norm(best)).toBeLessThan(tolerance);
			expect(losses.at(-1)).toBeLessThan(0.05 * losses[0]);
		});
	}

	it("auto is es for a black box; es is deterministic for a seed and differs for another", async () => {
		expect(resolveWalkGradient(onnx, {})).toEqual({ method: "es", probes: D, probeScale: 0.05 });
		const short = { ...options, steps: 5, gradient: resolveWalkGradient(onnx, { gradient: "es", probes: 2 }) };
		const a = await trainWalk(onnx, "brightness", BRIGHTNESS, short);
		const b = await trainWalk(onnx, "brightness", BRIGHTNESS, short);
		const c = await trainWalk(onnx, "brightness", BRIGHTNESS, { ...short, seed: 1 });
		expect(b.vector).toEqual(a.vector);
		expect(b.losses).toEqual(a.losses);
		expect(c.vector).not.toEqual(a.vector);
	});

	it("bad gradient options are errors naming the value and the fix", () => {
		const cases: [Record<string, unknown>, string][] = [
			[{ gradient: "sgd" }, 'steer train: gradient must be one of auto, autodiff, fd, es, got "sgd"'],
			[
				{ gradient: "autodiff" },
				`steer train: gradient 'autodiff' needs a differentiable (tfjs) generator, but ${linear.dir} is a black box (ONNX); use gradient 'es' or 'fd' (derivative-free), or leave it out to choose automatically`,
			],
			[{ gradient: "es", probes: 0 }, "steer train: probes must be an integer >= 1, got 0"],
			[{ gradient: "es", probes: 1.5 }, "steer train: probes must be an integer >= 1, got 1.5"],
			[
				{ probes: 5 },
				`steer train: probes 5 is more than ${linear.dir}'s latent dim 4; at most 4 orthogonal probes fit (gradient 'fd' probes every latent direction)`,
			],
			[
				{ gradient: "fd", probes: 2 },
				"steer train: probes applies to gradient 'es' only, but the gradient is 'fd'; fd probes every latent direction",
			],
			[{ gradient: "fd", probeScale: 0 }, "steer train: probeScale must be a positive number, got 0"],
			[{ probeScale: Number.NaN }, "steer train: probeScale must be a positive number, got NaN"],
		];
		for (const [options, message] of cases) {
			let error: unknown;
			try {
				resolveWalkGradient(onnx, options);
			} catch (err) {
				error = err;
			}
			expect(error, JSON.stringify(options)).toBeInstanceOf(GenrepError);
			expect((error as Error).message).toBe(message);
		}
	});
});

describe("derivative-free gradients against autodiff on tfjs generators", () => {
	const range: [number, number] = [0.7, 1.4];
	const unit = latentUnit("zoom", range);

	function stepBatch(g: Generator, b: number, seed: number): { batch: WalkStepBatch; w: Float32Array } {
		const rng = new Rng(seed);
		const batch = {
			z: truncatedNormal(rng, b * g.latentDim, 0, 1, 2),
			labels: g.numClasses > 0 ? Int32Array.from({ length: b }, () => rng.int(g.numClasses)) : null,
			alphas: Array.from({ length: b }, () => drawAlpha(rng, "zoom", range)),
		};
		return { batch, w: Float32Array.from({ length: g.latentDim }, () => 0.3 * rng.normal()) };
	}

	it("blob generator: fd matches autodiff's loss and gradient; es estimates average to it", async () => {
		const g = makeBlobGenerator(16);
		const { batch, w } = stepBatch(g, 8, 5);
		const gradientOf = (options: Record<string, unknown>, seed = 0) =>
			walkGradient(g, "zoom", unit, resolveWalkGradient(g, options), seed);
		await expectNoLeakedTensors(async () => {
			const exact = await gradientOf({ gradient: "autodiff" })(batch, w);
			expect(norm(exact.grad)).toBeGreaterThan(1e-3);
			const fd = await gradientOf({ gradient: "fd" })(batch, w);
			expect(fd.loss).toBeCloseTo(exact.loss, 5);
			expect(cosine(fd.grad, exact.grad)).toBeGreaterThan(0.999);
			expect(norm(fd.grad) / norm(exact.grad)).toBeCloseTo(1, 2);
			// es with 2 of 6 directions per latent: each estimate is rough, their mean converges.
			const runs = 64;
			const mean = new Float64Array(g.latentDim);
			let single = 0;
			const es = gradientOf({ gradient: "es", probes: 2 }, 1);
			for (let r = 0; r < runs; r++) {
				const e = await es(batch, w);
				expect(e.loss).toBeCloseTo(exact.loss, 5);
				for (let k = 0; k < mean.length; k++) mean[k] += e.grad[k] / runs;
				single += cosine(e.grad, exact.grad) / runs;
			}
			expect(single).toBeLessThan(0.95); // one estimate alone is far from the gradient
			expect(cosine(mean, exact.grad)).toBeGreaterThan(0.97);
			expect(norm(mean) / norm(exact.grad)).toBeGreaterThan(0.85);
			expect(norm(mean) / norm(exact.grad)).toBeLessThan(1.15);
		});
		g.dispose();
	});

	it("fashion-mnist-gan (the shipped tfjs GAN, 64-d): fd matches autodiff", async () => {
		const g = await loadGenerator("fashion-mnist-gan");
		const { batch, w } = stepBatch(g, 2, 6);
		await expectNoLeakedTensors(async () => {
			const exact = await walkGradient(g, "zoom", unit, resolveWalkGradient(g, {}), 0)(batch, w);
			const fd = await walkGradient(g, "zoom", unit, resolveWalkGradient(g, { gradient: "fd" }), 0)(batch, w);
			expect(norm(exact.grad)).toBeGreaterThan(1e-3);
			expect(fd.loss).toBeCloseTo(exact.loss, 5);
			expect(cosine(fd.grad, exact.grad)).toBeGreaterThan(0.99);
		});
		g.dispose();
	});

	it("auto is autodiff for a tfjs generator; explicit es and fd work on it too", () => {
		const g = makeBlobGenerator(8);
		expect(resolveWalkGradient(g, {})).toEqual({ method: "autodiff", probes: 0, probeScale: 0 });
		expect(resolveWalkGradient(g, { gradient: "fd" })).toEqual({ method: "fd", probes: 6, probeScale: 0.05 });
		expect(resolveWalkGradient(g, { gradient: "es" })).toEqual({ method: "es", probes: 6, probeScale: 0.05 });
		expect(resolveWalkGradient(g, { gradient: "es", probes: 3 })).toEqual({
			method: "es",
			probes: 3,
			probeScale: 0.05,
		});
		expect(() => resolveWalkGradient(g, { probes: 2 })).toThrow(
			"steer train: probes applies to gradient 'es' only, but the gradient is 'autodiff' (auto chose 'autodiff': " +
				"blob has gradients); pass gradient 'es' to use probes",
		);
		expect(() => resolveWalkGradient(g, { probeScale: 0.1 })).toThrow(
			"steer train: probeScale applies to the derivative-free gradients (es, fd) only",
		);
		g.dispose();
	});
});

describe("probe directions", () => {
	it("are orthonormal per latent, seeded, and refuse more directions than dimensions", () => {
		const [b, q, d] = [3, 4, 6];
		const v = orthonormalDirections(new Rng(2), b, q, d);
		for (let i = 0; i < b; i++) {
			for (let j = 0; j < q; j++) {
				for (let k = 0; k < q; k++) {
					let dot = 0;
					for (let c = 0; c < d; c++) dot += v[(i * q + j) * d + c] * v[(i * q + k) * d + c];
					expect(dot).toBeCloseTo(j === k ? 1 : 0, 12);
				}
			}
		}
		expect(orthonormalDirections(new Rng(2), b, q, d)).toEqual(v);
		expect(orthonormalDirections(new Rng(3), b, q, d)).not.toEqual(v);
		expect(() => orthonormalDirections(new Rng(2), 1, 7, 6)).toThrow("7 directions do not fit in 6 dimensions");
	});
});
