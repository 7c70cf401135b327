/** The walks figure: per walk and anchor, the pixel edit at several alphas above the steered generator's images. */
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../../engine/rng.js";
import { truncatedNormal } from "../../engine/truncatedNormal.js";
import type { DifferentiableGenerator } from "./differentiable.js";
import { batchTensors, drawLabels, editBatch, steered } from "./editBatch.js";
import { alphaGrid, latentUnit, type PixelEditName } from "./pixelEdits.js";

/**
 * The figure: for each walk and each of `anchors` latents, a row of edit(G(z), alpha) (the
 * target; undefined pixels grey) above a row of G(z + latentStep(alpha) w), at `columns`
 * alphas over the range. Returns images [rows * columns, H, W, C] in [-1, 1].
 */
export function walkFigure(
	generator: DifferentiableGenerator,
	walks: { name: PixelEditName; range: readonly [number, number]; vector: Float32Array }[],
	options: { anchors: number; columns: number; seed: number; truncation: number },
): { images: Float32Array; rows: number; alphas: Record<string, number[]> } {
	const d = generator.latentDim;
	const [h, w, c] = generator.imageShape;
	const size = h * w * c;
	const rng = new Rng(options.seed).fork("figure");
	const z = truncatedNormal(rng, options.anchors * d, 0, 1, options.truncation); // [A, d]
	const labels = drawLabels(rng, generator, options.anchors);
	const rows = walks.length * options.anchors * 2;
	const images = new Float32Array(rows * options.columns * size); // [rows, columns, H, W, C]
	const alphas: Record<string, number[]> = {};
	walks.forEach((walk, wi) => {
		const grid = alphaGrid(walk.name, walk.range, options.columns);
		alphas[walk.name] = grid;
		for (let a = 0; a < options.anchors; a++) {
			const zRep = new Float32Array(options.columns * d);
			for (let j = 0; j < options.columns; j++) zRep.set(z.subarray(a * d, (a + 1) * d), j * d);
			const y = labels ? new Int32Array(options.columns).fill(labels[a]) : null;
			const batch = editBatch(generator, walk.name, latentUnit(walk.name, walk.range), zRep, y, grid);
			const t = batchTensors(generator, batch);
			const vec = tf.tensor1d(walk.vector);
			const moved = tf.tidy(() => steered(generator, t.z, t.steps, vec, t.y).dataSync() as Float32Array);
			tf.dispose([vec, t.z, t.steps, t.target, t.mask, ...(t.y ? [t.y] : [])]);
			const row = (wi * options.anchors + a) * 2;
			images.set(batch.target, row * options.columns * size);
			images.set(moved, (row + 1) * options.columns * size);
		}
	});
	return { images, rows, alphas };
}
