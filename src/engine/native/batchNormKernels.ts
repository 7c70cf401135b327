import { type TensorInfo, util } from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon.js";
import { makeOutputsWith, offsetOf, type WasmBackendLike } from "./heap.js";

/**
 * Training-mode batch norm as kernels genrep defines (tfjs has no training batch norm
 * kernel): inputs {x [..., C], gamma [C], beta [C]}, attrs {epsilon} -> [y, mean, variance];
 * with inputs runningMean [C] and runningVar [C] and attr momentum also -> [..., new running
 * mean, new running variance] (the momentum update, unbiased variance, in the same call).
 * Registered only where the native addon runs (src/engine/nn/batchNormOp.ts composes tfjs
 * ops elsewhere).
 */
export const BATCH_NORM_KERNEL = "GenrepBatchNormTraining";
/**
 * The same with a ResNet block's tail fused in: y = relu(bn(x) + residual), the residual (an
 * optional input, same shape as x) added only when the attr `residual` is true.
 */
export const BATCH_NORM_RELU_KERNEL = "GenrepBatchNormReluTraining";
/** Batch norm's gradient: inputs {dy, x, mean, variance, gamma}, attrs {epsilon} -> [dx, dgamma, dbeta]. */
export const BATCH_NORM_GRAD_KERNEL = "GenrepBatchNormGrad";

export interface BatchNormAttrs {
	epsilon: number;
	/** Weight of the batch in the running statistics' update (with the running inputs). */
	momentum?: number;
	/** BATCH_NORM_RELU_KERNEL: the residual input is there. */
	residual?: boolean;
}

/** rows x channels of x when x and every per-channel input are float32 and fit; else null. */
function geometry(x: TensorInfo, perChannel: TensorInfo[]): { rows: number; channels: number } | null {
	if (x.shape.length < 1 || x.dtype !== "float32") return null;
	const channels = x.shape[x.shape.length - 1];
	const size = util.sizeFromShape(x.shape);
	if (channels < 1 || size < 1) return null;
	if (!perChannel.every((t) => t.dtype === "float32" && t.shape.length === 1 && t.shape[0] === channels)) return null;
	return { rows: size / channels, channels };
}

/** True when t is a float32 tensor of x's shape. */
function likeX(t: TensorInfo, x: TensorInfo): boolean {
	return t.dtype === "float32" && util.arraysEqual(t.shape, x.shape);
}

export interface BatchNormInputs {
	x: TensorInfo;
	gamma: TensorInfo;
	beta: TensorInfo;
	runningMean?: TensorInfo;
	runningVar?: TensorInfo;
	residual?: TensorInfo;
}

/** Both forward kernels; `relu` for BATCH_NORM_RELU_KERNEL. */
export function runBatchNorm(
	addon: NativeAddon,
	backend: WasmBackendLike,
	inputs: BatchNormInputs,
	attrs: BatchNormAttrs,
	relu = false,
): TensorInfo[] | null {
	const { x, gamma, beta, runningMean, runningVar } = inputs;
	const running = runningMean && runningVar ? [runningMean, runningVar] : [];
	if ((runningMean || runningVar) && running.length === 0) return null;
	const residual = relu && attrs.residual ? inputs.residual : undefined;
	if (relu && attrs.residual && !(residual && likeX(residual, x))) return null;
	const g = geometry(x, [gamma, beta, ...running]);
	if (!g || !(attrs.epsilon >= 0)) return null;
	const momentum = attrs.momentum;
	if (running.length > 0 && !(typeof momentum === "number" && momentum >= 0 && momentum <= 1)) return null;
	if (relu && running.length === 0) return null; // the fused kernel is only ever called with them
	const [xo, go, bo, ...ro] = [x, gamma, beta, ...running].map((t) => offsetOf(backend, t));
	const residualOffset = residual ? offsetOf(backend, residual) : -1;
	const c = g.channels;
	const shapes = [[...x.shape], [c], [c], ...running.map(() => [c])];
	return makeOutputsWith(backend, shapes, (memory, [y, mean, variance, meanOut, varOut]) => {
		if (running.length === 0) {
			addon.batchNormForward(memory, xo, go, bo, y, mean, variance, g.rows, c, attrs.epsilon);
			return;
		}
		const [mi, vi] = ro;
		const tail = relu ? [residualOffset] : [];
		addon.batchNormForward(
			memory,
			xo,
			go,
			bo,
			y,
			mean,
			variance,
			g.rows,
			c,
			attrs.epsilon,
			mi,
			vi,
			meanOut,
			varOut,
			momentum,
			...tail,
		);
	});
}

export function runBatchNormGrad(
	addon: NativeAddon,
	backend: WasmBackendLike,
	inputs: { dy: TensorInfo; x: TensorInfo; mean: TensorInfo; variance: TensorInfo; gamma: TensorInfo },
	attrs: BatchNormAttrs,
): TensorInfo[] | null {
	const { dy, x, mean, variance, gamma } = inputs;
	const g = geometry(x, [mean, variance, gamma]);
	if (!g || !likeX(dy, x) || !(attrs.epsilon >= 0)) return null;
	const offsets = [dy, x, mean, variance, gamma].map((t) => offsetOf(backend, t));
	return makeOutputsWith(backend, [[...x.shape], [g.channels], [g.channels]], (memory, [dx, dgamma, dbeta]) => {
		const [dyo, xo, mo, vo, go] = offsets;
		addon.batchNormBackward(memory, dyo, xo, mo, vo, go, dx, dgamma, dbeta, g.rows, g.channels, attrs.epsilon);
	});
}
