/**
 * A result table as a dot plot: one row per method in the table's order, a dot at the mean of
 * one metric with a ± std bar, and each seed's value as an open circle beside it. Accuracies of
 * the rows sit within a few points of each other, so the axis starts near them, not at zero
 * (hence dots, not bars).
 */
import type { TopLevelSpec } from "vega-lite";
import type { MetricColumn, ResultTable } from "../results.js";
import { PLOT_DEFAULTS, PLOT_STYLE } from "./plots.js";

/** Pixels per table row. */
const ROW_HEIGHT = 26;

/** The metric a table's chart shows: its first column. Null when the table is not charted or fewer than two rows measured it. */
export function chartMetric(table: ResultTable): MetricColumn | null {
	const metric = table.metrics[0];
	if (!metric || table.chart === false) return null;
	const measured = table.rows.filter((row) => row.cells[metric.key]);
	return measured.length >= 2 ? metric : null;
}

/** The Vega-Lite spec of a table's dot plot for `metric`. Throws when the table has no such column. */
export function tableChartSpec(table: ResultTable, metric: MetricColumn): TopLevelSpec {
	if (!table.metrics.some((m) => m.key === metric.key))
		throw new RangeError(`table "${table.title}" has no column '${metric.key}'`);
	const scale = metric.unit === "%" ? 100 : 1;
	const means: { method: string; mean: number; lo: number; hi: number; n: number }[] = [];
	const seeds: { method: string; value: number }[] = [];
	for (const row of table.rows) {
		const stat = row.cells[metric.key];
		if (!stat) continue;
		const { mean, std, n, values } = stat;
		means.push({ method: row.label, mean: mean * scale, lo: (mean - std) * scale, hi: (mean + std) * scale, n });
		for (const v of values) seeds.push({ method: row.label, value: v * scale });
	}
	const order = means.map((m) => m.method);
	const title = metric.unit === "%" ? `${metric.label} (%)` : metric.label;
	const y = { field: "method", type: "nominal" as const, title: null, sort: order, axis: { labelLimit: 420 } };
	const x = { type: "quantitative" as const, title, scale: { zero: false, nice: true } };
	return {
		$schema: "https://vega.github.io/schema/vega-lite/v6.json",
		title: { text: `${table.title}: ${metric.label}`, anchor: "start", fontSize: 14 },
		width: PLOT_DEFAULTS.width,
		height: ROW_HEIGHT * Math.max(order.length, 1),
		...PLOT_STYLE,
		layer: [
			{
				data: { values: seeds },
				mark: { type: "point", shape: "circle", size: 36, opacity: 0.7, color: "#8c959f" },
				encoding: { x: { ...x, field: "value" }, y },
			},
			{
				data: { values: means },
				mark: { type: "rule", strokeWidth: 2, color: "#0969da" },
				encoding: { x: { ...x, field: "lo" }, x2: { field: "hi" }, y },
			},
			{
				data: { values: means },
				mark: { type: "point", filled: true, size: 70, color: "#0969da", opacity: 1 },
				encoding: {
					x: { ...x, field: "mean" },
					y,
					tooltip: [
						{ field: "method", type: "nominal" },
						{ field: "mean", type: "quantitative", format: ".1f" },
						{ field: "n", type: "quantitative", title: "seeds" },
					],
				},
			},
		],
	} as TopLevelSpec;
}
