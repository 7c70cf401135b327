/**
 * The experiment report: from aggregated results to a folder a person can open.
 *
 *   <dir>/report.md          tables, plots and grids as markdown (links to the files below)
 *   <dir>/report.html        the same, self-contained: CSS inline, images as data: URIs
 *   <dir>/results.json       the results as given, for tools
 *   <dir>/plots/<slug>.svg   one plot per sweep (Vega-Lite -> Vega -> SVG)
 *   <dir>/plots/<slug>.png   the same, rasterised by sharp
 *   <dir>/plots/<slug>.vl.json  its Vega-Lite spec, to restyle it elsewhere
 *
 * Paths inside the results (run configs and metrics, grid PNGs) are relative to `dir`. Every
 * file is written atomically, so an interrupted report never leaves a half-written file.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../data/atomicWrite.js";
import { uniqueSlugs } from "./report/format.js";
import { type EmbeddedGrid, type EmbeddedPlot, renderHtml } from "./report/html.js";
import { renderMarkdown } from "./report/markdown.js";
import { renderSweep } from "./report/plots.js";
import type { ExperimentResults, Grid } from "./results.js";

/** Paths of the files written. */
export interface WrittenReport {
	markdown: string;
	html: string;
	/** The SVG and PNG of each sweep, in the order of `results.sweeps`. */
	plots: string[];
}

/** Writes report.md, report.html, results.json and the sweep plots into `dir` (created if needed). */
export async function writeReport(dir: string, results: ExperimentResults): Promise<WrittenReport> {
	// Everything is rendered in memory first, so bad results (an unlabelled off-axis point, an
	// absolute link) fail before anything is written.
	const slugs = uniqueSlugs(results.sweeps.map((sweep) => sweep.title));
	const plots: (EmbeddedPlot & { png: Buffer; spec: unknown })[] = [];
	for (const [i, sweep] of results.sweeps.entries()) {
		const { svg, png, spec } = await renderSweep(sweep);
		const { title, caption, paperNote } = sweep;
		const files = { svgPath: `plots/${slugs[i]}.svg`, pngPath: `plots/${slugs[i]}.png` };
		plots.push({ title, caption, paperNote, svg, png, spec, ...files });
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
	return { ...paths, plots: written };
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
