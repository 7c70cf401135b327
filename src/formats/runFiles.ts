/**
 * Files every run directory keeps (GAN training, representation training, experiments):
 * the resolved config as JSON written atomically, the check that a resumed run uses the same
 * settings, and JSON-lines logs cut back to the last checkpoint.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { fileError } from "../errors.js";
import { writeFileAtomic } from "./atomicWrite.js";

/** Pretty JSON, written atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
	await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));
}

/**
 * Compares a run's saved config with the one a resume asks for; every key outside
 * `mayChange` must be equal, or the error names the key, both values and what to do.
 */
export async function checkConfigMatches(
	path: string,
	wanted: Record<string, unknown>,
	mayChange: ReadonlySet<string>,
): Promise<void> {
	let saved: Record<string, unknown>;
	try {
		saved = JSON.parse(await readFile(path, "utf8"));
	} catch (err) {
		throw fileError(path, `cannot read the run's config to resume (${(err as Error).message})`);
	}
	const keys = new Set([...Object.keys(saved), ...Object.keys(wanted)]);
	for (const key of keys) {
		if (mayChange.has(key)) continue;
		if (JSON.stringify(saved[key]) !== JSON.stringify(wanted[key])) {
			throw fileError(
				path,
				`cannot resume: ${key} was ${JSON.stringify(saved[key])}, now ${JSON.stringify(wanted[key])}; use the run's settings or a new --out`,
			);
		}
	}
}

/** Keeps only the lines of a JSON-lines log whose `step` is <= `step` (a killed run may have logged past its checkpoint). */
export async function truncateJsonLines(path: string, step: number): Promise<void> {
	if (!existsSync(path)) return;
	const lines = (await readFile(path, "utf8")).split("\n").filter((line) => line.trim() !== "");
	const kept = lines.filter((line) => {
		try {
			return (JSON.parse(line) as { step: number }).step <= step;
		} catch {
			return false;
		}
	});
	if (kept.length !== lines.length) await writeFile(path, kept.map((l) => `${l}\n`).join(""));
}

/** Appends one JSON line. */
export async function appendJsonLine(path: string, value: unknown): Promise<void> {
	await writeFile(path, `${JSON.stringify(value)}\n`, { flag: "a" });
}
