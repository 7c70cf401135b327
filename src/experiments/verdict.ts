/** Who wins a result table, in one plain sentence (the demo prints it; reports show it under the table). */
import { formatValue } from "./report/format.js";
import type { ResultTable } from "./results.js";

/** Up to this many other rows are each named with their gap to the winner. */
const MAX_NAMED = 4;

/**
 * Ranks the measured rows on `metric` (default the table's first column) and says who wins and
 * by how much against each other row (when there are more than MAX_NAMED others: the runner-up,
 * every baseline row, which is the bar a learned encoder must clear, and the last row); null when
 * fewer than two rows are measured.
 * With one seed the sentence says that small gaps may be seed noise.
 */
export function tableVerdict(table: Pick<ResultTable, "metrics" | "rows">, metric?: string): string | null {
	const column = table.metrics.find((m) => m.key === (metric ?? table.metrics[0]?.key));
	if (!column) return null;
	const measured = table.rows
		.flatMap((row) => {
			const stat = row.cells[column.key];
			return stat ? [{ label: row.label, stat, baseline: row.baseline === true }] : [];
		})
		.sort((a, b) => (column.better === "lower" ? a.stat.mean - b.stat.mean : b.stat.mean - a.stat.mean));
	if (measured.length < 2) return null;
	const scale = column.unit === "%" ? 100 : 1;
	const points = column.unit === "%" ? " points" : "";
	const gap = (a: number, b: number) => (Math.abs(a - b) * scale).toFixed(1);
	const [first, ...others] = measured;
	const value = (s: (typeof measured)[number]) => `${formatValue(s.stat.mean, column.unit)}${column.unit ?? ""}`;
	// Every other row when there are few; else the runner-up, the baselines and the last, in rank order.
	const named =
		others.length <= MAX_NAMED ? others : others.filter((o, i) => i === 0 || o.baseline || i === others.length - 1);
	const ahead = named
		.map((o, i) => `${o.label} at ${value(o)} by ${gap(first.stat.mean, o.stat.mean)}${i === 0 ? points : ""}`)
		.join(named.length === 2 ? " and " : "; "); // labels may hold commas
	const seeds = Math.min(...measured.map((m) => m.stat.n));
	const noise =
		seeds === 1
			? column.unit === "%"
				? " One seed each: a gap smaller than the seeds' spread (about 0.3 points in the 3-seed tables) may be noise."
				: " One seed each."
			: ` Means of ${seeds === Math.max(...measured.map((m) => m.stat.n)) ? seeds : `${seeds} or more`} seeds.`;
	return `Who wins (${column.label}): ${first.label} with ${value(first)}, ahead of ${ahead}.${noise}`;
}
