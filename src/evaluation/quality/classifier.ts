/**
 * The evaluation classifier: a small ResNet + linear head that genrep trains on a real
 * dataset's training split. Generator quality is measured in its feature space (the pooled
 * penultimate features, as FID uses Inception's pool3) and with its predictions (class
 * consistency of conditional generators). Training: SGD with Nesterov momentum, a cosine
 * learning rate with a short warm-up, weight decay on the conv and dense weights, and random
 * horizontal flips and shifts of up to 2 pixels (the padding of the 28x28 images).
 *
 * A classifier directory holds `classifier.safetensors` (weights and batch-norm statistics)
 * and `model.json` (the card: architecture, dataset, test accuracy, the training command).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { writeFileAtomic } from "../../data/atomicWrite.js";
import type { RealDataset } from "../../data/types.js";
import { initEngine } from "../../engine/backend.js";
import { Dense } from "../../engine/nn/layers.js";
import { gradsByName, type ParamStore } from "../../engine/nn/params.js";
import { Rng } from "../../engine/rng.js";
import { fileError, GenrepError } from "../../errors.js";
import { loadParams, saveParams } from "../../generators/checkpoint.js";
import { stemFor } from "../../learners/encoders/registry.js";
import { ResNet, type ResNetConfig } from "../../learners/encoders/resnet.js";
import { warmupCosine } from "../../learners/schedule.js";
import { Sgd } from "../../learners/sgd.js";
import { forEachRealBatch, realToTensor } from "../realImages.js";

export { realToTensor };

export const CLASSIFIER_FORMAT = "genrep-eval-classifier/1";
export const CLASSIFIER_WEIGHTS = "classifier.safetensors";
export const CLASSIFIER_CARD = "model.json";

/** The shipped Fashion-MNIST evaluation classifier (models/ at the package root, from src/ or dist/). */
export const SHIPPED_CLASSIFIER_DIR = fileURLToPath(
	new URL("../../../models/fashion-mnist-classifier", import.meta.url),
);

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

/**
 * Trains a fresh classifier on `train` (real images, or a generator's samples for the
 * Classification Accuracy Score) and measures its top-1 on `test`. The ResNet gets the stem
 * for the images' size (stemFor). The caller disposes the classifier.
 */
export async function fitClassifier(
	train: RealDataset,
	test: RealDataset,
	o: ResolvedClassifierTrainOptions,
	onProgress?: (progress: ClassifierTrainProgress) => void,
): Promise<{ classifier: EvalClassifier; resnet: ResNetConfig; testAccuracy: number; steps: number; seconds: number }> {
	if (train.count < o.batchSize) {
		throw new GenrepError(
			`${train.name} has ${train.count} training images, fewer than one batch of ${o.batchSize}; lower the batch size`,
		);
	}
	if (test.count === 0) throw new GenrepError(`${test.name} has no test images to measure accuracy on`);
	if (test.shape.join("x") !== train.shape.join("x")) {
		throw new GenrepError(
			`${train.name} has ${train.shape.join("x")} images but ${test.name} ${test.shape.join("x")}; ` +
				`pass --image-size ${train.shape[0]} --channels ${train.shape[2]}`,
		);
	}
	const numClasses = train.classNames.length;
	if (numClasses < 2) {
		throw new GenrepError(`${train.name} has ${numClasses} class; a classifier needs at least two class subfolders`);
	}
	const shape = train.shape;
	const [height, width, channels] = shape;
	const size = height * width * channels;
	const resnet: ResNetConfig = {
		widths: o.widths,
		blocks: o.blocks,
		inChannels: channels,
		stem: stemFor([height, width]),
	};
	const rng = new Rng(o.seed);
	const classifier = new EvalClassifier(resnet, numClasses, rng.fork("init").nextSeed());
	const params = classifier.store.trainable;
	const optimizer = new Sgd(params, {
		momentum: o.momentum,
		weightDecay: o.weightDecay,
		nesterov: true,
		decays: (name) => name.endsWith(".weight"),
	});
	try {
		const stepsPerEpoch = Math.floor(train.count / o.batchSize);
		const steps = stepsPerEpoch * o.epochs;
		const start = performance.now();
		const pixels = new Uint8Array(o.batchSize * size);
		const labels = new Int32Array(o.batchSize);
		let step = 0;
		for (let epoch = 0; epoch < o.epochs; epoch++) {
			const order = rng.fork(`epoch-${epoch}`).permutation(train.count);
			for (let b = 0; b < stepsPerEpoch; b++, step++) {
				const augmentRng = rng.fork(`step-${step}`);
				for (let i = 0; i < o.batchSize; i++) {
					const row = order[b * o.batchSize + i];
					const src = train.images.subarray(row * size, (row + 1) * size);
					const dst = pixels.subarray(i * size, (i + 1) * size);
					if (o.augment) augmentInto(src, dst, shape, augmentRng);
					else dst.set(src);
					labels[i] = train.labels[row];
				}
				const lr = warmupCosine(step, o.lr, steps, o.warmupSteps);
				const loss = tf.tidy(() => {
					const x = realToTensor(pixels, shape); // [B, H, W, C] in [-1, 1]
					const y = tf.oneHot(tf.tensor1d(labels, "int32"), numClasses);
					const { value, grads } = tf.variableGrads(
						() => tf.losses.softmaxCrossEntropy(y, classifier.apply(x, true).logits) as tf.Scalar,
						[...params.values()],
					);
					optimizer.apply(gradsByName(params, grads), lr);
					return value;
				});
				const lossValue = (await loss.data())[0];
				loss.dispose();
				if (!Number.isFinite(lossValue)) {
					throw new GenrepError(`classifier training diverged at step ${step + 1} (loss ${lossValue}); lower --lr`);
				}
				const done = step + 1;
				if (onProgress && (done % 20 === 0 || done === steps)) {
					const seconds = (performance.now() - start) / 1000;
					onProgress({
						epoch: epoch + 1,
						step: done,
						steps,
						loss: lossValue,
						lr,
						seconds,
						etaSeconds: (seconds / done) * (steps - done),
					});
				}
			}
		}
		const seconds = (performance.now() - start) / 1000;
		const testAccuracy = await classifierAccuracy(classifier, test.images, test.labels, shape);
		return { classifier, resnet, testAccuracy, steps, seconds };
	} catch (err) {
		classifier.dispose();
		throw err;
	} finally {
		optimizer.dispose();
	}
}

/** A random horizontal flip and a shift of up to 2 pixels (zero fill) of one image [H, W, C]. */
function augmentInto(src: Uint8Array, dst: Uint8Array, shape: [number, number, number], rng: Rng): void {
	const [h, w, c] = shape;
	const flip = rng.uniform() < 0.5;
	const dy = rng.int(5) - 2;
	const dx = rng.int(5) - 2;
	dst.fill(0);
	for (let y = 0; y < h; y++) {
		const sy = y - dy;
		if (sy < 0 || sy >= h) continue;
		for (let x = 0; x < w; x++) {
			let sx = x - dx;
			if (sx < 0 || sx >= w) continue;
			if (flip) sx = w - 1 - sx;
			for (let k = 0; k < c; k++) dst[(y * w + x) * c + k] = src[(sy * w + sx) * c + k];
		}
	}
}
