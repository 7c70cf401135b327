/**
 * Multiview datasets on disk (DESIGN.md, "Multiview dataset directory"): manifest.json plus
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
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { TEMPORARY_NAME, temporaryName, writeFileAtomic } from "../data/atomicWrite.js";
import { decodeUtf8, parseJsonFile, readTextFile } from "../data/jsonFile.js";
import { parseOptions } from "../engine/options.js";
import { fileError, GenrepError } from "../errors.js";
import { MAX_CLASSES, MAX_IMAGE_VALUES, MAX_LATENT_DIM } from "../generators/modelCard.js";
import { resolveGenerator } from "../generators/registry.js";
import type { LatentViewConfig } from "../views/latent/latentView.js";
import { createLatentView } from "../views/latent/registry.js";
import { type MultiviewBatch, sampleMultiviewBlock } from "../views/multiviewSampler.js";
import { GENERATE_DEFAULTS, GENERATE_MULTIVIEW_OPTIONS, type GenerateMultiviewOptions } from "./generateOptions.js";
import { decodeSafetensors, encodeSafetensors, type TensorToWrite } from "./safetensors.js";
import { parseShardPiece, type ResolvedShardPiece } from "./shardPiece.js";

export { parseShardPiece, type ShardPiece, shardPieceFromEnvironment } from "./shardPiece.js";

export const MULTIVIEW_FORMAT = "genrep-multiview/1";
export const MANIFEST_FILE = "manifest.json";
export const DEFAULT_SHARD_SIZE = GENERATE_DEFAULTS.shardSize;

const manifestSchema = z.strictObject({
	format: z.literal(MULTIVIEW_FORMAT),
	generator: z.strictObject({ id: z.string(), cardSha256: z.string().regex(/^[0-9a-f]{64}$/) }),
	view: z.looseObject({ kind: z.string() }),
	seed: z.number().int().nonnegative(),
	truncation: z.number().positive(),
	anchors: z.number().int().positive(),
	neighbors: z.number().int().positive(),
	views: z.number().int().positive(),
	shardSize: z.number().int().positive(),
	numShards: z.number().int().positive(),
	imageShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
	latentDim: z.number().int().positive(),
	numClasses: z.number().int().nonnegative(),
	/** Present when the anchors' classes were restricted (`--classes`). */
	classes: z.array(z.number().int().nonnegative()).optional(),
	shards: z.array(
		z.strictObject({
			file: z.string(),
			anchors: z.number().int().positive(),
			sha256: z
				.string()
				.regex(/^[0-9a-f]{64}$/)
				.nullable(),
		}),
	),
});

export type MultiviewManifest = z.infer<typeof manifestSchema> & { view: LatentViewConfig };

/** `shard-00003.safetensors` */
export const shardFileName = (index: number): string => `shard-${String(index).padStart(5, "0")}.safetensors`;
/** `shard-00003.sha256`: the shard's sha256 in sha256sum format (`sha256sum -c` checks it). */
export const shardHashFileName = (index: number): string => `shard-${String(index).padStart(5, "0")}.sha256`;

export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** The anchors of shard `index`: [first, first + count). */
export function shardRange(anchors: number, shardSize: number, index: number): { first: number; count: number } {
	const first = index * shardSize;
	return { first, count: Math.min(shardSize, anchors - first) };
}

/** A temporary this many milliseconds older than a fresh manifest is a killed writer's (see the module comment). */
export const STALE_TEMPORARY_MS = 24 * 3600 * 1000;

/** A generator's identity in a manifest: the name or path as given and the sha256 of its model.json. */
export async function generatorFingerprint(
	nameOrDir: string,
): Promise<{ id: string; cardSha256: string; dir: string }> {
	const { id, dir } = resolveGenerator(nameOrDir);
	const card = join(dir, "model.json");
	let bytes: Buffer;
	try {
		bytes = await readFile(card);
	} catch (err) {
		throw fileError(card, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
	}
	return { id, cardSha256: sha256Hex(bytes), dir };
}

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
 * Deletes temporaries of this dataset's files (`manifest.json.tmp-*`, `shard-*.tmp-*`) whose
 * modification time is more than STALE_TEMPORARY_MS before the manifest's, which this run has
 * just written: only killed writers leave such files. Never looks at process ids, which mean
 * nothing on another machine or in another container.
 */
async function removeStaleTemporaries(dir: string): Promise<string[]> {
	const { rm } = await import("node:fs/promises");
	const now = (await stat(join(dir, MANIFEST_FILE))).mtimeMs;
	const removed: string[] = [];
	for (const name of await readdir(dir)) {
		if (!isDatasetTemporary(name)) continue;
		const info = await stat(join(dir, name)).catch(() => null);
		if (info?.isFile() && now - info.mtimeMs > STALE_TEMPORARY_MS) {
			await rm(join(dir, name), { force: true });
			removed.push(name);
		}
	}
	return removed;
}

/** A temporary of manifest.json or of a shard or its .sha256 (what writeFileAtomic leaves when killed). */
export function isDatasetTemporary(name: string): boolean {
	if (!TEMPORARY_NAME.test(name)) return false;
	const base = name.replace(TEMPORARY_NAME, "");
	return base === MANIFEST_FILE || /^shard-\d{5,}\.(safetensors|sha256)$/.test(base);
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

/** Everything of a manifest but its shard hashes: what a re-run or another piece must agree on. */
function configOf(m: MultiviewManifest): Record<string, unknown> {
	const { shards: _shards, generator, ...rest } = m;
	return { ...rest, generatorCard: generator.cardSha256 };
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

const short = (hash: unknown) => String(hash).slice(0, 12);

/** Reads and checks `<dir>/manifest.json`. */
export async function readManifest(dir: string): Promise<MultiviewManifest> {
	const path = join(dir, MANIFEST_FILE);
	const text = await readTextFile(
		path,
		"no such file (not a multiview dataset; make one with `genrep views generate`)",
	);
	return parseManifest(text, path);
}

/** Parses and checks a manifest's text (`path` names it in errors). */
export function parseManifest(text: string, path: string): MultiviewManifest {
	const m = parseJsonFile(text, path, manifestSchema, `${MULTIVIEW_FORMAT} manifest`) as MultiviewManifest;
	if (m.shards.length !== m.numShards || m.numShards !== Math.ceil(m.anchors / m.shardSize)) {
		throw fileError(
			path,
			`lists ${m.shards.length} shards, but ${m.anchors} anchors in shards of ${m.shardSize} make ${Math.ceil(m.anchors / m.shardSize)}`,
		);
	}
	if (m.views !== m.neighbors + 1)
		throw fileError(path, `says ${m.views} views for ${m.neighbors} neighbours (must be neighbours + 1)`);
	const [h, w, c] = m.imageShape;
	for (const [field, value, max] of [
		["imageShape", h * w * c, MAX_IMAGE_VALUES],
		["latentDim", m.latentDim, MAX_LATENT_DIM],
		["numClasses", m.numClasses, MAX_CLASSES],
	] as const) {
		if (value > max) throw fileError(path, `${field} asks for ${value} values, more than genrep's limit of ${max}`);
	}
	for (const [i, s] of m.shards.entries()) {
		// Shard files are named by their index: a manifest cannot point a reader at another file.
		if (s.file !== shardFileName(i))
			throw fileError(path, `shard ${i} is named ${JSON.stringify(s.file)}, not ${shardFileName(i)}`);
		const count = shardRange(m.anchors, m.shardSize, i).count;
		if (s.anchors !== count)
			throw fileError(
				path,
				`shard ${i} lists ${s.anchors} anchors; ${m.anchors} anchors in shards of ${m.shardSize} give it ${count}`,
			);
	}
	return m;
}

/** One shard as read back. */
export interface MultiviewShard extends MultiviewBatch {
	shard: number;
	/** Global index of the shard's first anchor. */
	firstAnchor: number;
}

export interface OpenMultiviewOptions {
	/** When given, the dataset must have been made by this generator (same model.json). */
	generator?: string;
}

/** An opened multiview dataset: its manifest and verified shard reads. */
export class MultiviewDataset {
	constructor(
		readonly dir: string,
		readonly manifest: MultiviewManifest,
	) {}

	get numShards(): number {
		return this.manifest.numShards;
	}

	/** Reads shard `index`, checks its sha256 against the manifest and its tensors' shapes. */
	async readShard(index: number): Promise<MultiviewShard> {
		const m = this.manifest;
		if (!Number.isInteger(index) || index < 0 || index >= m.numShards) {
			throw new GenrepError(`shard index must be in [0, ${m.numShards}), got ${index}`);
		}
		const entry = m.shards[index];
		const path = join(this.dir, entry.file);
		const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
			throw fileError(path, err.code === "ENOENT" ? missingShardText(index, m.numShards) : `cannot read (${err.code})`);
		});
		if (sha256Hex(bytes) !== entry.sha256) {
			throw fileError(
				path,
				`corrupt shard: its sha256 does not match the one ${join(this.dir, MANIFEST_FILE)} records; ` +
					"delete it and re-run `genrep views generate` with the same flags to remake it",
			);
		}
		const { tensors } = decodeSafetensors(bytes, path);
		const [h, w, c] = m.imageShape;
		const n = entry.anchors;
		const expect = (name: string, dtype: string, shape: number[]) => {
			const t = tensors.get(name);
			if (!t || t.dtype !== dtype || JSON.stringify(t.shape) !== JSON.stringify(shape)) {
				const got = t ? `${t.dtype} [${t.shape}]` : "nothing";
				throw fileError(path, `tensor '${name}' should be ${dtype} [${shape}], found ${got}`);
			}
			return t.data;
		};
		const images = expect("images", "U8", [n, m.views, h, w, c]) as Uint8Array;
		const z = expect("z", "F32", [n, m.views, m.latentDim]) as Float32Array;
		const y = m.numClasses > 0 ? (expect("y", "I32", [n]) as Int32Array) : null;
		const badZ = z.findIndex((v) => !Number.isFinite(v));
		if (badZ >= 0) throw fileError(path, `tensor 'z' holds ${z[badZ]} at value ${badZ}; remake the shard`);
		const badY = y ? y.findIndex((v) => v < 0 || v >= m.numClasses) : -1;
		if (y && badY >= 0) {
			throw fileError(
				path,
				`tensor 'y' holds class ${y[badY]} at ${badY}, outside 0..${m.numClasses - 1}; remake the shard`,
			);
		}
		if (tensors.size !== (y ? 3 : 2)) {
			const extra = [...tensors.keys()].filter((k) => !["images", "z", "y"].includes(k));
			throw fileError(path, `holds tensors besides images, z${y ? ", y" : ""}: ${extra.join(", ")}`);
		}
		return {
			shard: index,
			firstAnchor: index * m.shardSize,
			count: n,
			views: m.views,
			imageShape: [h, w, c],
			latentDim: m.latentDim,
			images,
			z,
			y,
		};
	}

	/** Reads every shard once (checking all hashes); returns the number of anchors. */
	async verify(): Promise<number> {
		let n = 0;
		for (let i = 0; i < this.numShards; i++) n += (await this.readShard(i)).count;
		return n;
	}
}

function missingShardText(index: number, total: number): string {
	return `shard ${index} of ${total} is missing; re-run \`genrep views generate\` with the same flags to make it`;
}

/**
 * Opens a dataset made by generateMultiviewDataset: validates the manifest, checks that it is
 * complete and every shard file is there, and (with `generator`) that it came from that
 * generator. Shard hashes are checked on each read.
 */
export async function openMultiviewDataset(dir: string, options: OpenMultiviewOptions = {}): Promise<MultiviewDataset> {
	const path = join(dir, MANIFEST_FILE);
	const manifest = await readManifest(dir);
	if (options.generator !== undefined) {
		const given = await generatorFingerprint(options.generator);
		if (given.cardSha256 !== manifest.generator.cardSha256) {
			throw fileError(
				path,
				`dataset was made by generator '${manifest.generator.id}' (model.json sha256 ${short(manifest.generator.cardSha256)}), ` +
					`not by '${options.generator}' (sha256 ${short(given.cardSha256)})`,
			);
		}
	}
	const notMade = manifest.shards.flatMap((s, i) => (s.sha256 === null ? [i] : []));
	if (notMade.length > 0) {
		const list = notMade.length > 5 ? `${notMade.slice(0, 5).join(", ")}, ...` : notMade.join(", ");
		throw fileError(
			path,
			`incomplete dataset: ${notMade.length} of ${manifest.numShards} shards not made yet (${list}); ` +
				"run `genrep views generate` with the same flags (and every --shard piece) to finish it",
		);
	}
	for (let i = 0; i < manifest.numShards; i++) {
		const file = join(dir, manifest.shards[i].file);
		const ok = await stat(file).then(
			(s) => s.isFile(),
			() => false,
		);
		if (!ok) throw fileError(file, missingShardText(i, manifest.numShards));
	}
	return new MultiviewDataset(dir, manifest);
}

export interface ExportPngOptions {
	/** Export only the first n anchors; default all. */
	anchors?: number;
}

/**
 * Writes a dataset as PNG files for other tools: <out>/anchor-NNNNNN/view-V.png (view 0 is
 * the anchor) and <out>/labels.csv (anchor,class; class empty when unconditional). Built in
 * a temporary folder beside `out` and renamed when done, so a failure leaves nothing behind.
 */
export async function exportMultiviewPngs(
	data: MultiviewDataset,
	out: string,
	options: ExportPngOptions = {},
): Promise<{ anchors: number; files: number }> {
	const m = data.manifest;
	const wanted = options.anchors ?? m.anchors;
	if (!Number.isInteger(wanted) || wanted < 1)
		throw new GenrepError(`anchors must be a positive integer, got ${wanted}`);
	const entries = await readdir(out).catch(() => null);
	if (entries && entries.length > 0)
		throw new GenrepError(`--out ${out} already exists and is not empty; choose a new folder`);
	const total = Math.min(wanted, m.anchors);
	const tmp = temporaryName(out.replace(/[\\/]+$/, ""));
	const { default: sharp } = await import("sharp");
	const { rename, rm, writeFile } = await import("node:fs/promises");
	const [h, w, c] = m.imageShape;
	const imageSize = h * w * c;
	const digits = Math.max(6, String(m.anchors - 1).length);
	let files = 0;
	const labels: string[] = ["anchor,class"];
	try {
		await rm(tmp, { recursive: true, force: true });
		for (let s = 0, done = 0; done < total; s++) {
			const shard = await data.readShard(s);
			const take = Math.min(shard.count, total - done);
			for (let a = 0; a < take; a++) {
				const anchor = shard.firstAnchor + a;
				const folder = join(tmp, `anchor-${String(anchor).padStart(digits, "0")}`);
				await mkdir(folder, { recursive: true });
				for (let v = 0; v < m.views; v++) {
					const at = (a * m.views + v) * imageSize;
					let image = sharp(shard.images.subarray(at, at + imageSize), {
						raw: { width: w, height: h, channels: c as 1 | 3 | 4 },
					});
					if (c === 1) image = image.toColourspace("b-w");
					await writeFile(join(folder, `view-${v}.png`), await image.png().toBuffer());
					files++;
				}
				labels.push(`${anchor},${shard.y ? shard.y[a] : ""}`);
			}
			done += take;
		}
		await writeFile(join(tmp, "labels.csv"), `${labels.join("\n")}\n`);
		if (entries) await rm(out, { recursive: true, force: true });
		await rename(tmp, out);
	} catch (err) {
		await rm(tmp, { recursive: true, force: true });
		throw err;
	}
	return { anchors: total, files };
}
