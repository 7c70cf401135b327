/** A stored multiview dataset as a training source: each anchor is paired with one of its views. */
import type { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import { openMultiviewDataset } from "../../store/multiview.js";
import { assemblePairs, EpochOrder, type ImagePool } from "./pool.js";
import type { StoredSourceOptions, TrainingSource } from "./types.js";

/** Reads every shard (hashes verified) into one pool. */
export async function loadStoredPool(dir: string): Promise<ImagePool> {
	const dataset = await openMultiviewDataset(dir);
	const m = dataset.manifest;
	const [h, w, c] = m.imageShape;
	const images = new Uint8Array(m.anchors * m.views * h * w * c);
	const z = new Float32Array(m.anchors * m.views * m.latentDim);
	const y = m.numClasses > 0 ? new Int32Array(m.anchors) : null;
	for (let i = 0; i < dataset.numShards; i++) {
		const shard = await dataset.readShard(i);
		images.set(shard.images, shard.firstAnchor * m.views * h * w * c);
		z.set(shard.z, shard.firstAnchor * m.views * m.latentDim);
		if (y && shard.y) y.set(shard.y, shard.firstAnchor);
	}
	return { count: m.anchors, views: m.views, imageShape: [h, w, c], images, y, latentDim: m.latentDim, z };
}

export async function openStoredSource(o: StoredSourceOptions, rng: Rng): Promise<TrainingSource> {
	const pool = await loadStoredPool(o.dir);
	const latentViews = o.latentViews ?? true;
	if (typeof latentViews !== "boolean") throw new GenrepError(`latentViews must be true or false, got ${latentViews}`);
	const order = new EpochOrder(pool.count, rng.fork("order"));
	const numClasses = pool.y ? Math.max(...pool.y) + 1 : 0;
	const pairing = latentViews ? `anchor + one of ${pool.views - 1} latent views` : "anchors only (T_z = none)";
	return {
		kind: "stored",
		description: `stored multiview dataset ${o.dir} (${pool.count} anchors, ${pairing})`,
		imageShape: pool.imageShape,
		numClasses,
		latentDim: pool.latentDim,
		epochSize: pool.count,
		async batch(step, batchSize) {
			const items = Array.from(order.indices(step, batchSize), (index) => ({ pool, index }));
			return assemblePairs(items, rng.fork(`pairs-${step}`), latentViews, pool.latentDim);
		},
		dispose() {},
	};
}
