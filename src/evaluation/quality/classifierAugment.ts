/** The evaluation classifier's own augmentation: a random horizontal flip and a shift of up to 2 pixels. */
import type { Rng } from "../../engine/rng.js";

/** A random horizontal flip and a shift of up to 2 pixels (zero fill) of one image [H, W, C]. */
export function augmentInto(src: Uint8Array, dst: Uint8Array, shape: [number, number, number], rng: Rng): void {
	const [h, w, c] = shape;
	const flip = rng.uniform() < 0.5;
	const dy = rng.int(5) - 2;
	const dx = rng.int(5) - 2;
	dst.fill(0);
	for (let y = 0; y < h; y++) {
		const sy = y - dy;
		if (sy < 0 || sy >= h) continue;
		for (let x = 0; x < w; x++) {
			let sx = x - dx;
			if (sx < 0 || sx >= w) continue;
			if (flip) sx = w - 1 - sx;
			for (let k = 0; k < c; k++) dst[(y * w + x) * c + k] = src[(sy * w + sx) * c + k];
		}
	}
}
