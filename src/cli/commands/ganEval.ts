import type { Command } from "commander";
import { ProgressLine } from "../../engine/progress.js";
import { action } from "../action.js";
import { channelCount, nonNegativeInteger, positiveInteger, positiveNumber } from "../parse.js";

/**
 * `genrep gan eval` (Fréchet distance, its floor, class consistency of a generator) and
 * `genrep gan train-eval-classifier` (the classifier whose features they are measured in).
 * Registered on the `gan` command group: `registerGanEvalCommand(gan)`.
 */
export function registerGanEvalCommand(gan: Command): void {
	gan
		.command("eval")
		.description(
			"measure a generator against real data in the evaluation classifier's feature space: Fréchet distance " +
				"(generated vs real test split), its floor (real train vs real test) and, for conditional generators, " +
				"class consistency; writes metrics JSON and merges the figures into the generator's model.json",
		)
		.requiredOption("--generator <name|dir>", "a shipped generator name or a generator directory")
		.option("--n <n>", "generated samples (and real training images for the floor) (default 10000)", positiveInteger)
		.option(
			"--seed <n>",
			"random seed of the latents and of the floor's training images (default 0)",
			nonNegativeInteger,
		)
		.option("--truncation <t>", "truncation of z ~ N_t(0, 1, t) (default: the model card's)", positiveNumber)
		.option("--batch-size <n>", "images per forward pass (default 250)", positiveInteger)
		.option("--classifier <dir>", "evaluation classifier directory (default: the shipped fashion-mnist classifier)")
		.option("--out <file>", "write the metrics JSON here (default: stdout only)")
		.option("--no-card", "do not merge the figures into the generator's model.json")
		.option("--data-dir <dir>", "folder that holds the dataset files (overrides GENREP_DATA_DIR)")
		.option(
			"--cas",
			"also the Classification Accuracy Score: a classifier trained only on generated samples (conditional " +
				"generators), tested on the real test split",
		)
		.option("--cas-n <n>", "generated training images of the CAS classifier (default 10000)", positiveInteger)
		.option("--cas-epochs <n>", "epochs of the CAS classifier (default 3)", positiveInteger)
		.action(
			action(async (flags: GanEvalFlags) => {
				const { evaluateGeneratorByName } = await import("../../evaluation/quality/ganEval.js");
				const { metrics, cardUpdated } = await evaluateGeneratorByName(flags.generator, {
					n: flags.n,
					seed: flags.seed,
					truncation: flags.truncation,
					batchSize: flags.batchSize,
					classifier: flags.classifier,
					dataDir: flags.dataDir,
					cas:
						flags.cas || flags.casN !== undefined || flags.casEpochs !== undefined
							? { n: flags.casN, epochs: flags.casEpochs }
							: undefined,
					out: flags.out,
					updateCard: flags.card,
					command: ["genrep", ...process.argv.slice(2)].join(" "),
					onProgress: progressWriter("eval"),
				});
				const consistency =
					metrics.classConsistency !== undefined
						? `, class consistency ${(100 * metrics.classConsistency.mean).toFixed(1)}%`
						: "";
				const written = [flags.out, cardUpdated].filter(Boolean).join(" and ");
				const c = metrics.classificationAccuracyScore;
				const cas = c
					? `, CAS ${(100 * c.top1).toFixed(1)}%${c.realTop1 !== null ? ` (real data ${(100 * c.realTop1).toFixed(1)}%)` : ""}`
					: metrics.classificationAccuracyScoreSkipped
						? `, CAS skipped: ${metrics.classificationAccuracyScoreSkipped}`
						: "";
				process.stdout.write(
					`${metrics.generator}: Fréchet distance ${metrics.frechetDistance.toPrecision(4)} ` +
						`(floor ${metrics.frechetFloor.toPrecision(4)}, n ${metrics.n})${consistency}${cas}` +
						`${written ? `; wrote ${written}` : ""}\n`,
				);
				if (!flags.out) process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
			}),
		);

	gan
		.command("train-eval-classifier")
		.description(
			"train the evaluation classifier of `gan eval` (ResNet [16, 32, 64] + linear head) on a dataset's training " +
				"split; writes classifier.safetensors and model.json (with its test accuracy) into --out",
		)
		.requiredOption("--out <dir>", "output directory (e.g. models/fashion-mnist-classifier)")
		.option("--dataset <name>", "a registered dataset or an image folder (default fashion-mnist)")
		.option("--epochs <n>", "passes over the training split (default 3)", positiveInteger)
		.option("--batch-size <n>", "images per step (default 128)", positiveInteger)
		.option("--lr <lr>", "peak learning rate of SGD with Nesterov momentum (default 0.1)", positiveNumber)
		.option("--seed <n>", "random seed (default 0)", nonNegativeInteger)
		.option("--limit <n>", "use only the first n training images", positiveInteger)
		.option("--data-dir <dir>", "folder that holds the dataset files (overrides GENREP_DATA_DIR)")
		.option(
			"--image-size <px>",
			"read the dataset at SxS (scaled to fit, centred), the size of the generators it will judge; default its own",
			positiveInteger,
		)
		.option("--channels <n>", "read the dataset with 1 (gray) or 3 (RGB) channels; default its own", channelCount)
		.action(
			action(async (flags: TrainClassifierFlags) => {
				const { trainEvalClassifier } = await import("../../evaluation/quality/classifier.js");
				const result = await trainEvalClassifier({
					out: flags.out,
					dataset: flags.dataset,
					dataDir: flags.dataDir,
					epochs: flags.epochs,
					batchSize: flags.batchSize,
					lr: flags.lr,
					seed: flags.seed,
					limit: flags.limit,
					imageSize: flags.imageSize,
					channels: flags.channels,
					command: ["genrep", ...process.argv.slice(2)].join(" "),
					onProgress: progressWriter("train"),
				});
				process.stdout.write(
					`trained ${result.steps} steps in ${result.seconds.toFixed(1)} s; test accuracy ` +
						`${(100 * result.testAccuracy).toFixed(2)}%; wrote ${result.out}/classifier.safetensors and model.json\n`,
				);
			}),
		);
}

interface GanEvalFlags {
	generator: string;
	n?: number;
	seed?: number;
	truncation?: number;
	batchSize?: number;
	classifier?: string;
	out?: string;
	card: boolean;
	dataDir?: string;
	cas?: boolean;
	casN?: number;
	casEpochs?: number;
}

interface TrainClassifierFlags {
	out: string;
	dataset?: string;
	epochs?: number;
	batchSize?: number;
	lr?: number;
	seed?: number;
	limit?: number;
	dataDir?: string;
	imageSize?: number;
	channels?: 1 | 3;
}

/** Progress on stderr: a rewritten status line on a terminal, JSON lines otherwise. */
function progressWriter<P extends { etaSeconds: number }>(phase: string): (p: P) => void {
	const line = new ProgressLine();
	return (p) => {
		const parts = Object.entries(p)
			.filter(([k]) => k !== "etaSeconds" && k !== "seconds")
			.map(([k, v]) => `${k} ${typeof v === "number" && !Number.isInteger(v) ? v.toPrecision(4) : v}`);
		line.show(`${phase}: ${parts.join(", ")}, ETA ${Math.round(p.etaSeconds)} s`, { phase, ...p });
		if (p.etaSeconds === 0) line.finish();
	};
}
