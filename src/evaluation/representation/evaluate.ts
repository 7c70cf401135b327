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
import { initEngine } from "../../engine/backend.js";
import { parseOptions } from "../../engine/options.js";
import { packageRoot } from "../../engine/packageRoot.js";
import { writeFileAtomic } from "../../formats/atomicWrite.js";
import { type DatasetEvalMetrics, evaluateOnDataset } from "./datasetEval.js";
import { EVALUATE_OPTIONS, type EvaluateOptions } from "./evaluateOptions.js";
import { checkImageShape, type EncoderSpec, openFeatureSource, parseEncoderSpec } from "./featureSource.js";
import { resolveLinearProbeOptions } from "./linearProbe.js";

export { type DatasetEvalMetrics, evaluateOnDataset, type LowShotSkipped } from "./datasetEval.js";

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

/** The version field of genrep's package.json. */
export function genrepVersion(): string {
	return JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")).version;
}

const round = (seconds: number) => Number(seconds.toFixed(2));
