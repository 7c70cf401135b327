import * as tf from "@tensorflow/tfjs-core";
import { MEAN_POOL_GRAD_KERNEL, MEAN_POOL_KERNEL } from "../native/poolKernels.js";

/**
 * Global average pooling, x [N, H, W, C] -> [N, C]: tf.mean over axes [1, 2], bit for bit, in
 * value and gradient (dy / (H W) at every position). Where the native addon runs, forward and
 * gradient are each one kernel on all cores (tfjs's wasm Mean transposes and sums on one
 * thread; its gradient is a Multiply by a fresh ones tensor and a RealDiv); elsewhere tf.mean.
 */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
	if (x.dtype === "float32" && tf.getKernel(MEAN_POOL_KERNEL, tf.getBackend())) {
		registerMeanPoolGradient();
		const attrs = { height: x.shape[1], width: x.shape[2] };
		return tf.engine().runKernel(MEAN_POOL_KERNEL, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
	}
	return tf.mean(x, [1, 2]) as tf.Tensor2D;
}

let gradientRegistered = false;

/** The gradient of MEAN_POOL_KERNEL: one MEAN_POOL_GRAD_KERNEL call (attrs carry H and W). */
function registerMeanPoolGradient(): void {
	if (gradientRegistered) return;
	gradientRegistered = true;
	tf.registerGradient({
		kernelName: MEAN_POOL_KERNEL,
		gradFunc: (dy, _saved, attrs) => ({
			x: () =>
				tf.engine().runKernel(MEAN_POOL_GRAD_KERNEL, { dy: dy as tf.Tensor }, attrs as tf.NamedAttrMap) as tf.Tensor,
		}),
	});
}
