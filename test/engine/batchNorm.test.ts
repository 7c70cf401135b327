import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { BatchNorm } from "../../src/engine/nn/batchNorm.js";
import { batchNormTraining } from "../../src/engine/nn/batchNormOp.js";
import { ParamStore } from "../../src/engine/nn/params.js";
import { Rng } from "../../src/engine/rng.js";
import { randomValues, runOn } from "../helpers/backends.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";

/** The textbook formula, composed from tfjs ops and differentiated by tfjs. */
function naiveBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
	const axes = x.shape.slice(0, -1).map((_, i) => i);
	const { mean, variance } = tf.moments(x, axes);
	return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
}

describe("fused batch norm (training mode)", () => {
	const shape = [3, 5, 4, 6];
	const rng = new Rng(11);
	const x = { values: randomValues(rng, shape).map((v) => 2 + 3 * v), shape };
	const gamma = { values: randomValues(rng, [6]), shape: [6] };
	const beta = { values: randomValues(rng, [6]), shape: [6] };
	const weights = { values: randomValues(rng, shape), shape };

	for (const backend of ["cpu", "wasm"] as const) {
		it(`matches the naive formula and its gradients on ${backend}`, async () => {
			const run = (fused: boolean) =>
				runOn(backend, [x, gamma, beta, weights], (xt, g, b, w) => {
					const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
						const y = fused
							? batchNormTraining(a, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-5)
							: { y: naiveBatchNorm(a, gg, bb, 1e-5) };
						return tf.sum(tf.mul(y.y, w));
					};
					const { value, grads } = tf.valueAndGrads(f)([xt, g, b]);
					return [value, ...grads];
				});
			const fused = await run(true);
			const naive = await run(false);
			for (let i = 0; i < fused.length; i++) expect(maxAbsDiff(fused[i], naive[i])).toBeLessThan(2e-4);
		});
	}

	it("returns the batch mean and biased variance and leaks nothing", async () => {
		await initEngine({ backend: "wasm" });
		const t = tf.tensor(x.values, shape);
		const g = tf.ones([6]) as tf.Tensor1D;
		const b = tf.zeros([6]) as tf.Tensor1D;
		await expectNoLeakedTensors(async () => {
			const { y, mean, variance } = batchNormTraining(t, g, b, 1e-5);
			const ref = tf.moments(t, [0, 1, 2]);
			expect(maxAbsDiff(await mean.data(), await ref.mean.data())).toBeLessThan(1e-4);
			expect(maxAbsDiff(await variance.data(), await ref.variance.data())).toBeLessThan(1e-3);
			tf.dispose([y, mean, variance, ref.mean, ref.variance]);
		});
		tf.dispose([t, g, b]);
	});

	it("eval mode matches (x - running mean) / sqrt(running var + eps) * scale + shift, per channel and per sample", async () => {
		const store = new ParamStore(new Rng(3));
		const bn = new BatchNorm(store, "bn", 6);
		const n = shape[0];
		const stats = { values: randomValues(rng, [4, 6]), shape: [4, 6] };
		for (const backend of ["wasm", "cpu"] as const) {
			const [perChannel, perSample, want1, want2] = await runOn(
				backend,
				[x, stats, { values: randomValues(new Rng(5), [n, 1, 1, 6]), shape: [n, 1, 1, 6] }],
				(xt, st, sc) => {
					const [m, v, g, b] = tf.unstack(st);
					bn.runningMean.assign(m);
					bn.runningVar.assign(tf.abs(v));
					bn.gamma?.assign(g);
					bn.beta?.assign(b);
					const norm = tf.div(tf.sub(xt, m), tf.sqrt(tf.add(tf.abs(v), bn.epsilon)));
					return [
						bn.apply(xt, false),
						bn.apply(xt, false, sc, tf.mul(sc, 0.5)),
						tf.add(tf.mul(norm, g), b),
						tf.add(tf.mul(norm, sc), tf.mul(sc, 0.5)),
					];
				},
			);
			expect(maxAbsDiff(perChannel, want1), backend).toBeLessThan(1e-4);
			expect(maxAbsDiff(perSample, want2), backend).toBeLessThan(1e-4);
		}
		store.dispose();
	});
});
