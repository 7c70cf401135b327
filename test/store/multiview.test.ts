import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { GenrepError } from "../../src/errors.js";
import { readSafetensors } from "../../src/formats/safetensors.js";
import {
	type GenerateMultiviewOptions,
	generateMultiviewDataset,
	type MultiviewManifest,
	openMultiviewDataset,
	parseShardPiece,
	shardFileName,
	shardHashFileName,
} from "../../src/store/multiview.js";
import { makeTinyGenerator } from "../views/tinyGenerator.js";

const root = await mkdtemp(join(tmpdir(), "genrep-multiview-"));
afterAll(() => rm(root, { recursive: true, force: true }));
let cgan: string;
let gan: string;
let other: string;
let n = 0;
const fresh = () => join(root, `data-${n++}`);

beforeAll(async () => {
	await initEngine({ backend: "wasm" });
	cgan = await makeTinyGenerator(join(root, "cgan"), 3);
	gan = await makeTinyGenerator(join(root, "gan"), 0);
	other = await makeTinyGenerator(join(root, "other"), 3, 6);
});

/** 5 anchors, 2 neighbours, shards of 2: shards of 2, 2 and 1 anchors. */
const base = (out: string): GenerateMultiviewOptions => ({
	generator: cgan,
	view: "gaussian",
	viewOptions: { sigma: 0.5 },
	anchors: 5,
	neighbors: 2,
	seed: 3,
	shardSize: 2,
	out,
});

const hashes = (m: MultiviewManifest) => m.shards.map((s) => s.sha256);

async function errorOf(p: Promise<unknown>): Promise<GenrepError> {
	const err = await p.then(
		() => null,
		(e: unknown) => e,
	);
	expect(err).toBeInstanceOf(GenrepError);
	return err as GenrepError;
}

describe("multiview datasets", () => {
	let whole: string;
	beforeAll(async () => {
		whole = fresh();
		await generateMultiviewDataset(base(whole));
	});

	it("writes the manifest and shards: images U8 [n, K+1, 32, 32, 1], z F32 [n, K+1, 8], y I32 [n]", async () => {
		const manifest = JSON.parse(await readFile(join(whole, "manifest.json"), "utf8")) as MultiviewManifest;
		expect(manifest).toMatchObject({
			format: "genrep-multiview/1",
			generator: { id: cgan },
			view: { kind: "gaussian", sigma: 0.5, truncation: 2 },
			seed: 3,
			truncation: 2,
			anchors: 5,
			neighbors: 2,
			views: 3,
			shardSize: 2,
			numShards: 3,
			imageShape: [32, 32, 1],
			latentDim: 8,
			numClasses: 3,
		});
		expect(manifest.generator.cardSha256).toMatch(/^[0-9a-f]{64}$/);
		expect(manifest.shards.map((s) => [s.file, s.anchors])).toEqual([
			["shard-00000.safetensors", 2],
			["shard-00001.safetensors", 2],
			["shard-00002.safetensors", 1],
		]);
		const last = await readSafetensors(join(whole, shardFileName(2)));
		expect([...last.tensors].map(([k, t]) => [k, t.dtype, t.shape])).toEqual([
			["images", "U8", [1, 3, 32, 32, 1]],
			["z", "F32", [1, 3, 8]],
			["y", "I32", [1]],
		]);
		const data = await openMultiviewDataset(whole, { generator: cgan });
		expect(await data.verify()).toBe(5);
		const shard = await data.readShard(1);
		expect(shard).toMatchObject({ shard: 1, firstAnchor: 2, count: 2, views: 3 });
	});

	it("--shard pieces (same folder or separate folders) give byte-identical shards and manifest", async () => {
		const pieces = fresh();
		const first = await generateMultiviewDataset({ ...base(pieces), shard: "1/2" });
		expect(first).toMatchObject({ written: [1], skipped: [], complete: false });
		expect(hashes(first.manifest)).toEqual([null, expect.any(String), null]);
		const second = await generateMultiviewDataset({ ...base(pieces), shard: { index: 0, count: 2 } });
		expect(second).toMatchObject({ written: [0, 2], complete: true });
		const wholeManifest = await readFile(join(whole, "manifest.json"));
		expect(await readFile(join(pieces, "manifest.json"))).toEqual(wholeManifest);
		// Pieces on different machines: copy the shard files together, re-run to complete the manifest.
		const a = fresh();
		const b = fresh();
		await generateMultiviewDataset({ ...base(a), shard: "0/2" });
		await generateMultiviewDataset({ ...base(b), shard: "1/2" });
		for (const f of await readdir(b)) if (f.startsWith("shard-")) await cp(join(b, f), join(a, f));
		const merged = await generateMultiviewDataset(base(a));
		expect(merged).toMatchObject({ written: [], skipped: [0, 1, 2], complete: true });
		expect(await readFile(join(a, "manifest.json"))).toEqual(wholeManifest);
	});

	it("resumes after a kill: finished shards are skipped, a shard without its hash or with wrong bytes is remade", async () => {
		const dir = fresh();
		await cp(whole, dir, { recursive: true });
		await rm(join(dir, shardFileName(1)));
		await rm(join(dir, shardHashFileName(2))); // killed between the shard and its hash
		// Killed mid-write two days ago: removed. Another machine's writer, live or killed an hour ago: kept.
		const stale = join(dir, `${shardFileName(0)}.tmp-4194303`);
		await writeFile(stale, "half a shard");
		const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
		await utimes(stale, old, old);
		const live = join(dir, `${shardFileName(2)}.tmp-node-7-1-0123456789abcdef`);
		await writeFile(live, "another machine's half shard");
		// A live writer on another machine whose pid is not alive here (the old rule deleted it).
		const remote = join(dir, `${shardFileName(1)}.tmp-4194301`);
		await writeFile(remote, "another machine's half shard");
		const recent = new Date(Date.now() - 3600 * 1000);
		await utimes(live, recent, recent);
		await utimes(remote, recent, recent);
		const result = await generateMultiviewDataset(base(dir));
		expect(result).toMatchObject({ written: [1, 2], skipped: [0], complete: true });
		expect(existsSync(stale)).toBe(false);
		expect(await readFile(live, "utf8")).toBe("another machine's half shard");
		expect(await readFile(remote, "utf8")).toBe("another machine's half shard");
		await rm(live);
		await rm(remote);
		expect(await readFile(join(dir, "manifest.json"))).toEqual(await readFile(join(whole, "manifest.json")));
	});

	it("reading detects corrupt and missing shards, incomplete datasets and another generator's manifest", async () => {
		const corrupt = fresh();
		await cp(whole, corrupt, { recursive: true });
		const path = join(corrupt, shardFileName(1));
		const bytes = await readFile(path);
		bytes[bytes.length - 1] ^= 1;
		await writeFile(path, bytes);
		const data = await openMultiviewDataset(corrupt);
		expect((await errorOf(data.readShard(1))).message).toBe(
			`${path}: corrupt shard: its sha256 does not match the one ${join(corrupt, "manifest.json")} records; delete it and re-run \`genrep views generate\` with the same flags to remake it`,
		);
		await rm(path);
		expect((await errorOf(openMultiviewDataset(corrupt))).message).toBe(
			`${path}: shard 1 of 3 is missing; re-run \`genrep views generate\` with the same flags to make it`,
		);
		const partial = fresh();
		await generateMultiviewDataset({ ...base(partial), shard: "0/3" });
		expect((await errorOf(openMultiviewDataset(partial))).message).toContain(
			"incomplete dataset: 2 of 3 shards not made yet (1, 2)",
		);
		expect((await errorOf(openMultiviewDataset(whole, { generator: other }))).message).toMatch(
			new RegExp(
				`^${join(whole, "manifest.json")}: dataset was made by generator '${cgan}' \\(model.json sha256 [0-9a-f]{12}\\), not by '${other}'`,
			),
		);
		expect((await errorOf(openMultiviewDataset(root))).message).toContain("manifest.json: no such file");
	});

	it("bad input fails before anything is written; a run into another dataset's folder names the difference", async () => {
		const cases: [Partial<GenerateMultiviewOptions>, string][] = [
			[{ viewOptions: { sigma: 0 } }, "gaussian view: sigma must be a positive number, got 0"],
			[{ viewOptions: { sigma: -1 } }, "gaussian view: sigma must be a positive number, got -1"],
			[{ anchors: 0 }, "anchors must be a positive integer, got 0"],
			[{ neighbors: -2 }, "neighbors must be a positive integer, got -2"],
			[{ shardSize: 0 }, "shard size must be a positive integer, got 0"],
			[{ shard: "2/2" }, '--shard must be i/n with 0 <= i < n (e.g. 0/4) or auto, got "2/2"'],
			[
				{ view: "independent", viewOptions: {}, generator: gan },
				"independent view needs a class-conditional generator",
			],
			[{ view: "steer", viewOptions: {} }, "steer view needs walks: pass --walks <dir>"],
		];
		for (const [change, message] of cases) {
			const out = fresh();
			const err = await errorOf(generateMultiviewDataset({ ...base(out), ...change }));
			expect(err.message).toContain(message);
			expect(existsSync(out), message).toBe(false);
		}
		expect((await errorOf(generateMultiviewDataset({ ...base(whole), viewOptions: { sigma: 0.7 } }))).message).toBe(
			`--out ${whole} holds a dataset made with view {"kind":"gaussian","sigma":0.5,"truncation":2}, not {"kind":"gaussian","sigma":0.7,"truncation":2}; use the same flags to complete it, or another --out`,
		);
		expect((await errorOf(generateMultiviewDataset({ ...base(whole), generator: other }))).message).toMatch(
			/holds a dataset made with generator \(model.json sha256 [0-9a-f]{12}, not [0-9a-f]{12}\)/,
		);
		expect(parseShardPiece("1/4")).toEqual({ index: 1, count: 4, source: "flag" });
	});
});
