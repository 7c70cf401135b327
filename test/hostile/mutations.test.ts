/**
 * Seeded mutation test of every file genrep reads: safetensors shards, checkpoints, generator
 * weights and walks; IDX files (raw and gzip); the views manifest; model, encoder and walk
 * cards; ONNX graphs; image folders. Each case writes one mutated file into a copy of a valid
 * folder and loads it the way genrep does. Mutations that make the file invalid (truncations,
 * header lengths, shapes claiming 2^40 elements, offsets past the end, wrong dtypes, NaN/Inf
 * payloads, broken UTF-8, fields out of range) must end in a GenrepError whose message names
 * the mutated file; random bit flips may also land on a value that is still valid (a pixel, a
 * weight), so they must end in such a GenrepError or a clean load. Every case must finish within
 * a time bound and without allocating what a header claims (ArrayBuffer memory stays bounded).
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as tf from "@tensorflow/tfjs-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadImageFolder } from "../../src/data/imageFolder.js";
import { initEngine } from "../../src/engine/backend.js";
import { ParamStore } from "../../src/engine/nn/params.js";
import { Rng } from "../../src/engine/rng.js";
import { GenrepError } from "../../src/errors.js";
import { encodeIdx, readIdx } from "../../src/formats/idx.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/generators/checkpoint.js";
import { loadGenerator } from "../../src/generators/load.js";
import { loadEncoder, saveEncoder } from "../../src/learners/encoderFile.js";
import { createEncoder } from "../../src/learners/encoders/registry.js";
import { generateMultiviewDataset, openMultiviewDataset, sha256Hex } from "../../src/store/multiview.js";
import { SteeringWalks } from "../../src/views/steer/walks.js";
import { makeTinyGenerator } from "../views/tinyGenerator.js";
import { unit, writeWalksFolder } from "../views/walksFixture.js";

/** A mutation of one file's bytes. mustFail: the result is not a valid file of its kind. */
interface Mutation {
	label: string;
	bytes: Uint8Array;
	mustFail: boolean;
}

/** A kind of file: a valid folder, the file in it to mutate, and how genrep loads the folder. */
interface FileKind {
	name: string;
	/** The valid folder (copied for each case). */
	dir: string;
	/** The file to mutate, relative to dir. */
	file: string;
	load: (dir: string) => Promise<void>;
	mutations: (bytes: Uint8Array, rng: Rng) => Mutation[];
	/** After writing the mutated file, e.g. record its new sha256 in the manifest so that the decoder must catch it. */
	after?: (dir: string, mutated: Uint8Array) => Promise<void>;
}

const SEED = 20261201;
const CASE_TIME_LIMIT_MS = 5000;
/** No case may grow ArrayBuffer memory by more than this (headers claim terabytes). */
const MEMORY_LIMIT_BYTES = 256 * 1024 * 1024;

const root = await mkdtemp(join(tmpdir(), "genrep-hostile-"));
afterAll(() => rm(root, { recursive: true, force: true }));

const int = (rng: Rng, n: number) => Math.min(n - 1, Math.floor(rng.uniform() * n));
const bytesOf = (text: string) => new TextEncoder().encode(text);
const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

// --- generic mutations -------------------------------------------------------------------------

/** Cuts to [keepAtLeast, end) bytes, `end` short of the trailer a format may do without (PNG's IEND chunk). */
function truncations(bytes: Uint8Array, rng: Rng, n: number, keepAtLeast = 0, optionalTrailer = 0): Mutation[] {
	// A JSON text cut before its closing brace is never valid; trailing whitespace may go.
	let end = bytes.length - optionalTrailer;
	while (end > 0 && /\s/.test(String.fromCharCode(bytes[end - 1]))) end--;
	const cuts = [0, 1, end - 1, ...Array.from({ length: n - 3 }, () => keepAtLeast + int(rng, end - keepAtLeast))];
	return cuts.map((at) => ({ label: `truncated to ${at} bytes`, bytes: bytes.slice(0, at), mustFail: true }));
}

function bitFlips(bytes: Uint8Array, rng: Rng, n: number, from = 0, to = bytes.length, mustFail = false): Mutation[] {
	return Array.from({ length: n }, () => {
		const at = from + int(rng, to - from);
		const bit = int(rng, 8);
		const out = bytes.slice();
		out[at] ^= 1 << bit;
		return { label: `bit ${bit} of byte ${at} flipped`, bytes: out, mustFail };
	});
}

/** The high bit of an ASCII byte flipped: never valid UTF-8. */
function highBitFlips(bytes: Uint8Array, rng: Rng, n: number, from = 0, to = bytes.length): Mutation[] {
	return Array.from({ length: n }, () => {
		const out = bytes.slice();
		const at = from + int(rng, to - from);
		out[at] ^= 0x80;
		return { label: `high bit of byte ${at} flipped (bad UTF-8)`, bytes: out, mustFail: true };
	});
}

type Json = Record<string, unknown>;

/** JSON edits: each sets one path (a.b.0.c) to a value; all must be rejected. */
function jsonEdits(bytes: Uint8Array, edits: [string, unknown][]): Mutation[] {
	return edits.map(([path, value]) => {
		const json = JSON.parse(textOf(bytes)) as Json;
		const keys = path.split(".");
		let at: Record<string, unknown> = json;
		for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
		if (value === undefined) delete at[keys.at(-1) as string];
		else at[keys.at(-1) as string] = value;
		return {
			label: `${path} = ${JSON.stringify(value)?.slice(0, 40)}`,
			bytes: bytesOf(JSON.stringify(json)),
			mustFail: true,
		};
	});
}

function jsonMutations(bytes: Uint8Array, rng: Rng, edits: [string, unknown][]): Mutation[] {
	const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
	return [
		...truncations(bytes, rng, 6),
		...highBitFlips(bytes, rng, 6),
		...bitFlips(bytes, rng, 8),
		...jsonEdits(bytes, edits),
		{ label: "not JSON", bytes: bytesOf("genrep"), mustFail: true },
		{ label: "a JSON array", bytes: bytesOf("[]"), mustFail: true },
		{ label: "JSON null", bytes: bytesOf("null"), mustFail: true },
		{ label: "100000 nested arrays", bytes: bytesOf(deep), mustFail: true },
		{ label: "UTF-16 byte order mark", bytes: new Uint8Array([0xff, 0xfe, ...bytes.slice(0, 64)]), mustFail: true },
	];
}

/** safetensors: [u64 header length][JSON header][data]. */
function splitSafetensors(bytes: Uint8Array): { header: Json; data: Uint8Array; headerLength: number } {
	const headerLength = Number(Buffer.from(bytes).readBigUInt64LE(0));
	const header = JSON.parse(textOf(bytes.subarray(8, 8 + headerLength))) as Json;
	return { header, data: bytes.subarray(8 + headerLength), headerLength };
}

function joinSafetensors(header: unknown, data: Uint8Array): Uint8Array {
	let json = Buffer.from(JSON.stringify(header));
	if (json.length % 8) json = Buffer.concat([json, Buffer.alloc(8 - (json.length % 8), 0x20)]);
	const out = Buffer.alloc(8 + json.length + data.length);
	out.writeBigUInt64LE(BigInt(json.length), 0);
	json.copy(out, 8);
	out.set(data, 8 + json.length);
	return out;
}

function withHeaderLength(bytes: Uint8Array, length: bigint): Uint8Array {
	const out = Buffer.from(bytes);
	out.writeBigUInt64LE(length, 0);
	return out;
}

const TWO_40 = 2 ** 40;

function safetensorsMutations(bytes: Uint8Array, rng: Rng, options: { nanIn?: string[] } = {}): Mutation[] {
	const { header, data, headerLength } = splitSafetensors(bytes);
	const names = Object.keys(header).filter((k) => k !== "__metadata__");
	const pick = () => names[int(rng, names.length)];
	const edit = (label: string, change: (h: Json) => void, newData = data): Mutation => {
		const h = structuredClone(header);
		change(h);
		return { label, bytes: joinSafetensors(h, newData), mustFail: true };
	};
	const tensor = (h: Json, name: string) => h[name] as { dtype: unknown; shape: unknown; data_offsets: unknown };
	const out: Mutation[] = [
		...truncations(bytes, rng, 6),
		...[0n, 1n, 7n, BigInt(headerLength - 1), BigInt(headerLength + 1), BigInt(headerLength + 8)].map((n) => ({
			label: `header length ${n}`,
			bytes: withHeaderLength(bytes, n),
			mustFail: true,
		})),
		...[BigInt(bytes.length), 2n ** 40n, 2n ** 63n, 2n ** 64n - 1n].map((n) => ({
			label: `header length ${n} (past the end)`,
			bytes: withHeaderLength(bytes, n),
			mustFail: true,
		})),
		...highBitFlips(bytes, rng, 4, 8, 8 + headerLength),
		...bitFlips(bytes, rng, 8),
	];
	for (const shape of [
		[2 ** 20, 2 ** 20],
		[TWO_40],
		[2 ** 53],
		[2 ** 30, 2 ** 30, 2 ** 30],
		[-1],
		[1.5],
		"12",
		[null],
	]) {
		const name = pick();
		out.push(
			edit(`tensor ${name} shape ${JSON.stringify(shape)}`, (h) => {
				tensor(h, name).shape = shape;
			}),
		);
	}
	const name = pick();
	out.push(
		edit(`tensor ${name} shape [2^20, 2^20] with offsets to match`, (h) => {
			tensor(h, name).shape = [2 ** 20, 2 ** 20];
			tensor(h, name).data_offsets = [0, 4 * TWO_40];
		}),
	);
	for (const offsets of [
		[0, TWO_40],
		[0, data.length + 1],
		[data.length, data.length + 4],
		[8, 4],
		[-4, 4],
		[0.5, 4],
		[0],
		"x",
	]) {
		const name = pick();
		out.push(
			edit(`tensor ${name} data_offsets ${JSON.stringify(offsets)}`, (h) => {
				tensor(h, name).data_offsets = offsets;
			}),
		);
	}
	for (const dtype of ["F64", "BF16", "F16", "I64", "BOOL", "", 7, null]) {
		const name = pick();
		out.push(
			edit(`tensor ${name} dtype ${JSON.stringify(dtype)}`, (h) => {
				tensor(h, name).dtype = dtype;
			}),
		);
	}
	out.push(
		edit(`tensor ${names[0]} removed`, (h) => {
			delete h[names[0]];
		}),
		edit("an extra tensor sharing bytes", (h) => {
			h.extra = { ...tensor(h, names[0]) };
		}),
		edit("a tensor that is not an object", (h) => {
			h[names[0]] = 3;
		}),
		edit("metadata value not a string", (h) => {
			h.__metadata__ = { format: 1 };
		}),
		edit("4 bytes of data beyond the last tensor", () => {}, Buffer.concat([data, Buffer.alloc(4)])),
		{ label: "header is a JSON array", bytes: joinSafetensors([], data), mustFail: true },
		{ label: "header is JSON null", bytes: joinSafetensors(null, data), mustFail: true },
	);
	for (const target of options.nanIn ?? []) {
		const t = header[target] as { data_offsets: [number, number] };
		for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
			const copy = data.slice();
			const count = (t.data_offsets[1] - t.data_offsets[0]) / 4;
			new DataView(copy.buffer).setFloat32(t.data_offsets[0] + 4 * int(rng, count), value, true);
			out.push({ label: `${value} in ${target}`, bytes: joinSafetensors(header, copy), mustFail: true });
		}
	}
	return out;
}

// --- fixtures ------------------------------------------------------------------------------------

const kinds: FileKind[] = [];

async function manifestWithHash(dir: string, shard: number, bytes: Uint8Array): Promise<void> {
	const path = join(dir, "manifest.json");
	const manifest = JSON.parse(await readFile(path, "utf8"));
	manifest.shards[shard].sha256 = sha256Hex(bytes);
	await writeFile(path, JSON.stringify(manifest, null, "\t"));
}

beforeAll(async () => {
	await initEngine({ backend: "wasm" });

	// Generator (model card + weights), a multiview dataset made from it, walks for it.
	const generator = await makeTinyGenerator(join(root, "generator"), 3);
	const loadAndGenerate = async (dir: string) => {
		const g = await loadGenerator(dir);
		try {
			const z = tf.zeros([2, g.latentDim]) as tf.Tensor2D;
			const y = g.numClasses > 0 ? (tf.tensor1d([0, 1], "int32") as tf.Tensor1D) : undefined;
			const images = await g.generate(z, y);
			tf.dispose([z, y, images].filter((t) => t !== undefined) as tf.Tensor[]);
		} finally {
			g.dispose();
		}
	};
	kinds.push({
		name: "model card",
		dir: generator,
		file: "model.json",
		load: loadAndGenerate,
		mutations: (b, rng) =>
			jsonMutations(b, rng, [
				["latentDim", TWO_40],
				["numClasses", TWO_40],
				["imageShape", [2 ** 20, 2 ** 20, 1]],
				["architectureConfig.width", 2 ** 20],
				["architectureConfig.width", 4096],
				["architectureConfig.latentDim", TWO_40],
				["weights", "../../../../etc/passwd"],
				["weights", "/etc/passwd"],
				["kind", "onnx"],
				["valueRange", [1, -1]],
				["defaultTruncation", -1],
				["classNames", ["a"]],
				["format", "genrep-generator/2"],
			]),
	});
	kinds.push({
		name: "generator weights (safetensors)",
		dir: generator,
		file: "generator.safetensors",
		load: loadAndGenerate,
		mutations: (b, rng) => {
			const names = Object.keys(splitSafetensors(b).header).filter((k) => k !== "__metadata__");
			return safetensorsMutations(b, rng, { nanIn: [names[0], names[names.length - 1]] });
		},
	});

	const dataset = join(root, "dataset");
	await generateMultiviewDataset({
		generator,
		view: "gaussian",
		viewOptions: { sigma: 0.5 },
		anchors: 5,
		neighbors: 1,
		seed: 1,
		shardSize: 2,
		out: dataset,
	});
	const readAll = async (dir: string) => {
		const data = await openMultiviewDataset(dir);
		await data.verify();
	};
	kinds.push({
		name: "views manifest",
		dir: dataset,
		file: "manifest.json",
		load: readAll,
		mutations: (b, rng) =>
			jsonMutations(b, rng, [
				["numShards", TWO_40],
				["anchors", TWO_40],
				["shardSize", 0],
				["shardSize", TWO_40],
				["imageShape", [2 ** 20, 2 ** 20, 1]],
				["views", TWO_40],
				["latentDim", TWO_40],
				["numClasses", TWO_40],
				["shards.1.file", "../generator/model.json"],
				["shards.1.file", "/etc/passwd"],
				["shards.1.file", "shard-00002.safetensors"],
				["shards.1.sha256", "zz"],
				["shards.0.anchors", TWO_40],
				["format", "genrep-multiview/2"],
				["extra", 1],
			]),
	});
	kinds.push({
		name: "views shard (safetensors, manifest sha256 unchanged)",
		dir: dataset,
		file: "shard-00001.safetensors",
		load: readAll,
		mutations: (b, rng) => [...truncations(b, rng, 4), ...bitFlips(b, rng, 12, 0, b.length, true)],
	});
	kinds.push({
		name: "views shard (safetensors, manifest sha256 updated to match)",
		dir: dataset,
		file: "shard-00001.safetensors",
		load: readAll,
		mutations: (b, rng) => safetensorsMutations(b, rng, { nanIn: ["z"] }),
		after: (dir, mutated) => manifestWithHash(dir, 1, mutated),
	});

	// Checkpoint of two stores.
	const checkpointDir = join(root, "checkpoint");
	const store = () => {
		const s = new ParamStore(new Rng(3));
		s.weight(
			"conv.weight",
			[3, 3, 1, 4],
			Float32Array.from({ length: 36 }, (_, i) => i / 36),
		);
		s.weight("conv.bias", [4], new Float32Array(4));
		s.buffer("bn.mean", [4], new Float32Array(4));
		return s;
	};
	const saved = store();
	await saveCheckpoint(join(checkpointDir, "checkpoint.safetensors"), { model: saved }, { step: 7, seed: 1 });
	saved.dispose();
	kinds.push({
		name: "checkpoint (safetensors)",
		dir: checkpointDir,
		file: "checkpoint.safetensors",
		load: async (dir) => {
			const s = store();
			try {
				await loadCheckpoint(join(dir, "checkpoint.safetensors"), { model: s });
			} finally {
				s.dispose();
			}
		},
		mutations: (b, rng) => [
			...safetensorsMutations(b, rng, { nanIn: ["model/conv.weight", "model/bn.mean"] }),
			...[{ step: "x" }, { step: "-1" }, { seed: "1.5" }].map((metadata) => {
				const { header, data } = splitSafetensors(b);
				return {
					label: `metadata ${JSON.stringify(metadata)}`,
					bytes: joinSafetensors({ ...header, __metadata__: { ...(header.__metadata__ as Json), ...metadata } }, data),
					mustFail: true,
				};
			}),
		],
	});

	// Walks: walks.json and walks.safetensors.
	const walks = await writeWalksFolder(
		join(root, "walks"),
		{ id: "tiny", latentDim: 8, numClasses: 3, weightsSha256: "0".repeat(64) },
		{ shiftX: unit(8, 0), zoom: unit(8, 1) },
	);
	const loadWalks = async (dir: string) => void SteeringWalks.load(dir);
	kinds.push({
		name: "walk card",
		dir: walks,
		file: "walks.json",
		load: loadWalks,
		mutations: (b, rng) =>
			jsonMutations(b, rng, [
				["generator.latentDim", TWO_40],
				["generator.weightsSha256", "x"],
				["walks", []],
				["walks.0.edit", "teleport"],
				["walks.0.latentUnit", 0],
				["walks.1.edit", "shiftX"],
				["format", "genrep-walks/2"],
			]),
	});
	kinds.push({
		name: "walks (safetensors)",
		dir: walks,
		file: "walks.safetensors",
		load: loadWalks,
		mutations: (b, rng) => safetensorsMutations(b, rng, { nanIn: ["shiftX", "zoom"] }),
	});

	// Encoder run: encoder.json and encoder.safetensors.
	const encoderDir = join(root, "encoder");
	const encoder = createEncoder("resnet-tiny", { inChannels: 1, seed: 0 });
	await saveEncoder(encoderDir, encoder, {
		encoder: "resnet-tiny",
		inChannels: 1,
		imageShape: [32, 32, 1],
		featureDim: encoder.featureDim,
		method: "simclr",
		steps: 1,
		seed: 0,
	});
	encoder.dispose();
	const loadEncoderRun = async (dir: string) => (await loadEncoder(dir)).encoder.dispose();
	kinds.push({
		name: "encoder card",
		dir: encoderDir,
		file: "encoder.json",
		load: loadEncoderRun,
		mutations: (b, rng) =>
			jsonMutations(b, rng, [
				["inChannels", TWO_40],
				["inChannels", 2 ** 20],
				["inChannels", 3],
				["imageShape", [2 ** 20, 2 ** 20, 1]],
				["featureDim", TWO_40],
				["encoder", "resnet-huge"],
				["steps", -1],
				["format", "genrep-encoder/2"],
			]),
	});
	kinds.push({
		name: "encoder weights (safetensors)",
		dir: encoderDir,
		file: "encoder.safetensors",
		load: loadEncoderRun,
		mutations: (b, rng) => {
			const names = Object.keys(splitSafetensors(b).header).filter((k) => k !== "__metadata__");
			return safetensorsMutations(b, rng, { nanIn: [names[0]] });
		},
	});

	// IDX files, raw and gzip.
	const idxDir = join(root, "idx");
	await mkdir(idxDir, { recursive: true });
	const images = Uint8Array.from({ length: 4 * 28 * 28 }, (_, i) => (i * 7) % 256);
	const idx = new Uint8Array(encodeIdx({ type: "ubyte", dims: [4, 28, 28], data: images }));
	await writeFile(join(idxDir, "images.idx"), idx);
	await writeFile(join(idxDir, "images.idx.gz"), gzipSync(idx));
	const idxHeader = (b: Uint8Array, change: (v: DataView) => void, label: string): Mutation => {
		const out = b.slice();
		change(new DataView(out.buffer));
		return { label, bytes: out, mustFail: true };
	};
	const idxMutations = (b: Uint8Array, rng: Rng): Mutation[] => [
		...truncations(b, rng, 6),
		...bitFlips(b, rng, 10, 0, 16, true), // every header bit matters
		...bitFlips(b, rng, 4, 16),
		idxHeader(b, (v) => v.setUint8(0, 1), "magic byte 0 set"),
		idxHeader(b, (v) => v.setUint8(2, 0x07), "unknown type code"),
		idxHeader(b, (v) => v.setUint8(2, 0x0d), "float instead of ubyte"),
		idxHeader(b, (v) => v.setUint8(3, 0), "0 dimensions"),
		idxHeader(b, (v) => v.setUint8(3, 255), "255 dimensions"),
		idxHeader(b, (v) => v.setUint8(3, 1), "1 dimension"),
		idxHeader(
			b,
			(v) => {
				v.setUint32(8, 2 ** 20);
				v.setUint32(12, 2 ** 20);
			},
			"dims claim 4 x 2^40 values",
		),
		idxHeader(
			b,
			(v) => {
				for (const at of [4, 8, 12]) v.setUint32(at, 0xffffffff);
			},
			"dims 2^32-1 each",
		),
		idxHeader(b, (v) => v.setUint32(4, 0), "0 images"),
		{ label: "4 extra bytes", bytes: Buffer.concat([b, Buffer.alloc(4)]), mustFail: true },
	];
	const loadIdx = (file: string) => async (dir: string) =>
		void (await readIdx(join(dir, file), { type: "ubyte", ndims: 3 }));
	kinds.push({
		name: "IDX (raw)",
		dir: idxDir,
		file: "images.idx",
		load: loadIdx("images.idx"),
		mutations: idxMutations,
	});
	kinds.push({
		name: "IDX (gzip)",
		dir: idxDir,
		file: "images.idx.gz",
		load: loadIdx("images.idx.gz"),
		mutations: (b, rng) => {
			const inner = idxMutations(idx, rng)
				.filter((_, i) => i % 3 === 0)
				.map((m) => ({ ...m, label: `gzip of ${m.label}`, bytes: gzipSync(m.bytes) }));
			const bomb = Buffer.alloc(4 + 12 + 64 * 1024 * 1024); // header claims 2^40 values, then 64 MB of zeros
			bomb.set([0, 0, 8, 3]);
			bomb.writeUInt32BE(1, 4);
			bomb.writeUInt32BE(2 ** 20, 8);
			bomb.writeUInt32BE(2 ** 20, 12);
			return [
				...truncations(b, rng, 5, 2),
				...bitFlips(b, rng, 6),
				...inner,
				{
					label: "gzip bomb: 64 MB of zeros under a header claiming 2^40 values",
					bytes: gzipSync(bomb),
					mustFail: true,
				},
			];
		},
	});

	// ONNX generator.
	kinds.push({
		name: "ONNX graph",
		dir: join(process.cwd(), "test/fixtures/onnx/tiny-cgan"),
		file: "model.onnx",
		load: loadAndGenerate,
		mutations: (b, rng) => [...truncations(b, rng, 8), ...bitFlips(b, rng, 10), ...onnxHostileGraphs()],
	});

	// Image folder: two classes of two PNGs.
	const folder = join(root, "images");
	for (const [c, name] of [
		["a", "0.png"],
		["a", "1.png"],
		["b", "0.png"],
		["b", "1.png"],
	]) {
		await mkdir(join(folder, c), { recursive: true });
		const pixels = Buffer.from(Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 13 + name.charCodeAt(0)) % 256));
		await sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } })
			.png()
			.toFile(join(folder, c, name));
	}
	kinds.push({
		name: "image folder (PNG)",
		dir: folder,
		file: "b/1.png",
		load: async (dir) => void (await loadImageFolder(dir, { size: [32, 32], channels: 1 })),
		mutations: (b, rng) => [
			...truncations(b, rng, 6, 8, 12), // a PNG cut only at its 12-byte IEND chunk still holds every pixel
			...bitFlips(b, rng, 8),
			pngSize(b, 2 ** 20, 2 ** 20),
			pngSize(b, 2 ** 31 - 1, 1),
			pngSize(b, 0, 8),
			{ label: "empty file", bytes: new Uint8Array(0), mustFail: true },
			{ label: "text named .png", bytes: bytesOf("not an image"), mustFail: true },
		],
	});
}, 120_000);

/** A PNG whose IHDR claims width x height (CRC fixed, so only the size is wrong). */
function pngSize(png: Uint8Array, width: number, height: number): Mutation {
	const out = Buffer.from(png);
	out.writeUInt32BE(width, 16);
	out.writeUInt32BE(height, 20);
	out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
	return { label: `PNG header claims ${width}x${height}`, bytes: out, mustFail: true };
}

function crc32(bytes: Uint8Array): number {
	let c = 0xffffffff;
	for (const b of bytes) {
		c ^= b;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	}
	return (c ^ 0xffffffff) >>> 0;
}

// --- ONNX graphs written by hand (protobuf wire format) ------------------------------------------

const varint = (n: number | bigint): number[] => {
	let v = BigInt(n);
	if (v < 0n) v += 2n ** 64n;
	const out: number[] = [];
	do {
		const byte = Number(v & 0x7fn);
		v >>= 7n;
		out.push(v > 0n ? byte | 0x80 : byte);
	} while (v > 0n);
	return out;
};
const field = (no: number, value: number | bigint): number[] => [...varint(no << 3), ...varint(value)];
const bytesField = (no: number, body: ArrayLike<number> | string): number[] => {
	const b = typeof body === "string" ? [...bytesOf(body)] : [...Array.from(body)];
	return [...varint((no << 3) | 2), ...varint(b.length), ...b];
};

/** ModelProto: z [N, 8] + W -> image, with one initializer W described by `tensor` (TensorProto fields). */
function onnxModel(tensor: number[]): Uint8Array {
	const node = [...bytesField(1, "z"), ...bytesField(1, "W"), ...bytesField(2, "image"), ...bytesField(4, "Add")];
	const graph = [
		...bytesField(1, node),
		...bytesField(2, "g"),
		...bytesField(5, [...tensor, ...bytesField(8, "W")]),
		...bytesField(11, bytesField(1, "z")),
		...bytesField(12, bytesField(1, "image")),
	];
	const opset = [...bytesField(1, ""), ...field(2, 13)];
	return Uint8Array.from([...field(1, 8), ...bytesField(8, opset), ...bytesField(7, graph)]);
}

function onnxHostileGraphs(): Mutation[] {
	const floats = (n: number) => new Array(4 * n).fill(0);
	const dims = (...d: (number | bigint)[]) => d.flatMap((x) => field(1, x));
	const cases: [string, number[]][] = [
		[
			"initializer claims 2^40 floats, holds 4",
			[...dims(2 ** 20, 2 ** 20), ...field(2, 1), ...bytesField(9, floats(4))],
		],
		["initializer claims 2^62 floats, holds none", [...dims(2n ** 31n, 2n ** 31n), ...field(2, 1)]],
		["initializer with a negative dimension", [...dims(-4), ...field(2, 1), ...bytesField(9, floats(4))]],
		["initializer of 4 floats holding 3", [...dims(4), ...field(2, 1), ...bytesField(9, floats(3))]],
		["initializer of an unknown type", [...dims(4), ...field(2, 99), ...bytesField(9, floats(4))]],
		[
			"initializer stored in an external file /etc/passwd",
			[
				...dims(4),
				...field(2, 1),
				...bytesField(13, [...bytesField(1, "location"), ...bytesField(2, "/etc/passwd")]),
				...field(14, 1),
			],
		],
	];
	const out: Mutation[] = cases.map(([label, tensor]) => ({ label, bytes: onnxModel(tensor), mustFail: true }));
	const good = onnxModel([...dims(4), ...field(2, 1), ...bytesField(9, floats(4))]);
	// A length prefix claiming 2^40 bytes.
	out.push({
		label: "graph field claims 2^40 bytes",
		bytes: Uint8Array.from([...field(1, 8), ...varint((7 << 3) | 2), ...varint(TWO_40), ...good.slice(0, 16)]),
		mustFail: true,
	});
	out.push({ label: "a group wire type", bytes: Uint8Array.from([...field(1, 8), (7 << 3) | 3, 0]), mustFail: true });
	out.push({ label: "empty file", bytes: new Uint8Array(0), mustFail: true });
	return out;
}

// --- the test -------------------------------------------------------------------------------------

describe("hostile input: every file genrep reads", () => {
	it("every mutation ends in a GenrepError naming the file (or, for a random bit flip, a clean load), in bounded time and memory", async () => {
		const rng = new Rng(SEED);
		const counts: Record<string, { cases: number; rejected: number; loaded: number }> = {};
		const failures: string[] = [];
		let n = 0;
		const only = process.env.GENREP_HOSTILE_KINDS; // e.g. "IDX" to run the kinds whose name contains it
		for (const kind of kinds.filter((k) => !only || k.name.includes(only))) {
			// The valid folder loads.
			await kind.load(kind.dir);
			const original = new Uint8Array(await readFile(join(kind.dir, kind.file))); // a copy: Buffer.slice would not copy
			const count = { cases: 0, rejected: 0, loaded: 0 };
			counts[kind.name] = count;
			for (const mutation of kind.mutations(original, rng)) {
				const dir = join(root, `case-${n++}`);
				await cp(kind.dir, dir, { recursive: true });
				const path = join(dir, kind.file);
				await writeFile(path, mutation.bytes);
				await kind.after?.(dir, mutation.bytes);
				const before = process.memoryUsage().arrayBuffers;
				const started = performance.now();
				const outcome = await kind.load(dir).then(
					() => null,
					(err: unknown) => err,
				);
				const ms = performance.now() - started;
				const grown = process.memoryUsage().arrayBuffers - before;
				count.cases++;
				const where = `${kind.name}: ${mutation.label}`;
				if (outcome === null) {
					count.loaded++;
					if (mutation.mustFail) failures.push(`${where}: loaded without an error`);
				} else if (!(outcome instanceof GenrepError)) {
					failures.push(`${where}: ${(outcome as Error).name}: ${(outcome as Error).message?.slice(0, 200)}`);
				} else if (!outcome.message.includes(path)) {
					failures.push(`${where}: GenrepError does not name ${kind.file}: ${outcome.message.slice(0, 200)}`);
				} else count.rejected++;
				if (process.env.GENREP_HOSTILE_VERBOSE) process.stderr.write(`${ms.toFixed(0).padStart(6)} ms  ${where}\n`);
				if (ms > CASE_TIME_LIMIT_MS) failures.push(`${where}: took ${ms.toFixed(0)} ms`);
				if (grown > MEMORY_LIMIT_BYTES)
					failures.push(`${where}: ArrayBuffer memory grew by ${(grown / 2 ** 20).toFixed(0)} MB`);
				await rm(dir, { recursive: true, force: true });
			}
		}
		const total = Object.values(counts).reduce((a, c) => a + c.cases, 0);
		process.stderr.write(
			`hostile input: ${total} cases\n${Object.entries(counts)
				.map(([k, c]) => `  ${k}: ${c.cases} cases, ${c.rejected} rejected, ${c.loaded} loaded (bit flips in values)`)
				.join("\n")}\n`,
		);
		expect(failures).toEqual([]);
		if (!only) expect(total).toBeGreaterThanOrEqual(300);
	}, 300_000);
});
