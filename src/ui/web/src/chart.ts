/** Line charts as inline SVG: one or more series over a shared x axis, with min/max ticks and a legend. */
export interface Series {
	name: string;
	color: string;
	points: [number, number][];
}

const W = 420;
const H = 200;
const PAD = { left: 56, right: 12, top: 24, bottom: 30 };

const fmt = (v: number): string => {
	const a = Math.abs(v);
	if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
	return Number(v.toPrecision(3)).toString();
};

export function lineChart(title: string, xLabel: string, series: Series[]): SVGSVGElement {
	const ns = "http://www.w3.org/2000/svg";
	const svg = document.createElementNS(ns, "svg");
	svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
	svg.setAttribute("class", "chart");
	const count = series.reduce((n, s) => n + s.points.length, 0);
	svg.dataset.points = String(count);
	svg.dataset.title = title;
	const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
	const add = (tag: string, attrs: Record<string, string | number>, text?: string) => {
		const node = document.createElementNS(ns, tag);
		for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
		if (text !== undefined) node.textContent = text;
		svg.append(node);
		return node;
	};
	add("text", { x: PAD.left, y: 16, class: "chart-title" }, title);
	add("rect", {
		x: PAD.left,
		y: PAD.top,
		width: W - PAD.left - PAD.right,
		height: H - PAD.top - PAD.bottom,
		class: "chart-frame",
	});
	if (all.length === 0) {
		add("text", { x: W / 2, y: H / 2, class: "chart-empty", "text-anchor": "middle" }, "no points yet");
		return svg;
	}
	let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
	let [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
	if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
	if (y0 === y1) [y0, y1] = [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
	const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
	const sy = (y: number) => H - PAD.bottom - ((y - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
	add("text", { x: PAD.left - 4, y: sy(y1) + 4, class: "chart-tick", "text-anchor": "end" }, fmt(y1));
	add("text", { x: PAD.left - 4, y: sy(y0), class: "chart-tick", "text-anchor": "end" }, fmt(y0));
	add("text", { x: sx(x0), y: H - PAD.bottom + 14, class: "chart-tick" }, fmt(x0));
	add("text", { x: sx(x1), y: H - PAD.bottom + 14, class: "chart-tick", "text-anchor": "end" }, fmt(x1));
	add("text", { x: (PAD.left + W - PAD.right) / 2, y: H - 4, class: "chart-tick", "text-anchor": "middle" }, xLabel);
	series.forEach((s, i) => {
		const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
		if (pts.length === 1) add("circle", { cx: sx(pts[0][0]), cy: sy(pts[0][1]), r: 2.5, fill: s.color });
		else
			add("polyline", {
				points: pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" "),
				stroke: s.color,
				class: "chart-line",
			});
		if (series.length > 1) {
			add("rect", { x: W - PAD.right - 130, y: PAD.top + 6 + i * 13, width: 10, height: 3, fill: s.color });
			add("text", { x: W - PAD.right - 116, y: PAD.top + 10 + i * 13, class: "chart-legend" }, s.name.slice(-24));
		}
	});
	return svg;
}
