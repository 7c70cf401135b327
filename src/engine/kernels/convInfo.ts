import { backend_util } from "@tensorflow/tfjs-core";

export type Shape4 = [number, number, number, number];

/** The attributes every Conv2D-family kernel receives (dilations only on the forward one). */
export interface ConvAttrs {
	strides: number | [number, number];
	pad: "valid" | "same" | number | backend_util.ExplicitPadding;
	dimRoundingMode?: "floor" | "round" | "ceil";
	dataFormat?: "NHWC" | "NCHW";
	dilations?: number | [number, number];
}

/** tfjs's convolution geometry for a Conv2D-family kernel's input shape, filter shape and attrs. */
export function conv2DInfo(
	inShape: readonly number[],
	filterShape: readonly number[],
	attrs: ConvAttrs,
): backend_util.Conv2DInfo {
	return backend_util.computeConv2DInfo(
		inShape as Shape4,
		filterShape as Shape4,
		attrs.strides,
		attrs.dilations ?? 1,
		attrs.pad,
		attrs.dimRoundingMode,
		false,
		backend_util.convertConv2DDataFormat(attrs.dataFormat ?? "NHWC"),
	);
}
