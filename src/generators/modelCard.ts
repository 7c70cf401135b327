/**
 * Model cards (model.json beside every generator): reading and validation. A card that is
 * missing, not JSON, of another format, or lacks a field is an error naming the file and
 * the field; nothing downstream sees an unvalidated card.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { fileError } from "../errors.js";
import type { ModelCard } from "./generator.js";

export const CARD_FILE = "model.json";
export const CARD_FORMAT = "genrep-generator/1";

const positiveInt = z.number().int().positive();

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
	let text: string;
	try {
		text = await readFile(path, "utf8");
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		throw fileError(
			path,
			code === "ENOENT" ? "no such file (every generator directory needs a model card)" : `cannot read (${code})`,
		);
	}
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
