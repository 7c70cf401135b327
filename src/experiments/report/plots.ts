/**
 * Sweep plots, and the renderer every report plot shares: a Vega-Lite spec per sweep (lines
 * with points and mean ± std error bars per series; points off the numeric axis, such as a live
 * stream, as dashed horizontal rules with a ± std band and their label), compiled to Vega and
 * rendered headlessly to SVG, then to PNG with sharp. vega and vega-lite load lazily: only
 * writing a report needs them.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Sweep } from "../results.js";

export const PLOT_DEFAULTS = {
	/** Width and height of the plotting area in pixels (axes, title and legend come on top). */
	width: 540,
	height: 300,
	/** PNG resolution relative to the SVG's pixels. */
	pngScale: 2,
} as const;

/** Page style shared by every report plot. */
export const PLOT_STYLE = {
	background: "white",
	padding: 12,
	config: {
		view: { stroke: null },
		axis: { grid: true, gridColor: "#e6e6e6", labelFontSize: 12, titleFontSize: 13, titleFontWeight: 600 },
		legend: { labelFontSize: 12, labelLimit: 400 },
	},
};

export interface RenderedPlot {
	spec: TopLevelSpec;
	svg: string;
	png: Buffer;
}

interface OnAxisRow {
	series: string;
	x: number;
	mean: number;
	lo: number;
	hi: number;
}

interface OffAxisRow {
	series: string;
	label: string;
	mean: number;
	lo: number;
	hi: number;
}

/** The Vega-Lite spec of a sweep. Throws on a point a log axis cannot show or an unlabelled off-axis point. */
export function sweepSpec(sweep: Sweep): TopLevelSpec {
	const { width, height } = PLOT_DEFAULTS;
	const scale = sweep.y.unit === "%" ? 100 : 1;
	const onAxis: OnAxisRow[] = [];
	const offAxis: OffAxisRow[] = [];
	for (const series of sweep.series) {
		for (const point of series.points) {
			const { mean, std } = point.stat;
			const row = { series: series.name, mean: mean * scale, lo: (mean - std) * scale, hi: (mean + std) * scale };
			if (point.x === null) {
				if (!point.xLabel)
					throw new RangeError(`sweep "${sweep.title}", series "${series.name}": a point with x null needs an xLabel`);
				offAxis.push({ ...row, label: point.xLabel });
			} else {
				if (!Number.isFinite(point.x) || (sweep.x.scale === "log" && point.x <= 0))
					throw new RangeError(
						`sweep "${sweep.title}", series "${series.name}": x must be a finite${sweep.x.scale === "log" ? " positive" : ""} number on a ${sweep.x.scale} axis, got ${point.x}`,
					);
				onAxis.push({ ...row, x: point.x });
			}
		}
	}
	const names = sweep.series.map((s) => s.name);
	const color = {
		field: "series",
		type: "nominal" as const,
		scale: { domain: names },
		legend: { title: null, orient: "bottom" as const, symbolType: "circle", symbolOpacity: 1, symbolSize: 60 },
	};
	const x = {
		field: "x",
		type: "quantitative" as const,
		title: sweep.x.label,
		// Ticks where the sweep measured, not where the scale's nice numbers fall.
		// ",.4~r": up to 4 significant digits, trailing zeros dropped: a preset's settings as given
		// (0.25, 20,000), a measured x such as a Fréchet distance rounded (0.4346, not 0.43459521434).
		axis: { values: [...new Set(onAxis.map((row) => row.x))].sort((a, b) => a - b), format: ",.4~r" },
		scale:
			sweep.x.scale === "log"
				? { type: "log" as const, nice: false, padding: 16 }
				: { zero: false, nice: false, padding: 16 },
	};
	const yTitle = sweep.y.unit === "%" ? `${sweep.y.label} (%)` : sweep.y.label;
	const y = { field: "mean", type: "quantitative" as const, title: yTitle, scale: { zero: false } };
	const layers: TopLevelSpec[] = [];
	if (offAxis.length > 0) {
		const data = { values: offAxis };
		layers.push(
			{
				data,
				mark: { type: "rect", opacity: 0.08 },
				encoding: { y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color },
			} as TopLevelSpec,
			{
				data,
				mark: { type: "rule", strokeDash: [6, 4], strokeWidth: 1.5 },
				encoding: { y, color },
			} as TopLevelSpec,
			{
				data,
				mark: { type: "text", align: "left", baseline: "bottom", dy: -3, fontSize: 11 },
				encoding: { x: { value: 4 }, y: { field: "mean", type: "quantitative" }, text: { field: "label" }, color },
			} as TopLevelSpec,
		);
	}
	if (onAxis.length > 0) {
		const data = { values: onAxis };
		layers.push(
			{
				data,
				mark: { type: "errorbar", ticks: { size: 8 } },
				encoding: { x, y: { field: "lo", type: "quantitative", title: yTitle }, y2: { field: "hi" }, color },
			} as TopLevelSpec,
			{
				data,
				mark: { type: "line", point: { filled: true, size: 45 }, strokeWidth: 2 },
				encoding: { x, y, color },
			} as TopLevelSpec,
		);
	}
	if (layers.length === 0) {
		// Every job of the sweep failed or has not run yet: say so rather than draw an empty frame.
		layers.push({
			data: { values: [{}] },
			mark: { type: "text", text: "no points measured yet", fontSize: 13, color: "#6e7781" },
			encoding: { x: { value: width / 2 }, y: { value: height / 2 } },
		} as TopLevelSpec);
	}
	return {
		$schema: "https://vega.github.io/schema/vega-lite/v6.json",
		title: { text: sweep.title, anchor: "start", fontSize: 14 },
		width,
		height,
		...PLOT_STYLE,
		layer: layers,
	} as TopLevelSpec;
}

/** Renders a sweep to SVG (headless Vega view) and PNG (sharp, at PLOT_DEFAULTS.pngScale). */
export function renderSweep(sweep: Sweep): Promise<RenderedPlot> {
	return renderSpec(sweepSpec(sweep));
}

/** Renders a Vega-Lite spec to SVG (headless Vega view) and PNG (sharp, at PLOT_DEFAULTS.pngScale). */
export async function renderSpec(spec: TopLevelSpec): Promise<RenderedPlot> {
	const [vega, vegaLite, { default: sharp }] = await Promise.all([
		import("vega"),
		import("vega-lite"),
		import("sharp"),
	]);
	// Warnings (e.g. about dropped scale properties) would go to the console: keep only errors.
	const logger = vega.logger(vega.Error);
	const view = new vega.View(vega.parse(vegaLite.compile(spec, { logger }).spec), {
		renderer: "none",
		logLevel: vega.Error,
	});
	let svg: string;
	try {
		svg = await view.toSVG();
	} finally {
		view.finalize();
	}
	const png = await sharp(Buffer.from(svg), { density: 72 * PLOT_DEFAULTS.pngScale })
		.png()
		.toBuffer();
	return { spec, svg, png };
}
