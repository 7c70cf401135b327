/**
 * Adam (Kingma & Ba 2015) with bias correction folded into the step size:
 *   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2;   p = p - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
 * `Adam` updates tf variables and keeps its moments in a ParamStore (`<name>.m`, `<name>.v`),
 * so checkpoints save and restore them by name and a resumed run continues exactly.
 * `HostAdam` runs the same update on one host vector (a steering walk), its moments in
 * Float32Arrays that a caller can save and hand back.
 */
import * as tf from "@tensorflow/tfjs-core";
import { ParamStore } from "../nn/params.js";
import { Rng } from "../rng.js";

export interface AdamOptions {
	/** Default 0.9. */
	beta1?: number;
	/** Default 0.999. */
	beta2?: number;
	/** Default 1e-8. */
	epsilon?: number;
}

export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const satisfies Required<AdamOptions>;

/** The bias-corrected step size of step `t` (1-based): lr sqrt(1 - b2^t) / (1 - b1^t). */
export function adamStepSize(lr: number, beta1: number, beta2: number, t: number): number {
	return (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
}

/** Adam on tf variables; moments in a ParamStore under `<name>.m` and `<name>.v`. */
export class Adam {
	readonly moments: ParamStore;
	readonly beta1: number;
	readonly beta2: number;
	readonly epsilon: number;

	constructor(
		private readonly params: Map<string, tf.Variable>,
		private readonly lr: number,
		options: AdamOptions = {},
	) {
		this.beta1 = options.beta1 ?? ADAM_DEFAULTS.beta1;
		this.beta2 = options.beta2 ?? ADAM_DEFAULTS.beta2;
		this.epsilon = options.epsilon ?? ADAM_DEFAULTS.epsilon;
		this.moments = new ParamStore(new Rng(0));
		for (const [name, v] of params) {
			this.moments.buffer(`${name}.m`, v.shape, new Float32Array(v.size));
			this.moments.buffer(`${name}.v`, v.shape, new Float32Array(v.size));
		}
	}

	/** Applies step `t` (1-based) with gradients keyed by parameter name; call inside tf.tidy. */
	apply(grads: Map<string, tf.Tensor>, t: number): void {
		const { beta1: b1, beta2: b2 } = this;
		const stepSize = adamStepSize(this.lr, b1, b2, t);
		for (const [name, p] of this.params) {
			const g = grads.get(name);
			if (!g) throw new Error(`no gradient for '${name}'`);
			const m = this.moments.state.get(`${name}.m`) as tf.Variable;
			const v = this.moments.state.get(`${name}.v`) as tf.Variable;
			m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
			v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
			p.assign(tf.sub(p, tf.mul(tf.div(m, tf.add(tf.sqrt(v), this.epsilon)), stepSize)));
		}
	}

	dispose(): void {
		this.moments.dispose();
	}
}

/** Adam on one host vector; the arithmetic runs in float64 and the moments are stored as float32. */
export class HostAdam {
	/** First and second moments, [size] each: the optimizer's whole state besides the step. */
	readonly m: Float32Array;
	readonly v: Float32Array;
	readonly beta1: number;
	readonly beta2: number;
	readonly epsilon: number;

	constructor(size: number, options: AdamOptions = {}, state?: { m: Float32Array; v: Float32Array }) {
		this.beta1 = options.beta1 ?? ADAM_DEFAULTS.beta1;
		this.beta2 = options.beta2 ?? ADAM_DEFAULTS.beta2;
		this.epsilon = options.epsilon ?? ADAM_DEFAULTS.epsilon;
		if (state && (state.m.length !== size || state.v.length !== size)) {
			throw new Error(`Adam state has ${state.m.length}/${state.v.length} values, expected ${size}`);
		}
		this.m = state ? Float32Array.from(state.m) : new Float32Array(size);
		this.v = state ? Float32Array.from(state.v) : new Float32Array(size);
	}

	/** Applies step `t` (1-based) at learning rate `lr` to `params` in place. */
	apply(params: Float32Array, grad: ArrayLike<number>, t: number, lr: number): void {
		const { beta1, beta2, epsilon, m, v } = this;
		const stepSize = adamStepSize(lr, beta1, beta2, t);
		for (let i = 0; i < params.length; i++) {
			m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
			v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
			params[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) + epsilon);
		}
	}
}
