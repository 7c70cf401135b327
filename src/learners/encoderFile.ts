/**
 * A trained encoder on disk: `encoder.safetensors` (the backbone's weights and batch-norm
 * statistics, bare parameter names) and `encoder.json` (its card). A training run writes both
 * into its run directory; evaluation loads them from there (or from any folder holding them).
 * The card is checked before the weights: a folder without one, from another format version,
 * or naming an unknown encoder is an error that says so.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { fileError, GenrepError } from "../errors.js";
import { writeFileAtomic } from "../formats/atomicWrite.js";
import { parseJsonFile, readTextFile } from "../formats/jsonFile.js";
import { loadParams, saveParams } from "../generators/checkpoint.js";
import { MAX_IMAGE_VALUES } from "../generators/modelCard.js";
import { createEncoder, isEncoderName } from "./encoders/registry.js";
import { type ResNet, STEMS } from "./encoders/resnet.js";

export const ENCODER_FORMAT = "genrep-encoder/1";
export const ENCODER_WEIGHTS = "encoder.safetensors";
export const ENCODER_CARD = "encoder.json";
/** The most input channels an encoder card may declare. */
export const MAX_ENCODER_CHANNELS = 64;

const cardSchema = z.object({
	format: z.string(),
	/** Encoder registry name (resnet-tiny, resnet18, ...). */
	encoder: z.string(),
	inChannels: z.number().int().positive(),
	/** [H, W, C] of the images it was trained on; inputs are in [-1, 1]. */
	imageShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
	/** The ResNet stem (cifar or imagenet); cards written before stems existed are cifar. */
	stem: z.enum(STEMS).default("cifar"),
	featureDim: z.number().int().positive(),
	/** The objective it was trained with ("random" for an untrained baseline). */
	method: z.string(),
	/** Optimizer steps it was trained for. */
	steps: z.number().int().nonnegative(),
	seed: z.number().int(),
	/** False while its training run is unfinished (written at each checkpoint before the end). */
	complete: z.boolean().optional(),
	/** Steps the run was set to train for. */
	totalSteps: z.number().int().nonnegative().optional(),
});

export type EncoderCard = z.infer<typeof cardSchema>;

/** How pixels become the encoder's input: NHWC float32 in [-1, 1]. */
export const INPUT_NORMALISATION = "x = pixel / 127.5 - 1 (pixel in 0..255), NHWC float32";

/** Writes the weights and the card into `dir` (both atomically; the card last). */
export async function saveEncoder(
	dir: string,
	encoder: ResNet,
	card: Omit<EncoderCard, "format" | "stem"> & { stem?: EncoderCard["stem"] },
	/** More fields for the card (the run's config, data source, ...); readers ignore them. */
	extra: Record<string, unknown> = {},
): Promise<void> {
	await saveParams(join(dir, ENCODER_WEIGHTS), encoder.store, { format: ENCODER_FORMAT, encoder: card.encoder });
	const full = { format: ENCODER_FORMAT, ...card, stem: encoder.stemName, ...extra };
	await writeFileAtomic(join(dir, ENCODER_CARD), new TextEncoder().encode(`${JSON.stringify(full, null, 2)}\n`));
}

/** Reads and validates the card of the encoder in `dir`. */
export async function readEncoderCard(dir: string): Promise<EncoderCard> {
	const path = join(dir, ENCODER_CARD);
	if (!existsSync(dir))
		throw new GenrepError(`encoder run ${dir} does not exist; pass the --out folder of a genrep train run`);
	if (!existsSync(path)) {
		throw fileError(
			dir,
			`holds no ${ENCODER_CARD}; pass the --out folder of a finished genrep train run (a run writes it at its first checkpoint)`,
		);
	}
	const card = parseJsonFile(await readTextFile(path), path, cardSchema, "genrep encoder card");
	if (card.format !== ENCODER_FORMAT) {
		throw fileError(
			path,
			`has format '${card.format}'; this genrep reads '${ENCODER_FORMAT}' (retrain with this version)`,
		);
	}
	if (!isEncoderName(card.encoder)) throw fileError(path, `names an unknown encoder '${card.encoder}'`);
	const [h, w, c] = card.imageShape;
	if (card.inChannels !== c) {
		throw fileError(path, `says inChannels ${card.inChannels} but imageShape [${card.imageShape}] has ${c} channels`);
	}
	// Far above any real image; keeps a corrupt card from building a terabyte network.
	if (c > MAX_ENCODER_CHANNELS || h * w * c > MAX_IMAGE_VALUES) {
		throw fileError(
			path,
			`imageShape [${card.imageShape}] is beyond genrep's limits (${MAX_ENCODER_CHANNELS} channels, ${MAX_IMAGE_VALUES} values)`,
		);
	}
	return card;
}

/**
 * Throws unless the encoder in `dir` finished training: an unfinished run's weights are a
 * checkpoint on the way, and a number measured on them would stand for the finished run.
 */
export function requireComplete(dir: string, card: EncoderCard): void {
	if (card.complete !== false) return;
	const of = card.totalSteps !== undefined ? ` of ${card.totalSteps}` : "";
	throw new GenrepError(
		`the encoder in ${dir} is unfinished (trained ${card.steps}${of} steps); finish it with the same genrep train command plus --resume --out ${dir}, then evaluate it`,
	);
}

/** sha256 (hex) of the weights file in `dir`: what a measurement of that encoder measured. */
export async function encoderWeightsSha256(dir: string): Promise<string> {
	return createHash("sha256")
		.update(await readFile(join(dir, ENCODER_WEIGHTS)))
		.digest("hex");
}

/** Loads the encoder in `dir` (card checked, weights strict); the caller disposes it. */
export async function loadEncoder(dir: string): Promise<{ encoder: ResNet; card: EncoderCard }> {
	const card = await readEncoderCard(dir);
	const encoder = createEncoder(card.encoder, { inChannels: card.inChannels, seed: card.seed, stem: card.stem });
	try {
		await loadParams(join(dir, ENCODER_WEIGHTS), encoder.store);
	} catch (err) {
		encoder.dispose();
		throw err;
	}
	if (encoder.featureDim !== card.featureDim) {
		encoder.dispose();
		throw fileError(
			join(dir, ENCODER_CARD),
			`says featureDim ${card.featureDim}, the encoder has ${encoder.featureDim}`,
		);
	}
	return { encoder, card };
}
