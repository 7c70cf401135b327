import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { BATCH_NORM_KERNEL } from "../../src/engine/native/batchNormKernels.js";
import { loadNativeAddon, nativeKernelStats } from "../../src/engine/native/index.js";
import { BatchNorm } from "../../src/engine/nn/batchNorm.js";
import { batchNormTraining, runningUpdate } from "../../src/engine/nn/batchNormOp.js";
import { ParamStore } from "../../src/engine/nn/params.js";
import { Rng } from "../../src/engine/rng.js";
import { randomValues } from "../helpers/backends.js";
import { expectNoLeakedTensors } from "../helpers/tensors.js";

const loaded = loadNativeAddon();
const shape = [4, 6, 5, 8]; // [N, H, W, C]
const C = shape[3];
const rows = shape[0] * shape[1] * shape[2];

/** PyTorch's update in float64 from two-pass batch statistics: the batch weighs `m`, its variance unbiased. */
function reference(x: Float32Array, mean: number[], variance: number[], m: number): void {
	for (let c = 0; c < C; c++) {
		let s = 0;
		for (let r = 0; r < rows; r++) s += x[r * C + c];
		const mu = s / rows;
		let ss = 0;
		for (let r = 0; r < rows; r++) ss += (x[r * C + c] - mu) ** 2;
		mean[c] = (1 - m) * mean[c] + m * mu;
		variance[c] = (1 - m) * variance[c] + (m * ss) / (rows - 1);
	}
}

function bits(a: Float32Array): string {
	return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
}

for (const backend of ["wasm", "cpu"] as const) {
	describe(`batch-norm running statistics on ${backend}`, () => {
		beforeAll(async () => {
			await initEngine({ backend });
		});

		it("follow PyTorch's momentum update with the unbiased variance, inside a gradient step, leaking nothing", async () => {
			const store = new ParamStore(new Rng(1));
			const bn = new BatchNorm(store, "bn", C, { momentum: 0.1 });
			const mean = new Array(C).fill(0);
			const variance = new Array(C).fill(1);
			const rng = new Rng(7);
			const before = nativeKernelStats()[BATCH_NORM_KERNEL]?.native ?? 0;
			await expectNoLeakedTensors(() => {
				for (let step = 0; step < 3; step++) {
					const values = randomValues(rng, shape).map((v, i) => v * (1 + (i % C)) + (i % C) - 3);
					reference(values, mean, variance, 0.1);
					tf.tidy(() => {
						const x = tf.tensor(values, shape);
						const { grads } = tf.variableGrads(
							() => tf.sum(tf.square(bn.apply(x, true))) as tf.Scalar,
							[bn.gamma as tf.Variable],
						);
						tf.dispose(grads);
					});
				}
			});
			const gotMean = bn.runningMean.dataSync();
			const gotVar = bn.runningVar.dataSync();
			for (let c = 0; c < C; c++) {
				expect(Math.abs(gotMean[c] - mean[c])).toBeLessThan(1e-5 * (1 + Math.abs(mean[c])));
				expect(Math.abs(gotVar[c] - variance[c])).toBeLessThan(1e-5 * (1 + Math.abs(variance[c])));
			}
			if (backend === "wasm" && loaded.addon) {
				expect((nativeKernelStats()[BATCH_NORM_KERNEL]?.native ?? 0) - before, "native batch norm ran").toBe(3);
				// A forward pass alone: one kernel call, no Multiply or Add for the running statistics.
				const calls = (k: string) => (nativeKernelStats()[k]?.native ?? 0) + (nativeKernelStats()[k]?.fallback ?? 0);
				const mulAdd = calls("Multiply") + calls("Add");
				tf.tidy(() => bn.apply(tf.tensor(randomValues(rng, shape), shape), true));
				expect(calls("Multiply") + calls("Add") - mulAdd, "Multiply and Add calls").toBe(0);
			}
			store.dispose();
		});

		it("the update in the kernel has the bits of the tfjs ops' formula", () => {
			const rng = new Rng(9);
			const [got, want] = tf.tidy(() => {
				const x = tf.tensor(randomValues(rng, shape), shape);
				const running = {
					mean: tf.tensor1d(randomValues(rng, [C])),
					variance: tf.abs(tf.tensor1d(randomValues(rng, [C]))) as tf.Tensor1D,
					momentum: 0.3,
				};
				const r = batchNormTraining(x, tf.ones([C]) as tf.Tensor1D, tf.zeros([C]) as tf.Tensor1D, 1e-5, running);
				const ref = runningUpdate(running, r.mean, r.variance, rows);
				const next = r.running as { mean: tf.Tensor1D; variance: tf.Tensor1D };
				return [tf.concat([next.mean, next.variance]), tf.concat([ref.mean, ref.variance])];
			});
			expect(bits(got.dataSync() as Float32Array)).toBe(bits(want.dataSync() as Float32Array));
			tf.dispose([got, want]);
		});
	});
}
