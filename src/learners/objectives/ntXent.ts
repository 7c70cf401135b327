/**
 * NT-Xent (SimCLR; eq. 1 of GenRep): each of the 2N views of a batch is an anchor whose
 * positive is the other view of the same sample and whose negatives are the 2N - 2 others:
 *   l(i, p) = -log( exp(s_ip / tau) / sum_{k != i} exp(s_ik / tau) ),  s = cosine similarity,
 * averaged over the 2N anchors.
 */
import * as tf from "@tensorflow/tfjs-core";
import { GenrepError } from "../../errors.js";
import { l2Normalize } from "../projectionHead.js";

export const NT_XENT_DEFAULTS = { temperature: 0.1 } as const;

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

/** z1 [N, D], z2 [N, D] (two views of the same N samples; normalised here) -> scalar loss */
export function ntXentLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number = NT_XENT_DEFAULTS.temperature) {
	checkTemperature("ntXentLoss", temperature);
	if (z1.rank !== 2 || z1.shape.join(",") !== z2.shape.join(",")) {
		throw new GenrepError(`ntXentLoss: z1 and z2 must both be [N, D], got [${z1.shape}] and [${z2.shape}]`);
	}
	if (z1.shape[0] < 1) throw new GenrepError("ntXentLoss: the batch is empty");
	const n = z1.shape[0];
	return tf.tidy(() => {
		const z = l2Normalize(tf.concat([z1, z2], 0)); // [2N, D], rows 0..N-1 view 1, N..2N-1 view 2
		const logits = tf.div(tf.matMul(z, z, false, true), temperature); // [2N, 2N]
		const masked = tf.add(logits, tf.mul(tf.eye(2 * n), MASKED_LOGIT)); // self-similarity out
		const positive = tf.div(tf.sum(tf.mul(tf.slice(z, 0, n), tf.slice(z, n, n)), 1), temperature); // [N]
		const perAnchor = tf.sub(tf.logSumExp(masked, 1), tf.concat([positive, positive], 0)); // [2N]
		return tf.mean(perAnchor) as tf.Scalar;
	});
}
