import { backend_util, type StepAttrs, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { BinaryOp, type NativeAddon, UnaryOp } from "./addon.js";
import { makeOutputWith, offsetOf, type WasmBackendLike } from "./heap.js";

/**
 * Below this many elements wasm's own single-threaded kernel wins: the N-API call and
 * waking the second thread cost more than the pass itself.
 */
export const POINTWISE_MIN_ELEMENTS = 16384;

/** True when `small`'s shape (leading 1s dropped) is the trailing part of `big`'s. */
function isTrailingBroadcast(small: readonly number[], big: readonly number[]): boolean {
	let first = 0;
	while (first < small.length && small[first] === 1) first++;
	const tail = small.slice(first);
	if (tail.length > big.length) return false;
	const offset = big.length - tail.length;
	return tail.every((d, i) => d === big[offset + i]);
}

/**
 * Add, Sub, Multiply of float32 tensors when one operand has the output's shape and the
 * other the same shape, a trailing part of it (e.g. a per-channel [C] against NHWC) or one
 * value; null otherwise (other broadcasts, small or non-float tensors go to wasm).
 */
export function runBinary(
	addon: NativeAddon,
	backend: WasmBackendLike,
	op: BinaryOp,
	inputs: { a: TensorInfo; b: TensorInfo },
): TensorInfo | null {
	let { a, b } = inputs;
	if (a.dtype !== "float32" || b.dtype !== "float32") return null;
	const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
	const n = util.sizeFromShape(outShape);
	if (n < POINTWISE_MIN_ELEMENTS) return null;
	if (util.sizeFromShape(a.shape) !== n) {
		// a is the broadcast operand: only the commutative ops can swap.
		if (op === BinaryOp.sub) return null;
		[a, b] = [b, a];
	}
	if (util.sizeFromShape(a.shape) !== n || !isTrailingBroadcast(b.shape, outShape)) return null;
	const period = util.sizeFromShape(b.shape);
	const aOffset = offsetOf(backend, a);
	const bOffset = offsetOf(backend, b);
	return makeOutputWith(backend, outShape, (memory, outOffset) => {
		addon.binary(op, memory, aOffset, bOffset, outOffset, n, period);
	});
}

/** Relu and Step of a float32 tensor; null for small or non-float ones. */
export function runUnary(
	addon: NativeAddon,
	backend: WasmBackendLike,
	op: UnaryOp,
	x: TensorInfo,
	attrs?: Partial<StepAttrs>,
): TensorInfo | null {
	const n = util.sizeFromShape(x.shape);
	if (x.dtype !== "float32" || n < POINTWISE_MIN_ELEMENTS) return null;
	const alpha = op === UnaryOp.step ? (attrs?.alpha ?? 0) : 0;
	if (!Number.isFinite(alpha)) return null;
	const xOffset = offsetOf(backend, x);
	return makeOutputWith(backend, [...x.shape], (memory, outOffset) => {
		addon.unary(op, memory, xOffset, outOffset, n, alpha);
	});
}
