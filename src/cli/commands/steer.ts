import { type Command, InvalidArgumentError } from "commander";
import { finiteNumber, integerIn } from "../../engine/options.js";
import { WALK_TRAINING_OPTIONS, type WalkTrainingOptions } from "../../views/steer/walkOptions.js";
import { action } from "../action.js";
import { addFlags } from "../flags.js";
import { commandLine } from "../parse.js";

/**
 * The flags check only that a number is one; the library checks its range and says so in its
 * own words ("steer train: steps must be an integer >= 1, got 0").
 */
const AN_INTEGER = integerIn(Number.MIN_SAFE_INTEGER, undefined, "an integer");
const A_NUMBER = finiteNumber();

/** `genrep steer train`: thin over trainSteeringWalks (src/views/steer/trainSteeringWalks.ts). */
export function registerSteerCommands(program: Command): void {
	const steer = program
		.command("steer")
		.description("steering walks: latent directions that imitate pixel edits (for the steer latent view)");

	const train = steer
		.command("train")
		.description(
			"learn one latent walk per pixel edit (shiftX, shiftY, zoom, rotate, brightness, contrast) so that " +
				"G(z + step(alpha) w) matches edit(G(z), alpha) under a mask of the pixels the edit defines; writes " +
				"walks.safetensors, walks.json (alpha ranges, error reduction against w = 0) and walks.png",
		);
	// Flags in the order of the help; each typed by the library's schema (WALK_TRAINING_OPTIONS).
	const readers = [
		addFlags(train, WALK_TRAINING_OPTIONS, {
			generator: {
				flag: "--generator <name|dir>",
				required: true,
				help: "a shipped model or a model directory (tfjs or ONNX)",
			},
			out: { flag: "--out <dir>", required: true, help: "the walks folder to create (must not exist or be empty)" },
			edits: "comma-separated edits to learn (default: all six)",
		}),
	];
	train.option(
		"--alpha-range <edit=min:max>",
		"alpha range of one edit, e.g. zoom=0.5:2 or shiftX=-4:4 (repeatable; must contain the identity)",
		alphaRange,
	);
	readers.push(
		addFlags(train, WALK_TRAINING_OPTIONS, {
			steps: { help: "Adam steps per walk", check: AN_INTEGER },
			batchSize: { help: "latents per step", check: AN_INTEGER },
			learningRate: { flag: "--lr <lr>", help: "Adam learning rate, decayed along a cosine", check: A_NUMBER },
			seed: { help: "random seed", check: AN_INTEGER },
			truncation: { flag: "--truncation <t>", help: "truncation of z (default: the model card's)", check: A_NUMBER },
			evalSamples: { help: "held-out latents the error reduction is measured on", check: AN_INTEGER },
			gradient: {
				flag: "--gradient <method>",
				hideDefault: true,
				help:
					"auto|autodiff|fd|es: autodiff through a tfjs generator, or derivative-free from batched calls of G " +
					"(fd: central differences along every latent coordinate; es: along --probes random orthonormal directions " +
					"per latent); default auto: autodiff when the generator has gradients, es for ONNX",
			},
			probes: {
				help: "es: antithetic probe pairs per latent, at most the latent dim (default min(8, latent dim))",
				check: AN_INTEGER,
			},
			probeScale: {
				flag: "--probe-scale <c>",
				help: "fd, es: length of a probe's step in w (default 0.05)",
				check: A_NUMBER,
			},
		}),
	);
	train.action(
		action(async (parsed: Record<string, unknown>) => {
			const flags = Object.assign({}, ...readers.map((read) => read(parsed))) as WalkTrainingOptions;
			const alphaRanges = parsed.alphaRange as WalkTrainingOptions["alphaRanges"];
			const { initEngine } = await import("../../engine/backend.js");
			await initEngine();
			const { trainSteeringWalks } = await import("../../views/steer/trainSteeringWalks.js");
			const { ProgressLine } = await import("../../engine/progress.js");
			const line = new ProgressLine();
			const result = await trainSteeringWalks({
				...flags,
				...(alphaRanges ? { alphaRanges } : {}),
				command: commandLine(),
				onProgress: (e) => {
					const done = e.index * e.steps + e.step;
					const all = e.walks * e.steps;
					const eta = (e.seconds / done) * (all - done);
					line.show(
						`walk ${e.index + 1}/${e.walks} ${e.walk}: step ${e.step}/${e.steps}, loss ${e.loss.toFixed(4)}, ETA ${eta.toFixed(0)} s`,
						{ event: "step", ...e, etaSeconds: Number(eta.toFixed(1)) },
					);
				},
			});
			line.finish();
			const g = result.card.training.gradient as {
				method: string;
				imagesPerStep: number;
				generatorCallsPerStep: number;
			};
			process.stdout.write(
				`gradient: ${g.method} (${g.imagesPerStep} images in ${g.generatorCallsPerStep} call${g.generatorCallsPerStep === 1 ? "" : "s"} of G per step)\n`,
			);
			for (const w of result.card.walks) {
				const e = w.maskedError;
				const verdict = e.reduction > 0 ? "" : "  (does NOT lower the error)";
				process.stdout.write(
					`${w.edit}: masked error ${e.withoutWalk.toFixed(4)} -> ${e.withWalk.toFixed(4)} (${(100 * e.reduction).toFixed(1)}% lower)${verdict}\n`,
				);
			}
			process.stdout.write(
				`wrote ${result.card.walks.length} walks to ${result.out} (walks.safetensors, walks.json, walks.png) in ${result.seconds.toFixed(1)} s\n`,
			);
		}),
	);
}

/** `zoom=0.5:2` -> accumulates { zoom: [0.5, 2] }; the library checks the values. */
function alphaRange(value: string, previous: Record<string, [number, number]> = {}): Record<string, [number, number]> {
	const m = /^([A-Za-z]+)=([^:]+):(.+)$/.exec(value.trim());
	const lo = m ? Number(m[2]) : Number.NaN;
	const hi = m ? Number(m[3]) : Number.NaN;
	if (!m || !Number.isFinite(lo) || !Number.isFinite(hi)) {
		throw new InvalidArgumentError(`expected edit=min:max (e.g. zoom=0.5:2), got "${value}"`);
	}
	return { ...previous, [m[1]]: [lo, hi] };
}
