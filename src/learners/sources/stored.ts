/**
 * A stored multiview dataset as a training source: each anchor is paired with one of its
 * views, or (the multi-positive method) comes with all of them. `neighbors` keeps only the
 * first K stored views of each anchor; the others are never copied into memory.
 */

import { EpochOrder } from "../../engine/epochOrder.js";
import type { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import { openMultiviewDataset } from "../../store/multiview.js";
import { assembleGroups, assemblePairs, type ImagePool } from "./pool.js";
import type { StoredSourceOptions, TrainingSource } from "./types.js";

/** Reads every shard (hashes verified) into one pool, keeping the anchor and its first `neighbors` views (default all). */
export async function loadStoredPool(dir: string, neighbors?: number): Promise<ImagePool> {
	const dataset = await openMultiviewDataset(dir);
	const m = dataset.manifest;
	const stored = m.views - 1;
	const k = neighbors ?? stored;
	if (!Number.isInteger(k) || k < 1) throw new GenrepError(`neighbors must be a positive integer, got ${k}`);
	if (k > stored) {
		throw new GenrepError(
			`neighbors ${k} exceeds the ${stored} latent view${stored === 1 ? "" : "s"} per anchor stored in ${dir}; ` +
				`use ${stored} or fewer, or generate more with genrep views generate --neighbors ${k}`,
		);
	}
	const views = k + 1;
	const [h, w, c] = m.imageShape;
	const image = h * w * c;
	const d = m.latentDim;
	const images = new Uint8Array(m.anchors * views * image); // [N, K+1, H, W, C]
	const z = new Float32Array(m.anchors * views * d); // [N, K+1, d]
	const y = m.numClasses > 0 ? new Int32Array(m.anchors) : null;
	for (let i = 0; i < dataset.numShards; i++) {
		const shard = await dataset.readShard(i);
		for (let a = 0; a < shard.count; a++) {
			const from = a * m.views; // first image row of the anchor in the shard
			const to = (shard.firstAnchor + a) * views;
			images.set(shard.images.subarray(from * image, (from + views) * image), to * image);
			z.set(shard.z.subarray(from * d, (from + views) * d), to * d);
		}
		if (y && shard.y) y.set(shard.y, shard.firstAnchor);
	}
	return { count: m.anchors, views, imageShape: [h, w, c], images, y, latentDim: d, z };
}

/** Opens the dataset; `o` has been checked against STORED_SOURCE (openSource). */
export async function openStoredSource(o: StoredSourceOptions, rng: Rng): Promise<TrainingSource> {
	const latentViews = o.latentViews ?? true;
	if (!latentViews && o.neighbors !== undefined) {
		throw new GenrepError(
			`neighbors (${o.neighbors}) picks latent views, but latentViews is false (T_z = none); give one or the other`,
		);
	}
	const pool = await loadStoredPool(o.dir, o.neighbors);
	const order = new EpochOrder(pool.count, rng.fork("order"));
	const numClasses = pool.y ? Math.max(...pool.y) + 1 : 0;
	const k = pool.views - 1;
	const pairing = latentViews ? `anchor + one of ${k} latent views` : "anchors only (T_z = none)";
	return {
		kind: "stored",
		description: `stored multiview dataset ${o.dir} (${pool.count} anchors, ${pairing})`,
		imageShape: pool.imageShape,
		numClasses,
		latentDim: pool.latentDim,
		epochSize: pool.count,
		neighbors: latentViews ? k : 0,
		async batch(step, batchSize) {
			const items = Array.from(order.indices(step, batchSize), (index) => ({ pool, index }));
			return assemblePairs(items, rng.fork(`pairs-${step}`), latentViews, pool.latentDim);
		},
		async groups(step, batchSize) {
			const items = Array.from(order.indices(step, batchSize), (index) => ({ pool, index }));
			return assembleGroups(items, pool.latentDim);
		},
		dispose() {},
	};
}
