import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import {
	type EvalMetrics,
	type EvaluateOptions,
	evaluateRepresentation,
	resolveEvaluateOptions,
} from "../../src/evaluation/representation/evaluate.js";
import { saveEncoder } from "../../src/learners/encoderFile.js";
import { createEncoder } from "../../src/learners/encoders/registry.js";
import { genrep } from "../helpers/cli.js";
import { expectNoLeakedTensors } from "../helpers/tensors.js";

/** Tiny settings: 100 training and 50 test images per dataset, 2-shot probes, short fits. */
const TINY = { trainLimit: 100, testLimit: 50, shots: [2, 20], draws: 2, maxIterations: 10 } as const;
const tiny = (options: Partial<EvaluateOptions> & { encoder: string }): EvaluateOptions => ({
	...TINY,
	shots: [...TINY.shots],
	...options,
});

/** The metrics without wall times, for comparing runs. */
function withoutTimes(m: EvalMetrics): Record<string, unknown> {
	return JSON.parse(JSON.stringify(m, (key, value) => (key === "seconds" ? undefined : value)));
}

let dir: string;
let run: string;

beforeAll(async () => {
	await initEngine();
	dir = await mkdtemp(join(tmpdir(), "genrep-eval-"));
	run = join(dir, "run");
	const encoder = createEncoder("resnet-tiny", { seed: 0 });
	await saveEncoder(run, encoder, {
		encoder: "resnet-tiny",
		inChannels: 1,
		imageShape: [32, 32, 1],
		featureDim: encoder.featureDim,
		method: "random",
		steps: 0,
		seed: 0,
	});
	encoder.dispose();
});

afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("evaluateRepresentation", () => {
	it("measures a run's encoder on a dataset and its transfer, deterministically, without leaking tensors", async () => {
		const options = tiny({ encoder: run, transfer: "mnist", seed: 3 });
		const a = await expectNoLeakedTensors(() => evaluateRepresentation(options));
		expect(a.format).toBe("genrep-eval/1");
		expect(a.genrepVersion).toMatch(/^\d+\.\d+\.\d+/);
		expect(a.encoder).toMatchObject({ kind: "run", dir: run, card: { encoder: "resnet-tiny", featureDim: 64 } });
		for (const d of [a.dataset, a.transfer]) {
			expect(d).toBeDefined();
			if (!d) continue;
			expect(d.trainImages).toBe(100);
			expect(d.testImages).toBe(50);
			expect(d.featureDim).toBe(64);
			expect(d.linearProbe.top1).toBeGreaterThan(0.2); // 10 classes: chance is 0.1
			expect(d.knn).toMatchObject({ k: 20, similarity: "cosine", vote: "majority" });
			expect(d.lowShot["2"]).toMatchObject({ perClass: 2, trainImages: 20 });
			expect(d.lowShot["20"]).toMatchObject({ perClass: 20, skipped: expect.stringMatching(/raise trainLimit/) });
		}
		expect(a.dataset.dataset).toBe("fashion-mnist");
		expect(a.transfer?.dataset).toBe("mnist");
		const b = await evaluateRepresentation(options);
		expect(withoutTimes(b)).toEqual(withoutTimes(a));
	});

	it("a random encoder with the run's seed gives the run's figures; pixels have H*W*C features", async () => {
		const fromRun = await evaluateRepresentation(tiny({ encoder: run }));
		const random = await evaluateRepresentation(tiny({ encoder: "random:resnet-tiny" }));
		expect(random.encoder).toMatchObject({ kind: "random", encoder: "resnet-tiny" });
		expect(withoutTimes(random).dataset).toEqual(withoutTimes(fromRun).dataset);
		const pixels = await evaluateRepresentation(tiny({ encoder: "pixels", shots: [2] }));
		expect(pixels.dataset.featureDim).toBe(32 * 32);
		expect(pixels.dataset.linearProbe.top1).toBeGreaterThan(0.3);
	});

	it("rejects bad input with one line that names it", async () => {
		const reject = (options: EvaluateOptions) => expect(evaluateRepresentation(options)).rejects;
		await reject(tiny({ encoder: join(dir, "missing") })).toThrow(/does not exist; pass the --out folder/);
		await reject(tiny({ encoder: dir })).toThrow(/holds no encoder.json/);
		await reject(tiny({ encoder: "random:resnet-huge" })).toThrow(/unknown encoder 'resnet-huge'/);
		await reject(tiny({ encoder: "pixels", dataset: "no-such-data" })).toThrow(/unknown dataset "no-such-data"/);
		await reject(tiny({ encoder: "pixels", transfer: "no-such-data" })).toThrow(/unknown dataset "no-such-data"/);
		expect(() => resolveEvaluateOptions({ encoder: "pixels", seed: -1 })).toThrow(/seed .* got -1/);
		expect(() => resolveEvaluateOptions({ encoder: "pixels", trainLimit: 0 })).toThrow(/trainLimit .* got 0/);
		expect(() => resolveEvaluateOptions({ encoder: "pixels", k: 2.5 })).toThrow(
			/k must be a positive integer, got 2.5/,
		);
		expect(() => resolveEvaluateOptions({ encoder: "pixels", shots: [0] })).toThrow(/got 0/);
		expect(() => resolveEvaluateOptions({ encoder: "pixels", weightDecays: [Number.NaN] })).toThrow(/got NaN/);
		expect(() => resolveEvaluateOptions({ encoder: "pixels", trainlimit: 5 } as EvaluateOptions)).toThrow(
			/unknown evaluation option 'trainlimit'/,
		);
	});

	it("rejects a run from another format version and one built for other images", async () => {
		const card = JSON.parse(await readFile(join(run, "encoder.json"), "utf8"));
		const old = join(dir, "old-format");
		const rgb = join(dir, "rgb");
		for (const [target, changes] of [
			[old, { format: "genrep-encoder/0" }],
			[rgb, { inChannels: 3, imageShape: [32, 32, 3] }],
		] as const) {
			await saveEncoderCopy(target, { ...card, ...changes });
		}
		await expect(evaluateRepresentation(tiny({ encoder: old }))).rejects.toThrow(
			/has format 'genrep-encoder\/0'; this genrep reads 'genrep-encoder\/1'/,
		);
		await expect(evaluateRepresentation(tiny({ encoder: rgb }))).rejects.toThrow(
			/takes 32x32x3 images \(HxWxC\) but fashion-mnist has 32x32x1/,
		);
	});
});

/** A run folder with the test run's weights and the given card. */
async function saveEncoderCopy(target: string, card: Record<string, unknown>): Promise<void> {
	const { mkdir, copyFile } = await import("node:fs/promises");
	await mkdir(target, { recursive: true });
	await copyFile(join(run, "encoder.safetensors"), join(target, "encoder.safetensors"));
	await writeFile(join(target, "encoder.json"), JSON.stringify(card));
}

describe("genrep eval (CLI)", () => {
	it("writes metrics.json and prints a summary table", () => {
		const out = join(dir, "cli", "metrics.json");
		const r = genrep(
			"eval",
			"--encoder",
			run,
			"--dataset",
			"fashion-mnist",
			"--transfer",
			"mnist",
			"--train-limit",
			"100",
			"--test-limit",
			"50",
			"--shots",
			"2",
			"--draws",
			"2",
			"--max-iterations",
			"10",
			"--out",
			out,
		);
		expect(r.stderr).not.toMatch(/error/);
		expect(r.status).toBe(0);
		expect(r.stdout).toMatch(/linear probe \(wd\)\s+kNN-20\s+2-shot/);
		expect(r.stdout).toMatch(/\nfashion-mnist\s+100\s+50\s+\d+\.\d\d% \(1e-\d\)/);
		expect(r.stdout).toMatch(/\nmnist\s+100\s+50\s/);
		expect(existsSync(out)).toBe(true);
	});

	it("takes options from --config (flags win) and rejects unknown keys there", async () => {
		const config = join(dir, "eval.yaml");
		await writeFile(
			config,
			"encoder: pixels\ntrainLimit: 100\ntestLimit: 50\nshots: [2]\ndraws: 1\nmaxIterations: 5\n",
		);
		const out = join(dir, "config", "metrics.json");
		const r = genrep("eval", "--config", config, "--test-limit", "40", "--out", out);
		expect(r.stderr).not.toMatch(/error/);
		expect(r.status).toBe(0);
		const metrics = JSON.parse(await readFile(out, "utf8"));
		expect(metrics.encoder.kind).toBe("pixels");
		expect([metrics.dataset.trainImages, metrics.dataset.testImages]).toEqual([100, 40]);
		const bad = join(dir, "bad.json");
		await writeFile(bad, JSON.stringify({ encoder: "pixels", trainLimt: 100 }));
		const r2 = genrep("eval", "--config", bad, "--out", out);
		expect(r2.status).toBe(1);
		expect(r2.stderr).toBe("error: unknown evaluation option 'trainLimt'\n");
	});

	it("exits non-zero with one error line and writes nothing on bad input", async () => {
		const out = join(dir, "bad", "metrics.json");
		for (const args of [
			["--encoder", join(dir, "missing")],
			["--encoder", "pixels", "--dataset", "no-such-data"],
			["--encoder", "pixels", "--train-limit", "0"],
			["--encoder", "pixels", "--shots", "10,x"],
			["--dataset", "mnist"],
		]) {
			const r = genrep("eval", ...args, "--out", out);
			expect(r.status, args.join(" ")).not.toBe(0);
			expect(r.stderr).toMatch(/^error: /);
			expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
		}
		expect(existsSync(out)).toBe(false);
	});
});
