/** What a GAN run shows and ships besides its weights: sample grids of the EMA generator and the model card. */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../engine/rng.js";
import { truncatedNormal } from "../engine/truncatedNormal.js";
import type { DcganConfig, DcganGenerator } from "./architectures/dcgan.js";
import type { ResolvedGanTrainOptions } from "./ganTrainer.js";

/** Default truncation of z for sampling, recorded in the model card. */
export const DEFAULT_TRUNCATION = 2;

/** A sample grid from the EMA generator in eval mode: rows are classes (conditional) or 10x10. */
export async function writeSamples(
	out: string,
	step: number,
	ema: DcganGenerator,
	config: DcganConfig,
	rng: Rng,
	imageSize: number,
): Promise<void> {
	const columns = 10;
	const rows = config.numClasses > 0 ? config.numClasses : 10;
	const n = rows * columns;
	// The same z in every row (one per column), so a row shows its class across the same latents.
	const zColumns = truncatedNormal(rng.fork("samples"), columns * config.latentDim, 0, 1, DEFAULT_TRUNCATION);
	const zAll = new Float32Array(n * config.latentDim);
	if (config.numClasses > 0) {
		for (let r = 0; r < rows; r++) zAll.set(zColumns, r * zColumns.length);
	} else {
		zAll.set(truncatedNormal(rng.fork("samples"), n * config.latentDim, 0, 1, DEFAULT_TRUNCATION));
	}
	const images = tf.tidy(() => {
		const z = tf.tensor2d(zAll, [n, config.latentDim]);
		const y =
			config.numClasses > 0
				? tf.tensor1d(Int32Array.from({ length: n }, (_, i) => Math.floor(i / columns)))
				: undefined;
		return ema.apply(z, y, false); // [n, 32, 32, C]
	});
	const pixels = (await images.data()) as Float32Array;
	images.dispose();
	const { writeImageGrid } = await import("../formats/grid.js");
	const [height, width] = [32, 32];
	await writeImageGrid(join(out, "samples", `step-${String(step).padStart(6, "0")}.png`), pixels, {
		count: n,
		height,
		width,
		channels: imageSize / (height * width),
		columns,
		scale: 2,
		padValue: 96,
		valueRange: "minus1to1",
	});
}

export function modelCard(
	o: ResolvedGanTrainOptions,
	command: string | undefined,
	config: DcganConfig,
	data: { name: string; classNames: string[]; shape: number[] },
	seconds: number,
): Record<string, unknown> {
	return {
		format: "genrep-generator/1",
		kind: "tfjs",
		architecture: "dcgan",
		architectureConfig: config,
		weights: "generator.safetensors",
		weightsAre: "exponential moving average of the generator weights",
		latentDim: config.latentDim,
		numClasses: config.numClasses,
		classNames: config.numClasses > 0 ? data.classNames : [],
		imageShape: data.shape,
		valueRange: [-1, 1],
		layout: "NHWC",
		defaultTruncation: DEFAULT_TRUNCATION,
		training: {
			dataset: data.name,
			command: command ?? null,
			seed: o.seed,
			steps: o.steps,
			batchSize: o.batchSize,
			loss: "hinge",
			optimizer: { name: "adam", lrG: o.lrG, lrD: o.lrD, beta1: o.beta1, beta2: o.beta2 },
			emaDecay: o.emaDecay,
			wallTimeSeconds: Number(seconds.toFixed(1)),
		},
		metrics: {},
	};
}
