/** A result table as aligned plain text for the terminal (the demo prints it). */
import { formatStat } from "./report/format.js";
import type { ResultTable } from "./results.js";

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
	return [table.title, line(header), ...rows.map(line)].join("\n");
}
