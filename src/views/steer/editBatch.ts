/** One batch of walk training or measurement: z, classes, alphas, G(z) and its edit with the mask, and the steered G(z + s w). */
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../../engine/rng.js";
import type { Generator } from "../../generators/generator.js";
import type { DifferentiableGenerator } from "./differentiable.js";
import { latentStep, PIXEL_EDITS, type PixelEditName } from "./pixelEdits.js";

/** z, classes and alphas of one batch, and the edited targets with their masks (host). */
export interface EditBatch {
	z: Float32Array; // [B, d]
	labels: Int32Array | null; // [B]
	steps: Float32Array; // [B] latent coefficient of each alpha
	base: Float32Array; // [B, H, W, C] G(z)
	target: Float32Array; // [B, H, W, C] edit(G(z), alpha)
	mask: Float32Array; // [B, H, W]
}

export function editBatch(
	generator: DifferentiableGenerator,
	name: PixelEditName,
	unit: number,
	z: Float32Array,
	labels: Int32Array | null,
	alphas: number[],
): EditBatch {
	const b = alphas.length;
	const [h, w, c] = generator.imageShape;
	const base = tf.tidy(() => {
		const y = labels ? tf.tensor1d(labels, "int32") : undefined;
		return generator.forward(tf.tensor2d(z, [b, generator.latentDim]), y).dataSync() as Float32Array; // [B, H, W, C]
	});
	const target = new Float32Array(base.length);
	const mask = new Float32Array(b * h * w);
	const edit = PIXEL_EDITS[name];
	for (let i = 0; i < b; i++) {
		edit.apply(
			base.subarray(i * h * w * c, (i + 1) * h * w * c),
			[h, w, c],
			alphas[i],
			target.subarray(i * h * w * c, (i + 1) * h * w * c),
			mask.subarray(i * h * w, (i + 1) * h * w),
		);
	}
	const steps = Float32Array.from(alphas, (a) => latentStep(name, a, unit));
	return { z, labels, steps, base, target, mask };
}

/**
 * Masked MSE: sum(mask (a - b)^2) / (sum(mask) C); a, b [B, H, W, C], mask [B, H, W, 1].
 * Returns the scalar and the mask's weight.
 */
export function maskedMse(a: tf.Tensor4D, b: tf.Tensor4D, mask: tf.Tensor4D): tf.Scalar {
	return tf.tidy(() => {
		const channels = a.shape[3];
		const sq = tf.mul(tf.square(tf.sub(a, b)), mask); // [B, H, W, C]
		return tf.div(tf.sum(sq), tf.maximum(tf.mul(tf.sum(mask), channels), 1)) as tf.Scalar;
	});
}

/** G(z + s w) for the batch: z [B, d], s [B], w [d] -> [B, H, W, C]. */
export function steered(
	generator: DifferentiableGenerator,
	z: tf.Tensor2D,
	steps: tf.Tensor2D, // [B, 1]
	w: tf.Tensor1D,
	y: tf.Tensor1D | undefined,
): tf.Tensor4D {
	return generator.forward(tf.add(z, tf.mul(steps, tf.reshape(w, [1, -1]))) as tf.Tensor2D, y); // [B, H, W, C]
}

/** Batch tensors of an EditBatch; the caller disposes them. */
export function batchTensors(generator: Generator, batch: EditBatch) {
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

export function drawLabels(rng: Rng, generator: Generator, n: number): Int32Array | null {
	return generator.numClasses > 0 ? Int32Array.from({ length: n }, () => rng.int(generator.numClasses)) : null;
}
