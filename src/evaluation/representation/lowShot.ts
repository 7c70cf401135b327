/**
 * Low-shot linear probes: for each shot count n (10 and 100 by default), `draws` seeded draws
 * of exactly n labelled training images per class; each draw trains the linear probe
 * (linearProbe.ts: standardisation, weight decay chosen on a validation split held out from
 * the draw itself, refit on the draw) and is measured on the whole test split. Reports the
 * mean and the sample standard deviation (n - 1) of top-1 over the draws, and every draw.
 */
import { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import { type FeatureSet, featureRows } from "./features.js";
import { type LinearProbeOptions, linearProbe } from "./linearProbe.js";
import { perClassSample } from "./sampling.js";

export interface LowShotOptions {
	/** Labelled images per class of each setting. */
	shots?: readonly number[];
	/** Seeded draws per setting. */
	draws?: number;
	/** Options of each draw's linear probe (its seed is derived from `seed` and the draw). */
	probe?: Omit<LinearProbeOptions, "seed">;
	seed?: number;
	/** Called after each draw. */
	onDraw?: (done: number, total: number) => void;
}

export const LOW_SHOT_DEFAULTS = { shots: [10, 100], draws: 5, seed: 0 } as const;

export interface LowShotResult {
	/** Labelled training images per class. */
	perClass: number;
	trainImages: number;
	/** Mean and sample standard deviation of top-1 over the draws. */
	mean: number;
	std: number;
	perDraw: number[];
	/** Weight decay each draw's probe chose. */
	weightDecays: number[];
}

/** The rows of one draw: `perClass` training rows of every class, from (seed, perClass, draw) only. */
export function lowShotRows(
	labels: Int32Array,
	numClasses: number,
	perClass: number,
	draw: number,
	seed: number,
	classNames?: string[],
): Int32Array {
	return perClassSample(labels, numClasses, perClass, new Rng(seed).fork(`low-shot/${perClass}/${draw}`), classNames);
}

/** Runs every setting; results keyed by shot count ("10", "100"). */
export async function lowShotProbes(
	train: FeatureSet,
	test: FeatureSet,
	numClasses: number,
	options: LowShotOptions = {},
	classNames?: string[],
): Promise<Record<string, LowShotResult>> {
	const shots = [...(options.shots ?? LOW_SHOT_DEFAULTS.shots)];
	const draws = options.draws ?? LOW_SHOT_DEFAULTS.draws;
	const seed = options.seed ?? LOW_SHOT_DEFAULTS.seed;
	for (const n of shots) {
		if (!Number.isInteger(n) || n < 1)
			throw new GenrepError(`low-shot images per class must be positive integers, got ${n}`);
	}
	if (!Number.isInteger(draws) || draws < 1)
		throw new GenrepError(`low-shot draws must be a positive integer, got ${draws}`);
	const results: Record<string, LowShotResult> = {};
	let done = 0;
	for (const perClass of shots) {
		const perDraw: number[] = [];
		const weightDecays: number[] = [];
		for (let draw = 0; draw < draws; draw++) {
			const rows = lowShotRows(train.labels, numClasses, perClass, draw, seed, classNames);
			const probe = await linearProbe(featureRows(train, rows), test, numClasses, {
				...options.probe,
				seed: new Rng(seed).fork(`low-shot/${perClass}/${draw}/validation`).nextSeed(),
			});
			perDraw.push(probe.top1);
			weightDecays.push(probe.weightDecay);
			options.onDraw?.(++done, shots.length * draws);
		}
		const mean = perDraw.reduce((a, b) => a + b, 0) / draws;
		const variance = draws > 1 ? perDraw.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws - 1) : 0;
		results[String(perClass)] = {
			perClass,
			trainImages: perClass * numClasses,
			mean,
			std: Math.sqrt(variance),
			perDraw,
			weightDecays,
		};
	}
	return results;
}
