/**
 * Commander flags built from a library options schema: each flag's value type, its check and
 * its "(default ...)" come from the schema's building blocks (src/engine/options.ts); the
 * command gives only the flag's name where it differs from the option's key, and its help text.
 * A bad value is a usage error naming the flag and the value as typed.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import type { z } from "zod";
import { defaultOf, type FlagKind, metaOf } from "../engine/options.js";

export interface FlagSpec {
	/** The flag as commander takes it, e.g. "--checkpoint-every <seconds>"; default from the key (--batch-size <n>). */
	flag?: string;
	help: string;
	/** A required flag (commander's requiredOption). */
	required?: boolean;
	/** Leave "(default ...)" out of the help (the text says it another way). */
	hideDefault?: boolean;
	/** Read the text as this kind (an option the schema types more widely, e.g. S or [H, W]; or one without a block). */
	kind?: FlagKind;
	/**
	 * Check the text against this block instead of the option's own, which the library then
	 * applies with its own message (gan eval's --n: a positive integer here, "at least 2" there).
	 */
	check?: z.ZodType;
}

/** Help text alone, or the spec, for some of a schema's options. */
export type FlagTable<Keys extends string> = { [K in Keys]?: FlagSpec | string };

/** Reads parsed flags back as option keys (only the flags given, in the schema's key order). */
export type FlagReader<T> = (flags: Record<string, unknown>) => Partial<T>;

const PLACEHOLDER: Record<FlagKind, string> = {
	integer: "<n>",
	number: "<x>",
	string: "<name>",
	boolean: "",
	integers: "<list>",
	numbers: "<list>",
	strings: "<list>",
};

/** Adds a flag for each option in `table`, typed and checked by `schema`'s field of that name. */
export function addFlags<S extends z.ZodObject>(
	command: Command,
	schema: S,
	table: FlagTable<keyof z.input<S> & string>,
): FlagReader<z.input<S>> {
	const attributes = new Map<string, { key: string; negated: boolean }>();
	for (const [key, entry] of Object.entries(table) as [string, FlagSpec | string][]) {
		const spec: FlagSpec = typeof entry === "string" ? { help: entry } : entry;
		const field = (schema.shape as Record<string, z.ZodType>)[key];
		if (!field) throw new Error(`flags: the options schema has no option '${key}'`);
		const kind = spec.kind ?? metaOf(field)?.kind;
		if (!kind) throw new Error(`flags: option '${key}' is not made of a building block; give its kind`);
		const flag = spec.flag ?? `--${kebab(key)}${kind === "boolean" ? "" : ` ${PLACEHOLDER[kind]}`}`;
		const option = new Option(flag, helpText(spec, field, kind));
		if (kind !== "boolean") option.argParser(flagParser(spec.check ?? field, kind));
		if (spec.required) option.makeOptionMandatory();
		command.addOption(option);
		attributes.set(option.attributeName(), { key, negated: option.negate });
	}
	// In the schema's key order, whatever the flags' order (a run's config.json keeps its bytes).
	const keys = Object.keys(schema.shape);
	const order = [...attributes].sort(([, a], [, b]) => keys.indexOf(a.key) - keys.indexOf(b.key));
	return (flags) => {
		const options: Record<string, unknown> = {};
		for (const [attribute, { key, negated }] of order) {
			const value = flags[attribute];
			// commander sets a --no-x flag's value to true when it is not given
			if (value === undefined || (negated && value === true)) continue;
			options[key] = value;
		}
		return options as Partial<z.input<S>>;
	};
}

/** The flag's help, with the option's default from the schema. */
function helpText(spec: FlagSpec, field: z.ZodType, kind: FlagKind): string {
	const value = defaultOf(field);
	if (spec.hideDefault || kind === "boolean" || value === undefined || /\(default/.test(spec.help)) return spec.help;
	return `${spec.help} (default ${Array.isArray(value) ? value.join(",") : String(value)})`;
}

/** The text of a flag -> the option's value (read as `kind`), checked against `field`. */
export function flagParser(field: z.ZodType, kind: FlagKind): (text: string) => unknown {
	const expects = metaOf(field)?.expects ?? `a ${kind}`;
	const fail = (text: string): never => {
		throw new InvalidArgumentError(`expected ${cliExpects(expects, kind)}, got "${text}"`);
	};
	return (text) => {
		const value = readAs(kind, text) ?? fail(text);
		if (!field.safeParse(value).success) fail(text);
		return value;
	};
}

/** "a list of positive integers" reads on a command line as "positive integers separated by commas". */
function cliExpects(expects: string, kind: FlagKind): string {
	if (expects.startsWith("in ")) return `a number ${expects}`;
	if (kind !== "integers" && kind !== "numbers" && kind !== "strings") return expects;
	return `${expects.replace(/^a list of /, "")} separated by commas`;
}

/** Reads the text as a value of `kind`, or null when it is not one (the number as typed: digits, no spaces). */
function readAs(kind: FlagKind, text: string): unknown {
	switch (kind) {
		case "integer":
			return /^-?\d+$/.test(text) ? Number(text) : null;
		case "number": {
			const n = Number(text);
			return text.trim() === "" || !Number.isFinite(n) ? null : n;
		}
		case "integers":
		case "numbers": {
			const parts = text.split(",").map((p) => readAs(kind === "integers" ? "integer" : "number", p.trim()));
			return parts.some((p) => p === null) ? null : parts;
		}
		case "strings":
			return text.split(",").map((p) => p.trim());
		default:
			return text;
	}
}

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
