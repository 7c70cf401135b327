import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ParamStore } from "../../src/engine/nn/params.js";
import { Rng } from "../../src/engine/rng.js";
import { type DcganConfig, DcganGenerator } from "../../src/generators/architectures/dcgan.js";
import { saveParams } from "../../src/generators/checkpoint.js";

/** Saves a freshly initialised tiny DCGAN (latent 8, width 4, 32x32x1) with a card, as trainGan would. */
export async function makeTinyGenerator(dir: string, numClasses = 3, seed = 5): Promise<string> {
	await mkdir(dir, { recursive: true });
	const config: DcganConfig = { latentDim: 8, numClasses, width: 4, channels: 1 };
	const store = new ParamStore(new Rng(seed));
	new DcganGenerator(store, config);
	await saveParams(join(dir, "generator.safetensors"), store);
	store.dispose();
	const card = {
		format: "genrep-generator/1",
		kind: "tfjs",
		architecture: "dcgan",
		architectureConfig: config,
		latentDim: 8,
		numClasses,
		classNames: Array.from({ length: numClasses }, (_, i) => `c${i}`),
		imageShape: [32, 32, 1],
		valueRange: [-1, 1],
		defaultTruncation: 2,
		seed,
	};
	await writeFile(join(dir, "model.json"), JSON.stringify(card));
	return dir;
}
