/**
 * The encoders by name (a plain object literal, timm style) and the one factory over them.
 * Every encoder is a ResNet for 32x32 inputs with the CIFAR stem; `apply(images, training)`
 * maps [N, 32, 32, C] to features [N, featureDim] (featureDim = the last width).
 */
import { GenrepError } from "../../errors.js";
import { ResNet } from "./resnet.js";

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
}

export const ENCODER_DEFAULTS = { inChannels: 1, seed: 0 } as const satisfies Required<EncoderOptions>;

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
	const preset: EncoderPreset = ENCODERS[name];
	return new ResNet({ widths: [...preset.widths], blocks: [...preset.blocks], inChannels }, seed);
}
