/**
 * loadGenerator: a shipped model name or a model directory -> a Generator. Reads and
 * validates the model card, then builds the implementation its `kind` names.
 */
import { join } from "node:path";
import type { Generator } from "./generator.js";
import { CARD_FILE, readModelCard, type ValidatedCard } from "./modelCard.js";
import type { OnnxGenerator, OnnxGeneratorOptions } from "./onnxGenerator.js";
import { resolveGenerator } from "./registry.js";
import type { TfjsGenerator } from "./tfjsGenerator.js";

export interface LoadGeneratorOptions {
	/** ONNX generators: threads of onnxruntime's operators. */
	onnx?: OnnxGeneratorOptions;
}

/** The implementations by card kind; each module loads on first use (onnxruntime-node is large). */
export const generatorKinds = {
	tfjs: async (id: string, dir: string, card: ValidatedCard): Promise<TfjsGenerator> => {
		const { initEngine } = await import("../engine/backend.js");
		await initEngine();
		const { TfjsGenerator } = await import("./tfjsGenerator.js");
		return TfjsGenerator.load(id, dir, card);
	},
	onnx: async (id: string, dir: string, card: ValidatedCard, options: LoadGeneratorOptions): Promise<OnnxGenerator> => {
		const { OnnxGenerator } = await import("./onnxGenerator.js");
		return OnnxGenerator.load(id, dir, card, options.onnx);
	},
} as const;

/**
 * Loads a generator: `nameOrDir` is a shipped model's name (models/<name>) or a directory
 * holding model.json and the weights it names. Missing or corrupt files, and cards or graphs
 * that do not match, are GenrepErrors naming the file.
 */
export async function loadGenerator(nameOrDir: string, options: LoadGeneratorOptions = {}): Promise<Generator> {
	const { id, dir } = resolveGenerator(nameOrDir);
	const card = await readModelCard(join(dir, CARD_FILE));
	return generatorKinds[card.kind](id, dir, card, options);
}
