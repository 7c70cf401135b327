import * as tf from "@tensorflow/tfjs-core";
import { BatchNorm } from "../../engine/nn/batchNorm.js";
import { Conv2d } from "../../engine/nn/layers.js";
import { globalAvgPool } from "../../engine/nn/meanPool.js";
import { ParamStore } from "../../engine/nn/params.js";
import { Rng } from "../../engine/rng.js";

export interface ResNetConfig {
	/** Channels of each stage; the first stage keeps the input resolution, the others halve it. */
	widths: number[];
	/** Basic blocks per stage. */
	blocks: number[];
	/** Input channels (1 for grayscale). */
	inChannels: number;
	/**
	 * The stem before the stages: `cifar` (3x3 conv, stride 1; for small images) or `imagenet`
	 * (7x7 conv, stride 2, then 3x3 max-pool, stride 2; for large images). Default cifar.
	 */
	stem?: StemName;
}

export const STEMS = ["cifar", "imagenet"] as const;
export type StemName = (typeof STEMS)[number];

/** How much the stem shrinks each side: 1 for cifar, 4 for imagenet. */
export const STEM_STRIDE: Record<StemName, number> = { cifar: 1, imagenet: 4 };

/** A residual basic block: conv3x3-BN-ReLU-conv3x3-BN, plus a 1x1 projection when the shape changes. */
export class BasicBlock {
	readonly conv1: Conv2d;
	readonly bn1: BatchNorm;
	readonly conv2: Conv2d;
	readonly bn2: BatchNorm;
	readonly shortcut: { conv: Conv2d; bn: BatchNorm } | null;

	constructor(store: ParamStore, name: string, inChannels: number, outChannels: number, stride: number) {
		this.conv1 = new Conv2d(store, `${name}.conv1`, inChannels, outChannels, 3, stride);
		this.bn1 = new BatchNorm(store, `${name}.bn1`, outChannels);
		this.conv2 = new Conv2d(store, `${name}.conv2`, outChannels, outChannels, 3, 1);
		this.bn2 = new BatchNorm(store, `${name}.bn2`, outChannels);
		this.shortcut =
			stride !== 1 || inChannels !== outChannels
				? {
						conv: new Conv2d(store, `${name}.shortcut.conv`, inChannels, outChannels, 1, stride),
						bn: new BatchNorm(store, `${name}.shortcut.bn`, outChannels),
					}
				: null;
	}

	apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
		const h = this.bn1.applyRelu(this.conv1.apply(x), training); // [N, H/s, W/s, out]
		const skip = this.shortcut ? this.shortcut.bn.apply(this.shortcut.conv.apply(x), training) : x;
		// relu(bn2(conv2(h)) + skip), one fused pass in training
		return this.bn2.applyRelu(this.conv2.apply(h), training, skip);
	}
}

/**
 * A ResNet for images of any size, ending in global average pooling: images [N, H, W, C] ->
 * features [N, widths[-1]]. The CIFAR stem (a 3x3 conv, no max-pool) keeps the resolution, the
 * ImageNet stem (7x7 conv stride 2 + 3x3 max-pool stride 2) divides it by 4.
 */
export class ResNet {
	readonly store: ParamStore;
	readonly featureDim: number;
	readonly stemName: StemName;
	readonly stem: Conv2d;
	readonly stemBn: BatchNorm;
	readonly stages: readonly BasicBlock[][];

	constructor(
		readonly config: ResNetConfig,
		seed: number,
		store?: ParamStore,
		readonly prefix = "encoder",
	) {
		if (config.widths.length !== config.blocks.length || config.widths.length === 0) {
			throw new RangeError("ResNet: widths and blocks must be non-empty and of equal length");
		}
		this.store = store ?? new ParamStore(new Rng(seed));
		const s = this.store;
		this.stemName = config.stem ?? "cifar";
		if (!STEMS.includes(this.stemName)) {
			throw new RangeError(`ResNet: stem must be ${STEMS.join(" or ")}, got ${this.stemName}`);
		}
		const [kernel, stride] = this.stemName === "imagenet" ? [7, 2] : [3, 1];
		this.stem = new Conv2d(s, `${prefix}.stem.conv`, config.inChannels, config.widths[0], kernel, stride);
		this.stemBn = new BatchNorm(s, `${prefix}.stem.bn`, config.widths[0]);
		let inCh = config.widths[0];
		this.stages = config.widths.map((width, i) => {
			const blocks: BasicBlock[] = [];
			for (let b = 0; b < config.blocks[i]; b++) {
				const stride = b === 0 && i > 0 ? 2 : 1;
				blocks.push(new BasicBlock(s, `${prefix}.stage${i}.block${b}`, inCh, width, stride));
				inCh = width;
			}
			return blocks;
		});
		this.featureDim = inCh;
	}

	/** images [N, H, W, C] in [-1, 1] -> features [N, featureDim] */
	apply(images: tf.Tensor4D, training: boolean): tf.Tensor2D {
		let h: tf.Tensor4D = this.stemBn.applyRelu(this.stem.apply(images), training); // [N, H/s, W/s, w0]
		if (this.stemName === "imagenet") h = tf.maxPool(h, 3, 2, "same"); // [N, H/4, W/4, w0]
		for (const stage of this.stages) for (const block of stage) h = block.apply(h, training);
		return globalAvgPool(h); // [N, featureDim]
	}

	dispose(): void {
		this.store.dispose();
	}
}
