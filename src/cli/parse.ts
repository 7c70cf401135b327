/**
 * Flag value parsers for flags that no options schema describes (commander turns their
 * InvalidArgumentError into a usage error that names the flag), made from the same building
 * blocks as the schemas (src/engine/options.ts, src/cli/flags.ts); and `--config
 * file.(json|yaml)` reading.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import {
	finiteNumber,
	nonNegativeInt,
	numberChoice,
	positiveNumber as positive,
	positiveInt,
} from "../engine/options.js";
import { fileError } from "../errors.js";
import { flagParser } from "./flags.js";

/** Any finite number; the library checks the range and says which option was wrong. */
export const number = flagParser(finiteNumber(), "number") as (text: string) => number;
export const positiveInteger = flagParser(positiveInt(), "integer") as (text: string) => number;
export const nonNegativeInteger = flagParser(nonNegativeInt(), "integer") as (text: string) => number;
export const positiveNumber = flagParser(positive(), "number") as (text: string) => number;
/** --channels: 1 (grayscale) or 3 (RGB). */
export const channelCount = flagParser(numberChoice([1, 3]), "integer") as (text: string) => 1 | 3;

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
