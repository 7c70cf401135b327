/**
 * The linear-probe workloads the benchmark times on both sides. `probe`: multinomial logistic
 * regression of 60000 x 64 features onto 10 classes, full batch, PROBE.iterations steps of
 * gradient descent with momentum on the mean cross-entropy. genrep computes it the way its own
 * softmax regression does (src/evaluation/representation/softmaxRegression.ts): a design
 * matrix with a ones column, the loss and the residual in one softmax cross-entropy pass, the
 * gradient as one matrix product, genrep's Sgd step; bench/torch_bench.py runs nn.Linear,
 * F.cross_entropy, autograd and torch.optim.SGD: the same arithmetic (two matrix products, a
 * softmax and a momentum update per step). Features are standard normal, labels the argmax of
 * a random linear map of them.
 */
import { tf } from "../src/engine/backend.js";
import { softmaxCrossEntropy } from "../src/engine/nn/softmaxCrossEntropy.js";
import { Sgd } from "../src/engine/optim/sgd.js";
import { Rng } from "../src/engine/rng.js";
import { SoftmaxRegressionData } from "../src/evaluation/representation/softmaxRegression.js";

export const PROBE = { samples: 60000, features: 64, classes: 10, iterations: 100, lr: 0.5, momentum: 0.9 } as const;

/** Features [S, F] (standard normal) and labels (argmax of a random linear map of them). */
export function probeArrays(seed: number): { x: Float32Array; labels: Int32Array } {
	const rng = new Rng(seed);
	const { samples, features, classes } = PROBE;
	const x = new Float32Array(samples * features);
	for (let i = 0; i < x.length; i++) x[i] = rng.normal();
	const teacher = new Float32Array(features * classes);
	for (let i = 0; i < teacher.length; i++) teacher[i] = rng.normal();
	const labels = new Int32Array(samples);
	for (let s = 0; s < samples; s++) {
		let bestScore = Number.NEGATIVE_INFINITY;
		for (let k = 0; k < classes; k++) {
			let score = 0;
			for (let f = 0; f < features; f++) score += x[s * features + f] * teacher[f * classes + k];
			if (score > bestScore) [labels[s], bestScore] = [k, score];
		}
	}
	return { x, labels };
}

/**
 * The same features as genrep's linear probe fits them (src/evaluation/representation/):
 * a design matrix [S, F + 1] with a last column of ones, softmax regression by L-BFGS.
 */
export function makeLinearProbeData(seed: number): SoftmaxRegressionData {
	const { x, labels } = probeArrays(seed);
	const { samples, features } = PROBE;
	const design = new Float32Array(samples * (features + 1));
	for (let s = 0; s < samples; s++) {
		design.set(x.subarray(s * features, (s + 1) * features), s * (features + 1));
		design[s * (features + 1) + features] = 1;
	}
	return new SoftmaxRegressionData(design, labels, PROBE.classes);
}

/** Weight decay of the timed L-BFGS fit (one value of linearProbe's default grid). */
export const LINEAR_PROBE_WEIGHT_DECAY = 1e-4;

/** The gradient-descent probe's data: genrep's softmax-regression design matrix (a ones column). */
export function makeProbeData(seed: number): SoftmaxRegressionData {
	return makeLinearProbeData(seed);
}

/**
 * One whole fit from zero weights W [F + 1, K] (the last row the bias); resolves to the loss
 * of the last step, taken before its update (as PyTorch's side records it).
 */
export async function fitProbe(data: SoftmaxRegressionData): Promise<number> {
	const w = tf.tidy(() => tf.variable(tf.zeros([data.columns, data.numClasses]))); // [F + 1, K]
	const sgd = new Sgd(new Map([["w", w]]), { momentum: PROBE.momentum, weightDecay: 0 });
	let last: tf.Scalar | null = null;
	for (let i = 0; i < PROBE.iterations; i++) {
		const keep = i === PROBE.iterations - 1;
		const loss = tf.tidy(() => {
			const logits = tf.matMul(data.x, w); // [S, K]
			const { loss, residual } = softmaxCrossEntropy(logits, data.y, 1 / data.count); // [S], [S, K]
			sgd.apply(new Map([["w", tf.matMul(data.x, residual, true, false)]]), PROBE.lr); // grad [F + 1, K]
			return keep ? tf.mean(loss) : tf.scalar(0);
		});
		if (keep) last = loss as tf.Scalar;
		else loss.dispose();
	}
	const value = last ? (await last.data())[0] : Number.NaN;
	last?.dispose();
	sgd.dispose();
	w.dispose();
	return value;
}
