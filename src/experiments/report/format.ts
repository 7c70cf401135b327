/**
 * Formatting shared by the markdown and HTML reports: numbers over seeds, the best cell of a
 * column, durations, escaping, link targets and file-name slugs.
 */
import { formatSeconds as formatDuration } from "../../engine/progress.js";
import type { ExperimentResults, JobRecord, MetricColumn, MetricUnit, ResultTable, RunLink, Stat } from "../results.js";

/** Decimals for a value shown without unit: about three significant digits, at most 4 decimals. */
export function decimalsFor(value: number): number {
	if (value === 0 || !Number.isFinite(value)) return 2;
	return Math.min(4, Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value)))));
}

/** A value as shown in a table: percent with one decimal for "%" (value is a fraction). */
export function formatValue(value: number, unit: MetricUnit = "", decimals?: number): string {
	if (unit === "%") return (value * 100).toFixed(1);
	return value.toFixed(decimals ?? decimalsFor(value));
}

/** "71.2 ± 0.4" for a "%" metric holding fractions; mean and std share their decimals. One value: no spread. */
export function formatStat(stat: Stat, unit: MetricUnit = ""): string {
	const decimals = decimalsFor(stat.mean);
	const mean = formatValue(stat.mean, unit, decimals);
	return stat.n > 1 ? `${mean} ± ${formatValue(stat.std, unit, decimals)}` : mean;
}

/** The paper's number as the paper prints it. */
export function formatPaper(value: number | string): string {
	return typeof value === "number" ? String(value) : value;
}

/** The legend's words for the paper's numbers: at the paper's scale, for orientation, not a target. */
export function paperLegend(table: { paperScale?: string }): string {
	const scale = table.paperScale ?? "ImageNet, ResNet-50";
	return `the paper's number for the same setting at the paper's scale (${scale}), for orientation, not a target`;
}

/**
 * For each metric key, the rows whose mean is the best of the column as shown (ties at the
 * displayed precision are all best). Columns with fewer than two measured cells have no best.
 */
export function bestRows(table: ResultTable): Map<string, Set<number>> {
	const best = new Map<string, Set<number>>();
	for (const metric of table.metrics) {
		const measured = table.rows.flatMap((row, i) => {
			const stat = row.cells[metric.key];
			return stat ? [{ i, mean: stat.mean }] : [];
		});
		if (measured.length < 2) continue;
		const sign = metric.better === "lower" ? -1 : 1;
		const top = measured.reduce((a, b) => (sign * b.mean > sign * a.mean ? b : a));
		const shown = (mean: number) => formatValue(mean, metric.unit, decimalsFor(top.mean));
		best.set(metric.key, new Set(measured.filter((m) => shown(m.mean) === shown(top.mean)).map((m) => m.i)));
	}
	return best;
}

/**
 * Run labels with their shared leading words taken out, for compact link lists:
 * ["seed 0", "seed 1"] -> { prefix: "seed ", names: ["0", "1"] }. No prefix for a single run.
 */
export function splitRunLabels(labels: string[]): { prefix: string; names: string[] } {
	let prefix = "";
	if (labels.length > 1) {
		const first = labels[0];
		let end = first.lastIndexOf(" ") + 1;
		while (end > 0 && !labels.every((label) => label.length > end && label.startsWith(first.slice(0, end))))
			end = end >= 2 ? first.lastIndexOf(" ", end - 2) + 1 : 0;
		prefix = first.slice(0, end);
	}
	return { prefix, names: labels.map((label) => label.slice(prefix.length)) };
}

/**
 * The runs of a row that link a `kind` file, for the reports' link lists: the label words they
 * share and one { name, href } a run (href relative, not yet escaped); null when none links one.
 */
export function linkedRuns(
	runs: RunLink[],
	kind: "config" | "metrics",
): { prefix: string; links: { name: string; href: string }[] } | null {
	const linked = runs.filter((run) => run[kind]);
	if (linked.length === 0) return null;
	const { prefix, names } = splitRunLabels(linked.map((run) => run.label));
	return { prefix, links: linked.map((run, i) => ({ name: names[i], href: relativeHref(run[kind] ?? "") })) };
}

/** Column header with its unit: "linear probe (%)". */
export function metricHeader(metric: MetricColumn): string {
	return metric.unit === "%" ? `${metric.label} (%)` : metric.label;
}

/** The number of seeds of a row: the largest n over its cells (0 when nothing was measured). */
export function rowSeeds(cells: Record<string, Stat | null>): number {
	return Math.max(0, ...Object.values(cells).map((stat) => stat?.n ?? 0));
}

/** A duration in words: "8.5 s", "5 min 32 s", "1 h 02 min"; "-" when unknown. */
export const formatSeconds = (seconds: number): string =>
	Number.isFinite(seconds) ? formatDuration(seconds, "words") : "-";

/** How a job's status reads in a report: a skipped job was found finished by an earlier sitting. */
export function statusLabel(status: JobRecord["status"]): string {
	return status === "skipped" ? "done earlier" : status;
}

/** "2026-11-25 17:40 UTC, in 2 min 05 s"; "...; this sitting 3.0 s" when earlier sittings did part of the work. */
export function generatedLine(results: Pick<ExperimentResults, "generatedAt" | "seconds" | "jobs">): string {
	const resumed = results.jobs.some((job) => job.status === "skipped");
	return `${formatTime(results.generatedAt)}${resumed ? "; this sitting" : ", in"} ${formatSeconds(results.seconds)}`;
}

/** "12 done, 1 failed, 3 done earlier" (only the statuses that occur). */
export function jobSummary(jobs: JobRecord[]): string {
	if (jobs.length === 0) return "none";
	const counts = { done: 0, failed: 0, skipped: 0 };
	for (const job of jobs) counts[job.status]++;
	return (Object.entries(counts) as [JobRecord["status"], number][])
		.filter(([, count]) => count > 0)
		.map(([status, count]) => `${count} ${statusLabel(status)}`)
		.join(", ");
}

/**
 * The compute of every sitting, when this sitting skipped jobs an earlier one finished:
 * "1 h 12 min over all sittings" (with "(30 of 34 jobs timed)" when some times are unknown).
 * Null for a single sitting, whose wall time says it all.
 */
export function computeSummary(jobs: JobRecord[]): string | null {
	if (!jobs.some((job) => job.status === "skipped")) return null;
	const timed = jobs.filter((job) => job.seconds !== undefined);
	const total = timed.reduce((sum, job) => sum + (job.seconds ?? 0), 0);
	const partial = timed.length < jobs.length ? ` (${timed.length} of ${jobs.length} jobs timed)` : "";
	return `${formatSeconds(total)} over all sittings${partial}`;
}

/** "2026-11-25 17:40 UTC" from an ISO time; other strings as they are. */
export function formatTime(iso: string): string {
	const time = new Date(iso);
	if (Number.isNaN(time.getTime())) return iso;
	return `${time.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * Escapes text for one line of markdown (a table cell, a heading, a list item): markdown's
 * punctuation, table pipes, and HTML (so a label like `<script>` stays text). Underscores inside
 * words stay as they are (T_z reads as T_z in every renderer).
 */
export function escapeMarkdown(text: string): string {
	// Code spans (`genrep gan eval`) stay code: nothing inside one is markup but a table's pipe.
	return text
		.replace(/\r?\n/g, " ")
		.split(CODE_SPAN)
		.map((part, i) => (i % 2 === 1 ? part.replace(/\|/g, "\\|") : escapePlainMarkdown(part)))
		.join("");
}

/** A `code span` with its backticks (split's capture: odd pieces are spans). */
const CODE_SPAN = /(`[^`]+`)/;

function escapePlainMarkdown(text: string): string {
	return text
		.replace(/[\\`*[\]|#]/g, (c) => `\\${c}`)
		.replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, "\\_")
		.replace(/[&<>]/g, (c) => HTML_ESCAPES[c]);
}

/** Escapes prose for HTML, with its `code spans` as <code> elements. */
export function escapeHtmlProse(text: string): string {
	return text
		.split(CODE_SPAN)
		.map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(part.slice(1, -1))}</code>` : escapeHtml(part)))
		.join("");
}

/**
 * A link target for a path relative to the report folder: forward slashes, each segment
 * percent-encoded (spaces, parentheses, '#', '?'). Absolute paths and URLs are refused: the
 * report must open from disk and keep working when its folder moves.
 */
export function relativeHref(path: string): string {
	if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith("/") || path.startsWith("\\"))
		throw new RangeError(`report links must be paths relative to the report folder, got ${JSON.stringify(path)}`);
	return path
		.split(/[\\/]/)
		.map((segment) => encodeURIComponent(segment).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16)}`))
		.join("/");
}

/** File-name slugs for titles, unique within one call: "Sigma sweep" -> "sigma-sweep", then "sigma-sweep-2". */
export function uniqueSlugs(titles: string[]): string[] {
	const used = new Set<string>();
	return titles.map((title, i) => {
		const base =
			title
				.normalize("NFKD")
				.replace(/\p{M}/gu, "") // accents off: "Fréchet" -> "frechet"
				.toLowerCase()
				.replace(/[^a-z0-9]+/g, "-")
				.replace(/^-+|-+$/g, "")
				.replace(/^(.{1,60})-.*$/, (all, head: string) => (all.length > 60 ? head : all))
				.slice(0, 60) || `plot-${i + 1}`;
		let slug = base;
		for (let k = 2; used.has(slug); k++) slug = `${base}-${k}`;
		used.add(slug);
		return slug;
	});
}
