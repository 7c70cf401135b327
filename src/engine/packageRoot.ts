/**
 * The genrep package root: the nearest folder above this module with a package.json named
 * "genrep" (src/engine/ under tsx, dist/engine/ when built, node_modules/genrep/... when
 * installed). The shipped models, the native addon and the built web app are found from it.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | null | undefined;

/** The package root, or null when no genrep package.json is above this module. */
export function findPackageRoot(): string | null {
	if (root !== undefined) return root;
	let dir = dirname(fileURLToPath(import.meta.url));
	for (;;) {
		const manifest = join(dir, "package.json");
		if (existsSync(manifest)) {
			try {
				if (JSON.parse(readFileSync(manifest, "utf8")).name === "genrep") {
					root = dir;
					return dir;
				}
			} catch {
				// not a readable package.json: keep looking further up
			}
		}
		const parent = dirname(dir);
		if (parent === dir) {
			root = null;
			return null;
		}
		dir = parent;
	}
}

/** The package root; throws when there is none (a broken install). */
export function packageRoot(): string {
	const found = findPackageRoot();
	if (found === null) throw new Error("cannot find the genrep package root above this module");
	return found;
}
