/**
 * Sampling a generator on the host side: seeded truncated-normal latents, class labels laid
 * out for a grid (rows are classes for a conditional model), generation in batches, and the
 * sample grid behind `genrep gan sample`. Everything is a function of the seed.
 */
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../engine/rng.js";
import { truncatedNormal } from "../engine/truncatedNormal.js";
import { GenrepError } from "../errors.js";
import type { Generator } from "./generator.js";

/** z [n, latentDim] ~ N_t(0, 1, truncation), row-major; `Infinity` gives the plain normal. */
export function sampleLatents(rng: Rng, n: number, latentDim: number, truncation: number): Float32Array {
	return truncatedNormal(rng, n * latentDim, 0, 1, truncation);
}

/** Where each sample of a grid goes: its class (conditional) and the grid's columns. */
export interface GridLayout {
	/** Samples in the grid (conditional: numClasses * perClass). */
	count: number;
	columns: number;
	rows: number;
	/** Class of each sample, class-major (conditional), or null. */
	labels: Int32Array | null;
	/** Samples of each class (conditional), else count. */
	perClass: number;
}

/**
 * Conditional: one row per class with ceil(n / classes) samples each (so at least n in all);
 * unconditional: n samples in a square-ish grid (ceil(sqrt(n)) columns). `columns` overrides
 * the number of columns; samples stay in class-major order.
 */
export function gridLayout(numClasses: number, n: number, columns?: number): GridLayout {
	if (!Number.isInteger(n) || n < 1) throw new GenrepError(`n must be a positive integer, got ${n}`);
	if (columns !== undefined && (!Number.isInteger(columns) || columns < 1)) {
		throw new GenrepError(`columns must be a positive integer, got ${columns}`);
	}
	if (numClasses > 0) {
		const perClass = Math.ceil(n / numClasses);
		const count = perClass * numClasses;
		const labels = Int32Array.from({ length: count }, (_, i) => Math.floor(i / perClass));
		const cols = columns ?? perClass;
		return { count, columns: cols, rows: Math.ceil(count / cols), labels, perClass };
	}
	const cols = columns ?? Math.ceil(Math.sqrt(n));
	return { count: n, columns: cols, rows: Math.ceil(n / cols), labels: null, perClass: n };
}

/**
 * Runs the generator on host latents (and labels) in batches of `batchSize`; returns the
 * images [N, H, W, C] in [-1, 1] on the host. Leaves no tensors behind.
 */
export async function generateOnHost(
	generator: Generator,
	z: Float32Array, // [N, d]
	labels: Int32Array | null, // [N]
	batchSize = 256,
): Promise<Float32Array> {
	const d = generator.latentDim;
	const n = z.length / d;
	if (!Number.isInteger(n)) throw new RangeError(`z has ${z.length} values, not a multiple of latentDim ${d}`);
	const [h, w, c] = generator.imageShape;
	const imageSize = h * w * c;
	const out = new Float32Array(n * imageSize);
	for (let start = 0; start < n; start += batchSize) {
		const count = Math.min(batchSize, n - start);
		const zBatch = tf.tensor2d(z.subarray(start * d, (start + count) * d), [count, d]);
		const yBatch = labels ? tf.tensor1d(labels.subarray(start, start + count), "int32") : undefined;
		try {
			const images = await generator.generate(zBatch, yBatch); // [count, H, W, C]
			out.set(await images.data(), start * imageSize);
			images.dispose();
		} finally {
			tf.dispose([zBatch, ...(yBatch ? [yBatch] : [])]);
		}
	}
	return out;
}

export interface SampleGridOptions {
	/** At least this many samples (conditional: rounded up to a multiple of the classes). */
	n: number;
	seed: number;
	/** Truncation t of z ~ N_t(0, 1, t); default: the card's defaultTruncation. */
	truncation?: number;
	/** Grid columns; default: samples per class (conditional) or ceil(sqrt(n)). */
	columns?: number;
	/** Images per generate() call; default 256. */
	batchSize?: number;
}

export interface SampleGrid extends GridLayout {
	images: Float32Array; // [count, H, W, C] in [-1, 1]
	z: Float32Array; // [count, d]
	truncation: number;
}

/** Draws z from Rng(seed) with truncation t and generates a grid's samples (deterministic per seed). */
export async function sampleGrid(generator: Generator, options: SampleGridOptions): Promise<SampleGrid> {
	const truncation = options.truncation ?? generator.defaultTruncation;
	if (!(truncation > 0)) throw new GenrepError(`truncation must be positive, got ${truncation}`);
	const layout = gridLayout(generator.numClasses, options.n, options.columns);
	const z = sampleLatents(new Rng(options.seed), layout.count, generator.latentDim, truncation);
	const images = await generateOnHost(generator, z, layout.labels, options.batchSize);
	return { ...layout, images, z, truncation };
}
