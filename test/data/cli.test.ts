import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { genrep } from "../helpers/cli.js";

let dir: string;
beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "genrep-cli-data-"));
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("genrep data", () => {
	it("info prints counts, shape and classes", () => {
		const { status, stdout, stderr } = genrep("data", "info", "fashion-mnist");
		expect(stderr).toBe("");
		expect(status).toBe(0);
		expect(stdout).toMatch(/train\s+60000 images/);
		expect(stdout).toMatch(/test\s+10000 images/);
		expect(stdout).toContain("32x32x1");
		expect(stdout).toMatch(/9\s+Ankle boot\s+6000\s+1000/);
	});

	it("info --json prints the same as JSON", () => {
		const { status, stdout } = genrep("data", "info", "mnist", "--json");
		expect(status).toBe(0);
		const info = JSON.parse(stdout);
		expect(info.splits.train.count).toBe(60000);
		expect(info.splits.test.count).toBe(10000);
		expect(info.shape).toEqual([32, 32, 1]);
	});

	it("an unknown dataset exits 1 with one error line", () => {
		const { status, stdout, stderr } = genrep("data", "info", "imagenet");
		expect(status).toBe(1);
		expect(stdout).toBe("");
		expect(stderr).toBe(
			'error: unknown dataset "imagenet"; known datasets: fashion-mnist, mnist (or give the path of an image folder)\n',
		);
	});

	it("grid writes a PNG of real images", async () => {
		const out = join(dir, "grid.png");
		const { status, stdout } = genrep(
			"data",
			"grid",
			"mnist",
			"--out",
			out,
			"--split",
			"test",
			"--n",
			"6",
			"--columns",
			"3",
			"--scale",
			"1",
		);
		expect(status).toBe(0);
		expect(stdout).toContain("6 test images of mnist");
		const meta = await sharp(out).metadata();
		expect([meta.width, meta.height]).toEqual([3 * 34 + 2, 2 * 34 + 2]);
	});
});
