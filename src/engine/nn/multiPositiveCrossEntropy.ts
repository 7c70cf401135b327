import * as tf from "@tensorflow/tfjs-core";
import { MULTI_POSITIVE_KERNEL } from "../native/contrastiveKernel.js";

/**
 * Added to the self-similarity logits so that exp() makes them 0; finite (unlike -Infinity),
 * so that 0 * masked stays 0 and no NaN reaches the gradients.
 */
export const MASKED_LOGIT = -1e9;

/**
 * The multi-positive cross-entropy of cosine similarities sims [M, M] between rows that
 * belong to groups [M] (int32, equal ids = positives of one another), at `temperature`:
 *   l_ij = sims_ij / tau (j != i),  q_i = softmax_{j != i} l_i,
 *   p_ij = 1[g_j = g_i, j != i] / |P(i)|,  w_i = 1 / #{rows with |P(i)| > 0} where |P(i)| > 0, else 0,
 *   L = sum_i w_i (logsumexp_{j != i} l_ij - sum_j p_ij l_ij),
 * a scalar, with a hand-written gradient d L / d sims_ij = w_i (q_ij - p_ij) / tau (0 on the
 * diagonal and on rows without a positive). No generic logsumexp gradient runs (its max's
 * gradient is an Equal over [M, M]). Where the native addon runs, one kernel computes the loss
 * and the gradient in one pass per row on all cores (native/src/contrastive.cc); elsewhere tfjs
 * ops compute the same loss, with the same bits as before this op existed, and the gradient.
 * The callers (src/learners/objectives/multiPositive.ts) check the shapes and the temperature.
 */
export function multiPositiveCrossEntropy(sims: tf.Tensor2D, groups: tf.Tensor1D, temperature: number): tf.Scalar {
	if (sims.dtype === "float32" && groups.dtype === "int32" && tf.getKernel(MULTI_POSITIVE_KERNEL, tf.getBackend())) {
		registerMultiPositiveGradient();
		return tf.tidy(() => {
			const [loss] = tf.engine().runKernel(MULTI_POSITIVE_KERNEL, { sims, groups }, {
				temperature,
			} as unknown as tf.NamedAttrMap) as tf.Tensor[];
			return loss as tf.Scalar; // the gradient output is kept by the tape (outputsToSave) or freed here
		});
	}
	return composedMultiPositive(sims, groups, temperature);
}

let gradientRegistered = false;

/** The gradient of MULTI_POSITIVE_KERNEL: dy times its saved gradient output. */
function registerMultiPositiveGradient(): void {
	if (gradientRegistered) return;
	gradientRegistered = true;
	tf.registerGradient({
		kernelName: MULTI_POSITIVE_KERNEL,
		outputsToSave: [false, true],
		gradFunc: (dys, saved) => {
			// dys: [d loss, d grad]; only the loss carries a gradient.
			const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
			const [grad] = saved;
			// The group ids lie on no path from a trained variable.
			return { sims: () => tf.mul(grad, dy), groups: () => tf.zeros([grad.shape[0]], "int32") };
		},
	});
}

/**
 * Row i's target p_i (uniform over its positives) and weight w_i, from the group ids on the
 * host: the masks need no gradient.
 */
export function multiPositiveTargets(groups: ArrayLike<number>): { target: Float32Array; weight: Float32Array } {
	const m = groups.length;
	const target = new Float32Array(m * m); // [M, M], p_ij
	const weight = new Float32Array(m); // [M]
	const size = new Map<number, number>();
	for (let i = 0; i < m; i++) size.set(groups[i], (size.get(groups[i]) ?? 0) + 1);
	let rows = 0;
	for (let i = 0; i < m; i++) {
		const count = (size.get(groups[i]) ?? 1) - 1; // |P(i)|
		if (count === 0) continue;
		for (let j = 0; j < m; j++) if (j !== i && groups[j] === groups[i]) target[i * m + j] = 1 / count;
		weight[i] = 1;
		rows++;
	}
	for (let i = 0; i < m; i++) weight[i] /= Math.max(rows, 1);
	return { target, weight };
}

/** The portable version: tfjs ops, a custom gradient. */
function composedMultiPositive(sims: tf.Tensor2D, groups: tf.Tensor1D, temperature: number): tf.Scalar {
	const m = sims.shape[0];
	const { target, weight } = multiPositiveTargets(groups.dataSync());
	const selfMask = new Float32Array(m * m); // [M, M]: MASKED_LOGIT on the diagonal
	for (let i = 0; i < m; i++) selfMask[i * m + i] = MASKED_LOGIT;
	const op = tf.customGrad((sIn, saveIn) => {
		const save = saveIn as tf.GradSaveFunc;
		const logits = tf.add(tf.div(sIn as tf.Tensor2D, temperature), tf.tensor2d(selfMask, [m, m])); // [M, M]
		const p = tf.tensor2d(target, [m, m]); // [M, M]
		const w = tf.tensor2d(weight, [m, 1]); // [M, 1]
		// -sum_j p_ij log q_ij = logsumexp_{k != i} logits_ik - sum_j p_ij logits_ij, since sum_j p_ij = 1
		// (0 * the masked self logit stays 0). Per row first, so that no large sums cancel.
		const positive = tf.sum(tf.mul(p, logits), 1); // [M]
		const perRow = tf.sub(tf.logSumExp(logits, 1), positive); // [M]
		const value = tf.sum(tf.mul(perRow, tf.reshape(w, [m]))) as tf.Scalar;
		save([logits, p, w]);
		return {
			value,
			gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
				const [l, pSaved, wSaved] = saved;
				const e = tf.exp(tf.sub(l, tf.max(l, 1, true))); // [M, M], 0 on the diagonal
				const q = tf.div(e, tf.sum(e, 1, true)); // [M, M]
				return tf.mul(tf.div(tf.mul(tf.sub(q, pSaved), wSaved), temperature), dy); // [M, M]
			},
		};
	});
	return op(sims) as tf.Scalar;
}
