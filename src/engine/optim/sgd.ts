/**
 * SGD with momentum and weight decay (PyTorch's convention, which GenRep and SimCLR use):
 *   g' = g + weightDecay * p;   v = momentum * v + g';   p = p - lr * v
 * and with `nesterov`, PyTorch's Nesterov form p = p - lr * (g' + momentum * v).
 * The momentum buffers live in a ParamStore under the parameters' names, so checkpoints
 * save and restore them by name and a resumed run continues exactly.
 */
import * as tf from "@tensorflow/tfjs-core";
import { GenrepError } from "../../errors.js";
import { ParamStore } from "../nn/params.js";
import { Rng } from "../rng.js";

export interface SgdOptions {
	/** Default 0.9. */
	momentum?: number;
	/** L2 penalty added to the gradient of every parameter; default 1e-4. */
	weightDecay?: number;
	/** Nesterov momentum; default false. */
	nesterov?: boolean;
	/** Which parameters get weight decay, by name; default all. */
	decays?: (name: string) => boolean;
}

export const SGD_DEFAULTS = { momentum: 0.9, weightDecay: 1e-4 } as const satisfies Required<
	Pick<SgdOptions, "momentum" | "weightDecay">
>;

export class Sgd {
	/** The momentum buffer of each parameter, keyed by the parameter's name. */
	readonly buffers: ParamStore;
	readonly momentum: number;
	readonly weightDecay: number;
	private readonly nesterov: boolean;
	private readonly decays: (name: string) => boolean;

	constructor(
		private readonly params: Map<string, tf.Variable>,
		options: SgdOptions = {},
	) {
		this.momentum = options.momentum ?? SGD_DEFAULTS.momentum;
		this.weightDecay = options.weightDecay ?? SGD_DEFAULTS.weightDecay;
		this.nesterov = options.nesterov ?? false;
		this.decays = options.decays ?? (() => true);
		if (!(this.momentum >= 0 && this.momentum < 1)) {
			throw new GenrepError(`momentum must be in [0, 1), got ${this.momentum}`);
		}
		if (!(this.weightDecay >= 0) || !Number.isFinite(this.weightDecay)) {
			throw new GenrepError(`weight decay must be a finite number >= 0, got ${this.weightDecay}`);
		}
		this.buffers = new ParamStore(new Rng(0));
		for (const [name, v] of params) this.buffers.buffer(name, v.shape, new Float32Array(v.size));
	}

	/** One update with gradients keyed by parameter name; call inside tf.tidy. */
	apply(grads: Map<string, tf.Tensor>, lr: number): void {
		for (const [name, p] of this.params) {
			const g = grads.get(name);
			if (!g) throw new Error(`no gradient for '${name}'`);
			const v = this.buffers.state.get(name) as tf.Variable;
			const decayed = this.weightDecay > 0 && this.decays(name) ? tf.add(g, tf.mul(p, this.weightDecay)) : g;
			v.assign(tf.add(tf.mul(v, this.momentum), decayed));
			const step = this.nesterov ? tf.add(decayed, tf.mul(v, this.momentum)) : v;
			p.assign(tf.sub(p, tf.mul(step, lr)));
		}
	}

	dispose(): void {
		this.buffers.dispose();
	}
}
