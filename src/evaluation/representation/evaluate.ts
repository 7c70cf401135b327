/**
 * Representation evaluation (`genrep eval`): the frozen features of a dataset's training and
 * test splits are computed once, then every probe runs on them: the linear probe
 * (linearProbe.ts), kNN (knn.ts) and the low-shot probes (lowShot.ts). Transfer runs the same
 * probes on a second dataset's own training and test splits. Baselines go through the same
 * code: `pixels` and `random:<encoder>` (featureSource.ts).
 *
 * `trainLimit` / `testLimit` keep a seeded, class-balanced subset of a split (quick runs);
 * low-shot draws come from the (possibly limited) training split, and a shot count that a class
 * cannot supply is reported as skipped. Deterministic for (encoder, datasets, options).
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../data/atomicWrite.js";
import type { RealDataset } from "../../data/types.js";
import { initEngine } from "../../engine/backend.js";
import { killPoint } from "../../engine/killPoint.js";
import { parseOptions } from "../../engine/options.js";
import { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import { packageRoot } from "../../generators/registry.js";
import { EVALUATE_OPTIONS, type EvalProgress, type EvaluateOptions } from "./evaluateOptions.js";
import {
	checkImageShape,
	type EncoderSpec,
	type FeatureSource,
	openFeatureSource,
	parseEncoderSpec,
} from "./featureSource.js";
import { extractFeatures, type FeatureSet } from "./features.js";
import { knnClassify } from "./knn.js";
import { type LinearProbeResult, linearProbe, resolveLinearProbeOptions } from "./linearProbe.js";
import { type LowShotResult, lowShotProbes } from "./lowShot.js";
import { balancedSubset, rowsByClass } from "./sampling.js";

export const EVAL_FORMAT = "genrep-eval/1";

export { EVALUATE_DEFAULTS, type EvalProgress, type EvaluateOptions } from "./evaluateOptions.js";

export type ResolvedEvaluateOptions = Readonly<{
	encoder: string;
	dataset: string;
	transfer: string | null;
	seed: number;
	trainLimit: number | null;
	testLimit: number | null;
	batchSize: number;
	k: number;
	shots: number[];
	draws: number;
	weightDecays: number[];
	validationFraction: number;
	maxIterations: number;
}>;

/** Validates options against EVALUATE_OPTIONS (unknown keys and bad values are errors that name them) and fills defaults. */
export function resolveEvaluateOptions(options: EvaluateOptions): ResolvedEvaluateOptions {
	const o = parseOptions(EVALUATE_OPTIONS, options, "evaluation");
	// Sorted strongest first, repeats refused (the probe's own rules).
	const probe = resolveLinearProbeOptions({
		weightDecays: o.weightDecays,
		validationFraction: o.validationFraction,
		maxIterations: o.maxIterations,
		seed: o.seed,
	});
	return Object.freeze({
		encoder: o.encoder,
		dataset: o.dataset,
		transfer: o.transfer ?? null,
		seed: o.seed,
		trainLimit: o.trainLimit ?? null,
		testLimit: o.testLimit ?? null,
		batchSize: o.batchSize,
		k: o.k,
		shots: [...o.shots],
		draws: o.draws,
		weightDecays: [...probe.weightDecays],
		validationFraction: probe.validationFraction,
		maxIterations: probe.maxIterations,
	});
}

/** A low-shot setting the training split cannot supply. */
export interface LowShotSkipped {
	perClass: number;
	skipped: string;
}

/** The probes' figures on one dataset. */
export interface DatasetEvalMetrics {
	dataset: string;
	numClasses: number;
	/** Images in the official splits. */
	splitImages: { train: number; test: number };
	/** Images the probes used (after trainLimit / testLimit). */
	trainImages: number;
	testImages: number;
	featureDim: number;
	linearProbe: LinearProbeResult;
	knn: { top1: number; k: number; similarity: "cosine"; vote: "majority" };
	lowShot: Record<string, LowShotResult | LowShotSkipped>;
	seconds: { features: number; linearProbe: number; knn: number; lowShot: number; total: number };
}

export interface EvalMetrics {
	format: typeof EVAL_FORMAT;
	genrepVersion: string;
	encoder: EncoderSpec & { features: string };
	seed: number;
	options: ResolvedEvaluateOptions;
	dataset: DatasetEvalMetrics;
	transfer?: DatasetEvalMetrics;
	engine: { backend: string; nativeKernels: string[] };
	seconds: number;
	command?: string;
}

/** Evaluates an encoder (or a baseline) on a dataset and, optionally, a transfer dataset. */
export async function evaluateRepresentation(options: EvaluateOptions): Promise<EvalMetrics> {
	const o = resolveEvaluateOptions(options);
	const start = performance.now();
	const spec = await parseEncoderSpec(o.encoder);
	const engine = await initEngine();
	const { loadDataset } = await import("../../data/datasets.js");
	const shapeOptions = { dataDir: options.dataDir, imageSize: options.imageSize, channels: options.channels };
	const load = async (name: string) => {
		const train = await loadDataset(name, { split: "train", ...shapeOptions });
		const test = await loadDataset(name, { split: "test", ...shapeOptions });
		return { train, test };
	};
	const main = await load(o.dataset);
	const encoderShape = spec.kind === "run" ? spec.card.imageShape : null;
	checkImageShape(spec, encoderShape, o.dataset, main.train.shape);
	const transfer = o.transfer !== null ? await load(o.transfer) : null;
	const source = await openFeatureSource(spec, main.train.shape, o.seed);
	try {
		if (transfer && o.transfer !== null) checkImageShape(spec, source.imageShape, o.transfer, transfer.train.shape);
		const dataset = await evaluateOnDataset(source, main.train, main.test, o, options.onProgress);
		const transferMetrics = transfer
			? await evaluateOnDataset(source, transfer.train, transfer.test, o, options.onProgress)
			: undefined;
		const metrics: EvalMetrics = {
			format: EVAL_FORMAT,
			genrepVersion: genrepVersion(),
			encoder: { ...spec, features: source.extractor.description },
			seed: o.seed,
			options: o,
			dataset,
			...(transferMetrics ? { transfer: transferMetrics } : {}),
			engine: { backend: engine.backend, nativeKernels: engine.nativeKernels },
			seconds: round((performance.now() - start) / 1000),
			...(options.command ? { command: options.command } : {}),
		};
		if (options.out)
			await writeFileAtomic(options.out, new TextEncoder().encode(`${JSON.stringify(metrics, null, 2)}\n`));
		return metrics;
	} finally {
		source.dispose();
	}
}

/** Features of one dataset's splits (once), then every probe on them. */
export async function evaluateOnDataset(
	source: FeatureSource,
	train: RealDataset,
	test: RealDataset,
	o: ResolvedEvaluateOptions,
	onProgress?: (progress: EvalProgress) => void,
): Promise<DatasetEvalMetrics> {
	const name = train.name;
	const numClasses = train.classNames.length;
	if (numClasses < 2) {
		throw new GenrepError(
			`${name} has ${numClasses === 1 ? `one class (${train.classNames[0]})` : "no classes"}; the probes classify, so give it at least two class subfolders`,
		);
	}
	if (test.classNames.length !== numClasses) {
		throw new GenrepError(
			`${name}: the training split has ${numClasses} classes but the test split ${test.classNames.length}`,
		);
	}
	const started = performance.now();
	let stageStart = started;
	const report = (stage: EvalProgress["stage"], done: number, total: number) => {
		if (!onProgress) return;
		const seconds = (performance.now() - stageStart) / 1000;
		onProgress({
			dataset: name,
			stage,
			done,
			total,
			seconds: round(seconds),
			etaSeconds: round(done > 0 ? (seconds / done) * (total - done) : 0),
		});
	};
	const rng = new Rng(o.seed).fork(name);
	const trainRows =
		o.trainLimit !== null && o.trainLimit < train.count
			? balancedSubset(train.labels, numClasses, o.trainLimit, rng.fork("train-limit"))
			: undefined;
	const testRows =
		o.testLimit !== null && o.testLimit < test.count
			? balancedSubset(test.labels, numClasses, o.testLimit, rng.fork("test-limit"))
			: undefined;
	const trainCount = trainRows?.length ?? train.count;
	const testCount = testRows?.length ?? test.count;
	const total = trainCount + testCount;
	const trainSet = await extractFeatures(source.extractor, train, {
		indices: trainRows,
		batchSize: o.batchSize,
		onBatch: (done) => report("features", done, total),
	});
	const testSet = await extractFeatures(source.extractor, test, {
		indices: testRows,
		batchSize: o.batchSize,
		onBatch: (done) => report("features", trainCount + done, total),
	});
	checkFinite(trainSet, name);
	checkFinite(testSet, name);
	const featureSeconds = (performance.now() - stageStart) / 1000;

	stageStart = performance.now();
	report("linear probe", 0, 1);
	const probe = await linearProbe(trainSet, testSet, numClasses, {
		weightDecays: o.weightDecays,
		validationFraction: o.validationFraction,
		maxIterations: o.maxIterations,
		seed: rng.fork("linear-probe").nextSeed(),
	});
	report("linear probe", 1, 1);
	killPoint("eval-probe");
	const probeSeconds = (performance.now() - stageStart) / 1000;

	stageStart = performance.now();
	const knn = await knnClassify(trainSet, testSet, numClasses, { k: o.k });
	const knnSeconds = (performance.now() - stageStart) / 1000;
	report("knn", 1, 1);

	stageStart = performance.now();
	const classSizes = rowsByClass(trainSet.labels, numClasses).map((rows) => rows.length);
	const smallest = Math.min(...classSizes);
	const feasible = o.shots.filter((n) => n <= smallest);
	const lowShotResults = await lowShotProbes(
		trainSet,
		testSet,
		numClasses,
		{
			shots: feasible,
			draws: o.draws,
			probe: { weightDecays: o.weightDecays, validationFraction: o.validationFraction, maxIterations: o.maxIterations },
			seed: rng.fork("low-shot").nextSeed(),
			onDraw: (done, all) => report("low-shot", done, all),
		},
		train.classNames,
	);
	const lowShot: DatasetEvalMetrics["lowShot"] = {};
	for (const n of o.shots) {
		lowShot[String(n)] = lowShotResults[String(n)] ?? {
			perClass: n,
			skipped: `the ${trainCount} training images used hold only ${smallest} of their smallest class; raise trainLimit`,
		};
	}
	const lowShotSeconds = (performance.now() - stageStart) / 1000;
	return {
		dataset: name,
		numClasses,
		splitImages: { train: train.count, test: test.count },
		trainImages: trainCount,
		testImages: testCount,
		featureDim: trainSet.dim,
		linearProbe: probe,
		knn: { top1: knn.top1, k: knn.k, similarity: knn.similarity, vote: knn.vote },
		lowShot,
		seconds: {
			features: round(featureSeconds),
			linearProbe: round(probeSeconds),
			knn: round(knnSeconds),
			lowShot: round(lowShotSeconds),
			total: round((performance.now() - started) / 1000),
		},
	};
}

/** The version field of genrep's package.json. */
export function genrepVersion(): string {
	return JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")).version;
}

function checkFinite(set: FeatureSet, dataset: string): void {
	const bad = set.features.findIndex((v) => !Number.isFinite(v));
	if (bad >= 0) {
		throw new GenrepError(
			`the features of ${dataset} image ${Math.floor(bad / set.dim) + 1} of ${set.count} embedded are not finite (NaN or Inf); the encoder weights are broken`,
		);
	}
}

const round = (seconds: number) => Number(seconds.toFixed(2));
