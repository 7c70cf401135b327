/** Real data: IDX files, image folders, the dataset registry, image grids. */
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
export { type GridOptions, gridToPng, writeImageGrid } from "./grid.js";
export {
	encodeIdx,
	IDX_TYPES,
	type IdxArray,
	type IdxExpectation,
	type IdxHeader,
	type IdxTypeName,
	parseIdx,
	readIdx,
	readIdxHeader,
} from "./idx.js";
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
