/** Aggregates an experiment's metrics.json files over seeds into its tables, sweeps and grids. */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { EvalMetrics } from "../evaluation/representation/evaluate.js";
import { cellGenerator, generatorMetrics, measureOf } from "./generatorMeasures.js";
import { cellJobIds, isCompleteViews, runDir } from "./jobs.js";
import { type CellSpec, METRICS, type PresetSpec, type SweepSpec } from "./preset.js";
import type { ExperimentResults, Grid, JobRecord, ResultTable, Stat, Sweep } from "./results.js";
import { summarize } from "./results.js";
import { walksNotes } from "./walksJob.js";

/** The numbers of one metrics.json, by metric key (fractions). */
export function metricValues(m: EvalMetrics): Record<string, number> {
	const values: Record<string, number> = {
		linear: m.dataset.linearProbe.top1,
		knn: m.dataset.knn.top1,
	};
	for (const shots of [10, 100]) {
		const r = m.dataset.lowShot[String(shots)];
		if (r && "mean" in r) values[`lowShot${shots}`] = r.mean;
	}
	if (m.transfer) values.transfer = m.transfer.linearProbe.top1;
	return values;
}

export async function aggregate(
	preset: PresetSpec,
	seeds: number[],
	out: string,
	command: string,
	jobs: JobRecord[],
	seconds: number,
): Promise<ExperimentResults> {
	const cellStats = new Map<
		string,
		{ cells: Record<string, Stat | null>; runs: ResultTable["rows"][number]["runs"] }
	>();
	const status = new Map(jobs.map((job) => [job.id, job]));
	const failedSeeds = new Map<string, string[]>();
	for (const cell of preset.cells) {
		const values: Record<string, number[]> = {};
		const runs: ResultTable["rows"][number]["runs"] = [];
		for (const seed of seeds) {
			const dir = runDir(out, cell.id, seed);
			const evalJob = status.get(cellJobIds(cell, seed).eval);
			if (evalJob?.status === "failed") {
				// Its metrics.json (if any) is stale: from before the job that failed or was blocked.
				failedSeeds.set(cell.id, [...(failedSeeds.get(cell.id) ?? []), `seed ${seed}`]);
				runs.push({ label: `seed ${seed}` });
				continue;
			}
			const metricsPath = join(dir, "metrics.json");
			const configPath = join(dir, "config.json");
			runs.push({
				label: `seed ${seed}`,
				config: existsSync(configPath) ? relative(out, configPath) : undefined,
				metrics: existsSync(metricsPath) ? relative(out, metricsPath) : undefined,
			});
			if (!existsSync(metricsPath)) continue;
			const m = JSON.parse(await readFile(metricsPath, "utf8")) as EvalMetrics;
			for (const [key, v] of Object.entries(metricValues(m))) {
				values[key] = [...(values[key] ?? []), v];
			}
		}
		const cells = Object.fromEntries(METRICS.map((c) => [c.key, values[c.key] ? summarize(values[c.key]) : null]));
		cellStats.set(cell.id, { cells, runs });
	}
	const byId = new Map(preset.cells.map((c) => [c.id, c]));
	const tables: ResultTable[] = preset.tables.map((t) => ({
		title: t.title,
		caption: t.caption,
		chart: t.chart,
		paperScale: t.paperScale,
		metrics: METRICS.filter((c) => !t.metrics || t.metrics.includes(c.key)).filter(
			(c) => c.key !== "transfer" || preset.transfer,
		),
		rows: t.rows.map((id) => {
			const cell = byId.get(id) as CellSpec;
			const stats = cellStats.get(id) as {
				cells: Record<string, Stat | null>;
				runs: ResultTable["rows"][number]["runs"];
			};
			const failed = failedSeeds.get(id);
			return {
				label: cell.label,
				cells: stats.cells,
				paper: cell.paper,
				...(cell.data.kind === "baseline" ? { baseline: true } : {}),
				runs: stats.runs,
				...(failed ? { failed } : {}),
			};
		}),
	}));
	const cpuOf = new Map(jobs.filter((j) => j.cpuSeconds !== undefined).map((j) => [j.id, j.cpuSeconds as number]));
	/** Mean training CPU-minutes of a cell over the seeds whose training time is known; null if none. */
	const trainCpuMinutes = (cellId: string): number | null => {
		const cell = byId.get(cellId);
		if (!cell) return null;
		const known = seeds.flatMap((seed) => cpuOf.get(cellJobIds(cell, seed).train) ?? []);
		// Unrounded: a cell trained in under 0.3 CPU-seconds would round to 0, which no log axis can place.
		return known.length === 0 ? null : known.reduce((a, b) => a + b, 0) / known.length / 60;
	};
	/** Each generator's card metrics, read once however many sweeps and points name it. */
	const cards = new Map<string, Promise<Record<string, unknown>>>();
	/** Where a point sits when its sweep's x is measured; null when not measured (yet). */
	const measuredX = async (
		measured: NonNullable<SweepSpec["x"]["measured"]>,
		cellId: string,
	): Promise<number | null> => {
		if (measured === "trainCpuMinutes") return trainCpuMinutes(cellId);
		const cell = byId.get(cellId);
		const generator = cell ? cellGenerator(preset, cell) : null;
		if (generator === null) return null;
		if (!cards.has(generator)) cards.set(generator, generatorMetrics(generator));
		return measureOf(await (cards.get(generator) as Promise<Record<string, unknown>>), measured);
	};
	const sweeps: Sweep[] = [];
	for (const s of preset.sweeps) {
		const column = METRICS.find((c) => c.key === s.y);
		const measured = s.x.measured;
		const xs = new Map<string, number | null>();
		if (measured) {
			for (const p of s.series.flatMap((series) => series.points)) xs.set(p.cell, await measuredX(measured, p.cell));
		}
		sweeps.push({
			title: s.title,
			caption: s.caption,
			x: s.x,
			y: { key: s.y, label: s.yLabel ?? column?.label ?? s.y, unit: column?.unit },
			series: s.series.map((series) => ({
				name: series.name,
				points: series.points.flatMap((p) => {
					const stat = cellStats.get(p.cell)?.cells[p.metric ?? s.y];
					const x = measured ? (xs.get(p.cell) ?? null) : p.x;
					// A measured x the axis cannot show (none yet, or <= 0 on a log axis) leaves the point out.
					if (!stat || (measured && (x === null || (s.x.scale === "log" && x <= 0)))) return [];
					return [{ x, xLabel: p.xLabel, stat }];
				}),
			})),
			paperNote: s.paperNote,
		});
	}
	const grids: Grid[] = [];
	for (const g of preset.grids) {
		const path = join(out, "grids", `${g.views}.png`);
		const dir = join(out, "views", g.views);
		if (!existsSync(path) && (await isCompleteViews(dir))) {
			const { openMultiviewDataset } = await import("../store/multiview.js");
			const { writeViewsGrid } = await import("../store/viewsGrid.js");
			await writeViewsGrid(await openMultiviewDataset(dir), path, { anchors: 8 });
		}
		if (existsSync(path)) grids.push({ title: g.title, caption: g.caption, path: relative(out, path) });
	}
	return {
		preset: preset.name,
		title: preset.title,
		description: preset.description,
		command,
		scale: preset.scale,
		generatedAt: new Date().toISOString(),
		seconds: round(seconds),
		tables,
		sweeps,
		grids,
		notes: await notesOf(preset, out),
		jobs,
	};
}

/** The preset's notes, then one per walks set the experiment trained (what the walks achieved). */
async function notesOf(preset: PresetSpec, out: string): Promise<string[] | undefined> {
	const walks = await walksNotes(preset, out);
	return walks.length === 0 ? preset.notes : [...(preset.notes ?? []), ...walks];
}

const round = (v: number) => Math.round(v * 10) / 10;
