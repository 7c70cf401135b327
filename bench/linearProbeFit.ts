/**
 * The linear-probe stand-in the benchmark times on both sides (bench/torch_bench.py mirrors
 * it): multinomial logistic regression of 60000 x 64 features onto 10 classes, full batch,
 * PROBE.iterations steps of gradient descent with momentum on the mean cross-entropy.
 * Features are standard normal, labels the argmax of a random linear map of them.
 */
import { tf } from "../src/engine/backend.js";
import { Rng } from "../src/engine/rng.js";

export const PROBE = { samples: 60000, features: 64, classes: 10, iterations: 100, lr: 0.5, momentum: 0.9 } as const;

export interface ProbeData {
	x: tf.Tensor2D; // [S, F]
	labels: tf.Tensor2D; // [S, K] one-hot
	dispose(): void;
}

export function makeProbeData(seed: number): ProbeData {
	const rng = new Rng(seed);
	const { samples, features, classes } = PROBE;
	const x = new Float32Array(samples * features);
	for (let i = 0; i < x.length; i++) x[i] = rng.normal();
	const teacher = new Float32Array(features * classes);
	for (let i = 0; i < teacher.length; i++) teacher[i] = rng.normal();
	const onehot = new Float32Array(samples * classes);
	for (let s = 0; s < samples; s++) {
		let best = 0;
		let bestScore = Number.NEGATIVE_INFINITY;
		for (let k = 0; k < classes; k++) {
			let score = 0;
			for (let f = 0; f < features; f++) score += x[s * features + f] * teacher[f * classes + k];
			if (score > bestScore) [best, bestScore] = [k, score];
		}
		onehot[s * classes + best] = 1;
	}
	const xt = tf.tensor2d(x, [samples, features]);
	const lt = tf.tensor2d(onehot, [samples, classes]);
	return { x: xt, labels: lt, dispose: () => tf.dispose([xt, lt]) };
}

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
