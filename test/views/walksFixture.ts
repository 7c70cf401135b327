import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeSafetensors } from "../../src/formats/safetensors.js";
import { latentUnit, PIXEL_EDITS, type PixelEditName } from "../../src/views/steer/pixelEdits.js";
import { WALKS_CARD, WALKS_FILE, WALKS_FORMAT, type WalksCard } from "../../src/views/steer/walks.js";

/** Writes a walks folder with the given vectors (default ranges), as `genrep steer train` would. */
export async function writeWalksFolder(
	dir: string,
	generator: { id: string; latentDim: number; numClasses: number; weightsSha256: string },
	vectors: Partial<Record<PixelEditName, Float32Array>>,
): Promise<string> {
	await mkdir(dir, { recursive: true });
	const card: WalksCard = {
		format: WALKS_FORMAT,
		generator: { ...generator, imageShape: [32, 32, 1] },
		walks: Object.entries(vectors).map(([name, vector]) => {
			const edit = PIXEL_EDITS[name as PixelEditName];
			const range = [...edit.defaultRange] as [number, number];
			return {
				edit: name as PixelEditName,
				description: edit.description,
				units: edit.units,
				alphaRange: range,
				identity: edit.identity,
				latentScale: edit.latentScale,
				latentUnit: latentUnit(name as PixelEditName, range),
				norm: Math.hypot(...(vector as Float32Array)),
				maskedError: { withoutWalk: 1, withWalk: 0.5, reduction: 0.5, byAlpha: [] },
				trainLoss: { first: 1, last: 0.5 },
			};
		}),
		training: { seed: 0, stepsPerWalk: 1, batchSize: 1, learningRate: 0.1, truncation: 2, wallTimeSeconds: 0 },
		evaluation: { samples: 1, seed: 0, alphasPerWalk: 1 },
	};
	const tensors = Object.fromEntries(
		Object.entries(vectors).map(([name, data]) => [name, { shape: [generator.latentDim], data: data as Float32Array }]),
	);
	await writeFile(join(dir, WALKS_FILE), encodeSafetensors(tensors, { format: WALKS_FORMAT }));
	await writeFile(join(dir, WALKS_CARD), JSON.stringify(card));
	return dir;
}

/** Unit vector e_i of length d. */
export const unit = (d: number, i: number): Float32Array =>
	Float32Array.from({ length: d }, (_, j) => (j === i ? 1 : 0));
