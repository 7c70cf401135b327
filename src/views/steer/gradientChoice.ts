/** The gradient a walk's training follows, by the resolved method: autodiff through G, or derivative-free. */
import { Rng } from "../../engine/rng.js";
import type { Generator } from "../../generators/generator.js";
import { autodiffWalkGradient } from "./autodiffGradient.js";
import { blackBoxWalkGradient } from "./blackBoxGradient.js";
import { asDifferentiable } from "./differentiable.js";
import type { PixelEditName } from "./pixelEdits.js";
import type { ResolvedWalkGradient, WalkGradient } from "./walkGradient.js";

/**
 * The gradient of one walk's objective by the resolved method; `seed` seeds the derivative-free
 * probes (their own stream, so z and alphas are the same draws whatever the method).
 */
export function walkGradient(
	generator: Generator,
	name: PixelEditName,
	unit: number,
	gradient: ResolvedWalkGradient,
	seed: number,
): WalkGradient {
	if (gradient.method === "autodiff") return autodiffWalkGradient(asDifferentiable(generator), name, unit);
	return blackBoxWalkGradient(generator, name, unit, gradient, new Rng(seed).fork(`probes-${name}`));
}
