import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { randomValues, runOn } from "../helpers/backends.js";
import { maxAbsDiff } from "../helpers/tensors.js";

// These tests cover the portable path: the composed wasm kernels, without the native addon
// (test/engine/native.test.ts covers the native kernels against the same reference).
process.env.GENREP_NO_NATIVE = "1";

/**
 * Every kernel genrep registers on wasm, checked against the reference cpu backend on random
 * inputs: strides 1 and 2, 'same' and 'valid' padding, 1x1, 3x3 and 4x4 kernels, odd sizes,
 * batch 1. Gradients are taken with tf.grads, so the backward kernels are the ones exercised.
 */
const convCases: [
	n: number,
	h: number,
	w: number,
	c: number,
	o: number,
	k: number,
	s: number,
	pad: "same" | "valid",
][] = [
	[1, 5, 5, 2, 3, 3, 1, "same"],
	[2, 7, 9, 3, 5, 3, 2, "same"],
	[1, 7, 9, 3, 5, 3, 2, "valid"],
	[2, 7, 9, 3, 5, 1, 2, "same"],
	[1, 6, 6, 4, 2, 1, 1, "valid"],
	[2, 8, 8, 3, 4, 4, 2, "same"],
	[1, 9, 7, 2, 3, 4, 2, "valid"],
	[1, 8, 8, 5, 3, 4, 1, "same"],
	[3, 11, 11, 2, 2, 3, 1, "valid"],
];

function scale(values: ArrayLike<number>): number {
	let m = 1;
	for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
	return m;
}

describe("wasm kernels match the cpu backend", () => {
	for (const [n, h, w, c, o, k, s, pad] of convCases) {
		it(`conv2d gradients: x [${n},${h},${w},${c}], ${k}x${k}x${o}, stride ${s}, ${pad}`, async () => {
			const rng = new Rng(n * 1000 + h * 100 + k * 10 + s);
			const x = { values: randomValues(rng, [n, h, w, c]), shape: [n, h, w, c] };
			const f = { values: randomValues(rng, [k, k, c, o]), shape: [k, k, c, o] };
			// A random linear functional of the output, so every dy entry differs.
			const fn = (xt: tf.Tensor, ft: tf.Tensor) => {
				const loss = (a: tf.Tensor, b: tf.Tensor) => {
					const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad);
					const weights = tf.sin(tf.range(0, y.size).reshape(y.shape));
					return tf.sum(tf.mul(y, weights));
				};
				return tf.grads(loss)([xt, ft]);
			};
			const [dxCpu, dwCpu] = await runOn("cpu", [x, f], fn);
			const [dxWasm, dwWasm] = await runOn("wasm", [x, f], fn);
			expect(maxAbsDiff(dxWasm, dxCpu)).toBeLessThan(1e-4 * scale(dxCpu));
			expect(maxAbsDiff(dwWasm, dwCpu)).toBeLessThan(1e-4 * scale(dwCpu));
		});
	}

	for (const [n, h, c, o, k, s] of [
		[1, 4, 6, 3, 4, 2],
		[2, 5, 4, 3, 3, 2],
		[2, 4, 3, 2, 4, 1],
	]) {
		it(`conv2dTranspose (generator upsampling) ${h}x${h}x${c} -> ${o}, ${k}x${k}, stride ${s}`, async () => {
			const rng = new Rng(7 + h + k);
			const x = { values: randomValues(rng, [n, h, h, c]), shape: [n, h, h, c] };
			const f = { values: randomValues(rng, [k, k, o, c]), shape: [k, k, o, c] };
			const fn = (xt: tf.Tensor, ft: tf.Tensor) =>
				tf.conv2dTranspose(xt as tf.Tensor4D, ft as tf.Tensor4D, [n, h * s, h * s, o], s, "same");
			const [cpu] = await runOn("cpu", [x, f], fn);
			const [wasm] = await runOn("wasm", [x, f], fn);
			expect(maxAbsDiff(wasm, cpu)).toBeLessThan(1e-4 * scale(cpu));
		});
	}

	it("UnsortedSegmentSum via the gradient of gather (embedding tables train)", async () => {
		const rng = new Rng(3);
		const table = { values: randomValues(rng, [5, 4]), shape: [5, 4] };
		const ids = { values: Int32Array.from([0, 3, 3, 1, 4, 0, 3]), shape: [7] };
		const fn = (t: tf.Tensor, i: tf.Tensor) =>
			tf.grad((tt: tf.Tensor) => tf.sum(tf.mul(tf.gather(tt, i), tf.range(0, 28).reshape([7, 4]))))(t);
		const [cpu] = await runOn("cpu", [table, ids], fn);
		const [wasm] = await runOn("wasm", [table, ids], fn);
		expect(maxAbsDiff(wasm, cpu)).toBeLessThan(1e-5);
		// Row 2 is never gathered: its gradient is exactly zero.
		expect(Array.from(wasm.slice(8, 12))).toEqual([0, 0, 0, 0]);
	});

	it("UnsortedSegmentSum directly, with an out-of-range id dropped", async () => {
		const data = { values: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [3, 2] };
		const ids = { values: Int32Array.from([1, 1, 7]), shape: [3] };
		const fn = (d: tf.Tensor, i: tf.Tensor) => tf.unsortedSegmentSum(d, i as tf.Tensor1D, 3);
		const [cpu] = await runOn("cpu", [data, ids], fn);
		const [wasm] = await runOn("wasm", [data, ids], fn);
		expect(Array.from(wasm)).toEqual(Array.from(cpu));
		expect(Array.from(wasm)).toEqual([0, 0, 4, 6, 0, 0]);
	});
});

describe("wasm kernel fixes", () => {
	it("oneHot with a float32 dtype gives float ones (tfjs-backend-wasm writes int32 bits)", async () => {
		const ids = { values: Int32Array.from([2, 0, 5]), shape: [3] };
		const fn = (i: tf.Tensor) => tf.oneHot(i as tf.Tensor1D, 4, 1, 0, "float32");
		const [wasm] = await runOn("wasm", [ids], fn);
		expect(Array.from(wasm)).toEqual([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
	});

	it("clone and same-dtype cast share data on wasm; the data lives until the last reference goes", async () => {
		await initEngine({ backend: "wasm" });
		const buffersBefore = tf.memory().numDataBuffers;
		const x = tf.tensor1d([1, -2, 3]);
		const copy = tf.clone(x);
		const same = tf.cast(x, "float32");
		const ints = tf.tidy(() => tf.cast(tf.tensor1d([1.7, -2.2]), "int32"));
		expect(tf.memory().numDataBuffers - buffersBefore, "x, copy and same share one buffer").toBe(2);
		x.dispose();
		expect(Array.from(await copy.data())).toEqual([1, -2, 3]);
		copy.dispose();
		expect(Array.from(await same.data())).toEqual([1, -2, 3]);
		expect(Array.from(await ints.data())).toEqual([1, -2]);
		tf.dispose([same, ints]);
		expect(tf.memory().numDataBuffers).toBe(buffersBefore);
	});
});
