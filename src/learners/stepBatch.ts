/**
 * The batch of one training step on the host: the source's images of step s with their pixel
 * views (T_x) drawn from the run's `pixels-s` stream, as float32 arrays, and the tensors the
 * learner takes made from them. A step's batch depends only on (seed, step, config), so it
 * can be prepared anywhere (on the training thread, or ahead of time in a worker thread, see
 * batchFeed.ts) and comes out the same.
 */
import * as tf from "@tensorflow/tfjs-core";
import { resizeImages } from "../data/resize.js";
import type { ImageShape } from "../data/types.js";
import type { Rng } from "../engine/rng.js";
import { GenrepError } from "../errors.js";
import type { SimclrAugment } from "../views/pixel/simclrAugment.js";
import { groupTensors, groupViews } from "./groupBatch.js";
import type { LearnerBatch } from "./learner.js";
import type { TrainingSource } from "./sources/index.js";
import type { RawBatch } from "./sources/pool.js";

/** What a step's batch is made of: the same on every thread that prepares one. */
export interface StepBatchPlan {
	/** Anchors per step. */
	batchSize: number;
	/** Group methods (multipos): every member of every anchor's group; else pairs. */
	group: boolean;
	/** Pair methods: 1 (one view) or 2 (two views). */
	views: number;
	/** [S, S, C] the encoder takes. */
	inputShape: ImageShape;
}

/** A step's batch on the host, ready for tensors (every array is its own buffer, so it can be transferred). */
export interface HostBatch {
	count: number;
	/** M for a group batch (views holds [B * M, S, S, C]); 0 for pairs. */
	members: number;
	a: Float32Array; // [B, S, S, C] (group: [B * M, S, S, C]) in [-1, 1]
	b: Float32Array | null; // [B, S, S, C], the second view of a pair
	y: Int32Array | null; // [B]
	z: Float32Array | null; // [B, d], latents of the anchors
}

/** Step `step`'s batch: the source's images and their pixel views from `runRng.fork(pixels-step)`. */
export async function prepareStepBatch(
	source: TrainingSource,
	augment: SimclrAugment | null,
	plan: StepBatchPlan,
	runRng: Rng,
	step: number,
): Promise<HostBatch> {
	const pixelRng = runRng.fork(`pixels-${step}`);
	const { inputShape } = plan;
	if (plan.group) {
		const raw = await (source.groups as NonNullable<TrainingSource["groups"]>)(step, plan.batchSize);
		if (!augment && raw.imageShape.join("x") !== inputShape.join("x")) {
			throw new GenrepError(
				`--image-size ${inputShape[0]} with --neighbors needs pixel views to resize the ${raw.imageShape.join("x")} images; drop --no-pixel-views or --image-size`,
			);
		}
		const views = groupViews(raw, augment, pixelRng); // [B * M, S, S, C]
		return { count: raw.count, members: raw.members, a: views, b: null, y: raw.y, z: raw.z };
	}
	const raw = await source.batch(step, plan.batchSize);
	const views = makeViews(raw, plan.views, augment, inputShape, pixelRng);
	return { count: raw.count, members: 0, a: views.a, b: views.b, y: raw.y, z: raw.z };
}

/** The learner's tensors of a host batch (call inside tf.tidy). */
export function stepBatchTensors(batch: HostBatch, inputShape: ImageShape): LearnerBatch {
	if (batch.members > 0) {
		const { count, members, y, z } = batch;
		return groupTensors(batch.a, { count, members, imageShape: inputShape, y, z });
	}
	const shape = [batch.count, ...inputShape] as [number, number, number, number];
	return {
		a: tf.tensor4d(batch.a, shape),
		b: batch.b ? tf.tensor4d(batch.b, shape) : undefined,
		y: batch.y ? tf.tensor1d(batch.y, "int32") : undefined,
		z: batch.z ? tf.tensor2d(batch.z, [batch.count, batch.z.length / batch.count]) : undefined,
	};
}

/** Pixel views (or a plain resize to `input`) of the views a method uses, drawn from `rng`. */
function makeViews(
	raw: RawBatch,
	views: number,
	augment: SimclrAugment | null,
	input: ImageShape,
	rng: Rng,
): { a: Float32Array; b: Float32Array | null } {
	const shape = [raw.count, ...raw.imageShape] as [number, number, number, number];
	const one = (pixels: Uint8Array, label: string): Float32Array => {
		if (!augment) {
			const resized = resizeImages(pixels, raw.count, raw.imageShape, input); // [B, S, S, C]
			return Float32Array.from(resized, (p) => p / 127.5 - 1);
		}
		const unit = augment.apply(pixels, shape, rng.fork(label)); // [B, S, S, C] in [0, 1]
		for (let i = 0; i < unit.length; i++) unit[i] = unit[i] * 2 - 1;
		return unit;
	};
	return { a: one(raw.a, "a"), b: views > 1 ? one(raw.b, "b") : null };
}
