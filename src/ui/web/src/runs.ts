/**
 * The runs page: every training run, eval and experiment under the --runs roots. Ticked
 * training runs are overlaid on live charts (loss, learning rate, throughput) that poll for
 * the points a running `genrep train` appends to metrics.jsonl; an eval shows its probes; an
 * experiment opens its report.html in place.
 */

import type { EvalSummary, MetricsPoint as Point, RunEntry, RunStatus } from "../../protocol.js";
import { el, formatSeconds, getJson, percent } from "./api.js";
import { lineChart, type Series } from "./chart.js";

interface Tracked {
	entry: RunEntry;
	points: Point[];
	next: number;
	status: RunStatus | null;
	color: string;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
const keyOf = (e: { root: number; path: string }) => `${e.root}:${e.path}`;

export function mountRuns(root: HTMLElement): { start(): void; stop(): void } {
	const error = el("div", { id: "runs-error", class: "error", role: "alert", hidden: "" });
	const list = el("table", { id: "runs-list" });
	const status = el("div", { id: "runs-status" });
	const charts = el("div", { id: "charts", class: "charts" });
	const detail = el("div", { id: "detail" });
	root.append(
		el(
			"div",
			{ class: "runs" },
			el("div", { class: "runs-side" }, el("h3", {}, "Runs, evals and experiments"), list),
			el("div", { class: "runs-main" }, error, status, charts, detail),
		),
	);

	const tracked = new Map<string, Tracked>();
	let entries: RunEntry[] = [];
	let timer: number | undefined;
	let listTimer: number | undefined;
	let listedOnce = false;

	const showError = (message: string | null) => {
		error.hidden = message === null;
		error.textContent = message ?? "";
	};

	const drawList = () => {
		const head = el("tr", {}, el("th", {}, ""), el("th", {}, "kind"), el("th", {}, "where"), el("th", {}, "what"));
		const body = entries.map((e) => {
			const key = keyOf(e);
			const cell = el("td", {});
			if (e.kind === "train") {
				const box = el("input", { type: "checkbox", "data-run": key, title: "plot (tick several to overlay)" });
				box.checked = tracked.has(key);
				box.addEventListener("change", () => {
					if (box.checked)
						tracked.set(key, {
							entry: e,
							points: [],
							next: 0,
							status: null,
							color: COLORS[tracked.size % COLORS.length],
						});
					else tracked.delete(key);
					void poll();
				});
				cell.append(box);
			}
			const open = el("a", { href: "#runs", "data-open": key }, e.label);
			open.addEventListener("click", (ev) => {
				ev.preventDefault();
				void openEntry(e);
			});
			return el(
				"tr",
				{ class: `kind-${e.kind}` },
				cell,
				el("td", {}, e.kind),
				el("td", {}, open),
				el("td", {}, e.summary),
			);
		});
		list.replaceChildren(head, ...body);
		if (entries.length === 0)
			list.append(
				el(
					"tr",
					{},
					el(
						"td",
						{ colspan: "4" },
						"nothing yet: start genrep ui with --runs DIR, where genrep train / eval / experiment write",
					),
				),
			);
	};

	const refreshList = async () => {
		try {
			const r = await getJson<{ entries: RunEntry[] }>("/api/runs");
			entries = r.entries;
			if (!listedOnce) {
				listedOnce = true;
				const firstRun = entries.find((e) => e.kind === "train");
				if (firstRun)
					tracked.set(keyOf(firstRun), { entry: firstRun, points: [], next: 0, status: null, color: COLORS[0] });
			}
			drawList();
			showError(null);
		} catch (err) {
			showError((err as Error).message);
		}
	};

	const poll = async () => {
		for (const t of tracked.values()) {
			try {
				const s = await getJson<RunStatus>("/api/run", {
					root: String(t.entry.root),
					path: t.entry.path,
					since: String(t.next),
				});
				if (s.next < t.next) t.points = []; // the log was cut back (a resumed run)
				t.points.push(...s.points);
				t.next = s.next;
				t.status = s;
			} catch (err) {
				showError((err as Error).message);
			}
		}
		drawCharts();
	};

	const drawCharts = () => {
		const runs = [...tracked.values()];
		if (runs.length === 0) {
			charts.replaceChildren();
			status.replaceChildren(el("p", { class: "hint" }, "tick training runs to plot them; several overlay"));
			return;
		}
		const series = (pick: (p: Point) => number): Series[] =>
			runs.map((t) => ({
				name: t.entry.label,
				color: t.color,
				points: t.points.map((p) => [p.step, pick(p)] as [number, number]),
			}));
		charts.replaceChildren(
			lineChart(
				"loss",
				"step",
				series((p) => p.loss),
			),
			lineChart(
				"learning rate",
				"step",
				series((p) => p.lr),
			),
			lineChart(
				"throughput (images/s)",
				"step",
				series((p) => p.imagesPerSecond),
			),
		);
		status.replaceChildren(
			...runs.map((t) => {
				const s = t.status;
				const progress = s ? `step ${s.lastStep}${s.totalSteps ? ` / ${s.totalSteps}` : ""}` : "loading";
				const state = s?.complete ? "complete" : s ? `ETA ${formatSeconds(s.etaSeconds)}` : "";
				const last = t.points.at(-1);
				const swatch = el("span", { class: "swatch" });
				swatch.style.background = t.color;
				return el(
					"div",
					{ class: "run-status", "data-run": keyOf(t.entry), "data-points": String(t.points.length) },
					swatch,
					el("strong", {}, t.entry.label),
					` ${progress}, ${state}${last ? `, loss ${last.loss.toFixed(4)}, ${last.imagesPerSecond} images/s` : ""}`,
					s?.evalMetrics ? evalTable(s.evalMetrics) : "",
				);
			}),
		);
	};

	const openEntry = async (e: RunEntry) => {
		try {
			if (e.kind === "train") {
				if (!tracked.has(keyOf(e)))
					tracked.set(keyOf(e), {
						entry: e,
						points: [],
						next: 0,
						status: null,
						color: COLORS[tracked.size % COLORS.length],
					});
				drawList();
				await poll();
				const s = tracked.get(keyOf(e))?.status;
				detail.replaceChildren(
					el("h3", {}, `config of ${e.label}`),
					el("pre", { class: "config" }, JSON.stringify(s?.config ?? {}, null, 2)),
				);
			} else if (e.kind === "eval") {
				const m = await getJson<EvalSummary>("/api/eval", { root: String(e.root), path: e.path });
				detail.replaceChildren(
					el("h3", {}, `eval ${e.label}`),
					evalTable(m),
					m.command ? el("pre", { class: "config" }, m.command) : "",
				);
			} else {
				const x = await getJson<{ report: string | null; command: string | null; runs: string[] }>("/api/experiment", {
					root: String(e.root),
					path: e.path,
				});
				const frame = x.report
					? el("iframe", {
							id: "report",
							src: `/files/${e.root}/${x.report.split("/").map(encodeURIComponent).join("/")}`,
							title: "experiment report",
						})
					: el("p", {}, "no report.html yet (the experiment writes it when its jobs finish)");
				detail.replaceChildren(
					el("h3", {}, `experiment ${e.label}`),
					x.command ? el("pre", { class: "config" }, x.command) : "",
					frame,
				);
			}
			showError(null);
		} catch (err) {
			showError((err as Error).message);
		}
	};

	return {
		start() {
			void refreshList().then(poll);
			timer = window.setInterval(() => void poll(), 1000);
			listTimer = window.setInterval(() => void refreshList(), 4000);
		},
		stop() {
			window.clearInterval(timer);
			window.clearInterval(listTimer);
		},
	};
}

function evalTable(m: EvalSummary): HTMLTableElement {
	const rows = [m.dataset, ...(m.transfer ? [m.transfer] : [])];
	const shots = [...new Set(rows.flatMap((r) => Object.keys(r.lowShot)))];
	return el(
		"table",
		{ class: "eval" },
		el(
			"tr",
			{},
			el("th", {}, "dataset"),
			el("th", {}, "linear"),
			el("th", {}, "kNN"),
			...shots.map((s) => el("th", {}, `${s}-shot`)),
		),
		...rows.map((r) =>
			el(
				"tr",
				{},
				el("td", {}, r.dataset),
				el("td", {}, percent(r.linear)),
				el("td", {}, percent(r.knn)),
				...shots.map((s) => el("td", {}, percent(r.lowShot[s]))),
			),
		),
	);
}
