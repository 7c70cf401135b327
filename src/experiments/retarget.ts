/**
 * A preset on someone else's pair: the same grid of views, cells, tables and sweeps, with the
 * user's generator in place of the shipped ones and the user's real dataset (a registered name
 * or an image folder) in place of Fashion-MNIST, optionally scaled down (steps, anchors, batch).
 * The report's title, description and notes name the generator and the data.
 *
 * What a preset needs from the generator is checked first, with errors that say so: class
 * labels (independent views, SupCon and classifier cells, the conditional presets) need a
 * class-conditional generator, and the generator's images must have the dataset's shape, since
 * every encoder is probed on that dataset. Steered views get walks of the user's generator:
 * the retargeted preset trains them (a walks job, `genrep steer train` with gradient auto:
 * autodiff for tfjs generators, derivative-free for ONNX) at the preset's scale of walks
 * (PRESET_WALKS) scaled like the cells: steps with --steps, batch with --batch-size, held-out
 * latents with --anchors; a shipped generator uses its shipped walks. The inverter cells need
 * nothing more: they learn to invert the generator from the stored views' z.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import type { ImageShape } from "../data/types.js";
import { parseOptions } from "../engine/options.js";
import { GenrepError } from "../errors.js";
import { isShippedGenerator, modelsDir } from "../generators/registry.js";
import { SHIPPED_WALKS_FOLDER, WALKS_CARD } from "../views/steer/walks.js";
import type { CellSpec, PresetSpec, ViewsSpec, WalksSpec } from "./preset.js";
import { PRESET_WALKS } from "./presets/common.js";
import { PRESETS } from "./presets.js";
import { RETARGET_OPTIONS, type RetargetOptions } from "./retargetOptions.js";

export type { RetargetOptions } from "./retargetOptions.js";

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
	let walksChange: string | undefined;
	const g = facts.generator;
	if (options.generator !== undefined) {
		if (!g) throw new Error("retargetPreset: facts.generator is required with a generator");
		const needs = conditionalNeeds(preset);
		if (needs.length > 0 && g.numClasses === 0) {
			throw new GenrepError(
				`preset ${preset.name} needs a class-conditional generator (${needs.join("; ")}), but ${g.id} has no classes; ` +
					`pick a preset for unconditional generators (${unconditionalPresets().join(", ")})`,
			);
		}
		const generator = options.generator;
		p.views = mapValues(p.views, (v): ViewsSpec => ({ ...v, generator }));
		const steered = Object.keys(p.views).filter((id) => p.views[id].view === "steer");
		if (steered.length > 0 && hasShippedWalks(generator)) {
			for (const v of steered)
				p.views[v] = { ...p.views[v], viewOptions: { ...p.views[v].viewOptions, walks: generator } };
			walksChange = `steered views (${steered.join(", ")}) use the shipped walks of ${generator}`;
		} else if (steered.length > 0) {
			// The shipped walks belong to the shipped generators: the run trains walks for this one.
			const id = walksId(g.id);
			p.walks = { [id]: scaledWalks(generator, preset, options) };
			for (const v of steered) {
				const { walks: _shipped, ...viewOptions } = p.views[v].viewOptions ?? {};
				p.views[v] = { ...p.views[v], viewOptions, trainedWalks: id };
			}
			walksChange = `steered views (${steered.join(", ")}) use walks trained here for ${g.id}`;
		}
		p.cells = p.cells.map((c): CellSpec => (c.data.kind === "live" ? { ...c, data: { ...c.data, generator } } : c));
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
	if (walksChange !== undefined) {
		const w = Object.values(p.walks ?? {})[0];
		changes.push(
			w === undefined
				? walksChange
				: `${walksChange} (gradient ${w.gradient}, ${w.steps} steps per walk at batch ${w.batchSize}, ` +
						`measured on ${w.evalSamples} held-out latents)`,
		);
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

/** The walks a retargeted preset trains: PRESET_WALKS scaled as the options scale cells, batches and anchors. */
function scaledWalks(generator: string, preset: PresetSpec, options: RetargetOptions): WalksSpec {
	const scaled = (value: number, factor: number | undefined, least: number) =>
		factor === undefined ? value : Math.max(least, Math.round(value * factor));
	const largest = Math.max(...Object.values(preset.views).map((v) => v.anchors));
	return {
		generator,
		steps: scaled(PRESET_WALKS.steps, options.steps && options.steps / preset.steps, 1),
		batchSize: scaled(PRESET_WALKS.batchSize, options.batchSize && options.batchSize / preset.batchSize, 2),
		evalSamples: scaled(PRESET_WALKS.evalSamples, options.anchors && options.anchors / largest, 8),
		gradient: PRESET_WALKS.gradient,
		seed: PRESET_WALKS.seed,
	};
}

/** Whether the generator is a shipped one with its own shipped walks (models/<name>/walks): then no walks job. */
function hasShippedWalks(generator: string): boolean {
	return (
		!existsSync(generator) &&
		isShippedGenerator(generator) &&
		existsSync(join(modelsDir(), generator, SHIPPED_WALKS_FOLDER, WALKS_CARD))
	);
}

/** A folder name for a generator's walks: the last part of its id, e.g. `rgb64` for `fixtures/onnx/rgb64`. */
function walksId(generatorId: string): string {
	const name = basename(generatorId.replace(/[\\/]+$/, ""))
		.replace(/[^A-Za-z0-9._-]+/g, "-")
		.replace(/^[.-]+/, "");
	return name === "" ? "generator" : name;
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

/** The shipped presets that run on an unconditional generator. */
function unconditionalPresets(): string[] {
	return Object.values(PRESETS)
		.filter((p) => conditionalNeeds(p).length === 0)
		.map((p) => p.name);
}
