/** Exporting a multiview dataset as PNG files and a labels.csv, for tools that do not read safetensors. */
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { GenrepError } from "../errors.js";
import { temporaryName } from "../formats/atomicWrite.js";
import type { MultiviewDataset } from "./multiviewReader.js";

export interface ExportPngOptions {
	/** Export only the first n anchors; default all. */
	anchors?: number;
}

/**
 * Writes a dataset as PNG files for other tools: <out>/anchor-NNNNNN/view-V.png (view 0 is
 * the anchor) and <out>/labels.csv (anchor,class; class empty when unconditional). Built in
 * a temporary folder beside `out` and renamed when done, so a failure leaves nothing behind.
 */
export async function exportMultiviewPngs(
	data: MultiviewDataset,
	out: string,
	options: ExportPngOptions = {},
): Promise<{ anchors: number; files: number }> {
	const m = data.manifest;
	const wanted = options.anchors ?? m.anchors;
	if (!Number.isInteger(wanted) || wanted < 1)
		throw new GenrepError(`anchors must be a positive integer, got ${wanted}`);
	const entries = await readdir(out).catch(() => null);
	if (entries && entries.length > 0)
		throw new GenrepError(`--out ${out} already exists and is not empty; choose a new folder`);
	const total = Math.min(wanted, m.anchors);
	const tmp = temporaryName(out.replace(/[\\/]+$/, ""));
	const { default: sharp } = await import("sharp");
	const { rename, rm, writeFile } = await import("node:fs/promises");
	const [h, w, c] = m.imageShape;
	const imageSize = h * w * c;
	const digits = Math.max(6, String(m.anchors - 1).length);
	let files = 0;
	const labels: string[] = ["anchor,class"];
	try {
		await rm(tmp, { recursive: true, force: true });
		for (let s = 0, done = 0; done < total; s++) {
			const shard = await data.readShard(s);
			const take = Math.min(shard.count, total - done);
			for (let a = 0; a < take; a++) {
				const anchor = shard.firstAnchor + a;
				const folder = join(tmp, `anchor-${String(anchor).padStart(digits, "0")}`);
				await mkdir(folder, { recursive: true });
				for (let v = 0; v < m.views; v++) {
					const at = (a * m.views + v) * imageSize;
					let image = sharp(shard.images.subarray(at, at + imageSize), {
						raw: { width: w, height: h, channels: c as 1 | 3 | 4 },
					});
					if (c === 1) image = image.toColourspace("b-w");
					await writeFile(join(folder, `view-${v}.png`), await image.png().toBuffer());
					files++;
				}
				labels.push(`${anchor},${shard.y ? shard.y[a] : ""}`);
			}
			done += take;
		}
		await writeFile(join(tmp, "labels.csv"), `${labels.join("\n")}\n`);
		if (entries) await rm(out, { recursive: true, force: true });
		await rename(tmp, out);
	} catch (err) {
		await rm(tmp, { recursive: true, force: true });
		throw err;
	}
	return { anchors: total, files };
}
