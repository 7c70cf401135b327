import * as tf from "@tensorflow/tfjs-core";
import type { DifferentiableGenerator } from "../../src/views/steer/differentiable.js";

/**
 * A differentiable stand-in generator whose latents control pixel edits almost linearly: an
 * elongated Gaussian blob on a dark background, z [N, 6] = (x, y, log size, angle, background,
 * amplitude). Walks for every edit can lower their error on it, so a test of the walk trainer
 * does not depend on how steerable a GAN happens to be.
 */
export function makeBlobGenerator(size = 16): DifferentiableGenerator {
	const coords = tf.tidy(() => {
		const r = tf.sub(tf.range(0, size, 1, "float32"), (size - 1) / 2); // [S]
		return {
			x: tf.reshape(tf.tile(tf.reshape(r, [1, size]), [size, 1]), [1, size, size, 1]), // [1, S, S, 1]
			y: tf.reshape(tf.tile(tf.reshape(r, [size, 1]), [1, size]), [1, size, size, 1]),
		};
	});
	const column = (z: tf.Tensor2D, i: number) => tf.reshape(tf.slice(z, [0, i], [-1, 1]), [-1, 1, 1, 1]); // [N, 1, 1, 1]
	const forward = (z: tf.Tensor2D): tf.Tensor4D =>
		tf.tidy(() => {
			const dx = tf.sub(coords.x, tf.mul(column(z, 0), size / 8));
			const dy = tf.sub(coords.y, tf.mul(column(z, 1), size / 8));
			const sigma = tf.mul(tf.exp(tf.mul(column(z, 2), 0.3)), size / 10);
			const angle = tf.mul(column(z, 3), 0.5);
			const u = tf.add(tf.mul(dx, tf.cos(angle)), tf.mul(dy, tf.sin(angle)));
			const v = tf.sub(tf.mul(dy, tf.cos(angle)), tf.mul(dx, tf.sin(angle)));
			const r2 = tf.add(tf.square(tf.div(u, tf.mul(sigma, 2))), tf.square(tf.div(v, sigma)));
			const blob = tf.exp(tf.mul(r2, -0.5)); // [N, S, S, 1]
			const background = tf.add(-0.8, tf.mul(column(z, 4), 0.2));
			const amplitude = tf.add(1.2, tf.mul(column(z, 5), 0.3));
			return tf.add(background, tf.mul(amplitude, blob)) as tf.Tensor4D;
		});
	return {
		id: "blob",
		latentDim: 6,
		numClasses: 0,
		classNames: [],
		imageShape: [size, size, 1],
		defaultTruncation: 2,
		differentiable: true,
		forward,
		generate: (z) => forward(z),
		dispose: () => tf.dispose([coords.x, coords.y]),
	};
}
