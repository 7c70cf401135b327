/**
 * Reading a multiview dataset: opens it (manifest valid, complete, every shard there, made by
 * the expected generator) and reads shards with their sha256 and tensor shapes checked.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileError, GenrepError } from "../errors.js";
import { decodeSafetensors } from "../formats/safetensors.js";
import type { MultiviewBatch } from "../views/multiviewSampler.js";
import {
	generatorFingerprint,
	MANIFEST_FILE,
	type MultiviewManifest,
	readManifest,
	sha256Hex,
	short,
} from "./manifest.js";

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
