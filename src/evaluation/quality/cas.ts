/**
 * Classification Accuracy Score (Ravuri & Vinyals, "Classification Accuracy Score for
 * Conditional Generative Models", NeurIPS 2019): a classifier trained only on a conditional
 * generator's samples (n images, classes y = i mod K, z ~ N_t(0, 1, t)), tested on the real
 * test split. Beside it, the accuracy of the same recipe trained on the real training split
 * (the evaluation classifier's own test accuracy); a generator that captures its classes well
 * comes close to it. The classifier is genrep's evaluation ResNet (classifier.ts) with the
 * evaluation classifier's widths and blocks, trained with the same recipe.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { RealDataset } from "../../data/types.js";
import { parseOptions } from "../../engine/options.js";
import type { Rng } from "../../engine/rng.js";
import { truncatedNormal } from "../../engine/truncatedNormal.js";
import { GenrepError } from "../../errors.js";
import type { Generator } from "../../generators/generator.js";
import { resolveClassifierTrainOptions } from "./classifier.js";
import type { ClassifierCard } from "./evalClassifier.js";
import { fitClassifier } from "./fitClassifier.js";
import { CAS_DEFAULTS, CAS_OPTIONS, type CasOptions } from "./ganEvalOptions.js";

export { CAS_DEFAULTS, type CasOptions } from "./ganEvalOptions.js";

export interface CasResult {
	/** Top-1 on the real test split of the classifier trained on generated samples only. */
	top1: number;
	/** The same recipe trained on the real training split (the evaluation classifier's test accuracy). */
	realTop1: number | null;
	n: number;
	epochs: number;
	steps: number;
	testImages: number;
	seconds: number;
}

/** Why CAS cannot be measured for this pair, or undefined when it can. */
export function casSkipReason(generator: Generator, numClasses: number): string | undefined {
	if (generator.numClasses === 0) return "the generator is unconditional; CAS needs a class-conditional generator";
	if (generator.numClasses !== numClasses) {
		return `the generator has ${generator.numClasses} classes but the real data ${numClasses}; CAS needs the same classes`;
	}
	return undefined;
}

/** Generated samples as a labelled dataset (uint8 pixels of the [-1, 1] images). */
export async function generatedDataset(
	generator: Generator,
	n: number,
	truncation: number,
	rng: Rng,
	classNames: string[],
	batchSize = 250,
): Promise<RealDataset> {
	const [h, w, c] = generator.imageShape;
	const size = h * w * c;
	const images = new Uint8Array(n * size); // [n, H, W, C]
	const labels = new Int32Array(n); // [n]
	const k = generator.numClasses;
	for (let start = 0; start < n; start += batchSize) {
		const b = Math.min(batchSize, n - start);
		for (let i = 0; i < b; i++) labels[start + i] = (start + i) % k;
		const z = tf.tensor2d(truncatedNormal(rng, b * generator.latentDim, 0, 1, truncation), [b, generator.latentDim]);
		const y = tf.tensor1d(labels.subarray(start, start + b), "int32");
		try {
			const out = await generator.generate(z, y); // [b, H, W, C] in [-1, 1]
			const values = await out.data();
			out.dispose();
			for (let i = 0; i < values.length; i++) {
				const v = values[i];
				if (!Number.isFinite(v)) throw new GenrepError(`generator ${generator.id} produced non-finite images`);
				images[start * size + i] = Math.round(Math.min(255, Math.max(0, (v + 1) * 127.5)));
			}
		} finally {
			tf.dispose([z, y]);
		}
	}
	return {
		name: `${n} samples of ${generator.id}`,
		split: "train",
		images,
		labels,
		count: n,
		shape: [h, w, c],
		classNames,
	};
}

/** Trains on `n` samples of the generator, tests on `test` (the real test split at the classifier's shape). */
export async function classificationAccuracyScore(
	generator: Generator,
	test: RealDataset,
	card: ClassifierCard | undefined,
	truncation: number,
	rng: Rng,
	options: CasOptions = {},
): Promise<CasResult> {
	const { n, epochs, batchSize: givenBatchSize } = parseOptions(CAS_OPTIONS, options, "CAS");
	const skip = casSkipReason(generator, test.classNames.length);
	if (skip) throw new GenrepError(skip);
	const start = performance.now();
	const samples = await generatedDataset(generator, n, truncation, rng.fork("cas-samples"), test.classNames);
	const batchSize = givenBatchSize ?? Math.min(CAS_DEFAULTS.batchSize, n);
	const steps = Math.floor(n / batchSize) * epochs;
	const o = resolveClassifierTrainOptions({
		out: "(not saved)",
		dataset: samples.name,
		epochs,
		batchSize,
		seed: rng.fork("cas-init").nextSeed() >>> 0,
		// The evaluation classifier's recipe; its warm-up at most a tenth of these steps.
		warmupSteps: Math.min(card?.training?.warmupSteps ?? 100, Math.floor(0.1 * steps)),
		...(card ? { widths: card.resnet.widths, blocks: card.resnet.blocks } : {}),
		...(card?.training ? { lr: card.training.lr } : {}),
	});
	const fit = await fitClassifier(samples, test, o);
	fit.classifier.dispose();
	return {
		top1: fit.testAccuracy,
		realTop1: card?.testAccuracy ?? null,
		n,
		epochs,
		steps: fit.steps,
		testImages: test.count,
		seconds: Number(((performance.now() - start) / 1000).toFixed(1)),
	};
}
