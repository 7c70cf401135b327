import { afterAll, describe, expect, it } from "vitest";
import { loadNativeAddon, REQUIRE_NATIVE_ENV } from "../../src/engine/native/load.js";
import { Rng } from "../../src/engine/rng.js";
import { maxAbsDiff } from "../helpers/tensors.js";

/**
 * The linear probe's fused softmax-regression kernel (native/src/probe.cc), called on the
 * addon directly: against a float64 loop on the shapes its blocking has edges at (tiles of 4
 * rows, chunks of 1024, 16-float column vectors, classes padded to blocks of 5), the same
 * bits on 1, 2 and 3 threads, and bad calls refused.
 */
const addon = loadNativeAddon().addon;
const kernel = addon?.softmaxRegression?.bind(addon);
const threadsBefore = addon?.info().threads ?? 1;

afterAll(() => addon?.setThreads(threadsBefore));

interface Problem {
	x: Float32Array; // [N, C]
	labels: Int32Array; // [N]
	weights: Float64Array; // [C, K]
	rows: number;
	cols: number;
	classes: number;
}

/** Normal features with a last column of ones, labels from `label`, normal weights * scale. */
function problem(
	seed: number,
	rows: number,
	cols: number,
	classes: number,
	scale = 0.3,
	label = (rng: Rng) => rng.int(classes),
): Problem {
	const rng = new Rng(seed);
	const x = new Float32Array(rows * cols);
	for (let i = 0; i < rows; i++) {
		for (let d = 0; d < cols - 1; d++) x[i * cols + d] = rng.normal();
		x[i * cols + cols - 1] = 1;
	}
	const labels = Int32Array.from({ length: rows }, () => label(rng));
	const weights = Float64Array.from({ length: cols * classes }, () => rng.normal() * scale);
	return { x, labels, weights, rows, cols, classes };
}

/** sum_i loss_i and X^T (softmax(X W) - Y) in float64, W rounded to float32 as the kernel does. */
function reference(p: Problem): { loss: number; gradient: Float64Array } {
	const { x, labels, rows, cols, classes } = p;
	const w = p.weights.map(Math.fround);
	const gradient = new Float64Array(cols * classes);
	let loss = 0;
	const logits = new Float64Array(classes);
	for (let i = 0; i < rows; i++) {
		for (let k = 0; k < classes; k++) {
			let z = 0;
			for (let d = 0; d < cols; d++) z += x[i * cols + d] * w[d * classes + k];
			logits[k] = z;
		}
		const top = Math.max(...logits);
		let sum = 0;
		for (let k = 0; k < classes; k++) sum += Math.exp(logits[k] - top);
		loss += Math.log(sum) - (logits[labels[i]] - top);
		for (let k = 0; k < classes; k++) {
			const residual = Math.exp(logits[k] - top) / sum - (k === labels[i] ? 1 : 0);
			for (let d = 0; d < cols; d++) gradient[d * classes + k] += x[i * cols + d] * residual;
		}
	}
	return { loss, gradient };
}

function run(p: Problem): { loss: number; gradient: Float64Array } {
	if (!kernel) throw new Error("no kernel");
	const gradient = new Float64Array(p.cols * p.classes);
	const loss = kernel(p.x, p.rows, p.cols, p.labels, p.classes, p.weights, gradient);
	return { loss, gradient };
}

describe("native softmax regression kernel", () => {
	it("is built wherever the native build was required (CI sets GENREP_REQUIRE_NATIVE=1)", () => {
		if (process.env[REQUIRE_NATIVE_ENV] === "1") expect(typeof kernel).toBe("function");
		else expect(kernel === undefined || typeof kernel === "function").toBe(true);
	});

	const cases: [string, Problem][] = [
		["N not a multiple of the tile or the chunk, C with a column tail", problem(1, 3001, 37, 10)],
		["K = 2, N below one tile", problem(2, 3, 5, 2)],
		["N = 7 (a tile and 3 single rows)", problem(3, 7, 17, 3)],
		[
			"a class with no rows, two chunks, the second of 6 rows",
			problem(4, 1030, 20, 5, 0.3, (r) => [0, 1, 3][r.int(3)]),
		],
		["K = 13 (classes padded to 15), C = 785 as for raw pixels", problem(5, 260, 785, 13, 0.05)],
		["one row, one column, one class", problem(6, 1, 1, 1)],
		["confident rows: logits in the hundreds", problem(7, 500, 9, 4, 40)],
	];
	for (const [name, p] of cases) {
		it.skipIf(!kernel)(`matches the float64 loop: ${name}`, () => {
			const got = run(p);
			const want = reference(p);
			expect(Math.abs(got.loss - want.loss), `loss ${got.loss} vs ${want.loss}`).toBeLessThanOrEqual(
				1e-6 * Math.max(1, want.loss),
			);
			const scale = Math.max(1, ...want.gradient.map(Math.abs));
			expect(maxAbsDiff(got.gradient, want.gradient) / scale).toBeLessThan(2e-6);
			expect(got.gradient.every(Number.isFinite)).toBe(true);
		});
	}

	it.skipIf(!kernel)("a class with no rows gets a gradient that only pushes its logits down", () => {
		const p = problem(4, 1030, 20, 5, 0.3, (r) => [0, 1, 3][r.int(3)]);
		const { gradient } = run(p);
		// Its bias column entry is sum_i softmax_i(k) > 0 (the bias is the last row of W).
		for (const k of [2, 4]) expect(gradient[(p.cols - 1) * p.classes + k]).toBeGreaterThan(0);
		// Over all classes the bias gradient sums to sum_i (1 - 1) = 0.
		const biasSum = Array.from({ length: p.classes }, (_, k) => gradient[(p.cols - 1) * p.classes + k]).reduce(
			(a, b) => a + b,
		);
		expect(Math.abs(biasSum)).toBeLessThan(1e-3);
	});

	it.skipIf(!kernel)("gives the same bits on 1, 2 and 3 threads", () => {
		const p = problem(8, 5000, 257, 10);
		const runs = [1, 2, 3].map((threads) => {
			addon?.setThreads(threads);
			return run(p);
		});
		addon?.setThreads(threadsBefore);
		for (const r of runs.slice(1)) {
			expect(r.loss).toBe(runs[0].loss);
			expect(Buffer.from(r.gradient.buffer).equals(Buffer.from(runs[0].gradient.buffer))).toBe(true);
		}
		// ... and differs from another problem (the comparison can fail).
		const other = run(problem(9, 5000, 257, 10));
		expect(other.loss).not.toBe(runs[0].loss);
	});

	it.skipIf(!kernel)("refuses bad calls with an Error naming the argument", () => {
		const p = problem(10, 6, 4, 3);
		const g = new Float64Array(12);
		const call = (over: Partial<Record<string, unknown>>) => () => {
			const a = { x: p.x, rows: 6, cols: 4, labels: p.labels, classes: 3, weights: p.weights, gradient: g, ...over };
			// biome-ignore lint/suspicious/noExplicitAny: hostile arguments on purpose
			const k = kernel as any;
			return k(a.x, a.rows, a.cols, a.labels, a.classes, a.weights, a.gradient);
		};
		expect(call({ labels: Int32Array.from([0, 1, 2, 3, 0, 1]) })).toThrow(/label 3 of row 3 is outside 0\.\.2/);
		expect(call({ labels: Int32Array.from([0, -1, 2, 0, 0, 1]) })).toThrow(/label -1 of row 1/);
		expect(call({ rows: 7 })).toThrow(/x must have 28 values, got 24/);
		expect(call({ rows: 2.5 })).toThrow(/rows must be a positive integer/);
		expect(call({ cols: 0 })).toThrow(/cols must be a positive integer/);
		expect(call({ x: Float64Array.from(p.x) })).toThrow(/x must be a Float32Array/);
		expect(call({ weights: new Float32Array(12) })).toThrow(/weights must be a Float64Array/);
		expect(call({ gradient: new Float64Array(11) })).toThrow(/gradient must have 12 values/);
		expect(call({ gradient: p.weights })).toThrow(/gradient must not share memory/);
		const shared = new ArrayBuffer(24 * 4 + 12 * 8);
		const x = new Float32Array(shared, 0, 24);
		x.set(p.x);
		expect(call({ x, gradient: new Float64Array(shared, 88, 12) })).toThrow(/gradient must not share memory/);
		expect(() => (kernel as unknown as () => number)()).toThrow(/expected 7 arguments/);
		// The gradient was not touched by any refused call.
		expect(g.every((v) => v === 0)).toBe(true);
	});
});
