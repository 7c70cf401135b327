/**
 * What `--encoder` names, turned into a FeatureExtractor:
 *
 * - `pixels`: the raw-pixel baseline (flattened pixels in [-1, 1]);
 * - `random:<encoder>`: a randomly initialised encoder from the registry (resnet-tiny,
 *   resnet18, ...) with the evaluation seed and the dataset's channels, the untrained baseline;
 * - anything else: the directory of a training run (or any folder with encoder.json and
 *   encoder.safetensors, see learners/encoderFile.ts). Its card is read first, so a missing run
 *   or one from another format version fails before any data is loaded.
 */
import type { ImageShape } from "../../data/types.js";
import { GenrepError } from "../../errors.js";
import {
	type EncoderCard,
	encoderWeightsSha256,
	loadEncoder,
	readEncoderCard,
	requireComplete,
} from "../../learners/encoderFile.js";
import { createEncoder, ENCODERS, isEncoderName } from "../../learners/encoders/registry.js";
import type { ResNet } from "../../learners/encoders/resnet.js";
import { encoderFeatures, type FeatureExtractor, pixelFeatures } from "./features.js";

/** The parsed `--encoder` value, as recorded in metrics.json. */
export type EncoderSpec =
	| { kind: "pixels"; name: "pixels" }
	| { kind: "random"; name: string; encoder: string }
	| { kind: "run"; name: string; dir: string; card: EncoderCard; weightsSha256: string };

/** Parses (and, for a run directory, reads and checks the card of) an `--encoder` value. */
export async function parseEncoderSpec(value: string): Promise<EncoderSpec> {
	if (value === "") throw new GenrepError("--encoder is empty; pass a run directory, random:<encoder> or pixels");
	if (value === "pixels") return { kind: "pixels", name: "pixels" };
	if (value.startsWith("random:")) {
		const encoder = value.slice("random:".length);
		if (!isEncoderName(encoder)) {
			throw new GenrepError(
				`unknown encoder '${encoder}' in --encoder ${value}; known encoders: ${Object.keys(ENCODERS).join(", ")}`,
			);
		}
		return { kind: "random", name: value, encoder };
	}
	const card = await readEncoderCard(value);
	requireComplete(value, card);
	return { kind: "run", name: value, dir: value, card, weightsSha256: await encoderWeightsSha256(value) };
}

/** A feature extractor and the image shape it requires (null: any shape). */
export interface FeatureSource {
	spec: EncoderSpec;
	extractor: FeatureExtractor;
	/** [H, W, C] the encoder was built for; null for pixels. */
	imageShape: ImageShape | null;
	dispose(): void;
}

/**
 * Builds the extractor of a parsed spec. A random encoder takes `shape`'s channels and `seed`
 * for its initialisation; a run's weights are loaded strictly (check the dataset's shape
 * against the run's card with checkImageShape first).
 */
export async function openFeatureSource(spec: EncoderSpec, shape: ImageShape, seed: number): Promise<FeatureSource> {
	if (spec.kind === "pixels") return { spec, extractor: pixelFeatures(), imageShape: null, dispose: () => {} };
	let encoder: ResNet;
	let imageShape: ImageShape;
	if (spec.kind === "random") {
		encoder = createEncoder(spec.encoder, { inChannels: shape[2], seed, imageSize: [shape[0], shape[1]] });
		imageShape = [...shape];
	} else {
		({ encoder } = await loadEncoder(spec.dir));
		imageShape = [...spec.card.imageShape];
	}
	const name = spec.kind === "random" ? spec.encoder : spec.card.encoder;
	return {
		spec,
		extractor: encoderFeatures(encoder, `${name} backbone (${encoder.featureDim}-d pooled features)`),
		imageShape,
		dispose: () => encoder.dispose(),
	};
}

/** Fails with a one-line error when a dataset's images do not have the encoder's shape. */
export function checkImageShape(
	spec: EncoderSpec,
	encoderShape: ImageShape | null,
	dataset: string,
	datasetShape: ImageShape,
): void {
	if (encoderShape === null || encoderShape.join("x") === datasetShape.join("x")) return;
	const what = spec.kind === "run" ? `encoder run ${spec.dir}` : `encoder ${spec.name}`;
	const [h, w, c] = encoderShape;
	const fix = [
		h !== datasetShape[0] || w !== datasetShape[1] ? `--image-size ${h === w ? h : `${h},${w}`}` : "",
		c !== datasetShape[2] ? `--channels ${c}` : "",
	]
		.filter(Boolean)
		.join(" ");
	throw new GenrepError(
		`${what} takes ${encoderShape.join("x")} images (HxWxC) but ${dataset} has ${datasetShape.join("x")}; ` +
			`pass ${fix} to read ${dataset} at the encoder's shape`,
	);
}
