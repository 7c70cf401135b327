/**
 * JSON files with a zod schema (manifests, cards): parse, validate, and say what is wrong in
 * one line that names the file and the first offending field. Text must be valid UTF-8 (a
 * flipped high bit is an error, not a silent U+FFFD).
 */
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { fileError } from "../errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Decodes bytes as strict UTF-8; invalid bytes are an error naming `path`. */
export function decodeUtf8(bytes: Uint8Array, path: string, what = "text"): string {
	try {
		return utf8.decode(bytes);
	} catch {
		throw fileError(path, `${what} is not valid UTF-8; the file is corrupt`);
	}
}

/** Reads a file as strict UTF-8 text; a missing or unreadable file is an error naming it. */
export async function readTextFile(path: string, missing = "no such file"): Promise<string> {
	let bytes: Buffer;
	try {
		bytes = await readFile(path);
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		throw fileError(path, code === "ENOENT" ? missing : `cannot read (${code ?? (err as Error).message})`);
	}
	return decodeUtf8(bytes, path);
}

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
