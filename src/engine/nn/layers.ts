import * as tf from "@tensorflow/tfjs-core";
import { filled, heNormal, type ParamStore } from "./params.js";

/** Options shared by the weight layers: a bias (zeros) or not, and the weight initialiser. */
export interface LayerOptions {
	/** Default: true for Dense, false for the convolutions (they are followed by batch norm). */
	bias?: boolean;
	/** Values of the weight given its element count and fan-in; default He normal. */
	init?: (size: number, fanIn: number) => Float32Array;
}

/** A layer's weight and, when `bias`, a zero bias of `outputs` values, registered under `name`. */
function weightAndBias(
	store: ParamStore,
	name: string,
	shape: number[],
	fanIn: number,
	outputs: number,
	bias: boolean,
	init: (size: number, fanIn: number) => Float32Array,
): { weight: tf.Variable; bias: tf.Variable | null } {
	const weight = store.weight(
		`${name}.weight`,
		shape,
		init(
			shape.reduce((a, b) => a * b, 1),
			fanIn,
		),
	);
	return { weight, bias: bias ? store.weight(`${name}.bias`, [outputs], filled(outputs, 0)) : null };
}

/** A 2D convolution, NHWC, weights [K, K, in, out] (+ bias [out]). */
export class Conv2d {
	readonly weight: tf.Variable;
	readonly bias: tf.Variable | null;

	constructor(
		store: ParamStore,
		name: string,
		readonly inChannels: number,
		readonly outChannels: number,
		readonly kernel: number,
		readonly stride = 1,
		readonly padding: "same" | "valid" | number = "same",
		options: LayerOptions = {},
	) {
		const shape = [kernel, kernel, inChannels, outChannels];
		const init = options.init ?? ((n, f) => heNormal(store.rng, n, f));
		const fanIn = kernel * kernel * inChannels;
		({ weight: this.weight, bias: this.bias } = weightAndBias(
			store,
			name,
			shape,
			fanIn,
			outChannels,
			!!options.bias,
			init,
		));
	}

	/** x [N, H, W, in] -> [N, H', W', out] */
	apply(x: tf.Tensor4D, weight: tf.Tensor4D = this.weight as tf.Tensor4D): tf.Tensor4D {
		const pad = typeof this.padding === "number" ? explicitPad(this.padding) : this.padding;
		const y = tf.conv2d(x, weight, this.stride, pad);
		return this.bias ? tf.add(y, this.bias) : y;
	}
}

/** A transposed convolution (upsampling by `stride`), NHWC, weights [K, K, out, in]. */
export class ConvTranspose2d {
	readonly weight: tf.Variable;
	readonly bias: tf.Variable | null;

	constructor(
		store: ParamStore,
		name: string,
		readonly inChannels: number,
		readonly outChannels: number,
		readonly kernel: number,
		readonly stride = 2,
		options: LayerOptions = {},
	) {
		const shape = [kernel, kernel, outChannels, inChannels];
		const init = options.init ?? ((n, f) => heNormal(store.rng, n, f));
		const fanIn = kernel * kernel * inChannels;
		({ weight: this.weight, bias: this.bias } = weightAndBias(
			store,
			name,
			shape,
			fanIn,
			outChannels,
			!!options.bias,
			init,
		));
	}

	/** x [N, H, W, in] -> [N, H*stride, W*stride, out] ('same' padding). */
	apply(x: tf.Tensor4D): tf.Tensor4D {
		const [n, h, w] = x.shape;
		const y = tf.conv2dTranspose(
			x,
			this.weight as tf.Tensor4D,
			[n, h * this.stride, w * this.stride, this.outChannels],
			this.stride,
			"same",
		);
		return this.bias ? tf.add(y, this.bias) : y;
	}
}

/** A fully connected layer, weights [in, out] + bias [out]. */
export class Dense {
	readonly weight: tf.Variable;
	readonly bias: tf.Variable | null;

	constructor(
		store: ParamStore,
		name: string,
		readonly inFeatures: number,
		readonly outFeatures: number,
		options: LayerOptions = {},
	) {
		const init = options.init ?? ((n, f) => heNormal(store.rng, n, f, 1));
		const shape = [inFeatures, outFeatures];
		const bias = options.bias !== false;
		({ weight: this.weight, bias: this.bias } = weightAndBias(store, name, shape, inFeatures, outFeatures, bias, init));
	}

	/** x [N, in] -> [N, out] */
	apply(x: tf.Tensor2D, weight: tf.Tensor2D = this.weight as tf.Tensor2D): tf.Tensor2D {
		const y = tf.matMul(x, weight) as tf.Tensor2D;
		return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
	}
}

/** An embedding table [count, dim]; lookup is a gather (its gradient is UnsortedSegmentSum). */
export class Embedding {
	readonly table: tf.Variable;

	constructor(store: ParamStore, name: string, count: number, dim: number, init?: Float32Array) {
		this.table = store.weight(`${name}.table`, [count, dim], init ?? heNormal(store.rng, count * dim, dim, 1));
	}

	/** ids [N] int32 -> [N, dim] */
	apply(ids: tf.Tensor1D): tf.Tensor2D {
		return tf.gather(this.table, ids) as tf.Tensor2D;
	}
}

function explicitPad(p: number): [[number, number], [number, number], [number, number], [number, number]] {
	return [
		[0, 0],
		[p, p],
		[p, p],
		[0, 0],
	];
}
