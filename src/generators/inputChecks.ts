/**
 * The checks every Generator runs on its inputs and output, against its model card: z must
 * be [N, latentDim]; y is required iff the model is conditional and holds integers in
 * [0, numClasses); the output must be NaN-free. Errors name the file and the mismatch.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { fileError } from "../errors.js";

export interface InputSpec {
	latentDim: number;
	numClasses: number;
	/** The model card, named in input errors (it declares latentDim and numClasses). */
	cardFile: string;
}

/** Checks z [N, latentDim] (and y [N] when conditional); returns y's values, or null when unconditional. */
export async function checkInputs(spec: InputSpec, z: tf.Tensor, y?: tf.Tensor): Promise<Int32Array | null> {
	const n = checkLatents(spec, z);
	return checkClasses(spec, n, y, y ? await y.data() : undefined);
}

/** z must be [N, latentDim] with N >= 1; returns N. */
export function checkLatents(spec: InputSpec, z: tf.Tensor): number {
	if (z.rank !== 2 || z.shape[1] !== spec.latentDim || z.shape[0] < 1) {
		throw fileError(
			spec.cardFile,
			`z has shape [${z.shape.join(", ")}], expected [N, ${spec.latentDim}] (latentDim ${spec.latentDim})`,
		);
	}
	return z.shape[0];
}

/** Validates class labels against the card; returns them as int32, or null for an unconditional model. */
export function checkClasses(
	spec: InputSpec,
	n: number,
	y: tf.Tensor | undefined,
	values: ArrayLike<number> | undefined,
): Int32Array | null {
	if (spec.numClasses === 0) {
		if (y)
			throw fileError(spec.cardFile, "the generator is unconditional (numClasses 0) but class labels y were given");
		return null;
	}
	if (!y || !values) {
		throw fileError(
			spec.cardFile,
			`the generator is conditional (${spec.numClasses} classes) and needs class labels y [N]`,
		);
	}
	if (y.rank !== 1 || y.shape[0] !== n) {
		throw fileError(spec.cardFile, `y has shape [${y.shape.join(", ")}], expected [${n}] (one class per row of z)`);
	}
	const out = new Int32Array(n);
	for (let i = 0; i < n; i++) {
		const v = values[i];
		if (!Number.isInteger(v) || v < 0 || v >= spec.numClasses) {
			throw fileError(
				spec.cardFile,
				`class index ${v} at position ${i} of y is out of range: expected an integer in [0, ${spec.numClasses})`,
			);
		}
		out[i] = v;
	}
	return out;
}

/** Index of the first NaN, or -1. */
export function firstNaN(values: ArrayLike<number>): number {
	for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return i;
	return -1;
}

/** Throws when the generated images hold NaN, naming the model file (its weights are the likely cause). */
export function checkNoNaN(values: ArrayLike<number>, imageSize: number, modelFile: string): void {
	const i = firstNaN(values);
	if (i >= 0) {
		throw fileError(
			modelFile,
			`the generator's output has NaN (first in sample ${Math.floor(i / imageSize)}); the weights may be corrupt`,
		);
	}
}
