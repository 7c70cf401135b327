import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { BATCH_NORM_RELU_KERNEL } from "../../src/engine/native/batchNormKernels.js";
import { loadNativeAddon, nativeKernelStats } from "../../src/engine/native/index.js";
import { REQUIRE_NATIVE_ENV } from "../../src/engine/native/load.js";
import { POINTWISE_MIN_ELEMENTS } from "../../src/engine/native/pointwiseKernels.js";
import { batchNormReluTraining, batchNormTraining, type RunningStats } from "../../src/engine/nn/batchNormOp.js";
import { Rng } from "../../src/engine/rng.js";
import { randomValues, runOn } from "../helpers/backends.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";

const loaded = loadNativeAddon();
const skipNative = !loaded.addon && process.env[REQUIRE_NATIVE_ENV] !== "1";

/** Bits of a float32 array, so that NaN and -0 compare exactly. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

type Input = { values: Float32Array; shape: number[] };

function inputs(shape: number[], seed: number): Input[] {
	const rng = new Rng(seed);
	const c = shape[shape.length - 1];
	const v = (s: number[], scale = 1, shift = 0) => ({
		values: randomValues(rng, s).map((x) => shift + scale * x),
		shape: s,
	});
	// x, gamma, beta, residual, upstream weights, running mean, running variance
	return [v(shape, 3, 2), v([c]), v([c]), v(shape), v(shape), v([c]), v([c], 0.1, 1)];
}

/**
 * sum(relu(bn(x) + residual?) * w) and its gradients wrt x, gamma, beta (and the residual),
 * then the output itself and the running statistics' update: by the fused op, or by the unfused
 * reference (genrep's batch-norm op, then tfjs's add and relu, differentiated by the tape).
 */
function block(fused: boolean, withResidual: boolean) {
	return (...t: tf.Tensor[]) => {
		const [x, gamma, beta, residual, w, runningMean, runningVar] = t;
		const running: RunningStats = {
			mean: runningMean as tf.Tensor1D,
			variance: runningVar as tf.Tensor1D,
			momentum: 0.1,
		};
		const r = withResidual ? residual : undefined;
		let stats: tf.Tensor[] = [];
		let out: tf.Tensor | null = null;
		const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, rr?: tf.Tensor) => {
			const res = fused
				? batchNormReluTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, running, rr)
				: batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, running);
			const y = fused ? res.y : tf.relu(rr ? tf.add(res.y, rr) : res.y);
			const next = res.running as { mean: tf.Tensor; variance: tf.Tensor };
			// The batch statistics are the caller's (the composed path keeps them out of tidy).
			tf.dispose([res.mean, res.variance]);
			stats = [tf.keep(next.mean), tf.keep(next.variance)];
			out = tf.keep(y);
			return tf.sum(tf.mul(y, w)) as tf.Scalar;
		};
		const args = r ? [x, gamma, beta, r] : [x, gamma, beta];
		const { value, grads } = tf.valueAndGrads(f as (...a: tf.Tensor[]) => tf.Scalar)(args);
		return [value, ...grads, out as unknown as tf.Tensor, ...stats];
	};
}

describe("batch norm with the residual add and ReLU fused in (training mode)", () => {
	const large = [4, 16, 16, 32]; // 32768 values: native pointwise kernels on the unfused side too
	const small = [3, 5, 4, 6];
	expect(large.reduce((a, b) => a * b)).toBeGreaterThan(POINTWISE_MIN_ELEMENTS);

	for (const [name, shape] of [
		["large", large],
		["small", small],
	] as const) {
		for (const withResidual of [true, false]) {
			const what = `${name} ${shape.join("x")}, ${withResidual ? "with" : "without"} a residual`;
			it(`${what}: the unfused ops' bits (value, gradients, output, running statistics) on wasm and cpu`, async () => {
				const data = inputs([...shape], 7);
				for (const backend of ["wasm", "cpu"] as const) {
					await initEngine({ backend });
					const before = nativeKernelStats()[BATCH_NORM_RELU_KERNEL]?.native ?? 0;
					const got = await expectNoLeakedTensors(() => runOn(backend, data, block(true, withResidual)));
					const calls = (nativeKernelStats()[BATCH_NORM_RELU_KERNEL]?.native ?? 0) - before;
					expect(calls, `${backend}: fused native calls`).toBe(backend === "wasm" && !skipNative ? 1 : 0);
					const want = await expectNoLeakedTensors(() => runOn(backend, data, block(false, withResidual)));
					expect(got.length).toBe(withResidual ? 8 : 7);
					for (let i = 0; i < got.length; i++) expect(bits(got[i]), `${backend} output ${i}`).toEqual(bits(want[i]));
					// Not vacuous: about half the outputs are clipped, the others not.
					const y = got[got.length - 3];
					const zeros = y.filter((v) => v === 0).length;
					expect(zeros / y.length).toBeGreaterThan(0.2);
					expect(zeros / y.length).toBeLessThan(0.8);
					if (withResidual) expect(new Set(got[4]).size, "residual gradient").toBeGreaterThan(10);
				}
			});
		}
	}

	it("matches the textbook formula's gradients (tfjs moments, tfjs autodiff) within float tolerance", async () => {
		const data = inputs(small, 13);
		const naive = (...t: tf.Tensor[]) => {
			const [x, gamma, beta, residual, w] = t;
			const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor) => {
				const { mean, variance } = tf.moments(a, [0, 1, 2]);
				const bn = tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
				return tf.sum(tf.mul(tf.relu(tf.add(bn, r)), w)) as tf.Scalar;
			};
			const { value, grads } = tf.valueAndGrads(f as (...a: tf.Tensor[]) => tf.Scalar)([x, gamma, beta, residual]);
			return [value, ...grads];
		};
		for (const backend of ["wasm", "cpu"] as const) {
			const got = await runOn(backend, data, block(true, true));
			const want = await runOn(backend, data, naive);
			for (let i = 0; i < want.length; i++) expect(maxAbsDiff(got[i], want[i]), `${backend} ${i}`).toBeLessThan(2e-4);
		}
	});

	it("a residual of another shape (broadcast) takes the unfused ops, with the same result", async () => {
		await initEngine({ backend: "wasm" });
		const [x, gamma, beta] = inputs(small, 5).map((i) => tf.tensor(i.values, i.shape));
		const c = small[3];
		const residual = tf.linspace(-1, 1, c);
		const running = () => ({ mean: tf.zeros([c]), variance: tf.ones([c]), momentum: 0.1 }) as RunningStats;
		const before = nativeKernelStats()[BATCH_NORM_RELU_KERNEL]?.native ?? 0;
		const fused = batchNormReluTraining(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-5, running(), residual);
		expect((nativeKernelStats()[BATCH_NORM_RELU_KERNEL]?.native ?? 0) - before).toBe(0);
		const plain = batchNormTraining(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-5, running());
		const want = tf.relu(tf.add(plain.y, residual));
		expect(fused.y.shape).toEqual(small);
		expect(bits(fused.y.dataSync() as Float32Array)).toEqual(bits(want.dataSync() as Float32Array));
		tf.dispose([x, gamma, beta, residual, want]);
	});

	it.skipIf(skipNative)("the addon checks the fused arguments", () => {
		const addon = loaded.addon as NonNullable<typeof loaded.addon>;
		const memory = new ArrayBuffer(1024);
		// x [2, 4] at 0, gamma/beta/mean/variance/running at 32.., y at 256, residual at 512
		const base = [memory, 0, 32, 48, 256, 64, 80, 2, 4, 1e-5, 96, 112, 128, 144, 0.1] as const;
		expect(() => addon.batchNormForward(...base, 1020)).toThrow(/residual.*runs past the memory/);
		expect(() => addon.batchNormForward(...base, 514)).toThrow(/residual.*multiple of 4/);
		const call = addon.batchNormForward as (...a: unknown[]) => void;
		expect(() => call(...base, 512, 1)).toThrow(/10, 15 or 16/);
		expect(() => call(...base.slice(0, 14))).toThrow(/10, 15 or 16/);
		expect(() => addon.batchNormForward(...base, -1)).not.toThrow();
	});
});
