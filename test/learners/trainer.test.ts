import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { loadEncoder } from "../../src/learners/encoderFile.js";
import { openSource } from "../../src/learners/sources/index.js";
import { type TrainOptions, trainRepresentation } from "../../src/learners/trainer.js";
import { generateMultiviewDataset } from "../../src/store/multiview.js";
import { makeTinyGenerator } from "../views/tinyGenerator.js";

const root = await mkdtemp(join(tmpdir(), "genrep-train-"));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `run-${n++}`);
let cgan: string;
let gan: string;
let stored: string;

const real = { kind: "real", dataset: "fashion-mnist", limit: 96 } as const;
const quick = (overrides: Partial<TrainOptions>): TrainOptions => ({
	method: "simclr",
	encoder: "resnet-tiny",
	data: real,
	steps: 6,
	batchSize: 16,
	seed: 3,
	out: fresh(),
	progress: "none",
	logEverySteps: 1,
	...overrides,
});

beforeAll(async () => {
	await initEngine({ backend: "wasm" });
	cgan = await makeTinyGenerator(join(root, "cgan"), 3);
	gan = await makeTinyGenerator(join(root, "gan"), 0);
	stored = join(root, "views");
	await generateMultiviewDataset({
		generator: cgan,
		view: "gaussian",
		viewOptions: { sigma: 0.5 },
		anchors: 40,
		neighbors: 2,
		seed: 1,
		out: stored,
		shardSize: 16,
	});
});

const bytes = (run: string, file: string) => readFile(join(run, file));

describe("trainRepresentation", () => {
	it("an interrupted and resumed run ends with the same weights and losses as an uninterrupted one", async () => {
		const whole = await trainRepresentation(quick({}));
		expect(whole.step).toBe(6);
		const controller = new AbortController();
		const out = fresh();
		const first = await trainRepresentation(
			quick({ out, signal: controller.signal, onStep: (done) => done === 3 && controller.abort() }),
		);
		expect(first.interrupted).toBe(true);
		expect(first.step).toBe(3);
		expect(JSON.parse(await readFile(join(out, "encoder.json"), "utf8")).steps).toBe(3);
		const second = await trainRepresentation(quick({ out, resume: true }));
		expect(second.startStep).toBe(3);
		expect(second.interrupted).toBe(false);
		expect(Buffer.compare(await bytes(whole.out, "encoder.safetensors"), await bytes(out, "encoder.safetensors"))).toBe(
			0,
		);
		const losses = async (run: string) =>
			(await readFile(join(run, "metrics.jsonl"), "utf8"))
				.trim()
				.split("\n")
				.map((l) => JSON.parse(l).loss);
		expect(await losses(out)).toEqual(await losses(whole.out));
	});

	it("writes its config, metrics and a loadable encoder; leaks no tensors", async () => {
		const before = tf.memory().numTensors;
		const r = await trainRepresentation(quick({ steps: 3 }));
		expect(tf.memory().numTensors).toBe(before);
		const config = JSON.parse(await readFile(join(r.out, "config.json"), "utf8"));
		expect(config).toMatchObject({ method: "simclr", encoder: "resnet-tiny", batchSize: 16, lr: 0.03, seed: 3 });
		const { encoder, card } = await loadEncoder(r.out);
		expect(card).toMatchObject({ method: "simclr", steps: 3, imageShape: [32, 32, 1], featureDim: 64 });
		encoder.dispose();
	});

	it.each([
		["supcon", { kind: "stored", dir: "" }],
		["classifier", real],
		["inverter", { kind: "stored", dir: "" }],
		["simclr", { kind: "live", generator: "", view: { kind: "gaussian", sigma: 0.5 } }],
	] as const)("trains %s for a few steps with a finite loss", async (method, data) => {
		const source =
			data.kind === "stored" ? { ...data, dir: stored } : data.kind === "live" ? { ...data, generator: gan } : data;
		const r = await trainRepresentation(quick({ method, data: source, steps: 2 }));
		expect(Number.isFinite(r.lastLoss)).toBe(true);
	});

	it("stops on a non-finite loss with a message and keeps the last good checkpoint", async () => {
		const out = fresh();
		await expect(
			trainRepresentation(quick({ method: "classifier", out, lr: 1e30, steps: 6, checkpointEverySeconds: 1e-9 })),
		).rejects.toThrow(/the loss became (NaN|Infinity|-Infinity) at step \d+; the last good checkpoint is kept/);
		const card = JSON.parse(await readFile(join(out, "encoder.json"), "utf8"));
		expect(card.steps).toBeGreaterThanOrEqual(1);
	});

	it("rejects bad input with errors that say what is wrong", async () => {
		await expect(trainRepresentation(quick({ method: "byol" }))).rejects.toThrow(/unknown method 'byol'/);
		await expect(trainRepresentation(quick({ encoder: "vit" }))).rejects.toThrow(/unknown encoder 'vit'/);
		await expect(trainRepresentation(quick({ steps: 0 }))).rejects.toThrow(/steps must be a positive integer/);
		await expect(
			trainRepresentation(quick({ method: "supcon", data: { kind: "live", generator: gan, view: { kind: "none" } } })),
		).rejects.toThrow(/method supcon needs class labels/);
		await expect(trainRepresentation(quick({ method: "inverter" }))).rejects.toThrow(
			/method inverter needs the latents/,
		);
		const busy = fresh();
		await mkdir(busy);
		await writeFile(join(busy, "x"), "");
		await expect(trainRepresentation(quick({ out: busy }))).rejects.toThrow(/is not empty; pass --resume/);
		const r = await trainRepresentation(quick({ steps: 1 }));
		await expect(trainRepresentation(quick({ out: r.out, resume: true, lr: 0.1 }))).rejects.toThrow(
			/cannot resume: lr was 0.03, now 0.1/,
		);
	});
});

describe("training sources", () => {
	it("stored: pairs an anchor with one of its latent views, or with itself without latent views", async () => {
		const on = await openSource({ kind: "stored", dir: stored }, new Rng(1));
		const off = await openSource({ kind: "stored", dir: stored, latentViews: false }, new Rng(1));
		const withViews = await on.batch(0, 8);
		const without = await off.batch(0, 8);
		expect(on.numClasses).toBe(3);
		expect(on.latentDim).toBe(8);
		expect(withViews.z?.length).toBe(8 * 8);
		expect(Buffer.compare(Buffer.from(without.a), Buffer.from(without.b))).toBe(0);
		expect(Buffer.compare(Buffer.from(withViews.a), Buffer.from(without.a))).toBe(0); // same order, same anchors
		expect(Buffer.compare(Buffer.from(withViews.a), Buffer.from(withViews.b))).not.toBe(0);
		// Deterministic by step, whatever ran before.
		const again = await openSource({ kind: "stored", dir: stored }, new Rng(1));
		await again.batch(5, 8);
		expect(Buffer.from((await again.batch(0, 8)).b).equals(Buffer.from(withViews.b))).toBe(true);
	});

	it("an epoch visits every item once", async () => {
		const source = await openSource({ kind: "stored", dir: stored, latentViews: false }, new Rng(2));
		const seen = new Set<string>();
		for (let step = 0; step < 5; step++) {
			const b = await source.batch(step, 8); // 5 x 8 = the 40 anchors
			for (let i = 0; i < 8; i++) seen.add(Buffer.from(b.a.subarray(i * 1024, (i + 1) * 1024)).toString("hex"));
		}
		expect(seen.size).toBe(40);
	});

	it("live: fresh anchors every step, the same stream for the same seed", async () => {
		const open = () =>
			openSource({ kind: "live", generator: cgan, view: { kind: "gaussian", sigma: 0.5 } }, new Rng(4));
		const [s1, s2] = [await open(), await open()];
		const a = await s1.batch(0, 4);
		const b = await s1.batch(1, 4);
		expect(Buffer.from(a.a).equals(Buffer.from(b.a))).toBe(false);
		expect(Buffer.from((await s2.batch(1, 4)).b).equals(Buffer.from(b.b))).toBe(true);
		expect(a.y?.length).toBe(4);
		s1.dispose();
		s2.dispose();
	});

	it("mixed: replaces the given fraction of real images with generated anchors", async () => {
		const count = async (fraction: number) => {
			const source = await openSource(
				{ kind: "mixed", dataset: "fashion-mnist", limit: 40, generated: stored, fraction },
				new Rng(5),
			);
			let generated = 0;
			for (let step = 0; step < 5; step++) {
				const b = await source.batch(step, 8);
				for (let i = 0; i < 8; i++) {
					const same = Buffer.from(b.a.subarray(i * 1024, (i + 1) * 1024)).equals(
						Buffer.from(b.b.subarray(i * 1024, (i + 1) * 1024)),
					);
					if (!same) generated++; // generated anchors pair with a different latent view
				}
			}
			return generated;
		};
		expect(await count(0)).toBe(0);
		expect(await count(0.25)).toBe(10);
		expect(await count(1)).toBe(40);
		await expect(
			openSource({ kind: "mixed", dataset: "fashion-mnist", generated: stored, fraction: 1.5 }, new Rng(5)),
		).rejects.toThrow(/fraction of generated images must be in \[0, 1\], got 1.5/);
	});
});
