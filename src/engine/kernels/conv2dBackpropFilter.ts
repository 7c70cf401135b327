import type { backend_util, KernelConfig } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import { composeKernel } from "./compose.js";
import { conv2DInfo } from "./convInfo.js";

/**
 * Conv2DBackpropFilter (the weight gradient of a convolution), which the wasm backend lacks,
 * written as one forward convolution so that it runs on the backend's fast conv:
 *
 *   dW[kh, kw, c, o] = sum_{n, oh, ow} xPadded[n, kh + s*oh, kw + s*ow, c] * dy[n, oh, ow, o]
 *
 * is a convolution whose batch is the input channel c, whose input channels are the batch n,
 * whose filter is dy (spatial size OH x OW) and whose dilation is the stride s.
 */
export const conv2dBackpropFilterConfig: Omit<KernelConfig, "backendName"> = {
	kernelName: tf.Conv2DBackpropFilter,
	kernelFunc: ({ inputs, attrs }) => {
		const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
		const convAttrs = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
		if (convAttrs.dataFormat === "NCHW") throw new Error("Conv2DBackpropFilter: only NHWC is supported");
		const info = conv2DInfo(x.shape, convAttrs.filterShape, convAttrs);
		return composeKernel({ x, dy }, (t) => conv2dFilterGradient(t.x as tf.Tensor4D, t.dy as tf.Tensor4D, info));
	},
};

/** dW [KH, KW, C, O] from x [N, H, W, C] and dy [N, OH, OW, O]. */
export function conv2dFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, info: backend_util.Conv2DInfo): tf.Tensor4D {
	const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight, outWidth } = info;
	const { top, left } = info.padInfo;
	const [, h, w] = x.shape;
	// Rows needed: kh + sh*(outHeight-1) starting at -top; pad (or crop) to exactly that.
	const needH = kh + sh * (outHeight - 1);
	const needW = kw + sw * (outWidth - 1);
	const xPadded = padOrCrop(x, top, needH - h - top, left, needW - w - left); // [N, needH, needW, C]
	const input = tf.transpose(xPadded, [3, 1, 2, 0]); // [C, needH, needW, N]
	const filter = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, O]
	const out = tf.conv2d(input, filter, 1, "valid", "NHWC", [sh, sw]); // [C, KH, KW, O]
	return tf.transpose(out, [1, 2, 0, 3]); // [KH, KW, C, O]
}

/** Pads (positive amounts) or crops (negative amounts) the spatial dims of x [N, H, W, C]. */
export function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
	const [n, h, w, c] = x.shape;
	let out = x;
	if (top < 0 || bottom < 0 || left < 0 || right < 0) {
		const t = Math.max(0, -top);
		const l = Math.max(0, -left);
		out = tf.slice(out, [0, t, l, 0], [n, h - t - Math.max(0, -bottom), w - l - Math.max(0, -right), c]);
	}
	if (top > 0 || bottom > 0 || left > 0 || right > 0) {
		out = tf.pad(out, [
			[0, 0],
			[Math.max(0, top), Math.max(0, bottom)],
			[Math.max(0, left), Math.max(0, right)],
			[0, 0],
		]);
	}
	return out;
}
