/**
 * The evaluation classifier's training loop: SGD with Nesterov momentum, a cosine learning rate
 * with a short warm-up, weight decay on the conv and dense weights, and flips and shifts of the
 * training images (classifierAugment.ts), in seeded epochs; then its top-1 on a test split.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { RealDataset } from "../../data/types.js";
import { EpochOrder } from "../../engine/epochOrder.js";
import { gradsByName } from "../../engine/nn/params.js";
import { Sgd } from "../../engine/optim/sgd.js";
import { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import { stemFor } from "../../learners/encoders/registry.js";
import type { ResNetConfig } from "../../learners/encoders/resnet.js";
import { warmupCosine } from "../../learners/schedule.js";
import { realToTensor } from "../realImages.js";
import type { ResolvedClassifierTrainOptions } from "./classifier.js";
import { augmentInto } from "./classifierAugment.js";
import type { ClassifierTrainProgress } from "./classifierOptions.js";
import { classifierAccuracy, EvalClassifier } from "./evalClassifier.js";

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
		const epochs = new EpochOrder(train.count, rng);
		let step = 0;
		for (let epoch = 0; epoch < o.epochs; epoch++) {
			const order = epochs.epoch(epoch);
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
