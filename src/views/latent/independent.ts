/**
 * T_z = independent: each neighbour is a fresh z ~ N_t(0, 1, t) with the anchor's class, so
 * views share only the class (class-conditional generators only; SupCon-like positives).
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

export interface IndependentViewOptions {
	/** Truncation of the fresh latents; default: the anchors' truncation. */
	truncation?: number;
}

export class IndependentView implements LatentView {
	readonly kind = "independent";
	readonly truncation: number | undefined;
	readonly config: Readonly<LatentViewConfig>;

	constructor(options: IndependentViewOptions | Record<string, unknown> = {}) {
		const o = options as Record<string, unknown>;
		checkOptionKeys("independent", o, ["truncation"]);
		this.truncation =
			o.truncation === undefined ? undefined : positiveOption("independent", "truncation", o.truncation);
		this.config =
			this.truncation === undefined ? { kind: "independent" } : { kind: "independent", truncation: this.truncation };
	}

	checkCompatible(space: LatentSpace, generatorId: string): void {
		if (space.numClasses === 0) {
			throw new GenrepError(
				`independent view needs a class-conditional generator, but ${generatorId} is unconditional (numClasses 0); use --view gaussian or none`,
			);
		}
	}

	neighbours(rng: Rng, anchors: Float32Array, k: number, space: LatentSpace): Float32Array {
		const n = anchors.length / space.latentDim;
		return truncatedNormal(rng, n * k * space.latentDim, 0, 1, this.truncation ?? space.truncation); // [n, k, d]
	}
}
