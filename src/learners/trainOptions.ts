/**
 * The options of representation training (trainRepresentation, `genrep train`) as one zod
 * schema: the library validates with it, TrainOptions is derived from it, and the CLI builds
 * its flags from it. Light on purpose (zod and types only), so `genrep --help` stays fast; the
 * resolver, which also checks the method and encoder against their registries, is in trainer.ts.
 */
import { z } from "zod";
import type { PrecisionRequest } from "../engine/native/precision.js";
import {
	choice,
	flag,
	nonNegativeNumber,
	numberIn,
	positiveInt,
	positiveNumber,
	seed,
	showValue,
	text,
} from "../engine/options.js";
import type { ProgressMode } from "../engine/progress.js";
import type { PixelAugmentOptions } from "../views/pixel/simclrAugment.js";
import type { StemName } from "./encoders/resnet.js";
import type { ObjectiveName } from "./objectives/registry.js";
import type { DataSourceOptions } from "./sources/types.js";

/**
 * Defaults follow GenRep/SimCLR: lr 0.03 at batch 256 scaled linearly with the batch size,
 * momentum 0.9, weight decay 1e-4 (SGD_DEFAULTS), temperature 0.1, 5% linear warm-up then cosine.
 * The key order is that of a run's config.json.
 */
export const TRAIN_DEFAULTS = {
	stem: "auto" as StemName | "auto",
	pixelViews: true,
	epochs: 1,
	batchSize: 256,
	lr: 0.03,
	momentum: 0.9,
	weightDecay: 1e-4,
	temperature: 0.1,
	warmupFraction: 0.05,
	seed: 0,
	checkpointEverySeconds: 300,
	logEverySteps: 10,
	progress: "auto" as ProgressMode,
	precision: "auto" as PrecisionRequest,
	prefetch: true,
} as const;

const STEM_CHOICES = ["auto", "cifar", "imagenet"] as const satisfies readonly (StemName | "auto")[];
const PROGRESS_CHOICES = ["auto", "json", "none"] as const satisfies readonly ProgressMode[];
const PRECISION_CHOICES = ["auto", "fp32", "bf16"] as const satisfies readonly PrecisionRequest[];

const isObject = (v: unknown): boolean => typeof v === "object" && v !== null && !Array.isArray(v);

export const TRAIN_OPTIONS = z.strictObject({
	/** simclr, supcon, multipos, inverter or classifier (checked against the objective registry). */
	method: text(),
	/** An encoder registry name (resnet-tiny, resnet18; checked against the encoder registry). */
	encoder: text(),
	/** The encoder's stem: auto (by image size), cifar or imagenet. Default auto. */
	stem: choice(STEM_CHOICES).default(TRAIN_DEFAULTS.stem),
	/** The training source (checked by openSource against its kind's schema, sources/types.ts). */
	data: z.custom<DataSourceOptions>(isObject, {
		error: (issue) =>
			issue.input === undefined
				? "data (the training source) is required"
				: `data must be a training source such as { kind: "real", dataset: "fashion-mnist" }, got ${showValue(issue.input)}`,
	}),
	/**
	 * Side of the square images the encoder trains on. The source's images (generator output
	 * or real data) are cropped and resized to it by the pixel views (random resized crops, as
	 * the paper's 112-px crops of 128-px samples), or resized without them. Default: the
	 * source's height (its images must then be square).
	 */
	imageSize: positiveInt({ label: "imageSize (pixels)" }).optional(),
	/** SimCLR pixel views (T_x) on every view: true (defaults), false, or options. Default true. */
	pixelViews: z
		.union([z.boolean(), z.custom<PixelAugmentOptions>(isObject)], {
			error: (issue) => `pixelViews must be true, false or pixel-view options, got ${showValue(issue.input)}`,
		})
		.default(TRAIN_DEFAULTS.pixelViews),
	/** Passes over the source's epoch; ignored when `steps` is given. Default 1. */
	epochs: positiveInt().default(TRAIN_DEFAULTS.epochs),
	/** Total optimizer steps (overrides epochs). */
	steps: positiveInt().optional(),
	/** Anchors per step (multipos: each with its K latent views, B x (K + 1) images). */
	batchSize: positiveInt().default(TRAIN_DEFAULTS.batchSize),
	/** Learning rate at batch size 256, scaled linearly (multipos: with B x (K + 1) / 2, see groupBatch.ts). */
	lr: positiveNumber().default(TRAIN_DEFAULTS.lr),
	/** SGD momentum, in [0, 1). */
	momentum: numberIn(0, 1, "[)").default(TRAIN_DEFAULTS.momentum),
	/** SGD weight decay (not applied to biases and batch-norm parameters). */
	weightDecay: nonNegativeNumber().default(TRAIN_DEFAULTS.weightDecay),
	/** Temperature of the contrastive methods. */
	temperature: positiveNumber().default(TRAIN_DEFAULTS.temperature),
	/** Fraction of the steps spent warming up; default 0.05. */
	warmupFraction: numberIn(0, 1, "[)").default(TRAIN_DEFAULTS.warmupFraction),
	seed: seed().default(TRAIN_DEFAULTS.seed),
	/** The run directory. */
	out: text({ label: "out (the run directory)" }),
	/** Continue from the checkpoint in `out` (same config); else `out` must be empty or absent. */
	resume: flag().default(false),
	checkpointEverySeconds: positiveNumber().default(TRAIN_DEFAULTS.checkpointEverySeconds),
	logEverySteps: positiveInt().default(TRAIN_DEFAULTS.logEverySteps),
	progress: choice(PROGRESS_CHOICES).default(TRAIN_DEFAULTS.progress),
	/**
	 * Precision of the convolutions and matrix products: "bf16" mixed precision (oneDNN bf16 on
	 * CPUs with avx512_core_bf16; fp32 master weights, gradients and batch-norm statistics),
	 * "fp32", or "auto" (default): bf16 where the CPU and the native addon run it, else fp32.
	 * An explicit "bf16" where they do not gives a warning on stderr and fp32. The precision
	 * that ran (never "auto") is recorded in the run's config.json.
	 */
	precision: choice(PRECISION_CHOICES).default(TRAIN_DEFAULTS.precision),
	/**
	 * Prepare step s + 1's batch in a worker thread while step s trains (live generator
	 * sources; default true). The batches, and so the weights, are the same either way.
	 */
	prefetch: flag().default(TRAIN_DEFAULTS.prefetch),
	/** The command line, for the encoder card. */
	command: z.string().optional(),
	/** Aborting stops after the current step with a checkpoint (the CLI wires Ctrl-C to it). */
	signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal).optional(),
	/** Called after every step with the steps done, the total and the loss (runners, tests). */
	onStep: z.custom<(done: number, steps: number, loss: number) => void>((v) => typeof v === "function").optional(),
});

export type TrainOptions = z.input<typeof TRAIN_OPTIONS>;

/** Options that are not part of a run's configuration (not saved, not compared on resume). */
export const TRAIN_CALLBACKS = ["command", "signal", "onStep"] as const;

/**
 * The validated, read-only options: every default filled in, the callbacks left out, the
 * method checked against the objective registry (resolveTrainOptions in trainer.ts, which
 * loads the registries this file stays clear of).
 */
export type ResolvedTrainOptions = Readonly<
	Omit<z.output<typeof TRAIN_OPTIONS>, (typeof TRAIN_CALLBACKS)[number] | "method"> & { method: ObjectiveName }
>;
