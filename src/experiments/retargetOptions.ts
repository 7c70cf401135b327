/**
 * The options of retargetPreset (retarget.ts) as a zod schema: retargetPreset validates with
 * it, RetargetOptions is derived from it, and `genrep experiment` / `genrep demo` build their
 * --generator ... --batch-size flags from it. Light on purpose (zod only).
 */
import { z } from "zod";
import { positiveInt, text } from "../engine/options.js";

export const RETARGET_OPTIONS = z.strictObject({
	/** A shipped generator name or a model directory (ONNX or tfjs). */
	generator: text().optional(),
	/** A registered dataset name or an image folder: the probes' data and that of real-data cells. */
	dataset: text().optional(),
	/** A dataset to transfer to; with `dataset` given and no transfer, transfer is dropped. */
	transfer: text().optional(),
	/** Training steps of the preset's cells (cells with their own steps are scaled alike). */
	steps: positiveInt().optional(),
	/** Anchors of the preset's largest views dataset (the others scaled alike). */
	anchors: positiveInt().optional(),
	/** Anchors per training step of every cell. */
	batchSize: positiveInt().optional(),
});

export type RetargetOptions = z.input<typeof RETARGET_OPTIONS>;
