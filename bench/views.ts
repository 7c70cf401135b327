/**
 * Views benchmark (issue 4): is making views fast enough to feed training?
 *
 *   npm run bench:views -- [--generator fashion-mnist-cgan] [--anchors 2000] [--stream-batches 12]
 *                          [--no-parallel] [--out FILE]
 *
 * Measures, on the same engine and machine:
 * - generation to disk: `views generate` (in process) anchors and images per second, gaussian
 *   view, one neighbour per anchor, and the steer view with the generator's shipped walks;
 * - both cores: the same dataset made by one `genrep views generate` process against two
 *   `--shard i/2` processes at once (wall time of the whole command, start-up included);
 * - stream: anchor + view pairs per second from training's live source (`live:`,
 *   src/learners/sources/live.ts), without and with SimCLR pixel views (T_x on every image);
 * - pixel views alone: SimclrAugment images per second;
 * - training: images per second of one SimCLR step of resnet-tiny at 256 pairs (encoder +
 *   projection head + NT-Xent + a plain SGD update, in a tf.tidy).
 * Prints a Markdown table and writes bench/results/views.json.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type EngineInfo, initEngine, tf } from "../src/engine/backend.js";
import { Rng } from "../src/engine/rng.js";
import { createEncoder } from "../src/learners/encoders/registry.js";
import { ntXentLoss } from "../src/learners/objectives/ntXent.js";
import { ProjectionHead } from "../src/learners/projectionHead.js";
import { openSource } from "../src/learners/sources/index.js";
import { generateMultiviewDataset } from "../src/store/multiview.js";
import { SimclrAugment } from "../src/views/pixel/simclrAugment.js";
import { resolveWalksDir } from "../src/views/steer/walks.js";
import { markdownTable, type TimingOptions, timeSteps } from "./common.js";

const DEFAULT_OUT = fileURLToPath(new URL("./results/views.json", import.meta.url));
const REPO = fileURLToPath(new URL("..", import.meta.url));

const { values: flags } = parseArgs({
	options: {
		generator: { type: "string", default: "fashion-mnist-cgan" },
		anchors: { type: "string", default: "2000" },
		"stream-batches": { type: "string", default: "12" },
		"train-steps": { type: "string", default: "5" },
		"no-parallel": { type: "boolean", default: false },
		out: { type: "string", default: DEFAULT_OUT },
		help: { type: "boolean", default: false },
	},
	strict: true,
});

if (flags.help) {
	process.stdout.write(
		"usage: npm run bench:views -- [--generator NAME|DIR] [--anchors 2000] [--stream-batches 12] [--train-steps 5]\n" +
			"       [--no-parallel] [--out FILE]   (--out '' writes no JSON; default bench/results/views.json)\n",
	);
	process.exit(0);
}

function count(name: string, value: string | undefined): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1) {
		process.stderr.write(`error: --${name} must be a positive integer, got '${value}'\n`);
		process.exit(2);
	}
	return n;
}

const anchors = count("anchors", flags.anchors);
const streamBatches = count("stream-batches", flags["stream-batches"]);
const trainSteps = count("train-steps", flags["train-steps"]);
const BATCH_PAIRS = 256;

const engine = await initEngine();
const cpus = os.cpus();
const loadAverage = () => os.loadavg().map((l) => Number(l.toFixed(2)));
const machine = { cpuModel: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version };
const loadBefore = loadAverage();
const tmp = await mkdtemp(path.join(os.tmpdir(), "genrep-bench-views-"));

console.log(`genrep views benchmark, ${new Date().toISOString()}`);
console.log(
	`machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, load average ${loadBefore.join(" ")}`,
);
console.log(`engine: ${describeEngine(engine)}`);

function describeEngine(info: EngineInfo): string {
	const native = info.nativeKernels.join(", ") || `none (${info.nativeReason ?? "not loaded"})`;
	return `backend ${info.backend}, tfjs ${info.tfjsVersion}; native kernels: ${native}`;
}

const seconds = (start: number) => (performance.now() - start) / 1000;

/**
 * CPU seconds of each thread of this process by thread name (Linux /proc; empty elsewhere);
 * the main thread is named "main". On a busy machine wall time stretches but CPU time does not,
 * so (all threads) / (main thread) says how many cores the work could use on an idle one.
 */
function threadCpuSeconds(): Map<string, number> {
	const out = new Map<string, number>();
	const dir = "/proc/self/task";
	if (!existsSync(dir)) return out;
	const tick = 100; // USER_HZ on Linux
	for (const tid of readdirSync(dir)) {
		try {
			const stat = readFileSync(`${dir}/${tid}/stat`, "utf8");
			const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 on
			const cpu = (Number(fields[11]) + Number(fields[12])) / tick; // utime + stime
			const name = Number(tid) === process.pid ? "main" : readFileSync(`${dir}/${tid}/comm`, "utf8").trim();
			out.set(name, (out.get(name) ?? 0) + cpu);
		} catch {
			// the thread ended meanwhile
		}
	}
	return out;
}

function threadCpuDelta(before: Map<string, number>): Record<string, number> {
	const after = threadCpuSeconds();
	const delta: Record<string, number> = {};
	for (const [name, value] of after) {
		const d = value - (before.get(name) ?? 0);
		if (d > 0) delta[name] = Number(d.toFixed(2));
	}
	return delta;
}

// --- Generation to disk ---------------------------------------------------------------------

interface DiskResult {
	view: string;
	anchors: number;
	images: number;
	seconds: number;
	anchorsPerSecond: number;
	imagesPerSecond: number;
	/** CPU seconds of this process (all its threads) per wall second: 2 means both cores busy. */
	coresUsed: number;
	/** CPU seconds per thread name ("main" is the JavaScript thread). */
	cpuByThread: Record<string, number>;
	/** CPU seconds of all threads / of the main thread: the cores it keeps busy when nothing else runs. */
	coresUsable: number;
}

async function generateToDisk(view: string, viewOptions: Record<string, unknown>, n = anchors): Promise<DiskResult> {
	const out = path.join(tmp, `disk-${view}`);
	const start = performance.now();
	const cpu = process.cpuUsage();
	const threads = threadCpuSeconds();
	const r = await generateMultiviewDataset({
		generator: flags.generator,
		view,
		viewOptions,
		anchors: n,
		neighbors: 1,
		seed: 0,
		shardSize: 500,
		out,
	});
	const s = seconds(start);
	const used = process.cpuUsage(cpu);
	const cpuByThread = threadCpuDelta(threads);
	await rm(out, { recursive: true, force: true });
	const images = r.manifest.anchors * r.manifest.views;
	return {
		view,
		anchors: n,
		images,
		seconds: s,
		anchorsPerSecond: n / s,
		imagesPerSecond: images / s,
		coresUsed: (used.user + used.system) / 1e6 / s,
		cpuByThread,
		coresUsable: cpuByThread.main
			? Object.values(cpuByThread).reduce((a, b) => a + b, 0) / cpuByThread.main
			: Number.NaN,
	};
}

await generateToDisk("none", {}, 256); // warm-up: kernels, caches, the generator's first load
const disk: DiskResult[] = [await generateToDisk("gaussian", { sigma: 0.5 })];
let walks: string | null = null;
try {
	walks = resolveWalksDir(flags.generator);
} catch {
	console.log(`note: ${flags.generator} has no shipped walks; the steer view is not measured`);
}
if (walks) disk.push(await generateToDisk("steer", { walks }));

// --- Both cores: one process against two --shard pieces ----------------------------------------

function runCli(args: string[]): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
			cwd: REPO,
			stdio: ["ignore", "ignore", "inherit"],
		});
		child.on("error", reject);
		child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`genrep ${args.join(" ")} exited ${code}`))));
	});
}

interface ParallelResult {
	anchors: number;
	oneProcessSeconds: number;
	twoPiecesSeconds: number;
	speedup: number;
}

async function parallelShards(): Promise<ParallelResult> {
	const n = anchors * 2;
	const base = ["views", "generate", "--generator", flags.generator, "--view", "gaussian", "--sigma", "0.5"];
	const common = [...base, "--anchors", String(n), "--neighbors", "1", "--seed", "0", "--shard-size", "250"];
	let start = performance.now();
	await runCli([...common, "--out", path.join(tmp, "one")]);
	const one = seconds(start);
	start = performance.now();
	const out = path.join(tmp, "two");
	await Promise.all(["0/2", "1/2"].map((piece) => runCli([...common, "--out", out, "--shard", piece])));
	const two = seconds(start);
	await rm(path.join(tmp, "one"), { recursive: true, force: true });
	await rm(out, { recursive: true, force: true });
	return { anchors: n, oneProcessSeconds: one, twoPiecesSeconds: two, speedup: one / two };
}

const parallel = flags["no-parallel"] ? null : await parallelShards();

// --- Streams --------------------------------------------------------------------------------------

interface StreamResult {
	pixelViews: boolean;
	anchorsPerBatch: number;
	batches: number;
	pairsPerSecond: number;
}

async function stream(pixelViews: boolean): Promise<StreamResult> {
	const rng = new Rng(0);
	const live = await openSource(
		{ kind: "live", generator: flags.generator, view: { kind: "gaussian", sigma: 0.5 }, neighbors: 1 },
		rng,
	);
	const augment = pixelViews ? new SimclrAugment() : null;
	const [h, w, c] = live.imageShape;
	const step = async (s: number) => {
		const raw = await live.batch(s, BATCH_PAIRS);
		if (augment) {
			const viewRng = rng.fork(`views-${s}`);
			augment.apply(raw.a, [raw.count, h, w, c], viewRng); // [B, H, W, C]
			augment.apply(raw.b, [raw.count, h, w, c], viewRng);
		}
	};
	try {
		await step(0); // warm-up batch
		const start = performance.now();
		for (let s = 1; s <= streamBatches; s++) await step(s);
		const elapsed = seconds(start);
		return {
			pixelViews,
			anchorsPerBatch: BATCH_PAIRS,
			batches: streamBatches,
			pairsPerSecond: (streamBatches * BATCH_PAIRS) / elapsed,
		};
	} finally {
		live.dispose();
	}
}

const streams = [await stream(false), await stream(true)];

// --- Pixel views alone ------------------------------------------------------------------------------

const pixelImages = 4096;
const augment = new SimclrAugment();
const source = new Uint8Array(pixelImages * 32 * 32).map((_, i) => (i * 37) % 256); // [N, 32, 32, 1]
const augmentRng = new Rng(0);
const pixelTiming = await timeSteps(async () => augment.apply(source, [pixelImages, 32, 32, 1], augmentRng), {
	warmup: 1,
	minSteps: 3,
	minSeconds: 2,
	maxSteps: 20,
});
const pixelImagesPerSecond = pixelImages / pixelTiming.medianS;

// --- Training: one SimCLR step of resnet-tiny at 256 pairs --------------------------------------

const encoder = createEncoder("resnet-tiny", { inChannels: 1, seed: 0 });
const head = new ProjectionHead({ inputDim: encoder.featureDim }, 1);
const variables = [...encoder.store.trainable.values(), ...head.store.trainable.values()];
const viewsA = tf.randomUniform([BATCH_PAIRS, 32, 32, 1], -1, 1, "float32", 1) as tf.Tensor4D; // [B, 32, 32, 1]
const viewsB = tf.randomUniform([BATCH_PAIRS, 32, 32, 1], -1, 1, "float32", 2) as tf.Tensor4D;
const learningRate = 0.05;
const trainStep = async () => {
	const loss = tf.tidy(() => {
		const { value, grads } = tf.variableGrads(() => {
			const both = tf.concat([viewsA, viewsB], 0); // [2B, 32, 32, 1]
			const z = head.apply(encoder.apply(both, true)); // [2B, 128]
			return ntXentLoss(tf.slice(z, 0, BATCH_PAIRS), tf.slice(z, BATCH_PAIRS, BATCH_PAIRS), 0.5);
		}, variables);
		for (const v of variables) v.assign(tf.sub(v, tf.mul(grads[v.name], learningRate)));
		return value;
	});
	await loss.data();
	loss.dispose();
};
const trainTiming: TimingOptions = { warmup: 1, minSteps: trainSteps, minSeconds: 5, maxSteps: 30 };
const train = await timeSteps(trainStep, trainTiming);
const trainImagesPerSecond = (2 * BATCH_PAIRS) / train.medianS;
tf.dispose([viewsA, viewsB]);
encoder.store.dispose();
head.dispose();
await rm(tmp, { recursive: true, force: true });

// --- Report -------------------------------------------------------------------------------------------

const loadAfter = loadAverage();
const trainPairsPerSecond = BATCH_PAIRS / train.medianS;
const rows: string[][] = [
	...disk.map((d) => [
		`views generate, ${d.view} view, K = 1 (${d.anchors} anchors)`,
		`${d.anchorsPerSecond.toFixed(0)} anchors/s`,
		`${d.imagesPerSecond.toFixed(0)} images/s (${d.coresUsed.toFixed(2)} cores busy, ${d.coresUsable.toFixed(2)} usable)`,
	]),
	...streams.map((s) => [
		`live stream, gaussian view${s.pixelViews ? " + SimCLR pixel views" : ""}`,
		`${s.pairsPerSecond.toFixed(0)} pairs/s`,
		`${(2 * s.pairsPerSecond).toFixed(0)} images/s`,
	]),
	["SimCLR pixel views alone (one thread)", "", `${pixelImagesPerSecond.toFixed(0)} images/s`],
	[
		"training: SimCLR step, resnet-tiny, 256 pairs",
		`${trainPairsPerSecond.toFixed(0)} pairs/s`,
		`${trainImagesPerSecond.toFixed(0)} images/s (${train.medianS.toFixed(3)} s/step)`,
	],
];
console.log("");
console.log(markdownTable(["what", "anchors or pairs", "images"], rows));
for (const d of disk) console.log(`cpu seconds by thread, ${d.view} view: ${JSON.stringify(d.cpuByThread)}`);
if (parallel) {
	console.log("");
	console.log(
		`both cores: ${parallel.anchors} anchors in one process ${parallel.oneProcessSeconds.toFixed(1)} s, ` +
			`as --shard 0/2 + 1/2 at once ${parallel.twoPiecesSeconds.toFixed(1)} s (${parallel.speedup.toFixed(2)}x)`,
	);
}
const withPixels = streams[1].pairsPerSecond;
console.log(
	`stream with pixel views / training: ${(withPixels / trainPairsPerSecond).toFixed(1)}x the pairs a training step consumes`,
);
console.log(`load average before ${loadBefore.join(" ")}, after ${loadAfter.join(" ")}`);

if (flags.out) {
	mkdirSync(path.dirname(flags.out), { recursive: true });
	const result = {
		benchmark: "views",
		date: new Date().toISOString(),
		machine: { ...machine, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
		engine,
		generator: flags.generator,
		disk,
		parallel,
		streams,
		pixelViews: { images: pixelImages, imagesPerSecond: pixelImagesPerSecond, medianSeconds: pixelTiming.medianS },
		training: {
			encoder: "resnet-tiny",
			pairs: BATCH_PAIRS,
			optimizer: `plain SGD, lr ${learningRate}`,
			medianStepSeconds: train.medianS,
			steps: train.steps,
			imagesPerSecond: trainImagesPerSecond,
			pairsPerSecond: trainPairsPerSecond,
		},
	};
	writeFileSync(flags.out, `${JSON.stringify(result, null, "\t")}\n`);
	console.log(`wrote ${path.relative(process.cwd(), flags.out)}`);
}
