import { beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import type { FeatureSet } from "../../src/evaluation/representation/features.js";
import { minimizeLbfgs } from "../../src/evaluation/representation/lbfgs.js";
import {
	designMatrix,
	featureStatistics,
	linearProbe,
	resolveLinearProbeOptions,
} from "../../src/evaluation/representation/linearProbe.js";
import { fitSoftmaxRegression, SoftmaxRegressionData } from "../../src/evaluation/representation/softmaxRegression.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";

/**
 * The penalised softmax-regression objective written loop by loop in float64, straight from
 * its formula: mean over rows of logsumexp_k(x_i W)_k - (x_i W)_{y_i}, plus weightDecay / 2
 * times the squared weights of every row but the last (bias); and its gradient.
 */
function naiveObjective(x: number[][], labels: number[], w: number[][], weightDecay: number) {
	const n = x.length;
	const columns = w.length;
	const k = w[0].length;
	let value = 0;
	const gradient = w.map((row) => row.map(() => 0));
	for (let i = 0; i < n; i++) {
		const logits: number[] = [];
		for (let c = 0; c < k; c++) {
			let z = 0;
			for (let d = 0; d < columns; d++) z += x[i][d] * w[d][c];
			logits.push(z);
		}
		const max = Math.max(...logits);
		const sum = logits.reduce((s, z) => s + Math.exp(z - max), 0);
		value += (max + Math.log(sum) - logits[labels[i]]) / n;
		for (let c = 0; c < k; c++) {
			const p = Math.exp(logits[c] - max) / sum;
			const residual = p - (c === labels[i] ? 1 : 0);
			for (let d = 0; d < columns; d++) gradient[d][c] += (x[i][d] * residual) / n;
		}
	}
	for (let d = 0; d < columns - 1; d++) {
		for (let c = 0; c < k; c++) {
			value += 0.5 * weightDecay * w[d][c] ** 2;
			gradient[d][c] += weightDecay * w[d][c];
		}
	}
	return { value, gradient: gradient.flat() };
}

/** Gaussian blobs: class c centred at `spread` * e_c (plus noise of std 1) in `dim` dimensions. */
function blobs(rng: Rng, perClass: number, classes: number, dim: number, spread: number): FeatureSet {
	const count = perClass * classes;
	const features = new Float32Array(count * dim);
	const labels = new Int32Array(count);
	for (let i = 0; i < count; i++) {
		const c = i % classes;
		labels[i] = c;
		for (let d = 0; d < dim; d++) features[i * dim + d] = rng.normal() + (d === c ? spread : 0);
	}
	return { features, labels, count, dim };
}

beforeAll(async () => {
	await initEngine();
});

describe("softmax regression objective", () => {
	it("matches the loop-by-loop formula (value and gradient), bias unpenalised, without leaking tensors", async () => {
		const rng = new Rng(3);
		const [n, dim, k, weightDecay] = [7, 4, 3, 0.3];
		const x = Array.from({ length: n }, () => [...Array.from({ length: dim }, () => rng.normal()), 1]);
		const labels = Array.from({ length: n }, () => rng.int(k));
		const w = Array.from({ length: dim + 1 }, () => Array.from({ length: k }, () => rng.normal()));
		const naive = naiveObjective(x, labels, w, weightDecay);
		const data = new SoftmaxRegressionData(Float32Array.from(x.flat()), Int32Array.from(labels), k);
		const out = await expectNoLeakedTensors(() => data.lossAndGradient(Float64Array.from(w.flat()), weightDecay));
		data.dispose();
		expect(Math.abs(out.value - naive.value)).toBeLessThan(1e-5);
		expect(maxAbsDiff(out.gradient, naive.gradient)).toBeLessThan(1e-5);
		// The bias row (last) carries no weight-decay term.
		const noDecay = naiveObjective(x, labels, w, 0);
		for (let c = 0; c < k; c++) expect(naive.gradient[dim * k + c]).toBeCloseTo(noDecay.gradient[dim * k + c], 12);
	});

	it("keeps small losses accurate when the logits are large (separated rows, many of them)", async () => {
		// 1000 rows with logits [30, 20] and label 0: each loses log(1 + e^-10) = 4.54e-5, a
		// difference far below float32's resolution of 30 (or of a sum over the rows).
		const n = 1000;
		const x = new Float32Array(2 * n).fill(1); // one feature of 1 and the bias column
		const data = new SoftmaxRegressionData(x, new Int32Array(n), 2);
		const { value } = await data.lossAndGradient(Float64Array.from([15, 10, 15, 10]), 0);
		data.dispose();
		expect(Math.abs(value - Math.log1p(Math.exp(-10))) / Math.log1p(Math.exp(-10))).toBeLessThan(1e-3);
	});
});

describe("L-BFGS", () => {
	it("finds the minimum of an ill-conditioned quadratic", async () => {
		const scales = [1, 10, 100, 1000];
		const target = [1, -2, 3, 0.5];
		const result = await minimizeLbfgs(
			async (x) => ({
				value: x.reduce((s, xi, i) => s + 0.5 * scales[i] * (xi - target[i]) ** 2, 0),
				gradient: x.map((xi, i) => scales[i] * (xi - target[i])),
			}),
			new Float64Array(4),
			{ maxIterations: 100, gradientTolerance: 1e-9, relativeTolerance: 0 },
		);
		expect(result.stop).toBe("gradient");
		expect(maxAbsDiff(result.x, target)).toBeLessThan(1e-8);
	});
});

describe("linear probe", () => {
	it("an analytic case: with no information in the features the bias learns the class frequencies", async () => {
		// Constant features standardise to 0; the optimum of the mean cross-entropy is softmax(bias) = frequencies.
		// (The objective is float32: near the optimum, steps below its resolution end the fit.)
		const labels = Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 2, 2]);
		const x = Float32Array.from(Array.from(labels, () => [0, 1]).flat()); // [10, 1 feature + bias]
		const data = new SoftmaxRegressionData(x, labels, 3);
		const fit = await fitSoftmaxRegression(data, { weightDecay: 0.1, gradientTolerance: 1e-6, relativeTolerance: 0 });
		data.dispose();
		const bias = Array.from(fit.x.subarray(3, 6));
		const z = bias.map(Math.exp).reduce((a, b) => a + b, 0);
		expect(
			maxAbsDiff(
				bias.map((b) => Math.exp(b) / z),
				[0.5, 0.3, 0.2],
			),
		).toBeLessThan(1e-3);
		expect(maxAbsDiff(fit.x.subarray(0, 3), [0, 0, 0])).toBeLessThan(1e-6);
	});

	it("separates well-separated classes perfectly, chooses a weight decay from the grid, leaks no tensors", async () => {
		const rng = new Rng(5);
		const train = blobs(rng, 30, 3, 5, 8);
		const test = blobs(rng, 20, 3, 5, 8);
		const result = await expectNoLeakedTensors(() =>
			linearProbe(train, test, 3, { weightDecays: [1e-1, 1e-3], maxIterations: 50 }),
		);
		expect(result.top1).toBe(1);
		expect(result.validationAccuracy).toBe(1);
		expect([1e-1, 1e-3]).toContain(result.weightDecay);
		expect(result.grid.map((g) => g.weightDecay)).toEqual([1e-1, 1e-3]);
		expect(result.validationImages).toBe(9); // 10% of 30 per class
		expect(result.trainImages).toBe(90);
	});

	it("is better than chance on noisy classes, and deterministic for a seed", async () => {
		const rng = new Rng(6);
		const train = blobs(rng, 40, 4, 6, 1.5);
		const test = blobs(rng, 40, 4, 6, 1.5);
		const options = { weightDecays: [1, 1e-2, 1e-4], seed: 9, maxIterations: 30 };
		const a = await linearProbe(train, test, 4, options);
		const b = await linearProbe(train, test, 4, options);
		expect(a).toEqual(b);
		expect(a.top1).toBeGreaterThan(0.5);
		// Strong weight decay shrinks the weights: its validation loss is the highest here.
		expect(a.grid[0].validationLoss).toBeGreaterThan(a.grid[2].validationLoss);
	});

	it("standardises with the training statistics; a constant feature is only centred", () => {
		const set: FeatureSet = {
			features: Float32Array.from([1, 5, 3, 5]),
			labels: Int32Array.from([0, 1]),
			count: 2,
			dim: 2,
		};
		const stats = featureStatistics(set);
		expect(Array.from(stats.mean)).toEqual([2, 5]);
		expect(Array.from(stats.scale)).toEqual([1, 1]);
		expect(Array.from(designMatrix(set, stats))).toEqual([-1, 0, 1, 1, 0, 1]);
	});

	it("rejects bad options and mismatched features with errors that name the value", async () => {
		expect(() => resolveLinearProbeOptions({ weightDecays: [] })).toThrow(/at least one/);
		expect(() => resolveLinearProbeOptions({ weightDecays: [-1] })).toThrow(/got -1/);
		expect(() => resolveLinearProbeOptions({ validationFraction: 1 })).toThrow(/validationFraction.*got 1/);
		expect(() => resolveLinearProbeOptions({ maxIterations: 0 })).toThrow(/maxIterations.*got 0/);
		const a = blobs(new Rng(1), 5, 2, 3, 1);
		const b = blobs(new Rng(1), 5, 2, 4, 1);
		await expect(linearProbe(a, b, 2)).rejects.toThrow(/3 dimensions but test features 4/);
	});
});
