import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { checkPreset } from "../../src/experiments/checkPreset.js";
import { makeJobs } from "../../src/experiments/jobs.js";
import type { ViewsSpec } from "../../src/experiments/preset.js";
import { getPreset } from "../../src/experiments/presets.js";
import { conditionalNeeds, retargetPreset } from "../../src/experiments/retarget.js";
import { genrep } from "../helpers/cli.js";
import { makeRgbFolder } from "../helpers/rgbFolder.js";
import { makeTinyGenerator } from "../views/tinyGenerator.js";

const root = await mkdtemp(join(tmpdir(), "genrep-retarget-"));
afterAll(() => rm(root, { recursive: true, force: true }));
beforeAll(() => initEngine({ backend: "wasm" }));

const rgb = { id: "my-gan", numClasses: 0, imageShape: [64, 64, 3] as [number, number, number] };
const folder = { name: "photos", shape: [64, 64, 3] as [number, number, number] };

describe("presets on a user's generator and data", () => {
	it("replaces every generator and the data, scales steps and anchors, and names them in the report", () => {
		const preset = getPreset("samples-sweep");
		const p = retargetPreset(
			preset,
			{ generator: "./my-gan", dataset: "photos", steps: 30, anchors: 600, batchSize: 16 },
			{ generator: rgb, dataset: folder },
		);
		expect(new Set(Object.values(p.views).map((v) => v.generator))).toEqual(new Set(["./my-gan"]));
		const live = p.cells.filter((c) => c.data.kind === "live");
		expect(live.length).toBeGreaterThan(0);
		for (const c of live) expect(c.data).toMatchObject({ generator: "./my-gan" });
		expect(p).toMatchObject({ dataset: "photos", transfer: undefined, steps: 30, batchSize: 16 });
		const largest = Math.max(...Object.values(preset.views).map((v) => v.anchors));
		expect(Math.max(...Object.values(p.views).map((v) => v.anchors))).toBe(600);
		for (const [id, v] of Object.entries(p.views)) {
			expect(v.anchors).toBe(Math.max(2, Math.round((preset.views[id].anchors * 600) / largest)));
		}
		expect(p.title).toContain("[my-gan on photos]");
		expect(p.notes?.[0]).toContain("generator my-gan (64x64x3, unconditional); real data photos, no transfer");
		expect(JSON.stringify(p.tables) + JSON.stringify(p.sweeps)).not.toContain("Fashion-MNIST");
		// The shipped preset is untouched.
		expect(getPreset("samples-sweep")).toBe(preset);
		expect(preset.dataset).toBe("fashion-mnist");
	});

	it("steered presets train walks for the user's generator: a walks job ahead of the views that use it", () => {
		const preset = getPreset("table-unconditional");
		const p = retargetPreset(
			preset,
			{ generator: "./my-gan", dataset: "photos", steps: 30, anchors: 600, batchSize: 16 },
			{ generator: rgb, dataset: folder },
		);
		// The shipped walks are gone; the steer views name the walks this run trains.
		expect(p.views.steer).toMatchObject({ generator: "./my-gan", view: "steer", trainedWalks: "my-gan" });
		expect(p.views.steer.viewOptions).toEqual({});
		expect(p.views.gaussian.trainedWalks).toBeUndefined();
		// PRESET_WALKS (400 steps, batch 32, 256 held-out latents) scaled as the cells are: steps 30/300,
		// batch 16/256 (at least 2), held-out latents 600/60000 of 256 (at least 8).
		expect(p.walks).toEqual({
			"my-gan": { generator: "./my-gan", steps: 40, batchSize: 2, evalSamples: 8, gradient: "auto", seed: 0 },
		});
		expect(p.notes?.[0]).toContain(
			"steered views (steer) use walks trained here for my-gan (gradient auto, 40 steps per walk at batch 2, measured on 8 held-out latents)",
		);
		expect(() => checkPreset(p)).not.toThrow();
		// Unscaled, the walks are the shipped walks' settings.
		expect(retargetPreset(preset, { generator: "./my-gan" }, { generator: rgb, dataset: folder }).walks).toEqual({
			"my-gan": { generator: "./my-gan", steps: 400, batchSize: 32, evalSamples: 256, gradient: "auto", seed: 0 },
		});
		// The shipped preset keeps its shipped walks.
		expect(preset.views.steer.viewOptions).toEqual({ walks: "fashion-mnist-gan" });
		expect(preset.walks).toBeUndefined();

		const jobs = makeJobs(p, [0], join(root, "unused"), {});
		const ids = jobs.map((j) => j.id);
		expect(ids.slice(0, 3)).toEqual(["walks <my-gan>", "views <gaussian>", "views <steer>"]);
		const byId = new Map(jobs.map((j) => [j.id, j]));
		expect(byId.get("walks <my-gan>")).toMatchObject({ kind: "walks", needs: [] });
		expect(byId.get("views <steer>")?.needs).toEqual(["walks <my-gan>"]);
		expect(byId.get("views <gaussian>")?.needs).toEqual([]);
		expect(byId.get("train steer-tx seed 0 <steer>")?.needs).toEqual(["views <steer>"]);
		// Every job comes after the jobs it needs.
		for (const [i, job] of jobs.entries()) for (const need of job.needs) expect(ids.indexOf(need)).toBeLessThan(i);

		// A conditional generator runs the conditional preset, steered views included.
		const cond = retargetPreset(
			getPreset("table-conditional"),
			{ generator: "models/x/my-cgan/" },
			{ generator: { ...rgb, id: "models/x/my-cgan/", numClasses: 4 }, dataset: folder },
		);
		expect(Object.keys(cond.walks ?? {})).toEqual(["my-cgan"]);
		expect(cond.views.steer.trainedWalks).toBe("my-cgan");
		expect(() => checkPreset(cond)).not.toThrow();

		// Bad references are named.
		const bad =
			(views: Partial<ViewsSpec>, walks = p.walks) =>
			() =>
				checkPreset({ ...p, walks, views: { ...p.views, steer: { ...p.views.steer, ...views } } });
		expect(bad({}, {})).toThrow("views 'steer' use walks 'my-gan', which the preset does not train");
		expect(bad({ view: "gaussian" })).toThrow("views 'steer' are 'gaussian' views, which take no walks");
		expect(bad({ viewOptions: { walks: "x" } })).toThrow("name walks twice");
		expect(bad({ generator: "other" })).toThrow("draw from other but walks 'my-gan' are trained for ./my-gan");
	});

	it("says when a preset does not apply: conditional needs, another image shape", () => {
		const conditional = getPreset("table-conditional");
		expect(conditionalNeeds(conditional).join("; ")).toMatch(/independent draws of the same class/);
		expect(conditionalNeeds(getPreset("demo"))).toEqual([]);
		expect(() =>
			retargetPreset(conditional, { generator: "./my-gan", dataset: "photos" }, { generator: rgb, dataset: folder }),
		).toThrow(/preset table-conditional needs a class-conditional generator \(.*\), but my-gan has no classes/);
		expect(() =>
			retargetPreset(
				getPreset("demo"),
				{ generator: "./my-gan" },
				{ generator: rgb, dataset: { name: "fashion-mnist", shape: [32, 32, 1] } },
			),
		).toThrow("my-gan makes 64x64x3 images but fashion-mnist has 32x32x1 (HxWxC)");
		expect(() => retargetPreset(getPreset("demo"), { steps: 0 })).toThrow("steps must be a positive integer, got 0");
	});

	it("genrep demo --generator <64x64x3 ONNX> --dataset <RGB folder> writes a report that names them", async () => {
		const data = await makeRgbFolder(join(root, "folder"), { classes: 3, train: 8, test: 2, size: 64 });
		const out = join(root, "demo");
		const generator = "test/fixtures/onnx/rgb64";
		const r = genrep(
			...["demo", "--generator", generator, "--dataset", data],
			...["--steps", "2", "--anchors", "16", "--batch-size", "8", "--out", out],
		);
		expect(r.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([]);
		expect(r.status).toBe(0);
		expect(r.stdout).toContain(`Linear probe on real ${data}`);
		const report = await readFile(join(out, "report.md"), "utf8");
		expect(report.split("\n")[0]).toContain(`${generator} on ${data}`);
		expect(report).toContain("generator test/fixtures/onnx/rgb64 (64x64x3, 4 classes)");
		expect(existsSync(join(out, "report.html"))).toBe(true);
		const metrics = JSON.parse(await readFile(join(out, "runs", "gen-steer-tx", "seed-0", "metrics.json"), "utf8"));
		expect(metrics.dataset).toMatchObject({ dataset: data, numClasses: 3, trainImages: 24, testImages: 6 });
		expect(metrics.transfer).toBeUndefined();

		// A conditional preset on an unconditional generator still says what it needs (steered views no longer stop it).
		const unconditional = await makeTinyGenerator(join(root, "gan"), 0);
		const bad = genrep(
			...["experiment", "table-conditional", "--generator", unconditional, "--dataset", data],
			...["--out", join(root, "x")],
		);
		expect(bad.status).not.toBe(0);
		expect(bad.stderr.trim()).toMatch(
			/^error: preset table-conditional needs a class-conditional generator \(.*\), but .*gan has no classes; pick a preset/,
		);
		expect(bad.stderr.trim().split("\n")).toHaveLength(1);
		expect(existsSync(join(root, "x"))).toBe(false);
	});
});
