/**
 * Learning steering walks (Jahanian et al. 2020, "On the steerability of GANs"): for each pixel
 * edit, a latent vector w minimising the masked MSE between G(z + latentStep(alpha) w) and
 * edit(G(z), alpha) over z ~ N_t(0, 1, t), random classes and alphas drawn over the edit's
 * range. The mask drops the pixels the edit leaves undefined. Every walk is then measured on
 * held-out z and a grid of alphas against w = 0 (the image left as it is), and drawn at several
 * alphas. The gradient with respect to w comes from autodiff through G (tfjs generators) or,
 * for black boxes (ONNX), from batched calls of G alone (walkGradient.ts, blackBoxGradient.ts).
 */
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import * as tf from "@tensorflow/tfjs-core";
import { HostAdam } from "../../engine/optim/adam.js";
import { Rng } from "../../engine/rng.js";
import { truncatedNormal } from "../../engine/truncatedNormal.js";
import { GenrepError } from "../../errors.js";
import type { Generator } from "../../generators/generator.js";
import { generateOnHost } from "../../generators/sampling.js";
import { blackBoxCallsPerStep, blackBoxWalkGradient } from "./blackBoxGradient.js";
import {
	alphaGrid,
	checkAlphaRange,
	drawAlpha,
	editImages,
	latentStep,
	latentUnit,
	PIXEL_EDIT_NAMES,
	PIXEL_EDITS,
	type PixelEditName,
	pixelEdit,
} from "./pixelEdits.js";
import {
	describeWalkGradient,
	type ResolvedWalkGradient,
	resolveWalkGradient,
	type WalkGradient,
	type WalkGradientOptions,
} from "./walkGradient.js";
import {
	generatorWeightsSha256,
	WALKS_CARD,
	WALKS_FIGURE,
	WALKS_FILE,
	WALKS_FORMAT,
	type WalkEntry,
	type WalksCard,
	walksTensors,
} from "./walks.js";

/** A generator whose forward pass runs inside tf.grad (TfjsGenerator). */
export interface DifferentiableGenerator extends Generator {
	forward(z: tf.Tensor2D, y?: tf.Tensor1D): tf.Tensor4D;
}

export function asDifferentiable(generator: Generator): DifferentiableGenerator {
	const forward = (generator as Partial<DifferentiableGenerator>).forward;
	if (!generator.differentiable || typeof forward !== "function") {
		throw new GenrepError(
			`steering walks need a differentiable (tfjs) generator, but ${generator.id} is a black box (ONNX): ` +
				"walks are learned through the generator's gradients; use the gaussian latent view with it instead",
		);
	}
	return generator as DifferentiableGenerator;
}

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

interface ResolvedWalkTraining {
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

/** z, classes and alphas of one batch, and the edited targets with their masks (host). */
interface EditBatch {
	z: Float32Array; // [B, d]
	labels: Int32Array | null; // [B]
	steps: Float32Array; // [B] latent coefficient of each alpha
	base: Float32Array; // [B, H, W, C] G(z)
	target: Float32Array; // [B, H, W, C] edit(G(z), alpha)
	mask: Float32Array; // [B, H, W]
}

async function editBatch(
	generator: Generator,
	name: PixelEditName,
	unit: number,
	z: Float32Array,
	labels: Int32Array | null,
	alphas: number[],
): Promise<EditBatch> {
	const base = await generateOnHost(generator, z, labels, alphas.length); // [B, H, W, C]
	const { target, mask } = editImages(name, base, generator.imageShape, alphas);
	const steps = Float32Array.from(alphas, (a) => latentStep(name, a, unit));
	return { z, labels, steps, base, target, mask };
}

/**
 * Masked MSE: sum(mask (a - b)^2) / (sum(mask) C); a, b [B, H, W, C], mask [B, H, W, 1].
 * Returns the scalar and the mask's weight.
 */
export function maskedMse(a: tf.Tensor4D, b: tf.Tensor4D, mask: tf.Tensor4D): tf.Scalar {
	return tf.tidy(() => {
		const channels = a.shape[3];
		const sq = tf.mul(tf.square(tf.sub(a, b)), mask); // [B, H, W, C]
		return tf.div(tf.sum(sq), tf.maximum(tf.mul(tf.sum(mask), channels), 1)) as tf.Scalar;
	});
}

/** G(z + s w) for the batch: z [B, d], s [B], w [d] -> [B, H, W, C]. */
function steered(
	generator: DifferentiableGenerator,
	z: tf.Tensor2D,
	steps: tf.Tensor2D, // [B, 1]
	w: tf.Tensor1D,
	y: tf.Tensor1D | undefined,
): tf.Tensor4D {
	return generator.forward(tf.add(z, tf.mul(steps, tf.reshape(w, [1, -1]))) as tf.Tensor2D, y); // [B, H, W, C]
}

/** Batch tensors of an EditBatch; the caller disposes them. */
function batchTensors(generator: Generator, batch: EditBatch) {
	const b = batch.steps.length;
	const [h, w, c] = generator.imageShape;
	return {
		z: tf.tensor2d(batch.z, [b, generator.latentDim]), // [B, d]
		steps: tf.tensor2d(batch.steps, [b, 1]), // [B, 1]
		y: batch.labels ? tf.tensor1d(batch.labels, "int32") : undefined, // [B]
		target: tf.tensor4d(batch.target, [b, h, w, c]), // [B, H, W, C]
		mask: tf.tensor4d(batch.mask, [b, h, w, 1]), // [B, H, W, 1]
	};
}

/** z_i + s_i w for every latent of the batch, on the host: [B, d]. */
function movedLatents(batch: EditBatch, vector: Float32Array): Float32Array {
	const d = vector.length;
	const out = Float32Array.from(batch.z); // [B, d]
	for (let i = 0; i < batch.steps.length; i++) for (let k = 0; k < d; k++) out[i * d + k] += batch.steps[i] * vector[k];
	return out;
}

function drawLabels(rng: Rng, generator: Generator, n: number): Int32Array | null {
	return generator.numClasses > 0 ? Int32Array.from({ length: n }, () => rng.int(generator.numClasses)) : null;
}

/** The objective's gradient through G's graph (tfjs generators). */
function autodiffWalkGradient(generator: DifferentiableGenerator, name: PixelEditName, unit: number): WalkGradient {
	return async ({ z, labels, alphas }, w) => {
		const batch = await editBatch(generator, name, unit, z, labels, alphas);
		const t = batchTensors(generator, batch);
		const wTensor = tf.tensor1d(w);
		const { value, grad } = tf.tidy(() =>
			tf.valueAndGrad((walk: tf.Tensor1D) => maskedMse(steered(generator, t.z, t.steps, walk, t.y), t.target, t.mask))(
				wTensor,
			),
		);
		const [loss] = await value.data();
		const g = (await grad.data()) as Float32Array;
		tf.dispose([value, grad, wTensor, t.z, t.steps, t.target, t.mask, ...(t.y ? [t.y] : [])]);
		return { loss, grad: g };
	};
}

/**
 * The gradient of one walk's objective by the resolved method; `seed` seeds the derivative-free
 * probes (their own stream, so z and alphas are the same draws whatever the method).
 */
export function walkGradient(
	generator: Generator,
	name: PixelEditName,
	unit: number,
	gradient: ResolvedWalkGradient,
	seed: number,
): WalkGradient {
	if (gradient.method === "autodiff") return autodiffWalkGradient(asDifferentiable(generator), name, unit);
	return blackBoxWalkGradient(generator, name, unit, gradient, new Rng(seed).fork(`probes-${name}`));
}

/**
 * Learns one walk with Adam (on the host; w is a single [d] vector), starting from w = 0.
 * Returns w and the loss of every step. The gradient is the options' (default: autodiff when
 * the generator has gradients, else derivative-free es).
 */
export async function trainWalk(
	generator: Generator,
	name: PixelEditName,
	range: readonly [number, number],
	options: Pick<ResolvedWalkTraining, "steps" | "batchSize" | "learningRate" | "seed" | "truncation"> & {
		gradient?: ResolvedWalkGradient;
	},
	onStep?: (step: number, loss: number) => void,
): Promise<{ vector: Float32Array; losses: number[] }> {
	const d = generator.latentDim;
	const unit = latentUnit(name, range);
	const rng = new Rng(options.seed).fork(`walk-${name}`);
	const gradientOf = walkGradient(
		generator,
		name,
		unit,
		options.gradient ?? resolveWalkGradient(generator, {}),
		options.seed,
	);
	const w = new Float32Array(d);
	const adam = new HostAdam(d); // beta1 0.9, beta2 0.999
	const losses: number[] = [];
	for (let step = 1; step <= options.steps; step++) {
		const z = truncatedNormal(rng, options.batchSize * d, 0, 1, options.truncation); // [B, d]
		const labels = drawLabels(rng, generator, options.batchSize);
		const alphas = Array.from({ length: options.batchSize }, () => drawAlpha(rng, name, range));
		const { loss, grad: g } = await gradientOf({ z, labels, alphas }, w);
		// Cosine decay to 0 over the steps, so the walk settles instead of following the last batches' noise.
		const decay = 0.5 * (1 + Math.cos((Math.PI * (step - 1)) / options.steps));
		adam.apply(w, g, step, options.learningRate * decay);
		losses.push(loss);
		onStep?.(step, loss);
	}
	return { vector: w, losses };
}

export interface WalkError {
	/** Masked MSE of G(z) against edit(G(z), alpha): the walk w = 0. */
	withoutWalk: number;
	/** Masked MSE of G(z + latentStep(alpha) w) against edit(G(z), alpha). */
	withWalk: number;
	/** 1 - withWalk / withoutWalk: the fraction of the error the walk removes. */
	reduction: number;
	byAlpha: { alpha: number; withoutWalk: number; withWalk: number }[];
}

/**
 * Measures a walk on `samples` held-out z (seeded by `seed`): sample i gets the i-th alpha
 * (cyclically) of `alphas` evenly spread over the range, the identity left out.
 */
export async function measureWalk(
	generator: Generator,
	name: PixelEditName,
	range: readonly [number, number],
	vector: Float32Array,
	options: { samples: number; alphas: number; seed: number; truncation: number; batchSize: number },
): Promise<WalkError> {
	const d = generator.latentDim;
	const unit = latentUnit(name, range);
	const identity = PIXEL_EDITS[name].identity;
	const grid = alphaGrid(name, range, options.alphas).filter((a) => Math.abs(a - identity) > 1e-9);
	if (grid.length === 0) throw new GenrepError(`steer train: no alphas other than ${identity} to measure ${name} at`);
	const rng = new Rng(options.seed).fork(`eval-${name}`);
	const z = truncatedNormal(rng, options.samples * d, 0, 1, options.truncation); // [N, d]
	const labels = drawLabels(rng, generator, options.samples);
	const sums = grid.map(() => ({ without: 0, with: 0, weight: 0 }));
	const [h, w, c] = generator.imageShape;
	const pixels = h * w;
	for (let start = 0; start < options.samples; start += options.batchSize) {
		const n = Math.min(options.batchSize, options.samples - start);
		const alphas = Array.from({ length: n }, (_, i) => grid[(start + i) % grid.length]);
		const batch = await editBatch(
			generator,
			name,
			unit,
			z.subarray(start * d, (start + n) * d),
			labels?.subarray(start, start + n) ?? null,
			alphas,
		);
		const pred = await generateOnHost(generator, movedLatents(batch, vector), batch.labels, n); // [n, H, W, C]
		for (let i = 0; i < n; i++) {
			const s = sums[(start + i) % grid.length];
			for (let p = 0; p < pixels; p++) {
				const mk = batch.mask[i * pixels + p];
				if (mk === 0) continue;
				s.weight += mk * c;
				for (let k = 0; k < c; k++) {
					const at = (i * pixels + p) * c + k;
					s.without += mk * (batch.base[at] - batch.target[at]) ** 2;
					s.with += mk * (pred[at] - batch.target[at]) ** 2;
				}
			}
		}
	}
	const total = sums.reduce(
		(a, s) => ({ without: a.without + s.without, with: a.with + s.with, weight: a.weight + s.weight }),
		{
			without: 0,
			with: 0,
			weight: 0,
		},
	);
	const withoutWalk = total.without / Math.max(total.weight, 1);
	const withWalk = total.with / Math.max(total.weight, 1);
	return {
		withoutWalk,
		withWalk,
		reduction: withoutWalk > 0 ? 1 - withWalk / withoutWalk : 0,
		byAlpha: grid.map((alpha, i) => ({
			alpha,
			withoutWalk: sums[i].without / Math.max(sums[i].weight, 1),
			withWalk: sums[i].with / Math.max(sums[i].weight, 1),
		})),
	};
}

/**
 * The figure: for each walk and each of `anchors` latents, a row of edit(G(z), alpha) (the
 * target; undefined pixels grey) above a row of G(z + latentStep(alpha) w), at `columns`
 * alphas over the range. Returns images [rows * columns, H, W, C] in [-1, 1].
 */
export async function walkFigure(
	generator: Generator,
	walks: { name: PixelEditName; range: readonly [number, number]; vector: Float32Array }[],
	options: { anchors: number; columns: number; seed: number; truncation: number },
): Promise<{ images: Float32Array; rows: number; alphas: Record<string, number[]> }> {
	const d = generator.latentDim;
	const [h, w, c] = generator.imageShape;
	const size = h * w * c;
	const rng = new Rng(options.seed).fork("figure");
	const z = truncatedNormal(rng, options.anchors * d, 0, 1, options.truncation); // [A, d]
	const labels = drawLabels(rng, generator, options.anchors);
	const rows = walks.length * options.anchors * 2;
	const images = new Float32Array(rows * options.columns * size); // [rows, columns, H, W, C]
	const alphas: Record<string, number[]> = {};
	for (const [wi, walk] of walks.entries()) {
		const grid = alphaGrid(walk.name, walk.range, options.columns);
		alphas[walk.name] = grid;
		for (let a = 0; a < options.anchors; a++) {
			const zRep = new Float32Array(options.columns * d);
			for (let j = 0; j < options.columns; j++) zRep.set(z.subarray(a * d, (a + 1) * d), j * d);
			const y = labels ? new Int32Array(options.columns).fill(labels[a]) : null;
			const batch = await editBatch(generator, walk.name, latentUnit(walk.name, walk.range), zRep, y, grid);
			const moved = await generateOnHost(generator, movedLatents(batch, walk.vector), y, options.columns);
			const row = (wi * options.anchors + a) * 2;
			images.set(batch.target, row * options.columns * size);
			images.set(moved, (row + 1) * options.columns * size);
		}
	}
	return { images, rows, alphas };
}

export interface SteerTrainOptions extends WalkTrainingOptions {
	/** A shipped generator's name or a model directory (tfjs). */
	generator: string;
	/** The walks folder to create (must not exist or be empty). */
	out: string;
	/** The command line, recorded in the card. */
	command?: string;
}

export interface SteerTrainResult {
	card: WalksCard;
	out: string;
	seconds: number;
}

/**
 * `genrep steer train`: learns one walk per edit (autodiff for tfjs generators, derivative-free
 * for black boxes, or the method the options name), measures
 * each against w = 0, draws the figure, and writes walks.safetensors, walks.json and
 * walks.png into `out` (built beside it and renamed when complete, so a failure leaves
 * nothing behind).
 */
export async function trainSteeringWalks(options: SteerTrainOptions): Promise<SteerTrainResult> {
	const entries = await readdir(options.out).catch(() => null);
	if (entries && entries.length > 0) {
		throw new GenrepError(`--out ${options.out} already exists and is not empty; choose a new folder`);
	}
	const { loadGenerator } = await import("../../generators/load.js");
	const loaded = await loadGenerator(options.generator);
	try {
		const generator = loaded;
		const r = resolveWalkTraining(generator, options);
		const weightsSha256 = generatorWeightsSha256(generator);
		if (weightsSha256 === null) throw new GenrepError(`${generator.id}: no weights file to tie the walks to`);
		const started = performance.now();
		const vectors = new Map<PixelEditName, Float32Array>();
		const walks: WalkEntry[] = [];
		for (const [index, { name, range, unit }] of r.edits.entries()) {
			let window = 0;
			let count = 0;
			const { vector, losses } = await trainWalk(generator, name, range, r, (step, loss) => {
				window += loss;
				count++;
				if (step % r.progressEvery === 0 || step === r.steps) {
					options.onProgress?.({
						walk: name,
						index,
						walks: r.edits.length,
						step,
						steps: r.steps,
						loss: window / count,
						seconds: (performance.now() - started) / 1000,
					});
					window = 0;
					count = 0;
				}
			});
			const error = await measureWalk(generator, name, range, vector, {
				samples: r.evalSamples,
				alphas: r.evalAlphas,
				seed: r.seed,
				truncation: r.truncation,
				batchSize: Math.max(r.batchSize, 64),
			});
			const tenth = Math.max(1, Math.floor(losses.length / 10));
			const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
			const edit = PIXEL_EDITS[name];
			vectors.set(name, vector);
			walks.push({
				edit: name,
				description: edit.description,
				units: edit.units,
				alphaRange: [range[0], range[1]],
				identity: edit.identity,
				latentScale: edit.latentScale,
				latentUnit: unit,
				norm: Math.hypot(...vector),
				maskedError: error,
				trainLoss: { first: mean(losses.slice(0, tenth)), last: mean(losses.slice(-tenth)) },
			});
		}
		const seconds = (performance.now() - started) / 1000;
		const card: WalksCard = {
			format: WALKS_FORMAT,
			generator: {
				id: generator.id,
				latentDim: generator.latentDim,
				numClasses: generator.numClasses,
				imageShape: [...generator.imageShape],
				weightsSha256,
			},
			walks,
			training: {
				...(options.command ? { command: options.command } : {}),
				objective:
					"masked MSE between G(z + latentStep(alpha) w) and edit(G(z), alpha), z ~ N_t(0, 1, t), alpha over the range",
				optimizer: "adam (beta1 0.9, beta2 0.999), cosine learning-rate decay to 0, w starts at 0",
				gradient: describeWalkGradient(
					r.gradient,
					r.batchSize,
					r.gradient.method === "autodiff" ? 2 : blackBoxCallsPerStep(generator, r.gradient, r.batchSize),
				),
				seed: r.seed,
				stepsPerWalk: r.steps,
				batchSize: r.batchSize,
				learningRate: r.learningRate,
				truncation: r.truncation,
				wallTimeSeconds: Number(seconds.toFixed(1)),
			},
			evaluation: {
				samples: r.evalSamples,
				seed: r.seed,
				alphasPerWalk: r.evalAlphas,
				metric: "masked MSE on images in [-1, 1]; reduction = 1 - withWalk / withoutWalk (w = 0)",
			},
		};
		const figure = await walkFigure(
			generator,
			r.edits.map((e) => ({ ...e, vector: vectors.get(e.name) as Float32Array })),
			{ anchors: 2, columns: 7, seed: r.seed, truncation: r.truncation },
		);
		await writeWalksFolder(options.out, card, vectors, figure.images, figure.rows, 7, generator.imageShape);
		return { card, out: options.out, seconds };
	} finally {
		loaded.dispose();
	}
}

async function writeWalksFolder(
	out: string,
	card: WalksCard,
	vectors: Map<PixelEditName, Float32Array>,
	figure: Float32Array,
	rows: number,
	columns: number,
	imageShape: readonly [number, number, number],
): Promise<void> {
	const { encodeSafetensors } = await import("../../formats/safetensors.js");
	const { gridToPng } = await import("../../formats/grid.js");
	const tmp = `${out.replace(/[\\/]+$/, "")}.tmp-${process.pid}`;
	const [h, w, c] = imageShape;
	try {
		await rm(tmp, { recursive: true, force: true });
		await mkdir(tmp, { recursive: true });
		await writeFile(`${tmp}/${WALKS_FILE}`, encodeSafetensors(walksTensors(card, vectors), { format: WALKS_FORMAT }));
		await writeFile(`${tmp}/${WALKS_CARD}`, `${JSON.stringify(card, null, "\t")}\n`);
		const { png } = await gridToPng(figure, {
			count: rows * columns,
			height: h,
			width: w,
			channels: c,
			columns,
			scale: Math.max(h, w) < 64 ? 2 : 1,
			padValue: 255,
		});
		await writeFile(`${tmp}/${WALKS_FIGURE}`, png);
		await rm(out, { recursive: true, force: true });
		await rename(tmp, out);
	} catch (err) {
		await rm(tmp, { recursive: true, force: true });
		const code = (err as NodeJS.ErrnoException).code;
		if (code === "ENOSPC")
			throw new GenrepError(`${out}: cannot write the walks (the disk is full); nothing was left behind`);
		throw err;
	}
}
