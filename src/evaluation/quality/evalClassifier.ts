/**
 * The evaluation classifier: a small ResNet + linear head whose pooled penultimate features are
 * the space generator quality is measured in (as FID uses Inception's pool3), and whose
 * predictions give class consistency. A classifier directory holds `classifier.safetensors`
 * (weights and batch-norm statistics) and `model.json` (the card).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { initEngine } from "../../engine/backend.js";
import { Dense } from "../../engine/nn/layers.js";
import type { ParamStore } from "../../engine/nn/params.js";
import { fileError } from "../../errors.js";
import { loadParams } from "../../generators/checkpoint.js";
import { modelsDir } from "../../generators/registry.js";
import { ResNet, type ResNetConfig } from "../../learners/encoders/resnet.js";
import { forEachRealBatch } from "../realImages.js";
import type { ResolvedClassifierTrainOptions } from "./classifier.js";

export const CLASSIFIER_FORMAT = "genrep-eval-classifier/1";
export const CLASSIFIER_WEIGHTS = "classifier.safetensors";
export const CLASSIFIER_CARD = "model.json";

/** The shipped Fashion-MNIST evaluation classifier (models/ at the package root, from src/ or dist/). */
export const SHIPPED_CLASSIFIER_DIR = join(modelsDir(), "fashion-mnist-classifier");

/** The card (model.json) of an evaluation classifier. */
export interface ClassifierCard {
	format: typeof CLASSIFIER_FORMAT;
	architecture: "resnet";
	resnet: ResNetConfig;
	/** The real dataset it was trained on; its test split is the reference of `gan eval`. */
	dataset: string;
	numClasses: number;
	classNames: string[];
	imageShape: [number, number, number];
	/** Inputs are images in this range (generator outputs; real pixels p map to p / 127.5 - 1). */
	valueRange: [number, number];
	featureDim: number;
	/** Top-1 accuracy on the dataset's full test split. */
	testAccuracy: number;
	trainImages: number;
	testImages: number;
	/** sha256 of classifier.safetensors, so metrics can name the exact classifier. */
	weightsSha256: string;
	training: ResolvedClassifierTrainOptions & { steps: number; seconds: number; command?: string };
	[key: string]: unknown;
}

/** A trained evaluation classifier: features and predictions of images in [-1, 1]. */
export class EvalClassifier {
	readonly encoder: ResNet;
	readonly head: Dense;
	readonly featureDim: number;

	constructor(
		readonly resnet: ResNetConfig,
		readonly numClasses: number,
		seed = 0,
		/** The card, when loaded from a directory. */
		readonly card?: ClassifierCard,
		/** The directory it was loaded from. */
		readonly dir?: string,
	) {
		this.encoder = new ResNet(resnet, seed);
		this.featureDim = this.encoder.featureDim;
		this.head = new Dense(this.encoder.store, "head", this.featureDim, numClasses);
	}

	get store(): ParamStore {
		return this.encoder.store;
	}

	/** images [N, H, W, C] in [-1, 1] -> features [N, featureDim] and logits [N, classes] */
	apply(images: tf.Tensor4D, training: boolean): { features: tf.Tensor2D; logits: tf.Tensor2D } {
		const features = this.encoder.apply(images, training); // [N, featureDim]
		return { features, logits: this.head.apply(features) };
	}

	/** Features and predicted classes of a batch, read to the host (inference mode). */
	async embed(images: tf.Tensor4D): Promise<{ features: Float32Array; predictions: Int32Array }> {
		const [features, predictions] = tf.tidy(() => {
			const out = this.apply(images, false);
			return [out.features, tf.argMax(out.logits, 1)];
		});
		try {
			return {
				features: (await features.data()) as Float32Array,
				predictions: Int32Array.from(await predictions.data()),
			};
		} finally {
			tf.dispose([features, predictions]);
		}
	}

	dispose(): void {
		this.encoder.dispose();
	}
}

/**
 * Runs the classifier over real images [count, H, W, C] in batches (rows `indices`, or all) and
 * hands each batch's features [b, featureDim] and predictions [b] to `onBatch`.
 */
export async function embedRealImages(
	classifier: EvalClassifier,
	images: Uint8Array,
	shape: [number, number, number],
	options: {
		indices?: ArrayLike<number>;
		batchSize?: number;
		onBatch: (features: Float32Array, predictions: Int32Array, start: number) => void;
	},
): Promise<void> {
	await forEachRealBatch(images, shape, options, async (batch, start) => {
		const { features, predictions } = await classifier.embed(batch);
		options.onBatch(features, predictions, start);
	});
}

/** Top-1 accuracy of the classifier on labelled real images. */
export async function classifierAccuracy(
	classifier: EvalClassifier,
	images: Uint8Array,
	labels: ArrayLike<number>,
	shape: [number, number, number],
	batchSize = 250,
): Promise<number> {
	let correct = 0;
	await embedRealImages(classifier, images, shape, {
		batchSize,
		onBatch: (_features, predictions, start) => {
			for (let i = 0; i < predictions.length; i++) if (predictions[i] === labels[start + i]) correct++;
		},
	});
	return labels.length === 0 ? 0 : correct / labels.length;
}

/** Loads a classifier directory (default: the shipped Fashion-MNIST classifier). */
export async function loadEvalClassifier(dir: string = SHIPPED_CLASSIFIER_DIR): Promise<EvalClassifier> {
	const cardPath = join(dir, CLASSIFIER_CARD);
	let card: ClassifierCard;
	try {
		card = JSON.parse(await readFile(cardPath, "utf8"));
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		if (code === "ENOENT") {
			throw fileError(
				cardPath,
				"not found; train an evaluation classifier with `genrep gan train-eval-classifier --out <dir>`",
			);
		}
		throw fileError(cardPath, `cannot read the classifier card (${(err as Error).message})`);
	}
	if (card.format !== CLASSIFIER_FORMAT) {
		throw fileError(cardPath, `format is ${JSON.stringify(card.format)}, expected "${CLASSIFIER_FORMAT}"`);
	}
	if (!Number.isInteger(card.numClasses) || card.numClasses < 2 || !Array.isArray(card.resnet?.widths)) {
		throw fileError(cardPath, "card lacks numClasses or the resnet configuration");
	}
	await initEngine();
	const classifier = new EvalClassifier(card.resnet, card.numClasses, 0, card, dir);
	try {
		await loadParams(join(dir, CLASSIFIER_WEIGHTS), classifier.store);
	} catch (err) {
		classifier.dispose();
		throw err;
	}
	return classifier;
}
