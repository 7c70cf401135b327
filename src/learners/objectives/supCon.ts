/**
 * Supervised contrastive loss (Khosla et al. 2020, L_out). The N x V views are the anchors;
 * the positives P(i) of anchor i are the other views with its label, the others its negatives:
 *   L = mean over anchors with |P(i)| > 0 of  -1/|P(i)| sum_{p in P(i)} log( exp(s_ip / tau) / sum_{a != i} exp(s_ia / tau) )
 * Without labels each sample is its own class, which is SimCLR over V views (NT-Xent for
 * V = 2). With labels (GenRep's conditional case, appendix C.1) the views of one sample share
 * its label, so the positives are the same class and the views of the same z. An anchor with
 * no positive in the batch contributes nothing and is left out of the mean (no NaN; the loss
 * is 0 when no anchor has a positive). L_out is the multi-positive loss with the labels as
 * groups (multiPositive.ts), which computes it.
 */
import * as tf from "@tensorflow/tfjs-core";
import { GenrepError } from "../../errors.js";
import { checkTemperature, consecutiveGroups, multiPositiveLoss } from "./multiPositive.js";

export const SUP_CON_DEFAULTS = { temperature: 0.1 } as const;

/** features [N, V, D] (normalised here), labels [N] int32 or null -> scalar loss */
export function supConLoss(
	features: tf.Tensor3D,
	labels: tf.Tensor1D | null,
	temperature: number = SUP_CON_DEFAULTS.temperature,
): tf.Scalar {
	checkTemperature("supConLoss", temperature);
	if (features.rank !== 3) throw new GenrepError(`supConLoss: features must be [N, V, D], got [${features.shape}]`);
	const [n, views, dim] = features.shape;
	if (n < 1 || views < 1) throw new GenrepError(`supConLoss: the batch is empty ([${features.shape}])`);
	if (labels && (labels.rank !== 1 || labels.shape[0] !== n)) {
		throw new GenrepError(`supConLoss: labels must be [${n}] (one per sample), got [${labels.shape}]`);
	}
	if (labels && labels.dtype !== "int32")
		throw new GenrepError(`supConLoss: labels must be int32, got ${labels.dtype}`);
	return tf.tidy(() => {
		const rows = tf.reshape(features, [n * views, dim]) as tf.Tensor2D; // [NV, D], row = sample * V + view
		const sample = consecutiveGroups(n, views); // [NV], the sample of each row
		const rowLabels = labels ? tf.gather(labels, sample) : sample; // [NV]
		return multiPositiveLoss(rows, rowLabels, temperature);
	});
}
