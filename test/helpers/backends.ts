import * as tf from "@tensorflow/tfjs-core";
import { initEngine } from "../../src/engine/backend.js";
import type { Rng } from "../../src/engine/rng.js";

/** Random normal values from a seeded Rng. */
export function randomValues(rng: Rng, shape: number[]): Float32Array {
	const n = shape.reduce((a, b) => a * b, 1);
	const out = new Float32Array(n);
	for (let i = 0; i < n; i++) out[i] = rng.normal();
	return out;
}

/**
 * Runs fn on a backend with fresh tensors made from the given arrays and returns the
 * outputs' values, so the same computation can be compared across backends.
 */
export async function runOn(
	backend: "cpu" | "wasm",
	inputs: { values: Float32Array | Int32Array; shape: number[] }[],
	fn: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
	await initEngine({ backend });
	const tensors = inputs.map((i) => tf.tensor(i.values, i.shape, i.values instanceof Int32Array ? "int32" : "float32"));
	const outs = tf.tidy(() => {
		const r = fn(...tensors);
		return Array.isArray(r) ? r : [r];
	});
	const values = await Promise.all(outs.map(async (o) => Float32Array.from(await o.data())));
	tf.dispose([...outs, ...tensors]);
	return values;
}
