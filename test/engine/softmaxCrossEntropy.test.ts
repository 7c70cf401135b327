import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { loadNativeAddon, nativeKernelStats } from "../../src/engine/native/index.js";
import { SOFTMAX_CROSS_ENTROPY_KERNEL } from "../../src/engine/native/softmaxKernel.js";
import { softmaxCrossEntropy } from "../../src/engine/nn/softmaxCrossEntropy.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";

const loaded = loadNativeAddon();
const N = 3000; // above the kernel's threading threshold with K = 7
const K = 7;

/** Logits of a few scales (confident rows included) and one-hot labels. */
function problem(): { logits: Float32Array; labels: Float32Array; classes: Int32Array } {
	const logits = new Float32Array(N * K);
	const labels = new Float32Array(N * K);
	const classes = new Int32Array(N);
	let s = 12345;
	const next = () => {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
	for (let r = 0; r < N; r++) {
		const scale = [0.1, 1, 10, 200][r % 4];
		for (let k = 0; k < K; k++) logits[r * K + k] = (next() * 2 - 1) * scale;
		classes[r] = Math.floor(next() * K);
		labels[r * K + classes[r]] = 1;
	}
	return { logits, labels, classes };
}

/** Float64 reference: loss per row and (softmax - labels) * scale. */
function reference(logits: Float32Array, classes: Int32Array, scale: number): { loss: number[]; residual: number[] } {
	const loss: number[] = [];
	const residual: number[] = [];
	for (let r = 0; r < N; r++) {
		const row = Array.from(logits.subarray(r * K, (r + 1) * K));
		const top = Math.max(...row);
		const sum = row.reduce((a, v) => a + Math.exp(v - top), 0);
		loss.push(Math.log(sum) - (row[classes[r]] - top));
		for (let k = 0; k < K; k++) residual.push((Math.exp(row[k] - top) / sum - (k === classes[r] ? 1 : 0)) * scale);
	}
	return { loss, residual };
}

describe("softmax cross-entropy with its residual", () => {
	const { logits, labels, classes } = problem();
	const want = reference(logits, classes, 1 / N);

	for (const backend of ["wasm", "cpu"] as const) {
		it(`matches the float64 formula on ${backend}, confident rows included, leaking nothing`, async () => {
			await initEngine({ backend });
			const before = nativeKernelStats()[SOFTMAX_CROSS_ENTROPY_KERNEL]?.native ?? 0;
			const [loss, residual] = await expectNoLeakedTensors(() =>
				tf.tidy(() => {
					const r = softmaxCrossEntropy(tf.tensor2d(logits, [N, K]), tf.tensor2d(labels, [N, K]), 1 / N);
					return [r.loss.dataSync(), r.residual.dataSync()];
				}),
			);
			if (backend === "wasm" && loaded.addon) {
				expect((nativeKernelStats()[SOFTMAX_CROSS_ENTROPY_KERNEL]?.native ?? 0) - before, "ran natively").toBe(1);
			}
			for (let r = 0; r < N; r++) {
				expect(Math.abs(loss[r] - want.loss[r]), `row ${r}`).toBeLessThanOrEqual(
					2e-6 * Math.max(1, want.loss[r]) + 1e-7,
				);
			}
			expect(maxAbsDiff(residual, want.residual)).toBeLessThan(1e-9);
			expect(loss.every(Number.isFinite) && residual.every(Number.isFinite)).toBe(true);
		});
	}

	it("its residual is tfjs's gradient of the mean cross-entropy", async () => {
		await initEngine({ backend: "cpu" });
		const grad = tf.tidy(() => {
			const y = tf.tensor2d(labels, [N, K]);
			return tf
				.grad((l: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, l))(tf.tensor2d(logits, [N, K]))
				.dataSync();
		});
		await initEngine({ backend: "wasm" });
		const residual = tf.tidy(() =>
			softmaxCrossEntropy(tf.tensor2d(logits, [N, K]), tf.tensor2d(labels, [N, K]), 1 / N).residual.dataSync(),
		);
		expect(maxAbsDiff(residual, grad)).toBeLessThan(1e-8);
	});

	it.skipIf(!loaded.addon)("the addon checks its arguments", () => {
		const addon = loaded.addon as NonNullable<typeof loaded.addon>;
		const memory = new ArrayBuffer(1024);
		expect(() => addon.softmaxCrossEntropy(memory, 0, 256, 512, 800, 4, 16, 1)).toThrow(/runs past the memory/);
		expect(() => addon.softmaxCrossEntropy(memory, 0, 256, 512, 640, 0, 16, 1)).toThrow(/rows must be positive/);
		expect(() => addon.softmaxCrossEntropy(memory, 0, 256, 512, 640, 4, 16, Number.NaN)).toThrow(/finite/);
		expect(() => addon.softmaxCrossEntropy(memory, 2, 256, 512, 640, 4, 16, 1)).toThrow(/multiple of 4/);
	});
});
