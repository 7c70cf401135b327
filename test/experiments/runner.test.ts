import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { KILL_AT_ENV } from "../../src/engine/killPoint.js";
import { readLedger } from "../../src/experiments/ledger.js";
import type { PresetSpec } from "../../src/experiments/preset.js";
import { PRESETS } from "../../src/experiments/presets.js";
import { formatSeconds } from "../../src/experiments/report/format.js";
import { checkPreset, runExperiment } from "../../src/experiments/runner.js";
import { makeTinyGenerator } from "../views/tinyGenerator.js";

/** Runs the small preset of tinyExperiment.ts in a child process, with a kill point armed if given. */
function experimentIn(generator: string, out: string, killAt = "") {
	const r = spawnSync(process.execPath, ["--import", "tsx", "test/experiments/tinyExperiment.ts", generator, out], {
		encoding: "utf8",
		env: { ...process.env, GENREP_DATA_DIR: "", [KILL_AT_ENV]: killAt },
	});
	return { status: r.status, signal: r.signal, stderr: r.stderr };
}

const root = await mkdtemp(join(tmpdir(), "genrep-experiment-"));
afterAll(() => rm(root, { recursive: true, force: true }));
let preset: PresetSpec;

beforeAll(async () => {
	await initEngine({ backend: "wasm" });
	const gan = await makeTinyGenerator(join(root, "gan"), 0);
	preset = {
		name: "tiny",
		title: "Tiny preset",
		description: "A tiny generator, two steps per cell.",
		scale: "tiny",
		seeds: [0, 1],
		encoder: "resnet-tiny",
		batchSize: 8,
		steps: 2,
		dataset: "fashion-mnist",
		transfer: "mnist",
		evalTrainLimit: 100,
		evalTestLimit: 50,
		realLimit: 64,
		views: {
			gaussian: { generator: gan, view: "gaussian", viewOptions: { sigma: 0.5 }, anchors: 24, neighbors: 1, seed: 0 },
		},
		cells: [
			{ id: "real", label: "real images, T_x", data: { kind: "real" } },
			{ id: "tx", label: "generated, T_x only", data: { kind: "views", views: "gaussian", latentViews: false } },
			{ id: "tz-tx", label: "generated, T_z + T_x", data: { kind: "views", views: "gaussian" } },
			{ id: "pixels", label: "raw pixels", data: { kind: "baseline", baseline: "pixels" } },
		],
		tables: [{ title: "Tiny table", caption: "Paper: T_z + T_x wins.", rows: ["real", "tx", "tz-tx", "pixels"] }],
		sweeps: [
			{
				title: "Tiny sweep",
				x: { label: "anchors", scale: "linear" },
				y: "linear",
				series: [
					{
						name: "s",
						points: [
							{ x: 24, cell: "tz-tx" },
							{ x: null, xLabel: "real", cell: "real" },
						],
					},
				],
			},
		],
		grids: [{ views: "gaussian", title: "Tiny views" }],
	};
});

describe("runExperiment", () => {
	it("runs a tiny preset end to end, writes the report, and skips every job when run again", {
		timeout: 300_000,
	}, async () => {
		const out = join(root, "exp");
		const lines: string[] = [];
		const first = await runExperiment({ preset, out, command: "genrep experiment tiny", log: (l) => lines.push(l) });
		expect(first.failed).toBe(0);
		expect(first.jobs.filter((j) => j.status === "done")).toHaveLength(1 + 3 * 2 + 4 * 2);
		expect(lines.some((l) => /experiment ETA/.test(l))).toBe(true);

		const table = first.results.tables[0];
		expect(table.rows.map((r) => r.label)).toEqual([
			"real images, T_x",
			"generated, T_x only",
			"generated, T_z + T_x",
			"raw pixels",
		]);
		for (const row of table.rows) {
			expect(row.cells.linear?.n).toBe(2);
			expect(row.cells.transfer?.n).toBe(2);
			expect(row.runs.map((r) => r.metrics)).toEqual([
				expect.stringMatching(/^runs\/.+\/seed-0\/metrics\.json$/),
				expect.stringMatching(/seed-1\/metrics\.json$/),
			]);
		}
		const linear = table.rows[0].cells.linear;
		expect(linear?.values).toHaveLength(2);
		expect(linear?.mean).toBeCloseTo(((linear?.values[0] ?? 0) + (linear?.values[1] ?? 0)) / 2, 12);

		const markdown = await readFile(first.report.markdown, "utf8");
		expect(markdown).toContain("Tiny table");
		expect(markdown).toContain("generated, T_z + T_x");
		expect(markdown).toMatch(/\d+\.\d ± \d+\.\d/);
		expect(markdown).toContain("runs/tz-tx/seed-1/metrics.json");
		const html = await readFile(first.report.html, "utf8");
		expect(html).toContain("<table");
		expect(html).toContain("data:image/png;base64,"); // the grid, embedded
		expect(html).not.toMatch(/(src|href)="https?:/);
		expect(existsSync(join(out, "grids", "gaussian.png"))).toBe(true);
		expect(existsSync(join(out, "plots"))).toBe(true);
		const saved = JSON.parse(await readFile(join(out, "preset.json"), "utf8"));
		expect(saved.preset.name).toBe("tiny");

		// A torn last line (a crash while appending) is ignored.
		await appendFile(join(out, "jobs.jsonl"), '{"id":"views <gauss');
		const again = await runExperiment({ preset, out, log: () => {} });
		expect(again.jobs.every((j) => j.status === "skipped")).toBe(true);
		expect(again.results.tables[0].rows[2].cells.linear).toEqual(table.rows[2].cells.linear);
		// The ledger carries each job's time and end into the later sitting's report.
		expect(again.jobs.map((j) => [j.id, j.seconds, j.finishedAt])).toEqual(
			first.jobs.map((j) => [j.id, j.seconds, j.finishedAt]),
		);
		const total = first.jobs.reduce((sum, j) => sum + (j.seconds ?? 0), 0);
		const againMarkdown = await readFile(again.report.markdown, "utf8");
		expect(againMarkdown).toContain(`| jobs | ${first.jobs.length} done earlier |`);
		expect(againMarkdown).toContain(`| compute | ${formatSeconds(total)} over all sittings |`);
		expect(againMarkdown).toMatch(
			/\| train tz-tx seed 1 &lt;gaussian&gt; \| done earlier \| [\d.]+ s \| [^|]+ \| \d{4}-\d\d-\d\d \d\d:\d\d UTC \|/,
		);
		// A table chart, and the sweep plot.
		expect(existsSync(join(out, "plots", "tiny-table-linear-probe.svg"))).toBe(true);
		expect(existsSync(join(out, "plots", "tiny-sweep.svg"))).toBe(true);
	});

	it("seeds the ledger of a folder made before it from the last sitting's results.json", async () => {
		const old = join(root, "old");
		await mkdir(old, { recursive: true });
		const results = {
			generatedAt: "2026-11-25T20:00:00.000Z",
			jobs: [
				{ id: "train a seed 0", status: "done", seconds: 61.5 },
				{ id: "eval a seed 0", status: "skipped" },
				{ id: "train b seed 0", status: "failed", seconds: 2, error: "x" },
				{ id: "eval b seed 0", status: "skipped", seconds: 20, finishedAt: "2026-11-24T10:00:00.000Z" },
			],
		};
		await writeFile(join(old, "results.json"), JSON.stringify(results));
		const ledger = await readLedger(old);
		expect([...ledger.values()]).toEqual([
			{ id: "train a seed 0", status: "done", seconds: 61.5, finishedAt: "2026-11-25T20:00:00.000Z" },
			{ id: "eval b seed 0", status: "done", seconds: 20, finishedAt: "2026-11-24T10:00:00.000Z" },
		]);
		expect(await readLedger(old)).toEqual(ledger); // seeded once, read back the same
	});

	it("records a failed job and goes on with the others", async () => {
		const broken: PresetSpec = {
			...preset,
			seeds: [0],
			views: { gaussian: { ...preset.views.gaussian, generator: join(root, "no-such-generator") } },
		};
		const out = join(root, "broken");
		const r = await runExperiment({ preset: broken, out, log: () => {} });
		expect(r.jobs.find((j) => j.id.startsWith("views"))?.status).toBe("failed");
		// Every job that reads the views is blocked by their failure (an eval by its blocked
		// training), not run to fail on its own.
		const dependents = r.jobs.filter((j) => j.id.includes("<gaussian>") && !j.id.startsWith("views"));
		expect(dependents.map((j) => [j.id, j.status, j.error])).toEqual([
			["train tx seed 0 <gaussian>", "failed", "blocked: views <gaussian> failed"],
			["eval tx seed 0 <gaussian>", "failed", "blocked: train tx seed 0 <gaussian> failed"],
			["train tz-tx seed 0 <gaussian>", "failed", "blocked: views <gaussian> failed"],
			["eval tz-tx seed 0 <gaussian>", "failed", "blocked: train tz-tx seed 0 <gaussian> failed"],
		]);
		expect(existsSync(join(out, "runs", "tx"))).toBe(false);
		expect(existsSync(join(out, "runs", "tz-tx"))).toBe(false);
		expect(r.jobs.find((j) => j.id === "eval real seed 0")?.status).toBe("done");
		expect(r.failed).toBe(5);
		const row = r.results.tables[0].rows.find((x) => x.label === "generated, T_z + T_x");
		expect(row?.failed).toEqual(["seed 0"]);
		expect(await readFile(r.report.markdown, "utf8")).toMatch(
			/\| generated, T_z \+ T_x \(failed: seed 0; see jobs\) \| failed \|/,
		);
	});

	it("a training run that fails blocks its eval, and the report marks the cell failed instead of its stale metrics", async () => {
		// A finished run of another sitting (with its metrics.json), now asked for 3 steps: the
		// resume refuses the changed config, so the training fails after its checkpoint exists.
		const out = join(root, "stale");
		const dir = join(out, "runs", "tz-tx", "seed-0");
		await mkdir(dir, { recursive: true });
		await cp(join(root, "exp", "runs", "tz-tx", "seed-0"), dir, { recursive: true });
		await cp(join(root, "exp", "views"), join(out, "views"), { recursive: true });
		const changed: PresetSpec = {
			...preset,
			seeds: [0],
			cells: preset.cells.map((c) => (c.id === "tz-tx" ? { ...c, steps: 3 } : c)),
		};
		const r = await runExperiment({ preset: changed, out, log: () => {} });
		expect(r.jobs.find((j) => j.id === "train tz-tx seed 0 <gaussian>")).toMatchObject({
			status: "failed",
			error: expect.stringMatching(/steps/),
		});
		expect(r.jobs.find((j) => j.id === "eval tz-tx seed 0 <gaussian>")).toMatchObject({
			status: "failed",
			error: "blocked: train tz-tx seed 0 <gaussian> failed",
		});
		const row = r.results.tables[0].rows.find((x) => x.label === "generated, T_z + T_x");
		expect(row?.cells.linear).toBeNull();
		expect(row?.failed).toEqual(["seed 0"]);
		expect(r.results.sweeps[0].series[0].points.map((p) => p.xLabel ?? p.x)).toEqual(["real"]);
		expect(await readFile(r.report.html, "utf8")).toContain("failed: seed 0; see jobs");
	});

	it("redoes an eval whose encoder weights changed after it (a retrained or resumed run)", async () => {
		const out = join(root, "exp");
		const runs = join(out, "runs", "tz-tx");
		await cp(join(runs, "seed-1", "encoder.safetensors"), join(runs, "seed-0", "encoder.safetensors"));
		const r = await runExperiment({ preset, out, log: () => {} });
		const ran = r.jobs.filter((j) => j.status !== "skipped").map((j) => [j.id, j.status]);
		expect(ran).toEqual([["eval tz-tx seed 0 <gaussian>", "done"]]);
		const metrics = JSON.parse(await readFile(join(runs, "seed-0", "metrics.json"), "utf8"));
		const seed1 = JSON.parse(await readFile(join(runs, "seed-1", "metrics.json"), "utf8"));
		expect(metrics.encoder.weightsSha256).toBe(seed1.encoder.weightsSha256);
		expect(metrics.encoder.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
	});

	it("continues from a published folder (cards, configs, metrics, no weights or views): finished runs stand", {
		timeout: 120_000,
	}, async () => {
		const out = join(root, "exp");
		const published = join(root, "published");
		const r0 = await runExperiment({ preset, out, log: () => {} });
		// What scripts/publish-results.sh keeps: the report files, the ledger and each run's small files.
		const copy = spawnSync("bash", [
			"-c",
			'cp -r "$0" "$1" && rm -rf "$1/views" && find "$1" -name "*.safetensors" -delete',
			out,
			published,
		]);
		expect(copy.status).toBe(0);
		expect(existsSync(join(published, "runs", "tz-tx", "seed-0", "encoder.safetensors"))).toBe(false);
		// Seed 1 of one cell was never measured: it cannot be evaluated without weights, so it is retrained.
		await rm(join(published, "runs", "real", "seed-1", "metrics.json"));
		const r = await runExperiment({ preset, out: published, log: () => {} });
		const ran = r.jobs.filter((j) => j.status !== "skipped").map((j) => [j.id, j.status]);
		expect(ran).toEqual([
			["views <gaussian>", "done"],
			["train real seed 1", "done"],
			["eval real seed 1", "done"],
		]);
		// The same numbers as before: the published ones kept, the retrained seed deterministic.
		const linear = (x: typeof r) => x.results.tables[0].rows.map((row) => row.cells.linear);
		expect(linear(r)).toEqual(linear(r0));
	});

	it("killed at any point (mid-training, mid-eval, after a job), a rerun gives the results of an uninterrupted run", {
		timeout: 600_000,
	}, async () => {
		const gan = join(root, "gan");
		const whole = join(root, "whole");
		expect(experimentIn(gan, whole)).toMatchObject({ status: 0, signal: null });
		const killed = join(root, "killed");
		for (const [point, n] of [
			["train-checkpoint", 2], // "train tz-tx" after its step-3 checkpoint, unfinished
			["eval-probe", 1], // "eval tz-tx" after its linear probe, before metrics.json
			["experiment-job", 1], // after that eval's ledger line, before the report
		] as const) {
			expect(experimentIn(gan, killed, `${point}:${n}`).signal, point).toBe("SIGKILL");
			expect(existsSync(join(killed, "report.md")), point).toBe(false);
		}
		const card = JSON.parse(await readFile(join(killed, "runs", "tz-tx", "seed-0", "encoder.json"), "utf8"));
		expect(card).toMatchObject({ complete: true, steps: 4 });
		expect(experimentIn(gan, killed)).toMatchObject({ status: 0, signal: null });
		const tables = async (dir: string) => JSON.parse(await readFile(join(dir, "results.json"), "utf8")).tables;
		const [a, b] = [await tables(whole), await tables(killed)];
		expect(b).toEqual(a);
		expect(a[0].rows.every((row: { cells: { linear: unknown } }) => row.cells.linear !== null)).toBe(true);
		const ledger = [...(await readLedger(killed)).values()].map((j) => j.id);
		expect(ledger).toEqual([...(await readLedger(whole)).values()].map((j) => j.id));
	});

	it("trains a cell with its own encoder, lr and temperature, records CPU time, and plots against it", async () => {
		const own: PresetSpec = {
			...preset,
			seeds: [0],
			transfer: undefined,
			views: {},
			cells: [
				{
					id: "r",
					label: "real, own recipe",
					data: { kind: "real" },
					encoder: "resnet8-w32",
					lr: 0.2,
					temperature: 0.5,
				},
				{ id: "rand", label: "random", data: { kind: "baseline", baseline: "random" }, encoder: "resnet8-w32" },
			],
			tables: [{ title: "t", rows: ["r", "rand"] }],
			sweeps: [
				{
					title: "vs CPU",
					x: { label: "training CPU-minutes", scale: "log", measured: "trainCpuMinutes" },
					y: "linear",
					series: [{ name: "s", points: [{ x: 2, cell: "r" }] }],
				},
			],
			grids: [],
		};
		const out = join(root, "own");
		const r = await runExperiment({ preset: own, out, log: () => {} });
		expect(r.failed).toBe(0);
		const config = JSON.parse(await readFile(join(out, "runs", "r", "seed-0", "config.json"), "utf8"));
		expect([config.encoder, config.lr, config.temperature]).toEqual(["resnet8-w32", 0.2, 0.5]);
		const metrics = JSON.parse(await readFile(join(out, "runs", "rand", "seed-0", "metrics.json"), "utf8"));
		expect(JSON.stringify(metrics.encoder)).toContain("resnet8-w32");
		const ledger = await readLedger(out);
		const train = ledger.get("train r seed 0");
		expect(train?.cpuSeconds).toBeGreaterThan(0);
		const point = r.results.sweeps[0].series[0].points[0];
		// measured (the ledger's CPU seconds in minutes), not the spec's 2
		expect(point.x).toBeCloseTo((train?.cpuSeconds ?? Number.NaN) / 60, 9);
		expect(point.x).not.toBe(2);
		expect(await readFile(r.report.markdown, "utf8")).toContain("| job | status | time | CPU | finished | error |");
	});

	it("checks presets: every shipped preset is consistent; bad references are named", () => {
		for (const p of Object.values(PRESETS)) checkPreset(p);
		expect(() => checkPreset({ ...preset, tables: [{ title: "t", rows: ["nope"] }] })).toThrow(/unknown cell 'nope'/);
		expect(() =>
			checkPreset({
				...preset,
				cells: [{ id: "x", label: "x", data: { kind: "views", views: "missing" } }],
				tables: [],
				sweeps: [],
				grids: [],
			}),
		).toThrow(/uses views 'missing'/);
	});
});
