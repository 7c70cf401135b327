import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { loadNativeAddon, REQUIRE_NATIVE_ENV } from "../../src/engine/native/load.js";
import { Rng } from "../../src/engine/rng.js";
import { fitSoftmaxRegression, SoftmaxRegressionData } from "../../src/evaluation/representation/softmaxRegression.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";

/**
 * SoftmaxRegressionData's two paths to f(W) and its gradient: the fused native kernel (wasm
 * backend with the addon) and tfjs (two matrix products and a softmax cross-entropy pass).
 */
const hasKernel = typeof loadNativeAddon().addon?.softmaxRegression === "function";

/** Standardised-looking features [N, D] plus a ones column, labels from a noisy linear teacher. */
function designOf(seed: number, rows: number, dim: number, classes: number) {
	const rng = new Rng(seed);
	const cols = dim + 1;
	const x = new Float32Array(rows * cols);
	const teacher = Array.from({ length: dim * classes }, () => rng.normal());
	const labels = new Int32Array(rows);
	for (let i = 0; i < rows; i++) {
		for (let d = 0; d < dim; d++) x[i * cols + d] = rng.normal();
		x[i * cols + dim] = 1;
		let best = Number.NEGATIVE_INFINITY;
		for (let k = 0; k < classes; k++) {
			let s = rng.normal() * 3;
			for (let d = 0; d < Math.min(dim, 16); d++) s += x[i * cols + d] * teacher[d * classes + k];
			if (s > best) [best, labels[i]] = [s, k];
		}
	}
	const weights = Float64Array.from({ length: cols * classes }, () => rng.normal() * 0.1);
	return { x, labels, weights, cols };
}

/** The penalised objective in float64 loops (weights rounded to float32 as both paths do). */
function naive(x: Float32Array, labels: Int32Array, classes: number, w64: Float64Array, weightDecay: number) {
	const n = labels.length;
	const cols = x.length / n;
	const w = w64.map(Math.fround);
	let value = 0;
	const gradient = new Float64Array(w.length);
	for (let i = 0; i < n; i++) {
		const z = Array.from({ length: classes }, (_, k) => {
			let s = 0;
			for (let d = 0; d < cols; d++) s += x[i * cols + d] * w[d * classes + k];
			return s;
		});
		const top = Math.max(...z);
		const sum = z.reduce((a, v) => a + Math.exp(v - top), 0);
		value += (Math.log(sum) - (z[labels[i]] - top)) / n;
		for (let k = 0; k < classes; k++) {
			const r = Math.exp(z[k] - top) / sum - (k === labels[i] ? 1 : 0);
			for (let d = 0; d < cols; d++) gradient[d * classes + k] += (x[i * cols + d] * r) / n;
		}
	}
	for (let i = 0; i < (cols - 1) * classes; i++) {
		value += 0.5 * weightDecay * w64[i] ** 2;
		gradient[i] += weightDecay * w64[i];
	}
	return { value, gradient };
}

describe("softmax regression on the fused native kernel (wasm)", () => {
	beforeAll(async () => {
		await initEngine({ backend: "wasm" });
	});

	it("runs natively wherever the native build was required (CI sets GENREP_REQUIRE_NATIVE=1)", () => {
		const { x, labels } = designOf(1, 8, 3, 2);
		const fused = new SoftmaxRegressionData(x, labels, 2);
		const tfjs = new SoftmaxRegressionData(x, labels, 2, { native: false });
		try {
			if (process.env[REQUIRE_NATIVE_ENV] === "1") expect(fused.usesNativeKernel).toBe(true);
			expect(fused.usesNativeKernel).toBe(hasKernel);
			expect(tfjs.usesNativeKernel).toBe(false);
			// A subset keeps the choice.
			const part = tfjs.subset(Int32Array.from([0, 1, 2]));
			expect(part.usesNativeKernel).toBe(false);
			part.dispose();
		} finally {
			fused.dispose();
			tfjs.dispose();
		}
	});

	it.skipIf(!hasKernel)(
		"matches the tfjs path within float32 rounding (6000 x 257, K = 10), and the float64 loop",
		async () => {
			const [rows, dim, classes, weightDecay] = [6000, 256, 10, 1e-3];
			const { x, labels, weights } = designOf(2, rows, dim, classes);
			const fused = new SoftmaxRegressionData(x, labels, classes);
			const tfjs = new SoftmaxRegressionData(x, labels, classes, { native: false });
			const [a, b] = await expectNoLeakedTensors(async () => [
				await fused.lossAndGradient(weights, weightDecay),
				await tfjs.lossAndGradient(weights, weightDecay),
			]);
			fused.dispose();
			tfjs.dispose();
			const want = naive(x, labels, classes, weights, weightDecay);
			const scale = Math.max(...want.gradient.map(Math.abs));
			// float64 sums of float32 products: the fused kernel is at least as close to the loop.
			expect(Math.abs(a.value - want.value) / want.value).toBeLessThan(1e-6);
			expect(maxAbsDiff(a.gradient, want.gradient) / scale).toBeLessThan(1e-5);
			expect(Math.abs(b.value - want.value) / want.value).toBeLessThan(1e-5);
			expect(maxAbsDiff(b.gradient, want.gradient) / scale).toBeLessThan(1e-4);
			expect(Math.abs(a.value - b.value) / b.value).toBeLessThan(1e-5);
			expect(maxAbsDiff(a.gradient, b.gradient) / scale).toBeLessThan(1e-4);
		},
	);

	it.skipIf(!hasKernel)("its gradient is the value's finite differences", async () => {
		const [dim, classes, weightDecay] = [5, 3, 0.05];
		const { x, labels, weights } = designOf(3, 40, dim, classes);
		const data = new SoftmaxRegressionData(x, labels, classes);
		const { gradient } = await data.lossAndGradient(weights, weightDecay);
		const h = 1e-2;
		for (let i = 0; i < weights.length; i++) {
			const plus = Float64Array.from(weights);
			const minus = Float64Array.from(weights);
			plus[i] += h;
			minus[i] -= h;
			const fd =
				((await data.lossAndGradient(plus, weightDecay)).value -
					(await data.lossAndGradient(minus, weightDecay)).value) /
				(2 * h);
			expect(Math.abs(fd - gradient[i]), `weight ${i}`).toBeLessThan(2e-4);
		}
		data.dispose();
	});

	it.skipIf(!hasKernel)("reads X afresh after the wasm memory grows (its ArrayBuffer is replaced)", async () => {
		const { x, labels, weights } = designOf(4, 300, 7, 4);
		const data = new SoftmaxRegressionData(x, labels, 4);
		const before = await data.lossAndGradient(weights, 0);
		const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer;
		const oldHeap = heap();
		const big = tf.zeros([oldHeap.byteLength / 4 + 1024]); // more than the heap holds: it grows
		expect(heap()).not.toBe(oldHeap);
		const after = await data.lossAndGradient(weights, 0);
		big.dispose();
		data.dispose();
		expect(after.value).toBe(before.value);
		expect(Array.from(after.gradient)).toEqual(Array.from(before.gradient));
	});

	it.skipIf(!hasKernel)("a whole fit lands where the tfjs path's does, leaking no tensors", async () => {
		const [classes, weightDecay] = [4, 1e-3];
		const { x, labels } = designOf(5, 2000, 20, classes);
		const fits = await expectNoLeakedTensors(async () => {
			const out = [];
			for (const native of [true, false]) {
				const data = new SoftmaxRegressionData(x, labels, classes, { native });
				try {
					const fit = await fitSoftmaxRegression(data, { weightDecay });
					out.push({ fit, accuracy: (await data.evaluate(fit.x)).accuracy, native: data.usesNativeKernel });
				} finally {
					data.dispose();
				}
			}
			return out;
		});
		expect(fits.map((f) => f.native)).toEqual([true, false]);
		expect(fits[0].fit.stop).not.toBe("iterations");
		expect(Math.abs(fits[0].fit.value - fits[1].fit.value)).toBeLessThan(1e-5);
		expect(Math.abs(fits[0].accuracy - fits[1].accuracy)).toBeLessThanOrEqual(1 / 2000);
		expect(maxAbsDiff(fits[0].fit.x, fits[1].fit.x)).toBeLessThan(2e-2);
	});
});

describe("softmax regression on the portable path (cpu backend)", () => {
	beforeAll(async () => {
		await import("@tensorflow/tfjs-backend-cpu");
		await tf.setBackend("cpu");
	});
	afterAll(async () => {
		await tf.setBackend("wasm");
	});

	it("takes the tfjs path and matches the float64 loop (K = 2, a class with no rows)", async () => {
		for (const [classes, only] of [
			[2, [0, 1]],
			[5, [0, 2, 3]],
		] as const) {
			const { x, labels: raw, weights } = designOf(6, 50, 6, classes);
			const labels = raw.map((l) => only[l % only.length]);
			const data = new SoftmaxRegressionData(x, labels, classes);
			expect(data.usesNativeKernel).toBe(false);
			const got = await expectNoLeakedTensors(() => data.lossAndGradient(weights, 0.01));
			data.dispose();
			const want = naive(x, labels, classes, weights, 0.01);
			expect(Math.abs(got.value - want.value)).toBeLessThan(1e-5);
			expect(maxAbsDiff(got.gradient, want.gradient)).toBeLessThan(1e-5);
		}
	});
});

describe("softmax regression data: bad input", () => {
	it("refuses labels outside the classes, naming the label and its row", () => {
		const x = new Float32Array(6).fill(1);
		expect(() => new SoftmaxRegressionData(x, Int32Array.from([0, 3, 1]), 3)).toThrow(
			/label 3 of row 1 is outside 0\.\.2/,
		);
		expect(() => new SoftmaxRegressionData(x, Int32Array.from([0, -1, 1]), 3)).toThrow(/label -1 of row 1/);
		expect(() => new SoftmaxRegressionData(x, Int32Array.from([0, 1, 1]), 0)).toThrow(
			/numClasses must be a positive integer, got 0/,
		);
	});

	it("refuses weights of the wrong size on both paths", async () => {
		for (const native of [true, false]) {
			const data = new SoftmaxRegressionData(new Float32Array(6).fill(1), Int32Array.from([0, 1, 1]), 2, { native });
			await expect(data.lossAndGradient(new Float64Array(3), 0)).rejects.toThrow(/expected 2x2 weights, got 3/);
			data.dispose();
		}
	});
});
