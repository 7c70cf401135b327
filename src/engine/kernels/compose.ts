import * as tf from "@tensorflow/tfjs-core";

/**
 * Runs a kernel body written with tf ops: wraps the kernel's input TensorInfos as tensors
 * (sharing their data, no copy: each wrapper takes a reference in the backend, so disposing
 * it leaves the input alive), runs `body` in a tidy and returns its result tensor.
 * Kernels run with the gradient tape off, so nothing here is recorded.
 */
export function composeKernel<K extends string>(
	inputs: Partial<Record<K, tf.TensorInfo>>,
	body: (t: Record<K, tf.Tensor>) => tf.Tensor,
): tf.Tensor {
	return tf.tidy(() => {
		const engine = tf.engine();
		const wrapped = {} as Record<K, tf.Tensor>;
		for (const key of Object.keys(inputs) as K[]) {
			const info = inputs[key];
			if (!info) continue;
			wrapped[key] = engine.makeTensorFromTensorInfo(info);
			engine.backend.incRef(info.dataId);
		}
		return body(wrapped);
	});
}
