/**
 * bf16 mixed precision of the native kernels (src/engine/native/precision.ts): convolutions
 * (forward, input and filter gradients) and matrix products agree with fp32 within bf16's
 * tolerance but are not bit-identical to it (so bf16 really ran), a few training steps stay
 * finite and close to fp32, and a CPU without bf16 gets fp32 with the reason.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { conv2DInfo } from "../../src/engine/kernels/convInfo.js";
import { ConvKind } from "../../src/engine/native/addon.js";
import { convParams } from "../../src/engine/native/convKernels.js";
import {
	bf16Available,
	loadNativeAddon,
	nativePrecision,
	setNativePrecision,
	withNativePrecision,
} from "../../src/engine/native/index.js";
import { Rng } from "../../src/engine/rng.js";
import { randomValues } from "../helpers/backends.js";
import { smallClassifier } from "../helpers/classifier.js";
import { maxAbsDiff } from "../helpers/tensors.js";

await initEngine({ backend: "wasm" }); // registers the native kernels, which bf16 needs
const available = bf16Available();

/** Runs fn in fp32 and in bf16 on the same inputs; returns both results' values. */
function both(fn: () => tf.Tensor): { fp32: Float32Array; bf16: Float32Array } {
	setNativePrecision("fp32");
	const a = tf.tidy(fn);
	const fp32 = a.dataSync() as Float32Array;
	expect(setNativePrecision("bf16").precision).toBe("bf16");
	const b = tf.tidy(fn);
	const bf16 = b.dataSync() as Float32Array;
	setNativePrecision("fp32");
	tf.dispose([a, b]);
	return { fp32, bf16 };
}

/** bf16 keeps 8 significant bits: relative error ~2^-8 per product, fp32 accumulation. */
function expectBf16Close(r: { fp32: Float32Array; bf16: Float32Array }, label: string) {
	const scale = r.fp32.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-6);
	const diff = maxAbsDiff(r.bf16, r.fp32);
	expect(diff, `${label}: bf16 within tolerance of fp32`).toBeLessThan(2e-2 * scale);
	expect(diff, `${label}: bf16 differs from fp32 (it ran in bf16)`).toBeGreaterThan(1e-7 * scale);
	for (const v of r.bf16) expect(Number.isFinite(v)).toBe(true);
}

describe.skipIf(available.ok)("bf16 where the CPU or the addon lacks it", () => {
	it("falls back to fp32 with the reason", () => {
		const choice = setNativePrecision("bf16");
		expect(choice.precision).toBe("fp32");
		expect(choice.reason).toMatch(/bf16|native/);
		expect(nativePrecision()).toBe("fp32");
	});

	it("withNativePrecision refuses bf16 instead of running fn in fp32", () => {
		let ran = false;
		expect(() =>
			withNativePrecision("bf16", () => {
				ran = true;
			}),
		).toThrow(/bf16 is not available/);
		expect([ran, nativePrecision()]).toEqual([false, "fp32"]);
	});
});

describe.skipIf(!available.ok)("bf16 mixed precision of the native kernels", () => {
	const rng = new Rng(3);
	const x = () => tf.tensor4d(randomValues(rng, [4, 16, 16, 8]), [4, 16, 16, 8]);
	const w = () => tf.tensor4d(randomValues(rng, [3, 3, 8, 16]), [3, 3, 8, 16]);
	let xs: tf.Tensor4D;
	let ws: tf.Tensor4D;
	beforeAll(() => {
		xs = x();
		ws = w();
	});
	afterAll(() => {
		setNativePrecision("fp32");
		tf.dispose([xs, ws]);
	});

	it("withNativePrecision runs fn in bf16 and restores the precision before, also on a throw", () => {
		expect(withNativePrecision("bf16", () => nativePrecision())).toBe("bf16");
		expect(nativePrecision()).toBe("fp32");
		expect(() =>
			withNativePrecision("bf16", () => {
				throw new Error("boom");
			}),
		).toThrow("boom");
		expect(nativePrecision()).toBe("fp32");
		setNativePrecision("bf16");
		expect(withNativePrecision("fp32", () => nativePrecision())).toBe("fp32");
		expect(nativePrecision()).toBe("bf16");
		setNativePrecision("fp32");
	});

	it("convolution forward", () => {
		expectBf16Close(
			both(() => tf.conv2d(xs, ws, 1, "same")),
			"conv2d",
		);
	});

	it("convolution gradients (input and filter), strided", () => {
		const loss = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.sum(tf.square(tf.conv2d(a, b, 2, "same")));
		expectBf16Close(
			both(() => tf.grad((a: tf.Tensor) => loss(a as tf.Tensor4D, ws))(xs)),
			"dx",
		);
		expectBf16Close(
			both(() => tf.grad((b: tf.Tensor) => loss(xs, b as tf.Tensor4D))(ws)),
			"dw",
		);
	});

	it("strided 3x3 filter gradients run in fp32 under bf16: the fp32 bits", () => {
		const addon = loadNativeAddon().addon;
		if (!addon) throw new Error("bf16 is available, so the addon must be loaded");
		const implOf = (stride: number, k: number, precision: "fp32" | "bf16") => {
			setNativePrecision(precision);
			const info = conv2DInfo([4, 16, 16, 8], [k, k, 8, 16], { strides: stride, pad: "same" });
			const params = convParams(info);
			if (!params) throw new Error("a plain NHWC convolution must be native");
			const impl = addon.describeConv(ConvKind.backwardWeights, params);
			setNativePrecision("fp32");
			return impl;
		};
		// docs/performance.md, "bf16 under contention": oneDNN's 2-thread jit_bf16 kernel for
		// these waits at a spinning barrier and slows 50-150 times when the cores are shared.
		const strided = implOf(2, 3, "bf16");
		expect(strided).toMatch(/\(fp32\)$/);
		expect(strided).not.toMatch(/bf16/);
		expect(implOf(1, 3, "bf16")).toMatch(/bf16/);
		expect(implOf(1, 3, "bf16")).not.toMatch(/fp32/);
		expect(implOf(2, 1, "bf16")).toMatch(/bf16/);
		expect(implOf(2, 3, "fp32")).not.toMatch(/fp32|bf16/);
		const dw = (stride: number) => () =>
			tf.grad((b: tf.Tensor) => tf.sum(tf.conv2d(xs, b as tf.Tensor4D, stride, "same")))(ws);
		// A linear loss, so that the upstream gradient (ones) does not depend on the forward
		// pass's precision: the strided filter gradient is fp32's primitive, to the bit.
		const strideTwo = both(dw(2));
		expect(strideTwo.bf16).toEqual(strideTwo.fp32);
		const strideOne = both(dw(1));
		expect(maxAbsDiff(strideOne.bf16, strideOne.fp32)).toBeGreaterThan(0);
	});

	it("under bf16 only the 4x4 Winograd layers stay Winograd (fp32); the 8x8 and 16x16 ones run bf16 direct", () => {
		const addon = loadNativeAddon().addon;
		if (!addon) throw new Error("bf16 is available, so the addon must be loaded");
		const implOf = (size: number, kind: ConvKind, precision: "fp32" | "bf16") => {
			setNativePrecision(precision);
			try {
				const params = convParams(conv2DInfo([4, size, size, 32], [3, 3, 32, 32], { strides: 1, pad: "same" }));
				if (!params) throw new Error("a plain NHWC convolution must be native");
				return addon.describeConv(kind, params);
			} finally {
				setNativePrecision("fp32");
			}
		};
		for (const kind of [ConvKind.forward, ConvKind.backwardData, ConvKind.backwardWeights]) {
			expect(implOf(4, kind, "bf16"), `kind ${kind}`).toMatch(/wino/);
			expect(implOf(8, kind, "bf16"), `kind ${kind}`).toMatch(/bf16/);
			expect(implOf(8, kind, "fp32"), `kind ${kind}`).toMatch(/wino/);
			expect(implOf(16, kind, "fp32"), `kind ${kind}`).toMatch(/wino/);
		}
	});

	it("matrix products, plain and transposed", () => {
		const a = tf.tensor2d(randomValues(rng, [64, 96]), [64, 96]);
		const b = tf.tensor2d(randomValues(rng, [96, 40]), [96, 40]);
		expectBf16Close(
			both(() => tf.matMul(a, b)),
			"matMul",
		);
		expectBf16Close(
			both(() => tf.matMul(b, a, true, true)),
			"matMul transposed",
		);
		tf.dispose([a, b]);
	});

	it("a few training steps: finite, loss falls, close to fp32", async () => {
		const run = async (precision: "fp32" | "bf16") => {
			expect(setNativePrecision(precision).precision).toBe(precision);
			const model = smallClassifier(5);
			const opt = tf.train.momentum(0.05, 0.9);
			const losses: number[] = [];
			for (let step = 0; step < 4; step++) {
				const loss = opt.minimize(model.loss, true, [...model.net.store.trainable.values()]) as tf.Scalar;
				losses.push((await loss.data())[0]);
				loss.dispose();
			}
			opt.dispose();
			model.dispose();
			setNativePrecision("fp32");
			return losses;
		};
		const fp32 = await run("fp32");
		const bf16 = await run("bf16");
		for (const v of bf16) expect(Number.isFinite(v)).toBe(true);
		expect(bf16[3]).toBeLessThan(bf16[0]);
		for (let i = 0; i < fp32.length; i++) expect(Math.abs(bf16[i] - fp32[i])).toBeLessThan(2e-2 * fp32[i] + 1e-3);
	});
});
