import type { TensorInfo } from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon.js";
import { makeOutputWith, offsetOf, type WasmBackendLike } from "./heap.js";

/**
 * Global average pooling as two kernels genrep defines (src/engine/nn/meanPool.ts calls them):
 * inputs {x [N, H, W, C]} -> [N, C], the bits of tfjs's Mean over axes [1, 2]; and its
 * gradient, inputs {dy [N, C]}, attrs {height, width} -> dx [N, H, W, C] = dy / (H W).
 */
export const MEAN_POOL_KERNEL = "GenrepMeanPool";
export const MEAN_POOL_GRAD_KERNEL = "GenrepMeanPoolGrad";

export interface MeanPoolGradAttrs {
	height: number;
	width: number;
}

export function runMeanPool(addon: NativeAddon, backend: WasmBackendLike, x: TensorInfo): TensorInfo | null {
	if (x?.dtype !== "float32" || x.shape.length !== 4 || x.shape.some((d) => d < 1)) return null;
	const [n, h, w, c] = x.shape;
	const xo = offsetOf(backend, x);
	return makeOutputWith(backend, [n, c], (memory, out) => addon.meanPool(memory, xo, out, n, h * w, c));
}

export function runMeanPoolGrad(
	addon: NativeAddon,
	backend: WasmBackendLike,
	dy: TensorInfo,
	attrs: MeanPoolGradAttrs,
): TensorInfo | null {
	if (dy?.dtype !== "float32" || dy.shape.length !== 2 || dy.shape.some((d) => d < 1)) return null;
	const { height, width } = attrs;
	if (!(Number.isInteger(height) && height >= 1 && Number.isInteger(width) && width >= 1)) return null;
	const [n, c] = dy.shape;
	const dyo = offsetOf(backend, dy);
	return makeOutputWith(backend, [n, height, width, c], (memory, dx) =>
		addon.meanPoolGrad(memory, dyo, dx, n, height * width, c),
	);
}
