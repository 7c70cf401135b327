import type { ImageShape } from "./types.js";

/**
 * Centres each image on a larger zero canvas, e.g. 28x28 -> 32x32 with 2 pixels each side
 * (an odd difference puts the extra pixel at the bottom/right).
 */
export function padImages(
	images: Uint8Array, // [N, h, w, c]
	count: number,
	from: ImageShape,
	to: [number, number],
): Uint8Array {
	const [h, w, c] = from;
	const [H, W] = to;
	if (h > H || w > W) throw new RangeError(`cannot pad ${h}x${w} images to ${H}x${W}`);
	if (images.length < count * h * w * c) throw new RangeError(`${images.length} values cannot hold ${count} images`);
	const top = Math.floor((H - h) / 2);
	const left = Math.floor((W - w) / 2);
	const rowIn = w * c;
	const rowOut = W * c;
	const out = new Uint8Array(count * H * W * c); // [N, H, W, c]
	for (let n = 0; n < count; n++) {
		for (let y = 0; y < h; y++) {
			const src = (n * h + y) * rowIn;
			const dst = (n * H + top + y) * rowOut + left * c;
			out.set(images.subarray(src, src + rowIn), dst);
		}
	}
	return out;
}
