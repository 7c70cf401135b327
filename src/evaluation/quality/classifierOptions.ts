/**
 * The options of training the evaluation classifier (trainEvalClassifier, `genrep gan
 * train-eval-classifier`) as one zod schema: the library validates with it,
 * ClassifierTrainOptions is derived from it, and the CLI builds its flags from it. Light on
 * purpose (zod only), so `genrep --help` stays fast.
 */
import { z } from "zod";
import {
	flag,
	listOf,
	nonNegativeInt,
	nonNegativeNumber,
	numberChoice,
	numberIn,
	positiveInt,
	positiveNumber,
	seed,
	text,
} from "../../engine/options.js";

export interface ClassifierTrainProgress {
	epoch: number;
	step: number;
	steps: number;
	loss: number;
	lr: number;
	seconds: number;
	etaSeconds: number;
}

export const CLASSIFIER_TRAIN_DEFAULTS = {
	dataset: "fashion-mnist",
	epochs: 3,
	batchSize: 128,
	lr: 0.1,
	momentum: 0.9,
	weightDecay: 5e-4,
	warmupSteps: 100,
	augment: true,
	seed: 0,
	widths: [16, 32, 64],
	blocks: [1, 1, 1],
} as const;

const d = CLASSIFIER_TRAIN_DEFAULTS;

export const CLASSIFIER_TRAIN_OPTIONS = z.strictObject({
	/** A registered dataset name or an image-folder path. */
	dataset: text().default(d.dataset),
	/** Folder that holds the dataset's files (overrides GENREP_DATA_DIR). */
	dataDir: text().optional(),
	/** Output directory (classifier.safetensors + model.json). */
	out: text({ label: "out (the output directory)" }),
	epochs: positiveInt().default(d.epochs),
	batchSize: positiveInt().default(d.batchSize),
	/** Peak learning rate of SGD with Nesterov momentum. */
	lr: positiveNumber().default(d.lr),
	momentum: numberIn(0, 1, "[)").default(d.momentum),
	weightDecay: nonNegativeNumber().default(d.weightDecay),
	/** Linear warm-up steps before the cosine decay. */
	warmupSteps: nonNegativeInt().default(d.warmupSteps),
	/** Random flips and shifts of the training images. */
	augment: flag().default(d.augment),
	seed: seed().default(d.seed),
	/** ResNet stage widths and blocks; default [16, 32, 64] x [1, 1, 1]. */
	widths: listOf(positiveInt(), { min: 1 }).default([...d.widths]),
	blocks: listOf(positiveInt(), { min: 1 }).default([...d.blocks]),
	/** Train on the first `limit` training images only (tests). */
	limit: positiveInt().optional(),
	/** Measure test accuracy on the first `testLimit` test images only (tests). */
	testLimit: positiveInt().optional(),
	/** Read the dataset at SxS (scaled to fit, centred); default its own size. */
	imageSize: positiveInt().optional(),
	/** Read the dataset with 1 or 3 channels; default its own. */
	channels: numberChoice([1, 3]).optional(),
	/** Called after each logged step. */
	onProgress: z.custom<(progress: ClassifierTrainProgress) => void>((v) => typeof v === "function").optional(),
	/** The command line that started the run, for the card. */
	command: z.string().optional(),
});

export type ClassifierTrainOptions = z.input<typeof CLASSIFIER_TRAIN_OPTIONS>;
