/**
 * Images to another shape: bilinear resampling (half-pixel centres, as torchvision's
 * `Resize(antialias=False)` and tfjs' `resizeBilinear(halfPixelCenters)`) and a change of
 * channels (gray -> RGB repeats the gray level, RGB -> gray uses ITU-R 601 luma, as the pixel
 * views' random grayscale does). Used where a dataset or a generator's output must meet an
 * encoder's input shape (`--image-size`, `--channels`).
 */
import type { ImageShape } from "./types.js";

/** `count` images [count, h, w, c] -> [count, H, W, C], uint8 in and out. */
export function resizeImages(images: Uint8Array, count: number, from: ImageShape, to: ImageShape): Uint8Array {
	const [h, w, c] = from;
	const [H, W, C] = to;
	for (const [name, shape] of [
		["from", from],
		["to", to],
	] as const) {
		if (!shape.every((s) => Number.isInteger(s) && s > 0))
			throw new RangeError(`${name} shape [${shape}] is not valid`);
	}
	if (![1, 3].includes(c) || ![1, 3].includes(C)) throw new RangeError(`channels must be 1 or 3, got ${c} -> ${C}`);
	if (images.length < count * h * w * c) throw new RangeError(`${images.length} values cannot hold ${count} images`);
	if (h === H && w === W && c === C) return images.slice(0, count * h * w * c);
	const out = new Uint8Array(count * H * W * C); // [count, H, W, C]
	const pixel = new Float32Array(c);
	const sy = h / H;
	const sx = w / W;
	for (let n = 0; n < count; n++) {
		const src = n * h * w * c;
		const dst = n * H * W * C;
		for (let y = 0; y < H; y++) {
			const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
			const y0 = Math.floor(fy);
			const y1 = Math.min(y0 + 1, h - 1);
			const wy = fy - y0;
			for (let x = 0; x < W; x++) {
				const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
				const x0 = Math.floor(fx);
				const x1 = Math.min(x0 + 1, w - 1);
				const wx = fx - x0;
				for (let ch = 0; ch < c; ch++) {
					const a = images[src + (y0 * w + x0) * c + ch];
					const b = images[src + (y0 * w + x1) * c + ch];
					const d = images[src + (y1 * w + x0) * c + ch];
					const e = images[src + (y1 * w + x1) * c + ch];
					const top = a + (b - a) * wx;
					const bottom = d + (e - d) * wx;
					pixel[ch] = top + (bottom - top) * wy;
				}
				const at = dst + (y * W + x) * C;
				if (c === C) for (let ch = 0; ch < C; ch++) out[at + ch] = Math.round(pixel[ch]);
				else if (C === 3) out[at] = out[at + 1] = out[at + 2] = Math.round(pixel[0]);
				else out[at] = Math.round(0.299 * pixel[0] + 0.587 * pixel[1] + 0.114 * pixel[2]);
			}
		}
	}
	return out;
}

/** "HxWxC", how shapes read in messages. */
export const shapeText = (shape: readonly number[]): string => shape.join("x");
