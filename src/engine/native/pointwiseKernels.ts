import { backend_util, type StepAttrs, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { BinaryOp, type NativeAddon, UnaryOp } from "./addon.js";
import { makeOutputWith, offsetOf, type WasmBackendLike } from "./heap.js";

/**
 * Below this many elements wasm's own single-threaded kernel wins: the N-API call and
 * waking the second thread cost more than the pass itself.
 */
export const POINTWISE_MIN_ELEMENTS = 16384;

/** How b is read for out[i] (native/src/pointwise.h): b[((i / (inner * suffix)) % period) * suffix + i % suffix]. */
export interface Broadcast {
	period: number;
	inner: number;
	suffix: number;
}

/**
 * How `small` broadcasts against `big` when, padded to big's rank, it reads
 * [1.., P.., 1.., S..] against big's [lead.., P.., M.., S..] (P and S equal to big's
 * dimensions there): equal shapes, a per-channel [C], a [N, 1] column, a per-image
 * [N, 1, 1, C], a scalar. Null for anything else (e.g. [1, H, 1, C]).
 */
export function blockBroadcast(small: readonly number[], big: readonly number[]): Broadcast | null {
	if (small.length > big.length) return null;
	const padded = [...new Array<number>(big.length - small.length).fill(1), ...small];
	// Walk the dimensions through the states lead ones -> P -> middle ones -> S.
	const sizes = { lead: 1, period: 1, inner: 1, suffix: 1 };
	let state: keyof typeof sizes = "lead";
	for (let j = 0; j < big.length; j++) {
		if (big[j] === 1) continue; // fits every state
		const ones = padded[j] === 1;
		if (!ones && padded[j] !== big[j]) return null;
		if (state === "lead") state = ones ? "lead" : "period";
		else if (state === "period") state = ones ? "inner" : "period";
		else if (state === "inner") state = ones ? "inner" : "suffix";
		else if (ones) return null; // a third run of ones
		sizes[state] *= big[j];
	}
	return { period: sizes.period, inner: sizes.inner, suffix: sizes.suffix };
}

/**
 * Add, Sub, Multiply of float32 tensors when one operand has the output's shape and the
 * other a broadcast blockBroadcast() describes (equal shapes, per channel, per row, per image
 * and channel, one value); null otherwise (other broadcasts, small or non-float tensors go
 * to wasm).
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
		addon.binary(op, memory, aOffset, bOffset, outOffset, n, broadcast.period, broadcast.inner, broadcast.suffix);
	});
}

/** Relu, Step, Exp and Tanh of a float32 tensor; null for small or non-float ones. */
export function runUnary(
	addon: NativeAddon,
	backend: WasmBackendLike,
	op: UnaryOp,
	x: TensorInfo,
	attrs?: Partial<StepAttrs>,
): TensorInfo | null {
	const n = util.sizeFromShape(x.shape);
	// Exp and Tanh are compute-bound (~20 cycles a value): natively worth it from far fewer elements.
	const minElements = op === UnaryOp.exp || op === UnaryOp.tanh ? POINTWISE_MIN_ELEMENTS / 8 : POINTWISE_MIN_ELEMENTS;
	if (x.dtype !== "float32" || n < minElements) return null;
	const alpha = op === UnaryOp.step ? (attrs?.alpha ?? 0) : 0;
	if (!Number.isFinite(alpha)) return null;
	const xOffset = offsetOf(backend, x);
	return makeOutputWith(backend, [...x.shape], (memory, outOffset) => {
		addon.unary(op, memory, xOffset, outOffset, n, alpha);
	});
}

/**
 * ReLU's gradient, a kernel genrep defines (src/engine/nn/reluGradient.ts calls it): inputs
 * {dy, x} of one shape, float32 -> dy * step(x), one pass without the mask tensor.
 */
export const RELU_GRAD_KERNEL = "GenrepReluGrad";

export function runReluGrad(
	addon: NativeAddon,
	backend: WasmBackendLike,
	inputs: { dy: TensorInfo; x: TensorInfo },
): TensorInfo | null {
	const { dy, x } = inputs;
	if (dy?.dtype !== "float32" || x?.dtype !== "float32" || !util.arraysEqual(dy.shape, x.shape)) return null;
	const n = util.sizeFromShape(x.shape);
	if (n < 1) return null;
	const [dyo, xo] = [dy, x].map((t) => offsetOf(backend, t));
	return makeOutputWith(backend, [...x.shape], (memory, out) => addon.reluGrad(memory, dyo, xo, out, n));
}
