/**
 * A live stream as a training source: every step draws fresh anchors (block `step` of the
 * seed, so a resumed run sees the same stream) and one latent view of each from the generator;
 * an endless supply of samples.
 */
import type { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import { loadGenerator } from "../../generators/load.js";
import { latentViewFromConfig } from "../../views/latent/registry.js";
import { checkSamplerOptions, sampleMultiviewBlock } from "../../views/multiviewSampler.js";
import { assemblePairs, type ImagePool } from "./pool.js";
import type { LiveSourceOptions, TrainingSource } from "./types.js";

export const LIVE_DEFAULTS = { epochSize: 60000 } as const;

export async function openLiveSource(o: LiveSourceOptions, rng: Rng): Promise<TrainingSource> {
	const epochSize = o.epochSize ?? LIVE_DEFAULTS.epochSize;
	if (!Number.isInteger(epochSize) || epochSize < 1) {
		throw new GenrepError(`epochSize must be a positive integer, got ${epochSize}`);
	}
	const view = latentViewFromConfig(o.view);
	const generator = await loadGenerator(o.generator);
	// The sampler's seed comes from the run's Rng, so runs with different seeds see different streams.
	const seed = rng.fork("live").int(0x7fffffff);
	const samplerOptions = { neighbors: 1, seed, truncation: o.truncation };
	try {
		checkSamplerOptions(generator, view, samplerOptions);
	} catch (err) {
		generator.dispose();
		throw err;
	}
	return {
		kind: "live",
		description: `live stream from ${generator.id} (T_z ${JSON.stringify(view.config)})`,
		imageShape: [...generator.imageShape],
		numClasses: generator.numClasses,
		latentDim: generator.latentDim,
		epochSize,
		async batch(step, batchSize) {
			const block = await sampleMultiviewBlock(generator, view, step, batchSize, samplerOptions);
			const pool: ImagePool = block;
			const items = Array.from({ length: block.count }, (_, index) => ({ pool, index }));
			return assemblePairs(items, rng.fork(`pairs-${step}`), true, generator.latentDim);
		},
		dispose() {
			generator.dispose();
		},
	};
}
