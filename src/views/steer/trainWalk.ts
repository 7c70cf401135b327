/** Learning one steering walk: Adam on w (a host vector) against the masked MSE to the edited image, cosine-decayed. */
import * as tf from "@tensorflow/tfjs-core";
import { HostAdam } from "../../engine/optim/adam.js";
import { Rng } from "../../engine/rng.js";
import { truncatedNormal } from "../../engine/truncatedNormal.js";
import type { DifferentiableGenerator } from "./differentiable.js";
import { batchTensors, drawLabels, editBatch, maskedMse, steered } from "./editBatch.js";
import { drawAlpha, latentUnit, type PixelEditName } from "./pixelEdits.js";
import type { ResolvedWalkTraining } from "./walkTrainingOptions.js";

/**
 * Learns one walk with Adam (on the host; w is a single [d] vector), starting from w = 0.
 * Returns w and the loss of every step.
 */
export async function trainWalk(
	generator: DifferentiableGenerator,
	name: PixelEditName,
	range: readonly [number, number],
	options: Pick<ResolvedWalkTraining, "steps" | "batchSize" | "learningRate" | "seed" | "truncation">,
	onStep?: (step: number, loss: number) => void,
): Promise<{ vector: Float32Array; losses: number[] }> {
	const d = generator.latentDim;
	const unit = latentUnit(name, range);
	const rng = new Rng(options.seed).fork(`walk-${name}`);
	const w = new Float32Array(d);
	const adam = new HostAdam(d); // beta1 0.9, beta2 0.999
	const losses: number[] = [];
	for (let step = 1; step <= options.steps; step++) {
		const z = truncatedNormal(rng, options.batchSize * d, 0, 1, options.truncation); // [B, d]
		const labels = drawLabels(rng, generator, options.batchSize);
		const alphas = Array.from({ length: options.batchSize }, () => drawAlpha(rng, name, range));
		const batch = editBatch(generator, name, unit, z, labels, alphas);
		const t = batchTensors(generator, batch);
		const wTensor = tf.tensor1d(w);
		const { value, grad } = tf.tidy(() =>
			tf.valueAndGrad((walk: tf.Tensor1D) => maskedMse(steered(generator, t.z, t.steps, walk, t.y), t.target, t.mask))(
				wTensor,
			),
		);
		const [loss] = await value.data();
		const g = (await grad.data()) as Float32Array;
		tf.dispose([value, grad, wTensor, t.z, t.steps, t.target, t.mask, ...(t.y ? [t.y] : [])]);
		// Cosine decay to 0 over the steps, so the walk settles instead of following the last batches' noise.
		const decay = 0.5 * (1 + Math.cos((Math.PI * (step - 1)) / options.steps));
		adam.apply(w, g, step, options.learningRate * decay);
		losses.push(loss);
		onStep?.(step, loss);
	}
	return { vector: w, losses };
}
