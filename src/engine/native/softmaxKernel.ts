import { type TensorInfo, util } from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon.js";
import { makeOutputsWith, offsetOf, type WasmBackendLike } from "./heap.js";

/**
 * Softmax cross-entropy with its gradient's residual, a kernel genrep defines
 * (src/engine/nn/softmaxCrossEntropy.ts calls it): inputs {logits [N, K], labels [N, K]},
 * attrs {scale} -> [loss [N], residual [N, K] = (softmax(logits) - labels) * scale].
 */
export const SOFTMAX_CROSS_ENTROPY_KERNEL = "GenrepSoftmaxCrossEntropy";

export interface SoftmaxCrossEntropyAttrs {
	scale: number;
}

export function runSoftmaxCrossEntropy(
	addon: NativeAddon,
	backend: WasmBackendLike,
	inputs: { logits: TensorInfo; labels: TensorInfo },
	attrs: SoftmaxCrossEntropyAttrs,
): TensorInfo[] | null {
	const { logits, labels } = inputs;
	if (!logits || !labels || logits.shape.length !== 2 || !util.arraysEqual(logits.shape, labels.shape)) return null;
	if (logits.dtype !== "float32" || labels.dtype !== "float32" || !Number.isFinite(attrs.scale)) return null;
	const [rows, classes] = logits.shape;
	if (rows < 1 || classes < 1) return null;
	const [lo, yo] = [logits, labels].map((t) => offsetOf(backend, t));
	return makeOutputsWith(backend, [[rows], [rows, classes]], (memory, [loss, residual]) => {
		addon.softmaxCrossEntropy(memory, lo, yo, loss, residual, rows, classes, attrs.scale);
	});
}
