/**
 * Confines every path a request names to the roots given on the command line. A request
 * names a root by its index and a path relative to it; the path is refused when it is
 * absolute, holds `..`, a backslash, an encoded separator or a NUL, or when the real path
 * (symlinks followed) leaves the root.
 */
import { realpathSync, statSync } from "node:fs";
import { isAbsolute, join, resolve, sep } from "node:path";
import { HttpError } from "./httpError.js";

export interface Root {
	/** Index in its list (what requests name). */
	index: number;
	/** The path as given on the command line. */
	given: string;
	/** Real absolute path (symlinks resolved). */
	real: string;
}

/** Resolves the roots given on the command line; each must be an existing folder. */
export function resolveRoots(paths: readonly string[], flag: string): Root[] {
	return paths.map((given, index) => {
		let real: string;
		try {
			real = realpathSync(resolve(given));
		} catch {
			throw new HttpError(400, `${flag} ${given}: no such folder`);
		}
		if (!statSync(real).isDirectory()) throw new HttpError(400, `${flag} ${given}: not a folder`);
		return { index, given, real };
	});
}

/**
 * Checks a relative path as a request gave it (already URL-decoded once) and splits it into
 * segments. `""` and `"."` name the root itself.
 */
export function checkRelativePath(rel: string): string[] {
	if (rel.length > 1024) throw new HttpError(414, "path is longer than 1024 characters");
	if (rel.includes("\0")) throw new HttpError(400, "path holds a NUL character");
	if (rel.includes("\\"))
		throw new HttpError(400, `path ${JSON.stringify(rel)} holds a backslash; use / between folders`);
	if (rel.includes("%")) {
		throw new HttpError(400, `path ${JSON.stringify(rel)} holds '%' (an encoded character); name the folder as it is`);
	}
	if (isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) {
		throw new HttpError(403, `path ${JSON.stringify(rel)} is absolute; name a path relative to the root`);
	}
	const segments = rel.split("/").filter((s) => s !== "" && s !== ".");
	if (segments.includes("..")) {
		throw new HttpError(403, `path ${JSON.stringify(rel)} leaves its root ('..' is not allowed)`);
	}
	return segments;
}

/**
 * The real path of `rel` inside `root`: refused (403) when it is outside the root once
 * symlinks are followed, 404 when it does not exist.
 */
export function confinedPath(root: Root, rel: string): string {
	const segments = checkRelativePath(rel);
	const joined = join(root.real, ...segments);
	let real: string;
	try {
		real = realpathSync(joined);
	} catch {
		throw new HttpError(404, `${segments.join("/") || "."}: not found under root ${root.index} (${root.given})`);
	}
	if (!isInside(root.real, real)) {
		throw new HttpError(403, `${segments.join("/")}: leaves root ${root.index} (a symlink out of ${root.given})`);
	}
	return real;
}

export const isInside = (root: string, path: string): boolean => path === root || path.startsWith(root + sep);

/** A root by the index a request gave (a string of digits). */
export function pickRoot(roots: readonly Root[], index: string | undefined, what: string): Root {
	if (roots.length === 0)
		throw new HttpError(404, `no ${what} roots: start genrep ui with ${what === "runs" ? "--runs" : "--models"} DIR`);
	if (index === undefined || !/^\d{1,4}$/.test(index) || Number(index) >= roots.length) {
		throw new HttpError(
			400,
			`root must be the index of a ${what} root, 0..${roots.length - 1}, got ${JSON.stringify(index ?? null)}`,
		);
	}
	return roots[Number(index)];
}
