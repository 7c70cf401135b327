import type { Command } from "commander";
import { GenrepError } from "../../errors.js";
import { action } from "../action.js";
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
		.argument("[preset]", "a preset name (see `genrep experiment list`)")
		.option("--out <dir>", "experiment folder (re-run the same command to continue it)")
		.option("--seeds <list>", "only these of the preset's seeds, e.g. 0,1")
		.option("--data-dir <dir>", "folder that holds the dataset files (overrides GENREP_DATA_DIR)")
		.action(
			action(async (preset: string | undefined, flags: ExperimentFlags) => {
				if (!preset)
					throw new GenrepError("name a preset: genrep experiment <preset> --out DIR (see genrep experiment list)");
				if (preset === "list") return listPresets();
				if (!flags.out) throw new GenrepError("--out is required: the experiment folder");
				await run(preset, flags.out, flags);
			}),
		);
	experiment.addHelpText("after", "\nList the presets with `genrep experiment list`.");

	program
		.command("demo")
		.description(
			"the main job: generate views from the shipped Fashion-MNIST GAN, train SimCLR encoders on real images, on " +
				"generated images with pixel views, and with latent + pixel views; evaluate them; print the table and the report path",
		)
		.option("--out <dir>", "experiment folder (default genrep-demo)", "genrep-demo")
		.option("--data-dir <dir>", "folder that holds the dataset files (overrides GENREP_DATA_DIR)")
		.action(action(async (flags: ExperimentFlags) => run("demo", flags.out as string, flags)));
}

async function listPresets(): Promise<void> {
	const { PRESETS } = await import("../../experiments/presets.js");
	for (const [name, p] of Object.entries(PRESETS)) {
		process.stdout.write(`${name.padEnd(20)} ${p.title}\n${"".padEnd(20)} ${p.scale}\n`);
	}
}

async function run(presetName: string, out: string, flags: ExperimentFlags): Promise<void> {
	const { getPreset } = await import("../../experiments/presets.js");
	const preset = getPreset(presetName);
	const seeds = flags.seeds?.split(",").map((s) => {
		const n = Number(s);
		if (!/^\d+$/.test(s.trim()))
			throw new GenrepError(`--seeds must be a comma-separated list of integers, got ${flags.seeds}`);
		return n;
	});
	const { initEngine } = await import("../../engine/backend.js");
	await initEngine();
	const { runExperiment } = await import("../../experiments/runner.js");
	const { tableToText } = await import("../../experiments/textTable.js");
	const controller = new AbortController();
	const onInterrupt = () => {
		if (controller.signal.aborted) process.exit(130);
		process.stderr.write("\ninterrupted: checkpointing the running job (Ctrl-C again to quit now)\n");
		controller.abort();
	};
	process.on("SIGINT", onInterrupt);
	try {
		const result = await runExperiment({
			preset,
			out,
			seeds,
			dataDir: flags.dataDir,
			command: commandLine(),
			signal: controller.signal,
			// Job events on stderr: lines on a terminal, JSON lines otherwise (logs, CI, a parent).
			log: (line, event) => process.stderr.write(`${process.stderr.isTTY ? line : JSON.stringify(event)}\n`),
		});
		process.stdout.write("\n");
		for (const table of result.results.tables) process.stdout.write(`${tableToText(table)}\n\n`);
		process.stdout.write(`report: ${result.report.html}\n        ${result.report.markdown}\n`);
		if (result.failed > 0) {
			throw new GenrepError(
				`${result.failed} job(s) failed (see the report's job table); fix the cause and run the same command again`,
			);
		}
	} finally {
		process.off("SIGINT", onInterrupt);
	}
}

interface ExperimentFlags {
	out?: string;
	seeds?: string;
	dataDir?: string;
}
