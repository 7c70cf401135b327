/**
 * Generator quality figures (`genrep gan eval`), all in the evaluation classifier's space
 * (classifier.ts: pooled penultimate features of a ResNet trained on the real training split):
 *
 * - frechetDistance: Fréchet distance between n generated samples (z ~ N_t(0, 1, t), t the
 *   card's truncation; conditional: classes y = i mod K, balanced like the test split) and
 *   the real test split.
 * - frechetFloor: the same distance between n real training images (drawn without
 *   replacement by the seed) and the real test split: what a perfect generator would score
 *   with this n (the Fréchet estimate is biased upwards at small n, so compare at equal n).
 * - classConsistency (conditional generators): the classifier's accuracy on samples
 *   generated for each class, per class and their mean.
 * - classificationAccuracyScore (with `cas`; conditional generators with the data's classes):
 *   a classifier trained only on generated samples, tested on the real test split (cas.ts).
 *
 * The real data is read at the classifier's image shape (its card), so a classifier trained
 * on an image folder (`gan train-eval-classifier --dataset <folder>`) judges generators of
 * that folder's shape.
 *
 * Deterministic for (generator, classifier, n, seed, truncation).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { RealDataset } from "../../data/types.js";
import { initEngine } from "../../engine/backend.js";
import { parseOptions } from "../../engine/options.js";
import { Rng } from "../../engine/rng.js";
import { truncatedNormal } from "../../engine/truncatedNormal.js";
import { fileError, GenrepError } from "../../errors.js";
import { writeFileAtomic } from "../../formats/atomicWrite.js";
import type { Generator } from "../../generators/generator.js";
import { type CasResult, casSkipReason, classificationAccuracyScore } from "./cas.js";
import { type EvalClassifier, embedRealImages, loadEvalClassifier, SHIPPED_CLASSIFIER_DIR } from "./evalClassifier.js";
import { frechetDistance, GaussianAccumulator, type GaussianStats } from "./frechet.js";
import {
	EVALUATE_BY_NAME_OPTIONS,
	type EvaluateByNameOptions,
	GAN_EVAL_OPTIONS,
	type GanEvalOptions,
	type GanEvalProgress,
} from "./ganEvalOptions.js";

export const GAN_EVAL_FORMAT = "genrep-gan-eval/1";

export {
	type EvaluateByNameOptions,
	GAN_EVAL_DEFAULTS,
	type GanEvalOptions,
	type GanEvalProgress,
} from "./ganEvalOptions.js";

export interface GanEvalMetrics {
	format: typeof GAN_EVAL_FORMAT;
	generator: string;
	/** The real dataset of the classifier; its test split is the reference. */
	dataset: string;
	classifier: {
		dir?: string;
		weightsSha256?: string;
		testAccuracy?: number;
		/** What the distances are measured in. */
		features: string;
	};
	n: number;
	seed: number;
	truncation: number;
	/** Real test images the samples are compared with. */
	referenceImages: number;
	/** Generated (n) vs real test split. */
	frechetDistance: number;
	/** Real train (n) vs real test split. */
	frechetFloor: number;
	/** Conditional generators: classifier accuracy on each class's samples, and the mean over classes. */
	classConsistency?: { mean: number; perClass: Record<string, number> };
	/** Why class consistency was not measured, when the generator is conditional but it was not. */
	classConsistencySkipped?: string;
	/** Classification Accuracy Score (with `cas`): trained on generated samples, tested on the real test split. */
	classificationAccuracyScore?: CasResult;
	/** Why CAS was not measured although asked for. */
	classificationAccuracyScoreSkipped?: string;
	seconds: number;
}

/** Measures a generator; see the file comment for the figures. */
export async function evaluateGenerator(generator: Generator, options: GanEvalOptions = {}): Promise<GanEvalMetrics> {
	const { n, seed, batchSize, ...o } = parseOptions(GAN_EVAL_OPTIONS, options, "generator evaluation");
	const truncation = o.truncation ?? generator.defaultTruncation;
	await initEngine();
	const start = performance.now();
	const ownClassifier = typeof o.classifier !== "object";
	const classifier = typeof o.classifier === "object" ? o.classifier : await loadEvalClassifier(o.classifier);
	try {
		const card = classifier.card;
		const dataset = card?.dataset ?? "fashion-mnist";
		const shape = (card?.imageShape ?? [32, 32, classifier.resnet.inChannels]) as [number, number, number];
		if (generator.imageShape.join("x") !== shape.join("x")) {
			const [h, , c] = generator.imageShape;
			throw new GenrepError(
				`generator ${generator.id} makes ${generator.imageShape.join("x")} images but the evaluation classifier ` +
					`takes ${shape.join("x")} (${dataset}); train one on real data of the generator's shape with ` +
					`\`genrep gan train-eval-classifier --dataset <folder> --image-size ${h} --channels ${c} --out <dir>\` ` +
					"and pass it with --classifier <dir>",
			);
		}
		const progress = (stage: GanEvalProgress["stage"], done: number, total: number) => {
			if (!o.onProgress) return;
			const seconds = (performance.now() - start) / 1000;
			o.onProgress({ stage, done, total, seconds, etaSeconds: done > 0 ? (seconds / done) * (total - done) : 0 });
		};
		const { loadDataset } = await import("../../data/datasets.js");
		const atShape = {
			dataDir: o.dataDir,
			imageSize: [shape[0], shape[1]] as [number, number],
			channels: shape[2] as 1 | 3,
		};
		const test = await loadDataset(dataset, { split: "test", limit: o.testLimit, ...atShape });
		const train = await loadDataset(dataset, { split: "train", ...atShape });
		if (n > train.count) {
			throw new GenrepError(
				`n (${n}) is larger than the ${train.count} training images of ${dataset} that the floor compares; use --n ${train.count} or less`,
			);
		}
		if (test.count < 2) throw new GenrepError(`dataset ${dataset} has fewer than 2 test images`);
		const rng = new Rng(seed);
		const reference = await realStats(classifier, test, undefined, batchSize, `test/${test.count}`, (d) =>
			progress("real test", d, test.count),
		);
		const floorRows = rng.fork("floor").permutation(train.count).subarray(0, n);
		const floorStats = await realStats(classifier, train, floorRows, batchSize, `train/${n}/${seed}`, (d) =>
			progress("real train (floor)", d, n),
		);

		// Generated samples: features for the distance, predictions for class consistency.
		const conditional = generator.numClasses > 0;
		const classNames = classifier.card?.classNames ?? [];
		const skipped = conditional ? consistencySkipReason(generator, classifier.numClasses, classNames) : undefined;
		const k = generator.numClasses;
		const correct = new Float64Array(Math.max(k, 1));
		const counts = new Float64Array(Math.max(k, 1));
		const generated = new GaussianAccumulator(classifier.featureDim);
		const zRng = rng.fork("z");
		for (let startRow = 0; startRow < n; startRow += batchSize) {
			const b = Math.min(batchSize, n - startRow);
			const zValues = truncatedNormal(zRng, b * generator.latentDim, 0, 1, truncation);
			const labels = new Int32Array(b);
			for (let i = 0; i < b; i++) labels[i] = conditional ? (startRow + i) % k : 0;
			const z = tf.tensor2d(zValues, [b, generator.latentDim]);
			const y = conditional ? tf.tensor1d(labels, "int32") : undefined;
			let images: tf.Tensor4D | undefined;
			try {
				images = await generator.generate(z, y);
				if (images.shape.join(",") !== [b, ...shape].join(",")) {
					throw new GenrepError(
						`generator ${generator.id} returned images of shape [${images.shape}], expected [${[b, ...shape]}]`,
					);
				}
				const { features, predictions } = await classifier.embed(images);
				if (!features.every(Number.isFinite)) {
					throw new GenrepError(
						`generator ${generator.id} produced non-finite images (NaN or Inf) in rows ${startRow}..${startRow + b - 1}`,
					);
				}
				generated.add(features);
				if (conditional) {
					for (let i = 0; i < b; i++) {
						counts[labels[i]]++;
						if (predictions[i] === labels[i]) correct[labels[i]]++;
					}
				}
			} finally {
				tf.dispose([z, ...(y ? [y] : []), ...(images ? [images] : [])]);
			}
			progress("generated", startRow + b, n);
		}
		const generatedStats = generated.stats();

		let classConsistency: GanEvalMetrics["classConsistency"];
		if (conditional && !skipped) {
			const perClass: Record<string, number> = {};
			let sum = 0;
			let measured = 0;
			for (let c = 0; c < k; c++) {
				if (counts[c] === 0) continue; // n < K: some classes got no sample
				const accuracy = correct[c] / counts[c];
				perClass[classNames[c] ?? String(c)] = accuracy;
				sum += accuracy;
				measured++;
			}
			classConsistency = { mean: sum / measured, perClass };
		}
		let cas: CasResult | undefined;
		let casSkipped: string | undefined;
		if (o.cas) {
			casSkipped = casSkipReason(generator, test.classNames.length);
			if (!casSkipped) {
				const casOptions = o.cas === true ? {} : o.cas;
				cas = await classificationAccuracyScore(generator, test, card, truncation, rng.fork("cas"), casOptions);
			}
		}
		return {
			format: GAN_EVAL_FORMAT,
			generator: generator.id,
			dataset,
			classifier: {
				...(classifier.dir
					? { dir: classifier.dir === SHIPPED_CLASSIFIER_DIR ? "models/fashion-mnist-classifier" : classifier.dir }
					: {}),
				...(card ? { weightsSha256: card.weightsSha256, testAccuracy: card.testAccuracy } : {}),
				features: `pooled penultimate features (${classifier.featureDim}-d) of the evaluation ResNet`,
			},
			n,
			seed,
			truncation,
			referenceImages: test.count,
			frechetDistance: frechetDistance(generatedStats, reference),
			frechetFloor: frechetDistance(floorStats, reference),
			...(classConsistency ? { classConsistency } : {}),
			...(skipped ? { classConsistencySkipped: skipped } : {}),
			...(cas ? { classificationAccuracyScore: cas } : {}),
			...(casSkipped ? { classificationAccuracyScoreSkipped: casSkipped } : {}),
			seconds: Number(((performance.now() - start) / 1000).toFixed(1)),
		};
	} finally {
		if (ownClassifier) classifier.dispose();
	}
}

/** Real-image statistics are the same for every generator: kept per classifier for the process. */
const realStatsCache = new WeakMap<EvalClassifier, Map<string, GaussianStats>>();

async function realStats(
	classifier: EvalClassifier,
	data: RealDataset,
	rows: Int32Array | undefined,
	batchSize: number,
	key: string,
	onProgress: (done: number) => void,
): Promise<GaussianStats> {
	const cacheKey = `${data.name}/${key}`;
	let cache = realStatsCache.get(classifier);
	const cached = cache?.get(cacheKey);
	if (cached) return cached;
	const acc = new GaussianAccumulator(classifier.featureDim);
	await embedRealImages(classifier, data.images, data.shape, {
		indices: rows,
		batchSize,
		onBatch: (features, _predictions, start) => {
			acc.add(features);
			onProgress(start + features.length / classifier.featureDim);
		},
	});
	const stats = acc.stats();
	if (!cache) {
		cache = new Map();
		realStatsCache.set(classifier, cache);
	}
	cache.set(cacheKey, stats);
	return stats;
}

function consistencySkipReason(generator: Generator, classes: number, classNames: string[]): string | undefined {
	if (generator.numClasses !== classes) {
		return `the generator has ${generator.numClasses} classes but the evaluation classifier knows ${classes}`;
	}
	const names = generator.classNames ?? [];
	if (names.length > 0 && classNames.length > 0 && names.join("\n") !== classNames.join("\n")) {
		return `the generator's class names (${names.join(", ")}) differ from the classifier's (${classNames.join(", ")})`;
	}
	return undefined;
}

/** The figures that go into a generator card's `metrics` field. */
export function cardMetrics(metrics: GanEvalMetrics, command?: string): Record<string, unknown> {
	return {
		frechetDistance: metrics.frechetDistance,
		frechetFloor: metrics.frechetFloor,
		...(metrics.classConsistency
			? {
					classConsistency: metrics.classConsistency.mean,
					classConsistencyPerClass: metrics.classConsistency.perClass,
				}
			: {}),
		...(metrics.classificationAccuracyScore
			? { classificationAccuracyScore: metrics.classificationAccuracyScore.top1 }
			: {}),
		evaluation: {
			format: metrics.format,
			dataset: metrics.dataset,
			n: metrics.n,
			seed: metrics.seed,
			truncation: metrics.truncation,
			referenceImages: metrics.referenceImages,
			classifier: metrics.classifier,
			...(command ? { command } : {}),
		},
	};
}

/**
 * Merges the figures into `<dir>/model.json`'s `metrics` field (other keys of `metrics`, e.g. an
 * early checkpoint's figures, are kept), atomically. Returns the card's path.
 */
export async function recordMetricsInCard(dir: string, metrics: GanEvalMetrics, command?: string): Promise<string> {
	const path = join(dir, "model.json");
	let card: Record<string, unknown>;
	try {
		card = JSON.parse(await readFile(path, "utf8"));
	} catch (err) {
		throw fileError(path, `cannot read the model card to record metrics in (${(err as Error).message})`);
	}
	if (typeof card !== "object" || card === null || Array.isArray(card)) throw fileError(path, "not a JSON object");
	const previous =
		typeof card.metrics === "object" && card.metrics !== null && !Array.isArray(card.metrics)
			? (card.metrics as Record<string, unknown>)
			: {};
	card.metrics = { ...previous, ...cardMetrics(metrics, command) };
	await writeFileAtomic(path, Buffer.from(`${JSON.stringify(card, null, 2)}\n`));
	return path;
}

/** What `genrep gan eval` runs: loads the generator by name or directory, evaluates, writes the results. */
export async function evaluateGeneratorByName(
	nameOrDir: string,
	options: EvaluateByNameOptions = {},
): Promise<{ metrics: GanEvalMetrics; cardUpdated?: string }> {
	parseOptions(EVALUATE_BY_NAME_OPTIONS, options, "generator evaluation"); // before the generator loads
	const { out, updateCard = true, command, ...evalOptions } = options;
	const { loadGenerator } = await import("../../generators/load.js");
	const { resolveGenerator } = await import("../../generators/registry.js");
	const generator = await loadGenerator(nameOrDir);
	let metrics: GanEvalMetrics;
	try {
		metrics = await evaluateGenerator(generator, evalOptions);
	} finally {
		generator.dispose();
	}
	if (out) await writeFileAtomic(out, Buffer.from(`${JSON.stringify(metrics, null, 2)}\n`));
	const { dir } = resolveGenerator(nameOrDir);
	let cardUpdated: string | undefined;
	if (updateCard && existsSync(join(dir, "model.json"))) {
		cardUpdated = await recordMetricsInCard(dir, metrics, command);
	}
	return { metrics, ...(cardUpdated ? { cardUpdated } : {}) };
}
