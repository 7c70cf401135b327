/** The options of representation training (`genrep train`), their defaults, and their validation. */
import { isPrecision, PRECISIONS, type Precision } from "../engine/native/precision.js";
import { SGD_DEFAULTS, Sgd } from "../engine/optim/sgd.js";
import { PROGRESS_MODES, type ProgressMode } from "../engine/progress.js";
import { GenrepError } from "../errors.js";
import type { PixelAugmentOptions } from "../views/pixel/simclrAugment.js";
import { createEncoder, isEncoderName } from "./encoders/registry.js";
import { STEMS, type StemName } from "./encoders/resnet.js";
import { getObjective, type ObjectiveName } from "./objectives/registry.js";
import type { DataSourceOptions } from "./sources/index.js";

export interface TrainOptions {
	/** simclr, supcon, multipos, inverter or classifier. */
	method: string;
	/** An encoder registry name (resnet-tiny, resnet18). */
	encoder: string;
	/** The encoder's stem: auto (by image size), cifar or imagenet. Default auto. */
	stem?: StemName | "auto";
	data: DataSourceOptions;
	/**
	 * Side of the square images the encoder trains on. The source's images (generator output
	 * or real data) are cropped and resized to it by the pixel views (random resized crops, as
	 * the paper's 112-px crops of 128-px samples), or resized without them. Default: the
	 * source's height (its images must then be square).
	 */
	imageSize?: number;
	/** SimCLR pixel views (T_x) on every view: true (defaults), false, or options. Default true. */
	pixelViews?: boolean | PixelAugmentOptions;
	/** Passes over the source's epoch; ignored when `steps` is given. Default 1. */
	epochs?: number;
	/** Total optimizer steps (overrides epochs). */
	steps?: number;
	/** Anchors per step (multipos: each with its K latent views, B x (K + 1) images). */
	batchSize?: number;
	/** Learning rate at batch size 256, scaled linearly (multipos: with B x (K + 1) / 2, see groupBatch.ts). */
	lr?: number;
	momentum?: number;
	weightDecay?: number;
	/** Temperature of the contrastive methods. */
	temperature?: number;
	/** Fraction of the steps spent warming up; default 0.05. */
	warmupFraction?: number;
	seed?: number;
	/** The run directory. */
	out: string;
	/** Continue from the checkpoint in `out` (same config); else `out` must be empty or absent. */
	resume?: boolean;
	checkpointEverySeconds?: number;
	logEverySteps?: number;
	progress?: ProgressMode;
	/** The command line, for the encoder card. */
	command?: string;
	/** Aborting stops after the current step with a checkpoint (the CLI wires Ctrl-C to it). */
	signal?: AbortSignal;
	/** Called after every step with the steps done, the total and the loss (runners, tests). */
	onStep?: (done: number, steps: number, loss: number) => void;
	/**
	 * Precision of the convolutions and matrix products: "fp32" (default) or "bf16" mixed
	 * precision (oneDNN bf16 on CPUs with avx512_core_bf16; fp32 master weights, gradients and
	 * batch-norm statistics). Where the CPU or the native addon lacks bf16, a warning on
	 * stderr and fp32. Recorded in the run's config.json.
	 */
	precision?: Precision;
	/**
	 * Prepare step s + 1's batch in a worker thread while step s trains (live generator
	 * sources; default true). The batches, and so the weights, are the same either way.
	 */
	prefetch?: boolean;
}

export const TRAIN_DEFAULTS = {
	stem: "auto" as StemName | "auto",
	pixelViews: true,
	epochs: 1,
	batchSize: 256,
	lr: 0.03,
	momentum: SGD_DEFAULTS.momentum,
	weightDecay: SGD_DEFAULTS.weightDecay,
	temperature: 0.1,
	warmupFraction: 0.05,
	seed: 0,
	checkpointEverySeconds: 300,
	logEverySteps: 10,
	progress: "auto" as ProgressMode,
	precision: "fp32" as Precision,
	prefetch: true,
} as const;

export type ResolvedTrainOptions = Readonly<
	Required<Omit<TrainOptions, "steps" | "command" | "signal" | "onStep" | "method" | "imageSize">> & {
		method: ObjectiveName;
		steps: number | undefined;
		imageSize: number | undefined;
	}
>;

/** Validates the options (errors name the bad value) and fills in the defaults. */
export function resolveTrainOptions(options: TrainOptions): ResolvedTrainOptions {
	const known = new Set([
		...Object.keys(TRAIN_DEFAULTS),
		"method",
		"encoder",
		"data",
		"steps",
		"out",
		"resume",
		"imageSize",
	]);
	for (const key of ["command", "signal", "onStep"]) known.add(key);
	for (const key of Object.keys(options)) {
		if (!known.has(key)) throw new GenrepError(`unknown training option '${key}'`);
	}
	const given = Object.fromEntries(
		Object.entries(options).filter(([k, v]) => v !== undefined && !["command", "signal", "onStep"].includes(k)),
	);
	const r = {
		...TRAIN_DEFAULTS,
		resume: false,
		steps: undefined,
		imageSize: undefined,
		...given,
	} as ResolvedTrainOptions;
	getObjective(r.method);
	if (!isEncoderName(r.encoder)) createEncoder(r.encoder); // throws the registry's error
	if (r.stem !== "auto" && !STEMS.includes(r.stem)) {
		throw new GenrepError(`stem must be auto, ${STEMS.join(" or ")}, got '${r.stem}'`);
	}
	if (r.imageSize !== undefined && (!Number.isInteger(r.imageSize) || r.imageSize < 1)) {
		throw new GenrepError(`imageSize must be a positive integer (pixels), got ${r.imageSize}`);
	}
	const positiveInt = ["epochs", "batchSize", "logEverySteps"] as const;
	for (const key of positiveInt) {
		if (!Number.isInteger(r[key]) || r[key] < 1)
			throw new GenrepError(`${key} must be a positive integer, got ${r[key]}`);
	}
	if (r.steps !== undefined && (!Number.isInteger(r.steps) || r.steps < 1)) {
		throw new GenrepError(`steps must be a positive integer, got ${r.steps}`);
	}
	for (const key of ["lr", "temperature", "checkpointEverySeconds"] as const) {
		if (!(r[key] > 0) || !Number.isFinite(r[key])) {
			throw new GenrepError(`${key} must be a positive number, got ${r[key]}`);
		}
	}
	if (!(r.warmupFraction >= 0 && r.warmupFraction < 1)) {
		throw new GenrepError(`warmupFraction must be in [0, 1), got ${r.warmupFraction}`);
	}
	if (!Number.isInteger(r.seed) || r.seed < 0 || r.seed > 0xffffffff) {
		throw new GenrepError(`seed must be an integer in [0, 2^32), got ${r.seed}`);
	}
	if (!isPrecision(r.precision)) {
		throw new GenrepError(`precision must be ${PRECISIONS.join(" or ")}, got '${r.precision}'`);
	}
	if (typeof r.prefetch !== "boolean") {
		throw new GenrepError(`prefetch must be true or false, got ${JSON.stringify(r.prefetch)}`);
	}
	if (!PROGRESS_MODES.includes(r.progress)) {
		throw new GenrepError(`progress must be ${PROGRESS_MODES.join(", ")}, got ${r.progress}`);
	}
	if (typeof r.out !== "string" || r.out === "") throw new GenrepError("out (the run directory) is required");
	if (!r.data || typeof r.data !== "object") throw new GenrepError("data (the training source) is required");
	new Sgd(new Map(), { momentum: r.momentum, weightDecay: r.weightDecay }); // validates both
	return Object.freeze(r);
}
