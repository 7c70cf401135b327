/**
 * The experiment report: from aggregated results to a folder a person can open.
 *
 *   <dir>/report.md          tables, plots and grids as markdown (links to the files below)
 *   <dir>/report.html        the same, self-contained: CSS inline, images as data: URIs
 *   <dir>/results.json       the results as given, for tools
 *   <dir>/plots/<slug>.svg   one dot plot per table (its first metric), then one plot per sweep
 *                            (Vega-Lite -> Vega -> SVG)
 *   <dir>/plots/<slug>.png   the same, rasterised by sharp
 *   <dir>/plots/<slug>.vl.json  its Vega-Lite spec, to restyle it elsewhere
 *                            (plots/ belongs to the report: an earlier report's plots that
 *                            this one no longer draws are removed)
 *
 * Paths inside the results (run configs and metrics, grid PNGs) are relative to `dir`. Every
 * file is written atomically, so an interrupted report never leaves a half-written file.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../formats/atomicWrite.js";
import { uniqueSlugs } from "./report/format.js";
import { type EmbeddedGrid, type EmbeddedPlot, renderHtml } from "./report/html.js";
import { renderMarkdown } from "./report/markdown.js";
import { type RenderedPlot, renderSpec, renderSweep } from "./report/plots.js";
import { chartMetric, tableChartSpec } from "./report/tableChart.js";
import type { ExperimentResults, Grid } from "./results.js";

/** Paths of the files written. */
export interface WrittenReport {
	markdown: string;
	html: string;
	/** The SVG and PNG of each table chart, then of each sweep, in the results' order. */
	plots: string[];
}

/** Writes report.md, report.html, results.json and the plots into `dir` (created if needed). */
export async function writeReport(dir: string, results: ExperimentResults): Promise<WrittenReport> {
	// Everything is rendered in memory first, so bad results (an unlabelled off-axis point, an
	// absolute link) fail before anything is written.
	const pending: { title: string; caption?: string; paperNote?: string; render: () => Promise<RenderedPlot> }[] = [];
	for (const table of results.tables) {
		const metric = chartMetric(table);
		if (!metric) continue;
		pending.push({
			title: `${table.title}: ${metric.label}`,
			caption: table.rows.every((row) => (row.cells[metric.key]?.n ?? 0) <= 1)
				? "One seed per row: each dot is its value."
				: "Mean ± std over seeds (blue dot and bar), each seed's value (grey circle).",
			render: () => renderSpec(tableChartSpec(table, metric)),
		});
	}
	for (const sweep of results.sweeps) {
		const { title, caption, paperNote } = sweep;
		pending.push({ title, caption, paperNote, render: () => renderSweep(sweep) });
	}
	const slugs = uniqueSlugs(pending.map((plot) => plot.title));
	const plots: (EmbeddedPlot & { png: Buffer; spec: unknown })[] = [];
	for (const [i, { render, ...text }] of pending.entries()) {
		const { svg, png, spec } = await render();
		plots.push({ ...text, svg, png, spec, svgPath: `plots/${slugs[i]}.svg`, pngPath: `plots/${slugs[i]}.png` });
	}
	const grids = await Promise.all(results.grids.map((grid) => loadGrid(dir, grid)));
	const markdown = renderMarkdown(results, plots);
	const html = renderHtml(results, plots, grids);

	const written: string[] = [];
	for (const [i, plot] of plots.entries()) {
		await writeFileAtomic(join(dir, plot.svgPath), Buffer.from(plot.svg));
		await writeFileAtomic(join(dir, plot.pngPath), plot.png);
		await writeFileAtomic(join(dir, "plots", `${slugs[i]}.vl.json`), json(plot.spec));
		written.push(join(dir, plot.svgPath), join(dir, plot.pngPath));
	}
	const paths = { markdown: join(dir, "report.md"), html: join(dir, "report.html") };
	await writeFileAtomic(join(dir, "results.json"), json(results));
	await writeFileAtomic(paths.markdown, Buffer.from(markdown));
	await writeFileAtomic(paths.html, Buffer.from(html));
	await removeStalePlots(join(dir, "plots"), new Set(slugs));
	return { ...paths, plots: written };
}

/** Removes the plot files of an earlier report that this one no longer draws (e.g. a renamed sweep). */
async function removeStalePlots(plotsDir: string, slugs: Set<string>): Promise<void> {
	let names: string[];
	try {
		names = await readdir(plotsDir);
	} catch {
		return;
	}
	for (const name of names) {
		const slug = name.match(/^(.+)\.(svg|png|vl\.json)$/)?.[1];
		if (slug !== undefined && !slugs.has(slug)) await rm(join(plotsDir, name), { force: true });
	}
}

/** Reads a grid PNG to embed it; a missing or unreadable file becomes a visible note in the page. */
async function loadGrid(dir: string, grid: Grid): Promise<EmbeddedGrid> {
	let png: Buffer;
	try {
		png = await readFile(join(dir, grid.path));
	} catch {
		return { grid };
	}
	const { default: sharp } = await import("sharp");
	const meta = await sharp(png)
		.metadata()
		.catch(() => undefined);
	if (meta?.format !== "png" || !meta.width || !meta.height) return { grid };
	return { grid, png, width: meta.width, height: meta.height };
}

function json(value: unknown): Buffer {
	return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}
