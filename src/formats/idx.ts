/**
 * The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
 * a big-endian header `0x00 0x00 <type> <ndims>`, then ndims uint32 sizes, then the data
 * in row-major order. Files may be gzip-compressed; we detect that by the gzip magic 1f 8b.
 * Every problem with a file is a GenrepError `<file>: <what is wrong>`.
 */

import { constants as bufferConstants } from "node:buffer";
import { createReadStream } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { createGunzip, gunzipSync, gzipSync, constants as zlibConstants } from "node:zlib";
import { fileError } from "../errors.js";

/** The IDX data types: their type byte and bytes per value. */
export const IDX_TYPES = {
	ubyte: { code: 0x08, bytes: 1 },
	byte: { code: 0x09, bytes: 1 },
	short: { code: 0x0b, bytes: 2 },
	int: { code: 0x0c, bytes: 4 },
	float: { code: 0x0d, bytes: 4 },
	double: { code: 0x0e, bytes: 8 },
} as const;

export type IdxTypeName = keyof typeof IDX_TYPES;

/** The typed array each IDX type reads into. */
export interface IdxDataByType {
	ubyte: Uint8Array;
	byte: Int8Array;
	short: Int16Array;
	int: Int32Array;
	float: Float32Array;
	double: Float64Array;
}

/** The header of an IDX file: data type and sizes (e.g. [60000, 28, 28] for images). */
export interface IdxHeader {
	type: IdxTypeName;
	dims: number[];
}

/** A whole IDX file: its header plus the data, row-major. */
export interface IdxArray<T extends IdxTypeName = IdxTypeName> {
	type: T;
	dims: number[];
	data: IdxDataByType[T];
}

/** What a caller expects of a file; a mismatch is a clear error naming the file. */
export interface IdxExpectation<T extends IdxTypeName = IdxTypeName> {
	type?: T;
	/** Number of dimensions: 3 for images [N, rows, columns], 1 for labels [N]. */
	ndims?: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** The type with this type byte, or undefined. */
function typeOfCode(code: number): IdxTypeName | undefined {
	return (Object.keys(IDX_TYPES) as IdxTypeName[]).find((name) => IDX_TYPES[name].code === code);
}

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
	return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/** Reads and validates an IDX file (gzip or raw). */
export async function readIdx<T extends IdxTypeName = IdxTypeName>(
	file: string,
	expect: IdxExpectation<T> = {},
): Promise<IdxArray<T>> {
	return parseIdx(await readBytes(file), file, expect);
}

/**
 * Parses IDX bytes (gzip or raw). `file` names the source in error messages. The data
 * length must match the header exactly: a short file is "truncated", a long one an error too.
 */
export function parseIdx<T extends IdxTypeName = IdxTypeName>(
	bytes: Uint8Array,
	file: string,
	expect: IdxExpectation<T> = {},
): IdxArray<T> {
	const raw = isGzip(bytes) ? gunzipBounded(bytes, file, expect) : bytes;
	const header = parseHeader(raw, file, expect);
	const size = IDX_TYPES[header.type].bytes;
	const offset = 4 + 4 * header.dims.length;
	const expected = header.dims.reduce((a, b) => a * b, 1) * size;
	const found = raw.length - offset;
	if (found < expected) throw fileError(file, `truncated: expected ${expected} bytes of data, found ${found}`);
	if (found > expected) {
		throw fileError(file, `expected ${expected} bytes of data, found ${found} (${found - expected} extra bytes)`);
	}
	return {
		type: header.type as T,
		dims: header.dims,
		data: decode(raw, offset, expected, header.type) as IdxDataByType[T],
	};
}

/**
 * Reads only the header of an IDX file, decompressing just its first bytes; cheap even for
 * the 47 MB Fashion-MNIST training images. Does not check the data length.
 */
export async function readIdxHeader(file: string, expect: IdxExpectation = {}): Promise<IdxHeader> {
	const maxHeader = 4 + 4 * 255;
	const head = await readHead(file, maxHeader);
	const raw = isGzip(head) ? await gunzipHead(file, maxHeader) : head;
	return parseHeader(raw, file, expect);
}

/** Encodes an array as IDX bytes; gzip-compressed with `gzip: true`. */
export function encodeIdx(array: IdxArray, options: { gzip?: boolean } = {}): Buffer {
	const size = IDX_TYPES[array.type].bytes;
	const count = array.dims.reduce((a, b) => a * b, 1);
	if (array.data.length !== count) {
		throw new RangeError(`IDX data has ${array.data.length} values, dims [${array.dims}] need ${count}`);
	}
	const offset = 4 + 4 * array.dims.length;
	const out = Buffer.alloc(offset + count * size);
	out[2] = IDX_TYPES[array.type].code;
	out[3] = array.dims.length;
	for (const [i, d] of array.dims.entries()) out.writeUInt32BE(d, 4 + 4 * i);
	const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
	for (let i = 0; i < count; i++) writeValue(view, offset + i * size, array.type, array.data[i]);
	return options.gzip ? gzipSync(out) : out;
}

function parseHeader(raw: Uint8Array, file: string, expect: IdxExpectation): IdxHeader {
	if (raw.length < 4) throw fileError(file, `truncated: ${raw.length} bytes, shorter than the 4-byte IDX magic number`);
	const magic = (((raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]) >>> 0).toString(16).padStart(8, "0");
	const type = typeOfCode(raw[2]);
	if (raw[0] !== 0 || raw[1] !== 0 || type === undefined || raw[3] === 0) {
		const code = hex2(IDX_TYPES[expect.type ?? "ubyte"].code);
		const wanted = expect.ndims !== undefined ? `0x0000${code}${hex2(expect.ndims)}` : "0x00000803 or 0x00000801";
		throw fileError(file, `wrong IDX magic number 0x${magic} (expected ${wanted}); is this an IDX file?`);
	}
	const ndims = raw[3];
	if (expect.type !== undefined && type !== expect.type) {
		throw fileError(
			file,
			`holds IDX type ${type} (0x${hex2(raw[2])}), expected ${expect.type} (0x${hex2(IDX_TYPES[expect.type].code)})`,
		);
	}
	if (expect.ndims !== undefined && ndims !== expect.ndims) {
		throw fileError(file, `has ${ndims} dimensions (magic number 0x${magic}), expected ${expect.ndims}`);
	}
	const headerBytes = 4 + 4 * ndims;
	if (raw.length < headerBytes) {
		throw fileError(file, `truncated: ${raw.length} bytes, shorter than the ${headerBytes}-byte IDX header`);
	}
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
	return { type, dims };
}

function decode(raw: Uint8Array, offset: number, byteLength: number, type: IdxTypeName): IdxArray["data"] {
	const slice = raw.subarray(offset, offset + byteLength);
	if (type === "ubyte") return new Uint8Array(slice); // a copy that does not pin the file buffer
	if (type === "byte") return new Int8Array(slice.buffer.slice(slice.byteOffset, slice.byteOffset + byteLength));
	const view = new DataView(slice.buffer, slice.byteOffset, byteLength);
	const ctor = {
		short: Int16Array,
		int: Int32Array,
		float: Float32Array,
		double: Float64Array,
	}[type];
	const out = new ctor(byteLength / ctor.BYTES_PER_ELEMENT);
	const read = {
		short: (i: number) => view.getInt16(i * 2, false),
		int: (i: number) => view.getInt32(i * 4, false),
		float: (i: number) => view.getFloat32(i * 4, false),
		double: (i: number) => view.getFloat64(i * 8, false),
	}[type];
	for (let i = 0; i < out.length; i++) out[i] = read(i);
	return out;
}

function writeValue(view: DataView, at: number, type: IdxTypeName, value: number): void {
	if (type === "ubyte") view.setUint8(at, value);
	else if (type === "byte") view.setInt8(at, value);
	else if (type === "short") view.setInt16(at, value, false);
	else if (type === "int") view.setInt32(at, value, false);
	else if (type === "float") view.setFloat32(at, value, false);
	else view.setFloat64(at, value, false);
}

const hex2 = (n: number) => n.toString(16).padStart(2, "0");

async function readBytes(file: string): Promise<Buffer> {
	try {
		return await readFile(file);
	} catch (err) {
		throw fileError(file, describeIoError(err));
	}
}

/** Deflate expands data at most about 1032-fold: a header claiming more than this is corrupt. */
const MAX_GZIP_RATIO = 1100;

/**
 * Decompresses a gzip IDX file without trusting it: first only its head, to read the header;
 * then the whole file with an output limit of exactly what the header claims, so neither a
 * header claiming terabytes nor a gzip bomb makes genrep allocate more than the file can hold.
 */
function gunzipBounded(bytes: Uint8Array, file: string, expect: IdxExpectation): Buffer {
	let head: Buffer;
	try {
		head = gunzipSync(bytes.subarray(0, 4096), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
	} catch (err) {
		throw fileError(file, `not valid gzip data: ${(err as Error).message}`);
	}
	const header = parseHeader(head, file, expect);
	const total = 4 + 4 * header.dims.length + header.dims.reduce((a, b) => a * b, 1) * IDX_TYPES[header.type].bytes;
	if (total > bytes.length * MAX_GZIP_RATIO + 1024 || total > bufferConstants.MAX_LENGTH) {
		throw fileError(
			file,
			`truncated or corrupt: the header claims ${total} bytes (dims [${header.dims}]), more than this ${bytes.length}-byte gzip file can hold`,
		);
	}
	try {
		return gunzipSync(bytes, { maxOutputLength: total + 1 });
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
			throw fileError(file, `expected ${total - (4 + 4 * header.dims.length)} bytes of data, the file holds more`);
		}
		throw fileError(file, `not valid gzip data: ${(err as Error).message}`);
	}
}

/** The first `max` bytes of a file (fewer if it is shorter). */
async function readHead(file: string, max: number): Promise<Buffer> {
	let handle: Awaited<ReturnType<typeof open>> | undefined;
	try {
		handle = await open(file, "r");
		const buffer = Buffer.alloc(max);
		const { bytesRead } = await handle.read(buffer, 0, max, 0);
		return buffer.subarray(0, bytesRead);
	} catch (err) {
		throw fileError(file, describeIoError(err));
	} finally {
		await handle?.close();
	}
}

/** Decompresses only the first `max` bytes of a gzip file, then stops reading. */
function gunzipHead(file: string, max: number): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let length = 0;
		const input = createReadStream(file);
		const gunzipper = createGunzip();
		const finish = () => {
			input.destroy();
			gunzipper.destroy();
			resolve(Buffer.concat(chunks).subarray(0, max));
		};
		input.on("error", (err) => reject(fileError(file, describeIoError(err))));
		gunzipper.on("error", (err) => {
			// A truncated gzip stream still yields its first bytes; report only if we got none.
			if (length > 0) finish();
			else reject(fileError(file, `not valid gzip data: ${err.message}`));
		});
		gunzipper.on("data", (chunk: Buffer) => {
			chunks.push(chunk);
			length += chunk.length;
			if (length >= max) finish();
		});
		gunzipper.on("end", finish);
		input.pipe(gunzipper);
	});
}

/** A one-line description of a file system error, without the errno noise. */
export function describeIoError(err: unknown): string {
	const code = (err as NodeJS.ErrnoException).code;
	if (code === "ENOENT") return "not found";
	if (code === "EACCES" || code === "EPERM") return "permission denied";
	if (code === "EISDIR") return "is a directory, expected a file";
	return (err as Error).message;
}
