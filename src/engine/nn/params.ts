import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../rng.js";

/**
 * The named parameters of a model: trainable weights and non-trainable state (batch-norm
 * running statistics). Names are paths like "stage1.block0.conv1.weight"; they are the
 * keys of saved checkpoints. Each model owns one store and disposes it.
 */
export class ParamStore {
	readonly trainable = new Map<string, tf.Variable>();
	readonly state = new Map<string, tf.Variable>();

	constructor(readonly rng: Rng) {}

	/** A trainable variable initialised from values. */
	weight(name: string, shape: number[], values: Float32Array): tf.Variable {
		return this.add(this.trainable, name, shape, values, true);
	}

	/** A non-trainable state variable (e.g. running mean). */
	buffer(name: string, shape: number[], values: Float32Array): tf.Variable {
		return this.add(this.state, name, shape, values, false);
	}

	private add(map: Map<string, tf.Variable>, name: string, shape: number[], values: Float32Array, trainable: boolean) {
		if (this.trainable.has(name) || this.state.has(name)) throw new Error(`parameter '${name}' defined twice`);
		const v = tf.tidy(() =>
			tf.variable(tf.tensor(values, shape, "float32"), trainable, `${name}#${variableCounter++}`),
		);
		map.set(name, v);
		return v;
	}

	/** All variables by name (trainable, then state). */
	all(): Map<string, tf.Variable> {
		return new Map([...this.trainable, ...this.state]);
	}

	/** Number of trainable scalars. */
	count(): number {
		let n = 0;
		for (const v of this.trainable.values()) n += v.size;
		return n;
	}

	/** Copies values in (by name); every name must match in shape. */
	assign(values: Map<string, { shape: number[]; data: Float32Array }>): void {
		for (const [name, v] of this.all()) {
			const src = values.get(name);
			if (!src) throw new Error(`missing parameter '${name}'`);
			if (src.shape.join(",") !== v.shape.join(",")) {
				throw new Error(`parameter '${name}' has shape [${src.shape}], expected [${v.shape}]`);
			}
			tf.tidy(() => v.assign(tf.tensor(src.data, v.shape, "float32")));
		}
	}

	/** Reads every variable to host memory. */
	async snapshot(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
		const out = new Map<string, { shape: number[]; data: Float32Array }>();
		for (const [name, v] of this.all())
			out.set(name, { shape: v.shape.slice(), data: (await v.data()) as Float32Array });
		return out;
	}

	dispose(): void {
		for (const v of this.all().values()) v.dispose();
		this.trainable.clear();
		this.state.clear();
	}
}

let variableCounter = 0;

/** Maps tf.variableGrads' result (keyed by variable name) back to the parameters' names. */
export function gradsByName(params: Map<string, tf.Variable>, grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
	const out = new Map<string, tf.Tensor>();
	for (const [name, v] of params) out.set(name, grads[v.name]);
	return out;
}

/** He (Kaiming) normal initialisation for a layer with `fanIn` inputs. */
export function heNormal(rng: Rng, size: number, fanIn: number, gain = Math.SQRT2): Float32Array {
	const std = gain / Math.sqrt(fanIn);
	const out = new Float32Array(size);
	for (let i = 0; i < size; i++) out[i] = rng.normal() * std;
	return out;
}

/** Normal initialisation with a fixed standard deviation (DCGAN uses 0.02). */
export function normalInit(rng: Rng, size: number, std: number, mean = 0): Float32Array {
	const out = new Float32Array(size);
	for (let i = 0; i < size; i++) out[i] = mean + rng.normal() * std;
	return out;
}

export const filled = (size: number, value: number): Float32Array => new Float32Array(size).fill(value);
