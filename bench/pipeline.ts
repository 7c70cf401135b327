/**
 * `npm run bench:pipeline`: live generated training end to end against the training step
 * alone, for the encoders the presets use (resnet-tiny and the registry's resnet10-w32 of
 * widths 32-64-128-256), and the same work in PyTorch (bench/torch_pipeline.py).
 *
 * A pipeline step is what `genrep train --data live:<generator> --view gaussian` does per
 * step (src/learners/trainer.ts): the live source draws anchors and one Gaussian latent view
 * of each and runs the generator on both (openLiveSource: G, T_z, uint8 images),
 * SimclrAugment makes a pixel view of each image (T_x), then one SimCLR step (Learner + Sgd,
 * as the trainer runs it). Three modes alternate (in a rotating order), `--rounds` times, in
 * one process: the step alone on a fixed batch of views; the serial pipeline, each stage
 * timed on the training thread one after another; and the trainer's worker feed
 * (src/learners/batchFeed.ts), which generates and augments step s + 1 in a worker thread
 * while step s trains. The report says where a step's time goes and how much of it the
 * worker hides.
 * Where the encoder is in the registry, `trainRepresentation()` itself also runs a few live steps, as a
 * check that the bench's loop costs what the trainer's does.
 *
 *   npm run bench:pipeline -- [--encoders resnet-tiny,resnet10-w32] [--batch 256] [--steps 8]
 *       [--rounds 3] [--generator fashion-mnist-gan] [--sigma 0.5] [--no-torch] [--out FILE]
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { initEngine, tf } from "../src/engine/backend.js";
import { gradsByName } from "../src/engine/nn/params.js";
import { Sgd } from "../src/engine/optim/sgd.js";
import { Rng } from "../src/engine/rng.js";
import { workerFeed } from "../src/learners/batchFeed.js";
import { isEncoderName } from "../src/learners/encoders/registry.js";
import { Learner, type LearnerBatch } from "../src/learners/learner.js";
import { openLiveSource } from "../src/learners/sources/live.js";
import type { RawBatch } from "../src/learners/sources/pool.js";
import type { LiveSourceOptions } from "../src/learners/sources/types.js";
import type { StepBatchPlan } from "../src/learners/stepBatch.js";
import { trainRepresentation } from "../src/learners/trainer.js";
import { SimclrAugment } from "../src/views/pixel/simclrAugment.js";
import { fail, findPythonWithTorch, markdownTable, median, runPythonJson } from "./common.js";
import { childEnv, loadCheck, recordedEnv } from "./env.js";
import { type BenchEncoderName, createBenchEncoder, isBenchEncoder } from "./simclrStep.js";

const TORCH_SCRIPT = fileURLToPath(new URL("./torch_pipeline.py", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEFAULT_OUT = fileURLToPath(new URL("./results/pipeline.json", import.meta.url));
const CORES = os.cpus().length;
const LR = 0.03;
const TEMPERATURE = 0.1;

const { values: flags } = parseArgs({
	options: {
		encoders: { type: "string", default: "resnet-tiny,resnet10-w32" },
		batch: { type: "string", default: "256" },
		steps: { type: "string", default: "8" },
		warmup: { type: "string", default: "2" },
		rounds: { type: "string", default: "3" },
		generator: { type: "string", default: "fashion-mnist-gan" },
		sigma: { type: "string", default: "0.5" },
		"torch-layout": { type: "string", default: "channels_last" },
		"torch-blas-threads": { type: "string", default: "1" },
		"no-torch": { type: "boolean", default: false },
		"no-trainer": { type: "boolean", default: false },
		"feed-threads": { type: "string" },
		python: { type: "string" },
		out: { type: "string", default: DEFAULT_OUT },
		help: { type: "boolean", default: false },
	},
	strict: true,
});
if (flags.help) {
	process.stdout.write(
		"usage: npm run bench:pipeline -- [--encoders resnet-tiny,resnet10-w32] [--batch 256] [--steps 8] [--warmup 2]\n" +
			"       [--rounds 3] [--generator fashion-mnist-gan] [--sigma 0.5] [--torch-layout nchw|channels_last]\n" +
			"       [--torch-blas-threads 1] [--feed-threads N] [--no-torch] [--no-trainer] [--python PATH] [--out FILE ('' for none)]\n" +
			"--feed-threads: oneDNN threads of the worker feed's generator (default: the trainer's)\n",
	);
	process.exit(0);
}
function int(
	name: "batch" | "steps" | "warmup" | "rounds" | "torch-blas-threads" | "feed-threads",
	min: number,
): number {
	const n = Number(flags[name]);
	if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got '${flags[name]}'`);
	return n;
}
const batch = int("batch", 2);
const steps = int("steps", 1);
const warmup = int("warmup", 0);
const rounds = int("rounds", 1);
const blasThreads = int("torch-blas-threads", 1);
const FEED_THREADS = flags["feed-threads"] === undefined ? undefined : int("feed-threads", 1);
const sigma = Number(flags.sigma);
if (!(sigma > 0)) fail(`--sigma must be a positive number, got '${flags.sigma}'`);
const layout = flags["torch-layout"];
if (layout !== "nchw" && layout !== "channels_last")
	fail(`--torch-layout must be nchw or channels_last, got '${layout}'`);
const encoders = (flags.encoders ?? "").split(",").filter(Boolean);
for (const e of encoders)
	if (!isBenchEncoder(e)) fail(`unknown encoder '${e}'; known: resnet-tiny, resnet10-w32, resnet18`);
const generatorName = flags.generator ?? "fashion-mnist-gan";

const engine = await initEngine();
const load0 = loadCheck();
console.log(`genrep pipeline benchmark, ${new Date().toISOString()}`);
console.log(
	`machine: ${os.cpus()[0]?.model ?? "unknown"}, ${CORES} cores; engine ${engine.backend}, native ${engine.nativeKernels.length ? "on" : "off"}; ` +
		`load average ${load0.load.toFixed(2)}`,
);
console.log(
	`live:${generatorName}, gaussian latent view sigma ${sigma}, SimCLR pixel views, batch ${batch} pairs (${2 * batch} images a step); ` +
		`${rounds} rounds x (${warmup} warm-up + ${steps} timed steps) per mode; worker feed oneDNN threads ${FEED_THREADS ?? "default (one per core)"}`,
);
if (load0.busy)
	console.log(`warning: load average ${load0.load.toFixed(2)} on ${CORES} cores (> 0.5 per core): not a quiet run`);

/** CPU seconds (user + system, all threads) since `since`. */
const cpuSeconds = (since: NodeJS.CpuUsage) => {
	const d = process.cpuUsage(since);
	return (d.user + d.system) / 1e6;
};

// --- genrep -----------------------------------------------------------------------------------

interface StageTimes {
	generateS: number[];
	pixelViewsS: number[];
	stepS: number[];
	totalS: number[];
}

/** Steps with the worker feed: waiting for the batch (not hidden behind the previous step), the step, both. */
interface OverlapTimes {
	waitS: number[];
	stepS: number[];
	totalS: number[];
}

async function genrepPipeline(name: BenchEncoderName) {
	const rng = new Rng(1);
	const data: LiveSourceOptions = { kind: "live", generator: generatorName, view: { kind: "gaussian", sigma } };
	const source = await openLiveSource(data, rng.fork("data"));
	const encoder = createBenchEncoder(name, source.imageShape[2], 1);
	const learner = new Learner(
		"simclr",
		encoder,
		{ numClasses: source.numClasses, latentDim: source.latentDim, temperature: TEMPERATURE },
		rng.fork("heads"),
	);
	const sgd = new Sgd(learner.trainable, { momentum: 0.9 });
	const augment = new SimclrAugment({});
	const shape = [batch, ...source.imageShape] as [number, number, number, number];
	const views = (raw: RawBatch, step: number) => {
		const r = rng.fork(`pixels-${step}`);
		const one = (pixels: Uint8Array, label: string) => {
			const unit = augment.apply(pixels, shape, r.fork(label)); // [B, H, W, C] in [0, 1]
			for (let i = 0; i < unit.length; i++) unit[i] = unit[i] * 2 - 1;
			return unit;
		};
		return { a: one(raw.a, "a"), b: one(raw.b, "b") };
	};
	const trainStep = async (v: { a: Float32Array; b: Float32Array | null }) => {
		const lossTensor = tf.tidy(() => {
			const b: LearnerBatch = { a: tf.tensor4d(v.a, shape), b: v.b ? tf.tensor4d(v.b, shape) : undefined };
			const vars = [...learner.trainable.values()];
			const { value, grads } = tf.variableGrads(() => learner.loss(b), vars);
			sgd.apply(gradsByName(learner.trainable, grads), LR);
			return value;
		});
		const loss = (await lossTensor.data())[0];
		lossTensor.dispose();
		if (!Number.isFinite(loss)) throw new Error(`loss ${loss}`);
		return loss;
	};
	// The trainer's worker feed (src/learners/batchFeed.ts): step s + 1's batch is generated
	// and augmented in a worker thread while step s trains.
	const plan: StepBatchPlan = { batchSize: batch, group: false, views: 2, inputShape: source.imageShape };
	const feed = await workerFeed(
		{ data, seed: 1, plan, pixelViews: augment.options, backend: engine.backend, threads: FEED_THREADS },
		Number.MAX_SAFE_INTEGER,
	);

	const fixed = views(await source.batch(0, batch), 0);
	const stepOnly: number[] = [];
	const pipe: StageTimes = { generateS: [], pixelViewsS: [], stepS: [], totalS: [] };
	const overlapped: OverlapTimes = { waitS: [], stepS: [], totalS: [] };
	/** CPU seconds of the whole process (every thread, the worker's included), per timed step. */
	const cpu = { stepOnly: [] as number[], generate: [], pixelViews: [], serialStep: [], overlapped: [] } as Record<
		"stepOnly" | "generate" | "pixelViews" | "serialStep" | "overlapped",
		number[]
	>;
	let counter = 1;
	const tensorsBefore = tf.memory().numTensors;
	const modes = ["step", "serial", "overlapped"] as const;
	for (let round = 0; round < rounds; round++) {
		// Each round in another order (a rotation), so no mode always follows the same one.
		const order = modes.map((_, i) => modes[(i + round) % modes.length]);
		for (const mode of order) {
			process.stderr.write(`  genrep ${name}: ${mode} round ${round + 1}/${rounds}\n`);
			for (let i = 0; i < warmup + steps; i++) {
				const timed = i >= warmup;
				if (mode === "step") {
					const t = performance.now();
					const c = process.cpuUsage();
					await trainStep(fixed);
					if (timed) {
						stepOnly.push((performance.now() - t) / 1000);
						cpu.stepOnly.push(cpuSeconds(c));
					}
				} else if (mode === "serial") {
					const t0 = performance.now();
					const c0 = process.cpuUsage();
					const raw = await source.batch(counter, batch);
					const t1 = performance.now();
					const c1 = process.cpuUsage();
					const v = views(raw, counter++);
					const t2 = performance.now();
					const c2 = process.cpuUsage();
					await trainStep(v);
					const t3 = performance.now();
					if (timed) {
						pipe.generateS.push((t1 - t0) / 1000);
						pipe.pixelViewsS.push((t2 - t1) / 1000);
						pipe.stepS.push((t3 - t2) / 1000);
						pipe.totalS.push((t3 - t0) / 1000);
						cpu.generate.push(cpuSeconds(c0) - cpuSeconds(c1));
						cpu.pixelViews.push(cpuSeconds(c1) - cpuSeconds(c2));
						cpu.serialStep.push(cpuSeconds(c2));
					}
				} else {
					const t0 = performance.now();
					const c0 = process.cpuUsage();
					const host = await feed.batch(counter++);
					const t1 = performance.now();
					await trainStep(host);
					const t2 = performance.now();
					if (timed) {
						overlapped.waitS.push((t1 - t0) / 1000);
						overlapped.stepS.push((t2 - t1) / 1000);
						overlapped.totalS.push((t2 - t0) / 1000);
						cpu.overlapped.push(cpuSeconds(c0));
					}
				}
			}
		}
	}
	const leaked = tf.memory().numTensors - tensorsBefore;
	const params = encoder.store.count() + learner.heads.count();
	await feed.close();
	learner.dispose();
	sgd.dispose();
	encoder.dispose();
	source.dispose();
	return { stepOnlyS: stepOnly, pipeline: pipe, overlapped, cpu, params, leakedTensors: leaked };
}

/** Live training with `trainRepresentation()` itself (encoders in the registry only): seconds per step after the warm-up. */
async function trainerSteps(name: string): Promise<number[] | null> {
	if (!isEncoderName(name) || flags["no-trainer"]) return null;
	const out = mkdtempSync(path.join(os.tmpdir(), "genrep-bench-pipeline-"));
	const stamps: number[] = [];
	try {
		process.stderr.write(`  genrep ${name}: trainRepresentation() on live:${generatorName}\n`);
		await trainRepresentation({
			method: "simclr",
			encoder: name,
			data: { kind: "live", generator: generatorName, view: { kind: "gaussian", sigma } },
			steps: warmup + steps,
			batchSize: batch,
			out: path.join(out, "run"),
			checkpointEverySeconds: 1e6,
			logEverySteps: 1e6,
			progress: "none",
			precision: "fp32", // as the bench's own steps (the trainer's default is bf16 where the CPU has it)
			onStep: () => stamps.push(performance.now()),
		});
	} finally {
		rmSync(out, { recursive: true, force: true });
	}
	// Step i's time: from the end of step i - 1; the steps after the warm-up (and before the final checkpoint).
	return stamps.slice(Math.max(warmup, 1)).map((t, i) => (t - stamps[Math.max(warmup, 1) + i - 1]) / 1000);
}

// --- Runs -------------------------------------------------------------------------------------

interface TorchPipeline {
	stepOnlyS: number[];
	pipeline: StageTimes;
	params: number;
	torchVersion: string;
	layout: string;
	openblas: { corename: string; threads: number } | null;
	env: Record<string, string>;
}

const python = flags["no-torch"] ? null : findPythonWithTorch(flags.python);
if (!flags["no-torch"] && !python)
	console.log("PyTorch not found: bash scripts/setup.sh --bench (showing genrep only)");
const results: Record<string, unknown> = {};
const rows: string[][] = [];
const fmtMs = (s: number) => `${(1000 * s).toFixed(0)} ms`;
for (const name of encoders as BenchEncoderName[]) {
	console.log(`\n## ${name}`);
	const g = await genrepPipeline(name);
	const trainer = await trainerSteps(name);
	let t: TorchPipeline | null = null;
	if (python) {
		process.stderr.write(`  PyTorch ${name}: ${layout}, OpenBLAS ${blasThreads} thread(s)\n`);
		t = runPythonJson<TorchPipeline>(
			python.python,
			TORCH_SCRIPT,
			[
				["--encoder", name, "--model-dir", path.join(ROOT, "models", generatorName), "--sigma", String(sigma)],
				["--batch", String(batch), "--steps", String(steps), "--warmup", String(warmup), "--rounds", String(rounds)],
				["--layout", layout],
			].flat(),
			childEnv({ OPENBLAS_NUM_THREADS: String(blasThreads) }),
		);
		if (t.params !== g.params) fail(`${name}: genrep has ${g.params} parameters, the PyTorch pipeline ${t.params}`);
	}
	const side = (label: string, s: { stepOnlyS: number[]; pipeline: StageTimes }) => {
		const stepOnly = median(s.stepOnlyS);
		const total = median(s.pipeline.totalS);
		const stages = {
			generate: median(s.pipeline.generateS),
			pixelViews: median(s.pipeline.pixelViewsS),
			step: median(s.pipeline.stepS),
		};
		return {
			label,
			stepOnlyS: stepOnly,
			pipelineS: total,
			stages,
			stepOnlyPairsPerS: batch / stepOnly,
			pipelinePairsPerS: batch / total,
			share: stepOnly / total,
			/** Pipeline time / sum of its stages: 1 = run one after another, < 1 = overlapped. */
			overlap: total / (stages.generate + stages.pixelViews + stages.step),
		};
	};
	const gs = side("genrep, serial (one stage after another)", g);
	const ts = t ? side(`PyTorch ${t.torchVersion} (${t.layout}, OpenBLAS ${t.openblas?.threads ?? "?"})`, t) : null;
	// The worker feed: the pipeline as \`genrep train\` runs it.
	const go = {
		stepOnlyS: gs.stepOnlyS,
		pipelineS: median(g.overlapped.totalS),
		waitS: median(g.overlapped.waitS),
		stepS: median(g.overlapped.stepS),
	};
	const goShare = go.stepOnlyS / go.pipelineS;
	const trainerS = trainer?.length ? median(trainer) : null;
	const row = (s: ReturnType<typeof side>) => [
		s.label,
		`${fmtMs(s.stepOnlyS)} (${s.stepOnlyPairsPerS.toFixed(0)} pairs/s)`,
		`${fmtMs(s.pipelineS)} (${s.pipelinePairsPerS.toFixed(0)} pairs/s)`,
		`${(100 * s.share).toFixed(1)}%`,
		`${fmtMs(s.stages.generate)} + ${fmtMs(s.stages.pixelViews)} + ${fmtMs(s.stages.step)}`,
		s.overlap.toFixed(2),
	];
	const overlappedRow = [
		"genrep, worker feed (as genrep train)",
		`${fmtMs(go.stepOnlyS)} (${(batch / go.stepOnlyS).toFixed(0)} pairs/s)`,
		`${fmtMs(go.pipelineS)} (${(batch / go.pipelineS).toFixed(0)} pairs/s)`,
		`${(100 * goShare).toFixed(1)}%`,
		`wait ${fmtMs(go.waitS)}, step ${fmtMs(go.stepS)}`,
		(go.pipelineS / (gs.stages.generate + gs.stages.pixelViews + gs.stages.step)).toFixed(2),
	];
	console.log(
		markdownTable(
			[
				"",
				"step alone",
				"pipeline step",
				"pipeline / step-only throughput",
				"stages: G + T_z, T_x, step",
				"pipeline / sum of serial stages",
			],
			[overlappedRow, row(gs), ...(ts ? [row(ts)] : [])],
		),
	);
	if (trainerS !== null)
		console.log(
			`trainRepresentation() on live:${generatorName}: ${fmtMs(trainerS)} a step (median of ${trainer?.length}), the bench's worker-feed pipeline ${fmtMs(go.pipelineS)}`,
		);
	if (ts)
		console.log(
			`genrep / PyTorch: step alone ${(ts.stepOnlyS / gs.stepOnlyS).toFixed(2)}, pipeline ${(ts.pipelineS / go.pipelineS).toFixed(2)}`,
		);
	// CPU seconds are far less sensitive to other work on the machine than wall seconds: what a
	// quiet machine's pipeline would need, with every core the step leaves idle used by the worker.
	const c = Object.fromEntries(Object.entries(g.cpu).map(([k, v]) => [k, median(v)])) as Record<
		keyof typeof g.cpu,
		number
	>;
	const busyCores = c.stepOnly / gs.stepOnlyS;
	const prepCpu = c.generate + c.pixelViews;
	console.log(
		`CPU seconds a step (all threads): step alone ${c.stepOnly.toFixed(3)} (${busyCores.toFixed(2)} of ${CORES} cores busy on average), ` +
			`G + T_z ${c.generate.toFixed(3)}, T_x ${c.pixelViews.toFixed(3)}, worker-feed step ${c.overlapped.toFixed(3)}: ` +
			`preparing a batch costs ${(100 * (prepCpu / c.stepOnly)).toFixed(1)}% of the step's CPU time. The worker feed hides it in ` +
			`the cores the step leaves idle; were there none, the pipeline would run at ${(100 * (c.stepOnly / (c.stepOnly + prepCpu))).toFixed(1)}% ` +
			"of step-only throughput.",
	);
	if (goShare < 0.9) {
		console.log(
			`below the 90% target: with the worker feed a pipeline step takes ${fmtMs(go.pipelineS)} against ${fmtMs(go.stepOnlyS)} alone: ` +
				`${fmtMs(go.waitS)} waiting for the batch (generation + latent view ${fmtMs(gs.stages.generate)} and pixel views ` +
				`${fmtMs(gs.stages.pixelViews)} not hidden behind the step) and a step of ${fmtMs(go.stepS)} while the worker ` +
				"generates on the same cores.",
		);
	}
	results[name] = {
		params: g.params,
		leakedTensors: g.leakedTensors,
		genrep: {
			...gs,
			stepOnlyTimesS: g.stepOnlyS,
			pipelineTimesS: g.pipeline,
			workerFeed: { ...go, share: goShare, timesS: g.overlapped },
			cpuSecondsPerStep: c,
			cpuTimesS: g.cpu,
		},
		trainer: trainer ? { medianS: trainerS, timesS: trainer } : null,
		pytorch:
			t && ts
				? { ...ts, stepOnlyTimesS: t.stepOnlyS, pipelineTimesS: t.pipeline, env: t.env, openblas: t.openblas }
				: null,
	};
	rows.push([
		name,
		`${(100 * goShare).toFixed(1)}%`,
		`${(100 * gs.share).toFixed(1)}%`,
		ts ? `${(100 * ts.share).toFixed(1)}%` : "-",
		ts ? (ts.stepOnlyS / gs.stepOnlyS).toFixed(2) : "-",
		ts ? (ts.pipelineS / go.pipelineS).toFixed(2) : "-",
	]);
}
console.log("\n## Summary\n");
console.log(
	markdownTable(
		[
			"encoder",
			"genrep pipeline / step-only",
			"genrep serial / step-only",
			"PyTorch pipeline / step-only",
			"genrep / PyTorch, step",
			"genrep / PyTorch, pipeline",
		],
		rows,
	),
);
const load1 = loadCheck();
console.log(`\nload average at the start ${load0.load.toFixed(2)}, at the end ${load1.load.toFixed(2)}`);
if (load0.busy || load1.busy)
	console.log("warning: not a quiet run (load above 0.5 per core): do not quote these figures");
if (flags.out) {
	writeFileSync(
		flags.out,
		`${JSON.stringify(
			{
				date: new Date().toISOString(),
				command: `npm run bench:pipeline${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
				machine: { cpuModel: os.cpus()[0]?.model, cores: CORES, node: process.version },
				loadAverage: { start: load0.load, end: load1.load },
				env: recordedEnv(),
				batch,
				steps,
				warmup,
				rounds,
				generator: generatorName,
				sigma,
				encoders: results,
			},
			null,
			"\t",
		)}\n`,
	);
	console.log(`wrote ${path.relative(process.cwd(), flags.out)}`);
}
