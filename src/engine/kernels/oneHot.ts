import type { KernelConfig, KernelFunc } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";

/**
 * OneHot for wasm, fixing tfjs-backend-wasm 4.22, whose kernel writes int32 bits into a
 * float32 output (tf.oneHot(ids, n, 1, 0, "float32") reads back as 1.4e-45 instead of 1).
 * It runs the backend's own kernel in int32 and casts.
 */
export function oneHotConfig(original: KernelFunc): Omit<KernelConfig, "backendName"> {
	return {
		kernelName: tf.OneHot,
		kernelFunc: (args) => {
			const attrs = args.attrs as unknown as tf.OneHotAttrs;
			if (attrs.dtype === "int32") return original(args);
			const ints = original({ ...args, attrs: { ...args.attrs, dtype: "int32" } }) as tf.TensorInfo;
			const wrapped = tf.engine().makeTensorFromTensorInfo(ints);
			const out = tf.cast(wrapped, attrs.dtype);
			wrapped.dispose();
			return out;
		},
	};
}
