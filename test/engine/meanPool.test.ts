import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { loadNativeAddon, nativeKernelStats } from "../../src/engine/native/index.js";
import { REQUIRE_NATIVE_ENV } from "../../src/engine/native/load.js";
import { MEAN_POOL_GRAD_KERNEL, MEAN_POOL_KERNEL } from "../../src/engine/native/poolKernels.js";
import { globalAvgPool } from "../../src/engine/nn/meanPool.js";
import { Rng } from "../../src/engine/rng.js";
import { randomValues } from "../helpers/backends.js";
import { expectNoLeakedTensors } from "../helpers/tensors.js";

const loaded = loadNativeAddon();
const skipNative = !loaded.addon && process.env[REQUIRE_NATIVE_ENV] !== "1";
const rng = new Rng(31);

/** Pooled values and d sum(pool(x) * w) / dx, by `pool`, leaking nothing. */
async function poolAndGrad(
	x: Float32Array,
	shape: [number, number, number, number],
	weights: Float32Array,
	pool: (x: tf.Tensor4D) => tf.Tensor2D,
): Promise<{ y: Float32Array; dx: Float32Array }> {
	return expectNoLeakedTensors(() =>
		tf.tidy(() => {
			const input = tf.tensor4d(x, shape);
			const w = tf.tensor2d(weights, [shape[0], shape[3]]);
			const y = pool(input).dataSync();
			const dx = tf
				.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t as tf.Tensor4D), w)) as tf.Scalar)(input)
				.dataSync();
			return { y: Float32Array.from(y), dx: Float32Array.from(dx) };
		}),
	);
}

const SHAPES: [number, number, number, number][] = [
	[64, 4, 4, 256], // a ResNet's last stage: above the threading threshold
	[3, 5, 7, 2],
	[2, 1, 1, 3],
];

describe("globalAvgPool", () => {
	for (const shape of SHAPES) {
		it(`[${shape}]: the bits of tf.mean over [1, 2], value and gradient, on wasm and cpu`, async () => {
			const x = randomValues(rng, shape);
			const w = randomValues(rng, [shape[0], shape[3]]);
			for (const backend of ["wasm", "cpu"] as const) {
				await initEngine({ backend });
				const want = await poolAndGrad(x, shape, w, (t) => tf.mean(t, [1, 2]) as tf.Tensor2D);
				const before = nativeKernelStats();
				const got = await poolAndGrad(x, shape, w, globalAvgPool);
				const after = nativeKernelStats();
				const calls = (k: string) => (after[k]?.native ?? 0) - (before[k]?.native ?? 0);
				const native = backend === "wasm" && !skipNative;
				expect([calls(MEAN_POOL_KERNEL), calls(MEAN_POOL_GRAD_KERNEL)], `${backend}: native calls`).toEqual(
					native ? [2, 1] : [0, 0],
				);
				expect(got.y, `${backend}: values`).toEqual(want.y);
				expect(got.dx, `${backend}: gradient`).toEqual(want.dx);
				// Not trivially equal: a mean over more than one position, a non-constant gradient.
				expect(new Set(got.dx).size).toBeGreaterThan(1);
			}
		});
	}

	it.skipIf(skipNative)("the addon checks its arguments", () => {
		const addon = loaded.addon as NonNullable<typeof loaded.addon>;
		const memory = new ArrayBuffer(1024);
		expect(() => addon.meanPool(memory, 0, 512, 2, 32, 8)).toThrow(/runs past the memory/);
		expect(() => addon.meanPool(memory, 0, 512, 2, 0, 8)).toThrow(/area must be positive/);
		expect(() => addon.meanPoolGrad(memory, 0, 64, 2, 64, 8)).toThrow(/runs past the memory/);
		expect(() => addon.meanPoolGrad(memory, 2, 64, 2, 4, 8)).toThrow(/multiple of 4/);
	});
});
