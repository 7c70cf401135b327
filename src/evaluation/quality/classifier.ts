/**
 * Training the evaluation classifier (`genrep gan train-eval-classifier`) on a real dataset's
 * training split: its options, and the run that writes `classifier.safetensors` and
 * `model.json` (the card: architecture, dataset, test accuracy, the training command). The
 * model is in evalClassifier.ts, the training loop in fitClassifier.ts.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { initEngine } from "../../engine/backend.js";
import { GenrepError } from "../../errors.js";
import { writeFileAtomic } from "../../formats/atomicWrite.js";
import { saveParams } from "../../generators/checkpoint.js";
import { realToTensor } from "../realImages.js";
import { CLASSIFIER_CARD, CLASSIFIER_FORMAT, CLASSIFIER_WEIGHTS, type ClassifierCard } from "./evalClassifier.js";
import { fitClassifier } from "./fitClassifier.js";

export {
	CLASSIFIER_CARD,
	CLASSIFIER_FORMAT,
	CLASSIFIER_WEIGHTS,
	type ClassifierCard,
	classifierAccuracy,
	EvalClassifier,
	embedRealImages,
	loadEvalClassifier,
	SHIPPED_CLASSIFIER_DIR,
} from "./evalClassifier.js";
export { fitClassifier } from "./fitClassifier.js";
export { realToTensor };

export interface ClassifierTrainOptions {
	/** A registered dataset name or an image-folder path; default "fashion-mnist". */
	dataset?: string;
	dataDir?: string;
	/** Output directory (classifier.safetensors + model.json). */
	out: string;
	epochs?: number;
	batchSize?: number;
	/** Peak learning rate of SGD with Nesterov momentum. */
	lr?: number;
	momentum?: number;
	weightDecay?: number;
	/** Linear warm-up steps before the cosine decay. */
	warmupSteps?: number;
	/** Random flips and shifts of the training images. */
	augment?: boolean;
	seed?: number;
	/** ResNet stage widths and blocks; default [16, 32, 64] x [1, 1, 1]. */
	widths?: number[];
	blocks?: number[];
	/** Train on the first `limit` training images only (tests). */
	limit?: number;
	/** Measure test accuracy on the first `testLimit` test images only (tests). */
	testLimit?: number;
	/** Read the dataset at SxS (scaled to fit, centred); default its own size. */
	imageSize?: number;
	/** Read the dataset with 1 or 3 channels; default its own. */
	channels?: 1 | 3;
	/** Called after each logged step. */
	onProgress?: (progress: ClassifierTrainProgress) => void;
	/** The command line that started the run, for the card. */
	command?: string;
}

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

export type ResolvedClassifierTrainOptions = Readonly<{
	dataset: string;
	epochs: number;
	batchSize: number;
	lr: number;
	momentum: number;
	weightDecay: number;
	warmupSteps: number;
	augment: boolean;
	seed: number;
	widths: number[];
	blocks: number[];
	limit?: number;
	testLimit?: number;
	imageSize?: number;
	channels?: 1 | 3;
}>;

export function resolveClassifierTrainOptions(options: ClassifierTrainOptions): ResolvedClassifierTrainOptions {
	const known = new Set([
		...Object.keys(CLASSIFIER_TRAIN_DEFAULTS),
		"dataDir",
		"out",
		"limit",
		"testLimit",
		"imageSize",
		"channels",
		"onProgress",
		"command",
	]);
	for (const key of Object.keys(options)) {
		if (!known.has(key)) throw new GenrepError(`unknown classifier training option '${key}'`);
	}
	const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
	const r = {
		...CLASSIFIER_TRAIN_DEFAULTS,
		widths: [...CLASSIFIER_TRAIN_DEFAULTS.widths],
		blocks: [...CLASSIFIER_TRAIN_DEFAULTS.blocks],
		...defined,
	} as ClassifierTrainOptions & typeof CLASSIFIER_TRAIN_DEFAULTS;
	for (const key of ["epochs", "batchSize"] as const) {
		if (!Number.isInteger(r[key]) || r[key] < 1)
			throw new GenrepError(`${key} must be a positive integer, got ${r[key]}`);
	}
	for (const key of ["limit", "testLimit"] as const) {
		const v = r[key];
		if (v !== undefined && (!Number.isInteger(v) || v < 1))
			throw new GenrepError(`${key} must be a positive integer, got ${v}`);
	}
	if (!Number.isInteger(r.warmupSteps) || r.warmupSteps < 0) {
		throw new GenrepError(`warmupSteps must be a non-negative integer, got ${r.warmupSteps}`);
	}
	if (!(r.lr > 0) || !Number.isFinite(r.lr)) throw new GenrepError(`lr must be a positive number, got ${r.lr}`);
	if (!(r.momentum >= 0 && r.momentum < 1)) throw new GenrepError(`momentum must be in [0, 1), got ${r.momentum}`);
	if (!(r.weightDecay >= 0)) throw new GenrepError(`weightDecay must be >= 0, got ${r.weightDecay}`);
	if (!Number.isInteger(r.seed) || r.seed < 0 || r.seed > 0xffffffff) {
		throw new GenrepError(`seed must be an integer in [0, 2^32), got ${r.seed}`);
	}
	if (typeof r.out !== "string" || r.out === "") throw new GenrepError("out (the output directory) is required");
	return Object.freeze({
		dataset: r.dataset,
		epochs: r.epochs,
		batchSize: r.batchSize,
		lr: r.lr,
		momentum: r.momentum,
		weightDecay: r.weightDecay,
		warmupSteps: r.warmupSteps,
		augment: r.augment,
		seed: r.seed,
		widths: [...r.widths],
		blocks: [...r.blocks],
		...(r.limit !== undefined ? { limit: r.limit } : {}),
		...(r.testLimit !== undefined ? { testLimit: r.testLimit } : {}),
		...(r.imageSize !== undefined ? { imageSize: r.imageSize } : {}),
		...(r.channels !== undefined ? { channels: r.channels } : {}),
	});
}

export interface ClassifierTrainResult {
	out: string;
	testAccuracy: number;
	steps: number;
	seconds: number;
	card: ClassifierCard;
}

/** Trains the evaluation classifier on a dataset's training split; writes weights and card into `out`. */
export async function trainEvalClassifier(options: ClassifierTrainOptions): Promise<ClassifierTrainResult> {
	const o = resolveClassifierTrainOptions(options);
	await initEngine();
	const { loadDataset } = await import("../../data/datasets.js");
	const shapeOptions = { dataDir: options.dataDir, imageSize: o.imageSize, channels: o.channels };
	const train = await loadDataset(o.dataset, { split: "train", limit: o.limit, ...shapeOptions });
	const test = await loadDataset(o.dataset, { split: "test", limit: o.testLimit, ...shapeOptions });
	const { classifier, resnet, testAccuracy, steps, seconds } = await fitClassifier(train, test, o, options.onProgress);
	try {
		const weightsPath = join(options.out, CLASSIFIER_WEIGHTS);
		await saveParams(weightsPath, classifier.store, { format: CLASSIFIER_FORMAT });
		const card: ClassifierCard = {
			format: CLASSIFIER_FORMAT,
			architecture: "resnet",
			resnet,
			dataset: o.dataset,
			numClasses: classifier.numClasses,
			classNames: train.classNames,
			imageShape: [...train.shape],
			valueRange: [-1, 1],
			featureDim: classifier.featureDim,
			testAccuracy,
			trainImages: train.count,
			testImages: test.count,
			weightsSha256: createHash("sha256")
				.update(await readFile(weightsPath))
				.digest("hex"),
			training: {
				...o,
				steps,
				seconds: Number(seconds.toFixed(1)),
				...(options.command ? { command: options.command } : {}),
			},
		};
		await writeFileAtomic(join(options.out, CLASSIFIER_CARD), Buffer.from(`${JSON.stringify(card, null, 2)}\n`));
		return { out: options.out, testAccuracy, steps, seconds, card };
	} finally {
		classifier.dispose();
	}
}
