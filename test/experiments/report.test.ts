import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	computeSummary,
	escapeHtmlProse,
	escapeMarkdown,
	formatStat,
	splitRunLabels,
	uniqueSlugs,
} from "../../src/experiments/report/format.js";
import { chartMetric, tableChartSpec } from "../../src/experiments/report/tableChart.js";
import { writeReport } from "../../src/experiments/report.js";
import { type ExperimentResults, type MetricColumn, type Stat, summarize } from "../../src/experiments/results.js";
import { writeImageGrid } from "../../src/formats/grid.js";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const EVIL = "<script>alert('x')</script> & co";

function runs(id: string, seeds: number) {
	return Array.from({ length: seeds }, (_, s) => ({
		label: `seed ${s}`,
		config: `runs/${id}-s${s}/config.json`,
		metrics: `runs/${id}-s${s}/metrics.json`,
	}));
}

const stream = (values: number[]): Stat => summarize(values);

function fakeResults(): ExperimentResults {
	return {
		preset: "tiny",
		title: "Tiny experiment",
		description: "Two tables, one sweep and one grid, to test the report writer.",
		command: "genrep experiment tiny --out runs/tiny",
		scale: "200 anchors, 20 steps, resnet-tiny, 3 seeds.",
		generatedAt: "2026-11-25T17:40:00.000Z",
		seconds: 125,
		tables: [
			{
				title: "Unconditional generator",
				caption: "Linear probe on Fashion-MNIST, transfer to MNIST.",
				metrics: [
					{ key: "linear", label: "linear probe", unit: "%" },
					{ key: "transfer", label: "MNIST transfer", unit: "%" },
				],
				paperScale: "Table 1: BigBiGAN, ResNet-50, ImageNet-1k <linear>",
				rows: [
					{
						label: "real data, T_x",
						cells: { linear: summarize([0.8, 0.82, 0.81]), transfer: summarize([0.9, 0.92]) },
						paper: { linear: 72.1 },
						runs: runs("real", 3),
					},
					{
						label: "T_z + T_x",
						cells: { linear: summarize([0.7, 0.72, 0.71]), transfer: null },
						paper: { linear: 64.7, transfer: "n/a" },
						runs: runs("gauss", 3),
					},
				],
			},
			{
				title: "Generator quality",
				metrics: [{ key: "fd", label: "Fréchet distance", better: "lower" }],
				rows: [
					{ label: "conditional", cells: { fd: summarize([0.4, 0.5]) }, runs: runs("cgan", 2) },
					{ label: EVIL, cells: { fd: summarize([0.6]) }, runs: [] },
				],
			},
		],
		sweeps: [
			{
				title: "Samples sweep",
				caption: "Unique anchors, steps held fixed.",
				x: { label: "unique anchors", scale: "log" },
				y: { key: "linear", label: "linear probe", unit: "%" },
				series: [
					{
						name: "T_z + T_x",
						points: [
							{ x: 100, stat: stream([0.6, 0.62]) },
							{ x: 1000, stat: stream([0.66, 0.67]) },
							{ x: null, xLabel: "live stream (unlimited)", stat: stream([0.7, 0.71]) },
						],
					},
				],
				paperNote: "Figure 6: accuracy grows sub-logarithmically with the number of samples.",
			},
		],
		grids: [{ title: "Gaussian views", caption: "Anchor, then its views.", path: "grids/gaussian.png" }],
		notes: ["T_z + T_x is 10 points below real data at this scale."],
		jobs: [
			{ id: "real-s0", status: "done", seconds: 12.5, cpuSeconds: 21.6, finishedAt: "2026-11-25T17:39:00.000Z" },
			{ id: "gauss-s0", status: "skipped" },
			{ id: "cgan-s2", status: "failed", seconds: 3, error: "out of memory <oops>" },
		],
	};
}

let dir: string;
let markdown: string;
let html: string;
let written: Awaited<ReturnType<typeof writeReport>>;

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "genrep-report-"));
	const tiles = Uint8Array.from({ length: 6 * 8 * 8 }, (_, i) => (i * 7) % 256); // [6, 8, 8, 1]
	await writeImageGrid(join(dir, "grids", "gaussian.png"), tiles, {
		count: 6,
		height: 8,
		width: 8,
		channels: 1,
		columns: 3,
	});
	written = await writeReport(dir, fakeResults());
	markdown = await readFile(written.markdown, "utf8");
	html = await readFile(written.html, "utf8");
}, 30_000);

afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("summarize", () => {
	it("gives the mean, the sample standard deviation and n", () => {
		const stat = summarize([1, 2, 3, 4]);
		expect(stat.mean).toBe(2.5);
		expect(stat.std).toBeCloseTo(Math.sqrt(5 / 3), 12); // squares 2.25 + 0.25 + 0.25 + 2.25 over n - 1 = 3
		expect(stat.n).toBe(4);
		expect(stat.values).toEqual([1, 2, 3, 4]);
		expect(summarize([0.7])).toEqual({ mean: 0.7, std: 0, n: 1, values: [0.7] });
	});

	it("refuses an empty list and non-finite values, naming them", () => {
		expect(() => summarize([])).toThrow(/empty/);
		expect(() => summarize([1, Number.NaN])).toThrow(/NaN/);
	});
});

describe("formatting", () => {
	it("shows percent with one decimal and other values with about three digits", () => {
		expect(formatStat(summarize([0.8, 0.82, 0.81]), "%")).toBe("81.0 ± 1.0");
		expect(formatStat(summarize([0.4, 0.5]))).toBe("0.450 ± 0.071");
		expect(formatStat(summarize([120, 130]))).toBe("125 ± 7");
	});

	it("escapes markdown without mangling T_z", () => {
		expect(escapeMarkdown("T_z | *a* <b>")).toBe("T_z \\| \\*a\\* &lt;b&gt;");
	});

	it("keeps code spans as code in markdown and HTML, and escapes everything else", () => {
		expect(escapeMarkdown("run `genrep gan eval` on *it*")).toBe("run `genrep gan eval` on \\*it\\*");
		expect(escapeMarkdown("`a|b` c|d")).toBe("`a\\|b` c\\|d"); // a pipe would end a table cell
		expect(escapeMarkdown("a lone ` tick")).toBe("a lone \\` tick");
		expect(escapeHtmlProse("run `x <y>` & <b>")).toBe("run <code>x &lt;y&gt;</code> &amp; &lt;b&gt;");
	});

	it("takes the shared leading words out of run labels", () => {
		expect(splitRunLabels(["seed 0", "seed 1"])).toEqual({ prefix: "seed ", names: ["0", "1"] });
		expect(splitRunLabels(["a b 1", "a b 2"])).toEqual({ prefix: "a b ", names: ["1", "2"] });
		expect(splitRunLabels(["a b 1", "a c 2"])).toEqual({ prefix: "a ", names: ["b 1", "c 2"] });
		expect(splitRunLabels(["seed 0"])).toEqual({ prefix: "", names: ["seed 0"] });
		expect(splitRunLabels(["x 1", "y 1"])).toEqual({ prefix: "", names: ["x 1", "y 1"] });
		expect(splitRunLabels([" a", "b"])).toEqual({ prefix: "", names: [" a", "b"] });
	});

	it("makes unique slugs", () => {
		expect(uniqueSlugs(["Sigma sweep", "Sigma sweep", "sigma-sweep-2", "!!"])).toEqual([
			"sigma-sweep",
			"sigma-sweep-2",
			"sigma-sweep-2-2",
			"plot-4",
		]);
		expect(uniqueSlugs(["Fréchet distance"])).toEqual(["frechet-distance"]);
		// Long titles are cut at a word boundary.
		expect(uniqueSlugs(["SupCon and baselines on the conditional generator: linear probe"])).toEqual([
			"supcon-and-baselines-on-the-conditional-generator-linear",
		]);
	});

	it("sums the compute of every sitting only when jobs were done earlier", () => {
		expect(computeSummary([{ id: "a", status: "done", seconds: 5 }])).toBeNull();
		expect(
			computeSummary([
				{ id: "a", status: "done", seconds: 65 },
				{ id: "b", status: "skipped", seconds: 3600 },
			]),
		).toBe("1 h 01 min over all sittings");
		expect(
			computeSummary([
				{ id: "a", status: "done", seconds: 2 },
				{ id: "b", status: "skipped" },
			]),
		).toBe("2.0 s over all sittings (1 of 2 jobs timed)");
	});
});

describe("tableChartSpec", () => {
	const table = fakeResults().tables[0];

	it("charts the first metric, rows in the table's order, mean ± std and every seed", () => {
		const metric = chartMetric(table);
		expect(metric?.key).toBe("linear");
		const spec = tableChartSpec(table, metric as MetricColumn) as unknown as {
			layer: { data: { values: Record<string, number | string>[] }; encoding: { y: { sort: string[] } } }[];
		};
		const [seeds, bars] = spec.layer;
		expect(bars.encoding.y.sort).toEqual(["real data, T_x", "T_z + T_x"]);
		expect(seeds.data.values).toHaveLength(6);
		const real = bars.data.values[0];
		expect(real.mean).toBeCloseTo(81, 10);
		expect(real.lo).toBeCloseTo(80, 10);
		expect(real.hi).toBeCloseTo(82, 10);
	});

	it("needs two measured rows and a column the table has", () => {
		const one = { ...table, rows: [table.rows[0]] };
		expect(chartMetric(one)).toBeNull();
		expect(chartMetric({ ...table, chart: false })).toBeNull();
		expect(() => tableChartSpec(table, { key: "knn", label: "kNN" })).toThrow(/has no column 'knn'/);
	});
});

describe("writeReport", () => {
	it("writes the report, the results and one SVG + PNG per sweep", async () => {
		expect((await readdir(dir)).sort()).toEqual(["grids", "plots", "report.html", "report.md", "results.json"]);
		expect(written.plots).toEqual(
			["unconditional-generator-linear-probe", "generator-quality-frechet-distance", "samples-sweep"].flatMap(
				(slug) => [join(dir, `plots/${slug}.svg`), join(dir, `plots/${slug}.png`)],
			),
		);
		expect(JSON.parse(await readFile(join(dir, "results.json"), "utf8"))).toEqual(fakeResults());
		expect((await readdir(join(dir, "plots"))).some((f) => f.includes(".tmp-"))).toBe(false);
	});

	it("removes an earlier report's plots that the new one no longer draws", async () => {
		const again = await mkdtemp(join(tmpdir(), "genrep-report-again-"));
		try {
			await writeReport(again, fakeResults());
			const renamed = fakeResults();
			renamed.sweeps[0].title = "Anchors sweep";
			await writeFile(join(again, "plots", "notes.txt"), "mine");
			await writeReport(again, renamed);
			const files = await readdir(join(again, "plots"));
			expect(files.some((f) => f.startsWith("samples-sweep"))).toBe(false);
			expect(files).toContain("anchors-sweep.svg");
			expect(files).toContain("notes.txt"); // not a plot file: left alone
		} finally {
			await rm(again, { recursive: true, force: true });
		}
	});

	it("renders valid plots with the off-axis point labelled", async () => {
		const png = await readFile(join(dir, "plots/samples-sweep.png"));
		expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
		const meta = await sharp(png).metadata();
		expect(meta.format).toBe("png");
		expect(meta.width).toBeGreaterThan(600);
		const svg = await readFile(join(dir, "plots/samples-sweep.svg"), "utf8");
		expect(svg.startsWith("<svg")).toBe(true);
		expect(svg).toContain("live stream (unlimited)");
		expect((await sharp(Buffer.from(svg)).metadata()).width).toBeGreaterThan(0);
	});

	it("puts mean ± std, seeds, the paper's numbers, the best cell and run links in the markdown tables", () => {
		expect(markdown).toContain("| method | linear probe (%) | MNIST transfer (%) | seeds | runs |");
		expect(markdown).toContain(
			"| real data, T_x | **81.0 ± 1.0** _(72.1)_ | 91.0 ± 1.4 (n=2) | 3 | config: seed [0](runs/real-s0/config.json) · [1](runs/real-s1/config.json) · [2](runs/real-s2/config.json); metrics: seed [0](runs/real-s0/metrics.json) · [1]",
		);
		expect(markdown).toContain("| T_z + T_x | 71.0 ± 1.0 _(64.7)_ | – _(n/a)_ | 3 |");
		// The legend labels the paper's numbers as the paper's scale (escaped), where a table has them.
		expect(markdown).toContain(
			"in italics: the paper's number for the same setting at the paper's scale (Table 1: BigBiGAN, ResNet-50, ImageNet-1k &lt;linear&gt;), for orientation, not a target.",
		);
		// Lower is better for the Fréchet distance: the first row is best.
		expect(markdown).toContain("| conditional | **0.450 ± 0.071** | 2 |");
		expect(markdown).toContain("| &lt;script&gt;alert('x')&lt;/script&gt; &amp; co | 0.600 | 1 | – |");
		expect(markdown).not.toContain("<script>");
	});

	it("puts the header, plot, grid and jobs in the markdown", () => {
		expect(markdown.startsWith("# Tiny experiment\n")).toBe(true);
		expect(markdown).toContain("```sh\ngenrep experiment tiny --out runs/tiny\n```");
		expect(markdown).toContain("| generated | 2026-11-25 17:40 UTC; this sitting 2 min 05 s |");
		expect(markdown).toContain("![Samples sweep](plots/samples-sweep.svg)");
		expect(markdown).toContain("[PNG](plots/samples-sweep.png)");
		expect(markdown).toContain("[![Gaussian views](grids/gaussian.png)](grids/gaussian.png)");
		expect(markdown).toContain("| cgan-s2 | failed | 3.0 s |  |  | out of memory &lt;oops&gt; |");
		expect(markdown).toContain("| real-s0 | done | 13 s | 22 s | 2026-11-25 17:39 UTC |  |");
		expect(markdown).toContain("| gauss-s0 | done earlier |  |  |  |  |");
		expect(markdown).toContain("| jobs | 1 done, 1 failed, 1 done earlier |");
		expect(markdown).toContain("| compute | 16 s over all sittings (2 of 3 jobs timed) |");
	});

	it("writes a self-contained HTML page with everything embedded and escaped", () => {
		expect(html).not.toMatch(/https?:\/\//);
		expect(html).not.toMatch(/<(script|link|iframe)\b/i);
		const sources = [...html.matchAll(/\ssrc="([^"]*)"/g)].map((m) => m[1]);
		expect(sources).toHaveLength(4); // two table charts, the sweep plot and the grid
		for (const plot of sources.slice(0, 3)) expect(plot.startsWith("data:image/svg+xml;base64,")).toBe(true);
		expect(sources[3].startsWith("data:image/png;base64,")).toBe(true);
		expect(html).toContain("<dt>compute</dt><dd>16 s over all sittings (2 of 3 jobs timed)</dd>");
		expect(html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co");
		expect(html).toContain("out of memory &lt;oops&gt;");
		expect(html).toContain(
			'<span class="run-label">metrics: seed </span><a href="runs/gauss-s0/metrics.json">0</a> · <a href="runs/gauss-s1/metrics.json">1</a>',
		);
		expect(html).toContain('<span class="paper" title="the paper\'s number">paper 72.1</span>');
		expect(html).toContain(
			"muted: the paper&#39;s number for the same setting at the paper&#39;s scale (Table 1: BigBiGAN, ResNet-50, ImageNet-1k &lt;linear&gt;)",
		);
		expect(html).toMatch(/<td class="stat best">81\.0 <span class="pm">± 1\.0<\/span>/);
	});

	it("refuses bad results before writing anything", async () => {
		const empty = await mkdtemp(join(tmpdir(), "genrep-report-bad-"));
		try {
			const unlabelled = fakeResults();
			unlabelled.sweeps[0].series[0].points[2].xLabel = undefined;
			await expect(writeReport(empty, unlabelled)).rejects.toThrow(/x null needs an xLabel/);
			const absolute = fakeResults();
			absolute.tables[0].rows[0].runs[0].config = "/etc/passwd";
			await expect(writeReport(empty, absolute)).rejects.toThrow(/relative to the report folder, got "\/etc\/passwd"/);
			const logZero = fakeResults();
			logZero.sweeps[0].series[0].points[0].x = 0;
			await expect(writeReport(empty, logZero)).rejects.toThrow(/positive number on a log axis, got 0/);
			expect(await readdir(empty)).toEqual([]);
		} finally {
			await rm(empty, { recursive: true, force: true });
		}
	});
});
