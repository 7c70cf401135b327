/**
 * The manifest of a multiview dataset (manifest.json): format, generator fingerprint, view
 * config, counts, shard size and each shard's sha256; shard file names and anchor ranges.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { fileError } from "../errors.js";
import { parseJsonFile, readTextFile } from "../formats/jsonFile.js";
import { MAX_CLASSES, MAX_IMAGE_VALUES, MAX_LATENT_DIM } from "../generators/modelCard.js";
import { resolveGenerator } from "../generators/registry.js";
import type { LatentViewConfig } from "../views/latent/latentView.js";
import { GENERATE_DEFAULTS } from "./generateOptions.js";

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

/** Everything of a manifest but its shard hashes: what a re-run or another piece must agree on. */
export function configOf(m: MultiviewManifest): Record<string, unknown> {
	const { shards: _shards, generator, ...rest } = m;
	return { ...rest, generatorCard: generator.cardSha256 };
}

export const short = (hash: unknown) => String(hash).slice(0, 12);

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
