/**
 * `genrep views verify`: checks a multiview dataset folder against its manifest without
 * changing it. Every shard the manifest lists is read and its sha256 compared with the
 * manifest's; a listed shard is then decoded as readShard does (tensor names, dtypes, shapes,
 * finite z). The result lists what is missing or corrupt, and which `--shard i/n` pieces own it.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
	isDatasetTemporary,
	MultiviewDataset,
	type MultiviewManifest,
	readManifest,
	sha256Hex,
	shardHashFileName,
} from "./multiview.js";

/** One shard that is not as the manifest says. */
export interface ShardProblem {
	shard: number;
	/**
	 * "missing": no shard file (not made yet, or deleted). "unrecorded": the file and its
	 * .sha256 agree, but the manifest does not list its hash yet (a piece was stopped between
	 * the two; any re-run of a piece updates the manifest). "corrupt": the bytes do not match
	 * the recorded sha256, or do not decode as the manifest says.
	 */
	problem: "missing" | "unrecorded" | "corrupt";
	detail: string;
}

export interface VerifyMultiviewReport {
	dir: string;
	manifest: MultiviewManifest;
	/** Shards whose bytes match the manifest's sha256 and decode as it says. */
	verified: number[];
	problems: ShardProblem[];
	/** Temporaries left by writers that were killed (or still writing). */
	temporaries: string[];
	complete: boolean;
}

export interface VerifyMultiviewOptions {
	/** Called after each shard is checked (progress). */
	onShard?: (shard: number, numShards: number) => void;
}

/** Verifies `dir` (see the module comment). Throws a GenrepError only when the manifest itself is unusable. */
export async function verifyMultiviewDataset(
	dir: string,
	options: VerifyMultiviewOptions = {},
): Promise<VerifyMultiviewReport> {
	const manifest = await readManifest(dir);
	const data = new MultiviewDataset(dir, manifest);
	const verified: number[] = [];
	const problems: ShardProblem[] = [];
	for (let i = 0; i < manifest.numShards; i++) {
		const entry = manifest.shards[i];
		const file = join(dir, entry.file);
		const bytes = await readFile(file).catch(() => null);
		if (bytes === null) {
			problems.push({ shard: i, problem: "missing", detail: `${entry.file} is not there` });
		} else if (entry.sha256 === null) {
			const recorded = await readFile(join(dir, shardHashFileName(i)), "utf8").catch(() => "");
			const hash = sha256Hex(bytes);
			problems.push(
				recorded.startsWith(`${hash}  `)
					? { shard: i, problem: "unrecorded", detail: `${entry.file} is made but the manifest does not list it yet` }
					: { shard: i, problem: "corrupt", detail: `${entry.file} does not match its ${shardHashFileName(i)}` },
			);
		} else if (sha256Hex(bytes) !== entry.sha256) {
			problems.push({ shard: i, problem: "corrupt", detail: `${entry.file}: sha256 does not match the manifest` });
		} else {
			try {
				await data.readShard(i);
				verified.push(i);
			} catch (err) {
				problems.push({ shard: i, problem: "corrupt", detail: (err as Error).message });
			}
		}
		options.onShard?.(i, manifest.numShards);
	}
	const temporaries = (await readdir(dir)).filter(isDatasetTemporary).sort();
	return { dir, manifest, verified, problems, temporaries, complete: problems.length === 0 };
}

/** The `--shard i/n` pieces (of `pieces`) that make the shards with problems. */
export function piecesToRerun(report: VerifyMultiviewReport, pieces: number): number[] {
	return [...new Set(report.problems.map((p) => p.shard % pieces))].sort((a, b) => a - b);
}
