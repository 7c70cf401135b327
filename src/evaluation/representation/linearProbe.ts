/**
 * The linear probe: multinomial logistic regression on frozen features (softmaxRegression.ts).
 *
 * 1. Standardise every feature with the mean and standard deviation of the training split
 *    (a feature that is constant there, e.g. a padding pixel, is only centred).
 * 2. Hold out a validation split, `validationFraction` of each class (seeded), and fit on the
 *    rest once per weight decay of the grid, strongest first, each fit warm-started from the
 *    previous solution; keep the weight decay with the best validation accuracy (ties: lower
 *    validation cross-entropy). When the best is the grid's strongest or weakest value, the grid
 *    grows by a factor of 10 on that side (up to `extendGrid` times) until the best is
 *    interior; `edge` records a choice that stayed on an edge.
 * 3. Refit on the whole training split with that weight decay (warm-started from its
 *    validation fit) and report top-1 accuracy on the test split.
 *
 * Every fit runs L-BFGS to a tolerance (lbfgs.ts), not to a fixed number of iterations; the
 * result records each fit's iterations, final gradient norm and why it stopped, so a reader
 * can check that no fit stopped at the cap.
 *
 * With a single weight decay in the grid there is nothing to choose: step 2 is skipped.
 */

import { parseOptions } from "../../engine/options.js";
import { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import { checkSameFeatureDim, type FeatureSet } from "./features.js";
import type { LbfgsResult } from "./lbfgs.js";
import { LINEAR_PROBE_OPTIONS, type LinearProbeOptions } from "./linearProbeOptions.js";
import { stratifiedSplit } from "./sampling.js";
import { fitSoftmaxRegression, SoftmaxRegressionData } from "./softmaxRegression.js";

export { LINEAR_PROBE_DEFAULTS, type LinearProbeOptions } from "./linearProbeOptions.js";

export type ResolvedLinearProbeOptions = Readonly<{
	weightDecays: readonly number[];
	validationFraction: number;
	maxIterations: number;
	extendGrid: number;
	seed: number;
}>;

export function resolveLinearProbeOptions(options: LinearProbeOptions = {}): ResolvedLinearProbeOptions {
	const o = parseOptions(LINEAR_PROBE_OPTIONS, options, "linear probe");
	// Strongest first: each fit warm-starts the next, weaker one.
	const weightDecays = [...o.weightDecays].sort((a, b) => b - a);
	if (new Set(weightDecays).size !== weightDecays.length) {
		throw new GenrepError(`weightDecays must not repeat a value, got ${weightDecays.join(", ")}`);
	}
	return Object.freeze({ ...o, weightDecays });
}

/** How one L-BFGS fit ended. */
export interface FitReport {
	/** Accepted L-BFGS steps. */
	iterations: number;
	/** max |gradient| of the penalised objective at the solution. */
	gradientNorm: number;
	/** gradient or progress (converged to a tolerance), iterations (hit the cap), line search. */
	stop: LbfgsResult["stop"];
}

export interface LinearProbeResult {
	/** Top-1 accuracy on the test split. */
	top1: number;
	/** The chosen weight decay. */
	weightDecay: number;
	/** Validation accuracy at the chosen weight decay (null when the grid has one value). */
	validationAccuracy: number | null;
	/** Every weight decay tried (strongest first, the grown edges included), with its validation figures and fit. */
	grid: ({ weightDecay: number; validationAccuracy: number; validationLoss: number } & FitReport)[];
	/**
	 * Where the chosen weight decay lies in the grid tried: "interior", or the edge it stayed on
	 * after growing the grid `extendGrid` times (or when it could not grow: 0 is the weakest).
	 * null when the grid has one value.
	 */
	edge: "interior" | "strongest" | "weakest" | null;
	trainImages: number;
	validationImages: number;
	testImages: number;
	/** L-BFGS iterations of the final fit, its gradient norm and why it stopped. */
	iterations: number;
	gradientNorm: number;
	stop: LbfgsResult["stop"];
	/** Fits of this probe (grid and final) that stopped at the iteration cap. */
	cappedFits: number;
}

/** Mean and scale (standard deviation, or 1 where it is 0) of each feature column. */
export function featureStatistics(set: FeatureSet): { mean: Float64Array; scale: Float64Array } {
	const { count, dim, features } = set;
	const mean = new Float64Array(dim);
	const squares = new Float64Array(dim);
	for (let i = 0; i < count; i++) {
		const row = i * dim;
		for (let d = 0; d < dim; d++) mean[d] += features[row + d];
	}
	for (let d = 0; d < dim; d++) mean[d] /= Math.max(count, 1);
	for (let i = 0; i < count; i++) {
		const row = i * dim;
		for (let d = 0; d < dim; d++) {
			const centred = features[row + d] - mean[d];
			squares[d] += centred * centred;
		}
	}
	const scale = squares.map((s) => {
		const std = Math.sqrt(s / Math.max(count, 1));
		return std > 1e-6 ? std : 1;
	});
	return { mean, scale };
}

/** Standardised features with a last column of ones: [count, dim + 1]. */
export function designMatrix(set: FeatureSet, stats: { mean: Float64Array; scale: Float64Array }): Float32Array {
	const { count, dim, features } = set;
	const out = new Float32Array(count * (dim + 1));
	for (let i = 0; i < count; i++) {
		const src = i * dim;
		const dst = i * (dim + 1);
		for (let d = 0; d < dim; d++) out[dst + d] = (features[src + d] - stats.mean[d]) / stats.scale[d];
		out[dst + dim] = 1;
	}
	return out;
}

/** Trains the probe on `train` and measures it on `test` (see the file comment). */
export async function linearProbe(
	train: FeatureSet,
	test: FeatureSet,
	numClasses: number,
	options: LinearProbeOptions = {},
): Promise<LinearProbeResult> {
	const o = resolveLinearProbeOptions(options);
	checkSameFeatureDim(train, test);
	if (train.count === 0 || test.count === 0) throw new GenrepError("the linear probe needs training and test images");
	const stats = featureStatistics(train);
	const trainData = new SoftmaxRegressionData(designMatrix(train, stats), train.labels, numClasses);
	const testData = new SoftmaxRegressionData(designMatrix(test, stats), test.labels, numClasses);
	try {
		let weightDecay = o.weightDecays[0];
		let validationAccuracy: number | null = null;
		let init: Float64Array | undefined;
		let grid: LinearProbeResult["grid"] = [];
		let edge: LinearProbeResult["edge"] = null;
		let validationImages = 0;
		if (o.weightDecays.length > 1) {
			const split = stratifiedSplit(train.labels, numClasses, o.validationFraction, new Rng(o.seed).fork("validation"));
			if (split.validation.length === 0) {
				throw new GenrepError(
					`too few training images per class (${train.count} in all) to hold out a validation split; give a single weight decay`,
				);
			}
			validationImages = split.validation.length;
			const fitData = trainData.subset(split.fit);
			const validationData = trainData.subset(split.validation);
			try {
				const chosen = await chooseWeightDecay(fitData, validationData, o);
				({ grid, edge } = chosen);
				weightDecay = chosen.best.weightDecay;
				validationAccuracy = chosen.best.validationAccuracy;
				init = chosen.best.weights;
			} finally {
				fitData.dispose();
				validationData.dispose();
			}
		}
		const final = await fitSoftmaxRegression(trainData, { weightDecay, init, maxIterations: o.maxIterations });
		const { accuracy } = await testData.evaluate(final.x);
		return {
			top1: accuracy,
			weightDecay,
			validationAccuracy,
			grid,
			edge,
			trainImages: train.count,
			validationImages,
			testImages: test.count,
			iterations: final.iterations,
			gradientNorm: final.gradientNorm,
			stop: final.stop,
			cappedFits: [...grid, final].filter((f) => f.stop === "iterations").length,
		};
	} finally {
		trainData.dispose();
		testData.dispose();
	}
}

type GridPoint = LinearProbeResult["grid"][number] & { weights: Float64Array };

/**
 * Fits every weight decay of the grid on `fitData` (strongest first, warm-started), grows the
 * grid by factors of 10 past an edge while the best lies on it, and returns the grid tried
 * (strongest first) with the best point (validation accuracy, ties: lower validation loss).
 */
async function chooseWeightDecay(
	fitData: SoftmaxRegressionData,
	validationData: SoftmaxRegressionData,
	o: ResolvedLinearProbeOptions,
): Promise<{ grid: LinearProbeResult["grid"]; best: GridPoint; edge: "interior" | "strongest" | "weakest" }> {
	const fitAt = async (weightDecay: number, warm: Float64Array | undefined): Promise<GridPoint> => {
		const fit = await fitSoftmaxRegression(fitData, { weightDecay, init: warm, maxIterations: o.maxIterations });
		const { accuracy, crossEntropy } = await validationData.evaluate(fit.x);
		return {
			weightDecay,
			validationAccuracy: accuracy,
			validationLoss: crossEntropy,
			iterations: fit.iterations,
			gradientNorm: fit.gradientNorm,
			stop: fit.stop,
			weights: fit.x,
		};
	};
	const better = (a: GridPoint, b: GridPoint) =>
		a.validationAccuracy > b.validationAccuracy ||
		(a.validationAccuracy === b.validationAccuracy && a.validationLoss < b.validationLoss);
	const points: GridPoint[] = []; // strongest first
	for (const wd of o.weightDecays) points.push(await fitAt(wd, points.at(-1)?.weights));
	const bestOf = () => points.reduce((best, p) => (better(p, best) ? p : best));
	let grownWeaker = 0;
	let grownStronger = 0;
	for (;;) {
		const best = bestOf();
		const weakest = points[points.length - 1];
		const strongest = points[0];
		if (best === weakest && weakest.weightDecay > 0 && grownWeaker < o.extendGrid) {
			points.push(await fitAt(decade(weakest.weightDecay, -1), weakest.weights));
			grownWeaker++;
		} else if (best === strongest && grownStronger < o.extendGrid) {
			points.unshift(await fitAt(decade(strongest.weightDecay, 1), strongest.weights));
			grownStronger++;
		} else break;
	}
	const best = bestOf();
	const edge = best === points[0] ? "strongest" : best === points[points.length - 1] ? "weakest" : "interior";
	return { grid: points.map(({ weights, ...rest }) => rest), best, edge };
}

/** value * 10^sign, rounded to 12 significant digits (1e-6, not 1.0000000000000002e-6). */
const decade = (value: number, sign: 1 | -1): number => Number((sign > 0 ? value * 10 : value / 10).toPrecision(12));
