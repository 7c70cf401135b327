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
 *
 * The cross-entropy over the similarities, with its hand-written gradient
 * w_i (q_ij - p_ij) / tau, is one op (src/engine/nn/multiPositiveCrossEntropy.ts): one native
 * kernel where the addon runs.
 */
import * as tf from "@tensorflow/tfjs-core";
import { MASKED_LOGIT, multiPositiveCrossEntropy } from "../../engine/nn/multiPositiveCrossEntropy.js";
import { GenrepError } from "../../errors.js";
import { l2Normalize } from "../projectionHead.js";

export const MULTI_POSITIVE_DEFAULTS = { temperature: 0.1 } as const;

export { MASKED_LOGIT };

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
 * embeddings [M, D] (normalised here), groups [M] int32 (any values; equal = same group; read
 * on the host where the native kernel does not run) -> scalar loss. Rows may come in any order.
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
	return tf.tidy(() => {
		const z = l2Normalize(embeddings); // [M, D]
		return multiPositiveCrossEntropy(tf.matMul(z, z, false, true), groups, temperature); // [M, M] -> []
	});
}
