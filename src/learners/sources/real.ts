/** Real images as a training source: two pixel views of the same image make a pair. */
import { type LoadDatasetOptions, loadDataset } from "../../data/datasets.js";
import { EpochOrder } from "../../engine/epochOrder.js";
import type { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import { assemblePairs, type ImagePool } from "./pool.js";
import type { RealSourceOptions, TrainingSource } from "./types.js";

/** The training split of a real dataset as a pool of one-view items. */
export async function loadRealPool(
	dataset: string,
	dataDir?: string,
	limit?: number,
	shape: Pick<LoadDatasetOptions, "imageSize" | "channels"> = {},
): Promise<ImagePool> {
	const data = await loadDataset(dataset, { split: "train", dataDir, limit, ...shape });
	if (data.count === 0) throw new GenrepError(`dataset ${dataset} has no training images`);
	return {
		count: data.count,
		views: 1,
		imageShape: data.shape,
		images: data.images,
		y: data.labels,
		latentDim: 0,
		z: null,
	};
}

export async function openRealSource(o: RealSourceOptions, rng: Rng): Promise<TrainingSource> {
	const pool = await loadRealPool(o.dataset, o.dataDir, o.limit, { imageSize: o.imageSize, channels: o.channels });
	const order = new EpochOrder(pool.count, rng.fork("order"));
	const numClasses = (pool.y ? Math.max(...pool.y) : -1) + 1;
	return {
		kind: "real",
		description: `real images of ${o.dataset} (${pool.count} training images)`,
		imageShape: pool.imageShape,
		numClasses,
		latentDim: 0,
		epochSize: pool.count,
		neighbors: 0,
		async batch(step, batchSize) {
			const items = Array.from(order.indices(step, batchSize), (index) => ({ pool, index }));
			return assemblePairs(items, rng.fork(`pairs-${step}`), false, 0);
		},
		dispose() {},
	};
}
