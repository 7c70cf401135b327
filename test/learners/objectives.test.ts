import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { classifierLoss } from "../../src/learners/objectives/classifier.js";
import { inverterLoss } from "../../src/learners/objectives/inverter.js";
import { consecutiveGroups, multiPositiveLoss } from "../../src/learners/objectives/multiPositive.js";
import { ntXentLoss } from "../../src/learners/objectives/ntXent.js";
import { getObjective, OBJECTIVES } from "../../src/learners/objectives/registry.js";
import { supConLoss } from "../../src/learners/objectives/supCon.js";
import { randomValues } from "../helpers/backends.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";
import {
	finiteDifferences,
	naiveCrossEntropy,
	naiveInverter,
	naiveMultiPositive,
	naiveNtXent,
	naiveSupCon,
	naiveSupConIn,
	rows,
} from "./naive.js";

/** Value of a scalar loss, disposing it. */
function value(loss: tf.Scalar): number {
	const v = loss.dataSync()[0];
	loss.dispose();
	return v;
}

/** Random [n, d] values and rows, and a matching tensor maker. */
function random(rng: Rng, n: number, d: number) {
	const values = randomValues(rng, [n, d]);
	return { values, rows: rows(values, d), tensor: () => tf.tensor2d(values, [n, d]) };
}

/** One-hot-ish embeddings: row i is the unit vector e_i (orthogonal to every other row). */
const basis = (n: number, d: number) =>
	tf.tidy(() => tf.oneHot(tf.range(0, n, 1, "int32"), d).cast("float32") as tf.Tensor2D);

/** tfjs gradients of f at the flat inputs vs float64 finite differences of the naive formula. */
function expectGradientsMatch(
	f: (...inputs: tf.Tensor[]) => tf.Scalar,
	inputs: { values: Float32Array; shape: number[] }[],
	naive: (...inputs: number[][]) => number,
) {
	const tensors = inputs.map((i) => tf.tensor(i.values, i.shape));
	const grads = tf.grads(f)(tensors);
	const flat = inputs.map((i) => Array.from(i.values, Number));
	flat.forEach((x, k) => {
		const numeric = finiteDifferences((xk) => naive(...flat.map((other, j) => (j === k ? xk : other))), x);
		expect(maxAbsDiff(grads[k].dataSync(), numeric), `gradient of input ${k}`).toBeLessThan(1e-3);
		expect(Math.max(...numeric.map(Math.abs)), "gradient is not trivially zero").toBeGreaterThan(1e-3);
	});
	tf.dispose([...tensors, ...grads]);
}

beforeAll(async () => {
	await initEngine({ backend: "cpu" });
});

describe("ntXentLoss (SimCLR, eq. 1)", () => {
	it("matches the loop-by-loop formula on random inputs, without leaking tensors", async () => {
		const rng = new Rng(1);
		for (const [n, d, tau] of [
			[1, 3, 0.1],
			[4, 5, 0.1],
			[6, 3, 0.5],
		]) {
			const a = random(rng, n, d);
			const b = random(rng, n, d);
			const [z1, z2] = [a.tensor(), b.tensor()];
			const loss = await expectNoLeakedTensors(() => value(ntXentLoss(z1, z2, tau)));
			expect(Math.abs(loss - naiveNtXent(a.rows, b.rows, tau))).toBeLessThan(1e-4);
			tf.dispose([z1, z2]);
		}
	});

	it("two identical embeddings per pair, orthogonal to the others: log(1 + (2N - 2) e^(-1/tau))", () => {
		for (const [n, tau] of [
			[4, 1],
			[3, 0.5],
			[5, 0.1],
		]) {
			const z2 = basis(n, n + 2);
			const z1 = tf.mul(z2, 3) as tf.Tensor2D; // scale must not matter: normalised inside
			const expected = Math.log(1 + (2 * n - 2) * Math.exp(-1 / tau));
			const loss = value(ntXentLoss(z1, z2, tau));
			// Absolute: at tau = 0.1 the loss (~4e-4) is a difference of logits near 10 in float32.
			expect(Math.abs(loss - expected)).toBeLessThan(1e-5);
			expect(loss).toBeGreaterThan(0);
			tf.dispose([z1, z2]);
		}
	});

	it("collapsed embeddings (all equal) give log(2N - 1) at any temperature", () => {
		const z = tf.ones([4, 3]) as tf.Tensor2D;
		for (const tau of [0.05, 0.1, 1]) expect(value(ntXentLoss(z, z, tau))).toBeCloseTo(Math.log(7), 4);
		z.dispose();
	});

	it("perfectly aligned views score lower than random ones", () => {
		const rng = new Rng(2);
		const a = random(rng, 8, 16);
		const b = random(rng, 8, 16);
		const [z1, z2] = [a.tensor(), b.tensor()];
		const aligned = value(ntXentLoss(z1, z1));
		const unrelated = value(ntXentLoss(z1, z2));
		expect(aligned).toBeLessThan(unrelated);
		expect(unrelated).toBeGreaterThan(Math.log(15) - 1); // chance level is about log(2N - 1)
		tf.dispose([z1, z2]);
	});

	it("gradients match finite differences of the formula (cpu, tiny inputs)", () => {
		const rng = new Rng(3);
		const shape = [3, 4];
		const inputs = [
			{ values: randomValues(rng, shape), shape },
			{ values: randomValues(rng, shape), shape },
		];
		expectGradientsMatch(
			(z1, z2) => ntXentLoss(z1 as tf.Tensor2D, z2 as tf.Tensor2D, 0.5),
			inputs,
			(z1, z2) => naiveNtXent(rows(z1, 4), rows(z2, 4), 0.5),
		);
	});

	it("rejects a bad temperature or mismatched shapes, naming the value", () => {
		const z = tf.ones([2, 3]) as tf.Tensor2D;
		const other = tf.ones([3, 3]) as tf.Tensor2D;
		for (const tau of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
			expect(() => ntXentLoss(z, z, tau)).toThrow(`temperature must be a positive finite number, got ${tau}`);
		}
		expect(() => ntXentLoss(z, other)).toThrow("got [2,3] and [3,3]");
		tf.dispose([z, other]);
	});
});

describe("supConLoss (Khosla et al., L_out)", () => {
	/** features [N, V, D] as a tensor and as nested arrays. */
	function randomFeatures(rng: Rng, n: number, views: number, d: number) {
		const values = randomValues(rng, [n, views, d]);
		const nested = rows(values, views * d).map((sample) => rows(sample, d));
		return { values, nested, tensor: () => tf.tensor3d(values, [n, views, d]) };
	}

	it("matches the loop-by-loop formula with and without labels, without leaking tensors", async () => {
		const rng = new Rng(4);
		const cases: [number, number, number, number[] | null, number][] = [
			[4, 2, 5, [0, 1, 0, 2], 0.1],
			[5, 3, 4, [1, 1, 1, 0, 2], 0.2],
			[3, 2, 3, null, 0.1],
			[4, 1, 3, [0, 1, 1, 0], 0.5],
		];
		for (const [n, views, d, labels, tau] of cases) {
			const f = randomFeatures(rng, n, views, d);
			const features = f.tensor();
			const y = labels ? tf.tensor1d(labels, "int32") : null;
			const loss = await expectNoLeakedTensors(() => value(supConLoss(features, y, tau)));
			expect(Math.abs(loss - naiveSupCon(f.nested, labels, tau)), `case ${n}x${views}x${d}`).toBeLessThan(1e-4);
			tf.dispose([features, ...(y ? [y] : [])]);
		}
	});

	it("equals NT-Xent for V = 2 when labels are all distinct or absent", () => {
		const rng = new Rng(5);
		const f = randomFeatures(rng, 5, 2, 6);
		const features = f.tensor();
		const [z1, z2] = tf.unstack(features, 1) as tf.Tensor2D[];
		const expected = value(ntXentLoss(z1, z2, 0.1));
		const y = tf.tensor1d([4, 0, 3, 1, 2], "int32");
		expect(value(supConLoss(features, y, 0.1))).toBeCloseTo(expected, 5);
		expect(value(supConLoss(features, null, 0.1))).toBeCloseTo(expected, 5);
		tf.dispose([features, z1, z2, y]);
	});

	it("no NaN when an anchor has no positive (V = 1, a label seen once); 0 when none has one", () => {
		const rng = new Rng(6);
		const f = randomFeatures(rng, 4, 1, 3);
		const features = f.tensor();
		const someAlone = tf.tensor1d([0, 1, 1, 2], "int32"); // anchors 0 and 3 have no positive
		const loss = value(supConLoss(features, someAlone, 0.1));
		expect(Number.isFinite(loss)).toBe(true);
		expect(loss).toBeCloseTo(naiveSupCon(f.nested, [0, 1, 1, 2], 0.1), 4);
		const allAlone = tf.tensor1d([0, 1, 2, 3], "int32");
		expect(Math.abs(value(supConLoss(features, allAlone, 0.1)))).toBe(0);
		const grad = tf.grad((x: tf.Tensor) => supConLoss(x as tf.Tensor3D, someAlone, 0.1))(features);
		for (const g of grad.dataSync()) expect(Number.isFinite(g)).toBe(true);
		tf.dispose([features, someAlone, allAlone, grad]);
	});

	it("conditional case: a same-class sample and the other view of the same z are both positives", () => {
		// Anchor 0 view 0 = e0; its other view (same z) = e0; sample 1 (same class) = e0 too.
		// Sample 2 (another class) is orthogonal: every positive has similarity 1, the loss is minimal.
		const e = (i: number) => Array.from({ length: 3 }, (_, k) => (k === i ? 1 : 0));
		const nested = [
			[e(0), e(0)],
			[e(0), e(0)],
			[e(1), e(1)],
			[e(1), e(1)],
		];
		const features = tf.tensor3d(nested);
		const y = tf.tensor1d([0, 0, 1, 1], "int32");
		const tau = 0.5;
		// Each anchor: 3 positives at similarity 1 and 4 negatives at 0 among its 7 others.
		const expected = -Math.log(Math.exp(1 / tau) / (3 * Math.exp(1 / tau) + 4));
		expect(value(supConLoss(features, y, tau))).toBeCloseTo(expected, 5);
		expect(naiveSupCon(nested, [0, 0, 1, 1], tau)).toBeCloseTo(expected, 10);
		tf.dispose([features, y]);
	});

	it("gradients match finite differences of the formula (cpu, tiny inputs)", () => {
		const rng = new Rng(7);
		const shape = [3, 2, 3];
		const labels = [0, 1, 0];
		const y = tf.tensor1d(labels, "int32");
		expectGradientsMatch(
			(f) => supConLoss(f as tf.Tensor3D, y, 0.5),
			[{ values: randomValues(rng, shape), shape }],
			(f) =>
				naiveSupCon(
					rows(f, 6).map((s) => rows(s, 3)),
					labels,
					0.5,
				),
		);
		y.dispose();
	});

	it("rejects a bad temperature, a wrong rank and mismatched labels, naming the value", () => {
		const features = tf.ones([3, 2, 4]) as tf.Tensor3D;
		const y = tf.tensor1d([0, 1], "int32");
		const floats = tf.tensor1d([0, 1, 2], "float32");
		expect(() => supConLoss(features, null, 0)).toThrow("temperature must be a positive finite number, got 0");
		expect(() => supConLoss(features, null, -0.1)).toThrow("got -0.1");
		expect(() => supConLoss(tf.ones([3, 4]) as unknown as tf.Tensor3D, null)).toThrow("got [3,4]");
		expect(() => supConLoss(features, y)).toThrow("labels must be [3] (one per sample), got [2]");
		expect(() => supConLoss(features, floats)).toThrow("labels must be int32, got float32");
		tf.dispose([features, y, floats]);
	});
});

describe("multiPositiveLoss (StableRep / SynCLR)", () => {
	/** Loss of rows (nested arrays) with group ids, through tensors. */
	function lossOf(embeddings: number[][], groups: number[], tau: number): number {
		const e = tf.tensor2d(embeddings);
		const g = tf.tensor1d(groups, "int32");
		const loss = value(multiPositiveLoss(e, g, tau));
		tf.dispose([e, g]);
		return loss;
	}

	it("matches the loop-by-loop cross-entropy on random inputs and groups, without leaking tensors", async () => {
		const rng = new Rng(11);
		const cases: [number[], number, number][] = [
			[[0, 0, 0, 1, 1, 1], 4, 0.1], // two groups of 3 (K = 2)
			[[5, 5, 5, 5, 5, 2, 2, 2, 2, 2], 6, 0.2], // K = 4, arbitrary ids
			[[3, 1, 3, 1, 1, 7], 3, 0.5], // interleaved rows and a singleton
			[[0, 0], 2, 0.1], // one pair
			[[-4, 9, -4, 9, 9, 9, 0, 0, 0], 5, 0.05],
		];
		for (const [groups, d, tau] of cases) {
			const r = random(rng, groups.length, d);
			const [e, g] = [r.tensor(), tf.tensor1d(groups, "int32")];
			const loss = await expectNoLeakedTensors(() => value(multiPositiveLoss(e, g, tau)));
			expect(Math.abs(loss - naiveMultiPositive(r.rows, groups, tau)), `groups ${groups}`).toBeLessThan(1e-4);
			tf.dispose([e, g]);
		}
	});

	it("K = 1 (groups of two) is NT-Xent, in any row order", () => {
		const rng = new Rng(12);
		for (const [n, d, tau] of [
			[1, 3, 0.1],
			[5, 4, 0.1],
			[7, 6, 0.5],
		]) {
			const a = random(rng, n, d);
			const b = random(rng, n, d);
			const pairs = Array.from({ length: n }, (_, k) => k);
			// The two formulas agree in float64 (independent loops) ...
			const reference = naiveNtXent(a.rows, b.rows, tau);
			expect(naiveMultiPositive([...a.rows, ...b.rows], [...pairs, ...pairs], tau)).toBeCloseTo(reference, 12);
			// ... and the tensor loss with the pairs' rows interleaved (sample k's views at rows 2k, 2k + 1).
			const interleaved = a.rows.flatMap((row, k) => [row, b.rows[k]]);
			const groups = pairs.flatMap((k) => [k, k]);
			expect(Math.abs(lossOf(interleaved, groups, tau) - reference)).toBeLessThan(1e-5);
			const [z1, z2] = [a.tensor(), b.tensor()];
			expect(Math.abs(value(ntXentLoss(z1, z2, tau)) - lossOf(interleaved, groups, tau))).toBeLessThan(1e-5);
			tf.dispose([z1, z2]);
		}
	});

	it("class labels as groups are SupCon's L_out (not L_in, which is lower unless |P(i)| = 1)", () => {
		const rng = new Rng(13);
		const [n, views, d, tau] = [6, 2, 5, 0.2];
		const labels = [0, 1, 0, 2, 1, 0];
		const values = randomValues(rng, [n, views, d]);
		const nested = rows(values, views * d).map((s) => rows(s, d));
		const rowLabels = labels.flatMap((l) => Array(views).fill(l));
		const multi = lossOf(rows(values, d), rowLabels, tau);
		expect(Math.abs(multi - naiveSupCon(nested, labels, tau))).toBeLessThan(1e-4);
		const features = tf.tensor3d(values, [n, views, d]);
		const y = tf.tensor1d(labels, "int32");
		expect(Math.abs(value(supConLoss(features, y, tau)) - multi)).toBeLessThan(1e-6);
		const lIn = naiveSupConIn(nested, labels, tau);
		expect(naiveSupCon(nested, labels, tau) - lIn, "Jensen: L_in < L_out with several positives").toBeGreaterThan(1e-3);
		// Where every row has one positive (all labels distinct, V = 2), the three coincide.
		const distinct = [5, 4, 3, 2, 1, 0];
		expect(naiveSupConIn(nested, distinct, tau)).toBeCloseTo(naiveSupCon(nested, distinct, tau), 12);
		tf.dispose([features, y]);
	});

	it("analytic cases: identical within groups and orthogonal across; collapsed; all orthogonal", () => {
		const e = (i: number, d: number) => Array.from({ length: d }, (_, k) => (k === i ? 1 : 0));
		for (const [groupCount, size, tau] of [
			[3, 3, 0.5],
			[2, 5, 0.1],
			[4, 2, 1],
		]) {
			const m = groupCount * size;
			const embeddings = Array.from({ length: m }, (_, r) => e(Math.floor(r / size), groupCount + 1));
			const groups = Array.from({ length: m }, (_, r) => Math.floor(r / size));
			// Each row: size - 1 positives at similarity 1, m - size negatives at 0; the target is uniform.
			const expected = Math.log(size - 1 + (m - size) * Math.exp(-1 / tau));
			expect(lossOf(embeddings, groups, tau), `${groupCount} groups of ${size}`).toBeCloseTo(expected, 5);
			expect(naiveMultiPositive(embeddings, groups, tau)).toBeCloseTo(expected, 10);
			expect(expected, "the floor is log |P(i)|, not 0").toBeGreaterThan(Math.log(size - 1));
			// Collapsed (all rows equal) and all mutually orthogonal rows: q uniform over m - 1, loss log(m - 1).
			const collapsed = Array.from({ length: m }, () => [1, 2, 3]);
			const orthogonal = Array.from({ length: m }, (_, r) => e(r, m));
			expect(lossOf(collapsed, groups, tau)).toBeCloseTo(Math.log(m - 1), 4);
			expect(lossOf(orthogonal, groups, tau)).toBeCloseTo(Math.log(m - 1), 4);
		}
	});

	it("does not depend on the order of the rows or the values of the group ids", () => {
		const rng = new Rng(14);
		const r = random(rng, 8, 4);
		const groups = [0, 0, 0, 1, 1, 2, 2, 2];
		const order = rng.permutation(8);
		const base = lossOf(r.rows, groups, 0.1);
		const permuted = lossOf(
			Array.from(order, (i) => r.rows[i]),
			Array.from(order, (i) => groups[i]),
			0.1,
		);
		expect(Math.abs(permuted - base)).toBeLessThan(1e-5);
		expect(
			lossOf(
				r.rows,
				groups.map((g) => 100 - 7 * g),
				0.1,
			),
		).toBeCloseTo(base, 5);
	});

	it("no NaN when a row has no positive; 0 when none has one", () => {
		const rng = new Rng(15);
		const r = random(rng, 5, 3);
		const alone = [0, 1, 1, 2, 3];
		const loss = lossOf(r.rows, alone, 0.1);
		expect(loss).toBeCloseTo(naiveMultiPositive(r.rows, alone, 0.1), 4);
		expect(Math.abs(lossOf(r.rows, [0, 1, 2, 3, 4], 0.1))).toBe(0);
		const e = r.tensor();
		const g = tf.tensor1d(alone, "int32");
		const grad = tf.grad((x: tf.Tensor) => multiPositiveLoss(x as tf.Tensor2D, g, 0.1))(e);
		for (const v of grad.dataSync()) expect(Number.isFinite(v)).toBe(true);
		tf.dispose([e, g, grad]);
	});

	it("consecutiveGroups numbers runs of rows", () => {
		const g = consecutiveGroups(3, 2);
		expect(Array.from(g.dataSync())).toEqual([0, 0, 1, 1, 2, 2]);
		expect(g.dtype).toBe("int32");
		g.dispose();
	});

	it("gradients match finite differences of the formula (cpu, tiny inputs)", () => {
		const rng = new Rng(16);
		const groups = [0, 0, 0, 1, 1, 2];
		const g = tf.tensor1d(groups, "int32");
		const shape = [6, 3];
		expectGradientsMatch(
			(e) => multiPositiveLoss(e as tf.Tensor2D, g, 0.5),
			[{ values: randomValues(rng, shape), shape }],
			(e) => naiveMultiPositive(rows(e, 3), groups, 0.5),
		);
		g.dispose();
	});

	it("rejects a bad temperature, a wrong rank and mismatched or float groups, naming the value", () => {
		const e = tf.ones([3, 4]) as tf.Tensor2D;
		const short = tf.tensor1d([0, 0], "int32");
		const floats = tf.tensor1d([0, 0, 1], "float32");
		const ok = tf.tensor1d([0, 0, 1], "int32");
		expect(() => multiPositiveLoss(e, ok, 0)).toThrow("temperature must be a positive finite number, got 0");
		expect(() => multiPositiveLoss(e, ok, Number.NaN)).toThrow("got NaN");
		expect(() => multiPositiveLoss(tf.ones([3]) as unknown as tf.Tensor2D, ok)).toThrow("must be [M, D], got [3]");
		expect(() => multiPositiveLoss(e, short)).toThrow("groups must be [3] (one per row), got [2]");
		expect(() => multiPositiveLoss(e, floats)).toThrow("groups must be int32, got float32");
		tf.dispose([e, short, floats, ok]);
	});
});

describe("inverterLoss and classifierLoss", () => {
	it("match the loop-by-loop formulas, without leaking tensors", async () => {
		const rng = new Rng(8);
		const predZ = random(rng, 4, 5);
		const z = random(rng, 4, 5);
		const logits = random(rng, 4, 3);
		const labels = [2, 0, 1, 2];
		const [p, t, l] = [predZ.tensor(), z.tensor(), logits.tensor()];
		const y = tf.tensor1d(labels, "int32");
		const mse = await expectNoLeakedTensors(() => value(inverterLoss(p, t)));
		expect(Math.abs(mse - naiveInverter(predZ.rows, z.rows))).toBeLessThan(1e-4);
		const both = await expectNoLeakedTensors(() => value(inverterLoss(p, t, l, y)));
		expect(Math.abs(both - naiveInverter(predZ.rows, z.rows, logits.rows, labels))).toBeLessThan(1e-4);
		const ce = await expectNoLeakedTensors(() => value(classifierLoss(l, y)));
		expect(Math.abs(ce - naiveCrossEntropy(logits.rows, labels))).toBeLessThan(1e-4);
		tf.dispose([p, t, l, y]);
	});

	it("analytic cases: exact prediction gives MSE 0; uniform logits give log C", () => {
		const z = tf.tensor2d([1, 2, 3, 4], [2, 2]);
		expect(value(inverterLoss(z, z))).toBe(0);
		const logits = tf.zeros([2, 5]) as tf.Tensor2D;
		const y = tf.tensor1d([3, 1], "int32");
		expect(value(classifierLoss(logits, y))).toBeCloseTo(Math.log(5), 5);
		tf.dispose([z, logits, y]);
	});

	it("gradients match finite differences of the formulas (cpu, tiny inputs)", () => {
		const rng = new Rng(9);
		const labels = [1, 0, 2];
		const y = tf.tensor1d(labels, "int32");
		const inputs = [
			{ values: randomValues(rng, [3, 2]), shape: [3, 2] },
			{ values: randomValues(rng, [3, 2]), shape: [3, 2] },
			{ values: randomValues(rng, [3, 3]), shape: [3, 3] },
		];
		expectGradientsMatch(
			(p, z, l) => inverterLoss(p as tf.Tensor2D, z as tf.Tensor2D, l as tf.Tensor2D, y),
			inputs,
			(p, z, l) => naiveInverter(rows(p, 2), rows(z, 2), rows(l, 3), labels),
		);
		expectGradientsMatch(
			(l) => classifierLoss(l as tf.Tensor2D, y),
			[inputs[2]],
			(l) => naiveCrossEntropy(rows(l, 3), labels),
		);
		y.dispose();
	});

	it("reject mismatched shapes, a lone logits or y, float and out-of-range labels", () => {
		const a = tf.zeros([2, 3]) as tf.Tensor2D;
		const b = tf.zeros([2, 4]) as tf.Tensor2D;
		const y = tf.tensor1d([0, 7], "int32");
		const floats = tf.tensor1d([0, 1], "float32");
		expect(() => inverterLoss(a, b)).toThrow("got [2,3] and [2,4]");
		expect(() => inverterLoss(a, a, a)).toThrow("give logits and y together or neither (got logits only)");
		expect(() => inverterLoss(a, a, undefined, y)).toThrow("(got y only)");
		expect(() => inverterLoss(a, a, a, y)).toThrow("y[1] = 7 is not a class index in [0, 3)");
		expect(() => classifierLoss(a, y)).toThrow("y[1] = 7 is not a class index in [0, 3)");
		expect(() => classifierLoss(a, floats)).toThrow("y must be int32 class indices, got float32");
		tf.dispose([a, b, y, floats]);
	});
});

describe("OBJECTIVES registry", () => {
	it("lists the five methods with what they need, and names the known ones for an unknown method", () => {
		expect(Object.keys(OBJECTIVES)).toEqual(["simclr", "supcon", "multipos", "inverter", "classifier"]);
		expect(OBJECTIVES.simclr).toMatchObject({ needsLabels: false, views: 2, temperature: 0.1 });
		expect(OBJECTIVES.classifier).toMatchObject({ needsLabels: true, views: 1 });
		expect(OBJECTIVES.inverter).toMatchObject({ needsLatents: true, views: 1 });
		expect(getObjective("supcon").loss).toBe(supConLoss);
		expect(OBJECTIVES.multipos).toMatchObject({ needsLabels: false, views: "group", temperature: 0.1 });
		expect(getObjective("multipos").loss).toBe(multiPositiveLoss);
		expect(() => getObjective("byol")).toThrow(
			"unknown method 'byol'; known methods: simclr, supcon, multipos, inverter, classifier",
		);
	});
});
