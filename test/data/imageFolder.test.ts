import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasetInfo, loadDataset } from "../../src/data/datasets.js";
import { loadImageFolder } from "../../src/data/imageFolder.js";
import { GenrepError } from "../../src/errors.js";

let dir: string;

/** Writes a solid image: `value` in every channel, as PNG or JPEG by the file's extension. */
async function solid(file: string, height: number, width: number, channels: 1 | 3, value: number): Promise<void> {
	await mkdir(join(file, ".."), { recursive: true });
	const image = sharp(Buffer.alloc(height * width * channels, value), {
		raw: { width, height, channels },
	});
	await (file.endsWith(".jpg") ? image.jpeg({ quality: 100 }) : image.png()).toFile(file);
}

async function errorMessage(promise: Promise<unknown>): Promise<string> {
	const err = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(err).toBeInstanceOf(GenrepError);
	return (err as GenrepError).message;
}

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "genrep-folder-"));
	// Classes written out of order: labels follow the sorted names.
	await solid(join(dir, "plain", "zebra", "1.png"), 28, 28, 1, 200);
	await solid(join(dir, "plain", "zebra", "2.png"), 28, 28, 1, 100);
	await solid(join(dir, "plain", "ant", "big.jpg"), 64, 64, 3, 50);
	await writeFile(join(dir, "plain", "ant", "README.txt"), "not an image");
	for (const split of ["train", "test"]) {
		await solid(join(dir, "split", split, "a", "x.png"), 32, 32, 1, 10);
		await solid(join(dir, "split", split, "b", "y.png"), 32, 32, 1, 20);
	}
	await solid(join(dir, "split", "train", "b", "z.png"), 32, 32, 1, 30);
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("image folders", () => {
	it("reads one subfolder per class, sorted, padded to 32x32x1", async () => {
		const data = await loadImageFolder(join(dir, "plain"));
		expect(data.classNames).toEqual(["ant", "zebra"]);
		expect(Array.from(data.labels)).toEqual([0, 1, 1]);
		expect(data.shape).toEqual([32, 32, 1]);
		expect(data.images.length).toBe(3 * 1024);
		// The 64x64 image is scaled down to fill 32x32; 28x28 images are centred on black.
		expect(data.images[0]).toBe(50);
		expect(data.images[1024 + 0]).toBe(0);
		expect(data.images[1024 + 2 * 32 + 2]).toBe(200);
		expect(data.images[2 * 1024 + 16 * 32 + 16]).toBe(100);
		expect(data.images[2 * 1024 + 31 * 32 + 31]).toBe(0);
	});

	it("reads RGB at a requested size, and a limit", async () => {
		const data = await loadImageFolder(join(dir, "plain"), {
			size: [16, 24],
			channels: 3,
			limit: 2,
		});
		expect(data.count).toBe(2);
		expect(data.shape).toEqual([16, 24, 3]);
		expect(data.images.length).toBe(2 * 16 * 24 * 3);
		expect(Array.from(data.images.subarray(0, 3))).toEqual([0, 0, 0]); // 64x64 -> 16x16, centred in 24
		expect(Array.from(data.images.subarray(4 * 3, 5 * 3))).toEqual([50, 50, 50]);
	});

	it("names an unreadable image", async () => {
		const folder = join(dir, "corrupt");
		await solid(join(folder, "cls", "good.png"), 8, 8, 1, 1);
		const png = await sharp(Buffer.alloc(64, 1), {
			raw: { width: 8, height: 8, channels: 1 },
		})
			.png()
			.toBuffer();
		await writeFile(join(folder, "cls", "bad.png"), png.subarray(0, 40));
		const message = await errorMessage(loadImageFolder(folder));
		expect(message.startsWith(`${join(folder, "cls", "bad.png")}: cannot read image: `)).toBe(true);
		expect(message).not.toContain("\n");
	});

	it("rejects folders without class subfolders", async () => {
		await mkdir(join(dir, "empty"));
		expect(await errorMessage(loadImageFolder(join(dir, "empty")))).toMatch(/empty; expected one subfolder per class/);
		await solid(join(dir, "flat", "a.png"), 4, 4, 1, 1);
		expect(await errorMessage(loadImageFolder(join(dir, "flat")))).toMatch(/has no class subfolders/);
		await mkdir(join(dir, "noimages", "cls"), { recursive: true });
		expect(await errorMessage(loadImageFolder(join(dir, "noimages")))).toContain("class folder holds no images");
		expect(await errorMessage(loadImageFolder(join(dir, "missing")))).toBe(`${join(dir, "missing")}: not found`);
	});

	it("serves as a dataset, with train/ and test/ splits", async () => {
		const test = await loadDataset(join(dir, "split"), { split: "test" });
		expect(test.count).toBe(2);
		expect(test.classNames).toEqual(["a", "b"]);
		expect(test.images[16 * 32 + 16]).toBe(10);
		const info = await datasetInfo(join(dir, "split"));
		expect(info.splits.train).toEqual({ count: 3, classCounts: [1, 2] });
		expect(info.splits.test).toEqual({ count: 2, classCounts: [1, 1] });
		const plain = await datasetInfo(join(dir, "plain"));
		expect(Object.keys(plain.splits)).toEqual(["train"]);
		expect(await errorMessage(loadDataset(join(dir, "plain"), { split: "test" }))).toContain("has no test split");
	});
});
