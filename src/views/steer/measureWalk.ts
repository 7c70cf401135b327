/** How much of an edit's error a walk removes: masked MSE on held-out z over a grid of alphas, against w = 0. */
import { Rng } from "../../engine/rng.js";
import { truncatedNormal } from "../../engine/truncatedNormal.js";
import { GenrepError } from "../../errors.js";
import type { Generator } from "../../generators/generator.js";
import { generateOnHost } from "../../generators/sampling.js";
import { drawLabels, editBatch, movedLatents } from "./editBatch.js";
import { alphaGrid, latentUnit, PIXEL_EDITS, type PixelEditName } from "./pixelEdits.js";

export interface WalkError {
	/** Masked MSE of G(z) against edit(G(z), alpha): the walk w = 0. */
	withoutWalk: number;
	/** Masked MSE of G(z + latentStep(alpha) w) against edit(G(z), alpha). */
	withWalk: number;
	/** 1 - withWalk / withoutWalk: the fraction of the error the walk removes. */
	reduction: number;
	byAlpha: { alpha: number; withoutWalk: number; withWalk: number }[];
}

/**
 * Measures a walk on `samples` held-out z (seeded by `seed`): sample i gets the i-th alpha
 * (cyclically) of `alphas` evenly spread over the range, the identity left out.
 */
export async function measureWalk(
	generator: Generator,
	name: PixelEditName,
	range: readonly [number, number],
	vector: Float32Array,
	options: { samples: number; alphas: number; seed: number; truncation: number; batchSize: number },
): Promise<WalkError> {
	const d = generator.latentDim;
	const unit = latentUnit(name, range);
	const identity = PIXEL_EDITS[name].identity;
	const grid = alphaGrid(name, range, options.alphas).filter((a) => Math.abs(a - identity) > 1e-9);
	if (grid.length === 0) throw new GenrepError(`steer train: no alphas other than ${identity} to measure ${name} at`);
	const rng = new Rng(options.seed).fork(`eval-${name}`);
	const z = truncatedNormal(rng, options.samples * d, 0, 1, options.truncation); // [N, d]
	const labels = drawLabels(rng, generator, options.samples);
	const sums = grid.map(() => ({ without: 0, with: 0, weight: 0 }));
	const [h, w, c] = generator.imageShape;
	const pixels = h * w;
	for (let start = 0; start < options.samples; start += options.batchSize) {
		const n = Math.min(options.batchSize, options.samples - start);
		const alphas = Array.from({ length: n }, (_, i) => grid[(start + i) % grid.length]);
		const batch = await editBatch(
			generator,
			name,
			unit,
			z.subarray(start * d, (start + n) * d),
			labels?.subarray(start, start + n) ?? null,
			alphas,
		);
		const pred = await generateOnHost(generator, movedLatents(batch, vector), batch.labels, n); // [n, H, W, C]
		for (let i = 0; i < n; i++) {
			const s = sums[(start + i) % grid.length];
			for (let p = 0; p < pixels; p++) {
				const mk = batch.mask[i * pixels + p];
				if (mk === 0) continue;
				s.weight += mk * c;
				for (let k = 0; k < c; k++) {
					const at = (i * pixels + p) * c + k;
					s.without += mk * (batch.base[at] - batch.target[at]) ** 2;
					s.with += mk * (pred[at] - batch.target[at]) ** 2;
				}
			}
		}
	}
	const total = sums.reduce(
		(a, s) => ({ without: a.without + s.without, with: a.with + s.with, weight: a.weight + s.weight }),
		{
			without: 0,
			with: 0,
			weight: 0,
		},
	);
	const withoutWalk = total.without / Math.max(total.weight, 1);
	const withWalk = total.with / Math.max(total.weight, 1);
	return {
		withoutWalk,
		withWalk,
		reduction: withoutWalk > 0 ? 1 - withWalk / withoutWalk : 0,
		byAlpha: grid.map((alpha, i) => ({
			alpha,
			withoutWalk: sums[i].without / Math.max(sums[i].weight, 1),
			withWalk: sums[i].with / Math.max(sums[i].weight, 1),
		})),
	};
}
