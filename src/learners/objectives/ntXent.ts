/**
 * NT-Xent (SimCLR; eq. 1 of GenRep): each of the 2N views of a batch is an anchor whose
 * positive is the other view of the same sample and whose negatives are the 2N - 2 others:
 *   l(i, p) = -log( exp(s_ip / tau) / sum_{k != i} exp(s_ik / tau) ),  s = cosine similarity,
 * averaged over the 2N anchors. It is the multi-positive loss with groups of two
 * (multiPositive.ts), which computes it.
 */
import * as tf from "@tensorflow/tfjs-core";
import { GenrepError } from "../../errors.js";
import { checkTemperature, multiPositiveLoss } from "./multiPositive.js";

export { checkTemperature, MASKED_LOGIT } from "./multiPositive.js";

export const NT_XENT_DEFAULTS = { temperature: 0.1 } as const;

/** z1 [N, D], z2 [N, D] (two views of the same N samples; normalised here) -> scalar loss */
export function ntXentLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number = NT_XENT_DEFAULTS.temperature) {
	checkTemperature("ntXentLoss", temperature);
	if (z1.rank !== 2 || z1.shape.join(",") !== z2.shape.join(",")) {
		throw new GenrepError(`ntXentLoss: z1 and z2 must both be [N, D], got [${z1.shape}] and [${z2.shape}]`);
	}
	if (z1.shape[0] < 1) throw new GenrepError("ntXentLoss: the batch is empty");
	const n = z1.shape[0];
	return tf.tidy(() => {
		const sample = tf.range(0, n, 1, "int32"); // [N]
		// Rows 0..N-1 view 1, N..2N-1 view 2; row k and row N + k are one group.
		return multiPositiveLoss(tf.concat([z1, z2], 0), tf.concat([sample, sample], 0), temperature); // [2N, D]
	});
}
