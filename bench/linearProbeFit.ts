/**
 * The linear-probe workloads the benchmark times on both sides. `probe`: a stand-in written
 * before genrep's evaluation module landed (bench/torch_bench.py mirrors
 * it): multinomial logistic regression of 60000 x 64 features onto 10 classes, full batch,
 * PROBE.iterations steps of gradient descent with momentum on the mean cross-entropy.
 * Features are standard normal, labels the argmax of a random linear map of them.
 */
import { tf } from "../src/engine/backend.js";
import { Rng } from "../src/engine/rng.js";
import { SoftmaxRegressionData } from "../src/evaluation/representation/softmaxRegression.js";

export const PROBE = { samples: 60000, features: 64, classes: 10, iterations: 100, lr: 0.5, momentum: 0.9 } as const;

export interface ProbeData {
	x: tf.Tensor2D; // [S, F]
	labels: tf.Tensor2D; // [S, K] one-hot
	dispose(): void;
}

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

export function makeProbeData(seed: number): ProbeData {
	const { x, labels } = probeArrays(seed);
	const xt = tf.tensor2d(x, [PROBE.samples, PROBE.features]);
	const lt = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), PROBE.classes).toFloat() as tf.Tensor2D);
	return { x: xt, labels: lt, dispose: () => tf.dispose([xt, lt]) };
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

/** One whole fit from zero weights; resolves to the final training loss. */
export async function fitProbe(data: ProbeData): Promise<number> {
	const w = tf.variable(tf.zeros([PROBE.features, PROBE.classes]));
	const b = tf.variable(tf.zeros([PROBE.classes]));
	const opt = tf.train.momentum(PROBE.lr, PROBE.momentum);
	let last = Number.NaN;
	for (let i = 0; i < PROBE.iterations; i++) {
		const loss = opt.minimize(
			() => tf.losses.softmaxCrossEntropy(data.labels, tf.add(tf.matMul(data.x, w), b)) as tf.Scalar,
			i === PROBE.iterations - 1,
			[w, b],
		);
		if (loss) {
			last = (await loss.data())[0];
			loss.dispose();
		}
	}
	await w.data(); // the fit is done when its weights are
	// The optimizer's own dispose() leaks a tensor in tfjs 4.22; its slot variables go with it.
	opt.dispose();
	tf.dispose([w, b]);
	return last;
}
