/** T_z = none: every neighbour is the anchor itself (only pixel views T_x make the views differ). */
import type { Rng } from "../../engine/rng.js";
import { checkOptionKeys, type LatentSpace, type LatentView, type LatentViewConfig } from "./latentView.js";

export type NoneViewOptions = Record<string, never>;

export class NoneView implements LatentView {
	readonly kind = "none";
	readonly config: Readonly<LatentViewConfig> = { kind: "none" };

	constructor(options: Record<string, unknown> = {}) {
		checkOptionKeys("none", options, []);
	}

	checkCompatible(): void {}

	neighbours(_rng: Rng, anchors: Float32Array, k: number, space: LatentSpace): Float32Array {
		const d = space.latentDim;
		const n = anchors.length / d;
		const out = new Float32Array(n * k * d); // [n, k, d]
		for (let i = 0; i < n; i++) {
			const anchor = anchors.subarray(i * d, (i + 1) * d);
			for (let j = 0; j < k; j++) out.set(anchor, (i * k + j) * d);
		}
		return out;
	}
}
