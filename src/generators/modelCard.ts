/**
 * Model cards (model.json beside every generator): reading and validation. A card that is
 * missing, not JSON, of another format, or lacks a field is an error naming the file and
 * the field; nothing downstream sees an unvalidated card.
 */
import { isAbsolute } from "node:path";
import { z } from "zod";
import { fileError } from "../errors.js";
import { readTextFile } from "../formats/jsonFile.js";
import type { ModelCard } from "./generator.js";

export const CARD_FILE = "model.json";
export const CARD_FORMAT = "genrep-generator/1";

const positiveInt = z.number().int().positive();

/** Limits that keep a corrupt card from making genrep allocate terabytes (far above any real generator). */
export const MAX_LATENT_DIM = 2 ** 20;
export const MAX_CLASSES = 2 ** 20;
/** H x W x C of one image: 2^28, e.g. 8192 x 8192 x 4. */
export const MAX_IMAGE_VALUES = 2 ** 28;

/** How an ONNX graph's inputs and output are read; any field left out is read from the graph. */
const onnxFields = z
	.object({
		/** Name of the latent input z [N, latentDim]. */
		zInput: z.string().min(1).optional(),
		/** Name of the class input (conditional models). */
		classInput: z.string().min(1).optional(),
		/** "index": int64/int32 [N]; "onehot": float32 [N, numClasses]. */
		classEncoding: z.enum(["index", "onehot"]).optional(),
		/** Name of the image output. */
		output: z.string().min(1).optional(),
		/** Layout of the image output. */
		layout: z.enum(["NCHW", "NHWC"]).optional(),
	})
	.strict();

const cardSchema = z
	.object({
		format: z.literal(CARD_FORMAT),
		kind: z.enum(["tfjs", "onnx"]),
		latentDim: positiveInt,
		numClasses: z.number().int().nonnegative(),
		classNames: z.array(z.string()).optional(),
		imageShape: z.tuple([positiveInt, positiveInt, positiveInt]),
		valueRange: z.tuple([z.number(), z.number()]).refine(([low, high]) => low < high, "low must be below high"),
		defaultTruncation: z.number().positive(),
		/** File of the weights, relative to the card; default generator.safetensors (tfjs) or model.onnx (onnx). */
		weights: z.string().min(1).optional(),
		architecture: z.string().optional(),
		architectureConfig: z.record(z.string(), z.unknown()).optional(),
		onnx: onnxFields.optional(),
	})
	.passthrough();

export type OnnxCardFields = z.infer<typeof onnxFields>;

/** A validated card (the fields genrep reads are typed; the rest, e.g. training and metrics, pass through). */
export type ValidatedCard = ModelCard & {
	classNames: string[];
	weights?: string;
	architecture?: string;
	architectureConfig?: Record<string, unknown>;
	onnx?: OnnxCardFields;
};

/** Default weights file of each kind. */
export const DEFAULT_WEIGHTS = { tfjs: "generator.safetensors", onnx: "model.onnx" } as const;

/** Reads and validates `path` (a model.json). */
export async function readModelCard(path: string): Promise<ValidatedCard> {
	const text = await readTextFile(path, "no such file (every generator directory needs a model card)");
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (err) {
		throw fileError(path, `not valid JSON (${(err as Error).message})`);
	}
	return validateModelCard(value, path);
}

/** Validates a parsed card; errors name `file` and the first bad field. */
export function validateModelCard(value: unknown, file: string): ValidatedCard {
	if (typeof value !== "object" || value === null || Array.isArray(value)) {
		throw fileError(file, "a model card must be a JSON object");
	}
	const format = (value as Record<string, unknown>).format;
	if (format !== CARD_FORMAT) {
		throw fileError(
			file,
			format === undefined
				? `missing field 'format' (expected "${CARD_FORMAT}")`
				: `format is ${JSON.stringify(format)}, expected "${CARD_FORMAT}"`,
		);
	}
	const parsed = cardSchema.safeParse(value, { reportInput: true });
	if (!parsed.success) throw fileError(file, describeIssue(parsed.error.issues[0]));
	const card = parsed.data as ValidatedCard;
	const classNames = card.classNames ?? [];
	if (classNames.length > 0 && classNames.length !== card.numClasses) {
		throw fileError(file, `classNames has ${classNames.length} names but numClasses is ${card.numClasses}`);
	}
	if (card.weights !== undefined && (isAbsolute(card.weights) || card.weights.split(/[\\/]/).includes(".."))) {
		throw fileError(
			file,
			`field 'weights' must name a file inside the model folder, got ${JSON.stringify(card.weights)}`,
		);
	}
	for (const [field, value, max] of [
		["latentDim", card.latentDim, MAX_LATENT_DIM],
		["numClasses", card.numClasses, MAX_CLASSES],
		["imageShape", card.imageShape[0] * card.imageShape[1] * card.imageShape[2], MAX_IMAGE_VALUES],
	] as const) {
		if (value > max) {
			throw fileError(
				file,
				`field '${field}' asks for ${value}${field === "imageShape" ? " values per image" : ""}, more than genrep's limit of ${max}`,
			);
		}
	}
	if (card.onnx && card.kind !== "onnx") throw fileError(file, `field 'onnx' is only for kind "onnx"`);
	if (card.kind === "onnx" && card.numClasses === 0 && (card.onnx?.classInput || card.onnx?.classEncoding)) {
		throw fileError(file, "onnx.classInput/classEncoding given but numClasses is 0 (unconditional)");
	}
	return { ...card, classNames };
}

function describeIssue(issue: z.core.$ZodIssue): string {
	const field = issue.path.length > 0 ? issue.path.join(".") : "(card)";
	if (issue.code === "invalid_type" && issue.input === undefined) return `missing field '${field}'`;
	const got = "input" in issue && issue.input !== undefined ? ` (got ${JSON.stringify(issue.input)})` : "";
	return `field '${field}': ${issue.message}${got}`;
}
