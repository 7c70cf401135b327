/**
 * What every training source hands the trainer: a batch of image pairs (two views of the same
 * content before pixel views are applied), with the anchor's class and latent when the source
 * has them. Finite sources keep their items in an ImagePool and walk it in seeded epochs
 * (src/engine/epochOrder.ts).
 */
import type { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";

export type ImageShape = [number, number, number];

/** Items in memory; each item holds `views` images of one content (view 0 = the anchor). */
export interface ImagePool {
	count: number;
	views: number;
	imageShape: ImageShape;
	images: Uint8Array; // [count, views, H, W, C], 0..255
	y: Int32Array | null; // [count]
	latentDim: number;
	z: Float32Array | null; // [count, views, d]
}

/** A batch before pixel views: `a` are anchors, `b` their partners (another latent view, or the anchor again). */
export interface RawBatch {
	count: number;
	imageShape: ImageShape;
	a: Uint8Array; // [B, H, W, C]
	b: Uint8Array; // [B, H, W, C]
	y: Int32Array | null; // [B]
	z: Float32Array | null; // [B, d], latents of the anchors
}

/**
 * A batch of whole groups before pixel views (the multi-positive method): every anchor with
 * all the latent views its source keeps of it, M = K + 1 images per anchor.
 */
export interface RawGroupBatch {
	count: number;
	/** M: images per anchor (the anchor and its K latent views). */
	members: number;
	imageShape: ImageShape;
	images: Uint8Array; // [B, M, H, W, C], member 0 = the anchor
	y: Int32Array | null; // [B]
	z: Float32Array | null; // [B, d], latents of the anchors
}

/** A reference to one item of one pool. */
export interface ItemRef {
	pool: ImagePool;
	index: number;
}

/**
 * Assembles a batch from items: each anchor's partner is a random one of its other views
 * (drawn from `rng`), or the anchor itself when the item has one view or `latentViews` is off.
 */
export function assemblePairs(items: readonly ItemRef[], rng: Rng, latentViews: boolean, latentDim: number): RawBatch {
	const imageShape = items[0].pool.imageShape;
	const size = imageShape[0] * imageShape[1] * imageShape[2];
	const n = items.length;
	const a = new Uint8Array(n * size);
	const b = new Uint8Array(n * size);
	const withLabels = items.every((it) => it.pool.y !== null);
	const y = withLabels ? new Int32Array(n) : null;
	const withLatents = latentDim > 0 && items.every((it) => it.pool.z !== null);
	const z = withLatents ? new Float32Array(n * latentDim) : null;
	items.forEach(({ pool, index }, i) => {
		const first = index * pool.views; // image row of the anchor
		const partner = latentViews && pool.views > 1 ? 1 + rng.int(pool.views - 1) : 0;
		a.set(pool.images.subarray(first * size, (first + 1) * size), i * size);
		b.set(pool.images.subarray((first + partner) * size, (first + partner + 1) * size), i * size);
		if (y && pool.y) y[i] = pool.y[index];
		if (z && pool.z) z.set(pool.z.subarray(first * latentDim, (first + 1) * latentDim), i * latentDim);
	});
	return { count: n, imageShape, a, b, y, z };
}

/** Assembles a batch of whole groups: every view of each item (all items' pools hold the same views). */
export function assembleGroups(items: readonly ItemRef[], latentDim: number): RawGroupBatch {
	const { imageShape, views: members } = items[0].pool;
	if (items.some((it) => it.pool.views !== members)) {
		throw new GenrepError(`a group batch needs items with one number of views (${members}); the pools differ`);
	}
	const size = imageShape[0] * imageShape[1] * imageShape[2] * members; // one group
	const n = items.length;
	const images = new Uint8Array(n * size); // [B, M, H, W, C]
	const withLabels = items.every((it) => it.pool.y !== null);
	const y = withLabels ? new Int32Array(n) : null;
	const withLatents = latentDim > 0 && items.every((it) => it.pool.z !== null);
	const z = withLatents ? new Float32Array(n * latentDim) : null;
	items.forEach(({ pool, index }, i) => {
		images.set(pool.images.subarray(index * size, (index + 1) * size), i * size);
		if (y && pool.y) y[i] = pool.y[index];
		if (z && pool.z)
			z.set(pool.z.subarray(index * members * latentDim, (index * members + 1) * latentDim), i * latentDim);
	});
	return { count: n, members, imageShape, images, y, z };
}
