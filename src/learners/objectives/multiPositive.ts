/**
 * Multi-positive contrastive loss (StableRep, Tian et al. 2023; SynCLR, Tian et al. 2024).
 * Every row i of a batch of M embeddings belongs to a group g_i (an anchor and its K latent
 * views, each with its own pixel view; or a class). The positives P(i) of row i are the other
 * rows of its group; the target of row i is uniform over them, and the loss is the
 * cross-entropy against the softmax of cosine similarities s / tau over the rows other than i:
 *   p_ij = 1[g_j = g_i, j != i] / |P(i)|,   q_ij = exp(s_ij / tau) / sum_{k != i} exp(s_ik / tau)
 *   L = mean over rows with |P(i)| > 0 of  H(p_i, q_i) = -sum_j p_ij log q_ij
 * A row without a positive in the batch contributes nothing and is left out of the mean (no
 * NaN; the loss is 0 when no row has one).
 *
 * One mechanism, three methods:
 * - groups of 2 (K = 1): NT-Xent (SimCLR, eq. 1 of GenRep), exactly; `ntXentLoss` calls this.
 * - class labels as groups: SupCon's L_out (Khosla et al. 2020, eq. 2), exactly, since
 *   -sum_j p_ij log q_ij = -1/|P(i)| sum_{p in P(i)} log q_ip; `supConLoss` calls this.
 *   Khosla's other variant L_in = -log(1/|P(i)| sum_p q_ip) is not this loss: by Jensen
 *   L_in <= L_out, with equality only where every positive of a row has the same q_ip
 *   (in particular |P(i)| = 1).
 * - the anchor and its K latent views as a group: the multi-positive loss (method multipos).
 * Its minimum is log |P(i)| per row (the entropy of the uniform target), not 0.
 */
import * as tf from "@tensorflow/tfjs-core";
import { GenrepError } from "../../errors.js";
import { l2Normalize } from "../projectionHead.js";

export const MULTI_POSITIVE_DEFAULTS = { temperature: 0.1 } as const;

/**
 * Added to the self-similarity logits so that exp() makes them 0; finite (unlike -Infinity),
 * so that 0 * masked stays 0 and no NaN reaches the gradients.
 */
export const MASKED_LOGIT = -1e9;

/** Throws unless the temperature is a positive finite number; names the function and value. */
export function checkTemperature(where: string, temperature: number): void {
	if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature <= 0) {
		throw new GenrepError(`${where}: temperature must be a positive finite number, got ${temperature}`);
	}
}

/** Group ids of `count` groups of `size` consecutive rows each: [0 x size, 1 x size, ...]. */
export function consecutiveGroups(count: number, size: number): tf.Tensor1D {
	return tf.tidy(
		() => tf.reshape(tf.tile(tf.reshape(tf.range(0, count, 1, "int32"), [count, 1]), [1, size]), [-1]) as tf.Tensor1D,
	);
}

/**
 * Row i's target p_i (uniform over its positives) and weight in the mean (1 / rows with a
 * positive, 0 without one), from the group ids on the host: the masks need no gradient.
 */
function targets(groups: ArrayLike<number>): { target: Float32Array; weight: Float32Array } {
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

/**
 * embeddings [M, D] (normalised here), groups [M] int32 (any values; equal = same group; read
 * on the host) -> scalar loss. Rows may come in any order.
 */
export function multiPositiveLoss(
	embeddings: tf.Tensor2D,
	groups: tf.Tensor1D,
	temperature: number = MULTI_POSITIVE_DEFAULTS.temperature,
): tf.Scalar {
	checkTemperature("multiPositiveLoss", temperature);
	if (embeddings.rank !== 2) {
		throw new GenrepError(`multiPositiveLoss: embeddings must be [M, D], got [${embeddings.shape}]`);
	}
	const m = embeddings.shape[0];
	if (m < 1) throw new GenrepError("multiPositiveLoss: the batch is empty");
	if (groups.rank !== 1 || groups.shape[0] !== m) {
		throw new GenrepError(`multiPositiveLoss: groups must be [${m}] (one per row), got [${groups.shape}]`);
	}
	if (groups.dtype !== "int32") throw new GenrepError(`multiPositiveLoss: groups must be int32, got ${groups.dtype}`);
	const { target, weight } = targets(groups.dataSync());
	const selfMask = new Float32Array(m * m); // [M, M]: MASKED_LOGIT on the diagonal
	for (let i = 0; i < m; i++) selfMask[i * m + i] = MASKED_LOGIT;
	return tf.tidy(() => {
		const z = l2Normalize(embeddings); // [M, D]
		const logits = tf.add(tf.div(tf.matMul(z, z, false, true), temperature), tf.tensor2d(selfMask, [m, m])); // [M, M]
		// -sum_j p_ij log q_ij = logsumexp_{k != i} logits_ik - sum_j p_ij logits_ij, since sum_j p_ij = 1
		// (0 * the masked self logit stays 0). Per row first, so that no large sums cancel.
		const positive = tf.sum(tf.mul(tf.tensor2d(target, [m, m]), logits), 1); // [M]
		const perRow = tf.sub(tf.logSumExp(logits, 1), positive); // [M]
		return tf.sum(tf.mul(perRow, tf.tensor1d(weight))) as tf.Scalar;
	});
}
