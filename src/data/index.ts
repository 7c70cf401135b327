/** Real data: the dataset registry, image folders, padding (the file formats are in ../formats/). */
export {
	DATASETS,
	type DatasetName,
	type DatasetSpec,
	datasetInfo,
	datasetNames,
	type IdxDatasetSpec,
	type ImageFolderDatasetSpec,
	type LoadDatasetOptions,
	loadDataset,
} from "./datasets.js";
export {
	IMAGE_EXTENSIONS,
	type ImageFolderListing,
	type ImageFolderOptions,
	imageFolderSplitDir,
	listImageFolder,
	loadImageFolder,
} from "./imageFolder.js";
export { padImages } from "./pad.js";
export {
	type DatasetInfo,
	type ImageShape,
	type RealDataset,
	SPLITS,
	type Split,
} from "./types.js";
