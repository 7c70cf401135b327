import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenrepError } from "../../src/errors.js";
import { encodeIdx, type IdxArray, parseIdx, readIdx, readIdxHeader } from "../../src/formats/idx.js";

let dir: string;
beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "genrep-idx-"));
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

/** Three 4x5 images with distinct pixels. */
const images: IdxArray<"ubyte"> = {
	type: "ubyte",
	dims: [3, 4, 5],
	data: Uint8Array.from({ length: 60 }, (_, i) => (i * 7) % 256),
};

async function write(name: string, bytes: Uint8Array): Promise<string> {
	const file = join(dir, name);
	await writeFile(file, bytes);
	return file;
}

/** The GenrepError a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<GenrepError> {
	const err = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(err).toBeInstanceOf(GenrepError);
	return err as GenrepError;
}

describe("IDX reader", () => {
	it("round-trips raw and gzip files", async () => {
		for (const gzip of [false, true]) {
			const file = await write(`images-${gzip}.idx`, encodeIdx(images, { gzip }));
			const read = await readIdx(file, { type: "ubyte", ndims: 3 });
			expect(read.type).toBe("ubyte");
			expect(read.dims).toEqual([3, 4, 5]);
			expect(Array.from(read.data)).toEqual(Array.from(images.data));
			expect(await readIdxHeader(file)).toEqual({
				type: "ubyte",
				dims: [3, 4, 5],
			});
		}
	});

	it("writes the standard header (magic 0x00000801 for labels)", () => {
		const bytes = encodeIdx({
			type: "ubyte",
			dims: [2],
			data: Uint8Array.of(7, 9),
		});
		expect(Array.from(bytes)).toEqual([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]);
	});

	it("reads the other IDX types, big-endian", () => {
		const cases: IdxArray[] = [
			{ type: "byte", dims: [3], data: Int8Array.of(-128, 0, 127) },
			{ type: "short", dims: [2], data: Int16Array.of(-300, 1234) },
			{ type: "int", dims: [1, 2], data: Int32Array.of(-70000, 2 ** 30) },
			{ type: "float", dims: [2], data: Float32Array.of(1.5, -0.25) },
			{ type: "double", dims: [2], data: Float64Array.of(Math.PI, -1e300) },
		];
		for (const array of cases) {
			const read = parseIdx(encodeIdx(array), "x.idx");
			expect(read.type).toBe(array.type);
			expect(read.dims).toEqual(array.dims);
			expect(Array.from(read.data)).toEqual(Array.from(array.data));
		}
		expect(Array.from(encodeIdx(cases[1]).subarray(8))).toEqual([0xfe, 0xd4, 0x04, 0xd2]);
	});

	it("rejects a wrong magic number, naming the file", async () => {
		const file = await write("not-idx.bin", Buffer.from("PNG and more bytes here"));
		const err = await rejection(readIdx(file));
		expect(err.message).toBe(
			`${file}: wrong IDX magic number 0x504e4720 (expected 0x00000803 or 0x00000801); is this an IDX file?`,
		);
		const header = await rejection(readIdxHeader(file, { ndims: 3 }));
		expect(header.message).toContain("expected 0x00000803");
	});

	it("rejects a truncated file", async () => {
		const bytes = encodeIdx(images);
		const file = await write("short.idx", bytes.subarray(0, bytes.length - 10));
		const err = await rejection(readIdx(file));
		expect(err.message).toBe(`${file}: truncated: expected 60 bytes of data, found 50`);
		const gz = await write("short.idx.gz", gzipSync(bytes.subarray(0, bytes.length - 10)));
		expect((await rejection(readIdx(gz))).message).toContain(`${gz}: truncated: expected 60 bytes`);
		const header = await write("header.idx", bytes.subarray(0, 9));
		expect((await rejection(readIdx(header))).message).toContain("shorter than the 16-byte IDX header");
	});

	it("rejects trailing bytes", async () => {
		const file = await write("long.idx", Buffer.concat([encodeIdx(images), Buffer.alloc(3)]));
		expect((await rejection(readIdx(file))).message).toBe(
			`${file}: expected 60 bytes of data, found 63 (3 extra bytes)`,
		);
	});

	it("rejects corrupt and cut-off gzip data", async () => {
		const gz = gzipSync(encodeIdx(images));
		const corrupt = Buffer.from(gz);
		corrupt.fill(0x55, 12, 30);
		const file = await write("corrupt.idx.gz", corrupt);
		expect((await rejection(readIdx(file))).message).toMatch(new RegExp(`^${file}: not valid gzip data: `));
		const cut = await write("cut.idx.gz", gz.subarray(0, gz.length - 8));
		expect((await rejection(readIdx(cut))).message).toBe(`${cut}: not valid gzip data: unexpected end of file`);
	});

	it("rejects an unexpected type or number of dimensions", async () => {
		const file = await write("labels-int.idx", encodeIdx({ type: "int", dims: [2], data: Int32Array.of(1, 2) }));
		expect((await rejection(readIdx(file, { type: "ubyte" }))).message).toBe(
			`${file}: holds IDX type int (0x0c), expected ubyte (0x08)`,
		);
		const labels = await write("labels.idx", encodeIdx({ type: "ubyte", dims: [2], data: Uint8Array.of(1, 2) }));
		expect((await rejection(readIdx(labels, { ndims: 3 }))).message).toBe(
			`${labels}: has 1 dimensions (magic number 0x00000801), expected 3`,
		);
	});

	it("reports a missing file in one line", async () => {
		const file = join(dir, "nothing-here.idx");
		expect((await rejection(readIdx(file))).message).toBe(`${file}: not found`);
		expect((await rejection(readIdxHeader(file))).message).toBe(`${file}: not found`);
	});
});
