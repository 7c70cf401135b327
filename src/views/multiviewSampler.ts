/**
 * The multiview sampler (G + T_z): a block of anchors z ~ N_t(0, 1, t) with their classes,
 * K neighbours of each from a latent view, and the generator's images of all of them.
 * Block i draws only from `new Rng(seed).fork(`shard-${i}`)`, so its contents depend on
 * (seed, block index, block size, view, generator) and not on which other blocks ran: a
 * dataset's shards can be made in any order, by any number of processes.
 */
import { Rng } from "../engine/rng.js";
import { GenrepError } from "../errors.js";
import type { Generator } from "../generators/generator.js";
import { generateOnHost } from "../generators/sampling.js";
import { DEFAULT_ANCHOR_TRUNCATION, type LatentSpace, type LatentView, sampleAnchors } from "./latent/latentView.js";
import { generatorWeightsSha256 } from "./steer/walks.js";

export interface MultiviewSamplerOptions {
	/** K: views per anchor besides the anchor itself (>= 1). */
	neighbors: number;
	seed: number;
	/** Truncation t of the anchors' N_t(0, 1, t); default 2. */
	truncation?: number;
	/** Images per generate() call; default 256. */
	batchSize?: number;
	/**
	 * Conditional generators: each anchor's class is drawn uniformly from these; default all
	 * classes (the same draws as before this option existed).
	 */
	classes?: readonly number[];
}

/** One block of multiview samples; view 0 of each anchor is the anchor itself. */
export interface MultiviewBatch {
	/** Anchors in the block. */
	count: number;
	/** K + 1. */
	views: number;
	imageShape: [number, number, number];
	latentDim: number;
	images: Uint8Array; // [N, K+1, H, W, C], 0..255
	z: Float32Array; // [N, K+1, d]
	/** Class of each anchor (shared by its views), or null for an unconditional generator. */
	y: Int32Array | null; // [N]
}

/** Checks counts and the view against the generator; GenrepErrors name the bad value. */
export function checkSamplerOptions(generator: Generator, view: LatentView, options: MultiviewSamplerOptions): void {
	positiveInteger("neighbors", options.neighbors);
	if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
		throw new GenrepError(`seed must be an integer in [0, 2^32), got ${options.seed}`);
	}
	const t = options.truncation ?? DEFAULT_ANCHOR_TRUNCATION;
	if (!(t > 0)) throw new GenrepError(`truncation must be a positive number, got ${t}`);
	if (options.batchSize !== undefined) positiveInteger("batchSize", options.batchSize);
	if (options.classes !== undefined) checkClasses(options.classes, generator);
	view.checkCompatible(latentSpace(generator, t), generator.id);
}

function checkClasses(classes: readonly number[], generator: Generator): void {
	if (generator.numClasses === 0) {
		throw new GenrepError(`classes: ${generator.id} is unconditional (numClasses 0); leave the classes out`);
	}
	if (classes.length === 0) throw new GenrepError("classes is empty: name at least one class, or leave it out");
	for (const c of classes) {
		if (!Number.isInteger(c) || c < 0 || c >= generator.numClasses) {
			throw new GenrepError(
				`class ${c} is not a class of ${generator.id}: classes are integers 0..${generator.numClasses - 1}`,
			);
		}
	}
}

export function positiveInteger(name: string, value: unknown): number {
	if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
		throw new GenrepError(`${name} must be a positive integer, got ${String(value)}`);
	}
	return value;
}

function latentSpace(generator: Generator, truncation: number): LatentSpace {
	return {
		latentDim: generator.latentDim,
		numClasses: generator.numClasses,
		truncation,
		differentiable: generator.differentiable,
		weightsSha256: () => generatorWeightsSha256(generator),
	};
}

/** Block `index` of `count` anchors: deterministic for (seed, index, count, view, generator). */
export async function sampleMultiviewBlock(
	generator: Generator,
	view: LatentView,
	index: number,
	count: number,
	options: MultiviewSamplerOptions,
): Promise<MultiviewBatch> {
	checkSamplerOptions(generator, view, options);
	positiveInteger("anchors", count);
	if (!Number.isInteger(index) || index < 0) throw new GenrepError(`block index must be >= 0, got ${index}`);
	const truncation = options.truncation ?? DEFAULT_ANCHOR_TRUNCATION;
	const space = latentSpace(generator, truncation);
	const k = options.neighbors;
	const d = generator.latentDim;
	const views = k + 1;
	const rng = new Rng(options.seed).fork(`shard-${index}`);
	const anchors = sampleAnchors(rng.fork("anchors"), count, d, truncation); // [N, d]
	let y: Int32Array | null = null;
	if (generator.numClasses > 0) {
		const labelRng = rng.fork("labels");
		const classes = options.classes;
		y = Int32Array.from({ length: count }, () =>
			classes ? classes[labelRng.int(classes.length)] : labelRng.int(generator.numClasses),
		); // [N]
	}
	const neighbours = view.neighbours(rng.fork("views"), anchors, k, space); // [N, K, d]
	const z = new Float32Array(count * views * d); // [N, K+1, d]
	for (let i = 0; i < count; i++) {
		z.set(anchors.subarray(i * d, (i + 1) * d), i * views * d);
		z.set(neighbours.subarray(i * k * d, (i + 1) * k * d), (i * views + 1) * d);
	}
	const labels = y
		? Int32Array.from({ length: count * views }, (_, j) => (y as Int32Array)[Math.floor(j / views)])
		: null;
	const pixels = await generateOnHost(generator, z, labels, options.batchSize); // [N * (K+1), H, W, C] in [-1, 1]
	return {
		count,
		views,
		imageShape: [...generator.imageShape],
		latentDim: d,
		images: toUint8(pixels),
		z,
		y,
	};
}

/** [-1, 1] -> 0..255, rounded and clipped. */
export function toUint8(values: Float32Array): Uint8Array {
	const out = new Uint8Array(values.length);
	for (let i = 0; i < values.length; i++) {
		const v = Math.round((values[i] + 1) * 127.5);
		out[i] = Math.min(255, Math.max(0, v));
	}
	return out;
}
