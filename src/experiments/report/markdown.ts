/**
 * report.md: the header (title, description, command, scale, time, jobs), findings, the result
 * tables, the sweep plots (the SVG shown, the PNG linked), the view grids, and the job table.
 * Every piece of text from the results is escaped, so labels cannot break the tables.
 */
import type { ExperimentResults, JobRecord, ResultTable, RunLink } from "../results.js";
import { tableVerdict } from "../verdict.js";
import {
	bestRows,
	computeSummary,
	formatPaper,
	formatSeconds,
	formatStat,
	formatTime,
	generatedLine,
	jobSummary,
	linkedRuns,
	escapeMarkdown as md,
	metricHeader,
	paperLegend,
	relativeHref,
	rowSeeds,
	statusLabel,
} from "./format.js";

/** A sweep's plot files, relative to the report folder. */
export interface PlotFiles {
	title: string;
	caption?: string;
	paperNote?: string;
	svgPath: string;
	pngPath: string;
}

export function renderMarkdown(results: ExperimentResults, plots: PlotFiles[]): string {
	const out: string[] = [`# ${md(results.title)}`, "", md(results.description), ""];
	out.push(
		"| | |",
		"|---|---|",
		`| preset | \`${results.preset.replace(/`/g, "")}\` |`,
		`| scale | ${md(results.scale)} |`,
		`| generated | ${md(generatedLine(results))} |`,
		`| jobs | ${jobSummary(results.jobs)} |`,
	);
	const compute = computeSummary(results.jobs);
	if (compute) out.push(`| compute | ${compute} |`);
	out.push("", "Command:", "", ...codeBlock(results.command, "sh"), "");
	if (results.notes?.length) {
		out.push("## Findings", "", ...results.notes.map((note) => `- ${md(note)}`), "");
	}
	for (const table of results.tables) out.push(...renderTable(table));
	if (plots.length > 0) {
		out.push("## Plots", "");
		for (const plot of plots) {
			out.push(`### ${md(plot.title)}`, "");
			if (plot.caption) out.push(md(plot.caption), "");
			const svg = relativeHref(plot.svgPath);
			out.push(`![${md(plot.title)}](${svg})`, "", `Files: [SVG](${svg}), [PNG](${relativeHref(plot.pngPath)}).`, "");
			if (plot.paperNote) out.push(`_Paper: ${md(plot.paperNote)}_`, "");
		}
	}
	if (results.grids.length > 0) {
		out.push("## View grids", "");
		for (const grid of results.grids) {
			const href = relativeHref(grid.path);
			out.push(`### ${md(grid.title)}`, "");
			if (grid.caption) out.push(md(grid.caption), "");
			out.push(`[![${md(grid.title)}](${href})](${href})`, "");
		}
	}
	out.push(...renderJobs(results.jobs));
	return `${out.join("\n").trimEnd()}\n`;
}

function renderTable(table: ResultTable): string[] {
	const best = bestRows(table);
	const out = [`## ${md(table.title)}`, ""];
	if (table.caption) out.push(md(table.caption), "");
	const header = ["method", ...table.metrics.map((m) => md(metricHeader(m))), "seeds", "runs"];
	out.push(`| ${header.join(" | ")} |`, `|---|${table.metrics.map(() => "---:|").join("")}---:|---|`);
	table.rows.forEach((row, i) => {
		const seeds = rowSeeds(row.cells);
		const cells = table.metrics.map((metric) => {
			const stat = row.cells[metric.key];
			let text = stat ? formatStat(stat, metric.unit) : row.failed ? "failed" : "–";
			if (stat && best.get(metric.key)?.has(i)) text = `**${text}**`;
			if (stat && stat.n !== seeds) text += ` (n=${stat.n})`;
			const paper = row.paper?.[metric.key];
			if (paper !== undefined) text += ` _(${md(formatPaper(paper))})_`;
			return text;
		});
		const label = row.failed ? `${md(row.label)} (failed: ${md(row.failed.join(", "))}; see jobs)` : md(row.label);
		out.push(`| ${[label, ...cells, String(seeds), runLinks(row.runs)].join(" | ")} |`);
	});
	const hasPaper = table.rows.some((row) => row.paper && Object.keys(row.paper).length > 0);
	out.push(
		"",
		`Mean ± std over seeds; bold: best of the column${hasPaper ? `; in italics: ${md(paperLegend(table))}` : ""}.`,
		"",
	);
	const verdict = tableVerdict(table);
	if (verdict) out.push(md(verdict), "");
	return out;
}

/** "config: seed [0](...) · [1](...); metrics: seed [0](...) · [1](...)". */
function runLinks(runs: RunLink[]): string {
	const line = (kind: "config" | "metrics") => {
		const list = linkedRuns(runs, kind);
		if (!list) return "";
		const links = list.links.map(({ name, href }) => `[${md(name)}](${href})`);
		return `${kind}: ${md(list.prefix)}${links.join(" · ")}`;
	};
	return [line("config"), line("metrics")].filter(Boolean).join("; ") || "–";
}

function renderJobs(jobs: JobRecord[]): string[] {
	if (jobs.length === 0) return [];
	const out = [
		"## Jobs",
		"",
		jobSummary(jobs),
		"",
		"| job | status | time | CPU | finished | error |",
		"|---|---|---:|---:|---|---|",
	];
	for (const job of jobs) {
		const time = job.seconds === undefined ? "" : formatSeconds(job.seconds);
		const cpu = job.cpuSeconds === undefined ? "" : formatSeconds(job.cpuSeconds);
		const finished = job.finishedAt ? md(formatTime(job.finishedAt)) : "";
		out.push(
			`| ${md(job.id)} | ${statusLabel(job.status)} | ${time} | ${cpu} | ${finished} | ${job.error ? md(job.error) : ""} |`,
		);
	}
	out.push("");
	return out;
}

/** A fenced code block whose fence is longer than any run of backticks in the text. */
function codeBlock(text: string, language: string): string[] {
	const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
	const fence = "`".repeat(Math.max(3, longest + 1));
	return [`${fence}${language}`, text, fence];
}
