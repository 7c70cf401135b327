/**
 * Real images into networks: uint8 pixels become float tensors in [-1, 1] (the generators'
 * range: pixel p -> p / 127.5 - 1), fed in batches. Shared by generator quality (`gan eval`)
 * and representation evaluation (`genrep eval`).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ImageShape } from "../data/types.js";

/** Real uint8 pixels [n, H, W, C] -> a float tensor in [-1, 1] (the generators' range). */
export function realToTensor(pixels: Uint8Array, shape: ImageShape): tf.Tensor4D {
	const size = shape[0] * shape[1] * shape[2];
	const values = new Float32Array(pixels.length);
	for (let i = 0; i < pixels.length; i++) values[i] = pixels[i] / 127.5 - 1;
	return tf.tensor4d(values, [pixels.length / size, ...shape]);
}

export interface RealBatchOptions {
	/** Rows of `images` to feed, in this order; default all rows. */
	indices?: ArrayLike<number>;
	/** Images per batch; default 250. */
	batchSize?: number;
}

/**
 * Feeds real images [count, H, W, C] (uint8, row-major) batch by batch to `fn` as tensors
 * [b, H, W, C] in [-1, 1]; `start` is the position of the batch's first row among the rows fed.
 * Each batch tensor is disposed after `fn` returns.
 */
export async function forEachRealBatch(
	images: Uint8Array,
	shape: ImageShape,
	options: RealBatchOptions,
	fn: (batch: tf.Tensor4D, start: number) => Promise<void> | void,
): Promise<void> {
	const size = shape[0] * shape[1] * shape[2];
	const { indices } = options;
	const count = indices ? indices.length : images.length / size;
	const batchSize = options.batchSize ?? 250;
	for (let start = 0; start < count; start += batchSize) {
		const b = Math.min(batchSize, count - start);
		let pixels: Uint8Array;
		if (indices) {
			pixels = new Uint8Array(b * size);
			for (let i = 0; i < b; i++) {
				const row = indices[start + i];
				pixels.set(images.subarray(row * size, (row + 1) * size), i * size);
			}
		} else pixels = images.subarray(start * size, (start + b) * size);
		const batch = realToTensor(pixels, shape); // [b, H, W, C]
		try {
			await fn(batch, start);
		} finally {
			batch.dispose();
		}
	}
}
