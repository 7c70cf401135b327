/**
 * Representation training (`genrep train`): an encoder and its method's heads trained by SGD
 * with momentum on batches from a source (stored views, a live generator stream, real images,
 * or real images mixed with generated ones), with SimCLR pixel views applied to each view.
 *
 * Defaults follow GenRep/SimCLR: lr 0.03 at batch 256 scaled linearly with the batch size,
 * momentum 0.9, weight decay 1e-4, temperature 0.1, linear warm-up then cosine decay.
 * Determinism: step s's batch, pairing and pixel views come from forks of the run's Rng keyed
 * by s, and the checkpoint holds the weights, batch-norm statistics, momentum buffers and the
 * step, so a resumed run continues like an uninterrupted one.
 *
 * Run directory: config.json (resolved options), checkpoint.safetensors, metrics.jsonl,
 * encoder.safetensors + encoder.json (the backbone for `genrep eval`, refreshed at every
 * checkpoint). Checkpoints: every epoch, every `checkpointEverySeconds`, at the end, and when
 * `signal` aborts (Ctrl-C in the CLI). A loss that is NaN or infinite stops the run and keeps
 * the last good checkpoint.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { appendJsonLine, checkConfigMatches, writeJsonAtomic } from "../data/runFiles.js";
import { initEngine } from "../engine/backend.js";
import { gradsByName } from "../engine/nn/params.js";
import { PROGRESS_MODES, Progress, type ProgressMode } from "../engine/progress.js";
import { Rng } from "../engine/rng.js";
import { GenrepError } from "../errors.js";
import { resumeFromCheckpoint, saveCheckpoint } from "../generators/checkpoint.js";
import { type PixelAugmentOptions, SimclrAugment } from "../views/pixel/simclrAugment.js";
import { saveEncoder } from "./encoderFile.js";
import { createEncoder, isEncoderName } from "./encoders/registry.js";
import { Learner, type LearnerBatch } from "./learner.js";
import { getObjective, type ObjectiveName } from "./objectives/registry.js";
import { learningRate } from "./schedule.js";
import { SGD_DEFAULTS, Sgd } from "./sgd.js";
import { type DataSourceOptions, openSource, type TrainingSource } from "./sources/index.js";
import type { RawBatch } from "./sources/pool.js";

export interface TrainOptions {
	/** simclr, supcon, inverter or classifier. */
	method: string;
	/** An encoder registry name (resnet-tiny, resnet18). */
	encoder: string;
	data: DataSourceOptions;
	/** SimCLR pixel views (T_x) on every view: true (defaults), false, or options. Default true. */
	pixelViews?: boolean | PixelAugmentOptions;
	/** Passes over the source's epoch; ignored when `steps` is given. Default 1. */
	epochs?: number;
	/** Total optimizer steps (overrides epochs). */
	steps?: number;
	batchSize?: number;
	/** Learning rate at batch size 256 (scaled linearly). */
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
}

export const TRAIN_DEFAULTS = {
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
} as const;

export type ResolvedTrainOptions = Readonly<
	Required<Omit<TrainOptions, "steps" | "command" | "signal" | "onStep" | "method">> & {
		method: ObjectiveName;
		steps: number | undefined;
	}
>;

/** Options that may change when a run is resumed (all others must match the saved config). */
const RESUMABLE_KEYS = new Set(["out", "resume", "checkpointEverySeconds", "logEverySteps", "progress"]);
const CHECKPOINT = "checkpoint.safetensors";
const METRICS = "metrics.jsonl";

/** Validates the options (errors name the bad value) and fills in the defaults. */
export function resolveTrainOptions(options: TrainOptions): ResolvedTrainOptions {
	const known = new Set([...Object.keys(TRAIN_DEFAULTS), "method", "encoder", "data", "steps", "out", "resume"]);
	for (const key of ["command", "signal", "onStep"]) known.add(key);
	for (const key of Object.keys(options)) {
		if (!known.has(key)) throw new GenrepError(`unknown training option '${key}'`);
	}
	const given = Object.fromEntries(
		Object.entries(options).filter(([k, v]) => v !== undefined && !["command", "signal", "onStep"].includes(k)),
	);
	const r = { ...TRAIN_DEFAULTS, resume: false, steps: undefined, ...given } as ResolvedTrainOptions;
	getObjective(r.method);
	if (!isEncoderName(r.encoder)) createEncoder(r.encoder); // throws the registry's error
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
	if (!PROGRESS_MODES.includes(r.progress)) {
		throw new GenrepError(`progress must be ${PROGRESS_MODES.join(", ")}, got ${r.progress}`);
	}
	if (typeof r.out !== "string" || r.out === "") throw new GenrepError("out (the run directory) is required");
	if (!r.data || typeof r.data !== "object") throw new GenrepError("data (the training source) is required");
	new Sgd(new Map(), { momentum: r.momentum, weightDecay: r.weightDecay }); // validates both
	return Object.freeze(r);
}

export interface TrainResult {
	out: string;
	startStep: number;
	/** Steps done when the call returned. */
	step: number;
	steps: number;
	/** Wall seconds of training over every sitting of the run. */
	seconds: number;
	/** CPU seconds (user + system) of training over every sitting of the run. */
	cpuSeconds: number;
	lastLoss: number | null;
	/** True when `signal` stopped the run early (a checkpoint was written). */
	interrupted: boolean;
}

/** Trains an encoder; see the file comment for what it writes. */
export async function trainRepresentation(options: TrainOptions): Promise<TrainResult> {
	const o = resolveTrainOptions(options);
	const method = getObjective(o.method);
	const checkpointPath = join(o.out, CHECKPOINT);
	const resuming = o.resume && existsSync(checkpointPath);
	if (resuming) await checkConfigMatches(join(o.out, "config.json"), savedConfig(o), RESUMABLE_KEYS);
	else if (existsSync(o.out) && (await readdir(o.out)).length > 0) {
		throw new GenrepError(
			`run directory ${o.out} is not empty; pass --resume to continue its run or choose a new --out`,
		);
	}

	await initEngine();
	const rng = new Rng(o.seed);
	const source = await openSource(o.data, rng.fork("data"));
	const encoder = createEncoder(o.encoder, { inChannels: source.imageShape[2], seed: o.seed });
	let learner: Learner | null = null;
	let sgd: Sgd | null = null;
	try {
		checkSource(o, source);
		if (method.needsLabels && source.numClasses === 0) {
			throw new GenrepError(
				`method ${o.method} needs class labels, but ${source.description} has none; use a conditional generator or a labelled dataset, or method simclr`,
			);
		}
		if (method.needsLatents && source.latentDim === 0) {
			throw new GenrepError(
				`method ${o.method} needs the latents z of the images, but ${source.description} has none; train it on generated data`,
			);
		}
		const space = { numClasses: source.numClasses, latentDim: source.latentDim, temperature: o.temperature };
		learner = new Learner(o.method, encoder, space, rng.fork("heads"));
		// Weight decay on convolution and dense weights only, not on batch-norm scales and shifts
		// or biases: the SimCLR reference (google-research/simclr's LARS excludes
		// batch_normalization and bias) and timm/lightly's param groups do the same. Decaying the
		// batch-norm scales pulls every channel's gain towards 0 against the loss.
		sgd = new Sgd(learner.trainable, { momentum: o.momentum, weightDecay: o.weightDecay, decays: decaysWeight });
		const stores = { encoder: encoder.store, heads: learner.heads, momentum: sgd.buffers };

		const stepsPerEpoch = Math.max(1, Math.floor(source.epochSize / o.batchSize));
		const steps = o.steps ?? o.epochs * stepsPerEpoch;
		const schedule = { lr: o.lr, batchSize: o.batchSize, steps, warmupSteps: Math.floor(o.warmupFraction * steps) };
		let startStep = 0;
		let secondsBefore = 0;
		let cpuSecondsBefore = 0;
		if (resuming) {
			({
				step: startStep,
				seconds: secondsBefore,
				cpuSeconds: cpuSecondsBefore,
			} = await resumeFromCheckpoint(checkpointPath, stores, o.seed, join(o.out, METRICS)));
		} else {
			await mkdir(o.out, { recursive: true });
			await writeJsonAtomic(join(o.out, "config.json"), savedConfig(o));
		}

		const augment = o.pixelViews === false ? null : new SimclrAugment(o.pixelViews === true ? {} : o.pixelViews);
		const progress = new Progress(o.progress, "step", steps, startStep);
		const sessionStart = performance.now();
		const elapsed = () => secondsBefore + (performance.now() - sessionStart) / 1000;
		// Training CPU time over every sitting (user + system of this process), so a resumed run
		// reports its whole cost, not the last sitting's.
		const cpuStart = process.cpuUsage();
		const cpuSeconds = () => {
			const { user, system } = process.cpuUsage(cpuStart);
			return cpuSecondsBefore + (user + system) / 1e6;
		};
		let lastCheckpoint = performance.now();
		let lastLoss: number | null = null;
		const checkpoint = async (step: number) => {
			await saveCheckpoint(checkpointPath, stores, {
				step,
				seed: o.seed,
				metadata: { seconds: elapsed().toFixed(3), cpuSeconds: cpuSeconds().toFixed(3), format: "genrep-train/1" },
			});
			const card = {
				encoder: o.encoder,
				inChannels: source.imageShape[2],
				imageShape: source.imageShape,
				featureDim: encoder.featureDim,
				method: o.method,
				steps: step,
				seed: o.seed,
			};
			await saveEncoder(o.out, encoder, card, {
				complete: step >= steps,
				totalSteps: steps,
				source: source.description,
				command: options.command ?? null,
				config: savedConfig(o),
				seconds: Number(elapsed().toFixed(3)),
				cpuSeconds: Number(cpuSeconds().toFixed(3)),
			});
			lastCheckpoint = performance.now();
		};

		let step = startStep;
		let interrupted = false;
		let windowStart = performance.now();
		let windowSteps = 0;
		for (; step < steps; step++) {
			if (options.signal?.aborted) {
				interrupted = true;
				break;
			}
			const lr = learningRate(step, schedule);
			const raw = await source.batch(step, o.batchSize);
			const views = makeViews(raw, learner.views, augment, rng.fork(`pixels-${step}`));
			const lossTensor = tf.tidy(() => {
				const batch = toTensors(views, raw);
				const vars = [...(learner as Learner).trainable.values()];
				const { value, grads } = tf.variableGrads(() => (learner as Learner).loss(batch), vars);
				(sgd as Sgd).apply(gradsByName((learner as Learner).trainable, grads), lr);
				return value;
			});
			const loss = (await lossTensor.data())[0];
			lossTensor.dispose();
			if (!Number.isFinite(loss)) {
				const kept = existsSync(checkpointPath) ? "the last good checkpoint is kept" : "no checkpoint was written yet";
				throw new GenrepError(
					`the loss became ${loss} at step ${step + 1}; ${kept} in ${o.out}; resume with --resume and a lower --lr, or check the data`,
				);
			}
			lastLoss = loss;
			windowSteps++;
			const done = step + 1;
			if (done % o.logEverySteps === 0 || done === steps) {
				const seconds = (performance.now() - windowStart) / 1000;
				const imagesPerSecond = (windowSteps * o.batchSize * learner.views) / Math.max(seconds, 1e-9);
				const line = {
					step: done,
					epoch: Number((done / stepsPerEpoch).toFixed(4)),
					loss,
					lr,
					imagesPerSecond: Math.round(imagesPerSecond),
					seconds: Number(elapsed().toFixed(3)),
				};
				await appendJsonLine(join(o.out, METRICS), line);
				progress.report(done, { loss, imagesPerSecond });
				windowStart = performance.now();
				windowSteps = 0;
			}
			options.onStep?.(done, steps, loss);
			const epochEnd = done % stepsPerEpoch === 0;
			if (epochEnd || done === steps || performance.now() - lastCheckpoint >= o.checkpointEverySeconds * 1000) {
				await checkpoint(done);
			}
		}
		progress.finish();
		if (interrupted || startStep >= steps) await checkpoint(step);
		return { out: o.out, startStep, step, steps, seconds: elapsed(), cpuSeconds: cpuSeconds(), lastLoss, interrupted };
	} finally {
		learner?.dispose();
		sgd?.dispose();
		encoder.dispose();
		source.dispose();
	}
}

/** Which parameters get weight decay: convolution and dense weights (names ending in .weight). */
export const decaysWeight = (name: string): boolean => name.endsWith(".weight");

/** The config saved in the run directory (what a resume must match). */
function savedConfig(o: ResolvedTrainOptions): Record<string, unknown> {
	return { format: "genrep-train/1", ...o, steps: o.steps ?? null };
}

function checkSource(o: ResolvedTrainOptions, source: TrainingSource): void {
	const [h, w] = source.imageShape;
	if (h !== 32 || w !== 32) {
		throw new GenrepError(`encoder ${o.encoder} takes 32x32 images; ${source.description} has ${h}x${w}`);
	}
}

interface Views {
	a: Float32Array; // [B, H, W, C] in [-1, 1]
	b: Float32Array | null;
}

/** Pixel views (or plain scaling) of the views a method uses, drawn from `rng`. */
function makeViews(raw: RawBatch, views: number, augment: SimclrAugment | null, rng: Rng): Views {
	const shape = [raw.count, ...raw.imageShape] as [number, number, number, number];
	const one = (pixels: Uint8Array, label: string): Float32Array => {
		if (!augment) return Float32Array.from(pixels, (p) => p / 127.5 - 1);
		const unit = augment.apply(pixels, shape, rng.fork(label)); // [B, H, W, C] in [0, 1]
		for (let i = 0; i < unit.length; i++) unit[i] = unit[i] * 2 - 1;
		return unit;
	};
	return { a: one(raw.a, "a"), b: views > 1 ? one(raw.b, "b") : null };
}

function toTensors(views: Views, raw: RawBatch): LearnerBatch {
	const shape = [raw.count, ...raw.imageShape] as [number, number, number, number];
	return {
		a: tf.tensor4d(views.a, shape),
		b: views.b ? tf.tensor4d(views.b, shape) : undefined,
		y: raw.y ? tf.tensor1d(raw.y, "int32") : undefined,
		z: raw.z ? tf.tensor2d(raw.z, [raw.count, raw.z.length / raw.count]) : undefined,
	};
}
