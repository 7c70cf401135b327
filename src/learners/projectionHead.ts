/**
 * The projection head of SimCLR: Linear-ReLU-Linear on the encoder's features, then L2
 * normalisation. Objectives see its output; evaluation uses the features before it.
 */
import * as tf from "@tensorflow/tfjs-core";
import { Dense } from "../engine/nn/layers.js";
import { heNormal, ParamStore } from "../engine/nn/params.js";
import { Rng } from "../engine/rng.js";
import { GenrepError } from "../errors.js";

export interface ProjectionHeadOptions {
	/** Feature size of the encoder. */
	inputDim: number;
	/** Hidden width; default inputDim (SimCLR). */
	hiddenDim?: number;
	/** Embedding size; default 128. */
	outputDim?: number;
}

export type ResolvedProjectionHead = Readonly<Required<ProjectionHeadOptions>>;

export const PROJECTION_HEAD_DEFAULTS = { outputDim: 128 } as const;

/** Validates the options; each error names the bad value. */
export function resolveProjectionHead(options: ProjectionHeadOptions): ResolvedProjectionHead {
	const resolved = {
		inputDim: options.inputDim,
		hiddenDim: options.hiddenDim ?? options.inputDim,
		outputDim: options.outputDim ?? PROJECTION_HEAD_DEFAULTS.outputDim,
	};
	for (const [key, value] of Object.entries(resolved)) {
		if (!Number.isInteger(value) || value < 1) {
			throw new GenrepError(`projection head: ${key} must be a positive integer, got ${value}`);
		}
	}
	return Object.freeze(resolved);
}

/** x [N, D] -> x / max(||x||, epsilon) row by row (finite gradient at 0). */
export function l2Normalize<T extends tf.Tensor>(x: T, epsilon = 1e-12): T {
	return tf.tidy(() => {
		const squared = tf.sum(tf.square(x), -1, true); // [N, 1]
		return tf.mul(x, tf.rsqrt(tf.maximum(squared, epsilon * epsilon))) as T;
	});
}

export class ProjectionHead {
	readonly store: ParamStore;
	readonly config: ResolvedProjectionHead;
	private readonly hidden: Dense;
	private readonly output: Dense;

	/** Registers its weights in `store` when given (e.g. beside the encoder), else in its own. */
	constructor(
		options: ProjectionHeadOptions,
		seed: number,
		store?: ParamStore,
		readonly prefix = "head",
	) {
		this.config = resolveProjectionHead(options);
		this.store = store ?? new ParamStore(new Rng(seed));
		const { inputDim, hiddenDim, outputDim } = this.config;
		this.hidden = new Dense(this.store, `${prefix}.hidden`, inputDim, hiddenDim, {
			init: (n, f) => heNormal(this.store.rng, n, f), // ReLU gain: a ReLU follows
		});
		this.output = new Dense(this.store, `${prefix}.output`, hiddenDim, outputDim);
	}

	/** features [N, inputDim] -> embeddings [N, outputDim], unit L2 norm */
	apply(features: tf.Tensor2D): tf.Tensor2D {
		return tf.tidy(() => {
			const h = tf.relu(this.hidden.apply(features)); // [N, hidden]
			return l2Normalize(this.output.apply(h)); // [N, outputDim]
		});
	}

	dispose(): void {
		this.store.dispose();
	}
}
