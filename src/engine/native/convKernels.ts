import type {
	backend_util,
	Conv2DAttrs,
	Conv2DBackpropFilterAttrs,
	Conv2DBackpropInputAttrs,
	TensorInfo,
} from "@tensorflow/tfjs-core";
import { conv2DInfo } from "../kernels/convInfo.js";
import { ConvKind, type NativeAddon } from "./addon.js";
import { allPositiveInt32, makeOutputWith, offsetOf, type WasmBackendLike } from "./heap.js";
import { copyKey, dropDisposedCopies } from "./inputCopies.js";

/**
 * The addon's 17 conv params for `info`, or null when oneDNN cannot run it as given
 * (channels-first data, empty tensors, or an output size from a non-floor rounding mode).
 */
export function convParams(info: backend_util.Conv2DInfo): Int32Array | null {
	if (info.dataFormat !== "channelsLast") return null;
	const { top, left, bottom, right } = info.padInfo;
	const pads = [top, left, bottom, right];
	if (!pads.every((p) => Number.isInteger(p) && p >= 0 && p <= 0x7fffffff)) return null;
	const sizes = [
		info.batchSize,
		info.inHeight,
		info.inWidth,
		info.inChannels,
		info.outHeight,
		info.outWidth,
		info.outChannels,
		info.filterHeight,
		info.filterWidth,
		info.strideHeight,
		info.strideWidth,
	];
	const dilations = [info.dilationHeight, info.dilationWidth];
	if (!allPositiveInt32([...sizes, ...dilations])) return null;
	// oneDNN requires out = floor((in + pads - effectiveFilter) / stride) + 1.
	const spanH = info.inHeight + top + bottom - info.effectiveFilterHeight;
	const spanW = info.inWidth + left + right - info.effectiveFilterWidth;
	if (spanH < 0 || spanW < 0) return null;
	if (Math.floor(spanH / info.strideHeight) + 1 !== info.outHeight) return null;
	if (Math.floor(spanW / info.strideWidth) + 1 !== info.outWidth) return null;
	return Int32Array.from([...sizes, ...pads, ...dilations]);
}

function isFloat4D(...tensors: TensorInfo[]): boolean {
	return tensors.every((t) => t.dtype === "float32" && t.shape.length === 4);
}

/** A planned native convolution: its params and output shape. */
interface ConvCall {
	kind: ConvKind;
	params: Int32Array;
	a: TensorInfo;
	b: TensorInfo;
	outShape: number[];
}

/**
 * Runs a planned convolution into a fresh output tensor. Under bf16 the activation x and the
 * gradient dy each have two readers in a step (forward and backward filter; backward data and
 * backward filter), so their bf16 copies are kept by key for the second (inputCopies.ts);
 * filters are not: their two readers want different blocked layouts.
 */
export function runConv(addon: NativeAddon, backend: WasmBackendLike, call: ConvCall): TensorInfo {
	const aOffset = offsetOf(backend, call.a);
	const bOffset = offsetOf(backend, call.b);
	dropDisposedCopies(addon, backend);
	const aKey = copyKey(call.a);
	const bKey = call.kind === ConvKind.backwardWeights ? copyKey(call.b) : 0;
	return makeOutputWith(backend, call.outShape, (memory, outOffset) => {
		addon.conv2d(call.kind, memory, aOffset, bOffset, outOffset, call.params, aKey, bKey);
	});
}

/** Conv2D: x [N,H,W,CI] * filter [KH,KW,CI,CO] -> y [N,OH,OW,CO]; null = not supported. */
export function planConv2D(inputs: { x: TensorInfo; filter: TensorInfo }, attrs: Conv2DAttrs): ConvCall | null {
	const { x, filter } = inputs;
	if (!isFloat4D(x, filter)) return null;
	const info = conv2DInfo(x.shape, filter.shape, attrs);
	const params = convParams(info);
	if (!params) return null;
	return {
		kind: ConvKind.forward,
		params,
		a: x,
		b: filter,
		outShape: info.outShape,
	};
}

/** Conv2DBackpropInput: dy [N,OH,OW,CO], filter -> dx [N,H,W,CI] (also conv2dTranspose). */
export function planConv2DBackpropInput(
	inputs: { dy: TensorInfo; filter: TensorInfo },
	attrs: Conv2DBackpropInputAttrs,
): ConvCall | null {
	const { dy, filter } = inputs;
	if (!isFloat4D(dy, filter) || attrs.inputShape.length !== 4) return null;
	const info = conv2DInfo(attrs.inputShape, filter.shape, attrs);
	const params = convParams(info);
	if (!params || !sameShape(dy.shape, info.outShape)) return null;
	return {
		kind: ConvKind.backwardData,
		params,
		a: dy,
		b: filter,
		outShape: info.inShape,
	};
}

/** Conv2DBackpropFilter: x [N,H,W,CI], dy [N,OH,OW,CO] -> dfilter [KH,KW,CI,CO]. */
export function planConv2DBackpropFilter(
	inputs: { x: TensorInfo; dy: TensorInfo },
	attrs: Conv2DBackpropFilterAttrs,
): ConvCall | null {
	const { x, dy } = inputs;
	if (!isFloat4D(x, dy) || attrs.filterShape.length !== 4) return null;
	const info = conv2DInfo(x.shape, attrs.filterShape, attrs);
	const params = convParams(info);
	if (!params || !sameShape(dy.shape, info.outShape)) return null;
	return {
		kind: ConvKind.backwardWeights,
		params,
		a: x,
		b: dy,
		outShape: info.filterShape,
	};
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
	return a.length === b.length && a.every((v, i) => v === b[i]);
}
