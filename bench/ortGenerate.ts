/**
 * The second reference for generation: onnxruntime-node running the same generator that
 * PyTorch exported to ONNX (bench/torch_generate.py --export-onnx, genrep's weights). One
 * process per run, so its memory is its own; prints one JSON line last, like
 * bench/genrepSection.ts and bench/torch_bench.py.
 *
 *   npx tsx bench/ortGenerate.ts --onnx model.onnx --latent-dim 64 --classes 10 [--batch 256]
 *       [--threads N] [--check check.safetensors] [--warmup 2] [--min-steps 5] [--min-seconds 10]
 *
 * --check: z, y and genrep's images [N, H, W, C] of a few latents; the run reports the largest
 * difference of its own images from them (same weights -> same images). The ONNX file has a
 * fixed batch (torch_generate.py exports it at --batch), so --batch must match it.
 */

import os from "node:os";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { Rng } from "../src/engine/rng.js";
import { readSafetensors } from "../src/formats/safetensors.js";
import { sampleLatents } from "../src/generators/sampling.js";
import { fail, type TimingOptions, timeSteps } from "./common.js";
import { recordedEnv } from "./env.js";

const { values: flags } = parseArgs({
	options: {
		onnx: { type: "string" },
		"latent-dim": { type: "string" },
		classes: { type: "string", default: "0" },
		batch: { type: "string", default: "256" },
		threads: { type: "string", default: String(os.cpus().length) },
		check: { type: "string" },
		warmup: { type: "string", default: "2" },
		"min-steps": { type: "string", default: "5" },
		"min-seconds": { type: "string", default: "10" },
		"max-steps": { type: "string", default: "100" },
		seed: { type: "string", default: "1" },
	},
	strict: true,
});

function integer(name: string, min: number): number {
	const n = Number(flags[name as "batch"]);
	if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got '${flags[name as "batch"]}'`);
	return n;
}
if (!flags.onnx) fail("--onnx FILE is required (the generator exported by bench/torch_generate.py --export-onnx)");
const latentDim = integer("latent-dim", 1);
const classes = integer("classes", 0);
const batch = integer("batch", 1);
const threads = integer("threads", 1);
const timing: TimingOptions = {
	warmup: integer("warmup", 0),
	minSteps: integer("min-steps", 1),
	minSeconds: Number(flags["min-seconds"]),
	maxSteps: integer("max-steps", 1),
};

const rssKB = () => Math.round(process.memoryUsage.rss() / 1024);
const options: ort.InferenceSession.SessionOptions = {
	graphOptimizationLevel: "all",
	executionMode: "sequential",
	intraOpNumThreads: threads,
	interOpNumThreads: 1,
};
const session = await ort.InferenceSession.create(flags.onnx, options);

/** Feeds for latents z [n, d] and classes y [n]. */
function feeds(z: Float32Array, y: Int32Array | null, n: number): Record<string, ort.Tensor> {
	const out: Record<string, ort.Tensor> = { z: new ort.Tensor("float32", z, [n, latentDim]) };
	if (classes > 0) {
		if (!y) fail("a conditional generator needs classes");
		out.y = new ort.Tensor(
			"int64",
			BigInt64Array.from(y, (v) => BigInt(v)),
			[n],
		);
	}
	return out;
}

const rng = new Rng(Number(flags.seed));
const z = sampleLatents(rng, batch, latentDim, 2);
const y = classes > 0 ? Int32Array.from({ length: batch }, () => rng.int(classes)) : null;
const input = feeds(z, y, batch);
const rssAfterSetupKB = rssKB();
let rssAfterWarmupKB = 0;
let steps = 0;
const timed = await timeSteps(
	async () => {
		const out = await session.run(input);
		(out.images as ort.Tensor).dispose();
		steps++;
		if (steps === timing.warmup) rssAfterWarmupKB = rssKB();
	},
	timing,
	(i, s, warmup) => process.stderr.write(`  onnxruntime ${warmup ? "warm-up" : "batch"} ${i + 1}: ${s.toFixed(3)} s\n`),
);
if (timing.warmup === 0) rssAfterWarmupKB = rssAfterSetupKB;

let check: { samples: number; maxAbsDiff: number } | null = null;
if (flags.check) {
	const file = await readSafetensors(flags.check);
	const cz = file.tensors.get("z");
	const cy = file.tensors.get("y");
	const images = file.tensors.get("images");
	if (!cz || !images) fail(`${flags.check}: needs tensors z and images`);
	const n = Math.min(cz.shape[0], batch);
	// The export has a fixed batch: the check's latents first, the timed batch's after them.
	const zc = Float32Array.from(z);
	zc.set((cz.data as Float32Array).subarray(0, n * latentDim));
	const yc = y ? Int32Array.from(y) : null;
	if (yc && cy) yc.set((cy.data as Int32Array).subarray(0, n));
	const out = await session.run(feeds(zc, yc, batch));
	const ours = (out.images as ort.Tensor).data as Float32Array; // [n, C, H, W]
	const [, h, w, c] = images.shape; // genrep's [n, H, W, C]
	const theirs = images.data as Float32Array;
	let maxAbsDiff = 0;
	for (let i = 0; i < n; i++)
		for (let ch = 0; ch < c; ch++)
			for (let p = 0; p < h * w; p++) {
				const a = ours[(i * c + ch) * h * w + p];
				const b = theirs[(i * h * w + p) * c + ch];
				maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a - b));
			}
	check = { samples: n, maxAbsDiff };
}

console.log(
	JSON.stringify({
		side: "onnxruntime-node",
		ortVersion: ort.env.versions?.node ?? ort.env.versions?.common ?? "unknown",
		sessionOptions: options,
		env: recordedEnv(),
		batch,
		...timed,
		check,
		memory: { rssAfterSetupKB, rssAfterWarmupKB, rssEndKB: rssKB(), maxRssKB: process.resourceUsage().maxRSS },
	}),
);
await session.release();
