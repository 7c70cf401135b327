/** `genrep steer train`: a walk per pixel edit, measured against w = 0, drawn, and written into a walks folder. */
import { readdir } from "node:fs/promises";
import { GenrepError } from "../../errors.js";
import { blackBoxCallsPerStep } from "./blackBoxGradient.js";
import { measureWalk } from "./measureWalk.js";
import { PIXEL_EDITS, type PixelEditName } from "./pixelEdits.js";
import { trainWalk } from "./trainWalk.js";
import { walkFigure } from "./walkFigure.js";
import { describeWalkGradient } from "./walkGradient.js";
import { parseWalkTraining, resolveWalkTraining, type WalkTrainingOptions } from "./walkOptions.js";
import { generatorWeightsSha256, WALKS_FORMAT, type WalkEntry, type WalksCard } from "./walks.js";
import { writeWalksFolder } from "./walksFolder.js";

/** The options of `genrep steer train` (WALK_TRAINING_OPTIONS, walkOptions.ts). */
export type SteerTrainOptions = WalkTrainingOptions;

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
	const parsed = parseWalkTraining(options);
	const entries = await readdir(options.out).catch(() => null);
	if (entries && entries.length > 0) {
		throw new GenrepError(`--out ${options.out} already exists and is not empty; choose a new folder`);
	}
	const { loadGenerator } = await import("../../generators/load.js");
	const loaded = await loadGenerator(options.generator);
	try {
		const generator = loaded;
		const r = resolveWalkTraining(generator, parsed);
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
