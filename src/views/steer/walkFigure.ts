/** The walks figure: each walk's edit targets above what the walk makes of the same latents, at several alphas. */
import { Rng } from "../../engine/rng.js";
import { truncatedNormal } from "../../engine/truncatedNormal.js";
import type { Generator } from "../../generators/generator.js";
import { generateOnHost } from "../../generators/sampling.js";
import { drawLabels, editBatch, movedLatents } from "./editBatch.js";
import { alphaGrid, latentUnit, type PixelEditName } from "./pixelEdits.js";

/**
 * The figure: for each walk and each of `anchors` latents, a row of edit(G(z), alpha) (the
 * target; undefined pixels grey) above a row of G(z + latentStep(alpha) w), at `columns`
 * alphas over the range. Returns images [rows * columns, H, W, C] in [-1, 1].
 */
export async function walkFigure(
	generator: Generator,
	walks: { name: PixelEditName; range: readonly [number, number]; vector: Float32Array }[],
	options: { anchors: number; columns: number; seed: number; truncation: number },
): Promise<{ images: Float32Array; rows: number; alphas: Record<string, number[]> }> {
	const d = generator.latentDim;
	const [h, w, c] = generator.imageShape;
	const size = h * w * c;
	const rng = new Rng(options.seed).fork("figure");
	const z = truncatedNormal(rng, options.anchors * d, 0, 1, options.truncation); // [A, d]
	const labels = drawLabels(rng, generator, options.anchors);
	const rows = walks.length * options.anchors * 2;
	const images = new Float32Array(rows * options.columns * size); // [rows, columns, H, W, C]
	const alphas: Record<string, number[]> = {};
	for (const [wi, walk] of walks.entries()) {
		const grid = alphaGrid(walk.name, walk.range, options.columns);
		alphas[walk.name] = grid;
		for (let a = 0; a < options.anchors; a++) {
			const zRep = new Float32Array(options.columns * d);
			for (let j = 0; j < options.columns; j++) zRep.set(z.subarray(a * d, (a + 1) * d), j * d);
			const y = labels ? new Int32Array(options.columns).fill(labels[a]) : null;
			const batch = await editBatch(generator, walk.name, latentUnit(walk.name, walk.range), zRep, y, grid);
			const moved = await generateOnHost(generator, movedLatents(batch, walk.vector), y, options.columns);
			const row = (wi * options.anchors + a) * 2;
			images.set(batch.target, row * options.columns * size);
			images.set(moved, (row + 1) * options.columns * size);
		}
	}
	return { images, rows, alphas };
}
