/**
 * The inverter objective: regress the latent z from the generated image, mean squared error
 * over all elements; for a conditional generator, plus the cross-entropy of class logits
 * against y (both terms weighted 1).
 */
import * as tf from "@tensorflow/tfjs-core";
import { GenrepError } from "../../errors.js";
import { checkLabels, crossEntropy } from "./classifier.js";

/** predZ [N, d], z [N, d], optional logits [N, C] with y [N] int32 -> scalar loss */
export function inverterLoss(predZ: tf.Tensor2D, z: tf.Tensor2D, logits?: tf.Tensor2D, y?: tf.Tensor1D): tf.Scalar {
	if (predZ.rank !== 2 || predZ.shape.join(",") !== z.shape.join(",") || predZ.shape[0] < 1) {
		throw new GenrepError(`inverterLoss: predZ and z must both be [N, d], got [${predZ.shape}] and [${z.shape}]`);
	}
	if ((logits === undefined) !== (y === undefined)) {
		throw new GenrepError(`inverterLoss: give logits and y together or neither (got ${logits ? "logits" : "y"} only)`);
	}
	const n = predZ.shape[0];
	if (logits && y) {
		if (logits.rank !== 2 || logits.shape[0] !== n) {
			throw new GenrepError(`inverterLoss: logits must be [${n}, C], got [${logits.shape}]`);
		}
		checkLabels("inverterLoss", y, n, logits.shape[1]);
	}
	return tf.tidy(() => {
		const mse = tf.mean(tf.squaredDifference(predZ, z)) as tf.Scalar;
		return logits && y ? (tf.add(mse, crossEntropy(logits, y)) as tf.Scalar) : mse;
	});
}
