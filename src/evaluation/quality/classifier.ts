/**
 * Training the evaluation classifier (`genrep gan train-eval-classifier`) on a real dataset's
 * training split: its options, and the run that writes `classifier.safetensors` and
 * `model.json` (the card: architecture, dataset, test accuracy, the training command). The
 * model is in evalClassifier.ts, the training loop in fitClassifier.ts.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { z } from "zod";
import { initEngine } from "../../engine/backend.js";
import { parseOptions } from "../../engine/options.js";
import { writeFileAtomic } from "../../formats/atomicWrite.js";
import { saveParams } from "../../generators/checkpoint.js";
import { realToTensor } from "../realImages.js";
import { CLASSIFIER_TRAIN_OPTIONS, type ClassifierTrainOptions } from "./classifierOptions.js";
import { CLASSIFIER_CARD, CLASSIFIER_FORMAT, CLASSIFIER_WEIGHTS, type ClassifierCard } from "./evalClassifier.js";
import { fitClassifier } from "./fitClassifier.js";

export {
	CLASSIFIER_TRAIN_DEFAULTS,
	type ClassifierTrainOptions,
	type ClassifierTrainProgress,
} from "./classifierOptions.js";
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

/** The validated options the training loop and the card's training record take. */
export type ResolvedClassifierTrainOptions = Readonly<
	Omit<z.output<typeof CLASSIFIER_TRAIN_OPTIONS>, "dataDir" | "out" | "onProgress" | "command">
>;

/** Validates the options against CLASSIFIER_TRAIN_OPTIONS (errors name the bad value) and fills in the defaults. */
export function resolveClassifierTrainOptions(options: ClassifierTrainOptions): ResolvedClassifierTrainOptions {
	const r = parseOptions(CLASSIFIER_TRAIN_OPTIONS, options, "classifier training");
	// The card's training record keeps this key order.
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
