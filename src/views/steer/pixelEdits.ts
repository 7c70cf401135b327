/**
 * The pixel edits that steering walks learn to imitate (Jahanian et al. 2020, "On the
 * steerability of GANs"): shift x, shift y, zoom, 2D rotation, brightness, contrast. Each
 * edit maps an image [H, W, C] in [-1, 1] and a strength alpha to the edited image and a mask
 * [H, W] that is 1 where the edit defines the pixel and 0 where it does not (pixels moved in
 * from outside the frame). Host arrays only: targets are computed once per batch, without
 * gradients.
 */
import type { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";

/** How alpha becomes a latent step: `linear` alpha - identity, `log` log(alpha) (zoom, contrast). */
export type LatentScale = "linear" | "log";

export interface PixelEdit {
	readonly description: string;
	/** Units of alpha, for messages and the card. */
	readonly units: string;
	/** The alpha that leaves the image unchanged. */
	readonly identity: number;
	readonly latentScale: LatentScale;
	/** The alpha range walks train on unless told otherwise. */
	readonly defaultRange: readonly [number, number];
	/** Open bounds an alpha range must stay within (image size in pixels for shifts). */
	limits(height: number, width: number): readonly [number, number];
	/** Writes edit(image, alpha) to `out` [H, W, C] and its defined-pixel mask to `mask` [H, W]. */
	apply(image: Float32Array, shape: ImageShape, alpha: number, out: Float32Array, mask: Float32Array): void;
}

export type ImageShape = readonly [number, number, number];

/**
 * Inverse affine warp with bilinear sampling: output pixel p takes the input at
 * centre + A (p - centre) + offset (pixel coordinates, centre = ((W - 1) / 2, (H - 1) / 2)).
 * Sources outside [0, W - 1] x [0, H - 1] are undefined: value 0, mask 0.
 */
export function affineWarp(
	image: Float32Array, // [H, W, C]
	shape: ImageShape,
	matrix: readonly [number, number, number, number], // [a, b, c, d]: sx = a dx + b dy, sy = c dx + d dy
	offset: readonly [number, number], // [ox, oy]
	out: Float32Array, // [H, W, C]
	mask: Float32Array, // [H, W]
): void {
	const [h, w, ch] = shape;
	const cx = (w - 1) / 2;
	const cy = (h - 1) / 2;
	const [a, b, c, d] = matrix;
	const eps = 1e-6;
	for (let y = 0; y < h; y++) {
		for (let x = 0; x < w; x++) {
			const dx = x - cx;
			const dy = y - cy;
			const sx = cx + a * dx + b * dy + offset[0];
			const sy = cy + c * dx + d * dy + offset[1];
			const at = (y * w + x) * ch;
			if (sx < -eps || sy < -eps || sx > w - 1 + eps || sy > h - 1 + eps) {
				mask[y * w + x] = 0;
				for (let k = 0; k < ch; k++) out[at + k] = 0;
				continue;
			}
			mask[y * w + x] = 1;
			const x0 = Math.min(w - 1, Math.max(0, Math.floor(sx)));
			const y0 = Math.min(h - 1, Math.max(0, Math.floor(sy)));
			const x1 = Math.min(w - 1, x0 + 1);
			const y1 = Math.min(h - 1, y0 + 1);
			const fx = Math.min(1, Math.max(0, sx - x0));
			const fy = Math.min(1, Math.max(0, sy - y0));
			for (let k = 0; k < ch; k++) {
				const top = image[(y0 * w + x0) * ch + k] * (1 - fx) + image[(y0 * w + x1) * ch + k] * fx;
				const bottom = image[(y1 * w + x0) * ch + k] * (1 - fx) + image[(y1 * w + x1) * ch + k] * fx;
				out[at + k] = top * (1 - fy) + bottom * fy;
			}
		}
	}
}

const clip = (v: number) => Math.max(-1, Math.min(1, v));

/** Photometric edits define every pixel. */
function photometric(
	image: Float32Array,
	out: Float32Array,
	mask: Float32Array,
	map: (v: number, channel: number) => number,
	channels: number,
): void {
	for (let i = 0; i < image.length; i++) out[i] = clip(map(image[i], i % channels));
	mask.fill(1);
}

const shift = (axis: "x" | "y"): PixelEdit => ({
	description: `shift ${axis === "x" ? "right (alpha > 0) or left" : "down (alpha > 0) or up"} by alpha pixels`,
	units: "pixels",
	identity: 0,
	latentScale: "linear",
	defaultRange: [-6, 6],
	limits: (h, w) => (axis === "x" ? [-w, w] : [-h, h]),
	apply: (image, shape, alpha, out, mask) =>
		affineWarp(image, shape, [1, 0, 0, 1], axis === "x" ? [-alpha, 0] : [0, -alpha], out, mask),
});

/** The edits by name (a plain object literal); walks are trained and stored under these names. */
export const PIXEL_EDITS = {
	shiftX: shift("x"),
	shiftY: shift("y"),
	zoom: {
		description: "zoom in (alpha > 1) or out about the centre by the factor alpha",
		units: "factor",
		identity: 1,
		latentScale: "log",
		defaultRange: [0.6, 1.6],
		limits: () => [0, 8],
		apply: (image, shape, alpha, out, mask) =>
			affineWarp(image, shape, [1 / alpha, 0, 0, 1 / alpha], [0, 0], out, mask),
	},
	rotate: {
		description: "rotate counter-clockwise by alpha degrees about the centre",
		units: "degrees",
		identity: 0,
		latentScale: "linear",
		defaultRange: [-45, 45],
		limits: () => [-180, 180],
		apply: (image, shape, alpha, out, mask) => {
			// y points down, so this inverse map turns the content counter-clockwise on screen.
			const t = (alpha * Math.PI) / 180;
			const cos = Math.cos(t);
			const sin = Math.sin(t);
			affineWarp(image, shape, [cos, -sin, sin, cos], [0, 0], out, mask);
		},
	},
	brightness: {
		description: "add alpha to every pixel (images in [-1, 1]), clipped",
		units: "intensity in [-1, 1] units",
		identity: 0,
		latentScale: "linear",
		defaultRange: [-0.5, 0.5],
		limits: () => [-2, 2],
		apply: (image, shape, alpha, out, mask) => photometric(image, out, mask, (v) => v + alpha, shape[2]),
	},
	contrast: {
		description: "scale each pixel's distance from the image's mean intensity by alpha, clipped",
		units: "factor",
		identity: 1,
		latentScale: "log",
		defaultRange: [0.5, 2],
		limits: () => [0, 8],
		apply: (image, shape, alpha, out, mask) => {
			const channels = shape[2];
			const mean = new Float64Array(channels);
			for (let i = 0; i < image.length; i++) mean[i % channels] += image[i];
			for (let k = 0; k < channels; k++) mean[k] /= image.length / channels;
			photometric(image, out, mask, (v, k) => mean[k] + alpha * (v - mean[k]), channels);
		},
	},
} as const satisfies Record<string, PixelEdit>;

export type PixelEditName = keyof typeof PIXEL_EDITS;

export const PIXEL_EDIT_NAMES = Object.keys(PIXEL_EDITS) as PixelEditName[];

export const isPixelEditName = (name: string): name is PixelEditName => Object.hasOwn(PIXEL_EDITS, name);

export function pixelEdit(name: string): PixelEdit {
	if (!isPixelEditName(name)) {
		throw new GenrepError(`unknown pixel edit '${name}'; known edits: ${PIXEL_EDIT_NAMES.join(", ")}`);
	}
	return PIXEL_EDITS[name];
}

/**
 * Checks an alpha range for an edit on images of this size: two finite numbers, min < max,
 * inside the edit's limits, and containing the identity (so that "no edit" is part of the
 * walk). Errors name the edit and the bad range.
 */
export function checkAlphaRange(
	name: string,
	range: unknown,
	height: number,
	width: number,
): readonly [number, number] {
	const edit = pixelEdit(name);
	const [lo, hi] = edit.limits(height, width);
	const text = JSON.stringify(range) ?? String(range);
	const ok =
		Array.isArray(range) &&
		range.length === 2 &&
		range.every((v) => typeof v === "number" && Number.isFinite(v)) &&
		range[0] < range[1];
	if (!ok) throw new GenrepError(`${name}: alpha range must be [min, max] with min < max, got ${text}`);
	const [min, max] = range as [number, number];
	if (!(min > lo && max < hi)) {
		throw new GenrepError(`${name}: alpha range ${text} must lie inside (${lo}, ${hi}) ${edit.units}`);
	}
	if (!(min <= edit.identity && edit.identity <= max)) {
		throw new GenrepError(
			`${name}: alpha range ${text} must contain ${edit.identity}, the alpha that leaves the image as it is`,
		);
	}
	return [min, max];
}

/**
 * The latent coefficient of alpha: (alpha - identity) / unit for a linear edit, log(alpha) /
 * unit for a log edit, where `unit` makes the range's far end +-1. A walk w moves z to
 * z + latentStep(alpha) w.
 */
export function latentUnit(name: PixelEditName, range: readonly [number, number]): number {
	const edit = PIXEL_EDITS[name];
	const g = (a: number) => (edit.latentScale === "log" ? Math.log(a) : a - edit.identity);
	return Math.max(Math.abs(g(range[0])), Math.abs(g(range[1])));
}

export function latentStep(name: PixelEditName, alpha: number, unit: number): number {
	const edit = PIXEL_EDITS[name];
	return (edit.latentScale === "log" ? Math.log(alpha) : alpha - edit.identity) / unit;
}

/** `count` alphas spread over the range: even steps (linear) or even ratios (log), ends included. */
export function alphaGrid(name: PixelEditName, range: readonly [number, number], count: number): number[] {
	const log = PIXEL_EDITS[name].latentScale === "log";
	const [a, b] = log ? [Math.log(range[0]), Math.log(range[1])] : range;
	return Array.from({ length: count }, (_, i) => {
		const v = count === 1 ? (a + b) / 2 : a + ((b - a) * i) / (count - 1);
		return log ? Math.exp(v) : v;
	});
}

/** An alpha uniform over the range (log-uniform for log edits, so zoom in and out are equally likely). */
export function drawAlpha(rng: Rng, name: PixelEditName, range: readonly [number, number]): number {
	const u = rng.uniform();
	if (PIXEL_EDITS[name].latentScale === "log") {
		return Math.exp(Math.log(range[0]) + u * (Math.log(range[1]) - Math.log(range[0])));
	}
	return range[0] + u * (range[1] - range[0]);
}

/**
 * edit(G(z_i), alpha_i) for a batch: `base` [B, H, W, C] -> targets [B, H, W, C] and masks
 * [B, H, W] (1 where the edit defines the pixel).
 */
export function editImages(
	name: PixelEditName,
	base: Float32Array, // [B, H, W, C]
	shape: ImageShape,
	alphas: readonly number[],
): { target: Float32Array; mask: Float32Array } {
	const [h, w, c] = shape;
	const size = h * w * c;
	const target = new Float32Array(alphas.length * size); // [B, H, W, C]
	const mask = new Float32Array(alphas.length * h * w); // [B, H, W]
	const edit = PIXEL_EDITS[name];
	for (let i = 0; i < alphas.length; i++) {
		edit.apply(
			base.subarray(i * size, (i + 1) * size),
			shape,
			alphas[i],
			target.subarray(i * size, (i + 1) * size),
			mask.subarray(i * h * w, (i + 1) * h * w),
		);
	}
	return { target, mask };
}
