/**
 * Pixel views T_x: the SimCLR augmentation pipeline adapted to small grayscale images, on
 * host arrays (no tensors): random resized crop (scale 0.2-1, aspect 3/4-4/3) back to the
 * output size with bilinear sampling, horizontal flip, brightness/contrast jitter (applied
 * with a probability, in random order), optional Gaussian blur, and for RGB inputs random
 * grayscale. Every draw comes from the Rng passed in, image after image, so a batch is a
 * deterministic function of (rng state, images, options) and each view gets its own draws.
 */
import type { NativeAddon } from "../../engine/native/addon.js";
import { loadNativeAddon } from "../../engine/native/load.js";
import type { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";

export interface PixelAugmentOptions {
	/** Output side length (square); default: the input height. */
	outputSize?: number;
	/** Range of the crop's area as a fraction of the image; default [0.2, 1]. */
	cropScale?: [number, number];
	/** Range of the crop's aspect ratio (width / height), sampled log-uniformly; default [3/4, 4/3]. */
	cropRatio?: [number, number];
	/** Probability of a horizontal flip; default 0.5. */
	flipProbability?: number;
	/** Probability of applying brightness and contrast jitter; default 0.8. */
	jitterProbability?: number;
	/** Brightness factor drawn from [1 - s, 1 + s]; default 0.4. */
	brightness?: number;
	/** Contrast factor drawn from [1 - s, 1 + s]; default 0.4. */
	contrast?: number;
	/** Probability of a Gaussian blur; default 0 (off: SimCLR omits blur on 32x32 images). */
	blurProbability?: number;
	/** Range of the blur's sigma in pixels; default [0.1, 2]. */
	blurSigma?: [number, number];
	/** RGB inputs only: probability of turning the view gray; default 0.2. */
	grayscaleProbability?: number;
}

export type ResolvedPixelAugment = Readonly<Required<Omit<PixelAugmentOptions, "outputSize">>> & {
	readonly outputSize: number | undefined;
};

export const PIXEL_AUGMENT_DEFAULTS: ResolvedPixelAugment = {
	outputSize: undefined,
	cropScale: [0.2, 1],
	cropRatio: [3 / 4, 4 / 3],
	flipProbability: 0.5,
	jitterProbability: 0.8,
	brightness: 0.4,
	contrast: 0.4,
	blurProbability: 0,
	blurSigma: [0.1, 2],
	grayscaleProbability: 0.2,
};

const KNOWN_OPTIONS = Object.keys(PIXEL_AUGMENT_DEFAULTS);

/** Validates options (errors name the option and the bad value) and fills in the defaults. */
export function resolvePixelAugment(options: PixelAugmentOptions = {}): ResolvedPixelAugment {
	for (const key of Object.keys(options)) {
		if (!KNOWN_OPTIONS.includes(key)) {
			throw new GenrepError(`pixel augment: unknown option '${key}' (known options: ${KNOWN_OPTIONS.join(", ")})`);
		}
	}
	const r = { ...PIXEL_AUGMENT_DEFAULTS, ...stripUndefined(options) };
	const bad = (name: string, value: unknown, what: string) =>
		new GenrepError(`pixel augment: ${name} must be ${what}, got ${JSON.stringify(value)}`);
	if (r.outputSize !== undefined && (!Number.isInteger(r.outputSize) || r.outputSize < 1)) {
		throw bad("outputSize", r.outputSize, "a positive integer");
	}
	const range = (name: string, value: unknown, lo: number, hi: number) => {
		const ok =
			Array.isArray(value) &&
			value.length === 2 &&
			value.every((v) => typeof v === "number" && v > lo && v <= hi) &&
			value[0] <= value[1];
		if (!ok) throw bad(name, value, `[min, max] with ${lo} < min <= max <= ${hi}`);
	};
	range("cropScale", r.cropScale, 0, 1);
	range("cropRatio", r.cropRatio, 0, Number.POSITIVE_INFINITY);
	range("blurSigma", r.blurSigma, 0, Number.POSITIVE_INFINITY);
	for (const name of ["flipProbability", "jitterProbability", "blurProbability", "grayscaleProbability"] as const) {
		const v = r[name];
		if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw bad(name, v, "a probability in [0, 1]");
	}
	for (const name of ["brightness", "contrast"] as const) {
		const v = r[name];
		if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw bad(name, v, "a strength in [0, 1]");
	}
	return Object.freeze(r);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
	return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Where a crop lies in the source image (pixels). */
export interface CropBox {
	top: number;
	left: number;
	height: number;
	width: number;
}

/** torchvision's RandomResizedCrop.get_params: 10 tries, then a center crop clamped to the ratio range. */
export function randomCropBox(
	rng: Rng,
	height: number,
	width: number,
	scale: readonly [number, number],
	ratio: readonly [number, number],
): CropBox {
	const area = height * width;
	const logLo = Math.log(ratio[0]);
	const logHi = Math.log(ratio[1]);
	for (let attempt = 0; attempt < 10; attempt++) {
		const target = area * (scale[0] + (scale[1] - scale[0]) * rng.uniform());
		const aspect = Math.exp(logLo + (logHi - logLo) * rng.uniform());
		const w = Math.round(Math.sqrt(target * aspect));
		const h = Math.round(Math.sqrt(target / aspect));
		if (w > 0 && h > 0 && w <= width && h <= height) {
			return { top: rng.int(height - h + 1), left: rng.int(width - w + 1), height: h, width: w };
		}
	}
	const inRatio = width / height;
	let w = width;
	let h = height;
	if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
	else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
	return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/** Values per view in the drawn parameters (native/src/augment.h): see ViewDraws. */
export const VIEW_PARAMS = 10;

/**
 * The random draws of a batch of views, made before any pixel is touched: per view, in
 * `params` [N, VIEW_PARAMS], top, left, height, width of the crop box, flip (0/1), jitter
 * (0/1), brightness factor, contrast factor, brightness first (0/1), gray (0/1); in `blur`
 * [N] the blur's sigma (0 = none).
 */
export interface ViewDraws {
	params: Float64Array; // [N, 10]
	blur: Float64Array; // [N]
}

/**
 * SimCLR pixel views. `apply` takes images [N, H, W, C] as uint8 (0..255) or float32 in
 * [0, 1] and returns float32 views [N, S, S, C] in [0, 1] (S = outputSize, default H).
 * The draws are made image after image from `rng` (as before the rendering moved out); the
 * pixels are rendered natively on every core when the addon has `pixelViews`, else in
 * JavaScript, with the same float32 bits either way.
 */
export class SimclrAugment {
	readonly options: ResolvedPixelAugment;

	constructor(options: PixelAugmentOptions = {}) {
		this.options = resolvePixelAugment(options);
	}

	apply(
		images: Uint8Array | Float32Array, // [N, H, W, C]
		shape: readonly [number, number, number, number],
		rng: Rng,
	): Float32Array {
		const [n, h, w, c] = shape;
		if (images.length !== n * h * w * c) {
			throw new RangeError(`images have ${images.length} values, shape [${shape}] needs ${n * h * w * c}`);
		}
		const size = this.options.outputSize ?? h;
		const draws = this.draw(n, h, w, c, rng);
		const out = new Float32Array(n * size * size * c); // [N, S, S, C]
		renderViews(images, shape, draws, out, size);
		return out;
	}

	/** The draws of n views of [h, w, c] images, image after image (see ViewDraws). */
	draw(n: number, h: number, w: number, c: number, rng: Rng): ViewDraws {
		const o = this.options;
		const params = new Float64Array(n * VIEW_PARAMS);
		const blur = new Float64Array(n);
		for (let i = 0; i < n; i++) {
			const p = params.subarray(i * VIEW_PARAMS, (i + 1) * VIEW_PARAMS);
			const box = randomCropBox(rng, h, w, o.cropScale, o.cropRatio);
			p[0] = box.top;
			p[1] = box.left;
			p[2] = box.height;
			p[3] = box.width;
			p[4] = rng.uniform() < o.flipProbability ? 1 : 0;
			p[6] = 1;
			p[7] = 1;
			if (rng.uniform() < o.jitterProbability) {
				p[5] = 1;
				p[6] = 1 + o.brightness * (2 * rng.uniform() - 1);
				p[7] = 1 + o.contrast * (2 * rng.uniform() - 1);
				p[8] = rng.uniform() < 0.5 ? 1 : 0;
			}
			if (c === 3 && rng.uniform() < o.grayscaleProbability) p[9] = 1;
			if (o.blurProbability > 0 && rng.uniform() < o.blurProbability) {
				blur[i] = o.blurSigma[0] + (o.blurSigma[1] - o.blurSigma[0]) * rng.uniform();
			}
		}
		return { params, blur };
	}
}

/** The native renderer when the addon has one (checked once), else null. */
let nativeRenderer: NativeAddon["pixelViews"] | null | undefined;
function nativeRender(): NativeAddon["pixelViews"] | null {
	if (nativeRenderer === undefined) {
		const addon = loadNativeAddon().addon;
		nativeRenderer = addon?.pixelViews ? addon.pixelViews.bind(addon) : null;
	}
	return nativeRenderer;
}

/**
 * Renders drawn views into `out` [N, S, S, C] (float32 in [0, 1]): natively on every core
 * when the addon has `pixelViews` and `native` is not false, else in JavaScript; both give
 * the same bits. Blur (off by default) runs in JavaScript after either.
 */
export function renderViews(
	images: Uint8Array | Float32Array, // [N, H, W, C]
	shape: readonly [number, number, number, number],
	draws: ViewDraws,
	out: Float32Array, // [N, S, S, C]
	size: number,
	native = true,
): void {
	const [n, h, w, c] = shape;
	const render = native ? nativeRender() : null;
	if (render && n > 0) {
		render(images, n, h, w, c, draws.params, out, size);
	} else {
		const toUnit = images instanceof Uint8Array ? 1 / 255 : 1;
		for (let i = 0; i < n; i++) {
			const src = images.subarray(i * h * w * c, (i + 1) * h * w * c);
			const dst = out.subarray(i * size * size * c, (i + 1) * size * size * c);
			renderOne(src, h, w, c, toUnit, draws.params.subarray(i * VIEW_PARAMS, (i + 1) * VIEW_PARAMS), dst, size);
		}
	}
	let scratch: Float32Array | null = null;
	for (let i = 0; i < n; i++) {
		if (draws.blur[i] > 0) {
			scratch ??= new Float32Array(size * size * c);
			gaussianBlur(out.subarray(i * size * size * c, (i + 1) * size * size * c), size, size, c, draws.blur[i], scratch);
		}
	}
}

/** One view from its drawn parameters (the JavaScript reference of native/src/augment.cc). */
function renderOne(
	src: Uint8Array | Float32Array, // [H, W, C]
	h: number,
	w: number,
	c: number,
	toUnit: number,
	p: Float64Array, // [VIEW_PARAMS]
	dst: Float32Array, // [S, S, C]
	size: number,
): void {
	const box = { top: p[0], left: p[1], height: p[2], width: p[3] };
	resizeBilinear(src, h, w, c, toUnit, box, p[4] !== 0, dst, size);
	if (p[5] !== 0) {
		if (p[8] !== 0) {
			scaleClamp(dst, p[6]);
			adjustContrast(dst, c, p[7]);
		} else {
			adjustContrast(dst, c, p[7]);
			scaleClamp(dst, p[6]);
		}
	}
	if (p[9] !== 0) toGray(dst);
}

/** Bilinear resize of a crop (half-pixel centres, like torchvision's antialias=False), optionally mirrored. */
function resizeBilinear(
	src: Uint8Array | Float32Array,
	h: number,
	w: number,
	c: number,
	toUnit: number,
	box: CropBox,
	flip: boolean,
	dst: Float32Array,
	size: number,
): void {
	const sy = box.height / size;
	const sx = box.width / size;
	for (let y = 0; y < size; y++) {
		let fy = box.top + (y + 0.5) * sy - 0.5;
		fy = Math.min(Math.max(fy, 0), h - 1);
		const y0 = Math.floor(fy);
		const y1 = Math.min(y0 + 1, h - 1);
		const wy = fy - y0;
		for (let x = 0; x < size; x++) {
			const xs = flip ? size - 1 - x : x;
			let fx = box.left + (xs + 0.5) * sx - 0.5;
			fx = Math.min(Math.max(fx, 0), w - 1);
			const x0 = Math.floor(fx);
			const x1 = Math.min(x0 + 1, w - 1);
			const wx = fx - x0;
			const at = (y * size + x) * c;
			for (let ch = 0; ch < c; ch++) {
				const a = src[(y0 * w + x0) * c + ch];
				const b = src[(y0 * w + x1) * c + ch];
				const d = src[(y1 * w + x0) * c + ch];
				const e = src[(y1 * w + x1) * c + ch];
				const top = a + (b - a) * wx;
				const bottom = d + (e - d) * wx;
				dst[at + ch] = (top + (bottom - top) * wy) * toUnit;
			}
		}
	}
}

function scaleClamp(img: Float32Array, factor: number): void {
	for (let i = 0; i < img.length; i++) img[i] = clamp01(img[i] * factor);
}

/** Blends with the image's mean gray level (torchvision's adjust_contrast). */
function adjustContrast(img: Float32Array, c: number, factor: number): void {
	let mean = 0;
	if (c === 3) {
		for (let i = 0; i < img.length; i += 3) mean += 0.299 * img[i] + 0.587 * img[i + 1] + 0.114 * img[i + 2];
		mean /= img.length / 3;
	} else {
		for (let i = 0; i < img.length; i++) mean += img[i];
		mean /= img.length;
	}
	for (let i = 0; i < img.length; i++) img[i] = clamp01(mean + (img[i] - mean) * factor);
}

function toGray(img: Float32Array): void {
	for (let i = 0; i < img.length; i += 3) {
		const g = 0.299 * img[i] + 0.587 * img[i + 1] + 0.114 * img[i + 2];
		img[i] = g;
		img[i + 1] = g;
		img[i + 2] = g;
	}
}

/** Separable Gaussian blur, radius ceil(2 sigma), reflected borders. */
function gaussianBlur(img: Float32Array, h: number, w: number, c: number, sigma: number, tmp: Float32Array): void {
	const radius = Math.max(1, Math.ceil(2 * sigma));
	const kernel = new Float32Array(2 * radius + 1);
	let sum = 0;
	for (let i = -radius; i <= radius; i++) {
		kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
		sum += kernel[i + radius];
	}
	for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
	const reflect = (i: number, n: number) => {
		let j = i;
		while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
		return n === 1 ? 0 : j;
	};
	for (let y = 0; y < h; y++) {
		for (let x = 0; x < w; x++) {
			for (let ch = 0; ch < c; ch++) {
				let v = 0;
				for (let k = -radius; k <= radius; k++) v += kernel[k + radius] * img[(y * w + reflect(x + k, w)) * c + ch];
				tmp[(y * w + x) * c + ch] = v;
			}
		}
	}
	for (let y = 0; y < h; y++) {
		for (let x = 0; x < w; x++) {
			for (let ch = 0; ch < c; ch++) {
				let v = 0;
				for (let k = -radius; k <= radius; k++) v += kernel[k + radius] * tmp[(reflect(y + k, h) * w + x) * c + ch];
				img[(y * w + x) * c + ch] = v;
			}
		}
	}
}

function clamp01(v: number): number {
	return Math.min(1, Math.max(0, v));
}
