import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
// Gradient functions (tf.grads); the bare tfjs-core entry point does not register them.
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conv2DInfo } from "../../src/engine/kernels/convInfo.js";
import {
	BATCH_NORM_GRAD_KERNEL,
	BATCH_NORM_KERNEL,
	BATCH_NORM_RELU_KERNEL,
} from "../../src/engine/native/batchNormKernels.js";
import { MULTI_POSITIVE_KERNEL } from "../../src/engine/native/contrastiveKernel.js";
import { convParams } from "../../src/engine/native/convKernels.js";
import {
	ConvAlgorithm,
	ConvKind,
	loadNativeAddon,
	nativeKernelStats,
	registerNativeKernels,
	unregisterNativeKernels,
} from "../../src/engine/native/index.js";
import { POINTWISE_MIN_ELEMENTS, RELU_GRAD_KERNEL } from "../../src/engine/native/pointwiseKernels.js";
import { MEAN_POOL_GRAD_KERNEL, MEAN_POOL_KERNEL } from "../../src/engine/native/poolKernels.js";
import { SGD_KERNEL } from "../../src/engine/native/sgdKernel.js";
import { SOFTMAX_CROSS_ENTROPY_KERNEL } from "../../src/engine/native/softmaxKernel.js";
import { batchNormTraining } from "../../src/engine/nn/batchNormOp.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";

const loaded = loadNativeAddon();
if (!loaded.addon) {
	console.warn(`native kernel tests skipped: ${loaded.reason}`);
}

/** Deterministic uniform values in [-1, 1) (a small LCG; tests need no tfjs RNG). */
function randomValues(n: number, seed: number): Float32Array {
	const out = new Float32Array(n);
	let s = seed >>> 0 || 1;
	for (let i = 0; i < n; i++) {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		out[i] = s / 2 ** 31 - 1;
	}
	return out;
}

interface Input {
	shape: number[];
	values: Float32Array;
}

function input(shape: number[], seed: number): Input {
	return {
		shape,
		values: randomValues(
			shape.reduce((a, b) => a * b, 1),
			seed,
		),
	};
}

/** Runs `fn` on `backend` with fresh tensors made from `inputs`; returns each output's data. */
async function runOn(
	backend: string,
	inputs: Input[],
	fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
	await tf.setBackend(backend);
	const outs = tf.tidy(() => {
		const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
		const y = fn(...xs);
		return Array.isArray(y) ? y : [y];
	});
	const data = outs.map((t) => t.dataSync() as Float32Array);
	tf.dispose(outs);
	return data;
}

/** Asserts the native (wasm) result matches the cpu backend within ~1e-4 relative. */
async function expectMatchesCpu(
	inputs: Input[],
	fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
	kernels: string[],
): Promise<void> {
	const nativeCalls = (k: string) => nativeKernelStats()[k]?.native ?? 0;
	const before = kernels.map(nativeCalls);
	const got = await expectNoLeakedTensors(() => runOn("wasm", inputs, fn));
	kernels.forEach((k, i) => {
		expect(nativeCalls(k), `${k} ran natively`).toBeGreaterThan(before[i]);
	});
	const want = await runOn("cpu", inputs, fn);
	expect(got.length).toBe(want.length);
	for (let i = 0; i < want.length; i++) {
		const scale = want[i].reduce((m, v) => Math.max(m, Math.abs(v)), 1);
		expect(maxAbsDiff(got[i], want[i])).toBeLessThan(1e-4 * scale);
	}
}

/** Training-mode batch norm by the textbook formula, with tf.moments' two-pass variance. */
function naiveBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number) {
	const { mean, variance } = tf.moments(x, [...x.shape.keys()].slice(0, -1));
	const y = tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
	return { y, mean, variance };
}

describe.skipIf(!loaded.addon)("native oneDNN kernels", () => {
	beforeAll(async () => {
		await tf.setBackend("wasm");
		expect(registerNativeKernels()).toEqual([
			"Conv2D",
			"Conv2DBackpropInput",
			"Conv2DBackpropFilter",
			"BatchMatMul",
			"Add",
			"Sub",
			"Multiply",
			"Relu",
			"Step",
			"Exp",
			"Tanh",
			BATCH_NORM_KERNEL,
			BATCH_NORM_RELU_KERNEL,
			BATCH_NORM_GRAD_KERNEL,
			SGD_KERNEL,
			SOFTMAX_CROSS_ENTROPY_KERNEL,
			RELU_GRAD_KERNEL,
			MULTI_POSITIVE_KERNEL,
			MEAN_POOL_KERNEL,
			MEAN_POOL_GRAD_KERNEL,
		]);
	});
	afterAll(async () => {
		unregisterNativeKernels();
	});

	type Shape4 = [number, number, number, number];
	const convCases: Array<[string, Shape4, Shape4, number, "same" | "valid"]> = [
		["3x3 s1 same", [1, 7, 9, 3], [3, 3, 3, 4], 1, "same"],
		["3x3 s1 valid", [1, 7, 9, 3], [3, 3, 3, 5], 1, "valid"],
		["3x3 s2 same", [1, 7, 9, 5], [3, 3, 5, 4], 2, "same"],
		["3x3 s2 valid", [2, 9, 7, 3], [3, 3, 3, 2], 2, "valid"],
		["1x1 s1", [1, 7, 9, 5], [1, 1, 5, 3], 1, "valid"],
		["1x1 s2", [1, 7, 9, 3], [1, 1, 3, 4], 2, "same"],
		["4x4 s2 same", [1, 8, 8, 3], [4, 4, 3, 5], 2, "same"],
		["4x4 s1 valid", [1, 9, 7, 5], [4, 4, 5, 3], 1, "valid"],
		["4x4 s1 same (asymmetric pads)", [1, 7, 9, 3], [4, 4, 3, 2], 1, "same"],
		// Winograd's shapes where the CPU has it (convWinograd in native/src/conv.cc)
		["3x3 s1 same, 16 -> 32 channels", [2, 8, 8, 16], [3, 3, 16, 32], 1, "same"],
		["3x3 s1 valid, 32 -> 16 channels", [2, 6, 7, 32], [3, 3, 32, 16], 1, "valid"],
	];

	for (const [name, xShape, wShape, stride, pad] of convCases) {
		it(`conv2d ${name} matches cpu`, async () => {
			await expectMatchesCpu(
				[input(xShape, 1), input(wShape, 2)],
				(x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad),
				["Conv2D"],
			);
		});

		it(`conv2d ${name} gradients match cpu`, async () => {
			const dyShape = tf.tidy(() =>
				tf.conv2d(tf.zeros(xShape) as tf.Tensor4D, tf.zeros(wShape) as tf.Tensor4D, stride, pad),
			);
			const dy = input(dyShape.shape, 3);
			dyShape.dispose();
			await expectMatchesCpu(
				[input(xShape, 1), input(wShape, 2), dy],
				(x, w, g) =>
					tf.grads((a: tf.Tensor, b: tf.Tensor) =>
						tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), g),
					)([x, w]),
				["Conv2DBackpropInput", "Conv2DBackpropFilter"],
			);
		});
	}

	it("plans Winograd only for fp32 3x3 stride-1 convolutions of 16-channel multiples up to 16x16, where oneDNN has it", () => {
		const addon = loaded.addon as NonNullable<typeof loaded.addon>;
		const impl = (kind: ConvKind, x: Shape4, w: Shape4, stride: number) => {
			const params = convParams(conv2DInfo(x, w, { strides: stride, pad: "same" }));
			if (!params) throw new Error("a plain NHWC convolution must be native");
			return addon.describeConv(kind, params);
		};
		const kinds = [ConvKind.forward, ConvKind.backwardData, ConvKind.backwardWeights];
		const avx512 = /avx512/.test(addon.info().library);
		for (const kind of kinds) {
			const picked = impl(kind, [4, 16, 16, 32], [3, 3, 32, 64], 1);
			expect(picked, `kind ${kind}`).toMatch(avx512 ? /wino/ : /^(?!.*wino)/);
			for (const [x, w, stride] of [
				[[4, 32, 32, 32], [3, 3, 32, 32], 1], // larger than 16x16: the reorders cost more
				[[4, 16, 16, 32], [3, 3, 32, 64], 2], // strided
				[[4, 16, 16, 8], [3, 3, 8, 16], 1], // channels not a multiple of 16
				[[4, 16, 16, 32], [1, 1, 32, 64], 1], // 1x1
			] as Array<[Shape4, Shape4, number]>)
				expect(impl(kind, x, w, stride), `kind ${kind} ${x} ${w} s${stride}`).not.toMatch(/wino/);
			addon.setConvAlgorithm?.(ConvAlgorithm.direct);
			try {
				expect(impl(kind, [4, 16, 16, 32], [3, 3, 32, 64], 1)).not.toMatch(/wino/);
			} finally {
				addon.setConvAlgorithm?.(ConvAlgorithm.auto);
			}
		}
	});

	it("conv2d with dilation 2 matches cpu", async () => {
		await expectMatchesCpu(
			[input([1, 9, 9, 3], 4), input([3, 3, 3, 4], 5)],
			(x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same", "NHWC", 2),
			["Conv2D"],
		);
	});

	it("conv2d with explicit pads matches cpu", async () => {
		const pads: [[number, number], [number, number], [number, number], [number, number]] = [
			[0, 0],
			[1, 2],
			[0, 1],
			[0, 0],
		];
		await expectMatchesCpu(
			[input([1, 7, 9, 3], 6), input([3, 3, 3, 4], 7)],
			(x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, pads),
			["Conv2D"],
		);
	});

	it("conv2dTranspose 4x4 stride 2 (DCGAN upsampling) matches cpu", async () => {
		await expectMatchesCpu(
			[input([2, 4, 4, 8], 8), input([4, 4, 5, 8], 9)],
			(x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 8, 8, 5], 2, "same"),
			["Conv2DBackpropInput"],
		);
	});

	it("conv2dTranspose gradients match cpu", async () => {
		const dy = input([1, 8, 8, 3], 12);
		await expectMatchesCpu(
			[input([1, 4, 4, 6], 10), input([4, 4, 3, 6], 11), dy],
			(x, w, g) =>
				tf.grads((a: tf.Tensor, b: tf.Tensor) =>
					tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [1, 8, 8, 3], 2, "same"), g),
				)([x, w]),
			["Conv2D", "Conv2DBackpropFilter"],
		);
	});

	for (const transposeA of [false, true]) {
		for (const transposeB of [false, true]) {
			it(`matMul transposeA=${transposeA} transposeB=${transposeB}, batch 3, matches cpu`, async () => {
				const [m, k, n] = [5, 7, 6];
				const aShape = transposeA ? [3, k, m] : [3, m, k];
				const bShape = transposeB ? [3, n, k] : [3, k, n];
				await expectMatchesCpu(
					[input(aShape, 13), input(bShape, 14)],
					(a, b) => tf.matMul(a, b, transposeA, transposeB),
					["BatchMatMul"],
				);
			});
		}
	}

	it("matMul broadcasts a batch of 1 and handles rank 2", async () => {
		await expectMatchesCpu([input([1, 4, 6], 15), input([3, 6, 5], 16)], (a, b) => tf.matMul(a, b), ["BatchMatMul"]);
		await expectMatchesCpu([input([9, 13], 17), input([11, 13], 18)], (a, b) => tf.matMul(a, b, false, true), [
			"BatchMatMul",
		]);
	});

	// Pointwise kernels: shapes drawn at random, large enough (>= POINTWISE_MIN_ELEMENTS) to
	// run natively, with the broadcasts a conv net uses.
	const pick = (seed: number, lo: number, hi: number) =>
		lo + (randomValues(4, seed * 7919)[3] * 0.5 + 0.5) * (hi - lo + 1);
	const randomNhwc = (seed: number): number[] => {
		const c = Math.floor(pick(seed, 1, 40));
		const hw = Math.floor(pick(seed + 1, 5, 17));
		const n = Math.ceil(POINTWISE_MIN_ELEMENTS / (c * hw * hw)) + Math.floor(pick(seed + 2, 0, 3));
		return [n, hw, hw, c];
	};
	for (const seed of [31, 47, 63]) {
		const shape = randomNhwc(seed);
		const c = shape[3];
		const broadcasts: Array<[string, number[]]> = [
			["equal shapes", shape],
			["per channel [C]", [c]],
			["per channel [1,1,1,C]", [1, 1, 1, c]],
			["a scalar", []],
			["one value per row [N,H,W,1]", [...shape.slice(0, 3), 1]],
			["one value per image [N,1,1,1]", [shape[0], 1, 1, 1]],
			["a block [H,W,1]", [shape[1], shape[2], 1]],
			["one value per image and channel [N,1,1,C]", [shape[0], 1, 1, c]],
			["one value per image and row [N,H,1,1]", [shape[0], shape[1], 1, 1]],
			["per row and channel [H,1,C]", [shape[1], 1, c]],
		];
		for (const [what, bShape] of broadcasts) {
			it(`add, sub, mul of [${shape}] and ${what} match cpu, with gradients`, async () => {
				const ops = (x: tf.Tensor, y: tf.Tensor) => [
					tf.add(x, y),
					tf.sub(x, y),
					tf.mul(x, y),
					tf.add(y, x),
					tf.mul(y, x),
				];
				await expectMatchesCpu([input(shape, seed), input(bShape, seed + 5)], (x, y) => ops(x, y), [
					"Add",
					"Sub",
					"Multiply",
				]);
				const dy = input(shape, seed + 9);
				await expectMatchesCpu(
					[input(shape, seed), input(bShape, seed + 5), dy],
					(x, y, g) => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.add(tf.mul(tf.mul(a, b), g), tf.sub(a, b)))([x, y]),
					["Multiply"],
				);
			});
		}

		it(`relu, step, exp and tanh of [${shape}] (with NaN, +-Infinity) and relu's gradient match cpu`, async () => {
			const x = input(shape, seed + 11);
			x.values[3] = Number.NaN;
			x.values[7] = 0;
			x.values[8] = Number.POSITIVE_INFINITY;
			x.values[9] = Number.NEGATIVE_INFINITY;
			x.values[10] = 100; // exp overflows to Infinity
			const ops = (t: tf.Tensor) => [tf.relu(t), tf.step(t), tf.step(t, -0.5), tf.exp(t), tf.tanh(t)];
			const before = nativeKernelStats().Exp.native;
			const beforeTanh = nativeKernelStats().Tanh.native;
			const got = await expectNoLeakedTensors(() => runOn("wasm", [x], ops));
			expect(nativeKernelStats().Exp.native).toBe(before + 1);
			expect(nativeKernelStats().Tanh.native).toBe(beforeTanh + 1);
			const want = await runOn("cpu", [x], ops);
			for (let i = 0; i < want.length; i++) {
				for (let j = 0; j < want[i].length; j++) {
					const [g, w] = [got[i][j], want[i][j]];
					if (!Number.isFinite(w)) expect(g, `op ${i} at ${j}`).toBe(w);
					else expect(Math.abs(g - w), `op ${i} at ${j}`).toBeLessThanOrEqual(2e-7 * Math.max(1, Math.abs(w)));
				}
			}
			const clean = input(shape, seed + 11);
			await expectMatchesCpu(
				[clean, input(shape, seed + 12)],
				(t, g) => tf.grads((a: tf.Tensor) => tf.mul(tf.relu(a), g))([t]),
				["Relu", "Step", "Multiply"],
			);
		});
	}

	it("hands other broadcasts and small tensors back to wasm", async () => {
		const before = nativeKernelStats().Sub.fallback;
		const beforeMul = nativeKernelStats().Multiply.fallback;
		// [C] - [N,H,W,C]: the broadcast operand first (not commutative), and [N,1,W,1] x [N,H,W,C]
		// (three runs of broadcast dimensions).
		await expectMatchesCpu([input([16], 1), input([8, 16, 16, 16], 2)], (a, b) => tf.sub(a, b), []);
		await expectMatchesCpu([input([8, 1, 16, 1], 3), input([8, 16, 16, 16], 4)], (a, b) => tf.mul(a, b), []);
		await expectMatchesCpu([input([3, 5], 5), input([3, 5], 6)], (a, b) => tf.mul(a, b), []);
		expect(nativeKernelStats().Sub.fallback).toBeGreaterThan(before);
		expect(nativeKernelStats().Multiply.fallback).toBe(beforeMul + 2);
	});

	// Batch norm: the native kernel against the composed tfjs ops on the cpu backend, on
	// random shapes; a mean far from 0 checks the variance against cancellation, and enough
	// rows to spread over threads and several accumulation blocks.
	const bnCases: Array<[string, number[], number]> = [
		["[3,5,4,6]", [3, 5, 4, 6], 0],
		["[64,9,9,17], mean 50", [64, 9, 9, 17], 50],
		["[257,3] (2-D)", [257, 3], -3],
		["[40,16,16,32]", [40, 16, 16, 32], 1],
	];
	for (const [name, shape, offset] of bnCases) {
		it(`batch norm ${name}: outputs, statistics and gradients match cpu`, async () => {
			const c = shape[shape.length - 1];
			const x = input(shape, 41);
			x.values.forEach((v, i) => {
				x.values[i] = offset + 2 * v;
			});
			// On cpu the reference: the textbook formula (two-pass moments), differentiated by tfjs.
			const bn = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
				tf.getBackend() === "cpu"
					? naiveBatchNorm(a, gg, bb, 1e-5)
					: batchNormTraining(a, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-5);
			const fn = (xt: tf.Tensor, g: tf.Tensor, b: tf.Tensor, w: tf.Tensor) => {
				const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(bn(a, gg, bb).y, w));
				const { value, grads } = tf.valueAndGrads(f)([xt, g, b]);
				const { y, mean, variance } = bn(xt, g, b);
				return [value, ...grads, y, mean, variance];
			};
			await expectMatchesCpu([x, input([c], 42), input([c], 43), input(shape, 44)], fn, [
				BATCH_NORM_KERNEL,
				BATCH_NORM_GRAD_KERNEL,
			]);
		});
	}

	it("batch norm gradient matches finite differences", async () => {
		const shape = [6, 3, 3, 4];
		const x = input(shape, 51);
		const g = input([4], 52);
		const b = input([4], 53);
		const w = input(shape, 54);
		await tf.setBackend("wasm");
		const loss = (xv: Float32Array) =>
			tf.tidy(() => {
				const r = batchNormTraining(tf.tensor(xv, shape), tf.tensor1d(g.values), tf.tensor1d(b.values), 1e-5);
				r.mean.dispose();
				r.variance.dispose();
				return tf.sum(tf.mul(r.y, tf.tensor(w.values, shape))).dataSync()[0];
			});
		const [analytic] = await runOn("wasm", [x, g, b, w], (xt, gt, bt, wt) =>
			tf.grads((a: tf.Tensor) =>
				tf.sum(tf.mul(batchNormTraining(a, gt as tf.Tensor1D, bt as tf.Tensor1D, 1e-5).y, wt)),
			)([xt]),
		);
		const h = 1e-2;
		for (const i of [0, 5, 17, 100, 215]) {
			const plus = x.values.slice();
			const minus = x.values.slice();
			plus[i] += h;
			minus[i] -= h;
			const numeric = (loss(plus) - loss(minus)) / (2 * h);
			expect(Math.abs(numeric - analytic[i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(analytic[i])));
		}
	});

	it("hands unsupported inputs (dimRoundingMode ceil) back to the wasm kernel", async () => {
		await tf.setBackend("wasm");
		const before = nativeKernelStats().Conv2D.fallback;
		const y = tf.tidy(() =>
			tf.conv2d(tf.ones([1, 6, 6, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 2, 0, "NHWC", 1, "ceil"),
		);
		expect(y.shape).toEqual([1, 3, 3, 1]);
		y.dispose();
		expect(nativeKernelStats().Conv2D.fallback).toBe(before + 1);
	});

	it("throws a JS error instead of crashing on a bad call", () => {
		const addon = loaded.addon as NonNullable<typeof loaded.addon>;
		const memory = new ArrayBuffer(1024);
		const params = Int32Array.from([1, 4, 4, 1, 4, 4, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1]);
		expect(() => addon.conv2d(0, memory, 0, 64, 1000, params)).toThrow(/runs past the memory/);
		expect(() => addon.conv2d(0, memory, 2, 64, 128, params)).toThrow(/multiple of 4/);
		expect(() => addon.conv2d(3 as 0, memory, 0, 64, 128, params)).toThrow(/kind/);
		const badOut = params.slice();
		badOut[4] = 5;
		expect(() => addon.conv2d(0, memory, 0, 64, 128, badOut)).toThrow(/does not match/);
		expect(() => addon.matmul(memory, 0, 0, 0, new Int32Array(3))).toThrow(/7 values/);
		expect(() => addon.matmul(memory, 0, 0, 0, Int32Array.from([2, 3, 2, 2, 2, 0, 0]))).toThrow(/batch/);
		expect(() => addon.binary(0, memory, 0, 0, 0, 300, 1, 1)).toThrow(/runs past the memory/);
		expect(() => addon.binary(0, memory, 0, 0, 0, 10, 3, 1)).toThrow(/multiple of period/);
		expect(() => addon.binary(0, memory, 0, 0, 0, 12, 3, 5)).toThrow(/multiple of period/);
		expect(() => addon.binary(0, memory, 0, 0, 0, 24, 3, 2, 5)).toThrow(/multiple of period/);
		expect(() => addon.binary(7 as 0, memory, 0, 0, 0, 10, 1, 1)).toThrow(/op/);
		expect(() => addon.unary(0, memory, 0, 4, 256, 0)).toThrow(/runs past the memory/);
		expect(() => addon.batchNormForward(memory, 0, 0, 0, 0, 0, 0, 100, 4, 1e-5)).toThrow(/runs past the memory/);
		expect(() => addon.batchNormForward(memory, 0, 0, 0, 0, 0, 0, 2, 4, -1)).toThrow(/epsilon/);
		// Element counts are checked for overflow before the bounds check: a wrapped product could pass it.
		const big = 2 ** 31 - 1;
		expect(() => addon.matmul(memory, 0, 0, 0, Int32Array.from([big, big, big, big, big, 0, 0]))).toThrow(
			/overflows 64 bits/,
		);
		const hugeConv = Int32Array.from([big, big, big, big, big, big, big, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1]);
		expect(() => addon.conv2d(0, memory, 0, 0, 0, hugeConv)).toThrow(/overflows 64 bits/);
		expect(() => addon.binary(0, memory, 0, 0, 0, 2 ** 40, 2 ** 40, 1, 2 ** 40)).toThrow(
			/overflows|multiple of period/,
		);
		expect(() => addon.batchNormForward(memory, 0, 0, 0, 0, 0, 0, 2 ** 40, 2 ** 40, 1e-5)).toThrow(/overflows 64 bits/);
		expect(() => addon.unary(0, memory, 2 ** 52, 0, 2 ** 40, 0)).toThrow(/runs past the memory|overflows/);
		expect(() => addon.batchNormBackward(memory, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1e-5)).toThrow(/rows/);
		// More arguments than the addon reads are refused, not read past its argument array.
		expect(() => (addon.unary as (...a: unknown[]) => void)(0, memory, 0, 4, 1, 0, ...new Array(20).fill(0))).toThrow(
			/at most 20 arguments/,
		);
	});

	it("restores the previous kernels on unregister, and registers again", async () => {
		await tf.setBackend("wasm");
		const native = tf.getKernel("Conv2D", "wasm");
		unregisterNativeKernels();
		const original = tf.getKernel("Conv2D", "wasm");
		expect(original).toBeDefined();
		expect(original).not.toBe(native);
		const before = nativeKernelStats().Conv2D.native;
		await runOn("wasm", [input([1, 5, 5, 2], 20), input([3, 3, 2, 2], 21)], (x, w) =>
			tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same"),
		);
		expect(nativeKernelStats().Conv2D.native).toBe(before);
		expect(registerNativeKernels()).toContain("Conv2D");
		expect(tf.getKernel("Conv2D", "wasm")).not.toBe(original);
	});
});
