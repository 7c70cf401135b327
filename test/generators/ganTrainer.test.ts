import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { ParamStore } from "../../src/engine/nn/params.js";
import { Rng } from "../../src/engine/rng.js";
import { readSafetensors, writeSafetensors } from "../../src/formats/safetensors.js";
import { DcganGenerator } from "../../src/generators/architectures/dcgan.js";
import { loadCheckpoint, loadParams, saveCheckpoint } from "../../src/generators/checkpoint.js";
import { type GanTrainOptions, trainGan } from "../../src/generators/ganTrainer.js";
import { genrep } from "../helpers/cli.js";

const root = await mkdtemp(join(tmpdir(), "genrep-gan-"));
afterAll(() => rm(root, { recursive: true, force: true }));

const tiny = (out: string, steps: number): GanTrainOptions => ({
	dataset: "fashion-mnist",
	limit: 64,
	conditional: true,
	width: 4,
	latentDim: 8,
	batchSize: 8,
	steps,
	seed: 3,
	out: join(root, out),
	logEverySteps: 1,
	sampleEverySteps: 100,
	progress: "none",
});

async function tensorsOf(path: string): Promise<Map<string, number[]>> {
	const { tensors } = await readSafetensors(path);
	return new Map([...tensors].map(([k, t]) => [k, Array.from(t.data)]));
}

describe("trainGan", () => {
	beforeAll(async () => {
		await initEngine({ backend: "wasm" });
	});

	it("a tiny conditional run writes config, checkpoint, losses, samples, weights and a model card without leaking tensors", async () => {
		const before = tf.memory().numTensors;
		const result = await trainGan(tiny("run3", 3));
		expect(tf.memory().numTensors, "tensors leaked by training").toBe(before);
		const out = result.out;
		expect(result.startStep).toBe(0);
		for (const f of [
			"config.json",
			"checkpoint.safetensors",
			"losses.jsonl",
			"samples/step-000003.png",
			"generator.safetensors",
			"model.json",
		]) {
			expect(existsSync(join(out, f)), f).toBe(true);
		}
		const losses = (await readFile(join(out, "losses.jsonl"), "utf8"))
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l));
		expect(losses.map((l) => l.step)).toEqual([1, 2, 3]);
		for (const l of losses) {
			expect(Number.isFinite(l.dLoss) && Number.isFinite(l.gLoss) && l.seconds >= 0).toBe(true);
		}
		const config = JSON.parse(await readFile(join(out, "config.json"), "utf8"));
		expect(config).toMatchObject({ dataset: "fashion-mnist", width: 4, latentDim: 8, batchSize: 8, lrG: 2e-4 });
		const card = JSON.parse(await readFile(join(out, "model.json"), "utf8"));
		expect(card).toMatchObject({
			architecture: "dcgan",
			latentDim: 8,
			numClasses: 10,
			imageShape: [32, 32, 1],
			valueRange: [-1, 1],
			defaultTruncation: 2,
			training: { seed: 3, steps: 3, dataset: "fashion-mnist" },
		});
		expect(card.training.wallTimeSeconds).toBeGreaterThanOrEqual(0);
		// The shipped weights load strictly into a fresh generator of the card's architecture.
		const store = new ParamStore(new Rng(0));
		new DcganGenerator(store, card.architectureConfig);
		await loadParams(join(out, "generator.safetensors"), store);
		store.dispose();
		const info = await loadCheckpoint(join(out, "checkpoint.safetensors"), {}).catch((e) => e);
		expect(info.message).toMatch(/unexpected parameter/); // strict: a partial load is refused
	});

	it("resuming at step 3 up to 5 gives the same weights as an uninterrupted 5-step run", async () => {
		await cp(join(root, "run3"), join(root, "resumed"), { recursive: true });
		const resumed = await trainGan({ ...tiny("resumed", 5), resume: true });
		expect(resumed.startStep).toBe(3);
		await trainGan(tiny("run5", 5));
		for (const file of ["checkpoint.safetensors", "generator.safetensors"]) {
			const a = await tensorsOf(join(root, "resumed", file));
			const b = await tensorsOf(join(root, "run5", file));
			expect([...a.keys()]).toEqual([...b.keys()]);
			for (const [name, values] of a) expect(values, `${file}: ${name}`).toEqual(b.get(name));
		}
		// ... and training did move the weights between step 3 and step 5.
		const at3 = await tensorsOf(join(root, "run3", "generator.safetensors"));
		const at5 = await tensorsOf(join(root, "run5", "generator.safetensors"));
		expect(at3.get("generator.project.weight")).not.toEqual(at5.get("generator.project.weight"));
		const losses = (await readFile(join(root, "resumed", "losses.jsonl"), "utf8")).trim().split("\n");
		expect(losses.map((l) => JSON.parse(l).step)).toEqual([1, 2, 3, 4, 5]);
		const card = JSON.parse(await readFile(join(root, "resumed", "model.json"), "utf8"));
		expect(card.training.steps).toBe(5);
	});

	it("an unconditional run samples a 10x10 grid and reports progress as JSON lines", async () => {
		const lines: string[] = [];
		const write = process.stderr.write;
		process.stderr.write = ((chunk: string) => lines.push(String(chunk)) > 0) as typeof process.stderr.write;
		try {
			await trainGan({ ...tiny("uncond", 2), conditional: false, progress: "json" });
		} finally {
			process.stderr.write = write;
		}
		const progress = lines.map((l) => JSON.parse(l));
		expect(progress.map((p) => p.step)).toEqual([1, 2]);
		expect(progress[1]).toMatchObject({ event: "progress", steps: 2, etaSeconds: 0 });
		expect(progress[0].etaSeconds).toBeGreaterThanOrEqual(0);
		const card = JSON.parse(await readFile(join(root, "uncond", "model.json"), "utf8"));
		expect(card.numClasses).toBe(0);
		expect(existsSync(join(root, "uncond", "samples", "step-000002.png"))).toBe(true);
	});

	it("refuses a non-empty directory without resume, and a resume whose config differs", async () => {
		await expect(trainGan(tiny("run3", 4))).rejects.toThrow(/run3 is not empty; pass --resume/);
		await expect(trainGan({ ...tiny("run3", 4), width: 8, resume: true })).rejects.toThrow(
			/config\.json: cannot resume: width was 4, now 8/,
		);
	});

	it("a checkpoint with a missing or misshaped parameter is an error naming it", async () => {
		await cp(join(root, "run3"), join(root, "broken"), { recursive: true });
		const path = join(root, "broken", "checkpoint.safetensors");
		const { tensors, metadata } = await readSafetensors(path);
		const missing = [...tensors.keys()].find((k) => k.startsWith("ema/generator.bn2.classShift")) as string;
		expect(missing).toBeTruthy();
		tensors.delete(missing);
		await writeSafetensors(path, tensors, metadata);
		const err = await trainGan({ ...tiny("broken", 4), resume: true }).catch((e) => e);
		expect(err.message).toBe(`${path}: missing parameter '${missing}' (the checkpoint does not match this model)`);

		// Direct use: shape mismatch and missing names, through saveCheckpoint/loadCheckpoint.
		const store = new ParamStore(new Rng(1));
		store.weight("a.weight", [2, 2], new Float32Array(4).fill(1));
		const file = join(root, "small.safetensors");
		await saveCheckpoint(file, { net: store }, { step: 7, seed: 1, metadata: { note: "x" } });
		const info = await loadCheckpoint(file, { net: store });
		expect(info).toEqual({ step: 7, seed: 1, metadata: { note: "x", format: "genrep-checkpoint/1" } });
		const other = new ParamStore(new Rng(1));
		other.weight("a.weight", [4], new Float32Array(4));
		await expect(loadCheckpoint(file, { net: other })).rejects.toThrow(
			/'net\/a\.weight' has shape \[2,2\], expected \[4\]/,
		);
		const renamed = new ParamStore(new Rng(1));
		renamed.weight("b.bias", [1], new Float32Array(1));
		await expect(loadCheckpoint(file, { net: renamed })).rejects.toThrow(/missing parameter 'net\/b\.bias'/);
		for (const s of [store, other, renamed]) s.dispose();
	});
});

describe("genrep gan train", () => {
	it("bad input: one error line, non-zero exit, nothing written", async () => {
		const out = join(root, "cli-busy");
		await mkdir(out);
		await writeFile(join(out, "keep.txt"), "x");
		const busy = genrep("gan", "train", "--dataset", "fashion-mnist", "--steps", "2", "--out", out);
		expect(busy.status).toBe(1);
		expect(busy.stderr.trim().split("\n")).toEqual([
			`error: output directory ${out} is not empty; pass --resume to continue its run or choose a new --out`,
		]);
		const fresh = join(root, "cli-fresh");
		const bad = genrep("gan", "train", "--dataset", "no-such-set", "--steps", "2", "--out", fresh);
		expect(bad.status).toBe(1);
		expect(bad.stderr).toMatch(/^error: /);
		expect(existsSync(fresh)).toBe(false);
	});
});
