/** Batches of the pair methods: SimCLR pixel views (T_x), or a plain resize, of each view a method uses, as tensors. */
import * as tf from "@tensorflow/tfjs-core";
import { resizeImages } from "../data/resize.js";
import type { ImageShape } from "../data/types.js";
import type { Rng } from "../engine/rng.js";
import { SimclrAugment } from "../views/pixel/simclrAugment.js";
import type { LearnerBatch } from "./learner.js";
import type { RawBatch } from "./sources/pool.js";
import type { ResolvedTrainOptions } from "./trainOptions.js";

/** The pixel views at the encoder's input size (null without pixel views). */
export function pixelAugment(o: ResolvedTrainOptions, size: number): SimclrAugment | null {
	if (o.pixelViews === false) return null;
	return new SimclrAugment({ ...(o.pixelViews === true ? {} : o.pixelViews), outputSize: size });
}

export interface Views {
	a: Float32Array; // [B, H, W, C] in [-1, 1]
	b: Float32Array | null;
}

/** Pixel views (or a plain resize to `input`) of the views a method uses, drawn from `rng`. */
export function makeViews(
	raw: RawBatch,
	views: number,
	augment: SimclrAugment | null,
	input: ImageShape,
	rng: Rng,
): Views {
	const shape = [raw.count, ...raw.imageShape] as [number, number, number, number];
	const one = (pixels: Uint8Array, label: string): Float32Array => {
		if (!augment) {
			const resized = resizeImages(pixels, raw.count, raw.imageShape, input); // [B, S, S, C]
			return Float32Array.from(resized, (p) => p / 127.5 - 1);
		}
		const unit = augment.apply(pixels, shape, rng.fork(label)); // [B, H, W, C] in [0, 1]
		for (let i = 0; i < unit.length; i++) unit[i] = unit[i] * 2 - 1;
		return unit;
	};
	return { a: one(raw.a, "a"), b: views > 1 ? one(raw.b, "b") : null };
}

export function toTensors(views: Views, raw: RawBatch, input: ImageShape): LearnerBatch {
	const shape = [raw.count, ...input] as [number, number, number, number];
	return {
		a: tf.tensor4d(views.a, shape),
		b: views.b ? tf.tensor4d(views.b, shape) : undefined,
		y: raw.y ? tf.tensor1d(raw.y, "int32") : undefined,
		z: raw.z ? tf.tensor2d(raw.z, [raw.count, raw.z.length / raw.count]) : undefined,
	};
}
