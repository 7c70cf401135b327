/** Checks a preset's internal references: cell ids unique, every view, grid and table cell defined. */
import { GenrepError } from "../errors.js";
import type { PresetSpec } from "./preset.js";

/** Every cell's data and views must exist in the preset; ids unique. */
export function checkPreset(p: PresetSpec): void {
	const ids = new Set<string>();
	for (const cell of p.cells) {
		if (ids.has(cell.id)) throw new GenrepError(`preset ${p.name}: cell id '${cell.id}' is used twice`);
		ids.add(cell.id);
		const views = "views" in cell.data ? cell.data.views : null;
		if (views !== null && !(views in p.views)) {
			throw new GenrepError(
				`preset ${p.name}: cell '${cell.id}' uses views '${views}', which the preset does not define`,
			);
		}
		const k = cell.data.kind === "views" ? cell.data.neighbors : undefined;
		if (views !== null && k !== undefined && !(Number.isInteger(k) && k >= 1 && k <= p.views[views].neighbors)) {
			throw new GenrepError(
				`preset ${p.name}: cell '${cell.id}' uses ${k} latent views of '${views}', which holds ${p.views[views].neighbors} per anchor`,
			);
		}
	}
	const cellsOf = [
		...p.tables.flatMap((t) => t.rows),
		...p.sweeps.flatMap((s) => s.series.flatMap((x) => x.points.map((pt) => pt.cell))),
	];
	for (const id of cellsOf)
		if (!ids.has(id)) throw new GenrepError(`preset ${p.name}: the layout names an unknown cell '${id}'`);
	for (const g of p.grids)
		if (!(g.views in p.views)) throw new GenrepError(`preset ${p.name}: grid of unknown views '${g.views}'`);
	if (p.seeds.length === 0) throw new GenrepError(`preset ${p.name}: no seeds`);
}
