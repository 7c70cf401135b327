/**
 * The encoders by name (a plain object literal, timm style) and the one factory over them.
 * Every encoder is a ResNet for images of any size and channel count; `apply(images, training)`
 * maps [N, H, W, C] to features [N, featureDim] (featureDim = the last width). The stem is
 * chosen by the image size (`auto`: the CIFAR stem below 96 px, the ImageNet stem from 96 px,
 * as for the paper's 112-px crops) or by name.
 */
import { GenrepError } from "../../errors.js";
import { ResNet, STEMS, type StemName } from "./resnet.js";

export interface EncoderPreset {
	/** Channels of each stage (the first keeps the resolution, each later one halves it). */
	readonly widths: readonly number[];
	/** Basic blocks per stage. */
	readonly blocks: readonly number[];
	readonly description: string;
}

export const ENCODERS = {
	"resnet-tiny": {
		widths: [16, 32, 64],
		blocks: [1, 1, 1],
		description:
			"ResNet-8 at quarter width: 3 stages of 1 basic block, 16-32-64 channels (~77 k parameters with 1 input channel), 64-d features; fast enough for demos and tests",
	},
	"resnet8-w32": {
		widths: [32, 64, 128],
		blocks: [1, 1, 1],
		description:
			"ResNet-8: 3 stages of 1 basic block, 32-64-128 channels (~0.3 M parameters with 1 input channel), 128-d features",
	},
	"resnet10-w32": {
		widths: [32, 64, 128, 256],
		blocks: [1, 1, 1, 1],
		description:
			"ResNet-10 at half width: 4 stages of 1 basic block, 32-64-128-256 channels (~1.2 M parameters with 1 input channel), 256-d features",
	},
	resnet18: {
		widths: [64, 128, 256, 512],
		blocks: [2, 2, 2, 2],
		description: "ResNet-18 with the CIFAR stem (~11.2 M parameters), the paper's encoder",
	},
} as const satisfies Record<string, EncoderPreset>;

export type EncoderName = keyof typeof ENCODERS;

export const isEncoderName = (name: string): name is EncoderName => Object.hasOwn(ENCODERS, name);

export interface EncoderOptions {
	/** Input channels: 1 for grayscale (Fashion-MNIST), 3 for RGB. Default 1. */
	inChannels?: number;
	/** Seed of the weight initialisation. Default 0. */
	seed?: number;
	/** `cifar`, `imagenet`, or `auto` (chosen from `imageSize`, see stemFor). Default auto. */
	stem?: StemName | "auto";
	/** [H, W] of the input images, for the `auto` stem. Default [32, 32]. */
	imageSize?: readonly [number, number];
}

export const ENCODER_DEFAULTS = {
	inChannels: 1,
	seed: 0,
	stem: "auto",
	imageSize: [32, 32],
} as const satisfies Required<EncoderOptions>;

/** Images at least this many pixels on their shorter side get the ImageNet stem under `auto`. */
export const IMAGENET_STEM_FROM = 96;

/** The stem `auto` picks for images of [H, W]: cifar below IMAGENET_STEM_FROM px, else imagenet. */
export function stemFor([height, width]: readonly [number, number]): StemName {
	return Math.min(height, width) >= IMAGENET_STEM_FROM ? "imagenet" : "cifar";
}

/**
 * Builds the encoder `name` with fresh weights. An unknown name or a bad option is a
 * GenrepError that names the bad value (and, for a name, lists the known ones).
 */
export function createEncoder(name: string, options: EncoderOptions = {}): ResNet {
	if (!isEncoderName(name)) {
		throw new GenrepError(`unknown encoder '${name}'; known encoders: ${Object.keys(ENCODERS).join(", ")}`);
	}
	const inChannels = options.inChannels ?? ENCODER_DEFAULTS.inChannels;
	const seed = options.seed ?? ENCODER_DEFAULTS.seed;
	if (!Number.isInteger(inChannels) || inChannels < 1) {
		throw new GenrepError(`encoder '${name}': inChannels must be a positive integer, got ${inChannels}`);
	}
	if (!Number.isInteger(seed)) throw new GenrepError(`encoder '${name}': seed must be an integer, got ${seed}`);
	const imageSize = options.imageSize ?? ENCODER_DEFAULTS.imageSize;
	if (imageSize.length !== 2 || !imageSize.every((s) => Number.isInteger(s) && s > 0)) {
		throw new GenrepError(`encoder '${name}': imageSize must be [height, width] in pixels, got [${imageSize}]`);
	}
	const stemOption = options.stem ?? ENCODER_DEFAULTS.stem;
	if (stemOption !== "auto" && !STEMS.includes(stemOption)) {
		throw new GenrepError(`encoder '${name}': stem must be auto, ${STEMS.join(" or ")}, got '${stemOption}'`);
	}
	const stem = stemOption === "auto" ? stemFor(imageSize) : stemOption;
	const preset: EncoderPreset = ENCODERS[name];
	return new ResNet({ widths: [...preset.widths], blocks: [...preset.blocks], inChannels, stem }, seed);
}
