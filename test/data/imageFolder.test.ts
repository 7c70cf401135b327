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

/** A solid grayscale PNG (one channel in the file, as its header says). */
async function solidGray(file: string, height: number, width: number, value: number): Promise<void> {
	await mkdir(join(file, ".."), { recursive: true });
	await sharp(Buffer.alloc(height * width, value), { raw: { width, height, channels: 1 } })
		.toColourspace("b-w")
		.png()
		.toFile(file);
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
	await solidGray(join(dir, "gray", "a", "1.png"), 9, 9, 5);
	await solidGray(join(dir, "gray", "b", "1.png"), 9, 9, 6);
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("image folders", () => {
	it("reads one subfolder per class, sorted, padded to a requested 32x32x1", async () => {
		const data = await loadImageFolder(join(dir, "plain"), { size: [32, 32], channels: 1 });
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

	it("reads a folder at its own shape; mixed sizes need a size, and say so", async () => {
		const rgb = join(dir, "rgb");
		await solid(join(rgb, "a", "1.png"), 12, 20, 3, 90);
		await solidGray(join(rgb, "b", "1.png"), 12, 20, 30); // gray beside colour: read as RGB
		const data = await loadDataset(rgb);
		expect(data.shape).toEqual([12, 20, 3]);
		expect(Array.from(data.images.subarray(12 * 20 * 3, 12 * 20 * 3 + 3))).toEqual([30, 30, 30]);
		expect((await datasetInfo(rgb)).shape).toEqual([12, 20, 3]);
		expect((await loadDataset(join(dir, "gray"))).shape).toEqual([9, 9, 1]);

		const message = await errorMessage(loadDataset(join(dir, "plain")));
		expect(message).toContain("holds images of different sizes");
		expect(message).toMatch(/big\.jpg is 64x64, .*1\.png is 28x28/);
		expect(message).toContain("pass --image-size S");
		// An explicit size scales every image to fit (up too), centred on black.
		const fitted = await loadDataset(join(dir, "plain"), { imageSize: 56, channels: 1 });
		expect(fitted.shape).toEqual([56, 56, 1]);
		expect(fitted.images[56 * 56 + 28 * 56 + 28]).toBe(200); // the 28x28 image now fills 56x56
		expect(fitted.images[56 * 56]).toBe(200);
		expect(await errorMessage(loadDataset(rgb, { imageSize: 0 }))).toBe(
			"imageSize (--image-size) must be a positive integer, got 0",
		);
	});

	it("reads a registered dataset at another size and channel count", async () => {
		const base = await loadDataset("mnist", { split: "test", limit: 2 });
		const big = await loadDataset("mnist", { split: "test", limit: 2, imageSize: 64, channels: 3 });
		expect(big.shape).toEqual([64, 64, 3]);
		expect(big.images.length).toBe(2 * 64 * 64 * 3);
		// Upscaling by 2 with half-pixel centres: output pixel (2y+1, 2x+1) lies 1/4 past input (y, x).
		for (const [y, x] of [
			[10, 12],
			[16, 16],
		]) {
			const i = (y: number, x: number) => base.images[y * 32 + x];
			const expected =
				0.75 * (0.75 * i(y, x) + 0.25 * i(y, x + 1)) + 0.25 * (0.75 * i(y + 1, x) + 0.25 * i(y + 1, x + 1));
			const at = ((2 * y + 1) * 64 + 2 * x + 1) * 3;
			expect(Array.from(big.images.subarray(at, at + 3))).toEqual(Array(3).fill(Math.round(expected)));
		}
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
		const plain = await datasetInfo(join(dir, "gray"));
		expect(Object.keys(plain.splits)).toEqual(["train"]);
		expect(await errorMessage(datasetInfo(join(dir, "plain")))).toContain("holds images of different sizes");
		expect(await errorMessage(loadDataset(join(dir, "gray"), { split: "test" }))).toContain("has no test split");
	});
});
