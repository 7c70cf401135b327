import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { GenrepError } from "../../src/errors.js";
import { generateMultiviewDataset, openMultiviewDataset } from "../../src/store/multiview.js";
import { trainSteeringWalks } from "../../src/views/steer/trainSteeringWalks.js";
import { makeTinyGenerator } from "./tinyGenerator.js";

/** The seam: writes to a path matching `full` get half their bytes on disk, then ENOSPC (a full disk). */
const disk = vi.hoisted(() => ({ full: null as RegExp | null }));

vi.mock("node:fs/promises", async (importOriginal) => {
	const actual = await importOriginal<typeof import("node:fs/promises")>();
	const writeFile: typeof actual.writeFile = async (path, data, options) => {
		if (disk.full?.test(String(path)) && data instanceof Uint8Array) {
			await actual.writeFile(path, data.subarray(0, data.length >> 1));
			throw Object.assign(new Error(`ENOSPC: no space left on device, write '${String(path)}'`), { code: "ENOSPC" });
		}
		return actual.writeFile(path, data, options);
	};
	return { ...actual, writeFile, default: { ...actual, writeFile } };
});

const root = await mkdtemp(join(tmpdir(), "genrep-full-disk-"));
afterAll(() => rm(root, { recursive: true, force: true }));
let generator: string;
beforeAll(async () => {
	await initEngine({ backend: "wasm" });
	generator = await makeTinyGenerator(join(root, "g"), 3);
});

const options = (out: string) => ({
	generator,
	view: "gaussian",
	viewOptions: { sigma: 0.5 },
	anchors: 5,
	neighbors: 2,
	seed: 9,
	shardSize: 2,
	out,
});

describe("views generate on a full disk", () => {
	it("fails with a clear error, leaves no partial shard under its final name, and a re-run completes the same bytes", async () => {
		const out = join(root, "data");
		disk.full = /shard-00001\.safetensors/;
		const err = await generateMultiviewDataset(options(out)).catch((e: unknown) => e);
		disk.full = null;
		expect(err).toBeInstanceOf(GenrepError);
		const shard = join(out, "shard-00001.safetensors");
		expect((err as Error).message).toBe(
			`${shard}: cannot write (the disk is full); nothing was left under this name, re-run to continue`,
		);
		const files = (await readdir(out)).sort();
		expect(files).toEqual(["manifest.json", "shard-00000.safetensors", "shard-00000.sha256"]);
		// The manifest lists shards as made only when a run completes; shard 0's .sha256 records it meanwhile.
		expect(await readFile(join(out, "shard-00000.sha256"), "utf8")).toMatch(
			/^[0-9a-f]{64} {2}shard-00000.safetensors\n$/,
		);
		await expect(openMultiviewDataset(out)).rejects.toThrow("incomplete dataset");

		const resumed = await generateMultiviewDataset(options(out));
		expect(resumed).toMatchObject({ written: [1, 2], skipped: [0], complete: true });
		const fresh = await generateMultiviewDataset(options(join(root, "fresh")));
		expect(resumed.manifest.shards).toEqual(fresh.manifest.shards);
		expect(await (await openMultiviewDataset(out)).verify()).toBe(5);
	});

	it("a full disk while writing the manifest is the same clear error", async () => {
		const out = join(root, "manifest-full");
		disk.full = /manifest\.json/;
		const err = await generateMultiviewDataset(options(out)).catch((e: unknown) => e);
		disk.full = null;
		expect((err as Error).message).toBe(
			`${join(out, "manifest.json")}: cannot write (the disk is full); nothing was left under this name, re-run to continue`,
		);
		expect((await readdir(out)).filter((f) => f.includes(".tmp-"))).toEqual([]);
	});

	it("steer train on a full disk: a clear error and no walks folder", async () => {
		const out = join(root, "walks");
		disk.full = /walks\.png/;
		const err = await trainSteeringWalks({
			generator: "fashion-mnist-gan",
			out,
			edits: ["brightness"],
			steps: 1,
			batchSize: 2,
			evalSamples: 2,
		}).catch((e: unknown) => e);
		disk.full = null;
		expect(err).toBeInstanceOf(GenrepError);
		expect((err as Error).message).toBe(`${out}: cannot write the walks (the disk is full); nothing was left behind`);
		expect((await readdir(root)).filter((f) => f.startsWith("walks"))).toEqual([]);
	});
});
