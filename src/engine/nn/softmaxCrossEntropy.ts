import * as tf from "@tensorflow/tfjs-core";
import { SOFTMAX_CROSS_ENTROPY_KERNEL } from "../native/softmaxKernel.js";

/**
 * Softmax cross-entropy of logits [N, K] against one-hot labels [N, K], per row, and the
 * residual (softmax - labels) * scale, the gradient of sum(loss) * scale wrt the logits
 * (scale 1 / N: of the mean loss). Each row is shifted by its max first and its loss taken as
 * log(sum exp(shifted)) - sum(shifted * labels), never a difference of two large numbers:
 * float32 would drown the small losses of confidently separated rows. No autodiff: callers
 * (softmax regression, the probes) use the residual directly. Where the native addon runs,
 * one kernel, one pass per row on all cores; elsewhere tfjs ops.
 */
export function softmaxCrossEntropy(
	logits: tf.Tensor, // [N, K]
	labels: tf.Tensor, // [N, K]
	scale = 1,
): { loss: tf.Tensor1D; residual: tf.Tensor2D } {
	if (
		logits.dtype === "float32" &&
		labels.dtype === "float32" &&
		tf.getKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, tf.getBackend())
	) {
		const [loss, residual] = tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, { logits, labels }, {
			scale,
		} as unknown as tf.NamedAttrMap) as tf.Tensor[];
		return { loss: loss as tf.Tensor1D, residual: residual as tf.Tensor2D };
	}
	return tf.tidy(() => {
		const shifted = tf.sub(logits, tf.max(logits, 1, true)); // [N, K], row max 0
		const exps = tf.exp(shifted); // [N, K]
		const sums = tf.sum(exps, 1, true); // [N, 1]
		const loss = tf.sub(tf.log(tf.reshape(sums, [-1])), tf.sum(tf.mul(shifted, labels), 1)) as tf.Tensor1D; // [N]
		const diff = tf.sub(tf.div(exps, sums), labels); // [N, K]
		return { loss, residual: (scale === 1 ? diff : tf.mul(diff, scale)) as tf.Tensor2D };
	});
}
