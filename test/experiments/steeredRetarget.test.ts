/**
 * A preset with steered views on a user's generator, from the CLI: `genrep experiment
 * table-unconditional --generator <64x64x3 ONNX> --dataset <RGB folder>` trains the generator's
 * walks (derivative-free: ONNX is a black box) ahead of the steer views, and the report names
 * them. Killed mid-walks, a rerun starts the walks over cleanly; killed after them, a rerun keeps
 * them (one walks line in jobs.jsonl). Tiny sizes: 3 steps per walk, 2 steps per cell, 8 anchors.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { genrep, genrepKilledAt } from "../helpers/cli.js";
import { makeRgbFolder } from "../helpers/rgbFolder.js";

const GENERATOR = "test/fixtures/onnx/rgb64";
const root = await mkdtemp(join(tmpdir(), "genrep-steered-retarget-"));
afterAll(() => rm(root, { recursive: true, force: true }));

const ledger = async (out: string) =>
	existsSync(join(out, "jobs.jsonl"))
		? (await readFile(join(out, "jobs.jsonl"), "utf8"))
				.trim()
				.split("\n")
				.map((l) => JSON.parse(l))
		: [];

describe("a steered preset on a user's ONNX generator", () => {
	it("trains the generator's walks before the steer views, resumes without retraining them, and reports them", {
		timeout: 480_000,
	}, async () => {
		const data = await makeRgbFolder(join(root, "folder"), { classes: 3, train: 8, test: 2, size: 64 });
		const out = join(root, "exp");
		const args = [
			...["experiment", "table-unconditional", "--generator", GENERATOR, "--dataset", data, "--seeds", "0"],
			...["--steps", "2", "--anchors", "8", "--batch-size", "4", "--out", out],
		];
		const walks = join(out, "walks", "rgb64");

		// What a sitting killed while writing the walks leaves beside them is removed; a kill mid-training leaves nothing.
		const stale = `${walks}.tmp-999999`;
		await mkdir(stale, { recursive: true });
		await writeFile(join(stale, "walks.json"), "{");
		const midWalks = genrepKilledAt("experiment-walks-step", 2, ...args);
		expect(midWalks.signal, midWalks.stderr).toBe("SIGKILL");
		expect(existsSync(stale)).toBe(false);
		expect(existsSync(walks)).toBe(false);
		expect(await ledger(out)).toEqual([]);

		// Killed right after the walks job's ledger line: the walks are complete and in the ledger with their CPU time.
		const afterWalks = genrepKilledAt("experiment-job", 1, ...args);
		expect(afterWalks.signal, afterWalks.stderr).toBe("SIGKILL");
		const first = await ledger(out);
		expect(first).toEqual([expect.objectContaining({ id: "walks <rgb64>", status: "done" })]);
		expect(first[0].cpuSeconds).toBeGreaterThan(0);
		const card = JSON.parse(await readFile(join(walks, "walks.json"), "utf8"));
		expect(card.generator).toMatchObject({ latentDim: 8, numClasses: 4, imageShape: [64, 64, 3] });
		expect(card.training).toMatchObject({ stepsPerWalk: 3, batchSize: 2, gradient: { method: "es" } });
		expect(card.training.command).toContain("experiment table-unconditional");
		expect(card.walks).toHaveLength(6);
		const bytes = await readFile(join(walks, "walks.safetensors"));

		const r = genrep(...args);
		expect(r.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([]);
		expect(r.status).toBe(0);
		const all = await ledger(out);
		expect(all.filter((e) => e.id.startsWith("walks")).map((e) => e.id)).toEqual(["walks <rgb64>"]);
		expect(all.map((e) => e.status).every((s) => s === "done")).toBe(true);
		expect(await readFile(join(walks, "walks.safetensors"))).toEqual(bytes);
		const results = JSON.parse(await readFile(join(out, "results.json"), "utf8"));
		expect(results.jobs[0]).toMatchObject({ id: "walks <rgb64>", status: "skipped", cpuSeconds: first[0].cpuSeconds });
		// The steer views were drawn with those walks, and the steer cells were trained and probed on the folder.
		const manifest = JSON.parse(await readFile(join(out, "views", "steer", "manifest.json"), "utf8"));
		expect(manifest.view).toMatchObject({ kind: "steer", walks: resolve(walks) });
		for (const cell of ["steer", "steer-tx"]) {
			const metrics = JSON.parse(await readFile(join(out, "runs", cell, "seed-0", "metrics.json"), "utf8"));
			expect(metrics.dataset).toMatchObject({ dataset: data, numClasses: 3 });
		}
		const report = await readFile(join(out, "report.md"), "utf8");
		expect(report).toContain(`steered views (steer) use walks trained here for ${GENERATOR} (gradient auto, 3 steps`);
		expect(report).toMatch(
			new RegExp(
				`Steering walks trained here for ${GENERATOR} \\(walks/rgb64/walks.json, walks.png\\): gradient es \\(antithetic .*\\), ` +
					"3 Adam steps per walk at batch 2\\. Masked error without → with the walk on 8 held-out latents: " +
					"shiftX [\\d.e-]+ → [\\d.e-]+ \\(\\d+\\.\\d% (lower|higher: no help)\\), shiftY ",
			),
		);
		expect(report).toContain("walks &lt;rgb64&gt;");
	});
});
