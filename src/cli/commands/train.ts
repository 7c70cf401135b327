import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { positiveNumber, text } from "../../engine/options.js";
import { GenrepError } from "../../errors.js";
import type { DataSourceOptions } from "../../learners/sources/types.js";
import { LIVE_SOURCE, MIXED_SOURCE, REAL_SOURCE, STORED_SOURCE } from "../../learners/sources/types.js";
import { TRAIN_OPTIONS, type TrainOptions } from "../../learners/trainOptions.js";
import { action } from "../action.js";
import { addFlags } from "../flags.js";
import { untilInterrupted } from "../interrupt.js";
import { commandLine, readConfigFile } from "../parse.js";

/**
 * `genrep train`: thin over trainRepresentation (src/learners/trainer.ts). `--data` picks the
 * source: `live:<generator>` (a live stream with --view), a multiview dataset folder, or a real
 * dataset (with `--mix <views dir> --mix-fraction f` to replace a fraction by generated images).
 */
export function registerTrainCommand(program: Command): void {
	const command = program
		.command("train")
		.description(
			"train an encoder (SimCLR, SupCon, multi-positive, inverter, classifier) on generated views or real images; " +
				"writes config.json, checkpoint.safetensors, metrics.jsonl, encoder.safetensors + encoder.json into --out; " +
				"Ctrl-C checkpoints and stops, --resume continues",
		);
	// Flags in the order of the help; each typed and checked by the library's schema.
	const readers = [
		addFlags(command, TRAIN_OPTIONS, {
			method: {
				flag: "--method <name>",
				help: "simclr, supcon (needs classes), multipos (an anchor and all its latent views are positives), inverter (needs z), classifier (needs classes)",
			},
			encoder: {
				flag: "--encoder <name>",
				help: "resnet-tiny, resnet8-w32, resnet10-w32 or resnet18 (default resnet-tiny)",
			},
			imageSize: {
				flag: "--image-size <px>",
				help:
					"train on SxS images: the data is cropped and resized to it by the pixel views (resized without them); " +
					"default the data's own size",
			},
			stem: "encoder stem: auto (cifar below 96 px, imagenet from 96 px), cifar or imagenet",
		}),
		addFlags(command, DATA_FLAGS, {
			data: {
				flag: "--data <source>",
				help:
					"a multiview dataset folder (genrep views generate), live:<generator> (fresh samples every step, with --view), " +
					"or a real dataset name / image folder",
			},
		}),
		addFlags(command, TRAIN_OPTIONS, {
			out: { flag: "--out <dir>", help: "run directory (new or empty, unless --resume)" },
		}),
	];
	command.option(
		"--config <file>",
		"options from a JSON or YAML file (keys as in the library's TrainOptions); flags win",
	);
	readers.push(
		addFlags(command, TRAIN_OPTIONS, {
			epochs: "passes over the data",
			steps: "total optimizer steps (overrides --epochs)",
			batchSize: "anchors per step; simclr and supcon see two views of each, multipos all K + 1",
			lr: {
				flag: "--lr <lr>",
				help: "learning rate at batch 256, scaled linearly with the batch size (multipos: with batch x (K + 1) / 2)",
			},
			momentum: { flag: "--momentum <m>", help: "SGD momentum" },
			weightDecay: { flag: "--weight-decay <w>", help: "weight decay (default 1e-4)" },
			temperature: { flag: "--temperature <t>", help: "temperature of simclr, supcon and multipos" },
			warmupFraction: { flag: "--warmup-fraction <f>", help: "fraction of the steps spent warming up" },
			seed: "random seed",
			pixelViews: {
				flag: "--no-pixel-views",
				kind: "boolean",
				help: "no SimCLR pixel augmentation (T_x): the views are the images as generated",
			},
		}),
		addFlags(command, DATA_FLAGS, {
			latentViews: {
				flag: "--no-latent-views",
				help: "stored data: pair each anchor with itself instead of one of its latent views (T_z = none)",
			},
			neighbors: {
				flag: "--neighbors <k>",
				help:
					"stored or live data: K latent views per anchor (stored: the first K of those stored, default all; live: default 1); " +
					"multipos trains on all K + 1, simclr and supcon on the anchor and one of the K",
			},
			view: {
				flag: "--view <kind>",
				help: "live data: latent view none, gaussian (with --sigma), independent, steer (with --walks)",
			},
			sigma: { flag: "--sigma <s>", help: "live data, gaussian view: spread of the latent offset" },
			viewTruncation: { flag: "--view-truncation <t>", help: "live data: truncation of the view's offset (default 2)" },
			walks: { flag: "--walks <dir>", help: "live data, steer view: the walks from genrep steer train" },
			epochSize: "live data: anchors per epoch (default 60000)",
			mix: {
				flag: "--mix <dir>",
				help: "real data: a multiview dataset whose anchors replace a fraction of the real images",
			},
			mixFraction: {
				flag: "--mix-fraction <f>",
				help: "fraction of real images replaced by generated ones, in [0, 1]",
			},
			limit: "real data: use only the first n training images",
			channels: "real data: read the images with 1 (gray) or 3 (RGB) channels",
			dataDir: { flag: "--data-dir <dir>", help: "folder that holds the dataset files (overrides GENREP_DATA_DIR)" },
		}),
		addFlags(command, TRAIN_OPTIONS, {
			resume: "continue the run in --out from its last checkpoint",
			checkpointEverySeconds: {
				flag: "--checkpoint-every <seconds>",
				help: "seconds between checkpoints besides every epoch",
			},
			precision: {
				flag: "--precision <p>",
				help: "auto (default: bf16 where the CPU runs it, else fp32), bf16 or fp32. bf16: the training step's convolutions and matrix products in bf16 on CPUs with avx512_core_bf16 (fp32 master weights and batch-norm statistics; a live generator's samples stay fp32; about 1.3-1.5x the fp32 step, the same linear probe within the seeds' spread); an explicit bf16 elsewhere warns and runs fp32. The precision that ran is in config.json; a resumed run keeps its own",
			},
			logEverySteps: { flag: "--log-every <steps>", help: "steps between metrics lines and progress reports" },
			prefetch: {
				flag: "--no-prefetch",
				help: "live data: generate each batch on the training thread when its step starts, instead of one step ahead in a worker thread (same results)",
			},
		}),
	);
	command.action(
		action(async (parsed: Record<string, unknown>) => {
			const flags = Object.assign({}, ...readers.map((read) => read(parsed))) as TrainFlags;
			const fromFile = typeof parsed.config === "string" ? await readConfigFile(parsed.config) : {};
			const options = { ...fromFile, ...flagOptions(flags) } as TrainOptions;
			for (const key of ["method", "data", "out"] as const) {
				if (options[key] === undefined) throw new GenrepError(`--${key} is required (or give it in --config)`);
			}
			options.encoder ??= "resnet-tiny";
			const { trainRepresentation } = await import("../../learners/trainer.js");
			const r = await untilInterrupted("writing a checkpoint after this step", (signal) =>
				trainRepresentation({ ...options, signal, command: commandLine() }),
			);
			if (r.interrupted) {
				process.stdout.write(`stopped at step ${r.step}/${r.steps}; checkpoint in ${r.out}; continue with --resume\n`);
				process.exitCode = 130;
				return;
			}
			const from = r.startStep > 0 ? ` (resumed at step ${r.startStep})` : "";
			process.stdout.write(
				`trained ${r.steps} steps${from} in ${r.seconds.toFixed(1)} s, last loss ${r.lastLoss?.toFixed(4) ?? "-"}; ` +
					`encoder in ${r.out} (evaluate with genrep eval --encoder ${r.out})\n`,
			);
		}),
	);
}

/**
 * The flags that make the data source (--data and its companions): each typed by the source
 * option it sets (sources/types.ts); the latent view's own options (--sigma, --view-truncation)
 * are checked again by the view.
 */
const DATA_FLAGS = z.object({
	data: text(),
	latentViews: STORED_SOURCE.shape.latentViews,
	neighbors: LIVE_SOURCE.shape.neighbors,
	view: text(),
	sigma: positiveNumber(),
	viewTruncation: positiveNumber(),
	walks: text(),
	epochSize: LIVE_SOURCE.shape.epochSize,
	mix: MIXED_SOURCE.shape.generated,
	mixFraction: MIXED_SOURCE.shape.fraction,
	limit: REAL_SOURCE.shape.limit,
	channels: REAL_SOURCE.shape.channels,
	dataDir: REAL_SOURCE.shape.dataDir,
});

/** The flags given, as TrainOptions keys (the data flags made into one data source). */
function flagOptions(f: TrainFlags): Partial<TrainOptions> {
	const train = Object.fromEntries(Object.entries(f).filter(([key]) => !Object.hasOwn(DATA_FLAGS.shape, key)));
	return f.data === undefined ? train : { ...train, data: dataSource(f) };
}

/** --data and its companion flags -> a data source. */
export function dataSource(f: TrainFlags): DataSourceOptions {
	const data = f.data as string;
	const onlyFor = (flag: string, given: unknown, kind: string) => {
		if (given !== undefined) throw new GenrepError(`${flag} applies only to ${kind} data, not to --data ${data}`);
	};
	if (data.startsWith("live:")) {
		if (!f.view) throw new GenrepError("--data live:<generator> needs --view (none, gaussian, independent, steer)");
		onlyFor("--mix", f.mix, "real");
		onlyFor("--channels", f.channels, "real");
		const view = { kind: f.view, sigma: f.sigma, truncation: f.viewTruncation, walks: f.walks };
		const defined = Object.fromEntries(Object.entries(view).filter(([, v]) => v !== undefined));
		const generator = data.slice(5);
		return {
			kind: "live",
			generator,
			view: defined as { kind: string },
			epochSize: f.epochSize,
			neighbors: f.neighbors,
		};
	}
	onlyFor("--view", f.view, "live");
	onlyFor("--epoch-size", f.epochSize, "live");
	if (existsSync(join(data, "manifest.json"))) {
		onlyFor("--mix", f.mix, "real");
		onlyFor("--channels", f.channels, "real");
		if (f.latentViews === false && f.neighbors !== undefined) {
			throw new GenrepError(
				"--neighbors picks latent views and --no-latent-views turns them off; give one or the other",
			);
		}
		const latentViews = f.latentViews === false ? false : undefined;
		return { kind: "stored", dir: data, latentViews, neighbors: f.neighbors };
	}
	onlyFor("--neighbors", f.neighbors, "stored multiview or live");
	if (f.latentViews === false) throw new GenrepError("--no-latent-views applies only to a stored multiview dataset");
	if (f.mix !== undefined) {
		if (f.mixFraction === undefined) throw new GenrepError("--mix needs --mix-fraction (0 to 1)");
		return {
			kind: "mixed",
			dataset: data,
			dataDir: f.dataDir,
			limit: f.limit,
			generated: f.mix,
			fraction: f.mixFraction,
			imageSize: f.imageSize,
			channels: f.channels,
		};
	}
	onlyFor("--mix-fraction", f.mixFraction, "mixed (--mix)");
	return {
		kind: "real",
		dataset: data,
		dataDir: f.dataDir,
		limit: f.limit,
		imageSize: f.imageSize,
		channels: f.channels,
	};
}

/** The flags of `genrep train` as their option keys (those of TrainOptions and the data source's). */
export type TrainFlags = Partial<Omit<TrainOptions, "data">> & Partial<z.input<typeof DATA_FLAGS>>;
