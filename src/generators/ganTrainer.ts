/**
 * GAN training on a real dataset: a DCGAN pair (conditional batch norm + projection
 * discriminator when conditional), hinge loss, one discriminator step per generator step,
 * Adam, and an exponential moving average (EMA) of the generator weights that is used for
 * samples and for the shipped weights.
 *
 * Choices (documented defaults):
 * - Adam betas 0.5 / 0.999 (DCGAN; the discriminator has no spectral norm, so the SNGAN
 *   setting 0.0 / 0.9 is less safe here), lr 2e-4 for both networks.
 * - z ~ N(0, 1) (untruncated) in training; samples and the model card use truncation 2.
 * - Fake labels are drawn uniformly over the classes; real labels come from the dataset.
 * - EMA decay min(emaDecay, (1 + step) / (10 + step)) (TensorFlow's ExponentialMovingAverage
 *   with num_updates), so short runs are not dominated by the initial weights; batch-norm
 *   running statistics are copied, not averaged.
 * - Determinism: every random draw of step s comes from `rng.fork("step-s")` and the data
 *   order of epoch e from `rng.fork("epoch-e")`, so a resumed run (weights + Adam moments +
 *   step from the checkpoint) continues exactly like an uninterrupted one.
 *
 * Output directory: config.json, checkpoint.safetensors (G, D, EMA-G, both Adam states,
 * step), losses.jsonl, samples/step-XXXXXX.png, and on finish generator.safetensors (EMA
 * weights) + model.json (the model card).
 */

import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { initEngine } from "../engine/backend.js";
import { EpochOrder } from "../engine/epochOrder.js";
import { killPoint } from "../engine/killPoint.js";
import { gradsByName, ParamStore } from "../engine/nn/params.js";
import { Adam } from "../engine/optim/adam.js";
import { parseOptions } from "../engine/options.js";
import { Progress } from "../engine/progress.js";
import { Rng } from "../engine/rng.js";
import { GenrepError } from "../errors.js";
import { appendJsonLine, checkConfigMatches, writeJsonAtomic } from "../formats/runFiles.js";
import { type DcganConfig, DcganDiscriminator, DcganGenerator } from "./architectures/dcgan.js";
import { resumeFromCheckpoint, saveCheckpoint, saveParams } from "./checkpoint.js";
import { modelCard, writeSamples } from "./ganOutputs.js";
import { GAN_TRAIN_DEFAULTS, GAN_TRAIN_OPTIONS, type GanTrainOptions } from "./ganTrainOptions.js";

export { DEFAULT_TRUNCATION } from "./ganOutputs.js";

export { GAN_TRAIN_DEFAULTS, type GanTrainOptions } from "./ganTrainOptions.js";

export type ResolvedGanTrainOptions = Readonly<Omit<z.output<typeof GAN_TRAIN_OPTIONS>, "command">>;

/** Options that may change between a run and its resumption (all others must match). */
const RESUMABLE_KEYS = new Set([
	"steps",
	"out",
	"resume",
	"checkpointEverySeconds",
	"sampleEverySteps",
	"logEverySteps",
	"progress",
	"dataDir",
]);

const CHECKPOINT = "checkpoint.safetensors";

/** Validates the options against GAN_TRAIN_OPTIONS (errors name the bad value) and fills in the defaults. */
export function resolveGanTrainOptions(options: GanTrainOptions): ResolvedGanTrainOptions {
	const parsed = parseOptions(GAN_TRAIN_OPTIONS, options, "GAN training");
	// config.json keeps its key order: the defaults, then the other options in the order given.
	const given = Object.entries(options)
		.filter(([key, value]) => value !== undefined && key !== "command")
		.map(([key]) => [key, parsed[key as keyof typeof parsed]]);
	return Object.freeze({
		...GAN_TRAIN_DEFAULTS,
		resume: false,
		...Object.fromEntries(given),
	}) as ResolvedGanTrainOptions;
}

export interface GanTrainResult {
	out: string;
	/** The step the run started from (0, or the checkpoint's step when resumed). */
	startStep: number;
	steps: number;
	/** Training seconds over all sessions of the run. */
	seconds: number;
	lastLosses: { dLoss: number; gLoss: number } | null;
}

/** Trains a GAN; see the file comment for what it writes. */
export async function trainGan(options: GanTrainOptions): Promise<GanTrainResult> {
	const o = resolveGanTrainOptions(options);
	const out = o.out;
	const checkpointPath = join(out, CHECKPOINT);
	const configSaved = savedConfig(o);
	// Decide fresh vs resume before anything is written.
	const resuming = o.resume && existsSync(checkpointPath);
	if (resuming) await checkConfigMatches(join(out, "config.json"), configSaved, RESUMABLE_KEYS);
	else if (!o.resume && existsSync(out) && (await readdir(out)).length > 0) {
		throw new GenrepError(
			`output directory ${out} is not empty; pass --resume to continue its run or choose a new --out`,
		);
	}

	await initEngine();
	const { loadDataset } = await import("../data/datasets.js");
	const data = await loadDataset(o.dataset, { split: "train", dataDir: o.dataDir, limit: o.limit });
	if (data.count === 0) throw new GenrepError(`dataset ${o.dataset} has no training images`);
	const [height, width, channels] = data.shape;
	if (height !== 32 || width !== 32) {
		throw new GenrepError(`GAN training needs 32x32 images; dataset ${o.dataset} has ${height}x${width}`);
	}
	const numClasses = o.conditional ? data.classNames.length : 0;
	const config: DcganConfig = { latentDim: o.latentDim, numClasses, width: o.width, channels };

	const rng = new Rng(o.seed);
	const gStore = new ParamStore(rng.fork("generator"));
	const dStore = new ParamStore(rng.fork("discriminator"));
	const emaStore = new ParamStore(rng.fork("generator")); // same initial weights as G
	const g = new DcganGenerator(gStore, config);
	const d = new DcganDiscriminator(dStore, config);
	const ema = new DcganGenerator(emaStore, config);
	const gAdam = new Adam(gStore.trainable, o.lrG, { beta1: o.beta1, beta2: o.beta2 });
	const dAdam = new Adam(dStore.trainable, o.lrD, { beta1: o.beta1, beta2: o.beta2 });
	const stores = {
		generator: gStore,
		discriminator: dStore,
		ema: emaStore,
		adamG: gAdam.moments,
		adamD: dAdam.moments,
	};
	const disposeAll = () => {
		for (const s of Object.values(stores)) s.dispose();
	};

	try {
		let startStep = 0;
		let secondsBefore = 0;
		if (resuming) {
			({ step: startStep, seconds: secondsBefore } = await resumeFromCheckpoint(
				checkpointPath,
				stores,
				o.seed,
				join(out, "losses.jsonl"),
			));
		} else {
			await mkdir(out, { recursive: true });
			await writeJsonAtomic(join(out, "config.json"), configSaved);
		}
		await mkdir(join(out, "samples"), { recursive: true });

		const order = new EpochOrder(data.count, rng);
		const imageSize = height * width * channels;
		const progress = new Progress(o.progress, "step", o.steps, startStep);
		const sessionStart = performance.now();
		const elapsed = () => secondsBefore + (performance.now() - sessionStart) / 1000;
		let lastCheckpoint = performance.now();
		let lastLosses: GanTrainResult["lastLosses"] = null;
		const checkpoint = async (step: number) => {
			await saveCheckpoint(checkpointPath, stores, {
				step,
				seed: o.seed,
				metadata: { seconds: elapsed().toFixed(3), config: JSON.stringify(configSaved) },
			});
			killPoint("gan-checkpoint");
		};

		for (let step = startStep; step < o.steps; step++) {
			const stepRng = rng.fork(`step-${step}`);
			const { images, labels } = gatherBatch(data, imageSize, order.indices(step, o.batchSize));
			const losses = tf.tidy(() => {
				const real = tf.sub(
					tf.div(tf.tensor4d(images, [o.batchSize, height, width, channels], "float32"), 127.5),
					1,
				) as tf.Tensor4D; // [B, 32, 32, C] in [-1, 1]
				const realY = numClasses > 0 ? tf.tensor1d(labels, "int32") : undefined;
				const dZ = latents(stepRng, o.batchSize, o.latentDim); // [B, d]
				const dY = fakeLabels(stepRng, o.batchSize, numClasses);
				const gZ = latents(stepRng, o.batchSize, o.latentDim);
				const gY = fakeLabels(stepRng, o.batchSize, numClasses);
				// Discriminator: hinge loss on real and (generator-training-mode) fakes.
				const dVars = [...dStore.trainable.values()];
				const fake = g.apply(dZ, dY, true); // outside the gradient function: no backward pass through G
				const dResult = tf.variableGrads(() => {
					const realLoss = tf.mean(tf.relu(tf.sub(1, d.apply(real, realY))));
					const fakeLoss = tf.mean(tf.relu(tf.add(1, d.apply(fake, dY))));
					return tf.add(realLoss, fakeLoss) as tf.Scalar;
				}, dVars);
				dAdam.apply(gradsByName(dStore.trainable, dResult.grads), step + 1);
				// Generator: -mean D(G(z, y), y).
				const gVars = [...gStore.trainable.values()];
				const gResult = tf.variableGrads(() => tf.neg(tf.mean(d.apply(g.apply(gZ, gY, true), gY))) as tf.Scalar, gVars);
				gAdam.apply(gradsByName(gStore.trainable, gResult.grads), step + 1);
				updateEma(emaStore, gStore, Math.min(o.emaDecay, (1 + step) / (10 + step)));
				return tf.stack([dResult.value, gResult.value]);
			});
			const [dLoss, gLoss] = await losses.data();
			losses.dispose();
			if (!Number.isFinite(dLoss) || !Number.isFinite(gLoss)) {
				throw new GenrepError(
					`training diverged at step ${step + 1} (dLoss ${dLoss}, gLoss ${gLoss}); resume from the last checkpoint with a lower learning rate`,
				);
			}
			lastLosses = { dLoss, gLoss };
			const done = step + 1;
			const last = done === o.steps;
			if (done % o.logEverySteps === 0 || last) {
				const line = { step: done, dLoss, gLoss, seconds: Number(elapsed().toFixed(3)) };
				await appendJsonLine(join(out, "losses.jsonl"), line);
				progress.report(done, { dLoss, gLoss });
			}
			if (done % o.sampleEverySteps === 0 || last) await writeSamples(out, done, ema, config, rng, imageSize);
			if (last || performance.now() - lastCheckpoint >= o.checkpointEverySeconds * 1000) {
				await checkpoint(done);
				lastCheckpoint = performance.now();
			}
		}
		progress.finish();
		if (startStep >= o.steps) await checkpoint(startStep); // nothing to train; keep the files consistent
		const seconds = elapsed();
		await saveParams(join(out, "generator.safetensors"), emaStore, {
			format: "genrep-generator/1",
			architecture: "dcgan",
		});
		await writeJsonAtomic(join(out, "model.json"), modelCard(o, options.command, config, data, seconds));
		return { out, startStep, steps: o.steps, seconds, lastLosses };
	} finally {
		disposeAll();
	}
}

function savedConfig(o: ResolvedGanTrainOptions): Record<string, unknown> {
	return { ...o, architecture: "dcgan" };
}

/** z [n, d] ~ N(0, 1), drawn on the host from the Rng. */
function latents(rng: Rng, n: number, d: number): tf.Tensor2D {
	const values = new Float32Array(n * d);
	for (let i = 0; i < values.length; i++) values[i] = rng.normal();
	return tf.tensor2d(values, [n, d]);
}

/** Uniform class labels [n], or undefined for an unconditional model. */
function fakeLabels(rng: Rng, n: number, numClasses: number): tf.Tensor1D | undefined {
	if (numClasses === 0) return undefined;
	const y = new Int32Array(n);
	for (let i = 0; i < n; i++) y[i] = rng.int(numClasses);
	return tf.tensor1d(y, "int32");
}

/** ema = decay * ema + (1 - decay) * g for weights; batch-norm statistics copied. Call inside tf.tidy. */
function updateEma(ema: ParamStore, g: ParamStore, decay: number): void {
	for (const [name, v] of g.trainable) {
		const e = ema.trainable.get(name) as tf.Variable;
		e.assign(tf.add(tf.mul(e, decay), tf.mul(v, 1 - decay)));
	}
	for (const [name, v] of g.state) (ema.state.get(name) as tf.Variable).assign(tf.clone(v));
}

/** The images [B, H, W, C] and labels [B] of `indices` (rows of the dataset). */
function gatherBatch(
	data: { images: Uint8Array; labels: Int32Array },
	imageSize: number,
	indices: Int32Array,
): { images: Float32Array; labels: Int32Array } {
	const images = new Float32Array(indices.length * imageSize);
	const labels = new Int32Array(indices.length);
	indices.forEach((index, i) => {
		images.set(data.images.subarray(index * imageSize, (index + 1) * imageSize), i * imageSize);
		labels[i] = data.labels[index];
	});
	return { images, labels };
}
