/**
 * The options of walk training (trainSteeringWalks, `genrep steer train`) as one zod schema,
 * their defaults and their resolver against a generator: the library validates with the schema,
 * the types derive from it and the CLI builds its flags from it. Errors open with "steer train: "
 * and name the bad value.
 */
import { z } from "zod";
import { integerIn, listOf, parseOptions, positiveNumber, seed, text } from "../../engine/options.js";
import { GenrepError } from "../../errors.js";
import type { Generator } from "../../generators/generator.js";
import { checkAlphaRange, latentUnit, PIXEL_EDIT_NAMES, type PixelEditName, pixelEdit } from "./pixelEdits.js";
import { type ResolvedWalkGradient, resolveWalkGradient, WALK_GRADIENT_OPTIONS } from "./walkGradient.js";

export const WALK_TRAINING_DEFAULTS = {
	steps: 300,
	batchSize: 32,
	learningRate: 0.05,
	seed: 0,
	evalSamples: 256,
	evalAlphas: 8,
	progressEvery: 25,
} as const;

/** 1, 2, 3, ... as steer train has always said it ("steps must be an integer >= 1, got 0"). */
const count = () => integerIn(1, undefined, "an integer >= 1");

export const WALK_TRAINING_OPTIONS = z.strictObject({
	/** A shipped generator's name or a model directory (tfjs or ONNX). */
	generator: text(),
	/** The walks folder to create (must not exist or be empty). */
	out: text(),
	/** Edits to learn walks for, in this order; default all six. */
	edits: listOf(text(), { min: 1 }).optional(),
	/** Alpha range per edit ([min, max], checked against the edit and the image size); default each edit's defaultRange. */
	alphaRanges: z.record(z.string(), z.unknown()).optional(),
	/** Adam steps per walk; default 300. */
	steps: count().default(WALK_TRAINING_DEFAULTS.steps),
	/** Latents per step; default 32. */
	batchSize: count().default(WALK_TRAINING_DEFAULTS.batchSize),
	/** Adam learning rate on w (decayed to 0 along a cosine); default 0.05. */
	learningRate: positiveNumber().default(WALK_TRAINING_DEFAULTS.learningRate),
	seed: seed().default(WALK_TRAINING_DEFAULTS.seed),
	/** Truncation t of the training and evaluation z; default: the generator's. */
	truncation: positiveNumber().optional(),
	/** Held-out latents the error reduction is measured on; default 256. */
	evalSamples: count().default(WALK_TRAINING_DEFAULTS.evalSamples),
	/** Alphas per walk in that measurement (spread over the range); default 8. */
	evalAlphas: count().default(WALK_TRAINING_DEFAULTS.evalAlphas),
	...WALK_GRADIENT_OPTIONS.shape,
	/** The command line, recorded in the card. */
	command: z.string().optional(),
	/** Called every `progressEvery` steps (and at each walk's last). */
	onProgress: z.custom<(event: WalkProgress) => void>((v) => typeof v === "function").optional(),
	progressEvery: count().default(WALK_TRAINING_DEFAULTS.progressEvery),
});

export type WalkTrainingOptions = z.input<typeof WALK_TRAINING_OPTIONS>;

export interface WalkProgress {
	walk: PixelEditName;
	/** Index of the walk among those trained, and their number. */
	index: number;
	walks: number;
	step: number;
	steps: number;
	/** Mean masked MSE of the last `progressEvery` steps. */
	loss: number;
	seconds: number;
}

export interface ResolvedWalkTraining {
	edits: { name: PixelEditName; range: readonly [number, number]; unit: number }[];
	steps: number;
	batchSize: number;
	learningRate: number;
	seed: number;
	truncation: number;
	evalSamples: number;
	evalAlphas: number;
	progressEvery: number;
	gradient: ResolvedWalkGradient;
}

/** The options checked and their defaults filled in (before the generator is known). */
export type ParsedWalkTraining = z.output<typeof WALK_TRAINING_OPTIONS>;

/** Checks the options alone (no generator needed): a GenrepError names the bad value. */
export function parseWalkTraining(options: WalkTrainingOptions): ParsedWalkTraining {
	return parseOptions(WALK_TRAINING_OPTIONS, options, "walk training", "steer train: ");
}

/** Resolves parsed options against the generator (edits, alpha ranges, gradient); errors name the bad value. */
export function resolveWalkTraining(generator: Generator, o: ParsedWalkTraining): ResolvedWalkTraining {
	const names = o.edits ?? PIXEL_EDIT_NAMES;
	const twice = names.find((n, i) => names.indexOf(n) !== i);
	if (twice) throw new GenrepError(`steer train: edit '${twice}' is listed twice`);
	const [h, w] = generator.imageShape;
	const ranges = o.alphaRanges ?? {};
	for (const key of Object.keys(ranges)) {
		if (!names.includes(key)) pixelEdit(key); // unknown edit names fail here
		if (!names.includes(key)) throw new GenrepError(`steer train: alpha range for '${key}', which is not trained`);
	}
	const edits = names.map((name) => {
		const edit = pixelEdit(name);
		const range = checkAlphaRange(name, ranges[name] ?? edit.defaultRange, h, w);
		return { name: name as PixelEditName, range, unit: latentUnit(name as PixelEditName, range) };
	});
	const truncation = o.truncation ?? generator.defaultTruncation;
	return {
		edits,
		steps: o.steps,
		batchSize: o.batchSize,
		learningRate: o.learningRate,
		seed: o.seed,
		truncation,
		evalSamples: o.evalSamples,
		evalAlphas: o.evalAlphas,
		progressEvery: o.progressEvery,
		gradient: resolveWalkGradient(generator, { gradient: o.gradient, probes: o.probes, probeScale: o.probeScale }),
	};
}
