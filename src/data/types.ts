/** A split of a dataset: the official training or test images. */
export type Split = "train" | "test";

export const SPLITS: readonly Split[] = ["train", "test"];

/** Image shape [height, width, channels]. */
export type ImageShape = [number, number, number];

/** Real images with integer labels, in memory. */
export interface RealDataset {
	/** Registry name, or the folder path for an image folder. */
	name: string;
	split: Split;
	/** Pixels 0..255, row-major. */
	images: Uint8Array; // [N, H, W, C]
	labels: Int32Array; // [N]
	count: number;
	shape: ImageShape;
	/** Class names, indexed by label. */
	classNames: string[];
}

/** What `datasetInfo` reports: counts per split, shape and classes, without loading images. */
export interface DatasetInfo {
	name: string;
	description: string;
	/** Where the files were found. */
	location: string;
	shape: ImageShape;
	classNames: string[];
	splits: Partial<Record<Split, { count: number; classCounts: number[] }>>;
}
