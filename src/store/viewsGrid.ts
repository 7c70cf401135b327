/**
 * A grid of anchors beside their views (the paper's figures 4 and 7): one row per anchor,
 * the anchor first, read from a stored multiview dataset.
 */
import { writeImageGrid } from "../formats/grid.js";
import type { MultiviewDataset } from "./multiview.js";

export interface ViewsGridOptions {
	/** Rows (anchors) to draw, from the first anchor on; default 8. */
	anchors?: number;
	/** Integer upscaling; default 2 for images under 64 pixels, else 1. */
	scale?: number;
}

/** Writes the grid PNG; returns its size and the rows drawn. */
export async function writeViewsGrid(
	data: MultiviewDataset,
	out: string,
	options: ViewsGridOptions = {},
): Promise<{ width: number; height: number; rows: number }> {
	const m = data.manifest;
	const rows = Math.min(options.anchors ?? 8, m.anchors);
	const [h, w, c] = m.imageShape;
	const perAnchor = m.views * h * w * c;
	const images = new Uint8Array(rows * perAnchor); // [rows, K+1, H, W, C]
	let filled = 0;
	for (let s = 0; filled < rows; s++) {
		const shard = await data.readShard(s);
		const take = Math.min(shard.count, rows - filled);
		images.set(shard.images.subarray(0, take * perAnchor), filled * perAnchor);
		filled += take;
	}
	const written = await writeImageGrid(out, images, {
		count: rows * m.views,
		height: h,
		width: w,
		channels: c,
		columns: m.views,
		scale: options.scale ?? (Math.max(h, w) < 64 ? 2 : 1),
		padValue: 96,
	});
	return { ...written, rows };
}
