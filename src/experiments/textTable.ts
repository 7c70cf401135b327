/** A result table as aligned plain text for the terminal (the demo prints it). */
import { formatStat } from "./report/format.js";
import type { ResultTable } from "./results.js";
import { tableVerdict } from "./verdict.js";

export function tableToText(table: ResultTable): string {
	const header = ["", ...table.metrics.map((m) => (m.unit === "%" ? `${m.label} %` : m.label))];
	const rows = table.rows.map((row) => [
		row.label,
		...table.metrics.map((m) => {
			const stat = row.cells[m.key];
			return stat ? formatStat(stat, m.unit) : "-";
		}),
	]);
	const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
	const line = (cells: string[]) =>
		cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
	const verdict = tableVerdict(table);
	return [table.title, line(header), ...rows.map(line), ...(verdict ? ["", verdict] : [])].join("\n");
}
