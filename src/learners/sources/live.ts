/**
 * A live stream as a training source: every step draws fresh anchors (block `step` of the
 * seed, so a resumed run sees the same stream) and K latent views of each from the generator
 * (`neighbors`, default 1); an endless supply of samples. Pair methods train on the anchor and
 * one of its K views; the multi-positive method on all K + 1 (a step generates B x (K + 1)
 * images either way).
 */
import type { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import { loadGenerator } from "../../generators/load.js";
import { latentViewFromConfig } from "../../views/latent/registry.js";
import { checkSamplerOptions, sampleMultiviewBlock } from "../../views/multiviewSampler.js";
import { assembleGroups, assemblePairs, type ImagePool } from "./pool.js";
import type { LiveSourceOptions, TrainingSource } from "./types.js";

export const LIVE_DEFAULTS = { epochSize: 60000, neighbors: 1 } as const;

export async function openLiveSource(o: LiveSourceOptions, rng: Rng): Promise<TrainingSource> {
	const epochSize = o.epochSize ?? LIVE_DEFAULTS.epochSize;
	if (!Number.isInteger(epochSize) || epochSize < 1) {
		throw new GenrepError(`epochSize must be a positive integer, got ${epochSize}`);
	}
	const neighbors = o.neighbors ?? LIVE_DEFAULTS.neighbors;
	if (!Number.isInteger(neighbors) || neighbors < 1) {
		throw new GenrepError(`neighbors (latent views per anchor) must be a positive integer, got ${neighbors}`);
	}
	const view = latentViewFromConfig(o.view);
	const generator = await loadGenerator(o.generator);
	// The sampler's seed comes from the run's Rng, so runs with different seeds see different streams.
	const seed = rng.fork("live").int(0x7fffffff);
	const samplerOptions = { neighbors, seed, truncation: o.truncation };
	try {
		checkSamplerOptions(generator, view, samplerOptions);
	} catch (err) {
		generator.dispose();
		throw err;
	}
	/** Block `step` as items of a pool (view 0 of each = the anchor). */
	const items = async (step: number, batchSize: number) => {
		const pool: ImagePool = await sampleMultiviewBlock(generator, view, step, batchSize, samplerOptions);
		return Array.from({ length: pool.count }, (_, index) => ({ pool, index }));
	};
	const perAnchor = neighbors === 1 ? "" : `, ${neighbors} latent views per anchor`;
	return {
		kind: "live",
		description: `live stream from ${generator.id} (T_z ${JSON.stringify(view.config)}${perAnchor})`,
		imageShape: [...generator.imageShape],
		numClasses: generator.numClasses,
		latentDim: generator.latentDim,
		epochSize,
		neighbors,
		async batch(step, batchSize) {
			return assemblePairs(await items(step, batchSize), rng.fork(`pairs-${step}`), true, generator.latentDim);
		},
		async groups(step, batchSize) {
			return assembleGroups(await items(step, batchSize), generator.latentDim);
		},
		dispose() {
			generator.dispose();
		},
	};
}
