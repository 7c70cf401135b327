/**
 * Multinomial logistic (softmax) regression with an L2 penalty, the model of the linear probe.
 * The design matrix X [N, D + 1] holds the (standardised) features and a last column of ones,
 * so the weights W [D + 1, K] carry the bias in their last row, which is not penalised:
 *
 *   f(W) = 1/N sum_i [ logsumexp_k (x_i W)_k - (x_i W)_{y_i} ] + weightDecay / 2 * sum_{d < D, k} W_dk^2
 *   grad = X^T (softmax(X W) - Y) / N + weightDecay * W (bias row excluded)
 *
 * Value and gradient are computed full-batch. Where the native addon runs (wasm backend), one
 * fused kernel reads X once per evaluation, in place in the wasm heap, and sums in float64
 * (src/engine/native/probeKernel.ts, native/src/probe.cc); elsewhere tfjs: two matrix
 * products and one softmax cross-entropy pass (src/engine/nn/softmaxCrossEntropy.ts), which
 * read X twice. The minimiser is L-BFGS (lbfgs.ts). Weights travel as float64 host arrays
 * [D + 1, K].
 */
import * as tf from "@tensorflow/tfjs-core";
import { nativeSoftmaxRegressionAvailable, nativeSoftmaxRegressionSums } from "../../engine/native/probeKernel.js";
import { softmaxCrossEntropy } from "../../engine/nn/softmaxCrossEntropy.js";
import { GenrepError } from "../../errors.js";
import { type LbfgsOptions, type LbfgsResult, minimizeLbfgs } from "./lbfgs.js";

export interface SoftmaxRegressionDataOptions {
	/**
	 * Compute f(W) and its gradient with the fused native kernel where it can run (default
	 * true); false keeps the tfjs path everywhere (benchmarks and tests compare the two).
	 */
	native?: boolean;
}

/** A labelled design matrix on the device: X [N, D + 1] (last column ones) and one-hot Y [N, K]. */
export class SoftmaxRegressionData {
	readonly x: tf.Tensor2D; // [N, D + 1]
	readonly y: tf.Tensor2D; // [N, K]
	readonly count: number;
	/** Columns of X, the bias column included. */
	readonly columns: number;
	/** Whether lossAndGradient may use the fused native kernel (options.native). */
	readonly native: boolean;

	/**
	 * @param design row-major [count, columns] values, the last column all ones (a tensor is
	 *   taken over: dispose() disposes it)
	 * @param labels class of each row, in 0..numClasses-1
	 */
	constructor(
		design: Float32Array | tf.Tensor2D,
		readonly labels: Int32Array,
		readonly numClasses: number,
		options: SoftmaxRegressionDataOptions = {},
	) {
		this.count = labels.length;
		this.native = options.native ?? true;
		if (!Number.isInteger(numClasses) || numClasses < 1) {
			throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
		}
		for (let i = 0; i < labels.length; i++) {
			if (labels[i] < 0 || labels[i] >= numClasses) {
				throw new RangeError(`label ${labels[i]} of row ${i} is outside 0..${numClasses - 1}`);
			}
		}
		if (design instanceof tf.Tensor) {
			if (design.rank !== 2 || design.shape[0] !== this.count) {
				throw new RangeError(`design matrix of shape [${design.shape}] does not have ${this.count} rows`);
			}
			this.x = design;
		} else {
			if (this.count === 0 || design.length % this.count !== 0) {
				throw new RangeError(`design matrix of ${design.length} values does not have ${this.count} rows`);
			}
			this.x = tf.tensor2d(design, [this.count, design.length / this.count]);
		}
		this.columns = this.x.shape[1];
		this.y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), numClasses).toFloat() as tf.Tensor2D);
	}

	/** The rows `rows` of this data as new data (e.g. a validation split). */
	subset(rows: Int32Array): SoftmaxRegressionData {
		const x = tf.tidy(() => tf.gather(this.x, tf.tensor1d(rows, "int32"))); // [rows, D + 1]
		try {
			return new SoftmaxRegressionData(
				x,
				Int32Array.from(rows, (r) => this.labels[r]),
				this.numClasses,
				{ native: this.native },
			);
		} catch (err) {
			x.dispose();
			throw err;
		}
	}

	/** Whether lossAndGradient runs the fused native kernel now (else the tfjs path). */
	get usesNativeKernel(): boolean {
		return this.native && nativeSoftmaxRegressionAvailable();
	}

	/** f(W) and its gradient (see the file comment). */
	async lossAndGradient(
		weights: Float64Array,
		weightDecay: number,
	): Promise<{ value: number; gradient: Float64Array }> {
		this.checkWeights(weights);
		const { lossSum, gradient } = (this.native && this.nativeSums(weights)) || (await this.tfjsSums(weights));
		// The mean over rows in float64: a float32 sum of tens of thousands of rows is noisier
		// than the changes the minimiser's progress test must see near the optimum.
		const ceValue = lossSum / this.count;
		let penalty = 0;
		const penalised = (this.columns - 1) * this.numClasses; // all rows but the bias row
		for (let i = 0; i < penalised; i++) {
			penalty += weights[i] * weights[i];
			gradient[i] += weightDecay * weights[i];
		}
		return { value: ceValue + 0.5 * weightDecay * penalty, gradient };
	}

	/** sum_i loss_i and X^T (softmax(X W) - Y) / N [D + 1, K] on the fused kernel; null where it cannot run. */
	private nativeSums(weights: Float64Array): { lossSum: number; gradient: Float64Array } | null {
		const gradient = new Float64Array(this.columns * this.numClasses); // [D + 1, K]
		const lossSum = nativeSoftmaxRegressionSums(this.x, this.labels, this.numClasses, weights, gradient);
		if (lossSum === null) return null;
		for (let i = 0; i < gradient.length; i++) gradient[i] /= this.count;
		return { lossSum, gradient };
	}

	/** The same on tfjs: two matrix products and a softmax cross-entropy pass. */
	private async tfjsSums(weights: Float64Array): Promise<{ lossSum: number; gradient: Float64Array }> {
		const [rowLosses, gradient] = tf.tidy(() => {
			const w = this.weightsTensor(weights);
			const logits = tf.matMul(this.x, w); // [N, K]
			// residual (softmax - Y) / N: the mean loss's gradient wrt the logits
			const { loss, residual } = softmaxCrossEntropy(logits, this.y, 1 / this.count); // [N], [N, K]
			return [loss, tf.matMul(this.x, residual, true, false)]; // [N], [D + 1, K]
		});
		try {
			const [losses, grad] = await Promise.all([rowLosses.data(), gradient.data()]);
			let lossSum = 0;
			for (let i = 0; i < losses.length; i++) lossSum += losses[i];
			return { lossSum, gradient: Float64Array.from(grad) };
		} finally {
			tf.dispose([rowLosses, gradient]);
		}
	}

	/** Predicted class of every row and the mean cross-entropy (no penalty). */
	async evaluate(weights: Float64Array): Promise<{ predictions: Int32Array; accuracy: number; crossEntropy: number }> {
		const [predicted, crossEntropy] = tf.tidy(() => {
			const logits = tf.matMul(this.x, this.weightsTensor(weights)); // [N, K]
			const { loss } = softmaxCrossEntropy(logits, this.y); // [N]
			return [tf.argMax(logits, 1), tf.div(tf.sum(loss), this.count)]; // [N], []
		});
		try {
			const predictions = Int32Array.from(await predicted.data());
			let correct = 0;
			for (let i = 0; i < this.count; i++) if (predictions[i] === this.labels[i]) correct++;
			return { predictions, accuracy: correct / this.count, crossEntropy: (await crossEntropy.data())[0] };
		} finally {
			tf.dispose([predicted, crossEntropy]);
		}
	}

	dispose(): void {
		tf.dispose([this.x, this.y]);
	}

	private checkWeights(weights: Float64Array): void {
		if (weights.length !== this.columns * this.numClasses) {
			throw new RangeError(`expected ${this.columns}x${this.numClasses} weights, got ${weights.length}`);
		}
	}

	private weightsTensor(weights: Float64Array): tf.Tensor2D {
		this.checkWeights(weights);
		return tf.tensor2d(Float32Array.from(weights), [this.columns, this.numClasses]);
	}
}

export interface SoftmaxRegressionFitOptions extends LbfgsOptions {
	weightDecay: number;
	/** Starting weights [D + 1, K] (a warm start); default zeros. */
	init?: Float64Array;
}

/** Fits W by L-BFGS; returns the weights [D + 1, K] and the minimiser's report. */
export async function fitSoftmaxRegression(
	data: SoftmaxRegressionData,
	options: SoftmaxRegressionFitOptions,
): Promise<LbfgsResult> {
	const { weightDecay, init, ...lbfgs } = options;
	if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) {
		throw new GenrepError(`weight decay must be a finite number >= 0, got ${weightDecay}`);
	}
	const x0 = init ? Float64Array.from(init) : new Float64Array(data.columns * data.numClasses);
	return minimizeLbfgs((w) => data.lossAndGradient(w, weightDecay), x0, lbfgs);
}
