/**
 * Latent views T_z (DESIGN.md, section 3.3 of the paper): given anchors z [n, d] (and their
 * classes), a view draws K neighbours per anchor in latent space; the generator turns each
 * into an image that is "another view of the same thing". All randomness comes from the Rng
 * the caller passes in, so a view is a pure function of (rng state, anchors, options).
 */
import type { Rng } from "../../engine/rng.js";
import { truncatedNormal } from "../../engine/truncatedNormal.js";
import { GenrepError } from "../../errors.js";

/** Anchors are drawn from N_t(0, 1, t) with this t unless told otherwise (GenRep uses 2). */
export const DEFAULT_ANCHOR_TRUNCATION = 2;

/** What a view needs to know about the generator it serves. */
export interface LatentSpace {
	latentDim: number;
	/** 0 = unconditional. */
	numClasses: number;
	/** Truncation t the anchors were drawn with. */
	truncation: number;
	/** False for black-box generators (ONNX). No latent view needs gradients through G (walks for black boxes are learned derivative-free). */
	differentiable?: boolean;
	/** sha256 of the generator's weights file (null when it has none), read on first call. */
	weightsSha256?: () => string | null;
}

/** A view's options as recorded in a dataset manifest: JSON numbers only. */
export type LatentViewConfig = { kind: string } & Record<string, number | string>;

export interface LatentView {
	readonly kind: string;
	/** The resolved options (defaults filled in), for manifests and logs. */
	readonly config: Readonly<LatentViewConfig>;
	/** Throws a GenrepError when the view cannot serve this generator (e.g. independent on an unconditional one). */
	checkCompatible(space: LatentSpace, generatorId: string): void;
	/**
	 * K neighbours of each anchor: anchors [n, d] -> neighbours [n, k, d] (row-major), drawn
	 * from `rng`. Every neighbour keeps its anchor's class.
	 */
	neighbours(rng: Rng, anchors: Float32Array, k: number, space: LatentSpace): Float32Array;
}

/** Anchors z [n, d] ~ N_t(0, 1, truncation). */
export function sampleAnchors(
	rng: Rng,
	n: number,
	latentDim: number,
	truncation = DEFAULT_ANCHOR_TRUNCATION,
): Float32Array {
	return truncatedNormal(rng, n * latentDim, 0, 1, truncation);
}

/** Rejects option keys a view does not know; `view` names it in the error. */
export function checkOptionKeys(view: string, options: Record<string, unknown>, known: readonly string[]): void {
	for (const key of Object.keys(options)) {
		if (!known.includes(key)) {
			const list = known.length > 0 ? known.join(", ") : "none";
			throw new GenrepError(`${view} view: unknown option '${key}' (known options: ${list})`);
		}
	}
}

/** A finite number > 0, or a GenrepError naming the option and the value. */
export function positiveOption(view: string, name: string, value: unknown): number {
	if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
		throw new GenrepError(
			`${view} view: ${name} must be a positive number, got ${JSON.stringify(value) ?? String(value)}`,
		);
	}
	return value;
}
