/**
 * `precision` of trainRepresentation (`genrep train --precision bf16`): recorded in the run's
 * config, a bf16 run's losses finite and close to the fp32 run's but not identical to them
 * (the bf16 kernels ran), the kernels at fp32 between steps and afterwards, a bad value refused by name;
 * the default "auto" runs and records bf16 where available, else fp32, and a resumed run keeps
 * the precision it started with.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { bf16Available, nativePrecision } from "../../src/engine/native/index.js";
import { resolveTrainOptions, type TrainOptions, trainRepresentation } from "../../src/learners/trainer.js";

const root = await mkdtemp(join(tmpdir(), "genrep-precision-"));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;
const quick = (overrides: Partial<TrainOptions>): TrainOptions => ({
	method: "simclr",
	encoder: "resnet-tiny",
	data: { kind: "real", dataset: "fashion-mnist", limit: 64 },
	steps: 4,
	batchSize: 16,
	seed: 3,
	out: join(root, `run-${n++}`),
	progress: "none",
	logEverySteps: 1,
	...overrides,
});
const losses = async (run: string) =>
	(await readFile(join(run, "metrics.jsonl"), "utf8"))
		.trim()
		.split("\n")
		.map((l) => JSON.parse(l).loss as number);

await initEngine({ backend: "wasm" }); // registers the native kernels, which bf16 needs

describe("training precision", () => {
	it("refuses an unknown precision, naming it", () => {
		expect(() => resolveTrainOptions(quick({ precision: "fp16" as never }))).toThrow(
			/precision must be auto, fp32 or bf16, got 'fp16'/,
		);
	});

	it.skipIf(!bf16Available().ok)(
		"bf16: recorded, finite, close to fp32 but not identical; fp32 afterwards",
		async () => {
			const fp32 = await trainRepresentation(quick({ precision: "fp32" }));
			// bf16 runs the step only: between steps (where the next batch is made) the kernels are fp32.
			const between: string[] = [];
			const bf16 = await trainRepresentation(
				quick({ precision: "bf16", onStep: () => between.push(nativePrecision()) }),
			);
			expect(between).toEqual(["fp32", "fp32", "fp32", "fp32"]);
			expect(nativePrecision()).toBe("fp32");
			expect(JSON.parse(await readFile(join(bf16.out, "config.json"), "utf8")).precision).toBe("bf16");
			expect(JSON.parse(await readFile(join(fp32.out, "config.json"), "utf8")).precision).toBe("fp32");
			const a = await losses(fp32.out);
			const b = await losses(bf16.out);
			expect(b).toHaveLength(4);
			for (let i = 0; i < a.length; i++) {
				expect(Number.isFinite(b[i])).toBe(true);
				expect(Math.abs(b[i] - a[i])).toBeLessThan(0.03 * a[i]);
			}
			expect(b).not.toEqual(a);
		},
	);

	it("auto (the default) records the precision that ran, with the same losses as asking for it", async () => {
		const expected = bf16Available().ok ? "bf16" : "fp32";
		const auto = await trainRepresentation(quick({}));
		const asked = await trainRepresentation(quick({ precision: expected }));
		expect(nativePrecision()).toBe("fp32");
		expect(JSON.parse(await readFile(join(auto.out, "config.json"), "utf8")).precision).toBe(expected);
		expect(await losses(auto.out)).toEqual(await losses(asked.out));
	});

	it("a resumed run keeps its precision under auto, and refuses another one asked for", async () => {
		const out = join(root, "resumed");
		const first = await trainRepresentation(quick({ precision: "fp32", out, steps: 4 }));
		expect(first.interrupted).toBe(false);
		// Resuming a finished run is a no-op training-wise; what matters is the config check.
		const again = await trainRepresentation(quick({ out, steps: 4, resume: true }));
		expect(JSON.parse(await readFile(join(again.out, "config.json"), "utf8")).precision).toBe("fp32");
		if (bf16Available().ok)
			await expect(trainRepresentation(quick({ precision: "bf16", out, steps: 4, resume: true }))).rejects.toThrow(
				/precision was "fp32", now "bf16"/,
			);
		expect(nativePrecision()).toBe("fp32");
	});
});
