/**
 * The options of multiview generation (generateMultiviewDataset, `genrep views generate`) as
 * one zod schema: the library validates with it, GenerateMultiviewOptions is derived from it,
 * and the CLI builds its flags from it. Light on purpose (zod and types only).
 */
import { z } from "zod";
import { listOf, nonNegativeInt, positiveInt, positiveNumber, seed, text } from "../engine/options.js";
import type { ShardEvent } from "./multiviewWriter.js";
import type { ShardPiece } from "./shardPiece.js";

export const GENERATE_DEFAULTS = {
	/** Anchors per shard. */
	shardSize: 1000,
	/** Truncation of the anchors' N_t(0, 1, t) (DEFAULT_ANCHOR_TRUNCATION of views/latent/latentView.ts). */
	truncation: 2,
	/** Images per generate() call. */
	batchSize: 256,
} as const;

export const GENERATE_MULTIVIEW_OPTIONS = z.strictObject({
	/** A shipped generator's name or a model directory. */
	generator: text(),
	/** Latent view kind (none, gaussian, independent, ...; checked by the view registry). */
	view: text(),
	/** The view's options, e.g. { sigma: 0.2 } (checked by the view); undefined values are ignored. */
	viewOptions: z.record(z.string(), z.unknown()).optional(),
	anchors: positiveInt(),
	/** K: views per anchor besides the anchor. */
	neighbors: positiveInt(),
	seed: seed(),
	out: text(),
	/** Anchors per shard. */
	shardSize: positiveInt({ label: "shard size" }).default(GENERATE_DEFAULTS.shardSize),
	/** Make only this piece's shards (index % count == piece index); "i/n" or "auto" (see shardPiece.ts); default: all. */
	shard: z
		.union([text(), z.custom<ShardPiece>((v) => typeof v === "object" && v !== null && "index" in v && "count" in v)])
		.optional(),
	/** Truncation of the anchors' N_t(0, 1, t). */
	truncation: positiveNumber().default(GENERATE_DEFAULTS.truncation),
	/** Images per generate() call. */
	batchSize: positiveInt().default(GENERATE_DEFAULTS.batchSize),
	/** Conditional generators: draw the anchors' classes from these only; default all classes. */
	classes: listOf(nonNegativeInt()).readonly().optional(),
	/** Called after each shard this run made or verified. */
	onShard: z.custom<(event: ShardEvent) => void>((v) => typeof v === "function").optional(),
});

export type GenerateMultiviewOptions = z.input<typeof GENERATE_MULTIVIEW_OPTIONS>;
