/** Generators with gradients: tfjs ones, whose `forward` runs inside tf.grad (ONNX ones are black boxes). */
import type * as tf from "@tensorflow/tfjs-core";
import { GenrepError } from "../../errors.js";
import type { Generator } from "../../generators/generator.js";

/** A generator whose forward pass runs inside tf.grad (TfjsGenerator). */
export interface DifferentiableGenerator extends Generator {
	forward(z: tf.Tensor2D, y?: tf.Tensor1D): tf.Tensor4D;
}

/** Whether gradients flow through the generator (a tfjs generator with a synchronous `forward`). */
export const hasGradients = (generator: Generator): generator is DifferentiableGenerator =>
	generator.differentiable && typeof (generator as { forward?: unknown }).forward === "function";

export function asDifferentiable(generator: Generator): DifferentiableGenerator {
	if (!hasGradients(generator)) {
		throw new GenrepError(
			`steering walks need a differentiable (tfjs) generator, but ${generator.id} is a black box (ONNX): ` +
				"walks are learned through the generator's gradients; use the gaussian latent view with it instead",
		);
	}
	return generator;
}
