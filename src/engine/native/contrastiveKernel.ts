import type { TensorInfo } from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon.js";
import { makeOutputsWith, offsetOf, type WasmBackendLike } from "./heap.js";

/**
 * The multi-positive contrastive loss with its gradient, a kernel genrep defines
 * (src/engine/nn/groupSoftmaxCrossEntropy.ts calls it): inputs {sims [M, M] float32, groups [M]
 * int32}, attrs {temperature} -> [loss [] , grad [M, M] = d loss / d sims]
 * (native/src/contrastive.h has the formula).
 */
export const MULTI_POSITIVE_KERNEL = "GenrepMultiPositiveLoss";

export interface MultiPositiveAttrs {
	temperature: number;
}

export function runMultiPositiveLoss(
	addon: NativeAddon,
	backend: WasmBackendLike,
	inputs: { sims: TensorInfo; groups: TensorInfo },
	attrs: MultiPositiveAttrs,
): TensorInfo[] | null {
	const { sims, groups } = inputs;
	if (!sims || !groups || sims.shape.length !== 2 || groups.shape.length !== 1) return null;
	const m = sims.shape[0];
	if (m < 1 || sims.shape[1] !== m || groups.shape[0] !== m) return null;
	if (sims.dtype !== "float32" || groups.dtype !== "int32") return null;
	if (!(Number.isFinite(attrs.temperature) && attrs.temperature > 0)) return null;
	const [so, go] = [sims, groups].map((t) => offsetOf(backend, t));
	return makeOutputsWith(backend, [[], [m, m]], (memory, [loss, grad]) => {
		addon.multiPositiveLoss(memory, so, go, loss, grad, m, attrs.temperature);
	});
}
