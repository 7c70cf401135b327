/**
 * How one step of walk training gets the gradient of its objective (the masked MSE between
 * G(z + latentStep(alpha) w) and edit(G(z), alpha) over a batch) with respect to the walk w:
 *
 * - `autodiff`: through the generator's graph (tfjs generators: `forward` inside tf.grad).
 * - `fd`: derivative-free, central finite differences of the objective along every latent
 *   coordinate (2 d probes per latent; exact up to O(probeScale^2)).
 * - `es`: derivative-free, antithetic central differences along `probes` random orthonormal
 *   directions per latent (orthogonal evolution strategies, Choromanski et al. 2018): an
 *   unbiased estimate from 2 * probes probes per latent, `fd` in a random basis when
 *   probes = d.
 *
 * `auto` picks autodiff when the generator has gradients and es otherwise (ONNX generators are
 * black boxes). Every step of a derivative-free method evaluates G on its whole population
 * (the batch, the batch moved by the walk, and every probe) in one call.
 */
import { z } from "zod";
import { choice, integerIn, parseOptions, positiveNumber } from "../../engine/options.js";
import { GenrepError } from "../../errors.js";
import type { Generator } from "../../generators/generator.js";
import { hasGradients } from "./differentiable.js";

export const GRADIENT_METHODS = ["auto", "autodiff", "fd", "es"] as const;
export type GradientMethod = Exclude<(typeof GRADIENT_METHODS)[number], "auto">;

export const WALK_GRADIENT_DEFAULTS = { gradient: "auto", probes: 8, probeScale: 0.05 } as const;

/**
 * The gradient options as a zod schema (walk training's schema takes its fields). probes and
 * probeScale have no schema default: theirs depend on the generator, and giving one that the
 * method does not use is an error.
 */
export const WALK_GRADIENT_OPTIONS = z.strictObject({
	/** auto (default), autodiff, fd or es. */
	gradient: choice(GRADIENT_METHODS, { oneOf: true }).default(WALK_GRADIENT_DEFAULTS.gradient),
	/** es: antithetic probe pairs per latent, 1..latentDim; default min(8, latentDim). */
	probes: integerIn(1, undefined, "an integer >= 1").optional(),
	/** fd, es: the length of a probe's step along its direction in w; default 0.05. */
	probeScale: positiveNumber().optional(),
});

export type WalkGradientOptions = z.input<typeof WALK_GRADIENT_OPTIONS>;

export interface ResolvedWalkGradient {
	method: GradientMethod;
	/** Probe pairs per latent: latentDim for fd, the option for es, 0 for autodiff. */
	probes: number;
	/** 0 for autodiff. */
	probeScale: number;
}

/** One step's batch: latents [B, d], classes [B] (conditional only), one alpha per latent. */
export interface WalkStepBatch {
	z: Float32Array; // [B, d]
	labels: Int32Array | null; // [B]
	alphas: number[]; // [B]
}

/** The objective at w on a batch and its gradient (exact or estimated) [d]. */
export type WalkGradient = (batch: WalkStepBatch, w: Float32Array) => Promise<{ loss: number; grad: Float32Array }>;

/** Validates the gradient options against the generator; errors name the bad value and the fix. */
export function resolveWalkGradient(generator: Generator, options: WalkGradientOptions): ResolvedWalkGradient {
	const o = parseOptions(WALK_GRADIENT_OPTIONS, options, "walk gradient", "steer train: ");
	const asked = o.gradient;
	const method: GradientMethod = asked === "auto" ? (hasGradients(generator) ? "autodiff" : "es") : asked;
	if (method === "autodiff" && !hasGradients(generator)) {
		throw new GenrepError(
			`steer train: gradient 'autodiff' needs a differentiable (tfjs) generator, but ${generator.id} is a black box (ONNX); ` +
				"use gradient 'es' or 'fd' (derivative-free), or leave it out to choose automatically",
		);
	}
	const why = asked === "auto" ? ` (auto chose '${method}': ${generator.id} has gradients)` : "";
	const d = generator.latentDim;
	if (o.probes !== undefined && method !== "es") {
		throw new GenrepError(
			`steer train: probes applies to gradient 'es' only, but the gradient is '${method}'${why}; ` +
				(method === "fd" ? "fd probes every latent direction" : "pass gradient 'es' to use probes"),
		);
	}
	if (o.probeScale !== undefined && method === "autodiff") {
		throw new GenrepError(
			`steer train: probeScale applies to the derivative-free gradients (es, fd) only, but the gradient is 'autodiff'${why}`,
		);
	}
	if (method === "autodiff") return { method, probes: 0, probeScale: 0 };
	const probeScale = o.probeScale ?? WALK_GRADIENT_DEFAULTS.probeScale;
	if (method === "fd") return { method, probes: d, probeScale };
	const probes = o.probes ?? Math.min(WALK_GRADIENT_DEFAULTS.probes, d);
	if (probes > d) {
		throw new GenrepError(
			`steer train: probes ${probes} is more than ${generator.id}'s latent dim ${d}; at most ${d} orthogonal probes fit ` +
				"(gradient 'fd' probes every latent direction)",
		);
	}
	return { method, probes, probeScale };
}

/** Images G makes per step for a batch of `batchSize` latents. */
export function imagesPerStep(gradient: ResolvedWalkGradient, batchSize: number): number {
	// autodiff: G(z) for the targets and G(z + s w) (with its backward pass);
	// derivative-free: those two and both sides of every probe.
	return gradient.method === "autodiff" ? 2 * batchSize : batchSize * (2 + 2 * gradient.probes);
}

/** The card's record of how the gradient was obtained. */
export function describeWalkGradient(gradient: ResolvedWalkGradient, batchSize: number, callsPerStep: number) {
	const descriptions: Record<GradientMethod, string> = {
		autodiff: "automatic differentiation through the generator's graph",
		fd: "central finite differences of the objective along every latent coordinate (derivative-free)",
		es: `antithetic central differences along ${gradient.probes} random orthonormal directions per latent, scaled by latentDim / probes (orthogonal evolution strategies; derivative-free)`,
	};
	return {
		method: gradient.method,
		description: descriptions[gradient.method],
		...(gradient.method === "autodiff" ? {} : { probesPerLatent: gradient.probes, probeScale: gradient.probeScale }),
		imagesPerStep: imagesPerStep(gradient, batchSize),
		generatorCallsPerStep: callsPerStep,
	};
}
