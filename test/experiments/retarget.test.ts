import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getPreset } from "../../src/experiments/presets.js";
import { conditionalNeeds, retargetPreset } from "../../src/experiments/retarget.js";
import { genrep } from "../helpers/cli.js";
import { makeRgbFolder } from "../helpers/rgbFolder.js";

const root = await mkdtemp(join(tmpdir(), "genrep-retarget-"));
afterAll(() => rm(root, { recursive: true, force: true }));

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

	it("says when a preset does not apply: conditional needs, steered views, another image shape", () => {
		const conditional = getPreset("table-conditional");
		expect(conditionalNeeds(conditional).join("; ")).toMatch(/independent draws of the same class/);
		expect(conditionalNeeds(getPreset("demo"))).toEqual([]);
		expect(() =>
			retargetPreset(conditional, { generator: "./my-gan", dataset: "photos" }, { generator: rgb, dataset: folder }),
		).toThrow(/preset table-conditional needs a class-conditional generator \(.*\), but my-gan has no classes/);
		expect(() =>
			retargetPreset(getPreset("table-unconditional"), { generator: "./my-gan" }, { generator: rgb, dataset: folder }),
		).toThrow(/uses steered latent views \(steer\).*genrep steer train --generator \.\/my-gan/);
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
		const metrics = JSON.parse(await readFile(join(out, "runs", "gen-tz-tx", "seed-0", "metrics.json"), "utf8"));
		expect(metrics.dataset).toMatchObject({ dataset: data, numClasses: 3, trainImages: 24, testImages: 6 });
		expect(metrics.transfer).toBeUndefined();

		const bad = genrep(
			"experiment",
			"table-conditional",
			"--generator",
			generator,
			"--dataset",
			data,
			"--out",
			join(root, "x"),
		);
		expect(bad.status).not.toBe(0);
		expect(bad.stderr.trim()).toMatch(/^error: preset table-conditional uses steered latent views/);
		expect(existsSync(join(root, "x"))).toBe(false);
	});
});
