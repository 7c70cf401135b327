/**
 * Option building blocks: zod schemas for the values genrep's options take (positive integers,
 * seeds, probabilities, choices, lists, ...). Each fails with the sentence users see, naming the
 * option and the bad value ("batchSize must be a positive integer, got 0"); `parseOptions`
 * checks an options object against a strict schema and throws that sentence as a GenrepError.
 * Each block also records what it expects and how a flag's text reads into it (OPTION_META),
 * from which the CLI builds its flags (src/cli/flags.ts).
 */
import { z } from "zod";
import { GenrepError } from "../errors.js";

/** How a flag's text becomes an option's value. */
export type FlagKind = "integer" | "number" | "string" | "boolean" | "integers" | "numbers" | "strings";

export interface OptionMeta {
	/** What the value must be, as it reads after "must be": "a positive integer". */
	expects: string;
	kind: FlagKind;
}

/** The metadata of every building block (the CLI reads it; see src/cli/flags.ts). */
export const OPTION_META = z.registry<OptionMeta>();

/** Where a block's message names its option; parseOptions puts the option's path there. */
const OPTION = "{option}";

export interface BlockOptions {
	/** Name the value by this in messages instead of by its key, e.g. "neighbors (latent views per anchor)". */
	label?: string;
	/** Said after "is required: " when the value is missing, e.g. "a run directory or pixels". */
	hint?: string;
}

/** A value as messages show it: numbers as JavaScript prints them (NaN, -1, 1.5), strings quoted, the rest as JSON. */
export function showValue(value: unknown): string {
	if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
	if (value === undefined) return "nothing";
	if (typeof value === "function") return "a function";
	try {
		return JSON.stringify(value) ?? String(value);
	} catch {
		return String(value);
	}
}

/** A name as messages show it: quoted as a name ('fp16'), not as JSON. */
const showName = (value: unknown): string => (typeof value === "string" ? `'${value}'` : showValue(value));

/** The error of a block: "<option> must be <expects>, got <value>", or "<option> is required". */
function says(expects: string, o: BlockOptions = {}, show: (value: unknown) => string = showValue) {
	const name = o.label ?? OPTION;
	return {
		error: (issue: { input: unknown }) =>
			issue.input === undefined
				? `${name} is required${o.hint ? `: ${o.hint}` : ""}`
				: `${name} must be ${expects}, got ${show(issue.input)}`,
	};
}

function block<T extends z.ZodType>(schema: T, meta: OptionMeta): T {
	OPTION_META.add(schema, meta);
	return schema;
}

/** An integer in [min, max] (a safe integer when max is omitted). */
export function integerIn(min: number, max: number | undefined, expects: string, o?: BlockOptions) {
	const e = says(expects, o);
	const s = z.number(e).int(e).min(min, e);
	return block(max === undefined ? s : s.max(max, e), { expects, kind: "integer" });
}

/** 1, 2, 3, ... */
export const positiveInt = (o?: BlockOptions) => integerIn(1, undefined, "a positive integer", o);

/** 0, 1, 2, ... */
export const nonNegativeInt = (o?: BlockOptions) => integerIn(0, undefined, "a non-negative integer", o);

/** A random seed: an integer in [0, 2^32). */
export const seed = (o?: BlockOptions) => integerIn(0, 0xffffffff, "an integer in [0, 2^32)", o);

/** Any finite number (not NaN, not Infinity). */
export function finiteNumber(o?: BlockOptions) {
	const e = says("a finite number", o);
	return block(z.number(e).refine(Number.isFinite, e), { expects: "a finite number", kind: "number" });
}

/** A finite number > 0. */
export function positiveNumber(o?: BlockOptions) {
	const e = says("a positive number", o);
	return block(z.number(e).gt(0, e).refine(Number.isFinite, e), { expects: "a positive number", kind: "number" });
}

/** A finite number >= 0. */
export function nonNegativeNumber(o?: BlockOptions) {
	const e = says("a finite number >= 0", o);
	return block(z.number(e).min(0, e).refine(Number.isFinite, e), { expects: "a finite number >= 0", kind: "number" });
}

/** A number in an interval; `ends` says which ends belong to it: "[]", "[)", "(]" or "()". */
export function numberIn(min: number, max: number, ends: "[]" | "[)" | "(]" | "()", o?: BlockOptions) {
	const expects = `in ${ends[0]}${min}, ${max}${ends[1]}`;
	const e = says(expects, o);
	const low = ends[0] === "[" ? z.number(e).min(min, e) : z.number(e).gt(min, e);
	return block(ends[1] === "]" ? low.max(max, e) : low.lt(max, e), { expects, kind: "number" });
}

/** A probability or fraction: a number in [0, 1]. */
export const probability = (o?: BlockOptions) => numberIn(0, 1, "[]", o);

/** A non-empty string (a name, a path). */
export function text(o?: BlockOptions) {
	const e = says("a non-empty string", o);
	return block(z.string(e).min(1, e), { expects: "a non-empty string", kind: "string" });
}

/** true or false. */
export function flag(o?: BlockOptions) {
	return block(z.boolean(says("true or false", o)), { expects: "true or false", kind: "boolean" });
}

/** "a, b or c" */
export const orList = (values: readonly unknown[]): string =>
	values.length < 2 ? values.map(String).join("") : `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;

export interface ChoiceOptions extends BlockOptions {
	/**
	 * Read "one of a, b, c" and show a wrong value as JSON ("gradient must be one of auto,
	 * autodiff, fd, es, got \"sgd\""), as steer train said it before the schemas.
	 */
	oneOf?: boolean;
}

/** One of a fixed set of strings (a wrong one is quoted as a name: "precision must be fp32 or bf16, got 'fp16'"). */
export function choice<const T extends readonly [string, ...string[]]>(values: T, o: ChoiceOptions = {}) {
	const expects = o.oneOf ? `one of ${values.join(", ")}` : orList(values);
	return block(z.enum(values, says(expects, o, o.oneOf ? showValue : showName)), { expects, kind: "string" });
}

/** One of the numbers `values` (e.g. channels: 1 or 3). */
export function numberChoice<const T extends readonly [number, ...number[]]>(values: T, o?: BlockOptions) {
	const expects = orList(values);
	const e = says(expects, o);
	const schema = z.custom<T[number]>((v) => (values as readonly number[]).includes(v as number), e);
	return block(schema, { expects, kind: "integer" });
}

/**
 * A key of a registry (a plain object literal); an unknown one is "unknown <noun> 'x'; known
 * <noun>s: a, b", as the registries themselves say.
 */
export function registryKey<R extends Record<string, unknown>>(registry: R, noun: string) {
	const known = Object.keys(registry);
	const schema = z.custom<keyof R & string>((v) => typeof v === "string" && Object.hasOwn(registry, v), {
		error: (issue: { input: unknown }) =>
			issue.input === undefined
				? `${OPTION} is required: one of ${known.join(", ")}`
				: `unknown ${noun} ${showName(issue.input)}; known ${noun}s: ${known.join(", ")}`,
	});
	return block(schema, { expects: `one of ${known.join(", ")}`, kind: "string" });
}

const LIST_KIND: Partial<Record<FlagKind, FlagKind>> = { integer: "integers", number: "numbers", string: "strings" };

/** A list of `item`s (at least `min`); the CLI reads it comma-separated. */
export function listOf<T extends z.ZodType>(item: T, o: BlockOptions & { min?: number } = {}) {
	const itemMeta = OPTION_META.get(item);
	const kind = itemMeta && LIST_KIND[itemMeta.kind];
	if (!itemMeta || !kind) throw new Error("listOf takes a number, integer or string block");
	const expects = `a list of ${itemMeta.expects.replace(/^an? /, "").replace(/\b(integer|number|string)\b/, "$1s")}`;
	const e = says(expects, o);
	const min = o.min ?? 0;
	const schema = z
		.array(item, e)
		.min(min, says(`${expects} with at least ${min === 1 ? "one value" : `${min} values`}`, o));
	return block(schema, { expects, kind });
}

/** The option's name as a message says it: batchSize, data.limit, shots[0]. */
function optionName(path: readonly PropertyKey[]): string {
	return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

/** The one-line message of a zod issue, naming the option (a block's own sentence, else zod's). */
export function issueMessage(issue: z.core.$ZodIssue, what: string): string {
	const name = optionName(issue.path);
	if (issue.code === "unrecognized_keys") {
		return `unknown ${what} option '${name ? `${name}.` : ""}${issue.keys[0]}'`;
	}
	return issue.message.replaceAll(OPTION, name || `${what} options`);
}

/** Messages of schemas that are not blocks: zod's own sentence after the option's name. */
const english = z.locales.en();
function otherIssue(issue: z.core.$ZodRawIssue): string {
	if (issue.code === "invalid_type" && issue.input === undefined) return `${OPTION} is required`;
	const m = english.localeError(issue);
	const message = typeof m === "string" ? m : (m?.message ?? "is not valid");
	return `${OPTION}: ${message}, got ${showValue(issue.input)}`;
}

/**
 * Checks `options` against `schema` (a strict object: unknown keys are errors) and returns the
 * parsed value with its defaults. The first problem is a GenrepError naming the option and its
 * bad value; `what` names the options in it ("unknown training option 'x'"), and `prefix`, when
 * given, opens the message ("steer train: ").
 */
export function parseOptions<S extends z.ZodType>(schema: S, options: unknown, what: string, prefix = ""): z.output<S> {
	const result = schema.safeParse(options, { reportInput: true, error: otherIssue });
	if (result.success) return result.data;
	const issues = result.error.issues;
	const issue = issues.find((i) => i.code === "unrecognized_keys") ?? issues[0];
	throw new GenrepError(prefix + issueMessage(issue, what));
}

/** The default of an option's schema (through .optional() and the like), or undefined. */
export function defaultOf(schema: z.ZodType): unknown {
	for (let s: z.core.$ZodType | undefined = schema; s; s = innerOf(s)) {
		const def = s._zod.def as { type: string; defaultValue?: unknown };
		if (def.type === "default" || def.type === "prefault") return def.defaultValue;
	}
	return undefined;
}

/**
 * The metadata of the block an option's schema is made of (through .optional(), .default() and
 * the like; of a union, its first member's).
 */
export function metaOf(schema: z.ZodType): OptionMeta | undefined {
	for (let s: z.core.$ZodType | undefined = schema; s; s = innerOf(s)) {
		const meta = OPTION_META.get(s as z.ZodType);
		if (meta) return meta;
	}
	return undefined;
}

function innerOf(s: z.core.$ZodType): z.core.$ZodType | undefined {
	const def = s._zod.def as { innerType?: z.core.$ZodType; options?: z.core.$ZodType[] };
	return def.innerType ?? def.options?.[0];
}
