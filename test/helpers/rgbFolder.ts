import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { Rng } from "../../src/engine/rng.js";

export interface RgbFolderOptions {
	classes?: number;
	/** Images per class in train/ and test/. */
	train?: number;
	test?: number;
	size?: number;
	seed?: number;
}

/**
 * Writes a small RGB image folder with train/ and test/ splits, deterministically (PNG via
 * sharp): class k is a disc of its own hue at a random place on a noisy background, so a probe
 * can tell the classes apart. Returns the folder.
 */
export async function makeRgbFolder(dir: string, options: RgbFolderOptions = {}): Promise<string> {
	const { classes = 3, train = 4, test = 2, size = 64, seed = 0 } = options;
	const rng = new Rng(seed);
	const hues: [number, number, number][] = [
		[230, 40, 40],
		[40, 200, 60],
		[50, 80, 230],
		[220, 200, 40],
		[200, 60, 200],
	];
	for (const [split, count] of [
		["train", train],
		["test", test],
	] as const) {
		for (let k = 0; k < classes; k++) {
			const classDir = join(dir, split, `class-${String.fromCharCode(97 + k)}`);
			await mkdir(classDir, { recursive: true });
			for (let i = 0; i < count; i++) {
				const pixels = Buffer.alloc(size * size * 3); // [H, W, 3]
				const cy = size * (0.3 + 0.4 * rng.uniform());
				const cx = size * (0.3 + 0.4 * rng.uniform());
				const r = size * (0.15 + 0.1 * rng.uniform());
				const colour = hues[k % hues.length];
				for (let y = 0; y < size; y++) {
					for (let x = 0; x < size; x++) {
						const inside = (y - cy) ** 2 + (x - cx) ** 2 < r * r;
						for (let c = 0; c < 3; c++) {
							const noise = Math.floor(40 * rng.uniform());
							pixels[(y * size + x) * 3 + c] = inside ? Math.min(255, colour[c] + noise) : 60 + noise;
						}
					}
				}
				await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
					.png()
					.toFile(join(classDir, `${i}.png`));
			}
		}
	}
	return dir;
}
