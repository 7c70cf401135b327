/**
 * Live multiview streams: the sampler as an endless async iterator of fresh blocks
 * (block 0, 1, 2, ... of the seed), with the next block started before the current one is
 * handed out, so that generation overlaps the consumer's await points. A start on issue 4,
 * item 5: generation still runs on the same thread as training (no worker yet).
 */
import type { Generator } from "../generators/generator.js";
import type { LatentView } from "./latent/latentView.js";
import {
	checkSamplerOptions,
	type MultiviewBatch,
	type MultiviewSamplerOptions,
	positiveInteger,
	sampleMultiviewBlock,
} from "./multiviewSampler.js";

export interface MultiviewStreamOptions extends MultiviewSamplerOptions {
	/** Anchors per yielded batch. */
	anchorsPerBatch: number;
	/** Stop after this many batches; default: never. */
	maxBatches?: number;
	/** First block index (to continue a stream); default 0. */
	startBlock?: number;
}

/** Fresh multiview batches, block after block; deterministic for (seed, anchorsPerBatch). */
export async function* multiviewStream(
	generator: Generator,
	view: LatentView,
	options: MultiviewStreamOptions,
): AsyncGenerator<MultiviewBatch & { block: number }> {
	checkSamplerOptions(generator, view, options);
	positiveInteger("anchorsPerBatch", options.anchorsPerBatch);
	if (options.maxBatches !== undefined) positiveInteger("maxBatches", options.maxBatches);
	const start = options.startBlock ?? 0;
	const end = options.maxBatches === undefined ? Number.POSITIVE_INFINITY : start + options.maxBatches;
	const make = (block: number) =>
		sampleMultiviewBlock(generator, view, block, options.anchorsPerBatch, options).then((b) => ({ ...b, block }));
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
