/**
 * The multi-positive method's data path: stored and live sources hand out whole groups (the
 * anchor and K latent views), each member gets its own pixel view, and `genrep train --method
 * multipos` trains on them.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataSource } from "../../src/cli/commands/train.js";
import { initEngine } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { groupLrBatchSize, groupViews } from "../../src/learners/groupBatch.js";
import { learningRate } from "../../src/learners/schedule.js";
import { openSource } from "../../src/learners/sources/index.js";
import type { RawGroupBatch } from "../../src/learners/sources/pool.js";
import { type TrainOptions, trainRepresentation } from "../../src/learners/trainer.js";
import { generateMultiviewDataset, openMultiviewDataset } from "../../src/store/multiview.js";
import { SimclrAugment } from "../../src/views/pixel/simclrAugment.js";
import { genrep } from "../helpers/cli.js";
import { makeTinyGenerator } from "../views/tinyGenerator.js";

const IMAGE = 32 * 32; // bytes of one 32x32x1 image
const root = await mkdtemp(join(tmpdir(), "genrep-multipos-"));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `run-${n++}`);
let gan: string;
let stored: string; // 20 anchors, K = 3 stored views, shards of 8 (the last one short)

beforeAll(async () => {
	await initEngine({ backend: "wasm" });
	gan = await makeTinyGenerator(join(root, "gan"), 0);
	stored = join(root, "views");
	await generateMultiviewDataset({
		generator: gan,
		view: "gaussian",
		viewOptions: { sigma: 0.5 },
		anchors: 20,
		neighbors: 3,
		seed: 2,
		out: stored,
		shardSize: 8,
	});
});

/** Every anchor's K + 1 images as stored, keyed by the anchor image (hex). */
async function storedGroups(): Promise<Map<string, Buffer[]>> {
	const dataset = await openMultiviewDataset(stored);
	const groups = new Map<string, Buffer[]>();
	for (let s = 0; s < dataset.numShards; s++) {
		const shard = await dataset.readShard(s);
		for (let a = 0; a < shard.count; a++) {
			const members = Array.from({ length: shard.views }, (_, v) =>
				Buffer.from(shard.images.subarray((a * shard.views + v) * IMAGE, (a * shard.views + v + 1) * IMAGE)),
			);
			groups.set(members[0].toString("hex"), members);
		}
	}
	return groups;
}

/** Image `i` of a flat uint8 array of 32x32x1 images. */
const image = (images: Uint8Array, i: number) => Buffer.from(images.subarray(i * IMAGE, (i + 1) * IMAGE));

describe("group sources", () => {
	it("stored: every anchor of the step's batch with all its stored views, in order, across shards", async () => {
		const source = await openSource({ kind: "stored", dir: stored }, new Rng(1));
		expect(source.neighbors).toBe(3);
		const truth = await storedGroups();
		const seen = new Set<string>();
		for (let step = 0; step < 4; step++) {
			const groups = (await source.groups?.(step, 5)) as RawGroupBatch; // 4 x 5 = the 20 anchors
			const pairs = await source.batch(step, 5);
			expect([groups.count, groups.members, groups.images.length]).toEqual([5, 4, 5 * 4 * IMAGE]);
			expect(groups.z?.length).toBe(5 * 8); // the anchors' latents
			for (let i = 0; i < 5; i++) {
				const anchor = image(groups.images, i * 4);
				expect(anchor.equals(image(pairs.a, i)), "the same anchors as batch()").toBe(true);
				const members = Array.from({ length: 4 }, (_, v) => image(groups.images, i * 4 + v));
				expect(members.map((m) => m.toString("hex"))).toEqual(
					truth.get(anchor.toString("hex"))?.map((m) => m.toString("hex")),
				);
				seen.add(anchor.toString("hex"));
			}
		}
		expect(seen.size).toBe(20);
	});

	it("stored --neighbors K keeps the first K views: groups of K + 1, pairs drawn from those K only", async () => {
		const source = await openSource({ kind: "stored", dir: stored, neighbors: 1 }, new Rng(1));
		expect(source.neighbors).toBe(1);
		const truth = await storedGroups();
		const groups = (await source.groups?.(0, 10)) as RawGroupBatch;
		expect(groups.members).toBe(2);
		for (let step = 0; step < 2; step++) {
			const pairs = await source.batch(step, 10);
			for (let i = 0; i < 10; i++) {
				const members = truth.get(image(pairs.a, i).toString("hex")) as Buffer[];
				expect(image(pairs.b, i).equals(members[1]), "K = 1: the partner is always view 1").toBe(true);
			}
		}
		await expect(openSource({ kind: "stored", dir: stored, neighbors: 4 }, new Rng(1))).rejects.toThrow(
			/neighbors 4 exceeds the 3 latent views per anchor stored in .*views; use 3 or fewer, or generate more with genrep views generate --neighbors 4/,
		);
		await expect(
			openSource({ kind: "stored", dir: stored, neighbors: 2, latentViews: false }, new Rng(1)),
		).rejects.toThrow("neighbors (2) picks latent views, but latentViews is false");
		const off = await openSource({ kind: "stored", dir: stored, latentViews: false }, new Rng(1));
		expect(off.neighbors).toBe(0);
	});

	it("live --neighbors K: K fresh latent views per anchor, the anchors batch() pairs, the same stream by seed", async () => {
		const open = () =>
			openSource({ kind: "live", generator: gan, view: { kind: "gaussian", sigma: 0.5 }, neighbors: 3 }, new Rng(4));
		const [s1, s2] = [await open(), await open()];
		expect(s1.neighbors).toBe(3);
		expect(s1.description).toContain("3 latent views per anchor");
		const groups = (await s1.groups?.(2, 4)) as RawGroupBatch;
		expect([groups.count, groups.members]).toEqual([4, 4]);
		const pairs = await s1.batch(2, 4);
		for (let i = 0; i < 4; i++) {
			expect(image(groups.images, i * 4).equals(image(pairs.a, i))).toBe(true);
			const members = new Set(Array.from({ length: 4 }, (_, v) => image(groups.images, i * 4 + v).toString("hex")));
			expect(members.size, "four different images").toBe(4);
			expect(members.has(image(pairs.b, i).toString("hex")), "the pair's partner is one of the group").toBe(true);
		}
		const again = (await s2.groups?.(2, 4)) as RawGroupBatch;
		expect(Buffer.from(again.images).equals(Buffer.from(groups.images))).toBe(true);
		await expect(
			openSource({ kind: "live", generator: gan, view: { kind: "none" }, neighbors: 0 }, new Rng(4)),
		).rejects.toThrow("neighbors (latent views per anchor) must be a positive integer, got 0");
		s1.dispose();
		s2.dispose();
	});

	it("real images have no groups", async () => {
		const real = await openSource({ kind: "real", dataset: "fashion-mnist", limit: 16 }, new Rng(0));
		expect(real.neighbors).toBe(0);
		expect(real.groups).toBeUndefined();
	});
});

describe("group pixel views", () => {
	it("each member gets its own draw of T_x; without T_x the images are only scaled to [-1, 1]", () => {
		const [count, members] = [2, 3];
		const same = new Uint8Array(count * members * IMAGE);
		for (let i = 0; i < same.length; i++) same[i] = (i * 7) % 256;
		for (let g = 0; g < count * members; g++) same.copyWithin(g * IMAGE, 0, IMAGE); // every member one image
		const raw: RawGroupBatch = { count, members, imageShape: [32, 32, 1], images: same, y: null, z: null };
		const views = groupViews(raw, new SimclrAugment(), new Rng(3));
		expect(views.length).toBe(count * members * IMAGE);
		const view = (i: number) => Buffer.from(views.buffer, i * IMAGE * 4, IMAGE * 4).toString("hex");
		expect(new Set(Array.from({ length: count * members }, (_, i) => view(i))).size).toBe(count * members);
		expect(Math.min(...views)).toBeGreaterThanOrEqual(-1);
		expect(Math.max(...views)).toBeLessThanOrEqual(1);
		const plain = groupViews(raw, null, new Rng(3));
		expect(plain[0]).toBeCloseTo(0 / 127.5 - 1, 6);
		expect(plain[IMAGE + 1]).toBeCloseTo(7 / 127.5 - 1, 6);
		expect(Buffer.from(groupViews(raw, new SimclrAugment(), new Rng(3)).buffer).equals(Buffer.from(views.buffer))).toBe(
			true,
		);
	});
});

describe("training with method multipos", () => {
	const quick = (overrides: Partial<TrainOptions>): TrainOptions => ({
		method: "multipos",
		encoder: "resnet-tiny",
		data: { kind: "stored", dir: stored },
		steps: 4,
		batchSize: 4,
		seed: 1,
		out: fresh(),
		progress: "none",
		logEverySteps: 1,
		...overrides,
	});
	const metrics = async (run: string) =>
		(await readFile(join(run, "metrics.jsonl"), "utf8"))
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l));

	it("trains on stored groups; interrupted and resumed it ends where an uninterrupted run does; no leaked tensors", async () => {
		const before = tf.memory().numTensors;
		const whole = await trainRepresentation(quick({}));
		expect(tf.memory().numTensors).toBe(before);
		expect(Number.isFinite(whole.lastLoss)).toBe(true);
		// The rate scales with B x M / 2 = 4 x 4 / 2 = 8 pairs' worth.
		const schedule = { lr: 0.03, batchSize: groupLrBatchSize(4, 4), steps: 4, warmupSteps: 0 };
		const lines = await metrics(whole.out);
		expect(lines.map((l) => l.lr)).toEqual([0, 1, 2, 3].map((s) => learningRate(s, schedule)));
		expect(lines[0].loss).toBeGreaterThan(Math.log(3) - 1e-3); // the floor is log |P(i)| = log 3
		const controller = new AbortController();
		const out = fresh();
		await trainRepresentation(quick({ out, signal: controller.signal, onStep: (d) => d === 2 && controller.abort() }));
		const resumed = await trainRepresentation(quick({ out, resume: true }));
		expect(resumed.startStep).toBe(2);
		const [a, b] = await Promise.all([
			readFile(join(whole.out, "encoder.safetensors")),
			readFile(join(out, "encoder.safetensors")),
		]);
		expect(a.equals(b)).toBe(true);
		expect((await metrics(out)).map((l) => l.loss)).toEqual(lines.map((l) => l.loss));
	});

	it("trains on a live stream with --neighbors", async () => {
		const data = { kind: "live", generator: gan, view: { kind: "gaussian", sigma: 0.5 }, neighbors: 2 } as const;
		const r = await trainRepresentation(quick({ data, steps: 2 }));
		expect(Number.isFinite(r.lastLoss)).toBe(true);
		expect(JSON.parse(await readFile(join(r.out, "config.json"), "utf8")).data.neighbors).toBe(2);
	});

	it("refuses sources without latent views, saying what to use", async () => {
		const want = /method multipos trains on each anchor's latent views, but .* has none; use a views folder/;
		await expect(
			trainRepresentation(quick({ data: { kind: "real", dataset: "fashion-mnist", limit: 16 } })),
		).rejects.toThrow(want);
		const out = fresh();
		await expect(
			trainRepresentation(quick({ data: { kind: "stored", dir: stored, latentViews: false }, out })),
		).rejects.toThrow(want);
		expect(existsSync(out)).toBe(false);
	});
});

describe("genrep train --method multipos", () => {
	it("trains from the shipped generator live and from a stored views folder with --neighbors 3", async () => {
		const common = ["--method", "multipos", "--steps", "3", "--batch-size", "8", "--log-every", "1"];
		const live = fresh();
		const fromLive = genrep(
			"train",
			...common,
			...["--data", "live:fashion-mnist-gan", "--view", "gaussian", "--sigma", "0.5", "--neighbors", "3"],
			...["--out", live],
		);
		expect(fromLive.stderr).not.toMatch(/error:/);
		expect(fromLive.status).toBe(0);
		expect(fromLive.stdout).toMatch(/^trained 3 steps in [\d.]+ s, last loss \d+\.\d{4}; encoder in /);
		const config = JSON.parse(await readFile(join(live, "config.json"), "utf8"));
		expect(config).toMatchObject({ method: "multipos", batchSize: 8, data: { kind: "live", neighbors: 3 } });
		expect(JSON.parse(await readFile(join(live, "encoder.json"), "utf8"))).toMatchObject({ complete: true, steps: 3 });
		// 8 anchors x 4 members per step.
		const rate = JSON.parse((await readFile(join(live, "metrics.jsonl"), "utf8")).split("\n")[0]);
		expect(rate.lr).toBeCloseTo(learningRate(0, { lr: 0.03, batchSize: 16, steps: 3, warmupSteps: 0 }), 12);

		const run = fresh();
		const fromStored = genrep("train", ...common, "--data", stored, "--neighbors", "3", "--out", run);
		expect(fromStored.stderr).not.toMatch(/error:/);
		expect(fromStored.status).toBe(0);
		expect(JSON.parse(await readFile(join(run, "config.json"), "utf8")).data).toEqual({
			kind: "stored",
			dir: stored,
			neighbors: 3,
		});
	});

	it("bad --neighbors: one line that says what is wrong, non-zero exit, nothing written", () => {
		const cases: [string[], RegExp][] = [
			[["--method", "multipos", "--data", stored, "--neighbors", "5"], /neighbors 5 exceeds the 3 latent views/],
			[["--method", "multipos", "--data", "fashion-mnist"], /multipos trains on each anchor's latent views/],
		];
		for (const [args, message] of cases) {
			const out = fresh();
			const r = genrep("train", ...args, "--out", out, "--steps", "1", "--batch-size", "4");
			expect(r.status, args.join(" ")).not.toBe(0);
			const lines = r.stderr.trim().split("\n");
			expect(lines.at(-1)).toMatch(/^error: /);
			expect(lines.at(-1)).toMatch(message);
			expect(existsSync(out), `${args.join(" ")} left ${out}`).toBe(false);
		}
	});

	it("maps --neighbors onto the stored and live sources and refuses it elsewhere", () => {
		expect(dataSource({ data: stored, neighbors: 2 })).toEqual({ kind: "stored", dir: stored, neighbors: 2 });
		expect(dataSource({ data: "live:g", view: "gaussian", sigma: 1, neighbors: 4 })).toMatchObject({
			kind: "live",
			generator: "g",
			neighbors: 4,
		});
		expect(() => dataSource({ data: "fashion-mnist", neighbors: 2 })).toThrow(
			"--neighbors applies only to stored multiview or live data, not to --data fashion-mnist",
		);
		expect(() => dataSource({ data: stored, neighbors: 2, latentViews: false })).toThrow(
			"--neighbors picks latent views and --no-latent-views turns them off; give one or the other",
		);
	});
});
