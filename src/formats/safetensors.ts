/**
 * safetensors (https://github.com/huggingface/safetensors), the subset genrep uses:
 * 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [start, end]}, "__metadata__": {string: string}}`
 * (padded with spaces to a multiple of 8 bytes), then the raw little-endian tensor bytes.
 * Offsets count from the end of the header. Files are readable from Python with
 * `safetensors.numpy.load_file` / `safetensors.torch.load_file`.
 */
import { readFile } from "node:fs/promises";
import { fileError, GenrepError } from "../errors.js";
import { writeFileAtomic } from "./atomicWrite.js";
import { decodeUtf8 } from "./jsonFile.js";

export const SAFETENSORS_DTYPES = ["F32", "I32", "U8"] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];
export type TensorData = Float32Array | Int32Array | Uint8Array;

/** One tensor: its values, row-major, and its shape. */
export interface StoredTensor {
	dtype: SafetensorsDtype;
	shape: number[];
	data: TensorData;
}

/** What a file holds: tensors by name (in file order) and string metadata. */
export interface SafetensorsContents {
	tensors: Map<string, StoredTensor>;
	metadata: Record<string, string>;
}

/** A tensor to write; the dtype follows from the array type. */
export interface TensorToWrite {
	shape: number[];
	data: TensorData;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, I32: 4, U8: 1 };
/** Refuse headers beyond this size (the reference implementation's limit is 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

export function dtypeOf(data: TensorData): SafetensorsDtype {
	if (data instanceof Float32Array) return "F32";
	if (data instanceof Int32Array) return "I32";
	return "U8";
}

/** Encodes tensors (in the given order) and metadata as safetensors bytes. */
export function encodeSafetensors(
	tensors: Map<string, TensorToWrite> | Record<string, TensorToWrite>,
	metadata: Record<string, string> = {},
): Buffer {
	const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
	const header: Record<string, unknown> = {};
	if (Object.keys(metadata).length > 0) {
		for (const [key, value] of Object.entries(metadata)) {
			if (typeof value !== "string") throw new TypeError(`metadata '${key}' must be a string, got ${typeof value}`);
		}
		header.__metadata__ = metadata;
	}
	let offset = 0;
	for (const [name, t] of entries) {
		if (name === "__metadata__") throw new RangeError("a tensor cannot be named __metadata__");
		const count = t.shape.reduce((a, b) => a * b, 1);
		if (!t.shape.every((d) => Number.isInteger(d) && d >= 0) || count !== t.data.length) {
			throw new RangeError(`tensor '${name}': shape [${t.shape}] does not match its ${t.data.length} values`);
		}
		const dtype = dtypeOf(t.data);
		header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
		offset += t.data.byteLength;
	}
	let json = Buffer.from(JSON.stringify(header), "utf8");
	const padded = Math.ceil(json.length / 8) * 8;
	if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
	const out = Buffer.alloc(8 + json.length + offset);
	out.writeBigUInt64LE(BigInt(json.length), 0);
	json.copy(out, 8);
	let at = 8 + json.length;
	for (const [, t] of entries) {
		const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
		out.set(bytes, at); // the host is little-endian (x86, arm64)
		at += t.data.byteLength;
	}
	return out;
}

/** Decodes and validates safetensors bytes; `file` names the source in error messages. */
export function decodeSafetensors(bytes: Uint8Array, file = "<buffer>"): SafetensorsContents {
	const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (buf.length < 8) throw fileError(file, `truncated safetensors file (${buf.length} bytes, no header length)`);
	const headerLength = buf.readBigUInt64LE(0);
	if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, buf.length - 8))) {
		throw fileError(
			file,
			`truncated or not a safetensors file: header length ${headerLength} exceeds the ${buf.length - 8} bytes after it`,
		);
	}
	const dataStart = 8 + Number(headerLength);
	let header: unknown;
	try {
		header = JSON.parse(decodeUtf8(buf.subarray(8, dataStart), file, "safetensors header"));
	} catch (err) {
		if (err instanceof GenrepError) throw err;
		throw fileError(file, `bad safetensors header: not valid JSON (${(err as Error).message})`);
	}
	if (typeof header !== "object" || header === null || Array.isArray(header)) {
		throw fileError(file, "bad safetensors header: not a JSON object");
	}
	const dataLength = buf.length - dataStart;
	const metadata: Record<string, string> = {};
	const tensors = new Map<string, StoredTensor>();
	for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
		if (name === "__metadata__") {
			if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
				throw fileError(file, "bad safetensors header: __metadata__ is not an object");
			}
			for (const [key, value] of Object.entries(entry)) {
				if (typeof value !== "string")
					throw fileError(file, `bad safetensors header: metadata '${key}' is not a string`);
				metadata[key] = value;
			}
			continue;
		}
		tensors.set(name, decodeTensor(buf, file, name, entry, dataStart, dataLength));
	}
	checkTiling(file, header as Record<string, { data_offsets: [number, number] }>, dataLength);
	return { tensors, metadata };
}

/**
 * The tensors must cover the data bytes exactly, in order, without gaps or overlaps (as the
 * reference implementation requires): bytes no tensor owns, or two tensors sharing bytes, mean
 * a corrupt or hand-edited header.
 */
function checkTiling(
	file: string,
	header: Record<string, { data_offsets: [number, number] }>,
	dataLength: number,
): void {
	const spans = Object.entries(header)
		.filter(([name]) => name !== "__metadata__")
		.map(([name, entry]) => ({ name, start: entry.data_offsets[0], end: entry.data_offsets[1] }))
		.sort((a, b) => a.start - b.start || a.end - b.end);
	let at = 0;
	for (const span of spans) {
		if (span.start !== at) {
			const what = span.start < at ? "overlaps the tensor before it" : `leaves bytes ${at}..${span.start} unused`;
			throw fileError(
				file,
				`bad safetensors header: tensor '${span.name}' (data_offsets [${span.start}, ${span.end}]) ${what}`,
			);
		}
		at = span.end;
	}
	if (at !== dataLength) {
		throw fileError(
			file,
			`bad safetensors file: ${dataLength - at} bytes after the last tensor (the header does not describe them)`,
		);
	}
}

function decodeTensor(
	buf: Buffer,
	file: string,
	name: string,
	entry: unknown,
	dataStart: number,
	dataLength: number,
): StoredTensor {
	const bad = (what: string) => fileError(file, `bad safetensors header: tensor '${name}' ${what}`);
	if (typeof entry !== "object" || entry === null) throw bad("is not an object");
	const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
	if (!(SAFETENSORS_DTYPES as readonly unknown[]).includes(dtype)) {
		throw bad(`has dtype ${JSON.stringify(dtype)}; genrep reads ${SAFETENSORS_DTYPES.join(", ")}`);
	}
	if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
		throw bad(`has an invalid shape ${JSON.stringify(shape)}`);
	}
	if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
		throw bad(`has invalid data_offsets ${JSON.stringify(offsets)}`);
	}
	const [start, end] = offsets as [number, number];
	if (start > end || end > dataLength) {
		throw fileError(
			file,
			`tensor '${name}': data_offsets [${start}, ${end}] out of range (${dataLength} data bytes; truncated file?)`,
		);
	}
	const type = dtype as SafetensorsDtype;
	const count = (shape as number[]).reduce((a, b) => a * b, 1);
	if (end - start !== count * BYTES[type]) {
		throw bad(`has ${end - start} bytes, but shape [${shape}] of ${type} needs ${count * BYTES[type]}`);
	}
	// Copy into a fresh, aligned buffer (offsets need not be multiples of 4).
	const bytes = new Uint8Array(buf.subarray(dataStart + start, dataStart + end));
	const data =
		type === "F32"
			? new Float32Array(bytes.buffer, 0, count)
			: type === "I32"
				? new Int32Array(bytes.buffer, 0, count)
				: bytes;
	return { dtype: type, shape: (shape as number[]).slice(), data };
}

/** Reads and validates a safetensors file. Errors name the file. */
export async function readSafetensors(path: string): Promise<SafetensorsContents> {
	let bytes: Buffer;
	try {
		bytes = await readFile(path);
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		throw fileError(path, code === "ENOENT" ? "no such file" : `cannot read (${code ?? (err as Error).message})`);
	}
	return decodeSafetensors(bytes, path);
}

/**
 * Writes a safetensors file atomically: to a temporary name beside it first (see atomicWrite.ts),
 * then renamed, so a reader (or a resumed run after a kill) never sees half a file. Creates the parent folder.
 */
export async function writeSafetensors(
	path: string,
	tensors: Map<string, TensorToWrite> | Record<string, TensorToWrite>,
	metadata: Record<string, string> = {},
): Promise<void> {
	const bytes = encodeSafetensors(tensors, metadata);
	await writeFileAtomic(path, bytes);
}
