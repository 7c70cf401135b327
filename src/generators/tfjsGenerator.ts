/**
 * Generators that genrep trained (kind "tfjs"): an architecture from `architectures`, built
 * from the card's architectureConfig, with its weights loaded strictly from safetensors.
 * Differentiable: `forward` runs inside tf.grad, so latent steering works on them.
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { ParamStore } from "../engine/nn/params.js";
import { Rng } from "../engine/rng.js";
import { fileError } from "../errors.js";
import { readSafetensors } from "../formats/safetensors.js";
import { type DcganConfig, DcganGenerator } from "./architectures/dcgan.js";
import { CardGenerator } from "./cardGenerator.js";
import { assignParams } from "./checkpoint.js";
import { checkInputs, checkNoNaN } from "./inputChecks.js";
import { CARD_FILE, DEFAULT_WEIGHTS, type ValidatedCard } from "./modelCard.js";

/** A tfjs generator network: z [N, d] (+ y [N]) -> images [N, H, W, C] in [-1, 1]. */
export interface GeneratorNetwork {
	apply(z: tf.Tensor2D, y: tf.Tensor1D | undefined, training: boolean): tf.Tensor4D;
}

/** The architectures a tfjs card may name; each validates its config against the card. */
export const architectures = {
	dcgan: (store: ParamStore, card: ValidatedCard, file: string): GeneratorNetwork =>
		new DcganGenerator(store, dcganConfig(card, file)),
} as const;

/**
 * A lower bound on each architecture's parameter count, from its config alone: checked against
 * the weights file before the network is built, so a card claiming a huge network (a corrupt or
 * hostile width) fails fast instead of allocating it.
 */
const minimumParameters: Record<ArchitectureName, (card: ValidatedCard, file: string) => number> = {
	dcgan: (card, file) => {
		const { latentDim: d, numClasses: k, width: w, channels: c } = dcganConfig(card, file);
		// project d -> 64w, transposed convs 4w->2w->w->w (4x4), toImage w->c (3x3), per-class BN tables.
		return 64 * d * w + 176 * w * w + 9 * w * c + (k > 0 ? 16 * k * w : 0);
	},
};

export type ArchitectureName = keyof typeof architectures;

function dcganConfig(card: ValidatedCard, file: string): DcganConfig {
	const c = card.architectureConfig ?? {};
	for (const key of ["latentDim", "numClasses", "width", "channels"] as const) {
		if (!Number.isInteger(c[key]) || (c[key] as number) < (key === "numClasses" ? 0 : 1)) {
			throw fileError(file, `architectureConfig.${key} must be an integer, got ${JSON.stringify(c[key])}`);
		}
	}
	const config = c as unknown as DcganConfig;
	const mismatch = (what: string, a: unknown, b: unknown) =>
		fileError(file, `architectureConfig.${what} is ${a} but the card says ${b}`);
	if (config.latentDim !== card.latentDim) throw mismatch("latentDim", config.latentDim, card.latentDim);
	if (config.numClasses !== card.numClasses) throw mismatch("numClasses", config.numClasses, card.numClasses);
	if (config.channels !== card.imageShape[2]) throw mismatch("channels", config.channels, card.imageShape[2]);
	if (card.imageShape[0] !== 32 || card.imageShape[1] !== 32) {
		throw fileError(file, `the dcgan architecture makes 32x32 images, the card says imageShape [${card.imageShape}]`);
	}
	return { latentDim: config.latentDim, numClasses: config.numClasses, width: config.width, channels: config.channels };
}

export class TfjsGenerator extends CardGenerator {
	readonly differentiable = true;

	private constructor(
		id: string,
		card: ValidatedCard,
		readonly dir: string,
		readonly weightsFile: string,
		/** The network; its weights live in `store`. */
		readonly network: GeneratorNetwork,
		readonly store: ParamStore,
	) {
		super(id, card, dir);
	}

	/** Builds the card's architecture and loads its weights (strict: every parameter, right shapes, nothing else). */
	static async load(id: string, dir: string, card: ValidatedCard): Promise<TfjsGenerator> {
		const cardFile = join(dir, CARD_FILE);
		const architecture = card.architecture ?? "";
		if (!Object.hasOwn(architectures, architecture)) {
			throw fileError(
				cardFile,
				`unknown architecture ${JSON.stringify(card.architecture)}; known: ${Object.keys(architectures).join(", ")}`,
			);
		}
		if (card.valueRange[0] !== -1 || card.valueRange[1] !== 1) {
			throw fileError(cardFile, `a tfjs generator outputs [-1, 1], the card says valueRange [${card.valueRange}]`);
		}
		const weightsFile = join(dir, card.weights ?? DEFAULT_WEIGHTS.tfjs);
		const contents = await readSafetensors(weightsFile);
		const values = [...contents.tensors.values()].reduce((a, t) => a + t.data.length, 0);
		const needed = minimumParameters[architecture as ArchitectureName](card, cardFile);
		if (needed > values) {
			throw fileError(
				cardFile,
				`architectureConfig describes a network of at least ${needed} parameters, but ${weightsFile} holds ${values} values; the card does not match its weights`,
			);
		}
		const store = new ParamStore(new Rng(0));
		try {
			const network = architectures[architecture as ArchitectureName](store, card, cardFile);
			assignParams(weightsFile, contents, store);
			return new TfjsGenerator(id, card, dir, weightsFile, network, store);
		} catch (err) {
			store.dispose();
			throw err;
		}
	}

	/**
	 * The network in inference mode without checks or host reads: z [N, d] (+ y [N] int32) ->
	 * [N, H, W, C] in [-1, 1]. Synchronous, so it can run inside tf.grad (latent steering).
	 */
	forward(z: tf.Tensor2D, y?: tf.Tensor1D): tf.Tensor4D {
		return tf.tidy(() => this.network.apply(z, y, false));
	}

	async generate(z: tf.Tensor2D, y?: tf.Tensor1D): Promise<tf.Tensor4D> {
		const spec = { latentDim: this.latentDim, numClasses: this.numClasses, cardFile: this.cardFile };
		const labels = await checkInputs(spec, z, y);
		const images = tf.tidy(() => {
			const ids = labels && y?.dtype !== "int32" ? tf.tensor1d(labels, "int32") : y;
			return this.network.apply(z, ids as tf.Tensor1D | undefined, false); // [N, H, W, C]
		});
		try {
			checkNoNaN(await images.data(), this.imageShape[0] * this.imageShape[1] * this.imageShape[2], this.weightsFile);
		} catch (err) {
			images.dispose();
			throw err;
		}
		return images;
	}

	dispose(): void {
		this.store.dispose();
	}
}
