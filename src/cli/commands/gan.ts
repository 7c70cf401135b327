import type { Command } from "commander";
import { GenrepError } from "../../errors.js";
import { action } from "../action.js";
import { commandLine, nonNegativeInteger, positiveInteger, positiveNumber } from "../parse.js";
import { registerGanEvalCommand } from "./ganEval.js";

/** `genrep gan train` (thin over trainGan) and `genrep gan sample` (thin over loadGenerator + sampleGrid). */
export function registerGanCommands(program: Command): void {
	const gan = program.command("gan").description("train generative adversarial networks on real data");
	registerGanEvalCommand(gan);

	gan
		.command("train")
		.description(
			"train a DCGAN (hinge loss, EMA generator; conditional: projection discriminator + conditional batch norm); " +
				"writes config.json, checkpoint.safetensors, losses.jsonl, samples/, and on finish generator.safetensors + model.json",
		)
		.requiredOption("--dataset <name>", "a registered dataset (see `genrep data list`) or an image folder")
		.requiredOption("--steps <n>", "total training steps (a resumed run continues up to this step)", positiveInteger)
		.requiredOption("--out <dir>", "output directory (must be empty unless --resume)")
		.option("--conditional", "class-conditional generator")
		.option("--batch-size <n>", "images per step (default 64)", positiveInteger)
		.option("--seed <n>", "random seed (default 0)", nonNegativeInteger)
		.option("--resume", "continue the run in --out from its checkpoint (its config must match)")
		.option("--width <n>", "DCGAN base width (default 32)", positiveInteger)
		.option("--latent-dim <n>", "latent dimension (default 64)", positiveInteger)
		.option("--lr-g <lr>", "generator learning rate (default 2e-4)", positiveNumber)
		.option("--lr-d <lr>", "discriminator learning rate (default 2e-4)", positiveNumber)
		.option("--ema-decay <decay>", "decay of the generator weights' moving average (default 0.999)", Number)
		.option("--checkpoint-every <seconds>", "seconds between checkpoints (default 300)", positiveNumber)
		.option("--sample-every <steps>", "steps between sample grids (default 500)", positiveInteger)
		.option("--log-every <steps>", "steps between loss lines and progress reports (default 10)", positiveInteger)
		.option("--limit <n>", "use only the first n training images", positiveInteger)
		.option("--data-dir <dir>", "folder that holds the dataset files (overrides GENREP_DATA_DIR)")
		.action(
			action(async (flags: GanTrainFlags) => {
				const { trainGan } = await import("../../generators/ganTrainer.js");
				const result = await trainGan({
					dataset: flags.dataset,
					dataDir: flags.dataDir,
					limit: flags.limit,
					conditional: flags.conditional,
					latentDim: flags.latentDim,
					width: flags.width,
					batchSize: flags.batchSize,
					steps: flags.steps,
					lrG: flags.lrG,
					lrD: flags.lrD,
					emaDecay: flags.emaDecay,
					seed: flags.seed,
					out: flags.out,
					resume: flags.resume,
					checkpointEverySeconds: flags.checkpointEvery,
					sampleEverySteps: flags.sampleEvery,
					logEverySteps: flags.logEvery,
					command: commandLine(),
				});
				const from = result.startStep > 0 ? ` (resumed at step ${result.startStep})` : "";
				process.stdout.write(
					`trained ${result.steps} steps${from} in ${result.seconds.toFixed(1)} s; wrote ${result.out}/generator.safetensors and model.json\n`,
				);
			}),
		);

	gan
		.command("sample")
		.description(
			"write a grid of a generator's samples as PNG: rows are classes for a conditional model " +
				"(ceil(n / classes) per class), a square-ish grid otherwise; z ~ N_t(0, 1, t) from the seed",
		)
		.requiredOption(
			"--generator <name|dir>",
			"a shipped model (fashion-mnist-cgan, fashion-mnist-gan) or a model directory",
		)
		.requiredOption("--out <file.png>", "the PNG to write")
		.option("--n <n>", "number of samples (default 100)", positiveInteger)
		.option("--seed <n>", "random seed of z (default 0)", nonNegativeInteger)
		.option("--truncation <t>", "truncation of z (default: the model card's)", positiveNumber)
		.option("--columns <n>", "grid columns (default: samples per class, or ceil(sqrt(n)))", positiveInteger)
		.option(
			"--scale <n>",
			"integer upscaling of the grid (default 2 for images under 64 pixels, else 1)",
			positiveInteger,
		)
		.option("--batch-size <n>", "images per generator call (default 256)", positiveInteger)
		.action(
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

interface GanSampleFlags {
	generator: string;
	out: string;
	n?: number;
	seed?: number;
	truncation?: number;
	columns?: number;
	scale?: number;
	batchSize?: number;
}

interface GanTrainFlags {
	dataset: string;
	steps: number;
	out: string;
	conditional?: boolean;
	batchSize?: number;
	seed?: number;
	resume?: boolean;
	width?: number;
	latentDim?: number;
	lrG?: number;
	lrD?: number;
	emaDecay?: number;
	checkpointEvery?: number;
	sampleEvery?: number;
	logEvery?: number;
	limit?: number;
	dataDir?: string;
}
