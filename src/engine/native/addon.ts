/**
 * The shape of the native addon (native/src/addon.cc): oneDNN kernels that work in place on
 * one ArrayBuffer, the wasm backend's heap. Offsets are in bytes; tensors are float32.
 */

/** Which convolution `conv2d` runs, and what its a, b and out tensors are. */
export const ConvKind = {
	/** a = x [N,H,W,CI], b = filter [KH,KW,CI,CO], out = y [N,OH,OW,CO]. */
	forward: 0,
	/** a = dy [N,OH,OW,CO], b = filter, out = dx [N,H,W,CI]; also transposed conv. */
	backwardData: 1,
	/** a = x, b = dy, out = dfilter [KH,KW,CI,CO]. */
	backwardWeights: 2,
} as const;
export type ConvKind = (typeof ConvKind)[keyof typeof ConvKind];

/** Where oneDNN keeps activations: plain NHWC, or blocked formats with reorders. */
export const ConvLayout = { nhwc: 0, blocked: 1 } as const;
export type ConvLayout = (typeof ConvLayout)[keyof typeof ConvLayout];
/** auto: oneDNN's Winograd for the 3x3 stride-1 shapes where it is faster (native/src/conv.cc), else direct. */
export const ConvAlgorithm = { auto: 0, direct: 1 } as const;
export type ConvAlgorithm = (typeof ConvAlgorithm)[keyof typeof ConvAlgorithm];

export const BinaryOp = { add: 0, sub: 1, mul: 2 } as const;
export type BinaryOp = (typeof BinaryOp)[keyof typeof BinaryOp];

export const UnaryOp = { relu: 0, step: 1, exp: 2, tanh: 3 } as const;
export type UnaryOp = (typeof UnaryOp)[keyof typeof UnaryOp];

export interface NativeAddon {
	/**
	 * params (17 values): N, H, W, CI, OH, OW, CO, KH, KW, strideH, strideW, padTop,
	 * padLeft, padBottom, padRight, dilationH, dilationW (dilation 1 = none).
	 */
	conv2d(
		kind: ConvKind,
		memory: ArrayBuffer,
		aOffset: number,
		bOffset: number,
		outOffset: number,
		params: Int32Array,
		aKey?: number,
		bKey?: number,
	): void;
	/**
	 * Drops the kept input copies of these tensor keys (inputCopies.ts), or all of them when
	 * called without keys; conv2d's aKey / bKey > 0 keep an input's reordered copy under the key.
	 */
	dropCopies?(keys?: number[]): void;
	/** The calling thread's kept copies: count, bytes held and pooled, lookups that hit or missed. */
	copyStats?(): { entries: number; bytes: number; pooledBytes: number; hits: number; misses: number };
	/** params (7 values): batchA, batchB, M, K, N, transposeA (0/1), transposeB (0/1). */
	matmul(memory: ArrayBuffer, aOffset: number, bOffset: number, outOffset: number, params: Int32Array): void;
	/**
	 * out[i] = a[i] op b[(floor(i / (inner * suffix)) % period) * suffix + i % suffix] over n
	 * floats; op: BinaryOp; suffix defaults to 1.
	 */
	binary(
		op: BinaryOp,
		memory: ArrayBuffer,
		aOffset: number,
		bOffset: number,
		outOffset: number,
		n: number,
		period: number,
		inner: number,
		suffix?: number,
	): void;
	/** out = op(x) over n floats; op: UnaryOp; alpha: Step's value for x <= 0 (else unused). */
	unary(op: UnaryOp, memory: ArrayBuffer, xOffset: number, outOffset: number, n: number, alpha: number): void;
	/**
	 * Training-mode batch norm of x [rows, channels]: y, batch mean and biased variance; with
	 * the five optional arguments also the running statistics' momentum update (unbiased
	 * variance) from runningMeanIn/runningVarIn into runningMeanOut/runningVarOut; with the
	 * residual too, the ResNet tail y = relu(bn(x) + residual) (residual -1: y = relu(bn(x))).
	 */
	batchNormForward(
		memory: ArrayBuffer,
		x: number,
		gamma: number,
		beta: number,
		y: number,
		mean: number,
		variance: number,
		rows: number,
		channels: number,
		epsilon: number,
		runningMeanIn?: number,
		runningVarIn?: number,
		runningMeanOut?: number,
		runningVarOut?: number,
		momentum?: number,
		residual?: number,
	): void;
	/** Its gradient (without residual and ReLU): dx [rows, channels], dgamma and dbeta [channels]. */
	batchNormBackward(
		memory: ArrayBuffer,
		dy: number,
		x: number,
		mean: number,
		variance: number,
		gamma: number,
		dx: number,
		dgamma: number,
		dbeta: number,
		rows: number,
		channels: number,
		epsilon: number,
	): void;
	/**
	 * Softmax cross-entropy of logits [rows, classes] against labels [rows, classes]: loss
	 * [rows] and residual = (softmax - labels) * scale [rows, classes].
	 */
	softmaxCrossEntropy(
		memory: ArrayBuffer,
		logits: number,
		labels: number,
		loss: number,
		residual: number,
		rows: number,
		classes: number,
		scale: number,
	): void;
	/** ReLU's gradient: out = dy * step(x) over n floats (tfjs's mul(dy, step(x)) bits). */
	reluGrad(memory: ArrayBuffer, dy: number, x: number, out: number, n: number): void;
	/**
	 * The multi-positive contrastive loss of similarities sims [m, m] with groups [m] (int32;
	 * equal ids are positives of one another) at `temperature`: loss [1] (the mean over rows
	 * with a positive of the cross-entropy against the uniform target over the positives) and
	 * grad [m, m] = d loss / d sims (native/src/contrastive.h).
	 */
	multiPositiveLoss(
		memory: ArrayBuffer,
		sims: number,
		groups: number,
		loss: number,
		grad: number,
		m: number,
		temperature: number,
	): void;
	/** Global average pooling: x [n, area, channels] -> out [n, channels] (tfjs's Mean bits). */
	meanPool(memory: ArrayBuffer, x: number, out: number, n: number, area: number, channels: number): void;
	/** Its gradient: dy [n, channels] -> dx [n, area, channels] = dy / area. */
	meanPoolGrad(memory: ArrayBuffer, dy: number, dx: number, n: number, area: number, channels: number): void;
	/**
	 * The linear probe's softmax regression (native/src/probe.cc, src/engine/native/probeKernel.ts):
	 * returns sum_i loss_i over x [rows, cols] with labels [rows] in 0..classes-1 and weights
	 * [cols, classes]; writes gradient [cols, classes] = x^T (softmax(x W) - onehot(labels)).
	 */
	softmaxRegression?(
		x: Float32Array,
		rows: number,
		cols: number,
		labels: Int32Array,
		classes: number,
		weights: Float64Array,
		gradient: Float64Array,
	): number;
	/**
	 * SGD (src/engine/optim/sgd.ts) in place over every parameter: `table` holds per parameter
	 * [pOffset, gOffset, vOffset, n, decay (0/1)]; all threads split the concatenated elements.
	 */
	sgdStep(
		memory: ArrayBuffer,
		table: Float64Array,
		lr: number,
		momentum: number,
		weightDecay: number,
		nesterov: boolean,
	): void;
	/**
	 * The machine's fp32 peak, measured with FMA chains on every thread for about `seconds`
	 * (the sum of each thread's best ~10 ms round).
	 */
	measurePeak(seconds: number): { gflops: number; threads: number; isa: string };
	/**
	 * SimCLR pixel views of images [n, h, w, c] (uint8 scaled by 1/255, or float32 in [0, 1])
	 * into out [n, size, size, c] from drawn parameters [n, 10] (src/views/pixel/simclrAugment.ts,
	 * VIEW_PARAMS), one image per thread; the same bits as the JavaScript renderer.
	 */
	pixelViews?(
		images: Uint8Array | Float32Array,
		n: number,
		h: number,
		w: number,
		c: number,
		params: Float64Array,
		out: Float32Array,
		size: number,
	): void;
	/** The oneDNN implementation a convolution runs with, e.g. "brgconv:avx512_core". */
	describeConv(kind: ConvKind, params: Int32Array): string;
	setConvLayout(layout: ConvLayout): void;
	/** The algorithms of later convolution plans made from the calling JS thread (default auto). */
	setConvAlgorithm?(algorithm: ConvAlgorithm): void;
	/** Threads oneDNN uses for calls from the calling JS thread (default: all cores). */
	setThreads(threads: number): void;
	/** 0: fp32; 1: bf16 inputs to convolutions and matrix products, fp32 outputs (throws without bf16). */
	setPrecision?(precision: 0 | 1): void;
	/** Whether oneDNN runs bf16 convolutions and matrix products natively on this CPU. */
	bf16Supported?(): boolean;
	/** Drops cached primitives and scratch buffers. */
	clearCache(): void;
	info(): NativeInfo;
}

export interface NativeInfo {
	/** e.g. "oneDNN 2.6.3 (avx2)". */
	library: string;
	/** Threads oneDNN uses (OpenMP's max threads). */
	threads: number;
	convLayout: ConvLayout;
}
