import { type Command, InvalidArgumentError } from "commander";
import { action } from "../action.js";

/** `genrep gan train`: train a GAN on a real dataset (thin over trainGan). */
export function registerGanCommands(program: Command): void {
	const gan = program.command("gan").description("train generative adversarial networks on real data");

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
					command: ["genrep", ...process.argv.slice(2)].join(" "),
				});
				const from = result.startStep > 0 ? ` (resumed at step ${result.startStep})` : "";
				process.stdout.write(
					`trained ${result.steps} steps${from} in ${result.seconds.toFixed(1)} s; wrote ${result.out}/generator.safetensors and model.json\n`,
				);
			}),
		);
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

function positiveInteger(value: string): number {
	const n = Number(value);
	if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
	return n;
}

function nonNegativeInteger(value: string): number {
	if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
	return Number(value);
}

function positiveNumber(value: string): number {
	const n = Number(value);
	if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
	return n;
}
