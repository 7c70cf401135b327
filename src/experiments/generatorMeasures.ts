/** A cell's generator and the figures `genrep gan eval` wrote into that generator's model card (sweeps placed by generator quality). */
import { join } from "node:path";
import { CARD_FILE, readModelCard } from "../generators/modelCard.js";
import { resolveGenerator } from "../generators/registry.js";
import type { CellSpec, PresetSpec } from "./preset.js";

/** The generator a cell trains on: a live cell's, or its views dataset's; null for real data and baselines. */
export function cellGenerator(preset: PresetSpec, cell: CellSpec): string | null {
	const d = cell.data;
	if (d.kind === "live") return d.generator;
	if (d.kind === "views" || d.kind === "mixed") return preset.views[d.views]?.generator ?? null;
	return null;
}

/** The card's measures a sweep can be placed by, by the card's `metrics` key. */
export const GENERATOR_MEASURES = {
	generatorFrechet: "frechetDistance",
	generatorCas: "classificationAccuracyScore",
} as const;

export type GeneratorMeasure = keyof typeof GENERATOR_MEASURES;

/** The `metrics` that `genrep gan eval` merged into the generator's model card (empty when never evaluated). */
export async function generatorMetrics(generator: string): Promise<Record<string, unknown>> {
	const card = await readModelCard(join(resolveGenerator(generator).dir, CARD_FILE));
	return (card as { metrics?: Record<string, unknown> }).metrics ?? {};
}

/** One figure of those metrics, or null when the card has none (not evaluated yet). */
export function measureOf(metrics: Record<string, unknown>, measure: GeneratorMeasure): number | null {
	const value = metrics[GENERATOR_MEASURES[measure]];
	return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** The figure from the generator's model card, or null when the card has none. */
export async function generatorMeasure(generator: string, measure: GeneratorMeasure): Promise<number | null> {
	return measureOf(await generatorMetrics(generator), measure);
}
