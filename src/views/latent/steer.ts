/**
 * T_z = steer: z' = z + sum_i latentStep_i(alpha_i) w_i, with one walk w_i per pixel edit
 * (shift x/y, zoom, rotation, brightness, contrast) learned by `genrep steer train` so that
 * G(z + latentStep(alpha) w) looks like the edit applied to G(z) (Jahanian et al. 2020). Each
 * neighbour draws its own alpha for every walk: uniformly over the walk's alpha range, in log
 * space for zoom and contrast; `alphaScale` shrinks every range towards "no edit".
 */
import type { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import { drawAlpha } from "../steer/pixelEdits.js";
import { SteeringWalks, type WalkEntry } from "../steer/walks.js";
import {
	checkOptionKeys,
	type LatentSpace,
	type LatentView,
	type LatentViewConfig,
	positiveOption,
} from "./latentView.js";

export interface SteerViewOptions {
	/** A folder written by `genrep steer train` (or a shipped generator's name for its walks). */
	walks: string;
	/** Fraction of each walk's alpha range to draw from, in (0, 1]; default 1. */
	alphaScale?: number;
	/** When given (e.g. from a manifest), walks.safetensors must have this sha256. */
	walksSha256?: string;
}

export const STEER_VIEW_DEFAULTS = { alphaScale: 1 } as const;

export class SteerView implements LatentView {
	readonly kind = "steer";
	readonly walks: SteeringWalks;
	readonly alphaScale: number;
	readonly config: Readonly<LatentViewConfig>;

	constructor(options: Partial<SteerViewOptions> | Record<string, unknown> = {}) {
		const o = options as Record<string, unknown>;
		checkOptionKeys("steer", o, ["walks", "alphaScale", "walksSha256"]);
		if (o.walks === undefined) {
			throw new GenrepError(
				"steer view needs walks: pass --walks <dir> (a folder from `genrep steer train --generator <g> --out <dir>`)",
			);
		}
		if (typeof o.walks !== "string") {
			throw new GenrepError(`steer view: walks must be a folder path, got ${JSON.stringify(o.walks)}`);
		}
		this.alphaScale = positiveOption("steer", "alphaScale", o.alphaScale ?? STEER_VIEW_DEFAULTS.alphaScale);
		if (this.alphaScale > 1) {
			throw new GenrepError(
				`steer view: alphaScale must be in (0, 1] (a fraction of the alpha ranges the walks were trained on), got ${this.alphaScale}`,
			);
		}
		this.walks = SteeringWalks.load(o.walks);
		if (o.walksSha256 !== undefined && o.walksSha256 !== this.walks.sha256) {
			throw new GenrepError(
				`steer view: ${this.walks.dir} holds different walks (sha256 ${this.walks.sha256.slice(0, 12)}) than recorded (${String(o.walksSha256).slice(0, 12)})`,
			);
		}
		this.config = {
			kind: "steer",
			walks: this.walks.id,
			walksSha256: this.walks.sha256,
			alphaScale: this.alphaScale,
		};
	}

	checkCompatible(space: LatentSpace, generatorId: string): void {
		const g = this.walks.card.generator;
		// Walks only add latent offsets, so black boxes (ONNX) take them too: `steer train` learns theirs derivative-free.
		if (space.latentDim !== g.latentDim || space.numClasses !== g.numClasses) {
			throw new GenrepError(
				`walks in ${this.walks.dir} were trained for generator '${g.id}' (latent dim ${g.latentDim}, ${g.numClasses} classes), ` +
					`not for ${generatorId} (latent dim ${space.latentDim}, ${space.numClasses} classes); train walks for it with \`genrep steer train\``,
			);
		}
		const weights = space.weightsSha256?.() ?? null;
		if (weights !== null && weights !== g.weightsSha256) {
			throw new GenrepError(
				`walks in ${this.walks.dir} were trained for generator '${g.id}' (weights sha256 ${g.weightsSha256.slice(0, 12)}), ` +
					`not for ${generatorId} (weights sha256 ${weights.slice(0, 12)}); train walks for it with \`genrep steer train\``,
			);
		}
	}

	/** The alpha range a neighbour draws from for this walk (the trained range shrunk by alphaScale). */
	alphaRange(walk: WalkEntry): [number, number] {
		const log = walk.latentScale === "log";
		const g = (a: number) => (log ? Math.log(a) : a - walk.identity);
		const back = (v: number) => (log ? Math.exp(v) : v + walk.identity);
		return [back(this.alphaScale * g(walk.alphaRange[0])), back(this.alphaScale * g(walk.alphaRange[1]))];
	}

	/** One alpha per walk (card order), uniform over alphaRange (log-uniform for log edits). */
	drawAlphas(rng: Rng): number[] {
		return this.walks.card.walks.map((walk) => drawAlpha(rng, walk.edit, this.alphaRange(walk)));
	}

	neighbours(rng: Rng, anchors: Float32Array, k: number, space: LatentSpace): Float32Array {
		const d = space.latentDim;
		const n = anchors.length / d;
		const walks = this.walks.card.walks;
		const vectors = walks.map((w) => this.walks.vectors.get(w.edit) as Float32Array); // [walks][d]
		const out = new Float32Array(n * k * d); // [n, k, d]
		for (let i = 0; i < n; i++) {
			for (let j = 0; j < k; j++) {
				const at = (i * k + j) * d;
				out.set(anchors.subarray(i * d, (i + 1) * d), at);
				const alphas = this.drawAlphas(rng);
				for (let m = 0; m < walks.length; m++) {
					const s = this.walks.step(walks[m], alphas[m]);
					const w = vectors[m];
					for (let c = 0; c < d; c++) out[at + c] += s * w[c];
				}
			}
		}
		return out;
	}
}

export function createSteerView(options: Record<string, unknown> = {}): LatentView {
	return new SteerView(options);
}
