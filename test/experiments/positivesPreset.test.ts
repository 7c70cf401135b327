/**
 * The `positives` preset: its rows hold the images per step fixed, and a tiny copy of it (tiny
 * generators, 2 steps, small probes) runs end to end through the runner and writes its report.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import type { CellSpec, PresetSpec } from "../../src/experiments/preset.js";
import { equalImageAnchors, POSITIVES_K, PRESETS } from "../../src/experiments/presets.js";
import { checkPreset, runExperiment } from "../../src/experiments/runner.js";
import { makeTinyGenerator } from "../views/tinyGenerator.js";

const root = await mkdtemp(join(tmpdir(), "genrep-positives-"));
afterAll(() => rm(root, { recursive: true, force: true }));
const preset = PRESETS.positives;
const neighborsOf = (cell: CellSpec) => (cell.data.kind === "views" ? cell.data.neighbors : undefined);

beforeAll(async () => {
	await initEngine({ backend: "wasm" });
});

describe("positives preset", () => {
	it("compares SimCLR, multi-positive K = 2, 4, 8 and SupCon at about the same images per step", () => {
		checkPreset(preset);
		const tooMany: CellSpec = {
			id: "x",
			label: "x",
			method: "multipos",
			data: { kind: "views", views: "gan", neighbors: 9 },
		};
		expect(() => checkPreset({ ...preset, cells: [...preset.cells, tooMany] })).toThrow(
			"preset positives: cell 'x' uses 9 latent views of 'gan', which holds 8 per anchor",
		);
		const images = (cell: CellSpec) => {
			const anchors = cell.batchSize ?? preset.batchSize;
			return cell.method === "multipos" ? anchors * ((neighborsOf(cell) ?? 0) + 1) : anchors * 2;
		};
		const trained = preset.cells.filter((c) => c.data.kind !== "baseline");
		for (const cell of trained) {
			expect(Math.abs(images(cell) - 2 * preset.batchSize), cell.id).toBeLessThanOrEqual(5);
		}
		const multi = trained.filter((c) => c.method === "multipos");
		expect(multi.map(neighborsOf)).toEqual([...POSITIVES_K, ...POSITIVES_K]);
		expect(trained.filter((c) => c.method === "supcon").map((c) => c.data)).toEqual([
			{ kind: "views", views: "cgan", neighbors: 1 },
		]);
		expect(Object.values(preset.views).map((v) => [v.generator, v.neighbors])).toEqual([
			["fashion-mnist-gan", 8],
			["fashion-mnist-cgan", 8],
		]);
	});

	it("a tiny copy runs end to end: views, each kind of row, evaluations, tables, the sweep over K", async () => {
		const gan = await makeTinyGenerator(join(root, "gan"), 0);
		const cgan = await makeTinyGenerator(join(root, "cgan"), 3);
		const batchSize = 8;
		// One row of each kind (the full preset's 24 jobs take minutes on a loaded 2-core machine).
		const keep = new Set(["gan-simclr", "gan-multi-2", "cgan-simclr-any", "cgan-multi-8", "cgan-supcon", "pixels"]);
		const tiny: PresetSpec = {
			...preset,
			seeds: [0],
			batchSize,
			steps: 2,
			transfer: undefined,
			evalTrainLimit: 100,
			evalTestLimit: 50,
			views: {
				gan: { ...preset.views.gan, generator: gan, anchors: 12 },
				cgan: { ...preset.views.cgan, generator: cgan, anchors: 12 },
			},
			cells: preset.cells
				.filter((c) => keep.has(c.id))
				.map((c) =>
					c.method === "multipos" ? { ...c, batchSize: equalImageAnchors(batchSize, (neighborsOf(c) ?? 0) + 1) } : c,
				),
			tables: preset.tables.map((t) => ({ ...t, rows: t.rows.filter((id) => keep.has(id)) })),
			sweeps: preset.sweeps.map((sweep) => ({
				...sweep,
				series: sweep.series.map((x) => ({ ...x, points: x.points.filter((pt) => keep.has(pt.cell)) })),
			})),
		};
		const out = join(root, "exp");
		const r = await runExperiment({ preset: tiny, out, log: () => {} });
		expect(r.failed).toBe(0);
		const trained = tiny.cells.filter((c) => c.data.kind !== "baseline");
		expect(r.jobs.filter((j) => j.status === "done")).toHaveLength(2 + trained.length + tiny.cells.length);
		const config = JSON.parse(await readFile(join(out, "runs", "cgan-multi-8", "seed-0", "config.json"), "utf8"));
		expect(config).toMatchObject({ method: "multipos", batchSize: 2, data: { kind: "stored", neighbors: 8 } });
		const [unconditional, conditional] = r.results.tables;
		expect(unconditional.rows.map((row) => row.label)).toContain("gan: multi-positive, K = 2");
		expect(conditional.rows.map((row) => row.label)).toContain("cgan: SupCon, class labels (+ one latent view)");
		for (const row of [...unconditional.rows, ...conditional.rows]) expect(row.cells.linear?.n, row.label).toBe(1);
		const markdown = await readFile(r.report.markdown, "utf8");
		expect(markdown).toContain("Linear probe vs latent views per anchor");
		expect(markdown).toContain("_(71.9, supervised cross-entropy)_"); // the paper's number beside the SupCon row
	});
});
