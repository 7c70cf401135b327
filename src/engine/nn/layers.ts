import * as tf from "@tensorflow/tfjs-core";
import { filled, heNormal, type ParamStore } from "./params.js";

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
		options: { bias?: boolean; init?: (size: number, fanIn: number) => Float32Array } = {},
	) {
		const fanIn = kernel * kernel * inChannels;
		const size = fanIn * outChannels;
		const init = options.init ?? ((n, f) => heNormal(store.rng, n, f));
		this.weight = store.weight(`${name}.weight`, [kernel, kernel, inChannels, outChannels], init(size, fanIn));
		this.bias = options.bias ? store.weight(`${name}.bias`, [outChannels], filled(outChannels, 0)) : null;
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
		options: { bias?: boolean; init?: (size: number, fanIn: number) => Float32Array } = {},
	) {
		const fanIn = kernel * kernel * inChannels;
		const init = options.init ?? ((n, f) => heNormal(store.rng, n, f));
		this.weight = store.weight(
			`${name}.weight`,
			[kernel, kernel, outChannels, inChannels],
			init(fanIn * outChannels, fanIn),
		);
		this.bias = options.bias ? store.weight(`${name}.bias`, [outChannels], filled(outChannels, 0)) : null;
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
		options: { bias?: boolean; init?: (size: number, fanIn: number) => Float32Array } = {},
	) {
		const init = options.init ?? ((n, f) => heNormal(store.rng, n, f, 1));
		this.weight = store.weight(`${name}.weight`, [inFeatures, outFeatures], init(inFeatures * outFeatures, inFeatures));
		this.bias = options.bias === false ? null : store.weight(`${name}.bias`, [outFeatures], filled(outFeatures, 0));
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
