/**
 * The options of GAN training (trainGan, `genrep gan train`) as one zod schema: the library
 * validates with it, GanTrainOptions is derived from it, and the CLI builds its flags from it. Light on purpose (zod only), so `genrep
 * --help` stays fast.
 */
import { z } from "zod";
import { choice, flag, numberIn, positiveInt, positiveNumber, seed, text } from "../engine/options.js";

/** The defaults, in the key order of a run's config.json. */
export const GAN_TRAIN_DEFAULTS = {
	conditional: false,
	latentDim: 64,
	width: 32,
	batchSize: 64,
	lrG: 2e-4,
	lrD: 2e-4,
	beta1: 0.5,
	beta2: 0.999,
	emaDecay: 0.999,
	seed: 0,
	checkpointEverySeconds: 300,
	sampleEverySteps: 500,
	logEverySteps: 10,
	progress: "auto",
} as const;

const d = GAN_TRAIN_DEFAULTS;

export const GAN_TRAIN_OPTIONS = z.strictObject({
	/** A registered dataset name or an image-folder path. */
	dataset: text(),
	/** Folder that holds the dataset's files (overrides GENREP_DATA_DIR). */
	dataDir: text().optional(),
	/** Use only the first `limit` training images (tests, quick checks). */
	limit: positiveInt().optional(),
	/** Class-conditional generator and projection discriminator; default false. */
	conditional: flag().default(d.conditional),
	latentDim: positiveInt().default(d.latentDim),
	/** DCGAN base width; default 32. */
	width: positiveInt().default(d.width),
	batchSize: positiveInt().default(d.batchSize),
	/** Total optimizer steps (a resumed run continues up to this step). */
	steps: positiveInt(),
	lrG: positiveNumber().default(d.lrG),
	lrD: positiveNumber().default(d.lrD),
	beta1: numberIn(0, 1, "[)").default(d.beta1),
	beta2: numberIn(0, 1, "[)").default(d.beta2),
	emaDecay: numberIn(0, 1, "[)").default(d.emaDecay),
	seed: seed().default(d.seed),
	/** Output directory. */
	out: text({ label: "out (the output directory)" }),
	/** Continue from the checkpoint in `out` (its config must match); else `out` must be empty. */
	resume: flag().default(false),
	checkpointEverySeconds: positiveNumber().default(d.checkpointEverySeconds),
	/** Write a sample grid every this many steps (and at the end); default 500. */
	sampleEverySteps: positiveInt().default(d.sampleEverySteps),
	/** Append to losses.jsonl (and report progress) every this many steps; default 10. */
	logEverySteps: positiveInt().default(d.logEverySteps),
	/** Progress on stderr: "auto" (a status line on a TTY, JSON lines otherwise), "json", or "none". */
	progress: choice(["auto", "json", "none"]).default(d.progress),
	/** The command line that started the run, for the model card. */
	command: z.string().optional(),
});

export type GanTrainOptions = z.input<typeof GAN_TRAIN_OPTIONS>;
