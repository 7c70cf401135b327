/**
 * `npm run bench`: genrep side by side with PyTorch (Debian's python3-torch with OpenBLAS) on
 * the same models, parameter counts and batch sizes:
 *
 * - SimCLR training step of each encoder (encoder + projection head + NT-Xent, SGD momentum;
 *   bench/simclrStep.ts), images/s at batch 256: resnet-tiny, the ~1 M-parameter ResNet
 *   (widths 32-64-128-256) and resnet18;
 * - generation throughput of the shipped generators, with onnxruntime-node on the same
 *   generator exported to ONNX as a second reference;
 * - the conditional DCGAN training step (bench/dcganStep.ts; the same discriminator on both
 *   sides, minibatch-stddev channel included);
 * - a linear-probe fit (genrep's L-BFGS softmax regression vs torch.optim.LBFGS; final losses
 *   compared) and a gradient-descent probe (bench/linearProbeFit.ts: genrep's softmax-regression
 *   pass and Sgd step vs nn.Linear, autograd and torch.optim.SGD).
 *
 * Fairness (issue 16):
 * - PyTorch runs in its best configuration per section: a short search over
 *   {NCHW, channels_last} x {OpenBLAS 1 thread, one per core} picks it, and every
 *   configuration's time is reported;
 * - OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for every child (bench/env.ts), the
 *   children get the user's environment as it was before the addon set OMP_WAIT_POLICY, and
 *   each side's environment is recorded (OpenBLAS core name, OpenMP settings, ATen CPU
 *   capability, oneDNN ISA and implementation);
 * - parameter counts are asserted equal in every section;
 * - at least 5 runs per side (fresh processes, alternating order): median of the runs'
 *   medians, their spread, and the ratio of each pair of runs;
 * - the load average at every run, with a warning above 0.5 per core;
 * - memory as resident after setup and the growth during the steps (peak minus that).
 *
 *   npm run bench -- [--sections a,b] [--repeats 5] [--batch 256] [--min-seconds 10]
 *                    [--torch-configs nchw:1,nchw:2,channels_last:1,channels_last:2]
 *                    [--search-seconds 3] [--precision fp32|bf16] [--python PATH] [--peak-gflops N]
 *                    [--out FILE]
 *
 * --precision bf16 (simclr sections): genrep's oneDNN bf16 convolutions and matrix products
 * (`genrep train --precision bf16`) against PyTorch's torch.cpu.amp.autocast(bfloat16).
 */

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadNativeAddon } from "../src/engine/native/index.js";
import {
	type ConvShape,
	convForwardFlopsPerImage,
	fail,
	findPythonWithTorch,
	markdownTable,
	median,
} from "./common.js";
import { DCGAN } from "./dcganStep.js";
import {
	childEnv,
	cpuCounters,
	envChanges,
	loadCheck,
	ORIGINAL_ENV,
	othersCpuShare,
	QUIET_OTHERS_SHARE,
	recordedEnv,
} from "./env.js";
import { PROBE } from "./linearProbeFit.js";
import { encoderConvs, isBenchEncoder, SIMCLR } from "./simclrStep.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const GENREP_SCRIPT = fileURLToPath(new URL("./genrepSection.ts", import.meta.url));
const ORT_SCRIPT = fileURLToPath(new URL("./ortGenerate.ts", import.meta.url));
const TORCH_SCRIPT = fileURLToPath(new URL("./torch_bench.py", import.meta.url));
const TORCH_GENERATE_SCRIPT = fileURLToPath(new URL("./torch_generate.py", import.meta.url));
const DEFAULT_OUT = fileURLToPath(new URL("./results/bench.json", import.meta.url));
const CORES = os.cpus().length;
const ALL_SECTIONS = [
	"simclr:resnet-tiny",
	"simclr:resnet10-w32",
	"simclr:resnet18",
	"generate:fashion-mnist-cgan",
	"generate:fashion-mnist-gan",
	"dcgan",
	"linear-probe",
	"probe",
];
const DEFAULT_TORCH_CONFIGS = ["nchw", "channels_last"].flatMap((l) => [1, CORES].map((t) => `${l}:${t}`)).join(",");
const MIN_REPEATS = 5;

const { values: flags } = parseArgs({
	options: {
		sections: { type: "string", default: ALL_SECTIONS.join(",") },
		repeats: { type: "string", default: String(MIN_REPEATS) },
		batch: { type: "string", default: "256" },
		warmup: { type: "string", default: "2" },
		"min-steps": { type: "string", default: "5" },
		"min-seconds": { type: "string", default: "10" },
		"max-steps": { type: "string", default: "100" },
		"torch-configs": { type: "string", default: DEFAULT_TORCH_CONFIGS },
		"search-seconds": { type: "string", default: "3" },
		"no-onnx": { type: "boolean", default: false },
		precision: { type: "string", default: "fp32" },
		python: { type: "string" },
		"peak-gflops": { type: "string" },
		"allow-reference-blas": { type: "boolean", default: false },
		out: { type: "string", default: DEFAULT_OUT },
		help: { type: "boolean", default: false },
	},
	strict: true,
});
if (flags.help) {
	process.stdout.write(
		`usage: npm run bench -- [--sections ${ALL_SECTIONS.join(",")}]\n` +
			`       [--repeats ${MIN_REPEATS}] [--batch 256] [--warmup 2] [--min-steps 5] [--min-seconds 10] [--max-steps 100]\n` +
			`       [--torch-configs ${DEFAULT_TORCH_CONFIGS}] [--search-seconds 3] [--no-onnx] [--precision fp32|bf16]\n` +
			"       [--python PATH] [--peak-gflops N] [--allow-reference-blas] [--out FILE ('' for none)]\n",
	);
	process.exit(0);
}

const sections = (flags.sections ?? "").split(",").filter(Boolean);
for (const s of sections)
	if (!ALL_SECTIONS.includes(s)) fail(`unknown section '${s}'; known: ${ALL_SECTIONS.join(", ")}`);
const precision = flags.precision ?? "fp32";
if (precision !== "fp32" && precision !== "bf16") fail(`--precision must be fp32 or bf16, got '${precision}'`);
if (precision === "bf16")
	for (const s of sections)
		if (!s.startsWith("simclr:"))
			fail(`--precision bf16 applies to the simclr sections only, not '${s}': pass --sections simclr:...`);
const repeats = Number(flags.repeats);
const batch = Number(flags.batch);
const searchSeconds = Number(flags["search-seconds"]);
if (!(Number.isInteger(repeats) && repeats >= 1)) fail(`--repeats must be a positive integer, got '${flags.repeats}'`);
if (!(Number.isInteger(batch) && batch >= 2 && batch % 2 === 0))
	fail(`--batch must be an even integer >= 2, got '${flags.batch}'`);
if (!(searchSeconds >= 0)) fail(`--search-seconds must be a number >= 0, got '${flags["search-seconds"]}'`);
for (const k of ["warmup", "min-steps", "max-steps"] as const) {
	const n = Number(flags[k]);
	if (!(Number.isInteger(n) && n >= (k === "warmup" ? 0 : 1)))
		fail(`--${k} must be an integer >= ${k === "warmup" ? 0 : 1}, got '${flags[k]}'`);
}
if (!(Number(flags["min-seconds"]) >= 0)) fail(`--min-seconds must be a number >= 0, got '${flags["min-seconds"]}'`);
const timingArgs = ["warmup", "min-steps", "min-seconds", "max-steps"].flatMap((k) => [
	`--${k}`,
	String(flags[k as "warmup"]),
]);
/** The configuration search times each PyTorch configuration briefly. */
const searchArgs = ["--warmup", "1", "--min-steps", "2", "--min-seconds", String(searchSeconds), "--max-steps", "20"];

interface TorchConfig {
	layout: "nchw" | "channels_last";
	blasThreads: number;
}
const torchConfigs: TorchConfig[] = (flags["torch-configs"] ?? "").split(",").map((spec) => {
	const [layout, threads] = spec.split(":");
	const n = Number(threads);
	if ((layout !== "nchw" && layout !== "channels_last") || !Number.isInteger(n) || n < 1)
		fail(`--torch-configs: '${spec}' is not layout:threads with layout nchw or channels_last, e.g. channels_last:2`);
	return { layout, blasThreads: n };
});
const configLabel = (c: TorchConfig, layoutMatters = true) =>
	`${layoutMatters ? c.layout : "layout n/a"}, OpenBLAS ${c.blasThreads} thread${c.blasThreads === 1 ? "" : "s"}`;

// --- Machine peak ----------------------------------------------------------------------------

const cpus = os.cpus();
const addon = loadNativeAddon().addon;
let peak: { gflops: number; how: string };
if (flags["peak-gflops"]) peak = { gflops: Number(flags["peak-gflops"]), how: "given by --peak-gflops" };
else if (addon) {
	const m = addon.measurePeak(3);
	peak = {
		gflops: m.gflops,
		how: `measured: fp32 FMA chains (${m.isa}) on ${m.threads} threads, sum of each thread's best 10 ms round`,
	};
} else
	peak = {
		gflops: 115 * CORES,
		how: "assumed: 115 GFLOP/s per core (AVX2 FMA at ~3.6 GHz), no addon to measure it",
	};

const python =
	findPythonWithTorch(flags.python) ??
	fail("PyTorch not found: bash scripts/setup.sh --bench (python3-torch, libopenblas0-pthread), or --python");
const loadAtStart = os.loadavg();
console.log(`genrep benchmark, ${new Date().toISOString()}`);
console.log(
	`machine: ${cpus[0]?.model ?? "unknown"}, ${CORES} cores, Node ${process.version}; ` +
		`peak ${peak.gflops.toFixed(0)} GFLOP/s fp32 (${peak.how}); load average ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}`,
);
console.log(
	`batch ${batch}; precision ${precision}${precision === "bf16" ? " (genrep: oneDNN bf16 convolutions and matrix products; PyTorch: torch.cpu.amp.autocast bf16)" : ""}; ` +
		`${repeats} runs per side per section, alternating; ${timingArgs.join(" ")}; ` +
		`PyTorch configurations searched (${searchSeconds} s each): ${torchConfigs.map((c) => configLabel(c)).join("; ")}`,
);
console.log(
	`children run without ${["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"].filter((k) => ORIGINAL_ENV[k] !== undefined).join(", ") || "(nothing to unset)"}; ` +
		`user environment: ${JSON.stringify(recordedEnv(ORIGINAL_ENV))}`,
);
if (repeats < MIN_REPEATS)
	console.log(`note: ${repeats} runs per side (< ${MIN_REPEATS}): a smoke run, not a measurement to quote`);
if (loadCheck().busy)
	console.log(
		`warning: load average ${loadAtStart[0].toFixed(2)} on ${CORES} cores (> 0.5 per core): other work is running; not a quiet run`,
	);

// --- Work per section: what one step is, and its convolution FLOPs ---------------------------

/** Forward FLOPs of one image through the DCGAN generator's and discriminator's convolutions. */
function dcganConvFlops(): { generator: number; discriminator: number } {
	const w = DCGAN.width;
	const gen: ConvShape[] = [
		// Transposed 4x4 stride 2: the same multiply-adds as the convolution it is the gradient of.
		{ name: "up0", outH: 4, outW: 4, kernel: 4, inChannels: 4 * w, outChannels: 2 * w },
		{ name: "up1", outH: 8, outW: 8, kernel: 4, inChannels: 2 * w, outChannels: w },
		{ name: "up2", outH: 16, outW: 16, kernel: 4, inChannels: w, outChannels: w },
		{ name: "toImage", outH: 32, outW: 32, kernel: 3, inChannels: w, outChannels: DCGAN.channels },
	];
	const disc: ConvShape[] = [
		{ name: "conv0", outH: 16, outW: 16, kernel: 4, inChannels: DCGAN.channels, outChannels: w },
		{ name: "conv1", outH: 8, outW: 8, kernel: 4, inChannels: w, outChannels: 2 * w },
		{ name: "conv2", outH: 4, outW: 4, kernel: 4, inChannels: 2 * w, outChannels: 4 * w },
	];
	return { generator: convForwardFlopsPerImage(gen), discriminator: convForwardFlopsPerImage(disc) };
}

interface SectionPlan {
	title: string;
	/** Images per step (for images/s), or null where a step is not images. */
	images: number | null;
	/** Convolution FLOPs of one step, or null where there are none to speak of. */
	convFlops: number | null;
	torchArg: string;
	/** Whether NCHW vs channels_last means anything here (not for the linear probes). */
	layoutMatters: boolean;
	/** Generation: the model directory (for the ONNX export). */
	modelDir?: string;
}

function plan(section: string): SectionPlan {
	const [kind, name] = section.split(":");
	if (kind === "simclr" && isBenchEncoder(name)) {
		const convs = encoderConvs(name, SIMCLR.inChannels, SIMCLR.imageSize);
		return {
			title: `SimCLR training step, ${name} (${batch} images = ${batch / 2} pairs of views, 32x32x1)`,
			images: batch,
			convFlops: 3 * convForwardFlopsPerImage(convs) * batch, // forward, backward data, backward filter
			torchArg: section,
			layoutMatters: true,
		};
	}
	if (kind === "generate") {
		const { generator } = dcganConvFlops();
		const modelDir = path.join(ROOT, "models", name);
		return {
			title: `generation, ${name} (batch ${batch}, images read back)`,
			images: batch,
			convFlops: generator * batch,
			torchArg: `generate:${modelDir}`,
			layoutMatters: true,
			modelDir,
		};
	}
	if (kind === "dcgan") {
		const { generator: g, discriminator: d } = dcganConvFlops();
		// D step: G forward, D forward on real and fake, D backward (data + filter) on both;
		// G step: G forward, D forward, D backward (data only), G backward (data + filter).
		const perImage = g + 2 * d + 2 * (2 * d) + g + d + d + 2 * g;
		return {
			title: `conditional DCGAN training step (D then G, batch ${batch}, Adam)`,
			images: batch,
			convFlops: perImage * batch,
			torchArg: section,
			layoutMatters: true,
		};
	}
	if (kind === "linear-probe") {
		return {
			title: `linear-probe fit (genrep's softmax regression by L-BFGS vs torch.optim.LBFGS), ${PROBE.samples} x ${PROBE.features} -> ${PROBE.classes}, at most 100 iterations`,
			images: null,
			convFlops: null,
			torchArg: section,
			layoutMatters: false,
		};
	}
	return {
		title:
			`gradient-descent probe: multinomial logistic regression, ${PROBE.samples} x ${PROBE.features} -> ${PROBE.classes}, ${PROBE.iterations} full-batch momentum steps ` +
			"(genrep: softmax-regression loss and residual in one pass, two matrix products, its Sgd step; " +
			"PyTorch: nn.Linear, F.cross_entropy, autograd, torch.optim.SGD)",
		images: null,
		convFlops: null,
		torchArg: section,
		layoutMatters: false,
	};
}

// --- Running the sides ----------------------------------------------------------------------

interface Memory {
	rssAfterSetupKB: number;
	rssAfterWarmupKB: number;
	rssEndKB: number;
	maxRssKB: number;
}

interface SideRun {
	timesS: number[];
	medianS: number;
	memory: Memory;
	/** 1-minute load average when the run started (it counts the bench's own earlier runs too). */
	loadAverage: number;
	/** Share of the cores that other processes used while the run ran (null without /proc). */
	othersShare: number | null;
	params?: Record<string, number>;
	env?: Record<string, string>;
	[key: string]: unknown;
}

function runJson(label: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): SideRun {
	const loadAverage = os.loadavg()[0];
	const before = cpuCounters();
	const r = spawnSync(command, args, {
		cwd,
		env,
		encoding: "utf8",
		stdio: ["ignore", "pipe", "inherit"],
		maxBuffer: 64 * 1024 * 1024,
	});
	if (r.error) fail(`${label}: could not start ${command}: ${r.error.message}`);
	if (r.status !== 0) fail(`${label}: ${command} ${args.join(" ")} exited with status ${r.status}`);
	const lines = r.stdout.trim().split("\n");
	const othersShare = othersCpuShare(before, cpuCounters());
	return { ...(JSON.parse(lines[lines.length - 1]) as SideRun), loadAverage, othersShare };
}

const genrepEnv = childEnv();
const genrepRun = (section: string, extra: string[] = []) =>
	runJson(
		`genrep ${section}`,
		process.execPath,
		[
			...["--import", "tsx", GENREP_SCRIPT, section, "--batch", String(batch), "--precision", precision],
			...timingArgs,
			...extra,
		],
		genrepEnv,
		ROOT,
	);

/** PyTorch's environment for a configuration: the user's, OpenBLAS threads as configured. */
const torchEnvOf = (c: TorchConfig) => childEnv({ OPENBLAS_NUM_THREADS: String(c.blasThreads) });
const torchRun = (p: SectionPlan, c: TorchConfig, timing: string[], extra: string[] = []) => {
	const r = runJson(
		`PyTorch ${p.torchArg}`,
		python.python,
		[
			...[TORCH_SCRIPT, p.torchArg, "--batch", String(batch), "--layout", c.layout, "--precision", precision],
			...timing,
			...extra,
		],
		torchEnvOf(c),
		path.dirname(TORCH_SCRIPT),
	);
	if (!r.openblas && !flags["allow-reference-blas"]) {
		fail(
			`PyTorch is not using OpenBLAS (BLAS mapped: ${JSON.stringify(r.blasLibraries)}): its linear layers and ` +
				"transposed convolutions run on the slow reference BLAS and the comparison would flatter genrep. " +
				"Install libopenblas0-pthread (or pass --allow-reference-blas to run anyway).",
		);
	}
	return r;
};

const ortEnv = childEnv();
const ortRun = (onnx: { file: string; latentDim: number; classes: number }, extra: string[] = []) =>
	runJson(
		"onnxruntime-node",
		process.execPath,
		[
			"--import",
			"tsx",
			ORT_SCRIPT,
			...["--onnx", onnx.file, "--latent-dim", String(onnx.latentDim), "--classes", String(onnx.classes)],
			...["--batch", String(batch), "--threads", String(CORES), ...timingArgs, ...extra],
		],
		ortEnv,
		ROOT,
	);

/** Exports a shipped generator with genrep's weights to ONNX through PyTorch (once per section). */
function exportOnnx(modelDir: string, dir: string) {
	const card = JSON.parse(readFileSync(path.join(modelDir, "model.json"), "utf8"));
	const config = card.architectureConfig as { latentDim: number; numClasses: number };
	const file = path.join(dir, `${path.basename(modelDir)}.onnx`);
	const r = spawnSync(
		python.python,
		[
			TORCH_GENERATE_SCRIPT,
			...["--config", JSON.stringify(config), "--weights", path.join(modelDir, "generator.safetensors")],
			...["--export-onnx", file, "--batch", String(batch)],
		],
		{ cwd: path.dirname(TORCH_GENERATE_SCRIPT), env: childEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
	);
	if (r.status !== 0) fail(`ONNX export of ${modelDir} failed: ${(r.stderr ?? "").trim().split("\n").pop()}`);
	return { file, latentDim: config.latentDim, classes: config.numClasses };
}

interface SideSummary {
	runs: number;
	steps: number;
	/** Median over the runs of each run's median step. */
	medianS: number;
	runMediansS: number[];
	/** (slowest run median - fastest) / median. */
	spread: number;
	bestS: number;
	imagesPerS: number | null;
	convGflops: number | null;
	shareOfPeak: number | null;
	rssAfterSetupMB: number;
	/** Peak resident minus resident after setup: what the steps (warm-up included) add. */
	growthMB: number;
	/** Resident at the end minus after the warm-up: drift over the timed steps. */
	driftMB: number;
	peakRssMB: number;
	loadAverages: number[];
	/** Other processes' share of the cores during each run. */
	othersShares: (number | null)[];
}

function summarise(runs: SideRun[], p: SectionPlan): SideSummary {
	const runMediansS = runs.map((r) => r.medianS);
	const medianS = median(runMediansS);
	const convGflops = p.convFlops === null ? null : p.convFlops / medianS / 1e9;
	const mb = (kb: number) => kb / 1024;
	return {
		runs: runs.length,
		steps: runs.reduce((n, r) => n + r.timesS.length, 0),
		medianS,
		runMediansS,
		spread: (Math.max(...runMediansS) - Math.min(...runMediansS)) / medianS,
		bestS: Math.min(...runs.flatMap((r) => r.timesS)),
		imagesPerS: p.images === null ? null : p.images / medianS,
		convGflops,
		shareOfPeak: convGflops === null ? null : convGflops / peak.gflops,
		rssAfterSetupMB: median(runs.map((r) => mb(r.memory.rssAfterSetupKB))),
		growthMB: median(runs.map((r) => mb(r.memory.maxRssKB - r.memory.rssAfterSetupKB))),
		driftMB: median(runs.map((r) => mb(r.memory.rssEndKB - r.memory.rssAfterWarmupKB))),
		peakRssMB: Math.max(...runs.map((r) => mb(r.memory.maxRssKB))),
		loadAverages: runs.map((r) => Number(r.loadAverage.toFixed(2))),
		othersShares: runs.map((r) => (r.othersShare === null ? null : Number(r.othersShare.toFixed(4)))),
	};
}

/** Ratio of each pair of runs (the i-th of each side), other / genrep: > 1 means genrep is faster. */
function pairedRatios(ours: SideRun[], theirs: SideRun[]) {
	const ratios = ours.map((g, i) => theirs[i].medianS / g.medianS);
	return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), all: ratios };
}

function checkParams(section: string, other: string, ours: SideRun, theirs: SideRun): void {
	const a = JSON.stringify(Object.entries(ours.params ?? {}).sort());
	const b = JSON.stringify(Object.entries(theirs.params ?? {}).sort());
	if (a === "[]" || a !== b)
		fail(
			`${section}: parameter counts differ: genrep ${JSON.stringify(ours.params)} vs ${other} ${JSON.stringify(theirs.params)}; ` +
				"the two sides must run the same model (fix bench/torch_*.py)",
		);
}

const fmt = (x: number | null, d = 1) => (x === null ? "-" : x.toFixed(d));
const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)}%`);

function describeGenrepEnv(r: SideRun): string {
	const onednn = r.onednn as { library: string; threads: number } | null;
	const set = (r.setByGenrep as string[]) ?? [];
	return (
		`genrep: ${r.backend}, native kernels ${((r.nativeKernels as string[]) ?? []).length ? "on" : `off (${r.nativeReason})`}; ` +
		`${onednn ? `${onednn.library}, ${onednn.threads} threads` : "no oneDNN"}; env ${JSON.stringify(r.env)}` +
		(set.length ? ` (${set.join(", ")} set by genrep's addon loader)` : "")
	);
}

function describeTorchEnv(r: SideRun): string {
	const ob = r.openblas as { corename: string; threads: number; parallel: string; config: string } | null;
	const dnn = r.onednn as { version: string | null; isa: string | null; convImplementation: string | null } | null;
	return (
		`PyTorch ${r.torchVersion} (Python ${r.python}): ${r.threads} threads, ATen CPU capability ${r.cpuCapability}, ` +
		`OpenMP ${r.openmp ?? "?"}; ${ob ? `OpenBLAS core ${ob.corename}, ${ob.threads} threads (${ob.parallel}; ${ob.config})` : `BLAS ${JSON.stringify(r.blasLibraries)}, not OpenBLAS`}; ` +
		`oneDNN ${dnn?.version ?? "?"} ISA ${dnn?.isa ?? "?"}, conv ${dnn?.convImplementation ?? "?"}; env ${JSON.stringify(r.env)}`
	);
}

// --- Sections -------------------------------------------------------------------------------

const results: Record<string, unknown> = {};
const summaryRows: string[][] = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), "genrep-bench-"));
let busyRuns = 0;
let totalRuns = 0;
try {
	for (const section of sections) {
		const p = plan(section);
		console.log(`\n## ${p.title}`);

		// 1. PyTorch's best configuration for this section.
		const configs = p.layoutMatters
			? torchConfigs
			: torchConfigs.filter((c, i) => torchConfigs.findIndex((d) => d.blasThreads === c.blasThreads) === i);
		const search = configs.map((c) => {
			process.stderr.write(`  ${section}: PyTorch configuration search, ${configLabel(c, p.layoutMatters)}\n`);
			const r = torchRun(p, c, searchArgs);
			return { config: c, label: configLabel(c, p.layoutMatters), medianS: r.medianS, steps: r.timesS.length };
		});
		const best = search.reduce((a, b) => (b.medianS < a.medianS ? b : a));
		console.log(
			`PyTorch configurations (short runs, median step): ${search.map((s) => `${s.label} ${fmt(s.medianS, 3)} s`).join("; ")}; ` +
				`best: ${best.label}`,
		);

		// 2. Alternating runs; the first genrep run writes the generation output check.
		const onnx = p.modelDir && !flags["no-onnx"] ? exportOnnx(p.modelDir, tmp) : null;
		const checkFile = p.modelDir ? path.join(tmp, `${section.replace(/\W/g, "_")}-check.safetensors`) : null;
		const ours: SideRun[] = [];
		const theirs: SideRun[] = [];
		const ort: SideRun[] = [];
		for (let r = 0; r < repeats; r++) {
			const sides = ["genrep", "torch", ...(onnx ? ["ort"] : [])];
			// Rotate which side goes first, so that drifting load hits all alike.
			const order = sides.map((_, i) => sides[(i + r) % sides.length]);
			if (r === 0 && checkFile) order.splice(0, order.length, ...sides); // genrep first: it writes the check
			for (const side of order) {
				process.stderr.write(`  ${section}: ${side} run ${r + 1}/${repeats}\n`);
				const check = r === 0 && checkFile;
				if (side === "genrep") ours.push(genrepRun(section, check ? ["--write-check", checkFile] : []));
				else if (side === "torch")
					theirs.push(torchRun(p, best.config, timingArgs, check ? ["--check", checkFile] : []));
				else if (onnx) ort.push(ortRun(onnx, check ? ["--check", checkFile] : []));
			}
		}
		checkParams(section, "PyTorch", ours[0], theirs[0]);

		const g = summarise(ours, p);
		const t = summarise(theirs, p);
		const o = ort.length ? summarise(ort, p) : null;
		const speed = pairedRatios(ours, theirs);
		const ortSpeed = ort.length ? pairedRatios(ours, ort) : null;
		const all = [...ours, ...theirs, ...ort];
		const busy = all.filter((r) => r.othersShare !== null && r.othersShare > QUIET_OTHERS_SHARE);
		busyRuns += busy.length;
		totalRuns += all.length;

		const row = (name: string, s: SideSummary) => [
			name,
			`${fmt(s.medianS, 3)} s`,
			`${fmt(Math.min(...s.runMediansS), 3)}-${fmt(Math.max(...s.runMediansS), 3)} s (${pct(s.spread)})`,
			`${fmt(s.bestS, 3)} s`,
			String(s.steps),
			fmt(s.imagesPerS),
			fmt(s.convGflops),
			pct(s.shareOfPeak),
			`${fmt(s.rssAfterSetupMB, 0)} MB`,
			`${fmt(s.growthMB, 0)} MB`,
			s.othersShares.map((x) => (x === null ? "-" : pct(x))).join(", "),
		];
		console.log(
			markdownTable(
				[
					"",
					"median step",
					"run medians (spread)",
					"best step",
					"steps",
					"images/s",
					"conv GFLOP/s",
					"of peak",
					"RSS after setup",
					"growth in steps",
					"others' CPU share",
				],
				[
					row("genrep", g),
					row(`PyTorch ${String(theirs[0].torchVersion)} (${best.label})`, t),
					...(o ? [row(`onnxruntime-node ${String(ort[0].ortVersion)}`, o)] : []),
				],
			),
		);
		console.log(
			`parameters: ${JSON.stringify(ours[0].params)} on both sides; genrep / PyTorch speed ${speed.median.toFixed(2)} ` +
				`(runs ${speed.min.toFixed(2)}-${speed.max.toFixed(2)})` +
				(ortSpeed
					? `; genrep / onnxruntime ${ortSpeed.median.toFixed(2)} (runs ${ortSpeed.min.toFixed(2)}-${ortSpeed.max.toFixed(2)})`
					: ""),
		);
		const checks = [theirs[0].check, ort[0]?.check].filter(Boolean) as { samples: number; maxAbsDiff: number }[];
		if (checks.length)
			console.log(
				`same weights, same ${checks[0].samples} latents: max |genrep - PyTorch| ${theirs[0].check ? (theirs[0].check as { maxAbsDiff: number }).maxAbsDiff.toExponential(2) : "-"}` +
					(ort[0]?.check
						? `, max |genrep - onnxruntime| ${(ort[0].check as { maxAbsDiff: number }).maxAbsDiff.toExponential(2)}`
						: ""),
			);
		let lbfgs: Record<string, unknown> | null = null;
		if (section === "linear-probe") {
			const a = ours[ours.length - 1];
			const b = theirs[theirs.length - 1];
			const ga = Number(a.finalLoss);
			const tb = Number(b.finalLoss);
			const perEval = (s: SideSummary, r: SideRun) => s.medianS / Number(r.evaluations);
			lbfgs = {
				genrep: { finalLoss: ga, evaluations: a.evaluations, iterations: a.iterations, stop: a.stop },
				pytorch: { finalLoss: tb, initialLoss: b.initialLoss, evaluations: b.evaluations, iterations: b.iterations },
				finalLossDifference: ga - tb,
				perEvaluationSpeed: perEval(t, b) / perEval(g, a),
			};
			console.log(
				`final loss: genrep ${ga.toFixed(6)} (${a.iterations} iterations, ${a.evaluations} evaluations, stop: ${a.stop}), ` +
					`PyTorch ${tb.toFixed(6)} (${b.iterations} iterations, ${b.evaluations} evaluations; initial ${Number(b.initialLoss).toFixed(6)}); ` +
					`genrep - PyTorch ${(ga - tb).toExponential(2)}${ga > tb * (1 + 1e-4) ? " (genrep stopped at a worse fit: compare the speeds with that in mind)" : ""}; ` +
					`per evaluation ${(1000 * perEval(g, a)).toFixed(1)} ms vs ${(1000 * perEval(t, b)).toFixed(1)} ms`,
			);
		}
		if (busy.length)
			console.log(
				`warning: in ${busy.length} of ${all.length} runs other processes used more than ${pct(QUIET_OTHERS_SHARE)} of the cores ` +
					`(${busy.map((r) => pct(r.othersShare)).join(", ")}): not a quiet run`,
			);
		if (section === sections[0]) {
			console.log(describeGenrepEnv(ours[0]));
			console.log(describeTorchEnv(theirs[0]));
			console.log(`PyTorch child environment changes: ${JSON.stringify(envChanges(torchEnvOf(best.config)))}`);
		}

		const strip = (r: SideRun) => {
			const { timesS: _t, ...rest } = r;
			return rest;
		};
		results[section] = {
			title: p.title,
			images: p.images,
			convFlopsPerStep: p.convFlops,
			params: ours[0].params,
			pytorchSearch: search,
			pytorchConfig: best.config,
			genrep: { ...g, first: strip(ours[0]), timesS: ours.map((r) => r.timesS) },
			pytorch: { ...t, first: strip(theirs[0]), timesS: theirs.map((r) => r.timesS) },
			...(o ? { onnxruntime: { ...o, first: strip(ort[0]), timesS: ort.map((r) => r.timesS) } } : {}),
			speedRatio: speed,
			...(ortSpeed ? { onnxruntimeSpeedRatio: ortSpeed } : {}),
			...(lbfgs ? { lbfgs } : {}),
			busyRuns: busy.length,
		};
		summaryRows.push([
			section,
			`${speed.median.toFixed(2)} (${speed.min.toFixed(2)}-${speed.max.toFixed(2)})`,
			ortSpeed ? `${ortSpeed.median.toFixed(2)} (${ortSpeed.min.toFixed(2)}-${ortSpeed.max.toFixed(2)})` : "-",
			best.label,
			g.shareOfPeak === null ? "-" : `${pct(g.shareOfPeak)} / ${pct(t.shareOfPeak)}`,
			`${fmt(g.rssAfterSetupMB, 0)} + ${fmt(g.growthMB, 0)} / ${fmt(t.rssAfterSetupMB, 0)} + ${fmt(t.growthMB, 0)} MB`,
		]);
	}
} finally {
	rmSync(tmp, { recursive: true, force: true });
}

console.log(
	"\n## Summary (speed = other / genrep step time, > 1 means genrep is faster; median of paired runs, range)\n",
);
console.log(
	markdownTable(
		[
			"section",
			"genrep / PyTorch",
			"genrep / onnxruntime",
			"PyTorch configuration",
			"conv share of peak (genrep / PyTorch)",
			"RSS after setup + growth (genrep / PyTorch)",
		],
		summaryRows,
	),
);
const loadAtEnd = os.loadavg();
console.log(
	`\nload average at the start ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}, at the end ${loadAtEnd.map((l) => l.toFixed(2)).join(" ")}`,
);
if (busyRuns)
	console.log(
		`warning: in ${busyRuns} of ${totalRuns} runs other processes used more than ${pct(QUIET_OTHERS_SHARE)} of the cores: rerun on a quiet machine before quoting these ratios`,
	);

if (flags.out) {
	mkdirSync(path.dirname(flags.out), { recursive: true });
	const out = {
		date: new Date().toISOString(),
		command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
		machine: { cpuModel: cpus[0]?.model ?? "unknown", cores: CORES, node: process.version },
		peak,
		loadAverage: { start: loadAtStart, end: loadAtEnd },
		busyRuns,
		totalRuns,
		userEnv: recordedEnv(ORIGINAL_ENV),
		batch,
		precision,
		repeats,
		torchConfigs,
		pythonTorch: python.python,
		sections: results,
	};
	writeFileSync(flags.out, `${JSON.stringify(out, null, "\t")}\n`);
	console.log(`wrote ${path.relative(process.cwd(), flags.out)}`);
}
