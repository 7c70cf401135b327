/** Every probe on one dataset: its splits' frozen features once, then linear, kNN and low-shot probes. */
import type { RealDataset } from "../../data/types.js";
import { killPoint } from "../../engine/killPoint.js";
import { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import type { EvalProgress, ResolvedEvaluateOptions } from "./evaluate.js";
import type { FeatureSource } from "./featureSource.js";
import { extractFeatures, type FeatureSet } from "./features.js";
import { knnClassify } from "./knn.js";
import { type LinearProbeResult, linearProbe } from "./linearProbe.js";
import { type LowShotResult, lowShotProbes } from "./lowShot.js";
import { balancedSubset, rowsByClass } from "./sampling.js";

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

function checkFinite(set: FeatureSet, dataset: string): void {
	const bad = set.features.findIndex((v) => !Number.isFinite(v));
	if (bad >= 0) {
		throw new GenrepError(
			`the features of ${dataset} image ${Math.floor(bad / set.dim) + 1} of ${set.count} embedded are not finite (NaN or Inf); the encoder weights are broken`,
		);
	}
}

const round = (seconds: number) => Number(seconds.toFixed(2));
