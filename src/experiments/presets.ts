/**
 * The experiment presets by name (a plain object literal of data): small-scale analogues of
 * the paper's tables and figures on our Fashion-MNIST generators, the scale study that chooses
 * their protocol, and the demo. Scale: a resnet-tiny encoder, batch 256, a fixed number of SGD
 * steps per cell; linear probes (and kNN) on the full training and test splits.
 */
import { GenrepError } from "../errors.js";
import type { PresetSpec } from "./preset.js";
import { demo } from "./presets/demo.js";
import { generatorQuality } from "./presets/generatorQuality.js";
import { positives } from "./presets/positives.js";
import { scale } from "./presets/scale.js";
import { mixing, samplesSweep, sigmaSweep } from "./presets/sweeps.js";
import { tableConditional, tableUnconditional } from "./presets/tables.js";

export { TABLE_SIGMA } from "./presets/common.js";
export { equalImageAnchors, POSITIVES_K, positivesPreset } from "./presets/positives.js";

export const PRESETS = {
	demo,
	"table-unconditional": tableUnconditional,
	"table-conditional": tableConditional,
	"sigma-sweep": sigmaSweep,
	"samples-sweep": samplesSweep,
	mixing,
	positives,
	"generator-quality": generatorQuality,
	scale,
} as const satisfies Record<string, PresetSpec>;

export type PresetName = keyof typeof PRESETS;

export function getPreset(name: string): PresetSpec {
	if (!Object.hasOwn(PRESETS, name)) {
		throw new GenrepError(`unknown preset '${name}'; known presets: ${Object.keys(PRESETS).join(", ")}`);
	}
	return PRESETS[name as PresetName];
}
