/**
 * Image grids: tiles N images row-major into one PNG (like torchvision's make_grid), to look
 * at real data or generator samples.
 */
import { writeFileAtomic } from "./atomicWrite.js";

export interface GridOptions {
	/** Number of images to tile (the array may hold more). */
	count: number;
	height: number;
	width: number;
	/** 1 (grayscale), 3 (RGB) or 4 (RGBA). */
	channels: number;
	/** Images per row; default ceil(sqrt(count)). */
	columns?: number;
	/** Pixels between and around the tiles; default 2. */
	padding?: number;
	/** Value of the padding pixels, 0..255; default 0 (black). */
	padValue?: number;
	/** Integer upscaling of the whole grid, nearest neighbour; default 1. */
	scale?: number;
	/**
	 * How values map to pixels: "uint8" is 0..255, "minus1to1" is a generator's [-1, 1].
	 * Default: "uint8" for a Uint8Array, "minus1to1" for a Float32Array. Out-of-range values clip.
	 */
	valueRange?: "uint8" | "minus1to1";
}

/** Tiles the images and encodes the grid as PNG in memory. */
export async function gridToPng(
	images: Uint8Array | Float32Array, // [N, H, W, C]
	options: GridOptions,
): Promise<{ png: Buffer; width: number; height: number }> {
	const { count, height, width, channels } = options;
	const columns = options.columns ?? Math.max(1, Math.ceil(Math.sqrt(count)));
	const padding = options.padding ?? 2;
	const scale = options.scale ?? 1;
	const range = options.valueRange ?? (images instanceof Uint8Array ? "uint8" : "minus1to1");
	checkOptions(images, { ...options, columns, padding, scale });
	const rows = Math.max(1, Math.ceil(count / columns));
	const gridWidth = columns * (width + padding) + padding;
	const gridHeight = rows * (height + padding) + padding;
	const grid = new Uint8Array(gridHeight * gridWidth * channels).fill(options.padValue ?? 0); // [GH, GW, C]
	const toByte = range === "uint8" ? (v: number) => v : (v: number) => (v + 1) * 127.5;
	const rowLength = width * channels;
	for (let n = 0; n < count; n++) {
		const top = padding + Math.floor(n / columns) * (height + padding);
		const left = padding + (n % columns) * (width + padding);
		for (let y = 0; y < height; y++) {
			const src = (n * height + y) * rowLength;
			const dst = ((top + y) * gridWidth + left) * channels;
			for (let i = 0; i < rowLength; i++) grid[dst + i] = clampByte(toByte(images[src + i]));
		}
	}
	const { default: sharp } = await import("sharp");
	let image = sharp(grid, {
		raw: {
			width: gridWidth,
			height: gridHeight,
			channels: channels as 1 | 3 | 4,
		},
	});
	if (scale > 1)
		image = image.resize(gridWidth * scale, gridHeight * scale, {
			kernel: "nearest",
		});
	if (channels === 1) image = image.toColourspace("b-w");
	const png = await image.png().toBuffer();
	return { png, width: gridWidth * scale, height: gridHeight * scale };
}

/**
 * Writes an image grid as PNG, atomically: to a temporary name beside it first (see atomicWrite.ts),
 * then renamed, so a reader never sees half a file. Creates the parent folder.
 */
export async function writeImageGrid(
	path: string,
	images: Uint8Array | Float32Array, // [N, H, W, C]
	options: GridOptions,
): Promise<{ path: string; width: number; height: number }> {
	const { png, width, height } = await gridToPng(images, options);
	await writeFileAtomic(path, png);
	return { path, width, height };
}

function checkOptions(images: ArrayLike<number>, o: GridOptions & { columns: number; padding: number; scale: number }) {
	const positive = {
		height: o.height,
		width: o.width,
		columns: o.columns,
		scale: o.scale,
	};
	for (const [key, value] of Object.entries(positive)) {
		if (!Number.isInteger(value) || value < 1)
			throw new RangeError(`grid ${key} must be a positive integer, got ${value}`);
	}
	if (!Number.isInteger(o.count) || o.count < 1)
		throw new RangeError(`grid count must be a positive integer, got ${o.count}`);
	if (!Number.isInteger(o.padding) || o.padding < 0)
		throw new RangeError(`grid padding must be >= 0, got ${o.padding}`);
	if (![1, 3, 4].includes(o.channels)) throw new RangeError(`grid channels must be 1, 3 or 4, got ${o.channels}`);
	const needed = o.count * o.height * o.width * o.channels;
	if (images.length < needed) {
		throw new RangeError(
			`grid of ${o.count} images ${o.height}x${o.width}x${o.channels} needs ${needed} values, got ${images.length}`,
		);
	}
}

function clampByte(v: number): number {
	return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
