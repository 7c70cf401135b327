/**
 * Multiview datasets on disk (DESIGN.md, "Multiview dataset directory"), the one import for
 * the files that make them up (manifest.ts, multiviewWriter.ts, multiviewReader.ts,
 * temporaries.ts, exportPngs.ts). A dataset is manifest.json plus
 * shard-NNNNN.safetensors, each holding `images` U8 [n, K+1, H, W, C], `z` F32 [n, K+1, d]
 * and, for a conditional generator, `y` I32 [n]. Shard i holds anchors
 * [i * shardSize, min((i + 1) * shardSize, anchors)) and its bytes depend only on (seed, i,
 * config), so `--shard i/n` pieces (processes, machines, array jobs) need no coordination and
 * their union is byte-identical to a single run.
 *
 * Writing: a shard goes to a temporary name and is renamed when complete; then its sha256 goes
 * to `shard-NNNNN.sha256` (sha256sum format) the same way. A re-run skips every shard whose
 * file matches its .sha256, and every run rewrites the manifest from the .sha256 files it
 * finds (the manifest's `shards[i].sha256` is null for a shard not made yet). Reading checks
 * each shard's sha256 against the manifest.
 *
 * Pieces on many machines writing into one shared folder (a Kubernetes Indexed Job on a shared
 * volume, a Slurm array on NFS) need no coordination:
 * - temporary names carry host, pid and random bytes (atomicWrite.ts), so no two writers share one;
 * - no writer deletes a temporary it did not make unless its modification time is more than a day
 *   older than the manifest this run just wrote (both times come from the file server's clock, so
 *   clock skew between machines does not matter): a live writer writes a temporary in one go and
 *   renames it at once, and no shard takes a day to write;
 * - the manifest is a function of the .sha256 files alone, and each writer, after renaming its
 *   manifest, reads the .sha256 files again and rewrites the manifest until nothing changed. The
 *   last manifest renamed was therefore written after every .sha256 file was in place, so pieces
 *   finishing in any order on any machine leave the same manifest, byte for byte.
 */
export { type ExportPngOptions, exportMultiviewPngs } from "./exportPngs.js";
export {
	DEFAULT_SHARD_SIZE,
	generatorFingerprint,
	MANIFEST_FILE,
	MULTIVIEW_FORMAT,
	type MultiviewManifest,
	parseManifest,
	readManifest,
	sha256Hex,
	shardFileName,
	shardHashFileName,
	shardRange,
} from "./manifest.js";
export {
	MultiviewDataset,
	type MultiviewShard,
	type OpenMultiviewOptions,
	openMultiviewDataset,
} from "./multiviewReader.js";
export {
	type GenerateMultiviewOptions,
	type GenerateMultiviewResult,
	generateMultiviewDataset,
	type ShardEvent,
} from "./multiviewWriter.js";
export { parseShardPiece, type ShardPiece, shardPieceFromEnvironment } from "./shardPiece.js";
export { isDatasetTemporary, STALE_TEMPORARY_MS } from "./temporaries.js";
