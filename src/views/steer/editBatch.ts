/** Edit batches on the host: G(z), the edit targets with their masks of defined pixels, each alpha's latent step. */
import type { Rng } from "../../engine/rng.js";
import type { Generator } from "../../generators/generator.js";
import { generateOnHost } from "../../generators/sampling.js";
import { editImages, latentStep, type PixelEditName } from "./pixelEdits.js";

/** z, classes and alphas of one batch, and the edited targets with their masks (host). */
export interface EditBatch {
	z: Float32Array; // [B, d]
	labels: Int32Array | null; // [B]
	steps: Float32Array; // [B] latent coefficient of each alpha
	base: Float32Array; // [B, H, W, C] G(z)
	target: Float32Array; // [B, H, W, C] edit(G(z), alpha)
	mask: Float32Array; // [B, H, W]
}

/** G(z) for the batch, its edit targets and masks at the alphas, and their latent steps with the walk's unit. */
export async function editBatch(
	generator: Generator,
	name: PixelEditName,
	unit: number,
	z: Float32Array,
	labels: Int32Array | null,
	alphas: number[],
): Promise<EditBatch> {
	const base = await generateOnHost(generator, z, labels, alphas.length); // [B, H, W, C]
	const { target, mask } = editImages(name, base, generator.imageShape, alphas);
	const steps = Float32Array.from(alphas, (a) => latentStep(name, a, unit));
	return { z, labels, steps, base, target, mask };
}

/** z_i + s_i w for every latent of the batch, on the host: [B, d]. */
export function movedLatents(batch: EditBatch, vector: Float32Array): Float32Array {
	const d = vector.length;
	const out = Float32Array.from(batch.z); // [B, d]
	for (let i = 0; i < batch.steps.length; i++) for (let k = 0; k < d; k++) out[i * d + k] += batch.steps[i] * vector[k];
	return out;
}

/** One class per latent for a conditional generator (uniform), null for an unconditional one. */
export function drawLabels(rng: Rng, generator: Generator, n: number): Int32Array | null {
	return generator.numClasses > 0 ? Int32Array.from({ length: n }, () => rng.int(generator.numClasses)) : null;
}
