import { type TensorInfo, util } from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon.js";
import { makeOutputsWith, offsetOf, type WasmBackendLike } from "./heap.js";

/**
 * Training-mode batch norm as two kernels genrep defines (tfjs has no training batch norm
 * kernel): inputs {x [..., C], gamma [C], beta [C]}, attrs {epsilon} -> [y, mean, variance];
 * registered only where the native addon runs (src/engine/nn/batchNormOp.ts composes tfjs
 * ops elsewhere).
 */
export const BATCH_NORM_KERNEL = "GenrepBatchNormTraining";
/** Its gradient: inputs {dy, x, mean, variance, gamma}, attrs {epsilon} -> [dx, dgamma, dbeta]. */
export const BATCH_NORM_GRAD_KERNEL = "GenrepBatchNormGrad";

export interface BatchNormAttrs {
	epsilon: number;
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

export function runBatchNorm(
	addon: NativeAddon,
	backend: WasmBackendLike,
	inputs: { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo },
	attrs: BatchNormAttrs,
): TensorInfo[] | null {
	const { x, gamma, beta } = inputs;
	const g = geometry(x, [gamma, beta]);
	if (!g || !(attrs.epsilon >= 0)) return null;
	const [xo, go, bo] = [x, gamma, beta].map((t) => offsetOf(backend, t));
	return makeOutputsWith(backend, [[...x.shape], [g.channels], [g.channels]], (memory, [y, mean, variance]) => {
		addon.batchNormForward(memory, xo, go, bo, y, mean, variance, g.rows, g.channels, attrs.epsilon);
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
	if (!g || dy.dtype !== "float32" || !util.arraysEqual(dy.shape, x.shape) || !(attrs.epsilon >= 0)) return null;
	const offsets = [dy, x, mean, variance, gamma].map((t) => offsetOf(backend, t));
	return makeOutputsWith(backend, [[...x.shape], [g.channels], [g.channels]], (memory, [dx, dgamma, dbeta]) => {
		const [dyo, xo, mo, vo, go] = offsets;
		addon.batchNormBackward(memory, dyo, xo, mo, vo, go, dx, dgamma, dbeta, g.rows, g.channels, attrs.epsilon);
	});
}
