/**
 * The classifier objective: cross-entropy between the logits of (pixel-augmented) images and
 * their class y, averaged over the batch.
 */
import * as tf from "@tensorflow/tfjs-core";
import { GenrepError } from "../../errors.js";

/** Throws unless y is int32 [N] with values in [0, classes); reads y (a few bytes) to check. */
export function checkLabels(where: string, y: tf.Tensor, n: number, classes: number): void {
	if (y.rank !== 1 || y.shape[0] !== n) throw new GenrepError(`${where}: y must be [${n}], got [${y.shape}]`);
	if (y.dtype !== "int32") throw new GenrepError(`${where}: y must be int32 class indices, got ${y.dtype}`);
	const values = y.dataSync();
	for (let i = 0; i < values.length; i++) {
		if (values[i] < 0 || values[i] >= classes) {
			throw new GenrepError(`${where}: y[${i}] = ${values[i]} is not a class index in [0, ${classes})`);
		}
	}
}

/** Mean cross-entropy; no validation (callers check). logits [N, C], y [N] int32 -> scalar */
export function crossEntropy(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
	return tf.tidy(() => {
		const logProb = tf.logSoftmax(logits); // [N, C]
		const target = tf.oneHot(y, logits.shape[1]); // [N, C]
		return tf.neg(tf.mean(tf.sum(tf.mul(target, logProb), 1))) as tf.Scalar;
	});
}

/** logits [N, C], y [N] int32 -> mean cross-entropy */
export function classifierLoss(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
	if (logits.rank !== 2 || logits.shape[0] < 1) {
		throw new GenrepError(`classifierLoss: logits must be [N, C] with N >= 1, got [${logits.shape}]`);
	}
	checkLabels("classifierLoss", y, logits.shape[0], logits.shape[1]);
	return crossEntropy(logits, y);
}
