import type { Command } from "commander";
import { z } from "zod";
import { listOf, seed, text } from "../../engine/options.js";
import { ProgressLine } from "../../engine/progress.js";
import { GenrepError } from "../../errors.js";
import type { PresetSpec } from "../../experiments/preset.js";
import type { RetargetFacts, RetargetOptions } from "../../experiments/retarget.js";
import { RETARGET_OPTIONS } from "../../experiments/retargetOptions.js";
import { action } from "../action.js";
import { addFlags } from "../flags.js";
import { untilInterrupted } from "../interrupt.js";
import { commandLine } from "../parse.js";

/**
 * `genrep experiment <preset>`, `genrep experiment list` and `genrep demo`: thin over
 * runExperiment (src/experiments/runner.ts) and the preset registry.
 */
export function registerExperimentCommands(program: Command): void {
	const experiment = program
		.command("experiment")
		.description(
			"run a preset grid of generate/train/eval jobs (several seeds), skipping finished jobs and resuming interrupted " +
				"ones, then write report.md and report.html with tables, plots and view grids",
		)
		.argument("[preset]", "a preset name (see `genrep experiment list`)");
	addFlags(experiment, EXPERIMENT_FLAGS, {
		out: { flag: "--out <dir>", help: "experiment folder (re-run the same command to continue it)" },
		seeds: "only these of the preset's seeds, e.g. 0,1",
		dataDir: { flag: "--data-dir <dir>", help: "folder that holds the dataset files (overrides GENREP_DATA_DIR)" },
	});
	experiment.action(
		action(async (preset: string | undefined, flags: ExperimentFlags) => {
			if (!preset)
				throw new GenrepError("name a preset: genrep experiment <preset> --out DIR (see genrep experiment list)");
			if (preset === "list") return listPresets();
			if (!flags.out) throw new GenrepError("--out is required: the experiment folder");
			await run(preset, flags.out, flags);
		}),
	);
	experiment.addHelpText("after", "\nList the presets with `genrep experiment list`.");
	yourOwnPair(experiment);

	const demo = program
		.command("demo")
		.description(
			"the main job (about 10 minutes on 2 cores): generate steered views from the shipped Fashion-MNIST GAN, train " +
				"SimCLR encoders on them (latent + pixel views) and on real images; evaluate them beside raw pixels and a random " +
				"encoder; print the table, who wins, and the report path",
		)
		.option("--out <dir>", "experiment folder (default genrep-demo)", "genrep-demo")
		.option("--data-dir <dir>", "folder that holds the dataset files (overrides GENREP_DATA_DIR)")
		.action(action(async (flags: ExperimentFlags) => run("demo", flags.out as string, flags)));
	yourOwnPair(demo);
}

/** The flags that run a preset on a user's generator and data, at a chosen scale. */
function yourOwnPair(command: Command): void {
	addFlags(command, RETARGET_OPTIONS, {
		generator: {
			flag: "--generator <name|dir>",
			help: "run the preset on this generator (a model directory, e.g. an ONNX export)",
		},
		dataset: {
			flag: "--dataset <name|folder>",
			help: "real data for the probes and real-data cells: a dataset name or an image folder",
		},
		transfer: { flag: "--transfer <name|folder>", help: "a transfer dataset (with --dataset, none unless given)" },
		steps: "training steps per cell (scales cells with their own steps alike)",
		anchors: "anchors of the largest views dataset (the others scaled alike)",
		batchSize: "anchors per training step",
	});
}

/** The experiment's own flags (runExperiment's out, seeds and dataDir). */
const EXPERIMENT_FLAGS = z.object({ out: text(), seeds: listOf(seed()), dataDir: text() });

async function listPresets(): Promise<void> {
	const { PRESETS } = await import("../../experiments/presets.js");
	for (const [name, p] of Object.entries(PRESETS)) {
		process.stdout.write(`${name.padEnd(20)} ${p.title}\n${"".padEnd(20)} ${p.scale}\n`);
	}
}

async function run(presetName: string, out: string, flags: ExperimentFlags): Promise<void> {
	const { getPreset } = await import("../../experiments/presets.js");
	const preset = await retargeted(getPreset(presetName), flags);
	const seeds = flags.seeds;
	const { initEngine } = await import("../../engine/backend.js");
	await initEngine();
	const { runExperiment } = await import("../../experiments/runner.js");
	const { tableToText } = await import("../../experiments/textTable.js");
	const jobLog = new ProgressLine();
	const result = await untilInterrupted("checkpointing the running job", (signal) =>
		runExperiment({
			preset,
			out,
			seeds,
			dataDir: flags.dataDir,
			command: commandLine(),
			signal,
			// Job events on stderr: lines on a terminal, JSON lines otherwise (logs, CI, a parent).
			log: (line, event) => jobLog.log(line, { ...event }),
		}),
	);
	process.stdout.write("\n");
	for (const table of result.results.tables) process.stdout.write(`${tableToText(table)}\n\n`);
	process.stdout.write(`report: ${result.report.html}\n        ${result.report.markdown}\n`);
	if (result.failed > 0) {
		throw new GenrepError(
			`${result.failed} job(s) failed (see the report's job table); fix the cause and run the same command again`,
		);
	}
}

/** The preset with --generator / --dataset / --transfer / scale flags applied (checked against the pair). */
async function retargeted(preset: PresetSpec, flags: ExperimentFlags): Promise<PresetSpec> {
	const { retargetPreset } = await import("../../experiments/retarget.js");
	const keys = Object.keys(RETARGET_OPTIONS.shape) as (keyof RetargetOptions)[];
	const options: RetargetOptions = Object.fromEntries(
		keys.filter((key) => flags[key] !== undefined).map((key) => [key, flags[key]]),
	);
	if (Object.keys(options).length === 0) return preset;
	const facts: RetargetFacts = {};
	if (flags.generator !== undefined) {
		const { initEngine } = await import("../../engine/backend.js");
		await initEngine();
		const { loadGenerator } = await import("../../generators/load.js");
		const g = await loadGenerator(flags.generator);
		facts.generator = { id: g.id, numClasses: g.numClasses, imageShape: [...g.imageShape] };
		g.dispose();
		const { datasetInfo } = await import("../../data/datasets.js");
		const name = flags.dataset ?? preset.dataset;
		facts.dataset = { name, shape: (await datasetInfo(name, { dataDir: flags.dataDir })).shape };
	}
	return retargetPreset(preset, options, facts);
}

/** The command's own flags, beside the retargeting options the library declares. */
type ExperimentFlags = Partial<z.output<typeof EXPERIMENT_FLAGS>> & RetargetOptions;
