import * as tf from "@tensorflow/tfjs-core";
import { type BatchNormResult, batchNormReluTraining, batchNormTraining, type RunningStats } from "./batchNormOp.js";
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
			const y = this.track(
				batchNormTraining(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, this.epsilon, this.running()),
			);
			return this.affine(y, scale, shift) as T;
		}
		return this.inference(x, scale ?? this.gamma ?? undefined, shift ?? this.beta ?? undefined) as T;
	}

	/**
	 * relu(apply(x) + residual): a ResNet block's tail. In training with the layer's own scale and
	 * shift it is one fused op (batchNormReluTraining: the same bits, fewer passes).
	 */
	applyRelu<T extends tf.Tensor>(x: T, training: boolean, residual?: tf.Tensor): T {
		if (training) {
			const gamma = (this.gamma ?? tf.ones([this.channels])) as tf.Tensor1D;
			const beta = (this.beta ?? tf.zeros([this.channels])) as tf.Tensor1D;
			return this.track(batchNormReluTraining(x, gamma, beta, this.epsilon, this.running(), residual)) as T;
		}
		const y = this.apply(x, false);
		return tf.relu(residual ? tf.add(y, residual) : y) as T;
	}

	private running(): RunningStats {
		return {
			mean: this.runningMean as tf.Tensor as tf.Tensor1D,
			variance: this.runningVar as tf.Tensor as tf.Tensor1D,
			momentum: this.momentum,
		};
	}

	/** Takes in a training op's running-statistics update (computed in the same kernel); returns y. */
	private track(result: BatchNormResult): tf.Tensor {
		const { y, mean, variance, running } = result;
		const next = running as { mean: tf.Tensor1D; variance: tf.Tensor1D };
		this.runningMean.assign(next.mean);
		this.runningVar.assign(next.variance);
		tf.dispose([mean, variance, next.mean, next.variance]);
		return y;
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
