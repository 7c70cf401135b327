import type { backend_util, KernelConfig } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import { composeKernel } from "./compose.js";
import { padOrCrop } from "./conv2dBackpropFilter.js";
import { conv2DInfo } from "./convInfo.js";

/**
 * Conv2DBackpropInput (the input gradient of a convolution, and the forward pass of a
 * transposed convolution). The wasm backend has one, but it runs at about 2 GFLOP/s; this one
 * splits the output into stride x stride phases, computes each phase as a stride-1 forward
 * convolution of dy with a flipped sub-kernel (no multiplications by inserted zeros), and
 * interleaves the phases with a transpose (the wasm DepthToSpace kernel is several times slower).
 *
 * For output row i = s*a + r, the taps are kh = q + s*m with q = (r + top) mod s, and
 *   dx[s*a + r] = sum_m dy[a + floor((r + top)/s) - m] * W[q + s*m].
 */
export const conv2dBackpropInputConfig: Omit<KernelConfig, "backendName"> = {
	kernelName: tf.Conv2DBackpropInput,
	kernelFunc: ({ inputs, attrs }) => {
		const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
		const convAttrs = attrs as unknown as tf.Conv2DBackpropInputAttrs;
		if (convAttrs.dataFormat === "NCHW") throw new Error("Conv2DBackpropInput: only NHWC is supported");
		const info = conv2DInfo(convAttrs.inputShape, filter.shape, convAttrs);
		return composeKernel({ dy, filter }, (t) =>
			conv2dInputGradient(t.dy as tf.Tensor4D, t.filter as tf.Tensor4D, info),
		);
	},
};

interface Phase {
	/** First filter tap of this phase (q) and how many taps it has (M). */
	tap: number;
	taps: number;
	/** Offset into dy of the first input row this phase reads. */
	offset: number;
	/** Number of output rows of this phase. */
	rows: number;
}

function phase(r: number, stride: number, pad: number, kernel: number, outSize: number): Phase {
	const tap = (r + pad) % stride;
	const taps = Math.max(0, Math.ceil((kernel - tap) / stride));
	const base = Math.floor((r + pad) / stride);
	return { tap, taps, offset: base - (taps - 1), rows: Math.max(0, Math.ceil((outSize - r) / stride)) };
}

/** dx [N, H, W, C] from dy [N, OH, OW, O] and the filter W [KH, KW, C, O]. */
export function conv2dInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, info: backend_util.Conv2DInfo): tf.Tensor4D {
	const { strideHeight: sh, strideWidth: sw, inHeight: h, inWidth: w, inChannels: c, batchSize: n } = info;
	const [kh, kw] = filter.shape;
	const [, oh, ow] = dy.shape;
	const rowsMax = Math.ceil(h / sh);
	const colsMax = Math.ceil(w / sw);
	const parts: tf.Tensor4D[] = [];
	for (let rh = 0; rh < sh; rh++) {
		const ph = phase(rh, sh, info.padInfo.top, kh, h);
		for (let rw = 0; rw < sw; rw++) {
			const pw = phase(rw, sw, info.padInfo.left, kw, w);
			let part: tf.Tensor4D;
			if (ph.taps === 0 || pw.taps === 0 || ph.rows === 0 || pw.rows === 0) {
				part = tf.zeros([n, ph.rows, pw.rows, c]);
			} else {
				// Sub-kernel of this phase, flipped, in/out swapped: [Mh, Mw, O, C].
				const sub = tf.stridedSlice(filter, [ph.tap, pw.tap, 0, 0], [kh, kw, c, filter.shape[3]], [sh, sw, 1, 1]);
				const flipped = tf.transpose(tf.reverse(sub, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
				// dy rows offset .. offset + rows + taps - 2, zero outside [0, OH).
				const needH = ph.rows + ph.taps - 1;
				const needW = pw.rows + pw.taps - 1;
				const input = padOrCrop(dy, -ph.offset, needH + ph.offset - oh, -pw.offset, needW + pw.offset - ow);
				part = tf.conv2d(input, flipped, 1, "valid"); // [N, rows_h, rows_w, C]
			}
			if (sh === 1 && sw === 1) return part;
			parts.push(padOrCrop(part, 0, rowsMax - ph.rows, 0, colsMax - pw.rows));
		}
	}
	if (sh !== sw) throw new Error("Conv2DBackpropInput: unequal strides are not supported");
	const stacked = tf.reshape(tf.concat(parts, 3), [n, rowsMax, colsMax, sh, sw, c]); // phase-major channels
	const interleaved = tf.reshape(tf.transpose(stacked, [0, 1, 3, 2, 4, 5]), [n, rowsMax * sh, colsMax * sw, c]);
	return padOrCrop(interleaved as tf.Tensor4D, 0, h - rowsMax * sh, 0, w - colsMax * sw);
}
