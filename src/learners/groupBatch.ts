/**
 * Batches of the group methods (multipos): every member of every anchor's group (the anchor
 * and its K latent views) gets its own SimCLR pixel view (T_x), and the B x M images go to the
 * learner as one tensor, each anchor's M members consecutive.
 *
 * Batch size: `batchSize` counts anchors, as for every method; a step encodes B x M images
 * (pair methods: B x 2). The learning rate scales with B x M / 2, the pairs of a SimCLR batch
 * with as many images, so that a multipos step and a SimCLR step of equal image count run at
 * the same rate (and M = 2 is SimCLR's rule exactly). Memory grows with B x M: to compare at
 * a fixed memory and compute per step, hold B x M fixed (the `positives` preset does).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../engine/rng.js";
import type { SimclrAugment } from "../views/pixel/simclrAugment.js";
import type { LearnerBatch } from "./learner.js";
import type { RawGroupBatch } from "./sources/pool.js";

/** The batch size the learning rate scales with, for B anchors of M members each. */
export const groupLrBatchSize = (anchors: number, members: number): number => (anchors * members) / 2;

/** Pixel views of every member (one draw each from `rng`), or plain scaling: float32 [B * M, H, W, C] in [-1, 1]. */
export function groupViews(raw: RawGroupBatch, augment: SimclrAugment | null, rng: Rng): Float32Array {
	const shape = [raw.count * raw.members, ...raw.imageShape] as [number, number, number, number];
	if (!augment) return Float32Array.from(raw.images, (p) => p / 127.5 - 1);
	const unit = augment.apply(raw.images, shape, rng.fork("members")); // [B * M, H, W, C] in [0, 1]
	for (let i = 0; i < unit.length; i++) unit[i] = unit[i] * 2 - 1;
	return unit;
}

/** The learner batch of a group batch (call inside tf.tidy). */
export function groupTensors(
	views: Float32Array, // [B * M, H, W, C]
	raw: Pick<RawGroupBatch, "count" | "members" | "imageShape" | "y" | "z">,
): LearnerBatch {
	return {
		a: tf.tensor4d(views, [raw.count * raw.members, ...raw.imageShape]), // [B * M, H, W, C]
		members: raw.members,
		y: raw.y ? tf.tensor1d(raw.y, "int32") : undefined, // [B]
		z: raw.z ? tf.tensor2d(raw.z, [raw.count, raw.z.length / raw.count]) : undefined, // [B, d]
	};
}
