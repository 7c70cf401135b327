/**
 * Flag value parsers shared by the commands (commander turns their InvalidArgumentError into
 * a usage error that names the flag), and `--config file.(json|yaml)` reading.
 */
import { readFile } from "node:fs/promises";
import { InvalidArgumentError } from "commander";
import { parse as parseYaml } from "yaml";
import { fileError } from "../errors.js";

/** Any finite number; the library checks the range and says which option was wrong. */
export function number(value: string): number {
	const n = Number(value);
	if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
	return n;
}

export function positiveInteger(value: string): number {
	const n = Number(value);
	if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
	return n;
}

export function nonNegativeInteger(value: string): number {
	if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
	return Number(value);
}

/** --channels: 1 (grayscale) or 3 (RGB). */
export function channelCount(value: string): 1 | 3 {
	if (value !== "1" && value !== "3") throw new InvalidArgumentError(`expected 1 (gray) or 3 (RGB), got "${value}"`);
	return Number(value) as 1 | 3;
}

export function positiveNumber(value: string): number {
	const n = Number(value);
	if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
	return n;
}

/** The command line as typed, for run cards. */
export const commandLine = (): string => ["genrep", ...process.argv.slice(2)].join(" ");

/** Reads a JSON or YAML config file into a plain object (an error names the file and what is wrong). */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
	let text: string;
	try {
		text = await readFile(path, "utf8");
	} catch (err) {
		throw fileError(path, `cannot read the config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
	}
	let value: unknown;
	try {
		value = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
	} catch (err) {
		throw fileError(
			path,
			`is not valid ${/\.ya?ml$/i.test(path) ? "YAML" : "JSON"} (${(err as Error).message.split("\n")[0]})`,
		);
	}
	if (value === null || typeof value !== "object" || Array.isArray(value)) {
		throw fileError(path, "must hold an object of options (key: value)");
	}
	return value as Record<string, unknown>;
}
