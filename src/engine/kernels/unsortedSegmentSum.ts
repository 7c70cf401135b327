import type { KernelConfig } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import { composeKernel } from "./compose.js";

/**
 * UnsortedSegmentSum, the gradient of gather (so embedding tables train on wasm):
 *   out[s, ...] = sum over i with segmentIds[i] = s of data[i, ...]
 * computed as a matrix product oneHot(segmentIds)^T @ data; ids outside [0, numSegments)
 * contribute nothing, as in TensorFlow.
 */
export const unsortedSegmentSumConfig: Omit<KernelConfig, "backendName"> = {
	kernelName: tf.UnsortedSegmentSum,
	kernelFunc: ({ inputs, attrs }) => {
		const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
		const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
		return composeKernel({ x, segmentIds }, (t) => {
			const ids = tf.cast(tf.reshape(t.segmentIds, [-1]), "int32"); // [R]
			const rows = ids.shape[0];
			const rest = t.x.shape.slice(t.segmentIds.rank);
			const data = tf.cast(tf.reshape(t.x, [rows, -1]), "float32"); // [R, D]
			const selector = tf.oneHot(ids, numSegments, 1, 0, "float32"); // [R, S]
			const summed = tf.matMul(selector, data, true, false); // [S, D]
			return tf.cast(tf.reshape(summed, [numSegments, ...rest]), t.x.dtype);
		});
	},
};
