/**
 * report.html: one self-contained page (CSS inline, plots and grids as data: URIs, nothing
 * fetched) that opens from disk. Same content as report.md; every string from the results is
 * HTML-escaped.
 */
import type { ExperimentResults, Grid, JobRecord, ResultTable, RunLink } from "../results.js";
import { tableVerdict } from "../verdict.js";
import {
	bestRows,
	computeSummary,
	formatPaper,
	formatSeconds,
	formatStat,
	formatTime,
	generatedLine,
	escapeHtml as h,
	jobSummary,
	linkedRuns,
	metricHeader,
	paperLegend,
	escapeHtmlProse as prose,
	relativeHref,
	rowSeeds,
	statusLabel,
} from "./format.js";
import type { PlotFiles } from "./markdown.js";
import { REPORT_CSS } from "./style.js";

/** A plot as the page embeds it. */
export interface EmbeddedPlot extends PlotFiles {
	svg: string;
}

/** A grid as the page embeds it; png undefined when the file could not be read. */
export interface EmbeddedGrid {
	grid: Grid;
	png?: Buffer;
	width?: number;
	height?: number;
}

/** Grids are scaled up by whole factors (pixelated) to about this width, when they are smaller. */
const GRID_DISPLAY_WIDTH = 480;

export function renderHtml(results: ExperimentResults, plots: EmbeddedPlot[], grids: EmbeddedGrid[]): string {
	const body: string[] = [
		`<h1>${h(results.title)}</h1>`,
		`<p class="lead">${prose(results.description)}</p>`,
		'<dl class="meta">',
		`<dt>preset</dt><dd><code>${h(results.preset)}</code></dd>`,
		`<dt>scale</dt><dd>${h(results.scale)}</dd>`,
		`<dt>generated</dt><dd>${h(generatedLine(results))}</dd>`,
		`<dt>jobs</dt><dd>${h(jobSummary(results.jobs))}</dd>`,
	];
	const compute = computeSummary(results.jobs);
	if (compute) body.push(`<dt>compute</dt><dd>${h(compute)}</dd>`);
	body.push("</dl>", `<pre class="command"><code>${h(results.command)}</code></pre>`);
	if (results.notes?.length) {
		body.push(
			"<h2>Findings</h2>",
			'<ul class="findings">',
			...results.notes.map((n) => `<li>${prose(n)}</li>`),
			"</ul>",
		);
	}
	for (const table of results.tables) body.push(renderTable(table));
	if (plots.length > 0) body.push("<h2>Plots</h2>", ...plots.map(renderPlot));
	if (grids.length > 0) body.push("<h2>View grids</h2>", '<div class="gallery">', ...grids.map(renderGrid), "</div>");
	body.push(...renderJobs(results.jobs));
	body.push(`<footer>genrep experiment report · ${h(results.preset)} · ${h(formatTime(results.generatedAt))}</footer>`);
	return [
		"<!doctype html>",
		'<html lang="en">',
		"<head>",
		'<meta charset="utf-8">',
		'<meta name="viewport" content="width=device-width, initial-scale=1">',
		`<title>${h(results.title)}</title>`,
		`<style>${REPORT_CSS}</style>`,
		"</head>",
		"<body>",
		"<main>",
		...body,
		"</main>",
		"</body>",
		"</html>",
		"",
	].join("\n");
}

function renderTable(table: ResultTable): string {
	const best = bestRows(table);
	const hasPaper = table.rows.some((row) => row.paper && Object.keys(row.paper).length > 0);
	const head = [
		'<th class="label">method</th>',
		...table.metrics.map((m) => `<th>${h(metricHeader(m))}</th>`),
		"<th>seeds</th>",
		'<th class="label">runs</th>',
	];
	const rows = table.rows.map((row, i) => {
		const seeds = rowSeeds(row.cells);
		const cells = table.metrics.map((metric) => {
			const stat = row.cells[metric.key];
			const paper = row.paper?.[metric.key];
			const paperHtml =
				paper === undefined
					? ""
					: `<span class="paper" title="the paper's number">paper ${h(formatPaper(paper))}</span>`;
			if (!stat) return `<td class="stat">${row.failed ? "failed" : "–"}${paperHtml}</td>`;
			const [mean, std] = formatStat(stat, metric.unit).split(" ± ");
			const n = stat.n !== seeds ? ` <span class="n">n=${stat.n}</span>` : "";
			const cls = best.get(metric.key)?.has(i) ? "stat best" : "stat";
			const spread = std === undefined ? "" : ` <span class="pm">± ${std}</span>`;
			return `<td class="${cls}">${mean}${spread}${n}${paperHtml}</td>`;
		});
		const failed = row.failed ? ` <span class="n">failed: ${h(row.failed.join(", "))}; see jobs</span>` : "";
		return `<tr><td class="label">${h(row.label)}${failed}</td>${cells.join("")}<td>${seeds}</td>${renderRuns(row.runs)}</tr>`;
	});
	const verdict = tableVerdict(table);
	const legend = `Mean ± std over seeds (the value alone for one seed); bold: best of the column${hasPaper ? `; below each cell, muted: ${h(paperLegend(table))}` : ""}.`;
	return [
		`<h2>${h(table.title)}</h2>`,
		table.caption ? `<p class="caption">${prose(table.caption)}</p>` : "",
		'<div class="table-wrap"><table>',
		`<thead><tr>${head.join("")}</tr></thead>`,
		`<tbody>\n${rows.join("\n")}\n</tbody>`,
		"</table></div>",
		`<p class="note">${legend}</p>`,
		verdict ? `<p class="verdict">${h(verdict)}</p>` : "",
	]
		.filter(Boolean)
		.join("\n");
}

/** Two compact lines, "config: seed 0 · 1 · 2" and "metrics: seed 0 · 1 · 2", each name a link. */
function renderRuns(runs: RunLink[]): string {
	const line = (kind: "config" | "metrics") => {
		const list = linkedRuns(runs, kind);
		if (!list) return "";
		const links = list.links.map(({ name, href }) => `<a href="${h(href)}">${h(name)}</a>`);
		return `<div><span class="run-label">${kind}: ${h(list.prefix)}</span>${links.join(" · ")}</div>`;
	};
	const lines = line("config") + line("metrics");
	return `<td class="runs">${lines || "–"}</td>`;
}

function renderPlot(plot: EmbeddedPlot): string {
	const src = `data:image/svg+xml;base64,${Buffer.from(plot.svg).toString("base64")}`;
	const size = plot.svg.match(/<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/);
	const dims = size ? ` width="${Math.round(Number(size[1]))}" height="${Math.round(Number(size[2]))}"` : "";
	const caption = [
		plot.caption ? prose(plot.caption) : "",
		plot.paperNote ? `<strong>Paper:</strong> ${prose(plot.paperNote)}` : "",
		`<span class="files">Files: <a href="${h(relativeHref(plot.svgPath))}">SVG</a> · <a href="${h(relativeHref(plot.pngPath))}">PNG</a></span>`,
	].filter(Boolean);
	return [
		"<figure>",
		`<img src="${src}" alt="${h(plot.title)}"${dims}>`,
		`<figcaption>${caption.join("<br>")}</figcaption>`,
		"</figure>",
	].join("\n");
}

function renderGrid({ grid, png, width, height }: EmbeddedGrid): string {
	const href = h(relativeHref(grid.path));
	const caption = `<figcaption><strong>${h(grid.title)}</strong>${grid.caption ? `<br>${prose(grid.caption)}` : ""}</figcaption>`;
	if (!png || !width || !height) {
		return `<figure><p class="missing">grid image not found: ${href}</p>${caption}</figure>`;
	}
	const factor = Math.max(1, Math.floor(GRID_DISPLAY_WIDTH / width));
	const src = `data:image/png;base64,${png.toString("base64")}`;
	return [
		"<figure>",
		`<a href="${href}"><img src="${src}" alt="${h(grid.title)}" width="${width * factor}" height="${height * factor}"></a>`,
		caption,
		"</figure>",
	].join("\n");
}

function renderJobs(jobs: JobRecord[]): string[] {
	if (jobs.length === 0) return [];
	const anyFailed = jobs.some((job) => job.status === "failed");
	const rows = jobs.map(
		(job) =>
			`<tr><td class="label"><code>${h(job.id)}</code></td><td class="status ${job.status}">${h(statusLabel(job.status))}</td>` +
			`<td>${job.seconds === undefined ? "" : h(formatSeconds(job.seconds))}</td>` +
			`<td>${job.cpuSeconds === undefined ? "" : h(formatSeconds(job.cpuSeconds))}</td>` +
			`<td class="label">${job.finishedAt ? h(formatTime(job.finishedAt)) : ""}</td>` +
			`<td class="error">${job.error ? h(job.error) : ""}</td></tr>`,
	);
	return [
		"<h2>Jobs</h2>",
		`<details${anyFailed ? " open" : ""}>`,
		`<summary>${h(jobSummary(jobs))}</summary>`,
		'<div class="table-wrap"><table class="jobs">',
		'<thead><tr><th class="label">job</th><th class="label">status</th><th>time</th><th title="process CPU time (user + system) while the job ran">CPU</th><th class="label">finished</th><th class="label">error</th></tr></thead>',
		`<tbody>\n${rows.join("\n")}\n</tbody>`,
		"</table></div>",
		"</details>",
	];
}
