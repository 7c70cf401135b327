import * as tf from "@tensorflow/tfjs-core";
import { BatchNorm } from "../../engine/nn/batchNorm.js";
import { Conv2d, ConvTranspose2d, Dense, Embedding } from "../../engine/nn/layers.js";
import { filled, normalInit, type ParamStore } from "../../engine/nn/params.js";

/** Sizes of a DCGAN pair for 32x32 images. */
export interface DcganConfig {
	latentDim: number;
	/** 0 = unconditional; otherwise classes for conditional batch norm and a projection discriminator. */
	numClasses: number;
	/** Base width: the generator goes 4*width (4x4) -> 2*width (8x8) -> width (16x16) -> channels (32x32). */
	width: number;
	channels: number;
}

const init = (store: ParamStore) => (size: number) => normalInit(store.rng, size, 0.02);

/** DCGAN generator with (conditional) batch norm: z [N, d] (+ y [N]) -> images [N, 32, 32, C] in [-1, 1]. */
export class DcganGenerator {
	private readonly project: Dense;
	private readonly up: ConvTranspose2d[];
	private readonly norms: BatchNorm[];
	/** Per-class scale and shift of each batch norm (conditional batch norm). */
	private readonly classScale: Embedding[];
	private readonly classShift: Embedding[];
	private readonly toImage: Conv2d;

	constructor(
		readonly store: ParamStore,
		readonly config: DcganConfig,
		prefix = "generator",
	) {
		const w = config.width;
		const conditional = config.numClasses > 0;
		this.project = new Dense(store, `${prefix}.project`, config.latentDim, 4 * 4 * 4 * w, { init: init(store) });
		const widths = [4 * w, 2 * w, w, w];
		this.norms = widths.map((c, i) => new BatchNorm(store, `${prefix}.bn${i}`, c, { affine: !conditional }));
		this.classScale = conditional
			? widths.map(
					(c, i) =>
						new Embedding(store, `${prefix}.bn${i}.classScale`, config.numClasses, c, filled(config.numClasses * c, 1)),
				)
			: [];
		this.classShift = conditional
			? widths.map(
					(c, i) =>
						new Embedding(store, `${prefix}.bn${i}.classShift`, config.numClasses, c, filled(config.numClasses * c, 0)),
				)
			: [];
		this.up = [0, 1, 2].map(
			(i) => new ConvTranspose2d(store, `${prefix}.up${i}`, widths[i], widths[i + 1], 4, 2, { init: init(store) }),
		);
		this.toImage = new Conv2d(store, `${prefix}.toImage`, w, config.channels, 3, 1, "same", {
			bias: true,
			init: init(store),
		});
	}

	private norm(i: number, x: tf.Tensor4D, training: boolean, y?: tf.Tensor1D): tf.Tensor4D {
		if (this.config.numClasses === 0 || !y) return this.norms[i].apply(x, training);
		const scale = tf.reshape(this.classScale[i].apply(y), [-1, 1, 1, x.shape[3]]); // [N, 1, 1, C]
		const shift = tf.reshape(this.classShift[i].apply(y), [-1, 1, 1, x.shape[3]]);
		return this.norms[i].apply(x, training, scale, shift);
	}

	/** z [N, d], y [N] int32 (conditional only) -> [N, 32, 32, C] */
	apply(z: tf.Tensor2D, y: tf.Tensor1D | undefined, training: boolean): tf.Tensor4D {
		if (this.config.numClasses > 0 && !y) throw new Error("conditional generator needs class labels y");
		const w = this.config.width;
		let h = tf.reshape(this.project.apply(z), [-1, 4, 4, 4 * w]) as tf.Tensor4D; // [N, 4, 4, 4w]
		h = tf.relu(this.norm(0, h, training, y));
		for (let i = 0; i < 3; i++) h = tf.relu(this.norm(i + 1, this.up[i].apply(h), training, y)); // -> [N, 32, 32, w]
		return tf.tanh(this.toImage.apply(h)); // [N, 32, 32, C]
	}
}

/** DCGAN discriminator with a projection head for classes: images [N, 32, 32, C] (+ y) -> logits [N]. */
export class DcganDiscriminator {
	private readonly convs: Conv2d[];
	private readonly head: Dense;
	private readonly classEmbedding: Embedding | null;

	constructor(
		readonly store: ParamStore,
		readonly config: DcganConfig,
		prefix = "discriminator",
	) {
		const w = config.width;
		const widths = [config.channels, w, 2 * w, 4 * w];
		this.convs = [0, 1, 2].map(
			(i) =>
				new Conv2d(store, `${prefix}.conv${i}`, widths[i], widths[i + 1], 4, 2, 1, { bias: true, init: init(store) }),
		);
		const features = 4 * 4 * (4 * w + 1); // + the minibatch-stddev channel
		this.head = new Dense(store, `${prefix}.head`, features, 1, { init: init(store) });
		this.classEmbedding =
			config.numClasses > 0
				? new Embedding(
						store,
						`${prefix}.classEmbedding`,
						config.numClasses,
						features,
						normalInit(store.rng, config.numClasses * features, 0.02),
					)
				: null;
	}

	/** images [N, 32, 32, C], y [N] -> logits [N] */
	apply(images: tf.Tensor4D, y?: tf.Tensor1D): tf.Tensor1D {
		let h = images;
		for (const conv of this.convs) h = tf.leakyRelu(conv.apply(h), 0.2); // -> [N, 4, 4, 4w]
		h = minibatchStddev(h); // [N, 4, 4, 4w + 1]
		const features = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D; // [N, 16 (4w + 1)]
		let logits = tf.reshape(this.head.apply(features), [-1]) as tf.Tensor1D; // [N]
		if (this.classEmbedding && y) {
			// Projection discriminator (Miyato & Koyama 2018): + <embed(y), features>.
			logits = tf.add(logits, tf.sum(tf.mul(this.classEmbedding.apply(y), features), 1));
		}
		return logits;
	}
}

/**
 * Minibatch standard deviation (Karras et al. 2018): appends the batch's mean feature stddev
 * as one more channel, so the discriminator can see a batch that lacks variety and the
 * generator is pushed away from collapsing onto one image per class.
 * h [N, H, W, C] -> [N, H, W, C + 1]
 */
function minibatchStddev(h: tf.Tensor4D): tf.Tensor4D {
	const [n, height, width] = h.shape;
	const { variance } = tf.moments(h, 0); // [H, W, C]
	const stddev = tf.mean(tf.sqrt(tf.add(variance, 1e-8))); // scalar
	return tf.concat([h, tf.mul(tf.ones([n, height, width, 1]), stddev)], 3) as tf.Tensor4D;
}
