/** Learning one steering walk with Adam on the host (Jahanian et al. 2020, "On the steerability of GANs"). */
import { HostAdam } from "../../engine/optim/adam.js";
import { Rng } from "../../engine/rng.js";
import { truncatedNormal } from "../../engine/truncatedNormal.js";
import type { Generator } from "../../generators/generator.js";
import { drawLabels } from "./editBatch.js";
import { walkGradient } from "./gradientChoice.js";
import { drawAlpha, latentUnit, type PixelEditName } from "./pixelEdits.js";
import { type ResolvedWalkGradient, resolveWalkGradient } from "./walkGradient.js";
import type { ResolvedWalkTraining } from "./walkOptions.js";

/**
 * Learns one walk: the latent vector w minimising the masked MSE between
 * G(z + latentStep(alpha) w) and edit(G(z), alpha) over z ~ N_t(0, 1, t), random classes and
 * alphas drawn over the edit's range (the mask drops the pixels the edit leaves undefined).
 * Adam on the host (w is a single [d] vector) from w = 0, with a cosine learning-rate decay.
 * Returns w and the loss of every step. The gradient is the options' (default: autodiff when
 * the generator has gradients, else derivative-free es).
 */
export async function trainWalk(
	generator: Generator,
	name: PixelEditName,
	range: readonly [number, number],
	options: Pick<ResolvedWalkTraining, "steps" | "batchSize" | "learningRate" | "seed" | "truncation"> & {
		gradient?: ResolvedWalkGradient;
	},
	onStep?: (step: number, loss: number) => void,
): Promise<{ vector: Float32Array; losses: number[] }> {
	const d = generator.latentDim;
	const unit = latentUnit(name, range);
	const rng = new Rng(options.seed).fork(`walk-${name}`);
	const gradientOf = walkGradient(
		generator,
		name,
		unit,
		options.gradient ?? resolveWalkGradient(generator, {}),
		options.seed,
	);
	const w = new Float32Array(d);
	const adam = new HostAdam(d); // beta1 0.9, beta2 0.999
	const losses: number[] = [];
	for (let step = 1; step <= options.steps; step++) {
		const z = truncatedNormal(rng, options.batchSize * d, 0, 1, options.truncation); // [B, d]
		const labels = drawLabels(rng, generator, options.batchSize);
		const alphas = Array.from({ length: options.batchSize }, () => drawAlpha(rng, name, range));
		const { loss, grad: g } = await gradientOf({ z, labels, alphas }, w);
		// Cosine decay to 0 over the steps, so the walk settles instead of following the last batches' noise.
		const decay = 0.5 * (1 + Math.cos((Math.PI * (step - 1)) / options.steps));
		adam.apply(w, g, step, options.learningRate * decay);
		losses.push(loss);
		onStep?.(step, loss);
	}
	return { vector: w, losses };
}
