import type { CastAttrs, KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";

/** The wasm backend's reference counting (it shares data for Reshape the same way). */
interface RefCounting {
	incRef(dataId: TensorInfo["dataId"]): void;
}

/** The input itself under a new reference, instead of a copy of its data. */
function share(x: TensorInfo, backend: unknown): TensorInfo {
	(backend as RefCounting).incRef(x.dataId);
	return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Identity for wasm without the copy. tfjs clones every tensor a gradient saves through
 * Identity, and the wasm kernel copies it on one thread: 234 calls and 8% of a ResNet training
 * step (docs/performance.md). Tensor data is never written in place, so a shared reference
 * is safe; the cpu backend's Identity does the same.
 */
export function identityConfig(original: KernelFunc): Omit<KernelConfig, "backendName"> {
	return {
		kernelName: tf.Identity,
		kernelFunc: (args) => {
			const x = args.inputs.x as TensorInfo;
			return x.dtype === "string" ? original(args) : share(x, args.backend);
		},
	};
}

/** Cast for wasm that shares the data when the dtype does not change (ReLU's gradient casts its mask). */
export function castConfig(original: KernelFunc): Omit<KernelConfig, "backendName"> {
	return {
		kernelName: tf.Cast,
		kernelFunc: (args) => {
			const x = args.inputs.x as TensorInfo;
			const { dtype } = args.attrs as unknown as CastAttrs;
			return dtype === x.dtype && dtype !== "string" ? share(x, args.backend) : original(args);
		},
	};
}
