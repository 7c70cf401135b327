import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";

/**
 * A temporary name beside `path` that no other writer uses: `<path>.tmp-<host>-<pid>-<random>`.
 * The host name and pid say who wrote it (for people); the 8 random bytes make it unique across
 * machines and containers that share a folder (pods of a Kubernetes Job may all be pid 1, and a
 * retried pod keeps its host name), so two writers never write, rename or delete each other's file.
 */
export function temporaryName(path: string): string {
	const host =
		hostname()
			.replace(/[^A-Za-z0-9.-]/g, "_")
			.slice(0, 64) || "host";
	return `${path}.tmp-${host}-${process.pid}-${randomBytes(8).toString("hex")}`;
}

/** Matches the names temporaryName makes (and the `.tmp-<pid>` names of earlier genrep versions). */
export const TEMPORARY_NAME = /\.tmp-[A-Za-z0-9._-]+$/;

/**
 * Writes bytes to `path` atomically: to a temporary name beside it (unique across hosts and
 * processes), then renamed, so a crash or a full disk never leaves a half-written file under
 * the final name. Creates the folder. On failure it removes its own temporary, never another's.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
	await mkdir(dirname(path), { recursive: true });
	const tmp = temporaryName(path);
	try {
		await writeFile(tmp, bytes);
		await rename(tmp, path);
	} catch (err) {
		await rm(tmp, { force: true });
		throw err;
	}
}
