import type {
	BatchMatMulAttrs,
	Conv2DAttrs,
	Conv2DBackpropFilterAttrs,
	Conv2DBackpropInputAttrs,
	KernelConfig,
	KernelFunc,
	NamedAttrMap,
	TensorInfo,
} from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import { BinaryOp, type NativeAddon, UnaryOp } from "./addon.js";
import {
	BATCH_NORM_GRAD_KERNEL,
	BATCH_NORM_KERNEL,
	BATCH_NORM_RELU_KERNEL,
	type BatchNormAttrs,
	type BatchNormInputs,
	runBatchNorm,
	runBatchNormGrad,
} from "./batchNormKernels.js";
import { MULTI_POSITIVE_KERNEL, type MultiPositiveAttrs, runMultiPositiveLoss } from "./contrastiveKernel.js";
import { planConv2D, planConv2DBackpropFilter, planConv2DBackpropInput, runConv } from "./convKernels.js";
import { asWasmBackend, type WasmBackendLike } from "./heap.js";
import { loadNativeAddon } from "./load.js";
import { planBatchMatMul, runMatMul } from "./matMulKernel.js";
import { RELU_GRAD_KERNEL, runBinary, runReluGrad, runUnary } from "./pointwiseKernels.js";
import {
	MEAN_POOL_GRAD_KERNEL,
	MEAN_POOL_KERNEL,
	type MeanPoolGradAttrs,
	runMeanPool,
	runMeanPoolGrad,
} from "./poolKernels.js";
import { runSgdStep, SGD_KERNEL, type SgdAttrs } from "./sgdKernel.js";
import {
	runSoftmaxCrossEntropy,
	SOFTMAX_CROSS_ENTROPY_KERNEL,
	type SoftmaxCrossEntropyAttrs,
} from "./softmaxKernel.js";

const BACKEND = "wasm";

type Inputs = Record<string, TensorInfo>;

/**
 * One native kernel: `run` returns the output(s), or null to hand the call to the kernel that
 * was registered before (unsupported dtype, layout, or shape).
 */
type NativeRun = (
	addon: NativeAddon,
	backend: WasmBackendLike,
	inputs: Inputs,
	attrs: NamedAttrMap,
) => TensorInfo | TensorInfo[] | null;

type BinaryInputs = { a: TensorInfo; b: TensorInfo };

const NATIVE_KERNELS: Record<string, NativeRun> = {
	[tf.Conv2D]: (addon, backend, inputs, attrs) => {
		const call = planConv2D(inputs as { x: TensorInfo; filter: TensorInfo }, attrs as unknown as Conv2DAttrs);
		return call && runConv(addon, backend, call);
	},
	[tf.Conv2DBackpropInput]: (addon, backend, inputs, attrs) => {
		const call = planConv2DBackpropInput(
			inputs as { dy: TensorInfo; filter: TensorInfo },
			attrs as unknown as Conv2DBackpropInputAttrs,
		);
		return call && runConv(addon, backend, call);
	},
	[tf.Conv2DBackpropFilter]: (addon, backend, inputs, attrs) => {
		const call = planConv2DBackpropFilter(
			inputs as { x: TensorInfo; dy: TensorInfo },
			attrs as unknown as Conv2DBackpropFilterAttrs,
		);
		return call && runConv(addon, backend, call);
	},
	[tf.BatchMatMul]: (addon, backend, inputs, attrs) => {
		const call = planBatchMatMul(inputs as { a: TensorInfo; b: TensorInfo }, attrs as unknown as BatchMatMulAttrs);
		return call && runMatMul(addon, backend, call);
	},
	// Memory-bound passes: on both cores instead of wasm's one (see docs/performance.md).
	[tf.Add]: (addon, backend, inputs) => runBinary(addon, backend, BinaryOp.add, inputs as BinaryInputs),
	[tf.Sub]: (addon, backend, inputs) => runBinary(addon, backend, BinaryOp.sub, inputs as BinaryInputs),
	[tf.Multiply]: (addon, backend, inputs) => runBinary(addon, backend, BinaryOp.mul, inputs as BinaryInputs),
	[tf.Relu]: (addon, backend, inputs) => runUnary(addon, backend, UnaryOp.relu, inputs.x),
	[tf.Step]: (addon, backend, inputs, attrs) => runUnary(addon, backend, UnaryOp.step, inputs.x, attrs),
	[tf.Exp]: (addon, backend, inputs) => runUnary(addon, backend, UnaryOp.exp, inputs.x),
	[tf.Tanh]: (addon, backend, inputs) => runUnary(addon, backend, UnaryOp.tanh, inputs.x),
	[BATCH_NORM_KERNEL]: (addon, backend, inputs, attrs) =>
		runBatchNorm(addon, backend, inputs as unknown as BatchNormInputs, attrs as unknown as BatchNormAttrs),
	[BATCH_NORM_RELU_KERNEL]: (addon, backend, inputs, attrs) =>
		runBatchNorm(addon, backend, inputs as unknown as BatchNormInputs, attrs as unknown as BatchNormAttrs, true),
	[BATCH_NORM_GRAD_KERNEL]: (addon, backend, inputs, attrs) =>
		runBatchNormGrad(
			addon,
			backend,
			inputs as { dy: TensorInfo; x: TensorInfo; mean: TensorInfo; variance: TensorInfo; gamma: TensorInfo },
			attrs as unknown as BatchNormAttrs,
		),
	[SGD_KERNEL]: (addon, backend, inputs, attrs) => runSgdStep(addon, backend, inputs, attrs as unknown as SgdAttrs),
	[SOFTMAX_CROSS_ENTROPY_KERNEL]: (addon, backend, inputs, attrs) =>
		runSoftmaxCrossEntropy(
			addon,
			backend,
			inputs as { logits: TensorInfo; labels: TensorInfo },
			attrs as unknown as SoftmaxCrossEntropyAttrs,
		),
	[RELU_GRAD_KERNEL]: (addon, backend, inputs) =>
		runReluGrad(addon, backend, inputs as { dy: TensorInfo; x: TensorInfo }),
	[MULTI_POSITIVE_KERNEL]: (addon, backend, inputs, attrs) =>
		runMultiPositiveLoss(
			addon,
			backend,
			inputs as { sims: TensorInfo; groups: TensorInfo },
			attrs as unknown as MultiPositiveAttrs,
		),
	[MEAN_POOL_KERNEL]: (addon, backend, inputs) => runMeanPool(addon, backend, inputs.x),
	[MEAN_POOL_GRAD_KERNEL]: (addon, backend, inputs, attrs) =>
		runMeanPoolGrad(addon, backend, inputs.dy, attrs as unknown as MeanPoolGradAttrs),
};

/** Kernel configs that were registered before ours (undefined: none), restored on undo. */
const replaced = new Map<string, KernelConfig | undefined>();

/** Per kernel: calls served natively and calls handed to the previous kernel. */
const stats = new Map<string, { native: number; fallback: number }>();

let lastReason: string | undefined;

function wrap(name: string, run: NativeRun, addon: NativeAddon, previous?: KernelConfig): KernelConfig {
	const counts = { native: 0, fallback: 0 };
	stats.set(name, counts);
	const kernelFunc: KernelFunc = (args) => {
		const backend = asWasmBackend(args.backend);
		const out = backend ? run(addon, backend, args.inputs as Inputs, args.attrs ?? {}) : null;
		if (out) {
			counts.native++;
			return out;
		}
		counts.fallback++;
		if (!previous) {
			throw new Error(`${name}: the native kernel does not support these inputs and wasm has no ${name} kernel`);
		}
		return previous.kernelFunc(args);
	};
	// The previous kernel's setup (its cwrap of the wasm function) must still run when the
	// backend initialises, since calls it does not handle natively are handed to it.
	return {
		kernelName: name,
		backendName: BACKEND,
		kernelFunc,
		...(previous?.setupFunc ? { setupFunc: previous.setupFunc } : {}),
		...(previous?.disposeFunc ? { disposeFunc: previous.disposeFunc } : {}),
	};
}

/**
 * Replaces the wasm backend's Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter and
 * BatchMatMul with oneDNN kernels, and Add, Sub, Multiply, Relu, Step, Exp and Tanh on large tensors
 * with OpenMP loops, all on every core, when the native addon is built; adds genrep's
 * training batch-norm kernels (BATCH_NORM_KERNEL, BATCH_NORM_RELU_KERNEL with a block's residual add and ReLU fused in, and their gradient), the fused SGD step
 * (SGD_KERNEL), softmax cross-entropy (SOFTMAX_CROSS_ENTROPY_KERNEL), ReLU's gradient
 * (RELU_GRAD_KERNEL), the multi-positive
 * contrastive loss (MULTI_POSITIVE_KERNEL) and global average pooling (MEAN_POOL_KERNEL and its
 * gradient). Call it after
 * any other wasm kernel registration: whatever is registered under those names is kept and
 * still serves the inputs the native kernels do not handle. Returns the names replaced
 * (empty when the addon is not available; see nativeKernelsReason()). Idempotent.
 */
export function registerNativeKernels(): string[] {
	if (replaced.size > 0) return [...replaced.keys()];
	const loaded = loadNativeAddon();
	if (!loaded.addon) {
		lastReason = loaded.reason;
		return [];
	}
	lastReason = undefined;
	for (const [name, run] of Object.entries(NATIVE_KERNELS)) {
		const previous = tf.getKernel(name, BACKEND);
		if (previous) tf.unregisterKernel(name, BACKEND);
		replaced.set(name, previous);
		tf.registerKernel(wrap(name, run, loaded.addon, previous));
	}
	return [...replaced.keys()];
}

/** Restores the kernels registerNativeKernels() replaced. */
export function unregisterNativeKernels(): void {
	for (const [name, previous] of replaced) {
		tf.unregisterKernel(name, BACKEND);
		if (previous) tf.registerKernel(previous);
	}
	replaced.clear();
}

/** True while the native kernels are registered. */
export function nativeKernelsActive(): boolean {
	return replaced.size > 0;
}

/** Why registerNativeKernels() registered nothing, when it did not. */
export function nativeKernelsReason(): string | undefined {
	return lastReason;
}

/** Calls served natively and handed back, per kernel, since registration. */
export function nativeKernelStats(): Record<string, { native: number; fallback: number }> {
	return Object.fromEntries([...stats].map(([k, v]) => [k, { ...v }]));
}
