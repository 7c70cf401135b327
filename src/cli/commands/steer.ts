import { type Command, InvalidArgumentError } from "commander";
import { action } from "../action.js";

/** `genrep steer train`: thin over trainSteeringWalks (src/views/steer/trainWalks.ts). */
export function registerSteerCommands(program: Command): void {
	const steer = program
		.command("steer")
		.description("steering walks: latent directions that imitate pixel edits (for the steer latent view)");

	steer
		.command("train")
		.description(
			"learn one latent walk per pixel edit (shiftX, shiftY, zoom, rotate, brightness, contrast) so that " +
				"G(z + step(alpha) w) matches edit(G(z), alpha) under a mask of the pixels the edit defines; writes " +
				"walks.safetensors, walks.json (alpha ranges, error reduction against w = 0) and walks.png",
		)
		.requiredOption("--generator <name|dir>", "a shipped model or a model directory (tfjs or ONNX)")
		.requiredOption("--out <dir>", "the walks folder to create (must not exist or be empty)")
		.option("--edits <list>", "comma-separated edits to learn (default: all six)", (v) => v.split(","))
		.option(
			"--alpha-range <edit=min:max>",
			"alpha range of one edit, e.g. zoom=0.5:2 or shiftX=-4:4 (repeatable; must contain the identity)",
			alphaRange,
		)
		.option("--steps <n>", "Adam steps per walk (default 300)", Number)
		.option("--batch-size <n>", "latents per step (default 32)", Number)
		.option("--lr <lr>", "Adam learning rate, decayed along a cosine (default 0.05)", Number)
		.option("--seed <n>", "random seed (default 0)", Number)
		.option("--truncation <t>", "truncation of z (default: the model card's)", Number)
		.option("--eval-samples <n>", "held-out latents the error reduction is measured on (default 256)", Number)
		.option(
			"--gradient <method>",
			"auto|autodiff|fd|es: autodiff through a tfjs generator, or derivative-free from batched calls of G " +
				"(fd: central differences along every latent coordinate; es: along --probes random orthonormal directions " +
				"per latent); default auto: autodiff when the generator has gradients, es for ONNX",
		)
		.option(
			"--probes <n>",
			"es: antithetic probe pairs per latent, at most the latent dim (default min(8, latent dim))",
			Number,
		)
		.option("--probe-scale <c>", "fd, es: length of a probe's step in w (default 0.05)", Number)
		.action(
			action(async (flags: SteerTrainFlags) => {
				const { initEngine } = await import("../../engine/backend.js");
				await initEngine();
				const { trainSteeringWalks } = await import("../../views/steer/trainWalks.js");
				const { ProgressLine } = await import("../../engine/progress.js");
				const line = new ProgressLine();
				const result = await trainSteeringWalks({
					generator: flags.generator,
					out: flags.out,
					edits: flags.edits,
					alphaRanges: flags.alphaRange,
					steps: flags.steps,
					batchSize: flags.batchSize,
					learningRate: flags.lr,
					seed: flags.seed,
					truncation: flags.truncation,
					evalSamples: flags.evalSamples,
					gradient: flags.gradient,
					probes: flags.probes,
					probeScale: flags.probeScale,
					command: ["genrep", ...process.argv.slice(2)].join(" "),
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

interface SteerTrainFlags {
	generator: string;
	out: string;
	edits?: string[];
	alphaRange?: Record<string, [number, number]>;
	steps?: number;
	batchSize?: number;
	lr?: number;
	seed?: number;
	truncation?: number;
	evalSamples?: number;
	gradient?: string;
	probes?: number;
	probeScale?: number;
}
