/** The walk objective as a tfjs graph (masked MSE) and its gradient in w by autodiff through G (tfjs generators). */
import * as tf from "@tensorflow/tfjs-core";
import type { Generator } from "../../generators/generator.js";
import type { DifferentiableGenerator } from "./differentiable.js";
import { type EditBatch, editBatch } from "./editBatch.js";
import type { PixelEditName } from "./pixelEdits.js";
import type { WalkGradient } from "./walkGradient.js";

/**
 * Masked MSE: sum(mask (a - b)^2) / (sum(mask) C); a, b [B, H, W, C], mask [B, H, W, 1] -> a
 * scalar (the mask's weight floored at 1, so an empty mask gives 0).
 */
export function maskedMse(a: tf.Tensor4D, b: tf.Tensor4D, mask: tf.Tensor4D): tf.Scalar {
	return tf.tidy(() => {
		const channels = a.shape[3];
		const sq = tf.mul(tf.square(tf.sub(a, b)), mask); // [B, H, W, C]
		return tf.div(tf.sum(sq), tf.maximum(tf.mul(tf.sum(mask), channels), 1)) as tf.Scalar;
	});
}

/** G(z + s w) for the batch: z [B, d], s [B], w [d] -> [B, H, W, C]. */
function steered(
	generator: DifferentiableGenerator,
	z: tf.Tensor2D,
	steps: tf.Tensor2D, // [B, 1]
	w: tf.Tensor1D,
	y: tf.Tensor1D | undefined,
): tf.Tensor4D {
	return generator.forward(tf.add(z, tf.mul(steps, tf.reshape(w, [1, -1]))) as tf.Tensor2D, y); // [B, H, W, C]
}

/** Batch tensors of an EditBatch; the caller disposes them. */
function batchTensors(generator: Generator, batch: EditBatch) {
	const b = batch.steps.length;
	const [h, w, c] = generator.imageShape;
	return {
		z: tf.tensor2d(batch.z, [b, generator.latentDim]), // [B, d]
		steps: tf.tensor2d(batch.steps, [b, 1]), // [B, 1]
		y: batch.labels ? tf.tensor1d(batch.labels, "int32") : undefined, // [B]
		target: tf.tensor4d(batch.target, [b, h, w, c]), // [B, H, W, C]
		mask: tf.tensor4d(batch.mask, [b, h, w, 1]), // [B, H, W, 1]
	};
}

/** The objective's gradient through G's graph (tfjs generators). */
export function autodiffWalkGradient(
	generator: DifferentiableGenerator,
	name: PixelEditName,
	unit: number,
): WalkGradient {
	return async ({ z, labels, alphas }, w) => {
		const batch = await editBatch(generator, name, unit, z, labels, alphas);
		const t = batchTensors(generator, batch);
		const wTensor = tf.tensor1d(w);
		const { value, grad } = tf.tidy(() =>
			tf.valueAndGrad((walk: tf.Tensor1D) => maskedMse(steered(generator, t.z, t.steps, walk, t.y), t.target, t.mask))(
				wTensor,
			),
		);
		const [loss] = await value.data();
		const g = (await grad.data()) as Float32Array;
		tf.dispose([value, grad, wTensor, t.z, t.steps, t.target, t.mask, ...(t.y ? [t.y] : [])]);
		return { loss, grad: g };
	};
}
