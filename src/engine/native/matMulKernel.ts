import { type BatchMatMulAttrs, broadcast_util, type TensorInfo, util } from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon.js";
import { allPositiveInt32, makeOutputWith, offsetOf, type WasmBackendLike } from "./heap.js";

/** A planned native batched matmul. */
export interface MatMulCall {
	/** batchA, batchB, M, K, N, transposeA, transposeB. */
	params: Int32Array;
	a: TensorInfo;
	b: TensorInfo;
	outShape: number[];
}

/**
 * BatchMatMul: a [...batch, M, K] x b [...batch, K, N] -> [...batch, M, N] (with the
 * transposes); null when the native kernel does not handle it (non-float, empty, or a
 * broadcast other than "equal batches or one batch of 1").
 */
export function planBatchMatMul(inputs: { a: TensorInfo; b: TensorInfo }, attrs: BatchMatMulAttrs): MatMulCall | null {
	const { a, b } = inputs;
	const { transposeA, transposeB } = attrs;
	if (a.dtype !== "float32" || b.dtype !== "float32") return null;
	const ra = a.shape.length;
	const rb = b.shape.length;
	if (ra < 2 || rb < 2) return null;
	const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
	const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
	const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
	const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
	if (k !== kb) return null;
	const outerA = a.shape.slice(0, -2);
	const outerB = b.shape.slice(0, -2);
	const batchA = util.sizeFromShape(outerA);
	const batchB = util.sizeFromShape(outerB);
	const outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
	const batch = Math.max(batchA, batchB);
	if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
	if (util.sizeFromShape(outer) !== batch) return null;
	if (!allPositiveInt32([batchA, batchB, m, k, n, batch * m * n])) return null;
	const params = Int32Array.from([batchA, batchB, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0]);
	return { params, a, b, outShape: [...outer, m, n] };
}

/** Runs a planned matmul into a fresh output tensor. */
export function runMatMul(addon: NativeAddon, backend: WasmBackendLike, call: MatMulCall): TensorInfo {
	const aOffset = offsetOf(backend, call.a);
	const bOffset = offsetOf(backend, call.b);
	return makeOutputWith(backend, call.outShape, (memory, outOffset) => {
		addon.matmul(memory, aOffset, bOffset, outOffset, call.params);
	});
}
