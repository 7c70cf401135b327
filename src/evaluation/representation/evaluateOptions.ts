/**
 * The options of representation evaluation (evaluateRepresentation, `genrep eval`) as one zod
 * schema: the library validates with it, EvaluateOptions is derived from it, and the CLI builds
 * its flags from it. Light on purpose (zod only), so `genrep --help` stays fast; the linear
 * probe's options come from its own schema, and the kNN and low-shot defaults equal
 * KNN_DEFAULTS and LOW_SHOT_DEFAULTS (knn.ts and lowShot.ts load tfjs), which
 * test/engine/options.test.ts checks.
 */
import { z } from "zod";
import { listOf, numberChoice, positiveInt, seed, text } from "../../engine/options.js";
import { LINEAR_PROBE_DEFAULTS, LINEAR_PROBE_OPTIONS } from "./linearProbeOptions.js";

export interface EvalProgress {
	dataset: string;
	stage: "features" | "linear probe" | "knn" | "low-shot";
	done: number;
	total: number;
	seconds: number;
	etaSeconds: number;
}

export const EVALUATE_DEFAULTS = {
	dataset: "fashion-mnist",
	seed: 0,
	batchSize: 250,
	/** KNN_DEFAULTS.k */
	k: 20,
	/** LOW_SHOT_DEFAULTS.shots */
	shots: [10, 100],
	/** LOW_SHOT_DEFAULTS.draws */
	draws: 5,
	weightDecays: LINEAR_PROBE_DEFAULTS.weightDecays,
	validationFraction: LINEAR_PROBE_DEFAULTS.validationFraction,
	maxIterations: LINEAR_PROBE_DEFAULTS.maxIterations,
} as const;

const d = EVALUATE_DEFAULTS;

export const EVALUATE_OPTIONS = z.strictObject({
	/** A training run directory, `random:<encoder>` or `pixels`. */
	encoder: text({ hint: "a training run directory, random:<encoder> or pixels" }),
	/** The dataset whose splits the probes train and test on; default fashion-mnist. */
	dataset: text().default(d.dataset),
	/** A second dataset to transfer to (the same probes on its splits). */
	transfer: text().optional(),
	/** Folder that holds the dataset files (overrides GENREP_DATA_DIR). */
	dataDir: text().optional(),
	/** Read the datasets at this size (S for SxS, or [H, W]); default their own (see data/datasets.ts). */
	imageSize: z.union([positiveInt(), z.tuple([positiveInt(), positiveInt()])]).optional(),
	/** Read the datasets with 1 or 3 channels; default their own. */
	channels: numberChoice([1, 3]).optional(),
	/** Seed of the subsets, the validation splits, the low-shot draws and a random encoder's weights. */
	seed: seed().default(d.seed),
	/** Use a seeded class-balanced subset of this many training images (per dataset). */
	trainLimit: positiveInt().optional(),
	/** Use a seeded class-balanced subset of this many test images (per dataset). */
	testLimit: positiveInt().optional(),
	/** Images per forward pass. */
	batchSize: positiveInt().default(d.batchSize),
	/** kNN neighbours. */
	k: positiveInt().default(d.k),
	/** Low-shot labelled images per class. */
	shots: listOf(positiveInt()).default([...d.shots]),
	/** Low-shot draws per shot count. */
	draws: positiveInt().default(d.draws),
	/** Weight-decay grid of the linear probes (distinct values). */
	weightDecays: LINEAR_PROBE_OPTIONS.shape.weightDecays,
	/** Share of each class held out to choose the weight decay. */
	validationFraction: LINEAR_PROBE_OPTIONS.shape.validationFraction,
	/** L-BFGS iterations per probe fit at most. */
	maxIterations: LINEAR_PROBE_OPTIONS.shape.maxIterations,
	/** Write metrics.json here (atomically). */
	out: text().optional(),
	/** The command line, recorded in the metrics. */
	command: z.string().optional(),
	onProgress: z.custom<(progress: EvalProgress) => void>((v) => typeof v === "function").optional(),
});

export type EvaluateOptions = z.input<typeof EVALUATE_OPTIONS>;
