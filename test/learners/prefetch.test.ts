import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { bf16Available, setNativePrecision } from "../../src/engine/native/index.js";
import { Rng } from "../../src/engine/rng.js";
import { GenrepError } from "../../src/errors.js";
import { readSafetensors } from "../../src/formats/safetensors.js";
import { inlineFeed, workerFeed } from "../../src/learners/batchFeed.js";
import { openSource } from "../../src/learners/sources/index.js";
import type { LiveSourceOptions } from "../../src/learners/sources/types.js";
import type { HostBatch, StepBatchPlan } from "../../src/learners/stepBatch.js";
import { type TrainOptions, trainRepresentation } from "../../src/learners/trainer.js";
import { SimclrAugment } from "../../src/views/pixel/simclrAugment.js";
import { makeTinyGenerator } from "../views/tinyGenerator.js";

const root = await mkdtemp(join(tmpdir(), "genrep-prefetch-"));
afterAll(() => rm(root, { recursive: true, force: true }));
await initEngine({ backend: "wasm" }); // before bf16Available(), which needs the native kernels registered
let gan: string;
beforeAll(async () => {
	gan = await makeTinyGenerator(join(root, "gan"), 0);
});

const live = (): LiveSourceOptions => ({ kind: "live", generator: gan, view: { kind: "gaussian", sigma: 0.5 } });
const bytes = (a: ArrayBufferView | null) => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : null);
const sameBatch = (x: HostBatch, y: HostBatch) => {
	expect([x.count, x.members]).toEqual([y.count, y.members]);
	for (const key of ["a", "b", "y", "z"] as const) {
		const [p, q] = [bytes(x[key]), bytes(y[key])];
		expect(p === null, key).toBe(q === null);
		if (p && q) expect(Buffer.compare(p, q), key).toBe(0);
	}
};

describe("batch feeds", () => {
	it("the worker feed hands out the inline feed's batches, bit for bit, prepared one step ahead", async () => {
		const plan: StepBatchPlan = { batchSize: 8, group: false, views: 2, inputShape: [32, 32, 1] };
		const augment = new SimclrAugment({});
		const source = await openSource(live(), new Rng(9).fork("data"));
		const inline = inlineFeed(source, augment, plan, 9);
		const worker = await workerFeed({ data: live(), seed: 9, plan, pixelViews: augment.options, backend: "wasm" }, 4);
		try {
			for (let step = 0; step < 4; step++) {
				const fromWorker = await worker.batch(step);
				sameBatch(fromWorker, await inline.batch(step));
				expect(fromWorker.a.some((v) => v !== fromWorker.a[0])).toBe(true);
				// The "training step": long enough for the worker to prepare the next batch meanwhile.
				await new Promise((r) => setTimeout(r, 300));
			}
			expect(worker.preparedAhead()).toBeGreaterThanOrEqual(2);
			await expect(worker.batch(4)).rejects.toThrow(/past the feed's last step/);
		} finally {
			await worker.close();
			await inline.close();
			source.dispose();
		}
	});

	it.skipIf(!bf16Available().ok)(
		"bf16 on the training thread leaves the worker's generator in fp32, bit for bit",
		async () => {
			const plan: StepBatchPlan = { batchSize: 8, group: false, views: 2, inputShape: [32, 32, 1] };
			const augment = new SimclrAugment({});
			const inlineBatches = async (precision: "fp32" | "bf16") => {
				const source = await openSource(live(), new Rng(4).fork("data"));
				const feed = inlineFeed(source, augment, plan, 4);
				setNativePrecision(precision);
				try {
					return [await feed.batch(0), await feed.batch(1)];
				} finally {
					setNativePrecision("fp32");
					await feed.close();
					source.dispose();
				}
			};
			const fp32 = await inlineBatches("fp32");
			// bf16 reaches the generator on the thread that set it: the samples change.
			const bf16 = await inlineBatches("bf16");
			expect(Buffer.compare(bytes(bf16[0].a) as Buffer, bytes(fp32[0].a) as Buffer)).not.toBe(0);
			setNativePrecision("bf16");
			const worker = await workerFeed({ data: live(), seed: 4, plan, pixelViews: augment.options, backend: "wasm" }, 2);
			try {
				sameBatch(await worker.batch(0), fp32[0]);
				sameBatch(await worker.batch(1), fp32[1]);
			} finally {
				setNativePrecision("fp32");
				await worker.close();
			}
		},
	);

	it("a worker that cannot open its source fails with the source's own error", async () => {
		const plan: StepBatchPlan = { batchSize: 4, group: false, views: 2, inputShape: [32, 32, 1] };
		const missing = { ...live(), generator: join(root, "no-such-model") };
		const err = await workerFeed({ data: missing, seed: 1, plan, pixelViews: null, backend: "wasm" }, 2).catch(
			(e) => e,
		);
		expect(err).toBeInstanceOf(GenrepError);
		expect(String(err.message)).toMatch(/no-such-model/);
	});
});

describe("prefetching in trainRepresentation", () => {
	const run = (overrides: Partial<TrainOptions>): TrainOptions => ({
		method: "simclr",
		encoder: "resnet-tiny",
		data: live(),
		steps: 4,
		batchSize: 8,
		seed: 5,
		progress: "none",
		logEverySteps: 1,
		out: "",
		...overrides,
	});
	const losses = async (dir: string) =>
		(await readFile(join(dir, "metrics.jsonl"), "utf8"))
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l).loss as number);

	it.each([
		["simclr", {}],
		["multipos", { neighbors: 2 }],
	] as const)(
		"%s on a live stream: the same seed gives the same bytes with and without the worker",
		async (method, extra) => {
			const data = { ...live(), ...extra };
			const on = await trainRepresentation(run({ method, data, prefetch: true, out: join(root, `${method}-on`) }));
			const off = await trainRepresentation(run({ method, data, prefetch: false, out: join(root, `${method}-off`) }));
			expect([on.step, off.step]).toEqual([4, 4]);
			const read = (run: { out: string }, file: string) => readFile(join(run.out, file));
			expect(Buffer.compare(await read(on, "encoder.safetensors"), await read(off, "encoder.safetensors"))).toBe(0);
			// The checkpoint's tensors (weights, batch-norm statistics, heads, momentum buffers); its
			// metadata holds the wall time, which differs.
			const a = await readSafetensors(join(on.out, "checkpoint.safetensors"));
			const b = await readSafetensors(join(off.out, "checkpoint.safetensors"));
			expect([...a.tensors.keys()].sort()).toEqual([...b.tensors.keys()].sort());
			expect(a.tensors.size).toBeGreaterThan(20);
			for (const [name, t] of a.tensors) {
				const u = b.tensors.get(name);
				expect(u?.shape, name).toEqual(t.shape);
				expect(Buffer.compare(bytes(t.data) as Buffer, bytes(u?.data ?? null) as Buffer), name).toBe(0);
			}
			const l = await losses(on.out);
			expect(l).toEqual(await losses(off.out));
			expect(new Set(l).size).toBe(4); // fresh batches every step, not one batch four times
			const config = JSON.parse(await readFile(join(on.out, "config.json"), "utf8"));
			expect(config.prefetch).toBe(true);
		},
	);

	it("rejects a prefetch that is not a boolean", async () => {
		await expect(trainRepresentation(run({ prefetch: "yes" as never, out: join(root, "bad") }))).rejects.toThrow(
			/prefetch must be true or false, got "yes"/,
		);
	});
});
