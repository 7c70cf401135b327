import { type Command, InvalidArgumentError } from "commander";
import { ProgressLine } from "../../engine/progress.js";
import { GenrepError } from "../../errors.js";
import type {
	DatasetEvalMetrics,
	EvalMetrics,
	EvalProgress,
	EvaluateOptions,
} from "../../evaluation/representation/evaluate.js";
import { action } from "../action.js";
import { channelCount, commandLine, nonNegativeInteger, positiveInteger, readConfigFile } from "../parse.js";

/**
 * `genrep eval`: thin over evaluateRepresentation (src/evaluation/representation/evaluate.ts):
 * linear probe, kNN and low-shot probes of an encoder's frozen features on a real dataset (and a
 * transfer dataset); writes metrics.json and prints a summary table.
 */
export function registerEvalCommand(program: Command): void {
	program
		.command("eval")
		.description(
			"evaluate an encoder on real data: linear probe (weight decay chosen on a validation split), kNN (k = 20, " +
				"cosine, majority vote) and low-shot linear probes (10 and 100 images per class, 5 draws), on --dataset " +
				"and on --transfer; writes metrics JSON to --out",
		)
		.option(
			"--encoder <run|random:name|pixels>",
			"a training run directory (encoder.json + encoder.safetensors), random:<encoder> (an untrained encoder, " +
				"e.g. random:resnet-tiny) or pixels (raw-pixel baseline)",
		)
		.option("--out <file>", "write the metrics JSON here (e.g. runs/x/metrics.json)")
		.option("--config <file>", "options from a JSON or YAML file (keys as in the library's EvaluateOptions); flags win")
		.option("--dataset <name>", "a registered dataset or an image folder (default fashion-mnist)")
		.option("--transfer <name>", "a second dataset: the same probes on its own training and test splits")
		.option("--data-dir <dir>", "folder that holds the dataset files (overrides GENREP_DATA_DIR)")
		.option(
			"--image-size <px>",
			"read the datasets at SxS (scaled to fit, centred on black); default their own size",
			positiveInteger,
		)
		.option("--channels <n>", "read the datasets with 1 (gray) or 3 (RGB) channels; default their own", channelCount)
		.option(
			"--seed <n>",
			"seed of subsets, validation splits, low-shot draws, random encoders (default 0)",
			nonNegativeInteger,
		)
		.option("--train-limit <n>", "use a seeded class-balanced subset of n training images per dataset", positiveInteger)
		.option("--test-limit <n>", "use a seeded class-balanced subset of n test images per dataset", positiveInteger)
		.option("--batch-size <n>", "images per forward pass (default 250)", positiveInteger)
		.option("--k <n>", "kNN neighbours (default 20)", positiveInteger)
		.option("--shots <list>", "low-shot images per class, comma-separated (default 10,100)", integerList)
		.option("--draws <n>", "low-shot draws per shot count (default 5)", positiveInteger)
		.option(
			"--max-iterations <n>",
			"L-BFGS iterations per linear-probe fit at most (a safety cap: fits stop on a tolerance; default 1000)",
			positiveInteger,
		)
		.action(
			action(async (flags: EvalFlags) => {
				const fromFile = flags.config ? await readConfigFile(flags.config) : {};
				const options = { ...fromFile, ...flagOptions(flags) } as EvaluateOptions;
				for (const key of ["encoder", "out"] as const) {
					if (options[key] === undefined) throw new GenrepError(`--${key} is required (or give it in --config)`);
				}
				const { evaluateRepresentation } = await import("../../evaluation/representation/evaluate.js");
				const metrics = await evaluateRepresentation({
					...options,
					command: commandLine(),
					onProgress: progressWriter(),
				});
				process.stdout.write(`${summaryTable(metrics)}wrote ${options.out}\n`);
			}),
		);
}

interface EvalFlags {
	encoder?: string;
	out?: string;
	config?: string;
	dataset?: string;
	transfer?: string;
	dataDir?: string;
	imageSize?: number;
	channels?: 1 | 3;
	seed?: number;
	trainLimit?: number;
	testLimit?: number;
	batchSize?: number;
	k?: number;
	shots?: number[];
	draws?: number;
	maxIterations?: number;
}

/** Only the flags that were given, as EvaluateOptions keys. */
function flagOptions(f: EvalFlags): Partial<EvaluateOptions> {
	const { config: _config, ...options } = f;
	return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

/** The figures as a small table, one row per dataset. */
export function summaryTable(m: EvalMetrics): string {
	const shots = m.options.shots;
	const header = [
		"dataset",
		"train",
		"test",
		"linear probe (wd)",
		`kNN-${m.options.k}`,
		...shots.map((n) => `${n}-shot`),
	];
	const row = (d: DatasetEvalMetrics) => [
		d.dataset,
		String(d.trainImages),
		String(d.testImages),
		`${percent(d.linearProbe.top1)} (${d.linearProbe.weightDecay.toExponential(0)})`,
		percent(d.knn.top1),
		...shots.map((n) => {
			const r = d.lowShot[String(n)];
			return "skipped" in r ? "skipped" : `${percent(r.mean)} ± ${(100 * r.std).toFixed(2)}`;
		}),
	];
	const rows = [header, row(m.dataset), ...(m.transfer ? [row(m.transfer)] : [])];
	const widths = header.map((_, j) => Math.max(...rows.map((r) => r[j].length)));
	const lines = rows.map((r) =>
		r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join("  "),
	);
	return (
		`encoder ${m.encoder.name}: ${m.encoder.features}; seed ${m.seed}; ${m.seconds.toFixed(1)} s\n` +
		`${lines.join("\n")}\n`
	);
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Progress on stderr: a rewritten status line on a terminal, JSON lines otherwise. */
function progressWriter(): (p: EvalProgress) => void {
	const line = new ProgressLine();
	return (p) => {
		const eta = p.done > 0 && p.done < p.total ? `, ETA ${Math.round(p.etaSeconds)} s` : "";
		line.show(`${p.dataset}: ${p.stage} ${p.done}/${p.total}${eta}`, { phase: "eval", ...p });
		if (p.stage === "low-shot" && p.done === p.total) line.finish();
	};
}

function integerList(value: string): number[] {
	const parts = value.split(",").map((s) => s.trim());
	if (parts.some((s) => !/^\d+$/.test(s) || Number(s) < 1)) {
		throw new InvalidArgumentError(`expected positive integers separated by commas, got "${value}"`);
	}
	return parts.map(Number);
}
