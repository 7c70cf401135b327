/**
 * Steering walks on disk: a folder with `walks.safetensors` (one F32 [latentDim] vector per
 * pixel edit, named after the edit), `walks.json` (the card: generator, alpha ranges, how alpha
 * becomes a latent step, the measured error reductions, the training command) and
 * `walks.png` (each walk at several alphas). A walk w moves z to z + latentStep(alpha) w, with
 * latentStep(alpha) = (alpha - identity) / unit, or log(alpha) / unit for zoom and contrast.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { fileError, GenrepError } from "../../errors.js";
import { decodeUtf8, parseJsonFile } from "../../formats/jsonFile.js";
import { decodeSafetensors, type TensorToWrite } from "../../formats/safetensors.js";
import { MAX_LATENT_DIM } from "../../generators/modelCard.js";
import { isShippedGenerator, modelsDir } from "../../generators/registry.js";
import { isPixelEditName, latentStep, type PixelEditName } from "./pixelEdits.js";

export const WALKS_FORMAT = "genrep-walks/1";
export const WALKS_FILE = "walks.safetensors";
export const WALKS_CARD = "walks.json";
export const WALKS_FIGURE = "walks.png";
/** Where a shipped generator's walks live: models/<name>/walks. */
export const SHIPPED_WALKS_FOLDER = "walks";

const range = z.tuple([z.number(), z.number()]);

const walkSchema = z.strictObject({
	edit: z.string().refine(isPixelEditName, "not a known pixel edit"),
	description: z.string(),
	units: z.string(),
	alphaRange: range,
	identity: z.number(),
	latentScale: z.enum(["linear", "log"]),
	latentUnit: z.number().positive(),
	/** L2 norm of the walk vector. */
	norm: z.number().nonnegative(),
	/** Masked MSE against edit(G(z), alpha) on held-out z, with the walk and with w = 0. */
	maskedError: z.strictObject({
		withoutWalk: z.number().nonnegative(),
		withWalk: z.number().nonnegative(),
		/** 1 - withWalk / withoutWalk. */
		reduction: z.number(),
		/** The same per alpha of the measurement grid. */
		byAlpha: z.array(
			z.strictObject({ alpha: z.number(), withoutWalk: z.number().nonnegative(), withWalk: z.number().nonnegative() }),
		),
	}),
	/** Mean training loss over the first and the last tenth of the steps. */
	trainLoss: z.strictObject({ first: z.number(), last: z.number() }),
});

const cardSchema = z.strictObject({
	format: z.literal(WALKS_FORMAT),
	generator: z.strictObject({
		id: z.string(),
		latentDim: z.number().int().positive(),
		numClasses: z.number().int().nonnegative(),
		imageShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
		/** sha256 of the generator's weights file: walks belong to these weights. */
		weightsSha256: z.string().regex(/^[0-9a-f]{64}$/),
	}),
	walks: z.array(walkSchema).min(1),
	training: z.looseObject({
		seed: z.number().int().nonnegative(),
		stepsPerWalk: z.number().int().positive(),
		batchSize: z.number().int().positive(),
		learningRate: z.number().positive(),
		truncation: z.number().positive(),
		wallTimeSeconds: z.number().nonnegative(),
	}),
	evaluation: z.looseObject({
		samples: z.number().int().positive(),
		seed: z.number().int().nonnegative(),
		alphasPerWalk: z.number().int().positive(),
	}),
});

export type WalkEntry = z.infer<typeof walkSchema> & { edit: PixelEditName };
export type WalksCard = z.infer<typeof cardSchema> & { walks: WalkEntry[] };

const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

const weightDigests = new WeakMap<object, string | null>();

/**
 * sha256 of a generator's weights file (tfjs generators expose `weightsFile`, ONNX generators
 * `modelFile`), or null for one without. Read once per generator object.
 */
export function generatorWeightsSha256(generator: object): string | null {
	if (!weightDigests.has(generator)) {
		const { weightsFile, modelFile } = generator as { weightsFile?: unknown; modelFile?: unknown };
		const file = weightsFile ?? modelFile;
		weightDigests.set(generator, typeof file === "string" ? sha256Hex(readOrExplain(file)) : null);
	}
	return weightDigests.get(generator) ?? null;
}

/**
 * `--walks <dir|generator name>`: a walks folder, or a shipped generator's name for the walks
 * shipped beside it (models/<name>/walks).
 */
export function resolveWalksDir(spec: string): string {
	if (spec === "") throw new GenrepError("no walks given: pass a folder written by `genrep steer train`");
	if (!existsSync(spec) && isShippedGenerator(spec)) {
		const dir = join(modelsDir(), spec, SHIPPED_WALKS_FOLDER);
		if (!existsSync(join(dir, WALKS_CARD))) {
			throw new GenrepError(
				`shipped generator '${spec}' has no walks (${dir}); train some with \`genrep steer train\``,
			);
		}
		return dir;
	}
	const dir = resolve(spec);
	if (!existsSync(dir) || !statSync(dir).isDirectory()) {
		throw new GenrepError(`${spec}: no such walks folder (make one with \`genrep steer train --out ${spec}\`)`);
	}
	return dir;
}

/** Loaded walks: the card, one vector per edit, and the sha256 of walks.safetensors. */
export class SteeringWalks {
	private constructor(
		/** A shipped generator's name for its shipped walks, else the folder's absolute path (what manifests record). */
		readonly id: string,
		readonly dir: string,
		readonly card: WalksCard,
		readonly vectors: ReadonlyMap<PixelEditName, Float32Array>,
		readonly sha256: string,
	) {}

	get latentDim(): number {
		return this.card.generator.latentDim;
	}

	/** z + latentStep(alpha) w for one walk: the latent coefficient of alpha. */
	step(walk: WalkEntry, alpha: number): number {
		return latentStep(walk.edit, alpha, walk.latentUnit);
	}

	/**
	 * The latent offset sum_i latentStep_i(alpha_i) w_i for one alpha per walk (by edit name;
	 * a walk left out adds nothing). Unknown edits are GenrepErrors naming the walks there are.
	 */
	offset(alphas: Readonly<Record<string, number>>): Float32Array {
		const out = new Float32Array(this.latentDim); // [d]
		for (const [edit, alpha] of Object.entries(alphas)) {
			const walk = this.card.walks.find((w) => w.edit === edit);
			if (!walk) {
				throw new GenrepError(
					`no walk '${edit}' in ${this.dir}; its walks: ${this.card.walks.map((w) => w.edit).join(", ")}`,
				);
			}
			if (!Number.isFinite(alpha))
				throw new GenrepError(`alpha of walk '${edit}' must be a finite number, got ${alpha}`);
			const s = this.step(walk, alpha);
			const w = this.vectors.get(walk.edit) as Float32Array; // [d]
			for (let c = 0; c < out.length; c++) out[c] += s * w[c];
		}
		return out;
	}

	/**
	 * Reads and validates a walks folder (synchronously, so that a latent view can be built
	 * from options). Every walk of the card must have an F32 [latentDim] vector and the file
	 * nothing else; errors name the file and what is wrong.
	 */
	static load(spec: string): SteeringWalks {
		const dir = resolveWalksDir(spec);
		const cardPath = join(dir, WALKS_CARD);
		const filePath = join(dir, WALKS_FILE);
		const card = parseWalksCard(decodeUtf8(readOrExplain(cardPath), cardPath), cardPath);
		const bytes = readOrExplain(filePath);
		const { tensors, metadata } = decodeSafetensors(bytes, filePath);
		if (metadata.format !== WALKS_FORMAT) {
			throw fileError(filePath, `not a ${WALKS_FORMAT} file (metadata format ${JSON.stringify(metadata.format)})`);
		}
		const d = card.generator.latentDim;
		const vectors = new Map<PixelEditName, Float32Array>();
		for (const walk of card.walks) {
			const t = tensors.get(walk.edit);
			if (t?.dtype !== "F32" || t.shape.length !== 1 || t.shape[0] !== d) {
				const got = t ? `${t.dtype} [${t.shape}]` : "nothing";
				throw fileError(filePath, `walk '${walk.edit}' should be F32 [${d}], found ${got}`);
			}
			const bad = (t.data as Float32Array).findIndex((v) => !Number.isFinite(v));
			if (bad >= 0)
				throw fileError(filePath, `walk '${walk.edit}' holds ${t.data[bad]} at value ${bad}; the file is corrupt`);
			vectors.set(walk.edit, t.data as Float32Array);
		}
		for (const name of tensors.keys()) {
			if (!vectors.has(name as PixelEditName)) {
				throw fileError(filePath, `tensor '${name}' is not a walk of ${WALKS_CARD}`);
			}
		}
		const id = dir === resolve(spec) ? dir : spec;
		return new SteeringWalks(id, dir, card, vectors, sha256Hex(bytes));
	}
}

function readOrExplain(path: string): Buffer {
	try {
		return readFileSync(path);
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		throw fileError(
			path,
			code === "ENOENT"
				? "no such file (not a walks folder; make one with `genrep steer train`)"
				: `cannot read (${code})`,
		);
	}
}

export function parseWalksCard(text: string, path: string): WalksCard {
	const card = parseJsonFile(text, path, cardSchema, `${WALKS_FORMAT} card`) as WalksCard;
	if (card.generator.latentDim > MAX_LATENT_DIM) {
		throw fileError(
			path,
			`generator.latentDim ${card.generator.latentDim} is more than genrep's limit of ${MAX_LATENT_DIM}`,
		);
	}
	const names = card.walks.map((w) => w.edit);
	const twice = names.find((n, i) => names.indexOf(n) !== i);
	if (twice) throw fileError(path, `walk '${twice}' is listed twice`);
	return card;
}

/** The safetensors contents of a set of walks (in card order). */
export function walksTensors(
	card: WalksCard,
	vectors: ReadonlyMap<PixelEditName, Float32Array>,
): Map<string, TensorToWrite> {
	return new Map(
		card.walks.map((w) => [w.edit, { shape: [card.generator.latentDim], data: vectors.get(w.edit) as Float32Array }]),
	);
}
