/**
 * T_z = gaussian: z' = z + w, w ~ N_t(0, sigma, t) (t = 2 by default), independently per
 * neighbour and dimension. The paper's best sigma depends on the generator (0.2 BigBiGAN,
 * 1.0 BigGAN, 0.25 StyleGAN2) along an inverse-U curve.
 */
import type { Rng } from "../../engine/rng.js";
import { truncatedNormal } from "../../engine/truncatedNormal.js";
import { GenrepError } from "../../errors.js";
import {
	checkOptionKeys,
	type LatentSpace,
	type LatentView,
	type LatentViewConfig,
	positiveOption,
} from "./latentView.js";

export interface GaussianViewOptions {
	/** Spread of the offset w (required, > 0). */
	sigma: number;
	/** w is re-drawn outside [-truncation * sigma, truncation * sigma]; default 2. */
	truncation?: number;
}

export const GAUSSIAN_VIEW_DEFAULTS = { truncation: 2 } as const;

export class GaussianView implements LatentView {
	readonly kind = "gaussian";
	readonly sigma: number;
	readonly truncation: number;
	readonly config: Readonly<LatentViewConfig>;

	constructor(options: Partial<GaussianViewOptions> | Record<string, unknown> = {}) {
		const o = options as Record<string, unknown>;
		checkOptionKeys("gaussian", o, ["sigma", "truncation"]);
		if (o.sigma === undefined)
			throw new GenrepError("gaussian view: sigma is required (e.g. --sigma 0.2), a positive number");
		this.sigma = positiveOption("gaussian", "sigma", o.sigma);
		this.truncation = positiveOption("gaussian", "truncation", o.truncation ?? GAUSSIAN_VIEW_DEFAULTS.truncation);
		this.config = { kind: "gaussian", sigma: this.sigma, truncation: this.truncation };
	}

	checkCompatible(): void {}

	neighbours(rng: Rng, anchors: Float32Array, k: number, space: LatentSpace): Float32Array {
		const d = space.latentDim;
		const n = anchors.length / d;
		const out = truncatedNormal(rng, n * k * d, 0, this.sigma, this.truncation); // w [n, k, d]
		for (let i = 0; i < n; i++) {
			for (let j = 0; j < k; j++) {
				const at = (i * k + j) * d;
				for (let c = 0; c < d; c++) out[at + c] += anchors[i * d + c];
			}
		}
		return out;
	}
}
