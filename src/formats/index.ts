/** File formats every layer may read and write: IDX, PNG image grids, safetensors, atomic files. */
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
	decodeSafetensors,
	encodeSafetensors,
	readSafetensors,
	type SafetensorsContents,
	type StoredTensor,
	writeSafetensors,
} from "./safetensors.js";
