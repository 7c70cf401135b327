/**
 * `npm run bench`: genrep side by side with PyTorch (Debian python3-torch with OpenBLAS) on
 * the same models and batch sizes, in one run:
 *
 * - SimCLR training step of each encoder preset (encoder + projection head + NT-Xent, SGD
 *   momentum; bench/simclrStep.ts), images/s at batch 256;
 * - generation throughput of the shipped generators (images/s at batch 256);
 * - the conditional DCGAN training step (bench/dcganStep.ts);
 * - a linear-probe fit on 60000 x 64 features: genrep's own (softmax regression by L-BFGS,
 *   src/evaluation/representation/) against torch.optim.LBFGS, and a plain gradient-descent
 *   stand-in on both sides (bench/linearProbeFit.ts);
 * - peak memory (maxRSS) of each, convolution GFLOP/s and their share of the measured peak.
 *
 * Every section runs in fresh processes (bench/genrepSection.ts, bench/torch_bench.py), so
 * each peak memory is the section's own; the sides alternate, `--repeats` times each.
 *
 *   npm run bench -- [--sections a,b] [--repeats 2] [--batch 256] [--min-seconds 10]
 *                    [--python PATH] [--peak-gflops N] [--out bench/results/bench.json]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadNativeAddon } from "../src/engine/native/index.js";
import { type ConvShape, convForwardFlopsPerImage, findPythonWithTorch, markdownTable, median } from "./common.js";
import { DCGAN } from "./dcganStep.js";
import { PROBE } from "./linearProbeFit.js";
import { encoderConvs, SIMCLR } from "./simclrStep.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const GENREP_SCRIPT = fileURLToPath(new URL("./genrepSection.ts", import.meta.url));
const TORCH_SCRIPT = fileURLToPath(new URL("./torch_bench.py", import.meta.url));
const DEFAULT_OUT = fileURLToPath(new URL("./results/bench.json", import.meta.url));
const ALL_SECTIONS = [
	"simclr:resnet-tiny",
	"simclr:resnet18",
	"generate:fashion-mnist-cgan",
	"generate:fashion-mnist-gan",
	"dcgan",
	"linear-probe",
	"probe",
];

const { values: flags } = parseArgs({
	options: {
		sections: { type: "string", default: ALL_SECTIONS.join(",") },
		repeats: { type: "string", default: "2" },
		batch: { type: "string", default: "256" },
		warmup: { type: "string", default: "2" },
		"min-steps": { type: "string", default: "5" },
		"min-seconds": { type: "string", default: "10" },
		"max-steps": { type: "string", default: "100" },
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
		`usage: npm run bench -- [--sections ${ALL_SECTIONS.join(",")}] [--repeats 2] [--batch 256]\n` +
			"       [--warmup 2] [--min-steps 5] [--min-seconds 10] [--max-steps 100] [--python PATH]\n" +
			"       [--peak-gflops N] [--allow-reference-blas] [--out FILE ('' for none)]\n",
	);
	process.exit(0);
}

function fail(message: string): never {
	process.stderr.write(`error: ${message}\n`);
	process.exit(1);
}

const sections = (flags.sections ?? "").split(",").filter(Boolean);
for (const s of sections)
	if (!ALL_SECTIONS.includes(s)) fail(`unknown section '${s}'; known: ${ALL_SECTIONS.join(", ")}`);
const repeats = Number(flags.repeats);
const batch = Number(flags.batch);
if (!(Number.isInteger(repeats) && repeats >= 1)) fail(`--repeats must be a positive integer, got ${flags.repeats}`);
if (!(Number.isInteger(batch) && batch >= 2 && batch % 2 === 0))
	fail(`--batch must be an even integer, got ${flags.batch}`);
const timingArgs = ["warmup", "min-steps", "min-seconds", "max-steps"].flatMap((k) => [
	`--${k}`,
	String(flags[k as "warmup"]),
]);

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
		gflops: 115 * cpus.length,
		how: "assumed: 115 GFLOP/s per core (AVX2 FMA at ~3.6 GHz), no addon to measure it",
	};

const python = findPythonWithTorch(flags.python);
if (!python) fail("PyTorch not found: apt-get install python3-torch libopenblas0-pthread (or pass --python)");
const loadAtStart = os.loadavg();
console.log(`genrep benchmark, ${new Date().toISOString()}`);
console.log(
	`machine: ${cpus[0]?.model ?? "unknown"}, ${cpus.length} cores, Node ${process.version}; ` +
		`peak ${peak.gflops.toFixed(0)} GFLOP/s fp32 (${peak.how}); load average ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}`,
);
console.log(`batch ${batch}; ${repeats} runs per side per section, alternating; ${timingArgs.join(" ")}`);

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
}

function plan(section: string): SectionPlan {
	const [kind, name] = section.split(":");
	if (kind === "simclr") {
		const convs = encoderConvs(name as "resnet-tiny", SIMCLR.inChannels, SIMCLR.imageSize);
		return {
			title: `SimCLR training step, ${name} (${batch} images = ${batch / 2} pairs of views, 32x32x1)`,
			images: batch,
			convFlops: 3 * convForwardFlopsPerImage(convs) * batch, // forward, backward data, backward filter
			torchArg: section,
		};
	}
	if (kind === "generate") {
		const { generator } = dcganConvFlops();
		return {
			title: `generation, ${name} (batch ${batch}, images read back)`,
			images: batch,
			convFlops: generator * batch,
			torchArg: `generate:${path.join(ROOT, "models", name)}`,
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
		};
	}
	if (kind === "linear-probe") {
		return {
			title: `linear-probe fit (genrep's softmax regression by L-BFGS vs torch.optim.LBFGS), ${PROBE.samples} x ${PROBE.features} -> ${PROBE.classes}, at most 100 iterations`,
			images: null,
			convFlops: null,
			torchArg: section,
		};
	}
	return {
		title: `linear-probe stand-in: multinomial logistic regression, ${PROBE.samples} x ${PROBE.features} -> ${PROBE.classes}, ${PROBE.iterations} full-batch momentum steps`,
		images: null,
		convFlops: null,
		torchArg: section,
	};
}

// --- Running the sides ----------------------------------------------------------------------

interface SideRun {
	timesS: number[];
	medianS: number;
	maxRssKB: number;
	loadAverage: number;
	[key: string]: unknown;
}

function runJson(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): SideRun {
	const loadAverage = os.loadavg()[0];
	const r = spawnSync(command, args, {
		cwd,
		env,
		encoding: "utf8",
		stdio: ["ignore", "pipe", "inherit"],
		maxBuffer: 64 * 1024 * 1024,
	});
	if (r.error) throw r.error;
	if (r.status !== 0) fail(`${command} ${args.join(" ")} exited with status ${r.status}`);
	const lines = r.stdout.trim().split("\n");
	return { ...(JSON.parse(lines[lines.length - 1]) as SideRun), loadAverage };
}

const genrepRun = (section: string) =>
	runJson(
		process.execPath,
		["--import", "tsx", GENREP_SCRIPT, section, "--batch", String(batch), ...timingArgs],
		process.env,
		ROOT,
	);

/** As in bench/engine.ts: one OpenBLAS thread inside PyTorch's own threads (no oversubscription). */
const torchEnv: NodeJS.ProcessEnv = { OPENBLAS_NUM_THREADS: "1", ...process.env };
const torchRun = (arg: string) => {
	const r = runJson(
		python.python,
		[TORCH_SCRIPT, arg, "--batch", String(batch), ...timingArgs],
		torchEnv,
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

interface SideSummary {
	runs: number;
	steps: number;
	medianS: number;
	bestS: number;
	runMediansS: number[];
	maxRssMB: number;
	loadAverages: number[];
	imagesPerS: number | null;
	convGflops: number | null;
	shareOfPeak: number | null;
}

function summarise(runs: SideRun[], p: SectionPlan): SideSummary {
	const all = runs.flatMap((r) => r.timesS);
	const medianS = median(all);
	const convGflops = p.convFlops === null ? null : p.convFlops / medianS / 1e9;
	return {
		runs: runs.length,
		steps: all.length,
		medianS,
		bestS: Math.min(...all),
		runMediansS: runs.map((r) => r.medianS),
		maxRssMB: Math.max(...runs.map((r) => r.maxRssKB)) / 1024,
		loadAverages: runs.map((r) => Number(r.loadAverage.toFixed(2))),
		imagesPerS: p.images === null ? null : p.images / medianS,
		convGflops,
		shareOfPeak: convGflops === null ? null : convGflops / peak.gflops,
	};
}

const results: Record<string, unknown> = {};
const summaryRows: string[][] = [];
for (const section of sections) {
	const p = plan(section);
	console.log(`\n## ${p.title}`);
	const ours: SideRun[] = [];
	const theirs: SideRun[] = [];
	for (let r = 0; r < repeats; r++) {
		// Alternate which side goes first, so that drifting load hits both alike.
		const order = r % 2 === 0 ? ["genrep", "torch"] : ["torch", "genrep"];
		for (const side of order) {
			process.stderr.write(`  ${section}: ${side} run ${r + 1}/${repeats}\n`);
			if (side === "genrep") ours.push(genrepRun(section));
			else theirs.push(torchRun(p.torchArg));
		}
	}
	const g = summarise(ours, p);
	const t = summarise(theirs, p);
	const speed = t.medianS / g.medianS; // > 1: genrep faster
	const bestSpeed = t.bestS / g.bestS;
	const memory = g.maxRssMB / t.maxRssMB;
	const fmt = (x: number | null, d = 1) => (x === null ? "-" : x.toFixed(d));
	const row = (name: string, s: SideSummary) => [
		name,
		`${fmt(s.medianS, 3)} s`,
		`${fmt(s.bestS, 3)} s`,
		String(s.steps),
		fmt(s.imagesPerS),
		fmt(s.convGflops),
		s.shareOfPeak === null ? "-" : `${(100 * s.shareOfPeak).toFixed(1)}%`,
		`${fmt(s.maxRssMB, 0)} MB`,
		s.loadAverages.join(", "),
	];
	console.log(
		markdownTable(
			["", "median step", "best step", "steps", "images/s", "conv GFLOP/s", "of peak", "peak RSS", "load avg"],
			[row("genrep", g), row(`PyTorch ${String(theirs[0].torchVersion)}`, t)],
		),
	);
	console.log(
		`genrep / PyTorch speed: ${speed.toFixed(2)} (median), ${bestSpeed.toFixed(2)} (best); peak memory ${memory.toFixed(2)}x`,
	);
	const last = (runs: SideRun[]) => runs[runs.length - 1];
	if (last(ours).evaluations !== undefined) {
		// L-BFGS: the two sides' line searches differ, so compare per evaluation as well.
		const perEval = (runs: SideRun[], s: SideSummary) => s.medianS / Number(last(runs).evaluations);
		console.log(
			`objective evaluations per fit: genrep ${last(ours).evaluations} (${last(ours).iterations} iterations), ` +
				`PyTorch ${last(theirs).evaluations} (${last(theirs).iterations} iterations); per evaluation ` +
				`${(1000 * perEval(ours, g)).toFixed(1)} ms vs ${(1000 * perEval(theirs, t)).toFixed(1)} ms ` +
				`(speed ${(perEval(theirs, t) / perEval(ours, g)).toFixed(2)})`,
		);
	}
	const { timesS: _t, ...genrepFacts } = ours[ours.length - 1];
	const { timesS: _u, ...torchFacts } = theirs[theirs.length - 1];
	results[section] = {
		title: p.title,
		images: p.images,
		convFlopsPerStep: p.convFlops,
		genrep: { ...g, last: genrepFacts, timesS: ours.map((r) => r.timesS) },
		pytorch: { ...t, last: torchFacts, timesS: theirs.map((r) => r.timesS) },
		speedRatio: speed,
		bestSpeedRatio: bestSpeed,
		memoryRatio: memory,
	};
	summaryRows.push([
		section,
		speed.toFixed(2),
		bestSpeed.toFixed(2),
		g.shareOfPeak === null ? "-" : `${(100 * g.shareOfPeak).toFixed(1)}% / ${(100 * (t.shareOfPeak ?? 0)).toFixed(1)}%`,
		`${g.maxRssMB.toFixed(0)} / ${t.maxRssMB.toFixed(0)} MB = ${memory.toFixed(2)}x`,
	]);
}

console.log("\n## Summary (genrep / PyTorch; speed > 1 means genrep is faster)\n");
console.log(
	markdownTable(
		["section", "speed (median)", "speed (best)", "conv share of peak (genrep / PyTorch)", "peak RSS"],
		summaryRows,
	),
);
const loadAtEnd = os.loadavg();
console.log(
	`\nload average at the start ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}, at the end ${loadAtEnd.map((l) => l.toFixed(2)).join(" ")}`,
);

if (flags.out) {
	mkdirSync(path.dirname(flags.out), { recursive: true });
	const out = {
		date: new Date().toISOString(),
		command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
		machine: { cpuModel: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version },
		peak,
		loadAverage: { start: loadAtStart, end: loadAtEnd },
		batch,
		repeats,
		pythonTorch: python.python,
		sections: results,
	};
	writeFileSync(flags.out, `${JSON.stringify(out, null, "\t")}\n`);
	console.log(`wrote ${path.relative(process.cwd(), flags.out)}`);
}
