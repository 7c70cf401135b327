import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { genrep } from "../helpers/cli.js";
import { makeTinyGenerator } from "./tinyGenerator.js";

const root = await mkdtemp(join(tmpdir(), "genrep-views-cli-"));
afterAll(() => rm(root, { recursive: true, force: true }));
let cgan: string;
let gan: string;
const data = join(root, "data");

beforeAll(async () => {
	await initEngine({ backend: "wasm" });
	cgan = await makeTinyGenerator(join(root, "cgan"), 3);
	gan = await makeTinyGenerator(join(root, "gan"), 0);
});

const generate = (...extra: string[]) =>
	genrep("views", "generate", "--generator", cgan, "--anchors", "3", "--neighbors", "2", "--seed", "1", ...extra);

describe("genrep views", () => {
	it("generate writes a dataset (progress as JSON lines off a terminal); show and export draw it", async () => {
		const gen = generate("--view", "gaussian", "--sigma", "0.5", "--shard-size", "2", "--out", data);
		expect(gen.status).toBe(0);
		// Progress on stderr (JSON lines off a terminal); stdout holds only the result line.
		const progress = gen.stderr.trim().split("\n");
		expect(progress.map((l) => JSON.parse(l).event)).toEqual(["shard", "shard"]);
		expect(JSON.parse(progress[0])).toMatchObject({ event: "shard", shard: 0, status: "written", total: 2 });
		const lines = gen.stdout.trim().split("\n");
		expect(lines).toHaveLength(1);
		expect(lines.at(-1)).toMatch(/^wrote 2 shards, skipped 0 already made, .*: 3 anchors x 3 views, complete$/);

		const grid = join(root, "grid.png");
		const show = genrep("views", "show", "--data", data, "--out", grid, "--scale", "1", "--generator", cgan);
		expect(show.stderr).toBe("");
		expect(show.stdout).toContain("3 anchors x 3 views (gaussian: sigma 0.5, truncation 2)");
		const meta = await sharp(grid).metadata();
		expect([meta.width, meta.height]).toEqual([3 * 34 + 2, 3 * 34 + 2]);

		const folder = join(root, "pngs");
		const exp = genrep("views", "export", "--data", data, "--out", folder);
		expect(exp.stderr).toBe("");
		expect(exp.stdout).toBe(`wrote 9 PNG files of 3 anchors to ${folder}\n`);
		expect((await readdir(folder)).sort()).toEqual(["anchor-000000", "anchor-000001", "anchor-000002", "labels.csv"]);
		expect((await readdir(join(folder, "anchor-000002"))).sort()).toEqual(["view-0.png", "view-1.png", "view-2.png"]);
		const png = await sharp(join(folder, "anchor-000001", "view-0.png")).metadata();
		expect([png.width, png.height, png.channels]).toEqual([32, 32, 1]);
		expect((await readFile(join(folder, "labels.csv"), "utf8")).split("\n")[0]).toBe("anchor,class");
	});

	it("bad input: one error line naming the problem, exit 1, no output left", async () => {
		const out = join(root, "bad");
		const cases: [string[], string][] = [
			[
				["--view", "gaussian", "--sigma", "0", "--out", out],
				"error: gaussian view: sigma must be a positive number, got 0\n",
			],
			[
				["--view", "independent", "--out", out, "--generator", gan],
				`error: independent view needs a class-conditional generator, but ${gan} is unconditional (numClasses 0); use --view gaussian or none\n`,
			],
		];
		for (const [args, message] of cases) {
			const r = generate(...args);
			expect(r.stderr).toBe(message);
			expect(r.status).toBe(1);
			expect(existsSync(out)).toBe(false);
		}
		const shard = join(data, "shard-00001.safetensors");
		const bytes = await readFile(shard);
		bytes[100] ^= 0xff;
		await writeFile(shard, bytes);
		const show = genrep("views", "show", "--data", data, "--out", join(root, "g2.png"), "--anchors", "3");
		expect(show.stderr).toBe(
			`error: ${shard}: corrupt shard: its sha256 does not match the one ${join(data, "manifest.json")} records; delete it and re-run \`genrep views generate\` with the same flags to remake it\n`,
		);
		expect(show.status).toBe(1);
		expect(existsSync(join(root, "g2.png"))).toBe(false);
	});
});
