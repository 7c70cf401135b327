/**
 * Image folders: one subfolder per class (class names sorted, label = index), each holding
 * images that sharp reads (PNG, JPEG, WebP, GIF, TIFF, AVIF, SVG). Optionally split into
 * `train/` and `test/` subfolders that each hold the class subfolders.
 *
 * Shape: by default the folder's own, read from the image headers: all images must have one
 * size (else an error that names two sizes and the fix, an explicit size), and the images are
 * RGB when any of them has colour, else grayscale. With a requested size, images are decoded
 * to it: a larger image is scaled down to fit (aspect kept; smaller ones scaled up too with
 * `enlarge`), then centred on black, so 28x28 images become 32x32 the way the IDX datasets
 * are padded.
 */
import { readdir, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileError, GenrepError } from "../errors.js";
import { describeIoError } from "../formats/idx.js";
import type { ImageShape, RealDataset, Split } from "./types.js";

/** File extensions read as images; other files (README, .DS_Store) are ignored. */
export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".webp", ".gif", ".tif", ".tiff", ".avif", ".svg"];

export interface ImageFolderOptions {
	/** Output [height, width]; default the images' own size (all must share it). */
	size?: [number, number];
	/** 1 (grayscale) or 3 (RGB); default 3 when any image has colour, else 1. Alpha is flattened onto black. */
	channels?: 1 | 3;
	/** Scale smaller images up to fill the target instead of padding them; default false. */
	enlarge?: boolean;
	/** Read at most this many images (the first ones in class, then file name order). */
	limit?: number;
	/** Split recorded in the result; default "train". */
	split?: Split;
	/** Name recorded in the result; default the folder path. */
	name?: string;
}

/** The images of a folder without decoding them: class names and files with labels. */
export interface ImageFolderListing {
	dir: string;
	classNames: string[];
	files: { file: string; label: number }[];
}

/** Lists a class-per-subfolder image folder; errors clearly when it has no such layout. */
export async function listImageFolder(dir: string): Promise<ImageFolderListing> {
	const entries = await readDirectory(dir);
	const classNames = entries
		.filter((e) => e.isDirectory() && !e.name.startsWith("."))
		.map((e) => e.name)
		.sort();
	if (classNames.length === 0) {
		const what = entries.some((e) => !e.name.startsWith(".")) ? "has no class subfolders" : "is empty";
		throw fileError(
			dir,
			`${what}; expected one subfolder per class holding its images (e.g. ${join(dir, "cat", "1.png")})`,
		);
	}
	const files: ImageFolderListing["files"] = [];
	for (const [label, className] of classNames.entries()) {
		const classDir = join(dir, className);
		const images = (await readDirectory(classDir))
			.filter(
				(e) => !e.isDirectory() && !e.name.startsWith(".") && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()),
			)
			.map((e) => e.name)
			.sort();
		if (images.length === 0) {
			throw fileError(classDir, `class folder holds no images (${IMAGE_EXTENSIONS.join(", ")})`);
		}
		for (const name of images) files.push({ file: join(classDir, name), label });
	}
	return { dir, classNames, files };
}

/** Reads an image folder into memory as a RealDataset [N, H, W, C] of uint8. */
export async function loadImageFolder(dir: string, options: ImageFolderOptions = {}): Promise<RealDataset> {
	const listing = await listImageFolder(dir);
	const files = options.limit === undefined ? listing.files : listing.files.slice(0, options.limit);
	const natural =
		options.size && options.channels
			? null
			: await imageFolderShape(
					files.map((f) => f.file),
					dir,
					options.size,
				);
	const [height, width] = options.size ?? [natural?.[0] ?? 32, natural?.[1] ?? 32];
	const channels = options.channels ?? (natural?.[2] as 1 | 3);
	if (![height, width].every((s) => Number.isInteger(s) && s > 0)) {
		throw new RangeError(`image size must be two positive integers, got [${options.size}]`);
	}
	if (channels !== 1 && channels !== 3) throw new RangeError(`channels must be 1 or 3, got ${channels}`);
	const shape: ImageShape = [height, width, channels];
	const pixels = height * width * channels;
	const images = new Uint8Array(files.length * pixels); // [N, H, W, C]
	const labels = Int32Array.from(files, (f) => f.label); // [N]
	await forEachConcurrently(files, 4, async ({ file }, i) => {
		images.set(await decodeImage(file, shape, options.enlarge ?? false), i * pixels);
	});
	return {
		name: options.name ?? dir,
		split: options.split ?? "train",
		images,
		labels,
		count: files.length,
		shape,
		classNames: listing.classNames,
	};
}

/**
 * The shape [H, W, C] of a folder's images, read from their headers: one size for all (unless
 * `size` is given; a second size is an error naming both files), RGB when any image has colour.
 */
export async function imageFolderShape(
	files: readonly string[],
	dir: string,
	size?: [number, number],
): Promise<ImageShape> {
	const { default: sharp } = await import("sharp");
	let first: { file: string; height: number; width: number } | null = null;
	let colour = false;
	const headers = await mapConcurrently(files, 8, async (file) => {
		try {
			const m = await sharp(file).metadata();
			return { file, height: m.height, width: m.width, colour: (m.channels ?? 1) >= 3 && m.space !== "b-w" };
		} catch (err) {
			throw fileError(file, `cannot read image: ${(err as Error).message}`);
		}
	});
	for (const h of headers) {
		colour ||= h.colour;
		if (size) continue;
		if (!first) first = h;
		else if (h.height !== first.height || h.width !== first.width) {
			throw fileError(
				dir,
				`holds images of different sizes (${first.file} is ${first.height}x${first.width}, ${h.file} is ` +
					`${h.height}x${h.width}); pass --image-size S to read them all at SxS (scaled to fit, centred)`,
			);
		}
	}
	const [height, width] = size ?? [first?.height ?? 32, first?.width ?? 32];
	return [height, width, colour ? 3 : 1];
}

/**
 * The folder that holds a split's class subfolders: `<dir>/<split>` when the folder has
 * `train/` or `test/` subfolders, else the folder itself, which then is the train split only.
 */
export async function imageFolderSplitDir(dir: string, split: Split): Promise<string> {
	const entries = await readDirectory(dir);
	const splitDirs = entries
		.filter((e) => e.isDirectory() && (e.name === "train" || e.name === "test"))
		.map((e) => e.name);
	if (splitDirs.length > 0) {
		if (!splitDirs.includes(split)) throw fileError(dir, `has no ${split}/ subfolder (found ${splitDirs.join(", ")}/)`);
		return join(dir, split);
	}
	if (split === "test") {
		throw fileError(dir, "has no test split; put the class subfolders under train/ and test/ to give it one");
	}
	return dir;
}

/** Decodes one image to [H, W, C] uint8: flattened onto black, scaled to fit, centred. */
async function decodeImage(file: string, [height, width, channels]: ImageShape, enlarge: boolean): Promise<Uint8Array> {
	const { default: sharp } = await import("sharp");
	try {
		let pipeline = sharp(file, { failOn: "error" }).flatten({ background: "#000000" }).resize(width, height, {
			fit: "contain",
			withoutEnlargement: !enlarge,
			background: "#000000",
		});
		pipeline = channels === 1 ? pipeline.grayscale() : pipeline.toColourspace("srgb");
		const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
		if (info.width !== width || info.height !== height || info.channels !== channels) {
			throw new Error(
				`decoded to ${info.height}x${info.width}x${info.channels}, expected ${height}x${width}x${channels}`,
			);
		}
		return data;
	} catch (err) {
		throw fileError(file, `cannot read image: ${(err as Error).message}`);
	}
}

async function readDirectory(dir: string) {
	try {
		if (!(await stat(dir)).isDirectory()) throw fileError(dir, "is a file, expected a folder of class subfolders");
		return await readdir(dir, { withFileTypes: true });
	} catch (err) {
		if (err instanceof GenrepError) throw err;
		throw fileError(dir, describeIoError(err));
	}
}

/** `fn` over the items with at most `limit` calls in flight, results in item order. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
	const out = new Array<R>(items.length);
	await forEachConcurrently([...items], limit, async (item, i) => {
		out[i] = await fn(item);
	});
	return out;
}

/** Runs `fn` over the items with at most `limit` calls in flight; stops at the first error. */
async function forEachConcurrently<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>) {
	let next = 0;
	let failed = false;
	const worker = async () => {
		while (next < items.length && !failed) {
			const i = next++;
			try {
				await fn(items[i], i);
			} catch (err) {
				failed = true;
				throw err;
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
