/**
 * Temporaries of a multiview dataset's files (what writeFileAtomic leaves when a writer is
 * killed) and their clean-up: only those far older than a fresh manifest, by the file server's
 * clock, are a killed writer's (see multiview.ts).
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { TEMPORARY_NAME } from "../formats/atomicWrite.js";
import { MANIFEST_FILE } from "./manifest.js";

/** A temporary this many milliseconds older than a fresh manifest is a killed writer's (see the module comment). */
export const STALE_TEMPORARY_MS = 24 * 3600 * 1000;

/**
 * Deletes temporaries of this dataset's files (`manifest.json.tmp-*`, `shard-*.tmp-*`) whose
 * modification time is more than STALE_TEMPORARY_MS before the manifest's, which this run has
 * just written: only killed writers leave such files. Never looks at process ids, which mean
 * nothing on another machine or in another container.
 */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
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
