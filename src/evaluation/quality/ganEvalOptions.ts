/**
 * The options of generator evaluation (evaluateGenerator, evaluateGeneratorByName, `genrep gan
 * eval`) and of its Classification Accuracy Score (cas.ts) as zod schemas: the library
 * validates with them, the option types are derived from them, and the CLI builds its flags
 * from them. Light on purpose (zod and types only), so `genrep --help` stays fast.
 */
import { z } from "zod";
import { type BlockOptions, flag, integerIn, positiveInt, positiveNumber, seed, text } from "../../engine/options.js";
import type { EvalClassifier } from "./evalClassifier.js";

/** A sample count a Fréchet distance or a classifier can be estimated from. */
const atLeastTwo = (o?: BlockOptions) => integerIn(2, undefined, "an integer of at least 2", o);

const isObject = (v: unknown): boolean => typeof v === "object" && v !== null && !Array.isArray(v);

export const CAS_DEFAULTS = { n: 10000, epochs: 3, batchSize: 128 } as const;

export const CAS_OPTIONS = z.strictObject({
	/** Generated training images; default 10000. */
	n: atLeastTwo({ label: "CAS n" }).default(CAS_DEFAULTS.n),
	/** Passes over them; default 3 (the evaluation classifier's). */
	epochs: positiveInt({ label: "CAS epochs" }).default(CAS_DEFAULTS.epochs),
	/** Default 128, or n when smaller. */
	batchSize: positiveInt({ label: "CAS batchSize" }).optional(),
});

export type CasOptions = z.input<typeof CAS_OPTIONS>;

export interface GanEvalProgress {
	stage: "real test" | "real train (floor)" | "generated";
	done: number;
	total: number;
	seconds: number;
	etaSeconds: number;
}

export const GAN_EVAL_DEFAULTS = { n: 10000, seed: 0, batchSize: 250 } as const;

export const GAN_EVAL_OPTIONS = z.strictObject({
	/** A loaded classifier or its directory; default the shipped Fashion-MNIST classifier. */
	classifier: z
		.union([text(), z.custom<EvalClassifier>(isObject)], {
			error: (issue) => `classifier must be a classifier directory or a loaded classifier, got ${typeof issue.input}`,
		})
		.optional(),
	/** Generated samples, and real training images for the floor. */
	n: atLeastTwo().default(GAN_EVAL_DEFAULTS.n),
	/** Seed of the latents and of the floor's choice of training images. */
	seed: seed().default(GAN_EVAL_DEFAULTS.seed),
	/** Truncation t of z ~ N_t(0, 1, t); default the generator's defaultTruncation. */
	truncation: positiveNumber().optional(),
	/** Images per forward pass. */
	batchSize: positiveInt().default(GAN_EVAL_DEFAULTS.batchSize),
	/** Folder that holds the dataset files (overrides GENREP_DATA_DIR). */
	dataDir: text().optional(),
	/** Compare against only the first `testLimit` test images (quick checks; default all). */
	testLimit: atLeastTwo().optional(),
	/** Also measure the Classification Accuracy Score (trains a classifier on samples): true or its options (CAS_OPTIONS). */
	cas: z
		.union([z.boolean(), z.custom<CasOptions>(isObject)], {
			error: (issue) => `cas must be true, false or CAS options such as { n: 1000 }, got ${typeof issue.input}`,
		})
		.optional(),
	onProgress: z.custom<(progress: GanEvalProgress) => void>((v) => typeof v === "function").optional(),
});

export type GanEvalOptions = z.input<typeof GAN_EVAL_OPTIONS>;

export const EVALUATE_BY_NAME_OPTIONS = GAN_EVAL_OPTIONS.extend({
	/** Write the metrics JSON here. */
	out: text().optional(),
	/** Merge the figures into the generator directory's model.json when it has one; default true. */
	updateCard: flag().default(true),
	/** The command line, recorded with the figures. */
	command: z.string().optional(),
});

export type EvaluateByNameOptions = z.input<typeof EVALUATE_BY_NAME_OPTIONS>;
