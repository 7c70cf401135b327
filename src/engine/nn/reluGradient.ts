import * as tf from "@tensorflow/tfjs-core";
import { POINTWISE_MIN_ELEMENTS, RELU_GRAD_KERNEL } from "../native/pointwiseKernels.js";

/**
 * ReLU's gradient dy * step(x) (tfjs's own: mul(dy, cast(step(x), "float32")), a Step pass
 * that writes a mask and a Multiply that reads it). Where the native addon runs, tensors of
 * POINTWISE_MIN_ELEMENTS or more take one native pass instead, with the same bits
 * (RELU_GRAD_KERNEL); everything else runs tfjs's formula as before.
 */
export function reluGradient(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
	if (
		dy.dtype === "float32" &&
		x.dtype === "float32" &&
		x.size >= POINTWISE_MIN_ELEMENTS &&
		tf.util.arraysEqual(dy.shape, x.shape) &&
		tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend())
	) {
		return tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }, {}) as tf.Tensor;
	}
	return tf.mul(dy, tf.cast(tf.step(x), "float32"));
}

let installed = false;

/** Makes reluGradient the gradient of tf.relu (tfjs keeps one gradient registry per process). */
export function installReluGradient(): void {
	if (installed) return;
	installed = true;
	tf.registerGradient({
		kernelName: tf.Relu,
		inputsToSave: ["x"],
		gradFunc: (dy, saved) => {
			const [x] = saved;
			return { x: () => reluGradient(dy as tf.Tensor, x) };
		},
	});
}
