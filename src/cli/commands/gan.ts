import type { Command } from "commander";
import { z } from "zod";
import { positiveInt, positiveNumber, seed } from "../../engine/options.js";
import { GenrepError } from "../../errors.js";
import { GAN_TRAIN_OPTIONS, type GanTrainOptions } from "../../generators/ganTrainOptions.js";
import { action } from "../action.js";
import { addFlags } from "../flags.js";
import { commandLine } from "../parse.js";
import { registerGanEvalCommand } from "./ganEval.js";

/** `genrep gan train` (thin over trainGan) and `genrep gan sample` (thin over loadGenerator + sampleGrid). */
export function registerGanCommands(program: Command): void {
	const gan = program.command("gan").description("train generative adversarial networks on real data");
	registerGanEvalCommand(gan);

	const train = gan
		.command("train")
		.description(
			"train a DCGAN (hinge loss, EMA generator; conditional: projection discriminator + conditional batch norm); " +
				"writes config.json, checkpoint.safetensors, losses.jsonl, samples/, and on finish generator.safetensors + model.json",
		);
	const readFlags = addFlags(train, GAN_TRAIN_OPTIONS, {
		dataset: {
			flag: "--dataset <name>",
			required: true,
			help: "a registered dataset (see `genrep data list`) or an image folder",
		},
		steps: { required: true, help: "total training steps (a resumed run continues up to this step)" },
		out: { flag: "--out <dir>", required: true, help: "output directory (must be empty unless --resume)" },
		conditional: "class-conditional generator",
		batchSize: "images per step",
		seed: "random seed",
		resume: "continue the run in --out from its checkpoint (its config must match)",
		width: "DCGAN base width",
		latentDim: "latent dimension",
		lrG: { flag: "--lr-g <lr>", help: "generator learning rate (default 2e-4)" },
		lrD: { flag: "--lr-d <lr>", help: "discriminator learning rate (default 2e-4)" },
		emaDecay: { flag: "--ema-decay <decay>", help: "decay of the generator weights' moving average" },
		checkpointEverySeconds: { flag: "--checkpoint-every <seconds>", help: "seconds between checkpoints" },
		sampleEverySteps: { flag: "--sample-every <steps>", help: "steps between sample grids" },
		logEverySteps: { flag: "--log-every <steps>", help: "steps between loss lines and progress reports" },
		limit: "use only the first n training images",
		dataDir: { flag: "--data-dir <dir>", help: "folder that holds the dataset files (overrides GENREP_DATA_DIR)" },
	});
	train.action(
		action(async (flags: Record<string, unknown>) => {
			const { trainGan } = await import("../../generators/ganTrainer.js");
			const options = readFlags(flags) as GanTrainOptions;
			const result = await trainGan({ ...options, command: commandLine() });
			const from = result.startStep > 0 ? ` (resumed at step ${result.startStep})` : "";
			process.stdout.write(
				`trained ${result.steps} steps${from} in ${result.seconds.toFixed(1)} s; wrote ${result.out}/generator.safetensors and model.json\n`,
			);
		}),
	);

	const sample = gan
		.command("sample")
		.description(
			"write a grid of a generator's samples as PNG: rows are classes for a conditional model " +
				"(ceil(n / classes) per class), a square-ish grid otherwise; z ~ N_t(0, 1, t) from the seed",
		)
		.requiredOption(
			"--generator <name|dir>",
			"a shipped model (fashion-mnist-cgan, fashion-mnist-gan) or a model directory",
		)
		.requiredOption("--out <file.png>", "the PNG to write");
	addFlags(sample, SAMPLE_FLAGS, {
		n: "number of samples",
		seed: "random seed of z",
		truncation: { flag: "--truncation <t>", help: "truncation of z (default: the model card's)" },
		columns: "grid columns (default: samples per class, or ceil(sqrt(n)))",
		scale: "integer upscaling of the grid (default 2 for images under 64 pixels, else 1)",
		batchSize: "images per generator call (default 256)",
	});
	sample.action(
		action(async (flags: GanSampleFlags) => {
			if (!/\.png$/i.test(flags.out)) throw new GenrepError(`--out must name a .png file, got ${flags.out}`);
			const { initEngine } = await import("../../engine/backend.js");
			await initEngine();
			const { loadGenerator } = await import("../../generators/load.js");
			const { sampleGrid } = await import("../../generators/sampling.js");
			const { writeImageGrid } = await import("../../formats/grid.js");
			const generator = await loadGenerator(flags.generator);
			try {
				const grid = await sampleGrid(generator, {
					n: flags.n ?? 100,
					seed: flags.seed ?? 0,
					truncation: flags.truncation,
					columns: flags.columns,
					batchSize: flags.batchSize,
				});
				const [height, width, channels] = generator.imageShape;
				const written = await writeImageGrid(flags.out, grid.images, {
					count: grid.count,
					height,
					width,
					channels,
					columns: grid.columns,
					scale: flags.scale ?? (Math.max(height, width) < 64 ? 2 : 1),
					padValue: 96,
					valueRange: "minus1to1",
				});
				process.stdout.write(
					`wrote ${flags.out}: ${grid.count} samples of ${generator.id} (${grid.rows} rows x ${grid.columns} columns, ` +
						`seed ${flags.seed ?? 0}, truncation ${grid.truncation}), ${written.width}x${written.height} px\n`,
				);
			} finally {
				generator.dispose();
			}
		}),
	);
}

/**
 * The flags of `gan sample`: sampleGrid's options (src/generators/sampling.ts) and the grid's
 * scale, as building blocks (sampling.ts loads tfjs, which the CLI loads only in the action).
 */
const SAMPLE_FLAGS = z.object({
	n: positiveInt().default(100),
	seed: seed().default(0),
	truncation: positiveNumber(),
	columns: positiveInt(),
	scale: positiveInt(),
	batchSize: positiveInt(),
});

type GanSampleFlags = { generator: string; out: string } & Partial<z.output<typeof SAMPLE_FLAGS>>;
