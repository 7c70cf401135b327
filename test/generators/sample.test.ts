import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { ParamStore } from "../../src/engine/nn/params.js";
import { Rng } from "../../src/engine/rng.js";
import { type DcganConfig, DcganGenerator } from "../../src/generators/architectures/dcgan.js";
import { saveParams } from "../../src/generators/checkpoint.js";
import { loadGenerator } from "../../src/generators/load.js";
import { gridLayout, sampleGrid } from "../../src/generators/sampling.js";
import { genrep } from "../helpers/cli.js";
import { expectNoLeakedTensors } from "../helpers/tensors.js";

const root = await mkdtemp(join(tmpdir(), "genrep-sample-"));
afterAll(() => rm(root, { recursive: true, force: true }));

const CONFIG: DcganConfig = { latentDim: 8, numClasses: 3, width: 4, channels: 1 };
const modelDir = join(root, "tiny-cgan");

/** A freshly initialised conditional DCGAN saved with a card, as trainGan would leave it. */
async function makeTinyModel(dir: string): Promise<void> {
	await mkdir(dir, { recursive: true });
	const store = new ParamStore(new Rng(9));
	new DcganGenerator(store, CONFIG);
	await saveParams(join(dir, "generator.safetensors"), store);
	store.dispose();
	const card = {
		format: "genrep-generator/1",
		kind: "tfjs",
		architecture: "dcgan",
		architectureConfig: CONFIG,
		latentDim: 8,
		numClasses: 3,
		classNames: ["a", "b", "c"],
		imageShape: [32, 32, 1],
		valueRange: [-1, 1],
		defaultTruncation: 2,
	};
	await writeFile(join(dir, "model.json"), JSON.stringify(card));
}

describe("gridLayout", () => {
	it("rows are classes with ceil(n / classes) each; unconditional grids are square-ish", () => {
		const c = gridLayout(3, 7);
		expect(c).toMatchObject({ count: 9, perClass: 3, columns: 3, rows: 3 });
		expect(Array.from(c.labels ?? [])).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
		expect(gridLayout(0, 10)).toMatchObject({ count: 10, columns: 4, rows: 3, labels: null });
		expect(gridLayout(0, 10, 5)).toMatchObject({ count: 10, columns: 5, rows: 2 });
		expect(() => gridLayout(0, 0)).toThrow("n must be a positive integer, got 0");
	});
});

describe("sampleGrid", () => {
	beforeAll(async () => {
		await initEngine({ backend: "wasm" });
		await makeTinyModel(modelDir);
	});

	it("is deterministic for a seed, differs across seeds, and honours the truncation", async () => {
		const g = await loadGenerator(modelDir);
		const a = await expectNoLeakedTensors(() => sampleGrid(g, { n: 5, seed: 4, batchSize: 4 }));
		const b = await sampleGrid(g, { n: 5, seed: 4 });
		const c = await sampleGrid(g, { n: 5, seed: 5 });
		expect(a.count).toBe(6);
		expect(a.images.length).toBe(6 * 32 * 32);
		expect(Buffer.from(a.images.buffer).equals(Buffer.from(b.images.buffer))).toBe(true);
		expect(Buffer.from(a.z.buffer).equals(Buffer.from(c.z.buffer))).toBe(false);
		expect(a.truncation).toBe(2);
		expect(Math.max(...a.z.map(Math.abs))).toBeLessThanOrEqual(2);
		const t = await sampleGrid(g, { n: 30, seed: 4, truncation: 0.5 });
		expect(Math.max(...t.z.map(Math.abs))).toBeLessThanOrEqual(0.5);
		g.dispose();
	});

	it("works on an ONNX generator too", async () => {
		const g = await loadGenerator("test/fixtures/onnx/tiny-onehot");
		const a = await sampleGrid(g, { n: 10, seed: 1 });
		const b = await sampleGrid(g, { n: 10, seed: 1 });
		expect(a).toMatchObject({ count: 10, perClass: 2, rows: 5, columns: 2 });
		expect(Buffer.from(a.images.buffer).equals(Buffer.from(b.images.buffer))).toBe(true);
		g.dispose();
	});
});

describe("genrep gan sample", () => {
	beforeAll(async () => {
		if (!existsSync(modelDir)) await makeTinyModel(modelDir);
	});

	it("writes a PNG grid of the right size: rows are classes", async () => {
		const out = join(root, "grid.png");
		const r = genrep("gan", "sample", "--generator", modelDir, "--n", "7", "--seed", "3", "--out", out);
		expect(r.stderr).toBe("");
		expect(r.status).toBe(0);
		expect(r.stdout).toContain("9 samples");
		expect(r.stdout).toContain("3 rows x 3 columns");
		// 3 columns and rows of 32 px tiles, 2 px padding, scaled x2: (3 * 34 + 2) * 2 = 208.
		const meta = await sharp(await readFile(out)).metadata();
		expect([meta.format, meta.width, meta.height]).toEqual(["png", 208, 208]);
		// With --scale 1 and --columns 9: one row of 9.
		const wide = join(root, "wide.png");
		expect(
			genrep("gan", "sample", "--generator", modelDir, "--n", "9", "--columns", "9", "--scale", "1", "--out", wide)
				.status,
		).toBe(0);
		const m2 = await sharp(await readFile(wide)).metadata();
		expect([m2.width, m2.height]).toEqual([9 * 34 + 2, 36]);
	});

	it("a missing model exits 1 with one error line and writes nothing", () => {
		const out = join(root, "missing.png");
		const missing = join(root, "no-such-model");
		const r = genrep("gan", "sample", "--generator", missing, "--n", "4", "--out", out);
		expect(r.status).toBe(1);
		expect(r.stdout).toBe("");
		expect(r.stderr.trim().split("\n")).toEqual([`error: ${missing}: no such model directory`]);
		expect(existsSync(out)).toBe(false);
	});
});
