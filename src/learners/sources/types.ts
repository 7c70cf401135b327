/** The training-data sources of `genrep train`: their options (zod schemas, types derived) and the opened objects. */
import { z } from "zod";
import { flag, numberChoice, positiveInt, positiveNumber, probability, showValue, text } from "../../engine/options.js";
import type { RawBatch, RawGroupBatch } from "./pool.js";

/** Real images (the paper's real-data baselines): every item is one image with its label. */
export const REAL_SOURCE = z.strictObject({
	kind: z.literal("real"),
	/** A registered dataset name or an image-folder path. */
	dataset: text(),
	/** Folder that holds the dataset files (overrides GENREP_DATA_DIR). */
	dataDir: text().optional(),
	/** Use only the first `limit` training images. */
	limit: positiveInt().optional(),
	/** Read the images at SxS (scaled to fit, centred); default their own size. */
	imageSize: positiveInt().optional(),
	/** Read the images with 1 or 3 channels; default their own. */
	channels: numberChoice([1, 3]).optional(),
});
export type RealSourceOptions = z.input<typeof REAL_SOURCE>;

/** A stored multiview dataset (`genrep views generate`): anchors with K latent views each. */
export const STORED_SOURCE = z.strictObject({
	kind: z.literal("stored"),
	dir: text(),
	/** Pair each anchor with one of its latent views (default true); false pairs it with itself (T_z = none). */
	latentViews: flag().optional(),
	/** Use only the first K stored latent views of each anchor (1 <= K <= stored); default all. */
	neighbors: positiveInt().optional(),
});
export type StoredSourceOptions = z.input<typeof STORED_SOURCE>;

/** A live stream from a generator: fresh anchors and K latent views each, every step. */
export const LIVE_SOURCE = z.strictObject({
	kind: z.literal("live"),
	/** A shipped generator name or a model directory. */
	generator: text(),
	/** The latent view: `{ kind: "gaussian", sigma: 0.5 }`, `{ kind: "none" }`, ... (checked by the view). */
	view: z.custom<{ kind: string } & Record<string, unknown>>(
		(v) => typeof v === "object" && v !== null && typeof (v as { kind?: unknown }).kind === "string",
		{
			error: (issue) =>
				`view must be a latent view such as { kind: "gaussian", sigma: 0.5 }, got ${showValue(issue.input)}`,
		},
	),
	/** Truncation of the anchors' N_t(0, 1, t); default 2. */
	truncation: positiveNumber().optional(),
	/** K: latent views generated per anchor (default 1); pair methods use one of them per step. */
	neighbors: positiveInt({ label: "neighbors (latent views per anchor)" }).optional(),
	/** Anchors that count as one epoch (for checkpoints and the schedule); default 60000. */
	epochSize: positiveInt().optional(),
});
export type LiveSourceOptions = z.input<typeof LIVE_SOURCE>;

/** Real images with a fraction replaced by generated anchors and their views (appendix F). */
export const MIXED_SOURCE = REAL_SOURCE.extend({
	kind: z.literal("mixed"),
	/** A stored multiview dataset that supplies the generated items. */
	generated: text(),
	/** Fraction of the real items replaced, in [0, 1]. */
	fraction: probability({ label: "the fraction of generated images" }),
});
export type MixedSourceOptions = z.input<typeof MIXED_SOURCE>;

/** The schema of each source kind. */
export const SOURCE_OPTIONS = {
	real: REAL_SOURCE,
	stored: STORED_SOURCE,
	live: LIVE_SOURCE,
	mixed: MIXED_SOURCE,
} as const;

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
