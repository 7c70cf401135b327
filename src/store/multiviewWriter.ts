/**
 * Writing a multiview dataset: generates the shards of this piece (or all), each to a temporary
 * name renamed when complete, then its .sha256; skips shards already made; rewrites the
 * manifest from the .sha256 files until it is stable (see multiview.ts for the guarantees).
 */
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseOptions } from "../engine/options.js";
import { fileError, GenrepError } from "../errors.js";
import { writeFileAtomic } from "../formats/atomicWrite.js";
import { decodeUtf8 } from "../formats/jsonFile.js";
import { encodeSafetensors, type TensorToWrite } from "../formats/safetensors.js";
import { createLatentView } from "../views/latent/registry.js";
import { type MultiviewBatch, sampleMultiviewBlock } from "../views/multiviewSampler.js";
import { GENERATE_MULTIVIEW_OPTIONS, type GenerateMultiviewOptions } from "./generateOptions.js";
import {
	configOf,
	generatorFingerprint,
	MANIFEST_FILE,
	MULTIVIEW_FORMAT,
	type MultiviewManifest,
	parseManifest,
	sha256Hex,
	shardFileName,
	shardHashFileName,
	shardRange,
	short,
} from "./manifest.js";
import { parseShardPiece, type ResolvedShardPiece } from "./shardPiece.js";
import { isDatasetTemporary, removeStaleTemporaries } from "./temporaries.js";

export type { GenerateMultiviewOptions } from "./generateOptions.js";

export interface ShardEvent {
	shard: number;
	numShards: number;
	/** "written": made now; "skipped": already there and verified. */
	status: "written" | "skipped";
	anchors: number;
	seconds: number;
	/** Shards of this piece done so far, and in all. */
	done: number;
	total: number;
}

export interface GenerateMultiviewResult {
	manifest: MultiviewManifest;
	written: number[];
	skipped: number[];
	/** True when every shard of the dataset (all pieces) is there. */
	complete: boolean;
	/** The piece this run made, or null for all shards. */
	piece: ResolvedShardPiece | null;
}

/** Generates (or completes) a multiview dataset; see the module comment for the layout and guarantees. */
export async function generateMultiviewDataset(options: GenerateMultiviewOptions): Promise<GenerateMultiviewResult> {
	const { anchors, neighbors, shardSize, truncation } = parseOptions(
		GENERATE_MULTIVIEW_OPTIONS,
		options,
		"multiview generation",
	);
	const piece =
		options.shard === undefined
			? null
			: typeof options.shard === "string"
				? parseShardPiece(options.shard)
				: parseShardPiece(`${options.shard.index}/${options.shard.count}`);
	const view = createLatentView(options.view, options.viewOptions);
	const fingerprint = await generatorFingerprint(options.generator);
	const { loadGenerator } = await import("../generators/load.js");
	const generator = await loadGenerator(options.generator);
	try {
		const samplerOptions = {
			neighbors,
			seed: options.seed,
			truncation,
			batchSize: options.batchSize,
			classes: options.classes,
		};
		// Throws before anything is written when the view cannot serve this generator.
		const { checkSamplerOptions } = await import("../views/multiviewSampler.js");
		checkSamplerOptions(generator, view, samplerOptions);
		const numShards = Math.ceil(anchors / shardSize);
		const manifest: MultiviewManifest = {
			format: MULTIVIEW_FORMAT,
			generator: { id: fingerprint.id, cardSha256: fingerprint.cardSha256 },
			view: { ...view.config },
			seed: options.seed,
			truncation,
			anchors,
			neighbors,
			views: neighbors + 1,
			shardSize,
			numShards,
			imageShape: [...generator.imageShape],
			latentDim: generator.latentDim,
			numClasses: generator.numClasses,
			...(options.classes ? { classes: [...options.classes] } : {}),
			shards: Array.from({ length: numShards }, (_, i) => ({
				file: shardFileName(i),
				anchors: shardRange(anchors, shardSize, i).count,
				sha256: null,
			})),
		};
		await prepareOutDir(options.out, manifest);
		await writeManifest(options.out, manifest);
		await removeStaleTemporaries(options.out);

		const mine = manifest.shards.map((_, i) => i).filter((i) => !piece || i % piece.count === piece.index);
		const written: number[] = [];
		const skipped: number[] = [];
		for (const i of mine) {
			const started = performance.now();
			const status = (await finishedShard(options.out, i)) ? "skipped" : "written";
			if (status === "written") {
				const { first, count } = shardRange(anchors, shardSize, i);
				const batch = await sampleMultiviewBlock(generator, view, i, count, samplerOptions);
				const bytes = encodeShard(batch, i, first);
				await writeOrExplain(join(options.out, shardFileName(i)), bytes);
				await writeOrExplain(
					join(options.out, shardHashFileName(i)),
					Buffer.from(`${sha256Hex(bytes)}  ${shardFileName(i)}\n`),
				);
				written.push(i);
			} else skipped.push(i);
			options.onShard?.({
				shard: i,
				numShards,
				status,
				anchors: manifest.shards[i].anchors,
				seconds: (performance.now() - started) / 1000,
				done: written.length + skipped.length,
				total: mine.length,
			});
		}
		const final = await writeManifest(options.out, manifest);
		return { manifest: final, written, skipped, complete: final.shards.every((s) => s.sha256 !== null), piece };
	} finally {
		generator.dispose();
	}
}

/** Shard tensors and metadata as safetensors bytes (deterministic). */
function encodeShard(batch: MultiviewBatch, index: number, first: number): Buffer {
	const [h, w, c] = batch.imageShape;
	const tensors: Record<string, TensorToWrite> = {
		images: { shape: [batch.count, batch.views, h, w, c], data: batch.images },
		z: { shape: [batch.count, batch.views, batch.latentDim], data: batch.z },
	};
	if (batch.y) tensors.y = { shape: [batch.count], data: batch.y };
	return encodeSafetensors(tensors, { format: MULTIVIEW_FORMAT, shard: String(index), firstAnchor: String(first) });
}

async function writeOrExplain(path: string, bytes: Uint8Array): Promise<void> {
	try {
		await writeFileAtomic(path, bytes);
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		const why = code === "ENOSPC" ? "the disk is full" : (code ?? (err as Error).message);
		throw fileError(path, `cannot write (${why}); nothing was left under this name, re-run to continue`);
	}
}

/** The sha256 a shard's .sha256 file records, or null when there is none. */
async function recordedHash(dir: string, index: number): Promise<string | null> {
	const text = await readFile(join(dir, shardHashFileName(index)), "utf8").catch(() => null);
	const m = text ? /^([0-9a-f]{64}) {2}(\S+)\n?$/.exec(text) : null;
	return m && m[2] === shardFileName(index) ? m[1] : null;
}

/** True when shard `index` and its .sha256 are there and agree (a resumed run skips it). */
async function finishedShard(dir: string, index: number): Promise<boolean> {
	const expected = await recordedHash(dir, index);
	if (!expected) return false;
	const bytes = await readFile(join(dir, shardFileName(index))).catch(() => null);
	return bytes !== null && sha256Hex(bytes) === expected;
}

/**
 * Fills the manifest's sha256 list from the .sha256 files there now and writes it atomically;
 * then reads them again and repeats until they did not change in between (see the module
 * comment: this makes the last manifest written by any piece the complete one).
 */
async function writeManifest(dir: string, manifest: MultiviewManifest): Promise<MultiviewManifest> {
	const read = async () => Promise.all(manifest.shards.map((_, i) => recordedHash(dir, i)));
	let hashes = await read();
	// Hashes only appear (each piece adds its own), so this ends after at most numShards + 1 rounds.
	for (let round = 0; round <= manifest.shards.length + 1; round++) {
		for (let i = 0; i < manifest.shards.length; i++) manifest.shards[i].sha256 = hashes[i];
		await writeOrExplain(join(dir, MANIFEST_FILE), Buffer.from(`${JSON.stringify(manifest, null, "\t")}\n`));
		const again = await read();
		if (again.every((h, i) => h === hashes[i])) break;
		hashes = again;
	}
	return manifest;
}

/** Creates `out`, or checks that the dataset already there was made with the same config. */
async function prepareOutDir(out: string, manifest: MultiviewManifest): Promise<void> {
	const path = join(out, MANIFEST_FILE);
	const readText = () =>
		readFile(path).then(
			(b) => decodeUtf8(b, path),
			(err: NodeJS.ErrnoException) =>
				err.code === "ENOENT" ? null : Promise.reject(fileError(path, `cannot read (${err.code})`)),
		);
	let existing = await readText();
	if (existing === null) {
		const entries = await readdir(out).catch(() => null);
		// Another piece may be writing its first manifest (a temporary) right now, or have just renamed it.
		if (entries?.includes(MANIFEST_FILE)) existing = await readText();
	}
	if (existing === null) {
		const entries = await readdir(out).catch(() => null);
		if (entries?.some((e) => !e.startsWith(".") && !isDatasetTemporary(e))) {
			throw new GenrepError(`--out ${out} is not empty and holds no ${MANIFEST_FILE}; choose a new or empty folder`);
		}
		await mkdir(out, { recursive: true });
		return;
	}
	const old = parseManifest(existing, path);
	const a = configOf(old);
	const b = configOf(manifest);
	for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
		if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) {
			const what =
				key === "generatorCard"
					? `generator (model.json sha256 ${short(a[key])}, not ${short(b[key])})`
					: `${key} ${JSON.stringify(a[key])}, not ${JSON.stringify(b[key])}`;
			throw new GenrepError(
				`--out ${out} holds a dataset made with ${what}; use the same flags to complete it, or another --out`,
			);
		}
	}
	// Keep the name the dataset was first made with (another piece may spell the path differently).
	manifest.generator.id = old.generator.id;
}
