import { beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import type { FeatureSet } from "../../src/evaluation/representation/features.js";
import { knnClassify, majorityVote } from "../../src/evaluation/representation/knn.js";
import { lowShotProbes, lowShotRows } from "../../src/evaluation/representation/lowShot.js";
import {
	balancedCounts,
	balancedSubset,
	perClassSample,
	stratifiedSplit,
} from "../../src/evaluation/representation/sampling.js";
import { expectNoLeakedTensors } from "../helpers/tensors.js";

function randomSet(rng: Rng, count: number, dim: number, classes: number): FeatureSet {
	const features = Float32Array.from({ length: count * dim }, () => rng.normal());
	const labels = Int32Array.from({ length: count }, () => rng.int(classes));
	return { features, labels, count, dim };
}

/** kNN by brute force: every cosine similarity in float64, a full sort, the same vote rule. */
function bruteForceKnn(train: FeatureSet, test: FeatureSet, k: number, classes: number): number[] {
	const row = (s: FeatureSet, i: number) => Array.from(s.features.subarray(i * s.dim, (i + 1) * s.dim));
	const norm = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + b * b, 0));
	const predictions: number[] = [];
	for (let i = 0; i < test.count; i++) {
		const q = row(test, i);
		const sims = Array.from({ length: train.count }, (_, j) => {
			const t = row(train, j);
			return { j, sim: q.reduce((a, qd, d) => a + qd * t[d], 0) / (norm(q) * norm(t)) };
		});
		sims.sort((a, b) => b.sim - a.sim || a.j - b.j);
		const top = sims.slice(0, k);
		const votes = new Array(classes).fill(0);
		const weight = new Array(classes).fill(0);
		for (const { j, sim } of top) {
			votes[train.labels[j]]++;
			weight[train.labels[j]] += sim;
		}
		let best = 0;
		for (let c = 1; c < classes; c++) {
			if (votes[c] > votes[best] || (votes[c] === votes[best] && weight[c] > weight[best])) best = c;
		}
		predictions.push(best);
	}
	return predictions;
}

const classCounts = (labels: ArrayLike<number>, rows: ArrayLike<number>, classes: number) => {
	const counts = new Array(classes).fill(0);
	for (let i = 0; i < rows.length; i++) counts[labels[rows[i]]]++;
	return counts;
};

beforeAll(async () => {
	await initEngine();
});

describe("kNN (cosine, majority vote)", () => {
	it("predicts what a brute-force loop predicts, in blocks of any size, without leaking tensors", async () => {
		const rng = new Rng(11);
		const train = randomSet(rng, 120, 6, 4);
		const test = randomSet(rng, 37, 6, 4);
		const expected = bruteForceKnn(train, test, 5, 4);
		for (const batchSize of [1, 8, 256]) {
			const result = await expectNoLeakedTensors(() => knnClassify(train, test, 4, { k: 5, batchSize }));
			expect(Array.from(result.predictions)).toEqual(expected);
			const correct = expected.filter((p, i) => p === test.labels[i]).length;
			expect(result.top1).toBeCloseTo(correct / test.count, 12);
		}
	});

	it("classifies copies of the training rows by their own label with k = 1, whatever their scale", async () => {
		const rng = new Rng(12);
		const train = randomSet(rng, 30, 5, 3);
		const test = { ...train, features: train.features.map((v) => 3 * v) };
		const result = await knnClassify(train, test, 3, { k: 1 });
		expect(result.top1).toBe(1);
	});

	it("breaks vote ties by summed similarity, then by the lower class", () => {
		expect(majorityVote([0, 1, 1, 0], [0.9, 0.8, 0.7, 0.1], 2)).toBe(1); // 2 votes each; 1.5 > 1.0
		expect(majorityVote([2, 1], [0.5, 0.5], 3)).toBe(1);
		expect(majorityVote([2, 2, 0], [0.1, 0.1, 0.9], 3)).toBe(2);
	});

	it("rejects k larger than the training split and a bad k", async () => {
		const set = randomSet(new Rng(1), 4, 2, 2);
		await expect(knnClassify(set, set, 2, { k: 5 })).rejects.toThrow(/k \(5\) is larger than the 4 training images/);
		await expect(knnClassify(set, set, 2, { k: 0 })).rejects.toThrow(/k must be a positive integer, got 0/);
	});
});

describe("class-balanced, seeded sampling", () => {
	const rng = new Rng(2);
	const labels = Int32Array.from({ length: 500 }, () => rng.int(5));

	it("balancedCounts spreads evenly and gives small classes all they have", () => {
		expect(balancedCounts([10, 10, 10], 7)).toEqual([3, 2, 2]);
		expect(balancedCounts([1, 10, 10], 9)).toEqual([1, 4, 4]);
		expect(balancedCounts([2, 2], 10)).toEqual([2, 2]);
	});

	it("balancedSubset: balanced, distinct, ascending, the same for a seed and different for another", () => {
		const a = balancedSubset(labels, 5, 100, new Rng(7));
		expect(classCounts(labels, a, 5)).toEqual([20, 20, 20, 20, 20]);
		expect(new Set(a).size).toBe(100);
		expect(Array.from(a)).toEqual([...a].sort((x, y) => x - y));
		expect(balancedSubset(labels, 5, 100, new Rng(7))).toEqual(a);
		expect(balancedSubset(labels, 5, 100, new Rng(8))).not.toEqual(a);
	});

	it("low-shot draws hold exactly n per class, are seeded, and differ between draws", () => {
		const draw0 = lowShotRows(labels, 5, 10, 0, 3);
		expect(classCounts(labels, draw0, 5)).toEqual([10, 10, 10, 10, 10]);
		expect(lowShotRows(labels, 5, 10, 0, 3)).toEqual(draw0);
		expect(lowShotRows(labels, 5, 10, 1, 3)).not.toEqual(draw0);
		expect(lowShotRows(labels, 5, 10, 0, 4)).not.toEqual(draw0);
		expect(() => perClassSample(labels, 5, 1000, new Rng(1), ["a", "b", "c", "d", "e"])).toThrow(
			/class a has \d+ training images, fewer than the 1000 per class/,
		);
	});

	it("stratifiedSplit holds out the fraction of every class, disjoint from the rest", () => {
		const { fit, validation } = stratifiedSplit(labels, 5, 0.1, new Rng(1));
		expect(fit.length + validation.length).toBe(500);
		const held = new Set(validation);
		expect(Array.from(fit).some((r) => held.has(r))).toBe(false);
		const sizes = classCounts(labels, Int32Array.from(labels.keys()), 5);
		expect(classCounts(labels, validation, 5)).toEqual(sizes.map((n) => Math.round(0.1 * n)));
		// Two of a class: one held out, one kept.
		expect(stratifiedSplit(Int32Array.from([0, 0, 1, 1]), 2, 0.1, new Rng(1)).validation.length).toBe(2);
	});

	it("lowShotProbes: per-draw figures, their mean and sample std, deterministic", async () => {
		const r = new Rng(4);
		const make = (count: number): FeatureSet => {
			const set = randomSet(r, count, 3, 3);
			for (let i = 0; i < count; i++) set.features[i * 3 + set.labels[i]] += 3; // learnable
			return set;
		};
		const train = make(90);
		const test = make(60);
		const options = { shots: [4], draws: 3, seed: 1, probe: { weightDecays: [1e-2, 1e-1], maxIterations: 20 } };
		const a = await expectNoLeakedTensors(() => lowShotProbes(train, test, 3, options));
		expect(await lowShotProbes(train, test, 3, options)).toEqual(a);
		const four = a["4"];
		expect(four.perDraw).toHaveLength(3);
		expect(four.trainImages).toBe(12);
		const mean = four.perDraw.reduce((x, y) => x + y, 0) / 3;
		const std = Math.sqrt(four.perDraw.reduce((x, y) => x + (y - mean) ** 2, 0) / 2);
		expect(four.mean).toBeCloseTo(mean, 12);
		expect(four.std).toBeCloseTo(std, 12);
		expect(four.mean).toBeGreaterThan(0.5);
	});
});
