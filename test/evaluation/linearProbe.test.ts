import { beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import type { FeatureSet } from "../../src/evaluation/representation/features.js";
import { LBFGS_DEFAULTS, minimizeLbfgs } from "../../src/evaluation/representation/lbfgs.js";
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

/** Solves A x = b (A square, row-major number[][]) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
	const n = b.length;
	const m = a.map((row, i) => [...row, b[i]]);
	for (let c = 0; c < n; c++) {
		let pivot = c;
		for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
		[m[c], m[pivot]] = [m[pivot], m[c]];
		for (let r = c + 1; r < n; r++) {
			const f = m[r][c] / m[c][c];
			for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
		}
	}
	const x = new Array<number>(n).fill(0);
	for (let r = n - 1; r >= 0; r--) {
		let v = m[r][n];
		for (let k = r + 1; k < n; k++) v -= m[r][k] * x[k];
		x[r] = v / m[r][r];
	}
	return x;
}

/**
 * The exact optimum of the penalised softmax regression by Newton's method in float64. W is
 * [D + 1, K] row-major (index d * K + k). The objective does not change when the same constant
 * is added to every class's bias, so its Hessian is singular along u (1/sqrt(K) on the bias
 * row, 0 elsewhere); adding u u^T makes it invertible without moving the step, because the
 * gradient is orthogonal to u. Returns W with the bias row centred over the classes.
 */
function newtonOptimum(x: number[][], labels: number[], k: number, weightDecay: number): number[] {
	const n = x.length;
	const columns = x[0].length;
	const size = columns * k;
	let w = new Array<number>(size).fill(0);
	for (let iteration = 0; iteration < 50; iteration++) {
		const wRows = Array.from({ length: columns }, (_, d) => w.slice(d * k, (d + 1) * k));
		const { gradient } = naiveObjective(x, labels, wRows, weightDecay);
		const h = Array.from({ length: size }, () => new Array<number>(size).fill(0));
		for (let i = 0; i < n; i++) {
			const logits = Array.from({ length: k }, (_, c) => x[i].reduce((sum, xd, d) => sum + xd * w[d * k + c], 0));
			const max = Math.max(...logits);
			const e = logits.map((z) => Math.exp(z - max));
			const total = e.reduce((a, b) => a + b, 0);
			const p = e.map((v) => v / total);
			for (let d = 0; d < columns; d++)
				for (let c = 0; c < k; c++)
					for (let e2 = 0; e2 < columns; e2++)
						for (let l = 0; l < k; l++)
							h[d * k + c][e2 * k + l] += (x[i][d] * x[i][e2] * (p[c] * (c === l ? 1 : 0) - p[c] * p[l])) / n;
		}
		for (let d = 0; d < columns - 1; d++) for (let c = 0; c < k; c++) h[d * k + c][d * k + c] += weightDecay;
		const bias = (columns - 1) * k;
		for (let c = 0; c < k; c++) for (let l = 0; l < k; l++) h[bias + c][bias + l] += 1 / k;
		const step = solve(
			h,
			gradient.map((g) => -g),
		);
		w = w.map((v, i) => v + step[i]);
		if (Math.max(...step.map(Math.abs)) < 1e-14) break;
	}
	return centreBias(w, columns, k);
}

/** W with its bias row (the last) shifted to mean 0 over the classes. */
function centreBias(w: ArrayLike<number>, columns: number, k: number): number[] {
	const out = Array.from(w);
	const bias = (columns - 1) * k;
	const mean = out.slice(bias).reduce((a, b) => a + b, 0) / k;
	for (let c = 0; c < k; c++) out[bias + c] -= mean;
	return out;
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

describe("softmax regression fit vs the exact optimum", () => {
	it("L-BFGS with the default tolerances lands on the float64 Newton optimum of a small problem", async () => {
		const rng = new Rng(11);
		const [n, dim, k, weightDecay] = [90, 4, 3, 0.02];
		const labels = Array.from({ length: n }, (_, i) => i % k);
		// Overlapping classes (means 1.5 apart, noise 1): the optimum is finite and not trivial.
		const x = labels.map((c) => [...Array.from({ length: dim }, (_, d) => rng.normal() + (d === c ? 1.5 : 0)), 1]);
		const exact = newtonOptimum(x, labels, k, weightDecay);
		const exactRows = Array.from({ length: dim + 1 }, (_, d) => exact.slice(d * k, (d + 1) * k));
		const exactValue = naiveObjective(x, labels, exactRows, weightDecay).value;
		expect(Math.max(...naiveObjective(x, labels, exactRows, weightDecay).gradient.map(Math.abs))).toBeLessThan(1e-12);
		const data = new SoftmaxRegressionData(Float32Array.from(x.flat()), Int32Array.from(labels), k);
		const fit = await expectNoLeakedTensors(() => fitSoftmaxRegression(data, { weightDecay }));
		data.dispose();
		expect(["gradient", "progress"]).toContain(fit.stop);
		expect(fit.iterations).toBeLessThan(LBFGS_DEFAULTS.maxIterations);
		expect(fit.gradientNorm).toBeLessThan(1e-4);
		const found = centreBias(fit.x, dim + 1, k);
		expect(maxAbsDiff(found, exact)).toBeLessThan(1e-3);
		expect(fit.value - exactValue).toBeGreaterThanOrEqual(-1e-6);
		expect(fit.value - exactValue).toBeLessThan(1e-7);
		// The old fixed 5-iteration budget is far from it: the comparison can fail.
		const early = new SoftmaxRegressionData(Float32Array.from(x.flat()), Int32Array.from(labels), k);
		const short = await fitSoftmaxRegression(early, { weightDecay, maxIterations: 5 });
		early.dispose();
		expect(short.stop).toBe("iterations");
		expect(maxAbsDiff(centreBias(short.x, dim + 1, k), exact)).toBeGreaterThan(1e-2);
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
			linearProbe(train, test, 3, { weightDecays: [1e-1, 1e-3], maxIterations: 50, extendGrid: 0 }),
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

	it("grows the weight-decay grid past an edge until the choice is interior, and records the fits", async () => {
		// Few noisy images in many dimensions: weak decay overfits, so the best decay is strong.
		const rng = new Rng(21);
		const train = blobs(rng, 20, 4, 40, 0.8);
		const test = blobs(rng, 50, 4, 40, 0.8);
		const result = await linearProbe(train, test, 4, { weightDecays: [1e-4, 1e-5], extendGrid: 4 });
		const tried = result.grid.map((g) => g.weightDecay);
		expect(tried[0]).toBeGreaterThan(1e-4); // grew on the strong side
		for (let i = 1; i < tried.length; i++) expect(tried[i]).toBeLessThan(tried[i - 1]); // strongest first
		expect(result.edge).toBe("interior");
		expect(result.weightDecay).not.toBe(tried[0]);
		expect(result.weightDecay).toBeGreaterThan(1e-4);
		for (const g of result.grid) {
			expect(["gradient", "progress"]).toContain(g.stop);
			expect(g.gradientNorm).toBeGreaterThanOrEqual(0);
			expect(g.iterations).toBeGreaterThan(0);
		}
		expect(result.cappedFits).toBe(0);
		expect(["gradient", "progress"]).toContain(result.stop);
	});

	it("records a choice that stays on an edge once the grid may not grow any more", async () => {
		const rng = new Rng(22);
		const train = blobs(rng, 20, 4, 40, 0.8);
		const test = blobs(rng, 20, 4, 40, 0.8);
		const result = await linearProbe(train, test, 4, { weightDecays: [1e-4, 1e-5], extendGrid: 0 });
		expect(result.grid.map((g) => g.weightDecay)).toEqual([1e-4, 1e-5]);
		expect(result.edge).toBe("strongest");
		expect(result.weightDecay).toBe(1e-4);
		expect(() => resolveLinearProbeOptions({ extendGrid: -1 })).toThrow(/extendGrid.*got -1/);
		expect(() => resolveLinearProbeOptions({ weightDecays: [1e-3, 1e-3] })).toThrow(/repeat/);
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
