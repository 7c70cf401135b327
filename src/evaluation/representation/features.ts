/**
 * Frozen features of real images. A FeatureExtractor maps images [N, H, W, C] in [-1, 1] (real
 * pixels p -> p / 127.5 - 1, the generators' range) to features [N, D]: an encoder's backbone
 * in inference mode (batch norm with its running statistics), or the flattened pixels
 * themselves (the raw-pixel baseline). `extractFeatures` runs one over a dataset split in
 * batches and returns the features on the host.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ImageShape } from "../../data/types.js";
import { GenrepError } from "../../errors.js";
import type { ResNet } from "../../learners/encoders/resnet.js";
import { forEachRealBatch } from "../realImages.js";

/** Maps images to features; called inside tf.tidy, must not keep tensors. */
export interface FeatureExtractor {
	/** What the features are, for reports ("pixels", "resnet-tiny backbone"). */
	readonly description: string;
	/** images [N, H, W, C] in [-1, 1] -> features [N, D] */
	apply(images: tf.Tensor4D): tf.Tensor2D;
}

/** Labelled features on the host: `features` is row-major [count, dim]. */
export interface FeatureSet {
	features: Float32Array;
	labels: Int32Array;
	count: number;
	dim: number;
}

/** A probe's precondition: train and test features of the same dimension, else a GenrepError naming both. */
export function checkSameFeatureDim(train: FeatureSet, test: FeatureSet): void {
	if (train.dim !== test.dim) {
		throw new GenrepError(`train features have ${train.dim} dimensions but test features ${test.dim}`);
	}
}

/** The raw-pixel baseline: features are the flattened pixels in [-1, 1] (D = H * W * C). */
export function pixelFeatures(): FeatureExtractor {
	return {
		description: "pixels",
		apply: (images) => tf.reshape(images, [images.shape[0], -1]) as tf.Tensor2D, // [N, H*W*C]
	};
}

/** An encoder's backbone features (global-average-pooled last stage), batch norm in inference mode. */
export function encoderFeatures(encoder: ResNet, description = "encoder backbone"): FeatureExtractor {
	return { description, apply: (images) => encoder.apply(images, false) }; // [N, featureDim]
}

export interface ExtractFeaturesOptions {
	/** Rows of the dataset to embed, in this order; default all. */
	indices?: ArrayLike<number>;
	/** Images per forward pass; default 250. */
	batchSize?: number;
	/** Called after each batch with the images embedded so far. */
	onBatch?: (done: number, total: number) => void;
}

/**
 * Features of real images [count, H, W, C] (uint8) with their labels: rows `indices` (or all),
 * in that order.
 */
export async function extractFeatures(
	extractor: FeatureExtractor,
	data: { images: Uint8Array; labels: Int32Array; shape: ImageShape },
	options: ExtractFeaturesOptions = {},
): Promise<FeatureSet> {
	const size = data.shape[0] * data.shape[1] * data.shape[2];
	const rows = options.indices ?? Int32Array.from({ length: data.images.length / size }, (_, i) => i);
	const count = rows.length;
	const batchSize = options.batchSize ?? 250;
	if (!Number.isInteger(batchSize) || batchSize < 1) {
		throw new GenrepError(`batch size must be a positive integer, got ${batchSize}`);
	}
	const labels = Int32Array.from({ length: count }, (_, i) => data.labels[rows[i]]);
	let features = new Float32Array(0);
	let dim = 0;
	await forEachRealBatch(data.images, data.shape, { indices: rows, batchSize }, async (batch, start) => {
		const out = tf.tidy(() => extractor.apply(batch)); // [b, D]
		try {
			const values = (await out.data()) as Float32Array;
			if (start === 0) {
				dim = out.shape[1];
				features = new Float32Array(count * dim);
			}
			features.set(values, start * dim);
		} finally {
			out.dispose();
		}
		options.onBatch?.(start + batch.shape[0], count);
	});
	return { features, labels, count, dim };
}

/** The rows `rows` of a feature set, in that order. */
export function featureRows(set: FeatureSet, rows: ArrayLike<number>): FeatureSet {
	const features = new Float32Array(rows.length * set.dim);
	const labels = new Int32Array(rows.length);
	for (let i = 0; i < rows.length; i++) {
		const r = rows[i];
		features.set(set.features.subarray(r * set.dim, (r + 1) * set.dim), i * set.dim);
		labels[i] = set.labels[r];
	}
	return { features, labels, count: rows.length, dim: set.dim };
}
