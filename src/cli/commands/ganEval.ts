import type { Command } from "commander";
import { z } from "zod";
import { positiveInt } from "../../engine/options.js";
import { ProgressLine } from "../../engine/progress.js";
import { CLASSIFIER_TRAIN_OPTIONS, type ClassifierTrainOptions } from "../../evaluation/quality/classifierOptions.js";
import {
	CAS_OPTIONS,
	EVALUATE_BY_NAME_OPTIONS,
	type EvaluateByNameOptions,
} from "../../evaluation/quality/ganEvalOptions.js";
import { action } from "../action.js";
import { addFlags } from "../flags.js";
import { commandLine } from "../parse.js";

/**
 * `genrep gan eval` (Fréchet distance, its floor, class consistency of a generator) and
 * `genrep gan train-eval-classifier` (the classifier whose features they are measured in).
 * Registered on the `gan` command group: `registerGanEvalCommand(gan)`.
 */
export function registerGanEvalCommand(gan: Command): void {
	const evaluate = gan
		.command("eval")
		.description(
			"measure a generator against real data in the evaluation classifier's feature space: Fréchet distance " +
				"(generated vs real test split), its floor (real train vs real test) and, for conditional generators, " +
				"class consistency; writes metrics JSON and merges the figures into the generator's model.json",
		)
		.requiredOption("--generator <name|dir>", "a shipped generator name or a generator directory");
	const readEvalFlags = addFlags(evaluate, EVALUATE_BY_NAME_OPTIONS, {
		n: { help: "generated samples (and real training images for the floor)", check: positiveInt() },
		seed: "random seed of the latents and of the floor's training images",
		truncation: { flag: "--truncation <t>", help: "truncation of z ~ N_t(0, 1, t) (default: the model card's)" },
		batchSize: "images per forward pass",
		classifier: {
			flag: "--classifier <dir>",
			kind: "string",
			help: "evaluation classifier directory (default: the shipped fashion-mnist classifier)",
		},
		out: { flag: "--out <file>", help: "write the metrics JSON here (default: stdout only)" },
		updateCard: { flag: "--no-card", help: "do not merge the figures into the generator's model.json" },
		dataDir: { flag: "--data-dir <dir>", help: "folder that holds the dataset files (overrides GENREP_DATA_DIR)" },
		cas: {
			kind: "boolean",
			help:
				"also the Classification Accuracy Score: a classifier trained only on generated samples (conditional " +
				"generators), tested on the real test split",
		},
	});
	const readCasFlags = addFlags(evaluate, CAS_FLAGS, {
		casN: { help: "generated training images of the CAS classifier", check: positiveInt() },
		casEpochs: "epochs of the CAS classifier",
	});
	evaluate.action(
		action(async (flags: Record<string, unknown>) => {
			const { evaluateGeneratorByName } = await import("../../evaluation/quality/ganEval.js");
			const options = readEvalFlags(flags) as EvaluateByNameOptions;
			const { casN, casEpochs } = readCasFlags(flags);
			const generator = flags.generator as string;
			const { metrics, cardUpdated } = await evaluateGeneratorByName(generator, {
				...options,
				cas: options.cas || casN !== undefined || casEpochs !== undefined ? { n: casN, epochs: casEpochs } : undefined,
				command: commandLine(),
				onProgress: progressWriter("eval"),
			});
			const consistency =
				metrics.classConsistency !== undefined
					? `, class consistency ${(100 * metrics.classConsistency.mean).toFixed(1)}%`
					: "";
			const written = [options.out, cardUpdated].filter(Boolean).join(" and ");
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
			if (!options.out) process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
		}),
	);

	const trainClassifier = gan
		.command("train-eval-classifier")
		.description(
			"train the evaluation classifier of `gan eval` (ResNet [16, 32, 64] + linear head) on a dataset's training " +
				"split; writes classifier.safetensors and model.json (with its test accuracy) into --out",
		);
	const readClassifierFlags = addFlags(trainClassifier, CLASSIFIER_TRAIN_OPTIONS, {
		out: { flag: "--out <dir>", required: true, help: "output directory (e.g. models/fashion-mnist-classifier)" },
		dataset: { flag: "--dataset <name>", help: "a registered dataset or an image folder" },
		epochs: "passes over the training split",
		batchSize: "images per step",
		lr: { flag: "--lr <lr>", help: "peak learning rate of SGD with Nesterov momentum" },
		seed: "random seed",
		limit: "use only the first n training images",
		dataDir: { flag: "--data-dir <dir>", help: "folder that holds the dataset files (overrides GENREP_DATA_DIR)" },
		imageSize: {
			flag: "--image-size <px>",
			help: "read the dataset at SxS (scaled to fit, centred), the size of the generators it will judge; default its own",
		},
		channels: "read the dataset with 1 (gray) or 3 (RGB) channels; default its own",
	});
	trainClassifier.action(
		action(async (flags: Record<string, unknown>) => {
			const { trainEvalClassifier } = await import("../../evaluation/quality/classifier.js");
			const result = await trainEvalClassifier({
				...(readClassifierFlags(flags) as ClassifierTrainOptions),
				command: commandLine(),
				onProgress: progressWriter("train"),
			});
			process.stdout.write(
				`trained ${result.steps} steps in ${result.seconds.toFixed(1)} s; test accuracy ` +
					`${(100 * result.testAccuracy).toFixed(2)}%; wrote ${result.out}/classifier.safetensors and model.json\n`,
			);
		}),
	);
}

/** --cas-n and --cas-epochs: the CAS classifier's n and epochs (CAS_OPTIONS). */
const CAS_FLAGS = z.object({ casN: CAS_OPTIONS.shape.n, casEpochs: CAS_OPTIONS.shape.epochs });

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
