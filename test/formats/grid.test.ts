import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gridToPng, writeImageGrid } from "../../src/formats/grid.js";

let dir: string;
beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "genrep-grid-"));
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

/** Five 4x6 grayscale images; image n is filled with 40 * (n + 1). */
const five = Uint8Array.from({ length: 5 * 24 }, (_, i) => 40 * (Math.floor(i / 24) + 1));

async function pixels(png: Buffer) {
	return sharp(png).raw().toBuffer({ resolveWithObject: true });
}

describe("image grids", () => {
	it("writes a PNG of the expected size, creating the folder, leaving no temporary file", async () => {
		const out = join(dir, "nested", "grid.png");
		const written = await writeImageGrid(out, five, {
			count: 5,
			height: 4,
			width: 6,
			channels: 1,
			columns: 2,
			padding: 1,
		});
		// 2 columns x 3 rows of 4x6 tiles with 1-pixel padding around and between.
		expect(written).toEqual({ path: out, width: 2 * 7 + 1, height: 3 * 5 + 1 });
		const meta = await sharp(out).metadata();
		expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(["png", 15, 16, 1]);
		expect(await readdir(join(dir, "nested"))).toEqual(["grid.png"]);
	});

	it("tiles row-major and upscales by an integer factor", async () => {
		const { png, width, height } = await gridToPng(five, {
			count: 5,
			height: 4,
			width: 6,
			channels: 1,
			columns: 3,
			padding: 2,
			padValue: 7,
			scale: 2,
		});
		expect([width, height]).toEqual([2 * (3 * 8 + 2), 2 * (2 * 6 + 2)]);
		const { data, info } = await pixels(png);
		const at = (x: number, y: number) => data[(y * 2 * info.width + x * 2) * info.channels];
		expect(at(0, 0)).toBe(7); // padding
		expect(at(2, 2)).toBe(40); // image 0 at the top left
		expect(at(2 + 8 * 2, 2)).toBe(120); // image 2 ends the first row
		expect(at(2 + 8, 2 + 6)).toBe(200); // image 4 in the second row
		expect(at(2 + 16, 2 + 6)).toBe(7); // no sixth image
	});

	it("maps float images in [-1, 1] and RGB", async () => {
		const rgb = Float32Array.of(-1, 0, 1, -2, 0.5, 2); // two 1x1 RGB images, the second clipped
		const { png } = await gridToPng(rgb, {
			count: 2,
			height: 1,
			width: 1,
			channels: 3,
			columns: 2,
			padding: 0,
		});
		const { data, info } = await pixels(png);
		expect([info.width, info.height, info.channels]).toEqual([2, 1, 3]);
		expect(Array.from(data)).toEqual([0, 128, 255, 0, 191, 255]);
	});

	it("rejects options that do not fit the data", async () => {
		await expect(gridToPng(five, { count: 6, height: 4, width: 6, channels: 1 })).rejects.toThrow(
			/needs 144 values, got 120/,
		);
		await expect(gridToPng(five, { count: 5, height: 4, width: 6, channels: 2 })).rejects.toThrow(
			/channels must be 1, 3 or 4/,
		);
	});
});
