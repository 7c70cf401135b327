import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { loadNativeAddon, nativeKernelStats } from "../../src/engine/native/index.js";
import { REQUIRE_NATIVE_ENV } from "../../src/engine/native/load.js";
import { POINTWISE_MIN_ELEMENTS, RELU_GRAD_KERNEL } from "../../src/engine/native/pointwiseKernels.js";
import { Rng } from "../../src/engine/rng.js";
import { randomValues } from "../helpers/backends.js";
import { expectNoLeakedTensors } from "../helpers/tensors.js";

const loaded = loadNativeAddon();
const skipNative = !loaded.addon && process.env[REQUIRE_NATIVE_ENV] !== "1";
const rng = new Rng(41);

/** x with zeros, -0, NaN and infinities among normal values; dy the same, elsewhere. */
function awkward(n: number, seed: number): Float32Array {
	const v = randomValues(new Rng(seed), [n]);
	const specials = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
	for (let i = 0; i < 40; i++) v[(i * 7919 + seed) % n] = specials[i % specials.length];
	return v;
}

/** Bits of a float32 array, so that NaN and -0 compare exactly. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe("ReLU's gradient", () => {
	for (const n of [POINTWISE_MIN_ELEMENTS * 3 + 5, 1000]) {
		it(`${n} values: the bits of tfjs's mul(dy, step(x)) on wasm and cpu, natively where large`, async () => {
			const x = awkward(n, 1);
			const dy = awkward(n, 2);
			for (const backend of ["wasm", "cpu"] as const) {
				await initEngine({ backend });
				const want = await expectNoLeakedTensors(() =>
					tf.tidy(() => tf.mul(tf.tensor1d(dy), tf.cast(tf.step(tf.tensor1d(x)), "float32")).dataSync()),
				);
				const before = nativeKernelStats()[RELU_GRAD_KERNEL]?.native ?? 0;
				// tf.relu's gradient, through the tape (with dy as the upstream gradient).
				const got = await expectNoLeakedTensors(() =>
					tf.tidy(() => {
						const w = tf.tensor1d(dy);
						return tf
							.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), w)) as tf.Scalar)(tf.tensor1d(x))
							.dataSync();
					}),
				);
				const calls = (nativeKernelStats()[RELU_GRAD_KERNEL]?.native ?? 0) - before;
				expect(calls, `${backend}: native calls`).toBe(
					backend === "wasm" && !skipNative && n >= POINTWISE_MIN_ELEMENTS ? 1 : 0,
				);
				expect(bits(Float32Array.from(got)), backend).toEqual(bits(Float32Array.from(want)));
				expect(new Set(got).size, "not trivially constant").toBeGreaterThan(10);
			}
		});
	}

	it.skipIf(skipNative)(
		"an [N, H, W, C] activation through a conv net's backward pass, and the addon checks its arguments",
		async () => {
			await initEngine({ backend: "wasm" });
			const shape = [8, 16, 16, 16];
			const x = randomValues(rng, shape);
			const grads = (native: boolean) =>
				tf.tidy(() => {
					const t = tf.tensor4d(x, shape as [number, number, number, number]);
					const f = (u: tf.Tensor) => tf.sum(tf.square(tf.relu(u))) as tf.Scalar;
					if (native) return tf.grad(f)(t).dataSync();
					// tfjs's formula, written out.
					return tf.mul(tf.mul(tf.relu(t), 2), tf.cast(tf.step(t), "float32")).dataSync();
				});
			expect(bits(Float32Array.from(grads(true)))).toEqual(bits(Float32Array.from(grads(false))));
			const addon = loaded.addon as NonNullable<typeof loaded.addon>;
			const memory = new ArrayBuffer(1024);
			expect(() => addon.reluGrad(memory, 0, 512, 768, 128)).toThrow(/runs past the memory/);
			expect(() => addon.reluGrad(memory, 0, 512, 768, 0)).toThrow(/n must be positive/);
			expect(() => addon.reluGrad(memory, 0, 514, 768, 8)).toThrow(/multiple of 4/);
		},
	);
});
