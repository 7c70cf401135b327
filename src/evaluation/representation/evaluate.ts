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
import { packageRoot } from "../../engine/packageRoot.js";
import { GenrepError } from "../../errors.js";
import { writeFileAtomic } from "../../formats/atomicWrite.js";
import { type DatasetEvalMetrics, evaluateOnDataset } from "./datasetEval.js";
import { checkImageShape, type EncoderSpec, openFeatureSource, parseEncoderSpec } from "./featureSource.js";
import { KNN_DEFAULTS } from "./knn.js";
import { LINEAR_PROBE_DEFAULTS, resolveLinearProbeOptions } from "./linearProbe.js";
import { LOW_SHOT_DEFAULTS } from "./lowShot.js";

export { type DatasetEvalMetrics, evaluateOnDataset, type LowShotSkipped } from "./datasetEval.js";

export const EVAL_FORMAT = "genrep-eval/1";

export interface EvaluateOptions {
	/** A training run directory, `random:<encoder>` or `pixels`. */
	encoder: string;
	/** The dataset whose splits the probes train and test on; default fashion-mnist. */
	dataset?: string;
	/** A second dataset to transfer to (the same probes on its splits). */
	transfer?: string;
	/** Folder that holds the dataset files (overrides GENREP_DATA_DIR). */
	dataDir?: string;
	/** Read the datasets at this size (S for SxS, or [H, W]); default their own (see data/datasets.ts). */
	imageSize?: number | [number, number];
	/** Read the datasets with 1 or 3 channels; default their own. */
	channels?: 1 | 3;
	/** Seed of the subsets, the validation splits, the low-shot draws and a random encoder's weights. */
	seed?: number;
	/** Use a seeded class-balanced subset of this many training images (per dataset). */
	trainLimit?: number;
	/** Use a seeded class-balanced subset of this many test images (per dataset). */
	testLimit?: number;
	/** Images per forward pass. */
	batchSize?: number;
	/** kNN neighbours. */
	k?: number;
	/** Low-shot labelled images per class. */
	shots?: number[];
	/** Low-shot draws per shot count. */
	draws?: number;
	/** Weight-decay grid of the linear probes. */
	weightDecays?: number[];
	/** Share of each class held out to choose the weight decay. */
	validationFraction?: number;
	/** L-BFGS iterations per probe fit at most. */
	maxIterations?: number;
	/** Write metrics.json here (atomically). */
	out?: string;
	/** The command line, recorded in the metrics. */
	command?: string;
	onProgress?: (progress: EvalProgress) => void;
}

export interface EvalProgress {
	dataset: string;
	stage: "features" | "linear probe" | "knn" | "low-shot";
	done: number;
	total: number;
	seconds: number;
	etaSeconds: number;
}

export const EVALUATE_DEFAULTS = {
	dataset: "fashion-mnist",
	seed: 0,
	batchSize: 250,
	k: KNN_DEFAULTS.k,
	shots: LOW_SHOT_DEFAULTS.shots,
	draws: LOW_SHOT_DEFAULTS.draws,
	weightDecays: LINEAR_PROBE_DEFAULTS.weightDecays,
	validationFraction: LINEAR_PROBE_DEFAULTS.validationFraction,
	maxIterations: LINEAR_PROBE_DEFAULTS.maxIterations,
} as const;

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

const OPTION_KEYS = new Set([
	...Object.keys(EVALUATE_DEFAULTS),
	"encoder",
	"transfer",
	"dataDir",
	"imageSize",
	"channels",
	"trainLimit",
	"testLimit",
	"out",
	"command",
	"onProgress",
]);

/** Validates options (unknown keys and bad numbers are errors that name them) and fills defaults. */
export function resolveEvaluateOptions(options: EvaluateOptions): ResolvedEvaluateOptions {
	for (const key of Object.keys(options)) {
		if (!OPTION_KEYS.has(key)) throw new GenrepError(`unknown evaluation option '${key}'`);
	}
	if (typeof options.encoder !== "string" || options.encoder === "") {
		throw new GenrepError("encoder is required: a training run directory, random:<encoder> or pixels");
	}
	for (const key of ["dataset", "transfer", "dataDir", "out"] as const) {
		const v = options[key];
		if (v !== undefined && typeof v !== "string")
			throw new GenrepError(`${key} must be a string, got ${JSON.stringify(v)}`);
	}
	for (const key of ["shots", "weightDecays"] as const) {
		const v = options[key];
		if (v !== undefined && !Array.isArray(v))
			throw new GenrepError(`${key} must be a list of numbers, got ${JSON.stringify(v)}`);
	}
	const d = EVALUATE_DEFAULTS;
	const seed = options.seed ?? d.seed;
	if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
		throw new GenrepError(`seed must be an integer in [0, 2^32), got ${seed}`);
	}
	const positive = (name: string, value: number | undefined, fallback: number | null) => {
		const v = value ?? fallback;
		if (v !== null && (!Number.isInteger(v) || v < 1))
			throw new GenrepError(`${name} must be a positive integer, got ${v}`);
		return v;
	};
	const trainLimit = positive("trainLimit", options.trainLimit, null);
	const testLimit = positive("testLimit", options.testLimit, null);
	const shots = [...(options.shots ?? d.shots)];
	for (const n of shots) positive("shots (low-shot images per class)", n, null);
	const probe = resolveLinearProbeOptions({
		weightDecays: options.weightDecays ?? d.weightDecays,
		validationFraction: options.validationFraction ?? d.validationFraction,
		maxIterations: options.maxIterations ?? d.maxIterations,
		seed,
	});
	if (options.transfer === "") throw new GenrepError("transfer is empty; name a dataset or leave it out");
	return Object.freeze({
		encoder: options.encoder,
		dataset: options.dataset ?? d.dataset,
		transfer: options.transfer ?? null,
		seed,
		trainLimit,
		testLimit,
		batchSize: positive("batchSize", options.batchSize, d.batchSize) as number,
		k: positive("k", options.k, d.k) as number,
		shots,
		draws: positive("draws", options.draws, d.draws) as number,
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
