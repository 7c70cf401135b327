import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Writes bytes to `path` atomically: to a temporary name beside it, then renamed, so a crash
 * or a full disk never leaves a half-written file under the final name. Creates the folder.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
	await mkdir(dirname(path), { recursive: true });
	const tmp = `${path}.tmp-${process.pid}`;
	try {
		await writeFile(tmp, bytes);
		await rename(tmp, path);
	} catch (err) {
		await rm(tmp, { force: true });
		throw err;
	}
}
