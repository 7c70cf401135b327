/** Differentiable generators: the ones whose forward pass runs inside tf.grad (tfjs), which gradient-trained walks need. */
import type * as tf from "@tensorflow/tfjs-core";
import { GenrepError } from "../../errors.js";
import type { Generator } from "../../generators/generator.js";

/** A generator whose forward pass runs inside tf.grad (TfjsGenerator). */
export interface DifferentiableGenerator extends Generator {
	forward(z: tf.Tensor2D, y?: tf.Tensor1D): tf.Tensor4D;
}

export function asDifferentiable(generator: Generator): DifferentiableGenerator {
	const forward = (generator as Partial<DifferentiableGenerator>).forward;
	if (!generator.differentiable || typeof forward !== "function") {
		throw new GenrepError(
			`steering walks need a differentiable (tfjs) generator, but ${generator.id} is a black box (ONNX): ` +
				"walks are learned through the generator's gradients; use the gaussian latent view with it instead",
		);
	}
	return generator as DifferentiableGenerator;
}
