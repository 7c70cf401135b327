import type * as tf from "@tensorflow/tfjs-core";

/**
 * The black-box generator contract of genrep (DESIGN.md): a model that maps latents z (and,
 * when conditional, class indices y) to images. Everything downstream (views, datasets,
 * learners, evaluation) depends only on this.
 */
export interface Generator {
	/** Where it came from: a shipped model name or a directory. */
	readonly id: string;
	readonly latentDim: number;
	/** 0 = unconditional. */
	readonly numClasses: number;
	readonly classNames: string[];
	/** [H, W, C] of one generated image. */
	readonly imageShape: [number, number, number];
	/** Truncation t of N_t(0, 1, t) that anchors are drawn with by default (card's value). */
	readonly defaultTruncation: number;
	/** True when gradients flow from images back to z (tfjs generators; needed for steering). */
	readonly differentiable: boolean;
	/**
	 * z [N, latentDim] float32, y [N] int32 (conditional only) -> images [N, H, W, C] float32
	 * in [-1, 1]. Runs in inference mode. The caller owns and disposes the result.
	 */
	generate(z: tf.Tensor2D, y?: tf.Tensor1D): tf.Tensor4D | Promise<tf.Tensor4D>;
	dispose(): void;
}

/** The model card (model.json) beside every generator's weights. */
export interface ModelCard {
	format: "genrep-generator/1";
	/** "tfjs" (our architectures, weights in safetensors) or "onnx" (any exported generator). */
	kind: "tfjs" | "onnx";
	latentDim: number;
	numClasses: number;
	classNames?: string[];
	imageShape: [number, number, number];
	valueRange: [number, number];
	defaultTruncation: number;
	[key: string]: unknown;
}
