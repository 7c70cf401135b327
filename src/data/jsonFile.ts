/**
 * JSON files with a zod schema (manifests, cards): parse, validate, and say what is wrong in
 * one line that names the file and the first offending field.
 */
import type { z } from "zod";
import { fileError } from "../errors.js";

/** Parses `text` (read from `path`) and checks it against `schema`; `what` names the format in errors. */
export function parseJsonFile<T extends z.ZodType>(text: string, path: string, schema: T, what: string): z.infer<T> {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (err) {
		throw fileError(path, `not valid JSON (${(err as Error).message})`);
	}
	const parsed = schema.safeParse(json);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw fileError(path, `not a ${what}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
	}
	return parsed.data;
}
