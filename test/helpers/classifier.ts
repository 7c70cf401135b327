import * as tf from "@tensorflow/tfjs-core";
import { Dense } from "../../src/engine/nn/layers.js";
import { Rng } from "../../src/engine/rng.js";
import { ResNet } from "../../src/learners/encoders/resnet.js";
import { randomValues } from "./backends.js";

/** A small 3-stage ResNet with a 3-class head on 8 random 32x32x1 images (labels i mod 3). */
export function smallClassifier(seed: number) {
	const net = new ResNet({ widths: [8, 16, 16], blocks: [1, 1, 1], inChannels: 1 }, 1);
	const head = new Dense(net.store, "head", 16, 3);
	const images = tf.tensor4d(randomValues(new Rng(seed), [8, 32, 32, 1]), [8, 32, 32, 1]); // [8, 32, 32, 1]
	const labels = tf.oneHot(
		tf.tensor1d(
			Int32Array.from({ length: 8 }, (_, i) => i % 3),
			"int32",
		),
		3,
	); // [8, 3]
	return {
		net,
		/** Softmax cross-entropy of the head on the batch, in training mode. */
		loss: () => tf.losses.softmaxCrossEntropy(labels, head.apply(net.apply(images, true))) as tf.Scalar,
		dispose() {
			net.dispose();
			tf.dispose([images, labels]);
		},
	};
}
