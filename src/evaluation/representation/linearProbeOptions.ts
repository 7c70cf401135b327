/**
 * The options of the linear probe (linearProbe.ts) as one zod schema, from which
 * LinearProbeOptions derives and which evaluation's options reuse. Light (zod only), so the
 * CLI can build flags from it without loading tfjs.
 */
import { z } from "zod";
import { listOf, nonNegativeInt, nonNegativeNumber, numberIn, positiveInt, seed } from "../../engine/options.js";
import { LBFGS_DEFAULTS } from "./lbfgs.js";

export const LINEAR_PROBE_DEFAULTS = {
	weightDecays: [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6],
	validationFraction: 0.1,
	maxIterations: LBFGS_DEFAULTS.maxIterations,
	extendGrid: 2,
	seed: 0,
} as const;

const d = LINEAR_PROBE_DEFAULTS;

export const LINEAR_PROBE_OPTIONS = z.strictObject({
	/** Weight decays (L2 penalty on the mean cross-entropy) to choose from; distinct values. */
	weightDecays: listOf(nonNegativeNumber(), { min: 1 }).readonly().default(d.weightDecays),
	/** Share of each class of the training split held out to choose the weight decay. */
	validationFraction: numberIn(0, 1, "()").default(d.validationFraction),
	/** L-BFGS iterations per fit at most (a safety cap; fits stop on a tolerance). */
	maxIterations: positiveInt().default(d.maxIterations),
	/** Times the grid may grow by a factor of 10 past each edge while the best is on it. */
	extendGrid: nonNegativeInt().default(d.extendGrid),
	/** Seed of the validation split. */
	seed: seed().default(d.seed),
});

export type LinearProbeOptions = z.input<typeof LINEAR_PROBE_OPTIONS>;
