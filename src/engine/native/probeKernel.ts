import * as tf from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon.js";
import { asWasmBackend } from "./heap.js";
import { nativeKernelsActive } from "./kernels.js";
import { loadNativeAddon } from "./load.js";

/**
 * The linear probe's softmax regression in one native pass over X (native/src/probe.cc):
 * for X [N, C] (float32), labels [N] and W [C, K] (float64, rounded to float32) it returns
 * sum_i loss_i and writes gradient [C, K] = X^T (softmax(X W) - onehot(labels)), both
 * summed in float64 with the same bits whatever the number of threads.
 *
 * X is read where it lies, in the wasm backend's heap (no copy). Returns null when the
 * kernel cannot run: no addon, or one built before the kernel existed, native kernels not
 * registered, a backend other than wasm (the cpu backend is the portable path), or X not in
 * the wasm heap. The caller then takes its tfjs path.
 */
export function nativeSoftmaxRegressionSums(
	x: tf.Tensor2D, // [N, C]
	labels: Int32Array, // [N]
	classes: number,
	weights: Float64Array, // [C, K]
	gradient: Float64Array, // [C, K], written
): number | null {
	const kernel = softmaxRegressionKernel();
	if (!kernel || x.dtype !== "float32" || x.isDisposed) return null;
	const backend = asWasmBackend(tf.backend());
	const offset = backend?.dataIdMap.get(x.dataId)?.memoryOffset;
	if (!backend || typeof offset !== "number") return null;
	const [rows, cols] = x.shape;
	// A view, made per call: growing the wasm memory replaces its ArrayBuffer.
	const values = new Float32Array(backend.wasm.HEAPU8.buffer, offset, rows * cols); // [N, C]
	return kernel(values, rows, cols, labels, classes, weights, gradient);
}

/** Whether nativeSoftmaxRegressionSums can run on the current backend (x aside). */
export function nativeSoftmaxRegressionAvailable(): boolean {
	return softmaxRegressionKernel() !== null && asWasmBackend(tf.backend()) !== null;
}

function softmaxRegressionKernel(): NonNullable<NativeAddon["softmaxRegression"]> | null {
	if (tf.getBackend() !== "wasm" || !nativeKernelsActive()) return null;
	const { addon } = loadNativeAddon();
	return typeof addon?.softmaxRegression === "function" ? addon.softmaxRegression.bind(addon) : null;
}
