import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { GenrepError } from "../../errors.js";
import type { DataSourceOptions, TrainOptions } from "../../learners/index.js";
import { action } from "../action.js";
import {
	channelCount,
	commandLine,
	nonNegativeInteger,
	number,
	positiveInteger,
	positiveNumber,
	readConfigFile,
} from "../parse.js";

/**
 * `genrep train`: thin over trainRepresentation (src/learners/trainer.ts). `--data` picks the
 * source: `live:<generator>` (a live stream with --view), a multiview dataset folder, or a real
 * dataset (with `--mix <views dir> --mix-fraction f` to replace a fraction by generated images).
 */
export function registerTrainCommand(program: Command): void {
	program
		.command("train")
		.description(
			"train an encoder (SimCLR, SupCon, multi-positive, inverter, classifier) on generated views or real images; " +
				"writes config.json, checkpoint.safetensors, metrics.jsonl, encoder.safetensors + encoder.json into --out; " +
				"Ctrl-C checkpoints and stops, --resume continues",
		)
		.option(
			"--method <name>",
			"simclr, supcon (needs classes), multipos (an anchor and all its latent views are positives), inverter (needs z), classifier (needs classes)",
		)
		.option("--encoder <name>", "resnet-tiny, resnet8-w32, resnet10-w32 or resnet18 (default resnet-tiny)")
		.option(
			"--image-size <px>",
			"train on SxS images: the data is cropped and resized to it by the pixel views (resized without them); " +
				"default the data's own size",
			positiveInteger,
		)
		.option("--stem <name>", "encoder stem: auto (cifar below 96 px, imagenet from 96 px), cifar or imagenet")
		.option(
			"--data <source>",
			"a multiview dataset folder (genrep views generate), live:<generator> (fresh samples every step, with --view), " +
				"or a real dataset name / image folder",
		)
		.option("--out <dir>", "run directory (new or empty, unless --resume)")
		.option("--config <file>", "options from a JSON or YAML file (keys as in the library's TrainOptions); flags win")
		.option("--epochs <n>", "passes over the data (default 1)", positiveInteger)
		.option("--steps <n>", "total optimizer steps (overrides --epochs)", positiveInteger)
		.option(
			"--batch-size <n>",
			"anchors per step; simclr and supcon see two views of each, multipos all K + 1 (default 256)",
			positiveInteger,
		)
		.option(
			"--lr <lr>",
			"learning rate at batch 256, scaled linearly with the batch size (multipos: with batch x (K + 1) / 2) (default 0.03)",
			positiveNumber,
		)
		.option("--momentum <m>", "SGD momentum (default 0.9)", number)
		.option("--weight-decay <w>", "weight decay (default 1e-4)", number)
		.option("--temperature <t>", "temperature of simclr, supcon and multipos (default 0.1)", positiveNumber)
		.option("--warmup-fraction <f>", "fraction of the steps spent warming up (default 0.05)", number)
		.option("--seed <n>", "random seed (default 0)", nonNegativeInteger)
		.option("--no-pixel-views", "no SimCLR pixel augmentation (T_x): the views are the images as generated")
		.option(
			"--no-latent-views",
			"stored data: pair each anchor with itself instead of one of its latent views (T_z = none)",
		)
		.option(
			"--neighbors <k>",
			"stored or live data: K latent views per anchor (stored: the first K of those stored, default all; live: default 1); " +
				"multipos trains on all K + 1, simclr and supcon on the anchor and one of the K",
			positiveInteger,
		)
		.option("--view <kind>", "live data: latent view none, gaussian (with --sigma), independent, steer (with --walks)")
		.option("--sigma <s>", "live data, gaussian view: spread of the latent offset", positiveNumber)
		.option("--view-truncation <t>", "live data: truncation of the view's offset (default 2)", positiveNumber)
		.option("--walks <dir>", "live data, steer view: the walks from genrep steer train")
		.option("--epoch-size <n>", "live data: anchors per epoch (default 60000)", positiveInteger)
		.option("--mix <dir>", "real data: a multiview dataset whose anchors replace a fraction of the real images")
		.option("--mix-fraction <f>", "fraction of real images replaced by generated ones, in [0, 1]", number)
		.option("--limit <n>", "real data: use only the first n training images", positiveInteger)
		.option("--channels <n>", "real data: read the images with 1 (gray) or 3 (RGB) channels", channelCount)
		.option("--data-dir <dir>", "folder that holds the dataset files (overrides GENREP_DATA_DIR)")
		.option("--resume", "continue the run in --out from its last checkpoint")
		.option(
			"--checkpoint-every <seconds>",
			"seconds between checkpoints besides every epoch (default 300)",
			positiveNumber,
		)
		.option(
			"--precision <p>",
			"fp32 (default) or bf16: bf16 convolutions and matrix products on CPUs with avx512_core_bf16 (fp32 master weights and batch-norm statistics); fp32 with a warning elsewhere",
		)
		.option("--log-every <steps>", "steps between metrics lines and progress reports (default 10)", positiveInteger)
		.option(
			"--no-prefetch",
			"live data: generate each batch on the training thread when its step starts, instead of one step ahead in a worker thread (same results)",
		)
		.action(
			action(async (flags: TrainFlags) => {
				const fromFile = flags.config ? await readConfigFile(flags.config) : {};
				const options = { ...fromFile, ...flagOptions(flags) } as TrainOptions;
				for (const key of ["method", "data", "out"] as const) {
					if (options[key] === undefined) throw new GenrepError(`--${key} is required (or give it in --config)`);
				}
				options.encoder ??= "resnet-tiny";
				const controller = new AbortController();
				const onInterrupt = () => {
					if (controller.signal.aborted) process.exit(130);
					process.stderr.write("\ninterrupted: writing a checkpoint after this step (Ctrl-C again to quit now)\n");
					controller.abort();
				};
				process.on("SIGINT", onInterrupt);
				const { trainRepresentation } = await import("../../learners/trainer.js");
				try {
					const r = await trainRepresentation({ ...options, signal: controller.signal, command: commandLine() });
					if (r.interrupted) {
						process.stdout.write(
							`stopped at step ${r.step}/${r.steps}; checkpoint in ${r.out}; continue with --resume\n`,
						);
						process.exitCode = 130;
						return;
					}
					const from = r.startStep > 0 ? ` (resumed at step ${r.startStep})` : "";
					process.stdout.write(
						`trained ${r.steps} steps${from} in ${r.seconds.toFixed(1)} s, last loss ${r.lastLoss?.toFixed(4) ?? "-"}; ` +
							`encoder in ${r.out} (evaluate with genrep eval --encoder ${r.out})\n`,
					);
				} finally {
					process.off("SIGINT", onInterrupt);
				}
			}),
		);
}

/** Only the flags that were given, as TrainOptions keys. */
function flagOptions(f: TrainFlags): Partial<TrainOptions> {
	const options: Partial<TrainOptions> = {
		method: f.method,
		encoder: f.encoder,
		stem: f.stem as TrainOptions["stem"],
		imageSize: f.imageSize,
		out: f.out,
		epochs: f.epochs,
		steps: f.steps,
		batchSize: f.batchSize,
		lr: f.lr,
		momentum: f.momentum,
		weightDecay: f.weightDecay,
		temperature: f.temperature,
		warmupFraction: f.warmupFraction,
		seed: f.seed,
		resume: f.resume,
		checkpointEverySeconds: f.checkpointEvery,
		logEverySteps: f.logEvery,
		precision: f.precision as TrainOptions["precision"],
		pixelViews: f.pixelViews === false ? false : undefined,
		prefetch: f.prefetch === false ? false : undefined,
	};
	if (f.data !== undefined) options.data = dataSource(f);
	return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
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

export interface TrainFlags {
	method?: string;
	encoder?: string;
	stem?: string;
	imageSize?: number;
	channels?: 1 | 3;
	data?: string;
	out?: string;
	config?: string;
	epochs?: number;
	steps?: number;
	batchSize?: number;
	lr?: number;
	momentum?: number;
	weightDecay?: number;
	temperature?: number;
	warmupFraction?: number;
	seed?: number;
	pixelViews?: boolean;
	latentViews?: boolean;
	neighbors?: number;
	view?: string;
	sigma?: number;
	viewTruncation?: number;
	walks?: string;
	epochSize?: number;
	mix?: string;
	mixFraction?: number;
	limit?: number;
	dataDir?: string;
	resume?: boolean;
	checkpointEvery?: number;
	logEvery?: number;
	precision?: string;
	prefetch?: boolean;
}
