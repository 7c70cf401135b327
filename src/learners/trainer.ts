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
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { ImageShape } from "../data/types.js";
import { initEngine } from "../engine/backend.js";
import { cpuSecondsSince } from "../engine/cpuTime.js";
import { killPoint } from "../engine/killPoint.js";
import {
	choosePrecision,
	isPrecision,
	type PrecisionRequest,
	resolvePrecision,
	withNativePrecision,
} from "../engine/native/precision.js";
import { gradsByName } from "../engine/nn/params.js";
import { Sgd } from "../engine/optim/sgd.js";
import { parseOptions } from "../engine/options.js";
import { Progress } from "../engine/progress.js";
import { Rng } from "../engine/rng.js";
import { GenrepError } from "../errors.js";
import { appendJsonLine, checkConfigMatches, writeJsonAtomic } from "../formats/runFiles.js";
import { resumeFromCheckpoint, saveCheckpoint } from "../generators/checkpoint.js";
import { SimclrAugment } from "../views/pixel/simclrAugment.js";
import { type BatchFeed, inlineFeed, prefetchedKinds, workerFeed } from "./batchFeed.js";
import { INPUT_NORMALISATION, saveEncoder } from "./encoderFile.js";
import { createEncoder, isEncoderName } from "./encoders/registry.js";
import { groupLrBatchSize } from "./groupBatch.js";
import { Learner } from "./learner.js";
import { getObjective } from "./objectives/registry.js";
import { learningRate } from "./schedule.js";
import { openSource, type TrainingSource } from "./sources/index.js";
import { type StepBatchPlan, stepBatchTensors } from "./stepBatch.js";
import {
	type ResolvedTrainOptions,
	TRAIN_CALLBACKS,
	TRAIN_DEFAULTS,
	TRAIN_OPTIONS,
	type TrainOptions,
} from "./trainOptions.js";

export { type ResolvedTrainOptions, TRAIN_DEFAULTS, type TrainOptions } from "./trainOptions.js";

/** Options that may change when a run is resumed (all others must match the saved config). */
const RESUMABLE_KEYS = new Set(["out", "resume", "checkpointEverySeconds", "logEverySteps", "progress", "prefetch"]);
const CHECKPOINT = "checkpoint.safetensors";
const METRICS = "metrics.jsonl";

/** Validates the options against TRAIN_OPTIONS (errors name the bad value) and fills in the defaults. */
export function resolveTrainOptions(options: TrainOptions): ResolvedTrainOptions {
	const parsed = parseOptions(TRAIN_OPTIONS, options, "training");
	getObjective(parsed.method); // throws the registry's error
	if (!isEncoderName(parsed.encoder)) createEncoder(parsed.encoder); // throws the registry's error
	// config.json keeps its key order: the defaults, then the other options in the order given.
	const given = Object.entries(options)
		.filter(([key, value]) => value !== undefined && !(TRAIN_CALLBACKS as readonly string[]).includes(key))
		.map(([key]) => [key, parsed[key as keyof typeof parsed]]);
	return Object.freeze({
		...TRAIN_DEFAULTS,
		resume: false,
		steps: undefined,
		imageSize: undefined,
		...Object.fromEntries(given),
	}) as ResolvedTrainOptions;
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
	const requested = resolveTrainOptions(options);
	const method = getObjective(requested.method);
	const checkpointPath = join(requested.out, CHECKPOINT);
	const resuming = requested.resume && existsSync(checkpointPath);
	if (!resuming && existsSync(requested.out) && (await readdir(requested.out)).length > 0) {
		throw new GenrepError(
			`run directory ${requested.out} is not empty; pass --resume to continue its run or choose a new --out`,
		);
	}
	const engine = await initEngine();
	// The precision that runs here ("auto" resolved, an unavailable bf16 fallen back to fp32),
	// so that config.json, and a resume's check against it, say what ran. It applies to the
	// training step only (withNativePrecision below): the data, a live generator's samples
	// included, is made in fp32 under every precision.
	const wanted = resuming ? await resumedPrecision(requested.out, requested.precision) : requested.precision;
	const precision = choosePrecision(resolvePrecision(wanted));
	if (precision.reason)
		process.stderr.write(`warning: --precision ${requested.precision}: ${precision.reason}; training in fp32\n`);
	const o = { ...requested, precision: precision.precision };
	if (resuming) await checkConfigMatches(join(o.out, "config.json"), savedConfig(o), RESUMABLE_KEYS);
	const rng = new Rng(o.seed);
	const source = await openSource(o.data, rng.fork("data"));
	let inputShape: ImageShape;
	try {
		inputShape = encoderInputShape(o, source);
	} catch (err) {
		source.dispose();
		throw err;
	}
	const encoder = createEncoder(o.encoder, {
		inChannels: inputShape[2],
		seed: o.seed,
		stem: o.stem,
		imageSize: [inputShape[0], inputShape[1]],
	});
	let learner: Learner | null = null;
	let sgd: Sgd | null = null;
	let feed: BatchFeed | null = null;
	try {
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
		const group = method.views === "group";
		if (group && (!source.groups || source.neighbors < 1)) {
			throw new GenrepError(
				`method ${o.method} trains on each anchor's latent views, but ${source.description} has none; ` +
					"use a views folder (genrep views generate --neighbors K) or live:<generator> with --neighbors K",
			);
		}
		const members = group ? source.neighbors + 1 : (method.views as number); // images per anchor and step
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
		const lrBatchSize = group ? groupLrBatchSize(o.batchSize, members) : o.batchSize;
		const schedule = { lr: o.lr, batchSize: lrBatchSize, steps, warmupSteps: Math.floor(o.warmupFraction * steps) };
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

		const augment = pixelAugment(o, inputShape[0]);
		const plan: StepBatchPlan = { batchSize: o.batchSize, group, views: members, inputShape };
		feed =
			o.prefetch && prefetchedKinds.includes(source.kind) && startStep < steps
				? await workerFeed(
						{ data: o.data, seed: o.seed, plan, pixelViews: augment?.options ?? null, backend: engine.backend },
						steps,
					)
				: inlineFeed(source, augment, plan, o.seed);
		const progress = new Progress(o.progress, "step", steps, startStep);
		const sessionStart = performance.now();
		const elapsed = () => secondsBefore + (performance.now() - sessionStart) / 1000;
		// Training CPU time over every sitting (user + system of this process), so a resumed run
		// reports its whole cost, not the last sitting's.
		const cpuStart = process.cpuUsage();
		const cpuSeconds = () => cpuSecondsBefore + cpuSecondsSince(cpuStart);
		let lastCheckpoint = performance.now();
		let lastLoss: number | null = null;
		const checkpoint = async (step: number) => {
			// One reading of the clocks for both files: the card then states exactly what a resume
			// starts from, so a resumed run's totals always exceed the card's at its checkpoint.
			const seconds = elapsed().toFixed(3);
			const cpu = cpuSeconds().toFixed(3);
			await saveCheckpoint(checkpointPath, stores, {
				step,
				seed: o.seed,
				metadata: { seconds, cpuSeconds: cpu, format: "genrep-train/1" },
			});
			const card = {
				encoder: o.encoder,
				inChannels: inputShape[2],
				imageShape: inputShape,
				stem: encoder.stemName,
				featureDim: encoder.featureDim,
				method: o.method,
				steps: step,
				seed: o.seed,
			};
			await saveEncoder(o.out, encoder, card, {
				complete: step >= steps,
				totalSteps: steps,
				source: source.description,
				sourceImageShape: source.imageShape,
				inputRange: [-1, 1],
				normalisation: INPUT_NORMALISATION,
				command: options.command ?? null,
				config: savedConfig(o),
				seconds: Number(seconds),
				cpuSeconds: Number(cpu),
			});
			lastCheckpoint = performance.now();
			killPoint("train-checkpoint");
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
			const host = await feed.batch(step); // step + 1's is prepared meanwhile (workerFeed)
			const lossTensor = withNativePrecision(o.precision, () =>
				tf.tidy(() => {
					const batch = stepBatchTensors(host, inputShape);
					const vars = [...(learner as Learner).trainable.values()];
					const { value, grads } = tf.variableGrads(() => (learner as Learner).loss(batch), vars);
					(sgd as Sgd).apply(gradsByName((learner as Learner).trainable, grads), lr);
					return value;
				}),
			);
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
				const imagesPerSecond = (windowSteps * o.batchSize * members) / Math.max(seconds, 1e-9);
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
		await feed?.close();
		learner?.dispose();
		sgd?.dispose();
		encoder.dispose();
		source.dispose();
	}
}

/** Which parameters get weight decay: convolution and dense weights (names ending in .weight). */
export const decaysWeight = (name: string): boolean => name.endsWith(".weight");

/** A resumed run keeps the precision it started with unless one is asked for ("auto" is not a request). */
async function resumedPrecision(out: string, requested: PrecisionRequest): Promise<PrecisionRequest> {
	if (requested !== "auto") return requested;
	try {
		const saved = JSON.parse(await readFile(join(out, "config.json"), "utf8")) as { precision?: unknown };
		if (typeof saved.precision === "string" && isPrecision(saved.precision)) return saved.precision;
	} catch {
		// an unreadable config fails the resume check below, with its reason
	}
	return requested;
}

/** The config saved in the run directory (what a resume must match). */
function savedConfig(o: ResolvedTrainOptions): Record<string, unknown> {
	return { format: "genrep-train/1", ...o, steps: o.steps ?? null };
}

/**
 * The [S, S, C] the encoder is built for: S = imageSize, or the source's side when its images
 * are square; C = the source's channels.
 */
function encoderInputShape(o: ResolvedTrainOptions, source: TrainingSource): ImageShape {
	const [h, w, c] = source.imageShape;
	if (o.imageSize === undefined && h !== w) {
		throw new GenrepError(
			`${source.description} has ${h}x${w} images (not square) and the encoder trains on square ones; ` +
				"pass --image-size S to crop and resize them to SxS",
		);
	}
	const size = o.imageSize ?? h;
	const pixelSize = typeof o.pixelViews === "object" ? o.pixelViews.outputSize : undefined;
	if (pixelSize !== undefined && pixelSize !== size) {
		throw new GenrepError(
			`pixelViews.outputSize ${pixelSize} differs from the image size ${size}; set imageSize (--image-size) only`,
		);
	}
	return [size, size, c];
}

/** The pixel views at the encoder's input size (null without pixel views). */
function pixelAugment(o: ResolvedTrainOptions, size: number): SimclrAugment | null {
	if (o.pixelViews === false) return null;
	return new SimclrAugment({ ...(o.pixelViews === true ? {} : o.pixelViews), outputSize: size });
}
