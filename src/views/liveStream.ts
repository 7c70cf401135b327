/**
 * Live multiview streams: the sampler as an endless async iterator of fresh blocks
 * (block 0, 1, 2, ... of the seed), with the next block started before the current one is
 * handed out, so that generation overlaps the consumer's await points. With `pixelViews`, each
 * image also gets its own SimCLR pixel view (T_x), so a batch is ready for a contrastive step. A start on issue 4,
 * item 5: generation still runs on the same thread as training (no worker yet).
 */
import { Rng } from "../engine/rng.js";
import type { Generator } from "../generators/generator.js";
import type { LatentView } from "./latent/latentView.js";
import {
	checkSamplerOptions,
	type MultiviewBatch,
	type MultiviewSamplerOptions,
	positiveInteger,
	sampleMultiviewBlock,
} from "./multiviewSampler.js";
import { type PixelAugmentOptions, SimclrAugment } from "./pixel/simclrAugment.js";

export interface MultiviewStreamOptions extends MultiviewSamplerOptions {
	/** Anchors per yielded batch. */
	anchorsPerBatch: number;
	/** Stop after this many batches; default: never. */
	maxBatches?: number;
	/** First block index (to continue a stream); default 0. */
	startBlock?: number;
	/** When given, each batch also carries SimCLR pixel views (T_x) of every image, drawn per block. */
	pixelViews?: PixelAugmentOptions;
}

export interface MultiviewStreamBatch extends MultiviewBatch {
	block: number;
	/** T_x of every image, float32 [N, K+1, S, S, C] in [0, 1] (only with `pixelViews`). */
	pixels?: Float32Array;
}

/** Fresh multiview batches, block after block; deterministic for (seed, anchorsPerBatch). */
export async function* multiviewStream(
	generator: Generator,
	view: LatentView,
	options: MultiviewStreamOptions,
): AsyncGenerator<MultiviewStreamBatch> {
	checkSamplerOptions(generator, view, options);
	positiveInteger("anchorsPerBatch", options.anchorsPerBatch);
	if (options.maxBatches !== undefined) positiveInteger("maxBatches", options.maxBatches);
	const start = options.startBlock ?? 0;
	const end = options.maxBatches === undefined ? Number.POSITIVE_INFINITY : start + options.maxBatches;
	const augment = options.pixelViews ? new SimclrAugment(options.pixelViews) : null;
	const make = async (block: number): Promise<MultiviewStreamBatch> => {
		const batch = await sampleMultiviewBlock(generator, view, block, options.anchorsPerBatch, options);
		if (!augment) return { ...batch, block };
		const [h, w, c] = batch.imageShape;
		const rng = new Rng(options.seed).fork(`pixels-${block}`);
		const pixels = augment.apply(batch.images, [batch.count * batch.views, h, w, c], rng);
		return { ...batch, block, pixels };
	};
	let next = start < end ? make(start) : null;
	try {
		for (let block = start; next !== null; block++) {
			const current = await next;
			next = block + 1 < end ? make(block + 1) : null;
			yield current;
		}
	} finally {
		// The consumer stopped early: let the prefetched block finish quietly.
		await next?.catch(() => undefined);
	}
}
