/** The training-data sources of `genrep train`, as options and as opened objects. */
import type { RawBatch, RawGroupBatch } from "./pool.js";

/** Real images (the paper's real-data baselines): every item is one image with its label. */
export interface RealSourceOptions {
	kind: "real";
	/** A registered dataset name or an image-folder path. */
	dataset: string;
	dataDir?: string;
	/** Use only the first `limit` training images. */
	limit?: number;
	/** Read the images at SxS (scaled to fit, centred); default their own size. */
	imageSize?: number;
	/** Read the images with 1 or 3 channels; default their own. */
	channels?: 1 | 3;
}

/** A stored multiview dataset (`genrep views generate`): anchors with K latent views each. */
export interface StoredSourceOptions {
	kind: "stored";
	dir: string;
	/** Pair each anchor with one of its latent views (default true); false pairs it with itself (T_z = none). */
	latentViews?: boolean;
	/** Use only the first K stored latent views of each anchor (1 <= K <= stored); default all. */
	neighbors?: number;
}

/** A live stream from a generator: fresh anchors and K latent views each, every step. */
export interface LiveSourceOptions {
	kind: "live";
	/** A shipped generator name or a model directory. */
	generator: string;
	/** The latent view: `{ kind: "gaussian", sigma: 0.5 }`, `{ kind: "none" }`, ... */
	view: { kind: string } & Record<string, unknown>;
	/** Truncation of the anchors' N_t(0, 1, t); default 2. */
	truncation?: number;
	/** K: latent views generated per anchor (default 1); pair methods use one of them per step. */
	neighbors?: number;
	/** Anchors that count as one epoch (for checkpoints and the schedule); default 60000. */
	epochSize?: number;
}

/** Real images with a fraction replaced by generated anchors and their views (appendix F). */
export interface MixedSourceOptions {
	kind: "mixed";
	dataset: string;
	dataDir?: string;
	limit?: number;
	imageSize?: number;
	channels?: 1 | 3;
	/** A stored multiview dataset that supplies the generated items. */
	generated: string;
	/** Fraction of the real items replaced, in [0, 1]. */
	fraction: number;
}

export type DataSourceOptions = RealSourceOptions | StoredSourceOptions | LiveSourceOptions | MixedSourceOptions;

/** An opened source: deterministic batches by step. */
export interface TrainingSource {
	readonly kind: DataSourceOptions["kind"];
	/** One line for logs and cards. */
	readonly description: string;
	readonly imageShape: [number, number, number];
	/** Classes of the labels it yields; 0 = no labels. */
	readonly numClasses: number;
	/** Size of the latents it yields; 0 = none (real images). */
	readonly latentDim: number;
	/** Items per epoch. */
	readonly epochSize: number;
	/** K: latent views it keeps of each anchor; 0 = none (real images, T_z = none). */
	readonly neighbors: number;
	/** The batch of step `step`: depends only on (seed, step, batchSize). */
	batch(step: number, batchSize: number): Promise<RawBatch>;
	/**
	 * The same anchors as `batch` with all K latent views of each (the multi-positive method);
	 * only sources with neighbors >= 1 have it.
	 */
	groups?(step: number, batchSize: number): Promise<RawGroupBatch>;
	dispose(): void;
}
