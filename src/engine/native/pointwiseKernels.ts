import { backend_util, type StepAttrs, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { BinaryOp, type NativeAddon, UnaryOp } from "./addon.js";
import { makeOutputWith, offsetOf, type WasmBackendLike } from "./heap.js";

/**
 * Below this many elements wasm's own single-threaded kernel wins: the N-API call and
 * waking the second thread cost more than the pass itself.
 */
export const POINTWISE_MIN_ELEMENTS = 16384;

/**
 * How `small` broadcasts against `big` when it is one contiguous block of big's dimensions
 * (leading and trailing 1s aside): b index = floor(i / inner) % period. Null for other
 * broadcasts (e.g. [N, 1, 1, C] against [N, H, W, C]).
 */
export function blockBroadcast(
	small: readonly number[],
	big: readonly number[],
): { period: number; inner: number } | null {
	if (small.length > big.length) return null;
	const padded = [...new Array(big.length - small.length).fill(1), ...small];
	const first = padded.findIndex((d) => d !== 1);
	if (first < 0) return { period: 1, inner: util.sizeFromShape([...big]) };
	let last = padded.length - 1;
	while (padded[last] === 1) last--;
	for (let j = first; j <= last; j++) if (padded[j] !== big[j]) return null;
	return { period: util.sizeFromShape(big.slice(first, last + 1)), inner: util.sizeFromShape(big.slice(last + 1)) };
}

/**
 * Add, Sub, Multiply of float32 tensors when one operand has the output's shape and the
 * other the same shape, one block of its dimensions (a per-channel [C] against NHWC, a
 * [N, 1] column against [N, C]) or one value; null otherwise (other broadcasts, small or
 * non-float tensors go to wasm).
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
	if (util.sizeFromShape(a.shape) !== n) return null;
	const broadcast = blockBroadcast(b.shape, outShape);
	if (!broadcast) return null;
	const aOffset = offsetOf(backend, a);
	const bOffset = offsetOf(backend, b);
	return makeOutputWith(backend, outShape, (memory, outOffset) => {
		addon.binary(op, memory, aOffset, bOffset, outOffset, n, broadcast.period, broadcast.inner);
	});
}

/** Relu, Step and Exp of a float32 tensor; null for small or non-float ones. */
export function runUnary(
	addon: NativeAddon,
	backend: WasmBackendLike,
	op: UnaryOp,
	x: TensorInfo,
	attrs?: Partial<StepAttrs>,
): TensorInfo | null {
	const n = util.sizeFromShape(x.shape);
	// Exp is compute-bound (~20 cycles a value): natively worth it from far fewer elements.
	const minElements = op === UnaryOp.exp ? POINTWISE_MIN_ELEMENTS / 8 : POINTWISE_MIN_ELEMENTS;
	if (x.dtype !== "float32" || n < minElements) return null;
	const alpha = op === UnaryOp.step ? (attrs?.alpha ?? 0) : 0;
	if (!Number.isFinite(alpha)) return null;
	const xOffset = offsetOf(backend, x);
	return makeOutputWith(backend, [...x.shape], (memory, outOffset) => {
		addon.unary(op, memory, xOffset, outOffset, n, alpha);
	});
}
