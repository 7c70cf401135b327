/**
 * Real images with a fraction replaced by generated ones (appendix F of the paper): a seeded
 * subset of round(fraction * N) real items is swapped for generated anchors (each with its
 * latent views); the epoch still has N items. Real items pair with themselves (pixel views
 * make the difference), generated ones with one of their latent views.
 */

import { EpochOrder } from "../../engine/epochOrder.js";
import type { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import { assemblePairs, type ItemRef } from "./pool.js";
import { loadRealPool } from "./real.js";
import { loadStoredPool } from "./stored.js";
import type { MixedSourceOptions, TrainingSource } from "./types.js";

/** Opens the mix; `o` has been checked against MIXED_SOURCE (openSource). */
export async function openMixedSource(o: MixedSourceOptions, rng: Rng): Promise<TrainingSource> {
	const real = await loadRealPool(o.dataset, o.dataDir, o.limit, { imageSize: o.imageSize, channels: o.channels });
	const generated = await loadStoredPool(o.generated);
	if (real.imageShape.join(",") !== generated.imageShape.join(",")) {
		throw new GenrepError(
			`${o.generated} holds ${generated.imageShape.join("x")} images, ${o.dataset} ${real.imageShape.join("x")}; ` +
				`pass --image-size ${generated.imageShape[0]} --channels ${generated.imageShape[2]} to read ${o.dataset} at the generated images' shape`,
		);
	}
	const replaced = Math.round(o.fraction * real.count);
	const items: ItemRef[] = Array.from({ length: real.count }, (_, index) => ({ pool: real, index }));
	const swap = rng.fork("mix").permutation(real.count);
	for (let j = 0; j < replaced; j++) items[swap[j]] = { pool: generated, index: j % generated.count };
	const order = new EpochOrder(real.count, rng.fork("order"));
	// Labels only when both parts have them (a conditional generator's classes are the dataset's).
	const labelled = replaced === 0 || generated.y !== null;
	const numClasses = labelled && real.y ? Math.max(...real.y) + 1 : 0;
	return {
		kind: "mixed",
		description: `${o.dataset} with ${replaced} of ${real.count} images (${(o.fraction * 100).toFixed(0)}%) replaced by ${o.generated}`,
		imageShape: real.imageShape,
		numClasses,
		latentDim: 0,
		epochSize: real.count,
		neighbors: 0,
		async batch(step, batchSize) {
			const batch = Array.from(order.indices(step, batchSize), (i) => items[i]);
			const pairs = assemblePairs(batch, rng.fork(`pairs-${step}`), true, 0);
			return numClasses > 0 ? pairs : { ...pairs, y: null };
		},
		dispose() {},
	};
}
