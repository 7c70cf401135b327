import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GenrepError } from "../../src/errors.js";
import {
	decodeSafetensors,
	encodeSafetensors,
	readSafetensors,
	writeSafetensors,
} from "../../src/formats/safetensors.js";

const dir = await mkdtemp(join(tmpdir(), "genrep-safetensors-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

const sample = () => ({
	weights: { shape: [2, 3], data: Float32Array.from([1.5, -2, 0, 3.25, 1e-8, -7]) },
	labels: { shape: [3], data: Int32Array.from([0, 9, -1]) },
	images: { shape: [1, 2, 2, 1], data: Uint8Array.from([0, 127, 128, 255]) },
	empty: { shape: [0, 4], data: new Float32Array(0) },
});

/** A file made by hand, byte by byte, as the format's documentation describes it. */
function handMade(header: object, data: Uint8Array): Buffer {
	const json = Buffer.from(JSON.stringify(header));
	const length = Buffer.alloc(8);
	length.writeBigUInt64LE(BigInt(json.length));
	return Buffer.concat([length, json, data]);
}

describe("safetensors", () => {
	it("round trips F32, I32 and U8 tensors and metadata through a file", async () => {
		const path = join(dir, "round.safetensors");
		await writeSafetensors(path, sample(), { step: "12", note: "hello" });
		const { tensors, metadata } = await readSafetensors(path);
		expect(metadata).toEqual({ step: "12", note: "hello" });
		expect([...tensors.keys()]).toEqual(["weights", "labels", "images", "empty"]);
		for (const [name, t] of Object.entries(sample())) {
			const got = tensors.get(name);
			expect(got?.shape).toEqual(t.shape);
			expect(got?.data.constructor).toBe(t.data.constructor);
			expect(Array.from(got?.data ?? [])).toEqual(Array.from(t.data));
		}
		expect(tensors.get("labels")?.dtype).toBe("I32");
		// Written atomically: no temporary file left behind.
		expect((await readdir(dir)).filter((f) => f.includes(".tmp-"))).toEqual([]);
	});

	it("writes the documented layout: u64 header length, space-padded JSON header, raw bytes", () => {
		const bytes = encodeSafetensors({ x: { shape: [2], data: Float32Array.from([1, 2]) } }, { a: "b" });
		const n = Number(bytes.readBigUInt64LE(0));
		expect(n % 8).toBe(0);
		const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"));
		expect(header).toEqual({ __metadata__: { a: "b" }, x: { dtype: "F32", shape: [2], data_offsets: [0, 8] } });
		expect(bytes.length).toBe(8 + n + 8);
		expect(bytes.readFloatLE(8 + n + 4)).toBe(2);
	});

	it("reads a hand-made file with unaligned offsets", () => {
		const data = new Uint8Array(9);
		data[0] = 7;
		new DataView(data.buffer).setFloat32(1, 0.5, true);
		new DataView(data.buffer).setFloat32(5, -3, true);
		const file = handMade(
			{
				u: { dtype: "U8", shape: [1], data_offsets: [0, 1] },
				f: { dtype: "F32", shape: [2], data_offsets: [1, 9] },
			},
			data,
		);
		const { tensors } = decodeSafetensors(file);
		expect(Array.from(tensors.get("f")?.data ?? [])).toEqual([0.5, -3]);
		expect(Array.from(tensors.get("u")?.data ?? [])).toEqual([7]);
	});

	it("rejects truncated and corrupt files with errors that name the file", async () => {
		const good = encodeSafetensors(sample());
		const cases: [string, Uint8Array, RegExp][] = [
			["short", good.subarray(0, 5), /truncated safetensors file/],
			["cut-header", good.subarray(0, 40), /truncated or not a safetensors file: header length/],
			["cut-data", good.subarray(0, good.length - 3), /out of range .*truncated file/],
			["not-json", handMade({}, new Uint8Array()).fill(0x7b, 8), /bad safetensors header: not valid JSON/],
			["dtype", handMade({ x: { dtype: "F16", shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)), /dtype "F16"/],
			[
				"size",
				handMade({ x: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)),
				/has 4 bytes, but shape \[2\] of F32 needs 8/,
			],
			[
				"offsets",
				handMade({ x: { dtype: "U8", shape: [4], data_offsets: [2, 6] } }, new Uint8Array(4)),
				/tensor 'x': data_offsets \[2, 6\] out of range/,
			],
			["array", handMade([1, 2], new Uint8Array()), /not a JSON object/],
		];
		for (const [name, bytes, message] of cases) {
			const path = join(dir, `${name}.safetensors`);
			await writeFile(path, bytes);
			const err = await readSafetensors(path).catch((e) => e);
			expect(err, name).toBeInstanceOf(GenrepError);
			expect(err.message, name).toContain(path);
			expect(err.message, name).toMatch(message);
		}
		const missing = await readSafetensors(join(dir, "nope.safetensors")).catch((e) => e);
		expect(missing.message).toMatch(/nope\.safetensors: no such file/);
		expect(await readFile(join(dir, "short.safetensors"))).toHaveLength(5);
	});

	it("refuses a shape that does not match the values when writing", () => {
		expect(() => encodeSafetensors({ x: { shape: [3], data: new Float32Array(2) } })).toThrow(/shape \[3\]/);
	});
});
