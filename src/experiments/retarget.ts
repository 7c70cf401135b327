/**
 * A preset on someone else's pair: the same grid of views, cells, tables and sweeps, with the
 * user's generator in place of the shipped ones and the user's real dataset (a registered name
 * or an image folder) in place of Fashion-MNIST, optionally scaled down (steps, anchors, batch).
 * The report's title, description and notes name the generator and the data.
 *
 * What a preset needs from the generator is checked first, with errors that say so: class
 * labels (independent views, SupCon and classifier cells, the conditional presets) need a
 * class-conditional generator; steered views need walks trained for that generator (`genrep
 * steer train`), which a retargeted preset does not have; and the generator's images must
 * have the dataset's shape, since every encoder is probed on that dataset.
 */
import type { ImageShape } from "../data/types.js";
import { parseOptions } from "../engine/options.js";
import { GenrepError } from "../errors.js";
import type { CellSpec, PresetSpec, ViewsSpec } from "./preset.js";
import { RETARGET_OPTIONS } from "./retargetOptions.js";

export interface RetargetOptions {
	/** A shipped generator name or a model directory (ONNX or tfjs). */
	generator?: string;
	/** A registered dataset name or an image folder: the probes' data and that of real-data cells. */
	dataset?: string;
	/** A dataset to transfer to; with `dataset` given and no transfer, transfer is dropped. */
	transfer?: string;
	/** Training steps of the preset's cells (cells with their own steps are scaled alike). */
	steps?: number;
	/** Anchors of the preset's largest views dataset (the others scaled alike). */
	anchors?: number;
	batchSize?: number;
}

/** What retargeting needs to know about the generator and the dataset. */
export interface RetargetFacts {
	generator?: { id: string; numClasses: number; imageShape: ImageShape };
	dataset?: { name: string; shape: ImageShape };
}

/** The preset with the user's generator, data and scale; errors say why a preset does not apply. */
export function retargetPreset(preset: PresetSpec, options: RetargetOptions, facts: RetargetFacts = {}): PresetSpec {
	parseOptions(RETARGET_OPTIONS, options, "retarget"); // "steps must be a positive integer, got 0"
	let p: PresetSpec = { ...preset, views: { ...preset.views }, cells: [...preset.cells] };
	const changes: string[] = [];
	const g = facts.generator;
	if (options.generator !== undefined) {
		if (!g) throw new Error("retargetPreset: facts.generator is required with a generator");
		const needs = conditionalNeeds(preset);
		if (needs.length > 0 && g.numClasses === 0) {
			throw new GenrepError(
				`preset ${preset.name} needs a class-conditional generator (${needs.join("; ")}), but ${g.id} has no classes; ` +
					"pick a preset for unconditional generators (demo, sigma-sweep, samples-sweep, mixing, steps-sweep)",
			);
		}
		const steered = Object.entries(preset.views).filter(([, v]) => v.view === "steer");
		if (steered.length > 0) {
			throw new GenrepError(
				`preset ${preset.name} uses steered latent views (${steered.map(([id]) => id).join(", ")}), whose walks belong to ` +
					`the shipped generators; ${g.id} would need its own (genrep steer train --generator ${options.generator}), ` +
					"which retargeted presets do not train; pick a preset without steered views",
			);
		}
		p.views = mapValues(p.views, (v): ViewsSpec => ({ ...v, generator: options.generator as string }));
		p.cells = p.cells.map(
			(c): CellSpec =>
				c.data.kind === "live" ? { ...c, data: { ...c.data, generator: options.generator as string } } : c,
		);
		const [h, w, ch] = g.imageShape;
		changes.push(
			`generator ${g.id} (${h}x${w}x${ch}, ${g.numClasses > 0 ? `${g.numClasses} classes` : "unconditional"})`,
		);
	}
	if (options.dataset !== undefined) {
		p.dataset = options.dataset;
		p.transfer = options.transfer;
		p.evalTrainLimit = preset.evalTrainLimit;
		changes.push(
			`real data ${options.dataset}${options.transfer ? `, transfer to ${options.transfer}` : ", no transfer"}`,
		);
	} else if (options.transfer !== undefined) {
		p.transfer = options.transfer;
		changes.push(`transfer to ${options.transfer}`);
	}
	const d = facts.dataset;
	const shape = g?.imageShape;
	if (d && shape && d.shape.join("x") !== shape.join("x")) {
		throw new GenrepError(
			`${g?.id} makes ${shape.join("x")} images but ${d.name} has ${d.shape.join("x")} (HxWxC); the preset probes every ` +
				"encoder on the dataset, so give an image folder at the generator's shape (resize it, or use genrep train and " +
				"genrep eval with --image-size by hand)",
		);
	}
	if (options.steps !== undefined) {
		const factor = options.steps / preset.steps;
		p.steps = options.steps;
		p.cells = p.cells.map((c) =>
			c.steps !== undefined ? { ...c, steps: Math.max(1, Math.round(c.steps * factor)) } : c,
		);
		changes.push(`${options.steps} steps per cell (preset: ${preset.steps})`);
	}
	if (options.anchors !== undefined) {
		const largest = Math.max(...Object.values(preset.views).map((v) => v.anchors));
		const factor = options.anchors / largest;
		p.views = mapValues(p.views, (v) => ({ ...v, anchors: Math.max(2, Math.round(v.anchors * factor)) }));
		changes.push(`${options.anchors} anchors in the largest views dataset (preset: ${largest})`);
	}
	if (options.batchSize !== undefined) {
		p.batchSize = options.batchSize;
		changes.push(`batch ${options.batchSize} (preset: ${preset.batchSize})`);
	}
	if (changes.length === 0) return preset;
	const what = changes.join("; ");
	if (options.dataset !== undefined) {
		// Table and plot titles name the data they show.
		const data = options.dataset;
		const relabel = (text?: string) =>
			text
				?.replace(/ \(and transfer to MNIST\)/g, options.transfer ? ` (and transfer to ${options.transfer})` : "")
				.replace(/Fashion-MNIST/g, data);
		p.tables = p.tables.map((t) => ({ ...t, title: relabel(t.title) as string, caption: relabel(t.caption) }));
		p.sweeps = p.sweeps.map((sw) => ({ ...sw, title: relabel(sw.title) as string, caption: relabel(sw.caption) }));
	}
	p = {
		...p,
		title: `${preset.title} [${[g?.id, options.dataset].filter(Boolean).join(" on ") || "rescaled"}]`,
		description: `${preset.description} Run here on: ${what}.`,
		scale: `${preset.scale} Changed for this run: ${what}.`,
		notes: [`This run replaces the preset's shipped models, data or scale: ${what}.`, ...(preset.notes ?? [])],
	};
	return p;
}

/** Why a preset needs class labels from its generator (empty: it does not). */
export function conditionalNeeds(preset: PresetSpec): string[] {
	const needs: string[] = [];
	for (const [id, v] of Object.entries(preset.views)) {
		if (v.view === "independent") needs.push(`views '${id}' are independent draws of the same class`);
	}
	for (const c of preset.cells) {
		const method = c.method ?? "simclr";
		if ((method === "supcon" || method === "classifier") && c.data.kind !== "real" && c.data.kind !== "baseline") {
			needs.push(`cell '${c.id}' trains ${method} on generated labels`);
		}
	}
	return needs;
}

function mapValues<T>(record: Record<string, T>, fn: (v: T) => T): Record<string, T> {
	return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}
