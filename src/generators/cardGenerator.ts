import { join } from "node:path";
import type * as tf from "@tensorflow/tfjs-core";
import type { Generator } from "./generator.js";
import { CARD_FILE, type ValidatedCard } from "./modelCard.js";

/** What every generator loaded from a model directory takes from its card. */
export abstract class CardGenerator implements Generator {
	abstract readonly differentiable: boolean;
	readonly latentDim: number;
	readonly numClasses: number;
	readonly classNames: string[];
	readonly imageShape: [number, number, number];
	readonly defaultTruncation: number;
	/** The card's path, named in errors about inputs that do not match it. */
	readonly cardFile: string;

	protected constructor(
		readonly id: string,
		readonly card: ValidatedCard,
		dir: string,
	) {
		this.latentDim = card.latentDim;
		this.numClasses = card.numClasses;
		this.classNames = card.classNames;
		this.imageShape = [...card.imageShape];
		this.defaultTruncation = card.defaultTruncation;
		this.cardFile = join(dir, CARD_FILE);
	}

	abstract generate(z: tf.Tensor2D, y?: tf.Tensor1D): tf.Tensor4D | Promise<tf.Tensor4D>;
	abstract dispose(): void;
}
