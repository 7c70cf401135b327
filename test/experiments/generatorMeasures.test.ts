import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { aggregate } from "../../src/experiments/aggregate.js";
import { cellGenerator, generatorMeasure } from "../../src/experiments/generatorMeasures.js";
import { runDir } from "../../src/experiments/jobs.js";
import type { PresetSpec } from "../../src/experiments/preset.js";
import { PRESETS } from "../../src/experiments/presets.js";
import { makeTinyGenerator } from "../views/tinyGenerator.js";

await initEngine();
const root = await mkdtemp(join(tmpdir(), "genrep-gen-measures-"));
afterAll(() => rm(root, { recursive: true, force: true }));

/** A tiny generator whose card carries `metrics` as `genrep gan eval` merges them. */
async function generatorWith(name: string, metrics?: Record<string, unknown>): Promise<string> {
	const dir = await makeTinyGenerator(join(root, name), 0);
	if (metrics) {
		const card = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
		await writeFile(join(dir, "model.json"), JSON.stringify({ ...card, metrics }));
	}
	return dir;
}

/** The part of an eval's metrics.json that aggregate reads. */
const evalMetrics = (linear: number) => ({
	dataset: { linearProbe: { top1: linear }, knn: { top1: linear - 0.1 }, lowShot: {} },
});

describe("sweeps placed by the generator's measured quality", () => {
	it("reads a cell's generator (live, views, mixed) and the card's figures; null where a card has none", async () => {
		const good = await generatorWith("good", { frechetDistance: 0.5, classificationAccuracyScore: 0.8 });
		const bare = await generatorWith("bare");
		const p = {
			views: { v: { generator: good, view: "gaussian", anchors: 10, neighbors: 1, seed: 0 } },
		} as unknown as PresetSpec;
		const live = { kind: "live", generator: bare, view: { kind: "gaussian" } } as const;
		expect(cellGenerator(p, { id: "a", label: "a", data: live })).toBe(bare);
		expect(cellGenerator(p, { id: "b", label: "b", data: { kind: "views", views: "v" } })).toBe(good);
		expect(cellGenerator(p, { id: "c", label: "c", data: { kind: "mixed", views: "v", fraction: 0.5 } })).toBe(good);
		expect(cellGenerator(p, { id: "d", label: "d", data: { kind: "real" } })).toBeNull();
		expect(cellGenerator(p, { id: "e", label: "e", data: { kind: "baseline", baseline: "pixels" } })).toBeNull();
		expect(await generatorMeasure(good, "generatorFrechet")).toBe(0.5);
		expect(await generatorMeasure(good, "generatorCas")).toBe(0.8);
		expect(await generatorMeasure(bare, "generatorFrechet")).toBeNull();
		await expect(generatorMeasure(join(root, "none"), "generatorFrechet")).rejects.toThrow(/no such model directory/);
	});

	it("puts each point at its generator's Fréchet distance or CAS, and leaves out generators not evaluated", async () => {
		const gens = {
			early: await generatorWith("early", { frechetDistance: 8.1, classificationAccuracyScore: 0.31 }),
			late: await generatorWith("late", { frechetDistance: 0.43 }),
			bare: await generatorWith("unevaluated"),
		};
		const out = join(root, "out");
		const cells = Object.entries(gens).map(([id, generator]) => ({
			id,
			label: id,
			data: { kind: "live" as const, generator, view: { kind: "gaussian", sigma: 0.5 } },
		}));
		const points = cells.map((c, i) => ({ x: 100 + i, cell: c.id }));
		const preset: PresetSpec = {
			name: "t",
			title: "t",
			description: "t",
			scale: "t",
			seeds: [0],
			encoder: "resnet-tiny",
			batchSize: 8,
			steps: 1,
			dataset: "fashion-mnist",
			views: {},
			cells,
			tables: [{ title: "t", rows: cells.map((c) => c.id) }],
			sweeps: [
				{
					title: "fd",
					x: { label: "FD", scale: "log", measured: "generatorFrechet" },
					y: "linear",
					series: [{ name: "s", points }],
				},
				{
					title: "cas",
					x: { label: "CAS", scale: "linear", measured: "generatorCas" },
					y: "linear",
					series: [{ name: "s", points }],
				},
				{ title: "given", x: { label: "steps", scale: "log" }, y: "linear", series: [{ name: "s", points }] },
				{
					title: "cpu",
					x: { label: "CPU-minutes", scale: "log", measured: "trainCpuMinutes" },
					y: "linear",
					series: [{ name: "s", points }],
				},
			],
			grids: [],
		};
		for (const [i, c] of cells.entries()) {
			await mkdir(runDir(out, c.id, 0), { recursive: true });
			await writeFile(join(runDir(out, c.id, 0), "metrics.json"), JSON.stringify(evalMetrics(0.7 + i / 100)));
		}
		// CPU time: "early" took too little to measure (0 s, which a log axis cannot place), "bare" has no record.
		const jobs = [
			{ id: "train early seed 0", status: "done" as const, cpuSeconds: 0 },
			{ id: "train late seed 0", status: "done" as const, cpuSeconds: 0.25 },
		];
		const r = await aggregate(preset, [0], out, "test", jobs, 1);
		const xy = (k: number) => r.sweeps[k].series[0].points.map((p) => [p.x, p.stat.mean]);
		expect(xy(0)).toEqual([
			[8.1, 0.7],
			[0.43, 0.71],
		]);
		expect(xy(1)).toEqual([[0.31, 0.7]]);
		expect(xy(3)).toEqual([[0.25 / 60, 0.71]]);
		expect(xy(2)).toEqual([
			[100, 0.7],
			[101, 0.71],
			[102, 0.72],
		]);
	});

	it("the generator-quality preset's generators are installed and evaluated (Fréchet distance; CAS for the conditional ladder)", async () => {
		const preset = PRESETS["generator-quality"];
		const generators = preset.cells.flatMap((c) => cellGenerator(preset, c) ?? []);
		expect(generators).toHaveLength(8);
		for (const g of generators) {
			expect(await generatorMeasure(g, "generatorFrechet"), g).toBeGreaterThan(0);
			if (g.includes("cgan")) expect(await generatorMeasure(g, "generatorCas"), g).toBeGreaterThan(0.1);
		}
	});
});
