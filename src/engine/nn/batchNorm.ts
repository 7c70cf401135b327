import * as tf from "@tensorflow/tfjs-core";
import { batchNormTraining } from "./batchNormOp.js";
import { filled, type ParamStore } from "./params.js";

export interface BatchNormOptions {
	momentum?: number;
	epsilon?: number;
	/** Learn a scale and shift (false when a conditional layer supplies them). */
	affine?: boolean;
}

/**
 * Batch normalisation over all axes but the last (channels). In training mode it uses the
 * batch statistics and updates the running ones (PyTorch convention: momentum 0.1 is the
 * weight of the new batch); in eval mode it uses the running statistics.
 */
export class BatchNorm {
	readonly gamma: tf.Variable | null;
	readonly beta: tf.Variable | null;
	readonly runningMean: tf.Variable;
	readonly runningVar: tf.Variable;
	readonly momentum: number;
	readonly epsilon: number;

	constructor(
		store: ParamStore,
		name: string,
		readonly channels: number,
		options: BatchNormOptions = {},
	) {
		this.momentum = options.momentum ?? 0.1;
		this.epsilon = options.epsilon ?? 1e-5;
		const affine = options.affine ?? true;
		this.gamma = affine ? store.weight(`${name}.gamma`, [channels], filled(channels, 1)) : null;
		this.beta = affine ? store.weight(`${name}.beta`, [channels], filled(channels, 0)) : null;
		this.runningMean = store.buffer(`${name}.runningMean`, [channels], filled(channels, 0));
		this.runningVar = store.buffer(`${name}.runningVar`, [channels], filled(channels, 1));
	}

	/** x [..., C] -> normalised x [..., C]; scale/shift broadcast against x when given. */
	apply<T extends tf.Tensor>(x: T, training: boolean, scale?: tf.Tensor, shift?: tf.Tensor): T {
		if (training) {
			// Fused path: own scale/shift (or none) folded into the op; per-sample ones applied after.
			const perSample = scale !== undefined || shift !== undefined;
			const gamma = perSample || !this.gamma ? tf.ones([this.channels]) : this.gamma;
			const beta = perSample || !this.beta ? tf.zeros([this.channels]) : this.beta;
			// The running statistics' update comes out of the same (native) kernel.
			const { y, mean, variance, running } = batchNormTraining(
				x,
				gamma as tf.Tensor1D,
				beta as tf.Tensor1D,
				this.epsilon,
				{
					mean: this.runningMean as tf.Tensor as tf.Tensor1D,
					variance: this.runningVar as tf.Tensor as tf.Tensor1D,
					momentum: this.momentum,
				},
			);
			const next = running as { mean: tf.Tensor1D; variance: tf.Tensor1D };
			this.runningMean.assign(next.mean);
			this.runningVar.assign(next.variance);
			tf.dispose([mean, variance, next.mean, next.variance]);
			return this.affine(y, scale, shift) as T;
		}
		return this.inference(x, scale ?? this.gamma ?? undefined, shift ?? this.beta ?? undefined) as T;
	}

	/**
	 * (x - mean) * rstd * g + s as x * a + b, with a = rstd * g and b = s - mean * a computed on
	 * the small [C] (or per-sample [N, 1, 1, C]) tensors first: two passes over x and two
	 * full-size tensors instead of four (generation holds every intermediate of its tidy).
	 */
	private inference(x: tf.Tensor, g?: tf.Tensor, s?: tf.Tensor): tf.Tensor {
		const rstd = tf.rsqrt(tf.add(this.runningVar, this.epsilon)); // [C]
		const a = g ? tf.mul(rstd, g) : rstd; // [C] or [N, 1, 1, C]
		const meanA = tf.mul(this.runningMean, a);
		const b = s ? tf.sub(s, meanA) : tf.neg(meanA);
		return tf.add(tf.mul(x, a), b);
	}

	private affine(x: tf.Tensor, scale?: tf.Tensor, shift?: tf.Tensor): tf.Tensor {
		let out = x;
		if (scale) out = tf.mul(out, scale);
		if (shift) out = tf.add(out, shift);
		return out;
	}
}
