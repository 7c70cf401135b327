/**
 * RetargetOptions (retarget.ts) as a zod schema: retargetPreset validates with it and `genrep
 * experiment` / `genrep demo` build their --generator ... --batch-size flags from it. Light on
 * purpose (zod only). The interface stays in retarget.ts for now; the type check below keeps
 * the two the same.
 */
import { z } from "zod";
import { positiveInt, text } from "../engine/options.js";
import type { RetargetOptions } from "./retarget.js";

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

/** Fails to compile when RetargetOptions and the schema disagree (a key added to one only). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameKeys: Same<Required<RetargetOptions>, Required<z.input<typeof RETARGET_OPTIONS>>> = true;
void sameKeys;
