/** The options of walk training (`genrep steer train`), their defaults and their resolver against a generator. */
import { GenrepError } from "../../errors.js";
import type { Generator } from "../../generators/generator.js";
import { checkAlphaRange, latentUnit, PIXEL_EDIT_NAMES, type PixelEditName, pixelEdit } from "./pixelEdits.js";
import { type ResolvedWalkGradient, resolveWalkGradient, type WalkGradientOptions } from "./walkGradient.js";

export interface WalkTrainingOptions extends WalkGradientOptions {
	/** Edits to learn walks for, in this order; default all six. */
	edits?: string[];
	/** Alpha range per edit; default each edit's defaultRange. */
	alphaRanges?: Record<string, unknown>;
	/** Adam steps per walk; default 300. */
	steps?: number;
	/** Latents per step; default 32. */
	batchSize?: number;
	/** Adam learning rate on w (decayed to 0 along a cosine); default 0.05. */
	learningRate?: number;
	seed?: number;
	/** Truncation t of the training and evaluation z; default: the generator's. */
	truncation?: number;
	/** Held-out latents the error reduction is measured on; default 256. */
	evalSamples?: number;
	/** Alphas per walk in that measurement (spread over the range); default 8. */
	evalAlphas?: number;
	/** Called every `progressEvery` steps (and at each walk's last). */
	onProgress?: (event: WalkProgress) => void;
	progressEvery?: number;
}

export const WALK_TRAINING_DEFAULTS = {
	steps: 300,
	batchSize: 32,
	learningRate: 0.05,
	seed: 0,
	evalSamples: 256,
	evalAlphas: 8,
	progressEvery: 25,
} as const;

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

const show = (value: unknown) => (typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value)));

function integer(name: string, value: unknown, min: number): number {
	if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
		throw new GenrepError(`steer train: ${name} must be an integer >= ${min}, got ${show(value)}`);
	}
	return value;
}

function positive(name: string, value: unknown): number {
	if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
		throw new GenrepError(`steer train: ${name} must be a positive number, got ${show(value)}`);
	}
	return value;
}

/** Validates options against the generator; errors name the bad value. */
export function resolveWalkTraining(generator: Generator, options: WalkTrainingOptions): ResolvedWalkTraining {
	const d = WALK_TRAINING_DEFAULTS;
	const names = options.edits ?? PIXEL_EDIT_NAMES;
	if (names.length === 0) throw new GenrepError("steer train: no edits given");
	const twice = names.find((n, i) => names.indexOf(n) !== i);
	if (twice) throw new GenrepError(`steer train: edit '${twice}' is listed twice`);
	const [h, w] = generator.imageShape;
	const ranges = options.alphaRanges ?? {};
	for (const key of Object.keys(ranges)) {
		if (!names.includes(key)) pixelEdit(key); // unknown edit names fail here
		if (!names.includes(key)) throw new GenrepError(`steer train: alpha range for '${key}', which is not trained`);
	}
	const edits = names.map((name) => {
		const edit = pixelEdit(name);
		const range = checkAlphaRange(name, ranges[name] ?? edit.defaultRange, h, w);
		return { name: name as PixelEditName, range, unit: latentUnit(name as PixelEditName, range) };
	});
	return {
		edits,
		steps: integer("steps", options.steps ?? d.steps, 1),
		batchSize: integer("batchSize", options.batchSize ?? d.batchSize, 1),
		learningRate: positive("learningRate", options.learningRate ?? d.learningRate),
		seed: integer("seed", options.seed ?? d.seed, 0),
		truncation: positive("truncation", options.truncation ?? generator.defaultTruncation),
		evalSamples: integer("evalSamples", options.evalSamples ?? d.evalSamples, 1),
		evalAlphas: integer("evalAlphas", options.evalAlphas ?? d.evalAlphas, 1),
		progressEvery: integer("progressEvery", options.progressEvery ?? d.progressEvery, 1),
		gradient: resolveWalkGradient(generator, options),
	};
}
