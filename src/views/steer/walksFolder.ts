/** Writes a walks folder (walks.safetensors, walks.json, walks.png) beside its place, renamed there when complete. */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { GenrepError } from "../../errors.js";
import type { PixelEditName } from "./pixelEdits.js";
import { WALKS_CARD, WALKS_FIGURE, WALKS_FILE, WALKS_FORMAT, type WalksCard, walksTensors } from "./walks.js";

/** A failure (a full disk included) removes what was written and leaves nothing behind. */
export async function writeWalksFolder(
	out: string,
	card: WalksCard,
	vectors: Map<PixelEditName, Float32Array>,
	figure: Float32Array,
	rows: number,
	columns: number,
	imageShape: readonly [number, number, number],
): Promise<void> {
	const { encodeSafetensors } = await import("../../formats/safetensors.js");
	const { gridToPng } = await import("../../formats/grid.js");
	const tmp = `${out.replace(/[\\/]+$/, "")}.tmp-${process.pid}`;
	const [h, w, c] = imageShape;
	try {
		await rm(tmp, { recursive: true, force: true });
		await mkdir(tmp, { recursive: true });
		await writeFile(`${tmp}/${WALKS_FILE}`, encodeSafetensors(walksTensors(card, vectors), { format: WALKS_FORMAT }));
		await writeFile(`${tmp}/${WALKS_CARD}`, `${JSON.stringify(card, null, "\t")}\n`);
		const { png } = await gridToPng(figure, {
			count: rows * columns,
			height: h,
			width: w,
			channels: c,
			columns,
			scale: Math.max(h, w) < 64 ? 2 : 1,
			padValue: 255,
		});
		await writeFile(`${tmp}/${WALKS_FIGURE}`, png);
		await rm(out, { recursive: true, force: true });
		await rename(tmp, out);
	} catch (err) {
		await rm(tmp, { recursive: true, force: true });
		const code = (err as NodeJS.ErrnoException).code;
		if (code === "ENOSPC")
			throw new GenrepError(`${out}: cannot write the walks (the disk is full); nothing was left behind`);
		throw err;
	}
}
