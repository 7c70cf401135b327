/**
 * Engine benchmark: one training step of a small ResNet classifier and of a conditional DCGAN,
 * on genrep's engine and in PyTorch (bench/torch_engine.py), with the same models.
 *
 *   npm run bench:engine -- [--backend wasm|cpu] [--batch 256] [--no-torch] [--out FILE]
 *
 * PyTorch runs in its best configuration per model: a short search over {NCHW, channels_last}
 * x {OpenBLAS 1 thread, one per core} picks it (bench/env.ts gives it the user's environment
 * without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE). Parameter counts are asserted equal.
 * One run per side: `npm run bench` is the measurement with repeats and spread.
 * Prints a Markdown table per model and writes bench/results/engine.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type EngineInfo, initEngine, tf } from "../src/engine/backend.js";
import { loadNativeAddon, nativeKernelStats } from "../src/engine/native/index.js";
import { Dense } from "../src/engine/nn/layers.js";
import { Rng } from "../src/engine/rng.js";
import { ResNet, type ResNetConfig } from "../src/learners/encoders/resnet.js";
import {
	type ConvShape,
	convForwardFlopsPerImage,
	findPythonWithTorch,
	markdownTable,
	runPythonJson,
	slowerFaster,
	type Timing,
	type TimingOptions,
	timeSteps,
} from "./common.js";
import { DCGAN, makeDcganStep } from "./dcganStep.js";
import { childEnv, loadCheck } from "./env.js";

const RESNET: ResNetConfig = { widths: [16, 32, 64], blocks: [1, 1, 1], inChannels: 1 };
const IMAGE_SIZE = 32;
const NUM_CLASSES = 10;
const SEED = 1;
const TORCH_SCRIPT = fileURLToPath(new URL("./torch_engine.py", import.meta.url));
const DEFAULT_OUT = fileURLToPath(new URL("./results/engine.json", import.meta.url));
const TORCH_MISSING = "PyTorch not found: bash scripts/setup.sh --bench (python3-torch, libopenblas0-pthread)";

const { values: flags } = parseArgs({
	options: {
		backend: { type: "string" },
		batch: { type: "string", default: "256" },
		warmup: { type: "string", default: "2" },
		"min-steps": { type: "string", default: "5" },
		"min-seconds": { type: "string", default: "10" },
		"max-steps": { type: "string", default: "100" },
		"peak-gflops": { type: "string" },
		python: { type: "string" },
		"no-torch": { type: "boolean", default: false },
		out: { type: "string", default: DEFAULT_OUT },
		help: { type: "boolean", default: false },
	},
	strict: true,
});

if (flags.help) {
	process.stdout.write(
		"usage: npm run bench:engine -- [--backend wasm|cpu] [--batch 256] [--warmup 2] [--min-steps 5]\n" +
			"       [--min-seconds 10] [--max-steps 100] [--peak-gflops N] [--python PATH] [--no-torch] [--out FILE]\n" +
			"--out '' writes no JSON; the default is bench/results/engine.json.\n",
	);
	process.exit(0);
}

function positive(name: string, value: string | undefined, integer: boolean): number {
	const n = Number(value);
	if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
		process.stderr.write(`error: --${name} must be a non-negative ${integer ? "integer" : "number"}, got '${value}'\n`);
		process.exit(2);
	}
	return n;
}

const batch = positive("batch", flags.batch, true);
const timing: TimingOptions = {
	warmup: positive("warmup", flags.warmup, true),
	minSteps: Math.max(1, positive("min-steps", flags["min-steps"], true)),
	minSeconds: positive("min-seconds", flags["min-seconds"], false),
	maxSteps: Math.max(1, positive("max-steps", flags["max-steps"], true)),
};
const cpus = os.cpus();
// The machine's fp32 peak: measured by the addon (FMA chains on every core), else assumed
// 115 GFLOP/s per core (AVX2 FMA), else given.
const measured = flags["peak-gflops"] ? null : (loadNativeAddon().addon?.measurePeak(3) ?? null);
const peakGflops = flags["peak-gflops"]
	? positive("peak-gflops", flags["peak-gflops"], false)
	: (measured?.gflops ?? 115 * cpus.length);
const peakHow = flags["peak-gflops"]
	? "given"
	: measured
		? `measured, ${measured.isa} FMA chains on ${measured.threads} threads`
		: "assumed 115 per core, no addon";

// --- Engine ------------------------------------------------------------------------------

const engine = await initEngine(flags.backend ? { backend: flags.backend } : {});
const date = new Date().toISOString();
const loadAverage = os.loadavg().map((l) => Number(l.toFixed(2)));
const machine = { cpuModel: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version, loadAverage };

console.log(`genrep engine benchmark, ${date}`);
console.log(
	`machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; peak ${peakGflops.toFixed(0)} GFLOP/s fp32 (${peakHow})`,
);
console.log(`engine: ${describeEngine(engine)}`);
if (loadCheck().busy) {
	console.log(
		`warning: load average ${loadAverage[0]} on ${cpus.length} cores (> 0.5 per core): other work is running, not a quiet run`,
	);
}
console.log(
	`batch ${batch}; ${timing.warmup} warm-up steps, then at least ${timing.minSteps} timed steps and ${timing.minSeconds} s`,
);

const pythonTorch = flags["no-torch"] ? null : findPythonWithTorch(flags.python);
if (!flags["no-torch"] && !pythonTorch) console.log(`\n${TORCH_MISSING} (showing genrep's numbers only)`);

function describeEngine(info: EngineInfo): string {
	const { backend, tfjsVersion, customKernels, cpus: _cpus, cpuModel: _model, ...rest } = info;
	const parts = [`backend ${backend}`, `tfjs ${tfjsVersion}`, `custom kernels: ${customKernels.join(", ") || "none"}`];
	for (const [key, value] of Object.entries(rest)) parts.push(`${key}: ${JSON.stringify(value)}`);
	return parts.join("; ");
}

const progress = (label: string) => (i: number, s: number, warmup: boolean) =>
	process.stderr.write(`  ${label} ${warmup ? "warm-up" : "step"} ${i + 1}: ${s.toFixed(3)} s\n`);

/** Times a genrep step (warm-up first) and checks that steps after the first leak no tensors. */
async function timeGenrep(label: string, step: () => Promise<number[]>) {
	let lastLoss: number[] = [];
	const run = async () => {
		lastLoss = await step();
	};
	const report = progress(`genrep ${label}`);
	for (let i = 0; i < timing.warmup; i++) {
		const t = performance.now();
		await run();
		report(i, (performance.now() - t) / 1000, true);
	}
	// The first step creates the optimizer's slots; count tensors from the end of it on.
	let before = timing.warmup > 0 ? tf.memory().numTensors : -1;
	const statsBefore = nativeKernelStats();
	const timed = await timeSteps(run, { ...timing, warmup: 0 }, (i, s, warmup) => {
		if (before < 0) before = tf.memory().numTensors;
		report(i, s, warmup);
	});
	const leakedTensors = tf.memory().numTensors - before;
	if (leakedTensors !== 0) console.log(`warning: genrep ${label} step leaks ${leakedTensors} tensors over the run`);
	// Native kernel calls per timed step (empty when the native kernels are not registered).
	const nativeCallsPerStep: Record<string, { native: number; fallback: number }> = {};
	for (const [kernel, after] of Object.entries(nativeKernelStats())) {
		const b = statsBefore[kernel] ?? { native: 0, fallback: 0 };
		nativeCallsPerStep[kernel] = {
			native: (after.native - b.native) / timed.steps,
			fallback: (after.fallback - b.fallback) / timed.steps,
		};
	}
	const calls = Object.entries(nativeCallsPerStep).map(([k, c]) => `${k} ${c.native}/${c.native + c.fallback}`);
	console.log(
		`genrep native kernel calls per step (native/all): ${calls.length ? calls.join(", ") : "none registered"}`,
	);
	return { ...timed, lastLoss, leakedTensors, nativeCallsPerStep };
}

// --- Section 1: ResNet classifier, SGD with momentum -------------------------------------

/** The convolutions of ResNet(config) on size x size inputs, mirroring its constructor. */
function resnetConvs(config: ResNetConfig, size: number): ConvShape[] {
	const convs: ConvShape[] = [];
	const conv = (name: string, out: number, kernel: number, inChannels: number, outChannels: number) =>
		convs.push({ name, outH: out, outW: out, kernel, inChannels, outChannels });
	conv("stem", size, 3, config.inChannels, config.widths[0]);
	let inCh = config.widths[0];
	config.widths.forEach((width, i) => {
		for (let b = 0; b < config.blocks[i]; b++) {
			const stride = b === 0 && i > 0 ? 2 : 1;
			size = Math.ceil(size / stride);
			conv(`stage${i}.block${b}.conv1`, size, 3, inCh, width);
			conv(`stage${i}.block${b}.conv2`, size, 3, width, width);
			if (stride !== 1 || inCh !== width) conv(`stage${i}.block${b}.shortcut`, size, 1, inCh, width);
			inCh = width;
		}
	});
	return convs;
}

interface TorchResult extends Timing {
	model: string;
	torchVersion: string;
	python: string;
	threads: number;
	cpuCount: number;
	blasLibraries: string[];
	openblas: { corename: string; threads: number; parallel: string } | null;
	cpuCapability: string;
	onednn: { isa: string | null; convImplementation: string | null } | null;
	env: Record<string, string>;
	params: number | Record<string, number>;
	generatorParams?: number;
	discriminatorParams?: number;
	lastLoss: number | number[];
}

/**
 * PyTorch's configurations: layout x OpenBLAS threads. PyTorch calls OpenBLAS inside its own
 * parallel loops (ConvTranspose2d's im2col path), where an OpenBLAS thread per core can
 * oversubscribe the cores (measured once: a DCGAN step of 2-12 s instead of 1.2-1.4 s), and
 * with one thread where it calls OpenBLAS outside them; so both are tried, and each layout.
 */
interface TorchConfig {
	layout: "nchw" | "channels_last";
	blasThreads: number;
}
const TORCH_CONFIGS: TorchConfig[] = (["nchw", "channels_last"] as const).flatMap((layout) =>
	[1, cpus.length].map((blasThreads) => ({ layout, blasThreads })),
);
const configLabel = (c: TorchConfig) =>
	`${c.layout}, OpenBLAS ${c.blasThreads} thread${c.blasThreads === 1 ? "" : "s"}`;

/** The latest PyTorch result (its environment fields describe every run). */
let lastTorch: TorchResult | null = null;

function torchOnce(model: "resnet" | "dcgan", c: TorchConfig, t: TimingOptions): TorchResult {
	if (!pythonTorch) throw new Error("no PyTorch");
	return runPythonJson<TorchResult>(
		pythonTorch.python,
		TORCH_SCRIPT,
		[
			["--model", model, "--batch", String(batch), "--layout", c.layout, "--seed", String(SEED)],
			["--warmup", String(t.warmup), "--min-steps", String(t.minSteps)],
			["--min-seconds", String(t.minSeconds), "--max-steps", String(t.maxSteps)],
		].flat(),
		childEnv({ OPENBLAS_NUM_THREADS: String(c.blasThreads) }),
	);
}

/** A short run of every configuration, then the full run of the fastest. */
function runTorch(model: "resnet" | "dcgan"): (TorchResult & { config: TorchConfig; search: unknown[] }) | null {
	if (!pythonTorch) return null;
	const short: TimingOptions = { warmup: 1, minSteps: 2, minSeconds: Math.min(3, timing.minSeconds), maxSteps: 20 };
	const search = TORCH_CONFIGS.map((c) => {
		process.stderr.write(`  PyTorch ${model}: configuration search, ${configLabel(c)}\n`);
		return { config: c, medianS: torchOnce(model, c, short).medianS };
	});
	const best = search.reduce((a, b) => (b.medianS < a.medianS ? b : a));
	console.log(
		`PyTorch configurations (short runs): ${search.map((r) => `${configLabel(r.config)} ${r.medianS.toFixed(3)} s`).join("; ")}; best ${configLabel(best.config)}`,
	);
	process.stderr.write(`  PyTorch ${model}: ${configLabel(best.config)}\n`);
	lastTorch = torchOnce(model, best.config, timing);
	return { ...lastTorch, config: best.config, search };
}

function checkParams(label: string, ours: number, theirs: number | Record<string, number> | undefined): void {
	if (theirs === undefined) return;
	if (ours !== theirs) {
		console.log(`error: ${label}: genrep has ${ours} parameters but the PyTorch model has ${theirs}`);
		process.exit(1);
	}
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const pct = (n: number) => `${(100 * n).toFixed(1)}%`;

async function benchResNet() {
	console.log(`\n## ResNet classifier step: widths [16, 32, 64], blocks [1, 1, 1], 32x32x1, SGD momentum 0.9`);
	const net = new ResNet(RESNET, SEED);
	const head = new Dense(net.store, "head", net.featureDim, NUM_CLASSES);
	const vars = [...net.store.trainable.values()];
	const opt = tf.train.momentum(0.03, 0.9);
	const rng = new Rng(SEED);
	const xValues = new Float32Array(batch * IMAGE_SIZE * IMAGE_SIZE * RESNET.inChannels);
	for (let i = 0; i < xValues.length; i++) xValues[i] = 2 * rng.uniform() - 1;
	const labels = Int32Array.from({ length: batch }, () => rng.int(NUM_CLASSES));
	const x = tf.tensor4d(xValues, [batch, IMAGE_SIZE, IMAGE_SIZE, RESNET.inChannels]);
	const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), NUM_CLASSES));

	const step = async () => {
		const loss = opt.minimize(
			() => tf.losses.softmaxCrossEntropy(y, head.apply(net.apply(x, true))) as tf.Scalar,
			true,
			vars,
		);
		if (!loss) throw new Error("minimize returned no loss");
		const value = (await loss.data())[0];
		loss.dispose();
		return [value];
	};
	const ours = await timeGenrep("resnet", step);
	const params = net.store.count();
	opt.dispose();
	tf.dispose([x, y]);
	net.dispose();

	const torch = runTorch("resnet");
	checkParams("ResNet + head", params, torch?.params);

	const convs = resnetConvs(RESNET, IMAGE_SIZE);
	const forwardFlops = convForwardFlopsPerImage(convs); // per image
	const stepFlops = 3 * forwardFlops * batch; // forward + backward data + backward filter
	const side = (t: Timing) => {
		const imagesPerS = batch / t.medianS;
		const convGflops = stepFlops / t.medianS / 1e9;
		return {
			medianStepS: t.medianS,
			bestStepS: Math.min(...t.timesS),
			steps: t.steps,
			imagesPerS,
			convGflops,
			shareOfPeak: convGflops / peakGflops,
		};
	};
	const g = side(ours);
	const p = torch ? side(torch) : null;
	const ratio = p ? g.imagesPerS / p.imagesPerS : null;

	const row = (name: string, s: ReturnType<typeof side>) => [
		name,
		`${fmt(s.medianStepS, 3)} s`,
		`${fmt(s.bestStepS, 3)} s`,
		String(s.steps),
		fmt(s.imagesPerS),
		fmt(s.convGflops),
		pct(s.shareOfPeak),
	];
	console.log(
		`parameters: genrep ${params}${torch ? `, PyTorch ${torch.params} (equal)` : ""}; conv FLOPs per step ` +
			`${fmt(stepFlops / 1e9, 2)} G (3 x ${fmt(forwardFlops / 1e6, 2)} M forward per image x ${batch})`,
	);
	console.log(
		`last loss: genrep ${ours.lastLoss[0].toFixed(4)}${torch ? `, PyTorch ${(torch.lastLoss as number).toFixed(4)}` : ""}`,
	);
	console.log();
	console.log(
		markdownTable(
			["", "median step", "best step", "steps", "images/s", "conv GFLOP/s", "of peak"],
			[
				row(`genrep (${engine.backend})`, g),
				...(p && torch ? [row(`PyTorch ${torch.torchVersion} (${configLabel(torch.config)})`, p)] : []),
			],
		),
	);
	if (ratio !== null) console.log(`\ngenrep / PyTorch images/s: ${ratio.toFixed(3)} (${slowerFaster(ratio)})`);
	return {
		config: RESNET,
		optimizer: { name: "sgd", lr: 0.03, momentum: 0.9 },
		params,
		convForwardFlopsPerImage: forwardFlops,
		convFlopsPerStep: stepFlops,
		genrep: {
			...g,
			timesS: ours.timesS,
			lastLoss: ours.lastLoss[0],
			leakedTensors: ours.leakedTensors,
			nativeCallsPerStep: ours.nativeCallsPerStep,
		},
		pytorch:
			p && torch
				? {
						...p,
						timesS: torch.timesS,
						lastLoss: torch.lastLoss,
						params: torch.params,
						config: torch.config,
						search: torch.search,
					}
				: null,
		ratio,
	};
}

// --- Section 2: conditional DCGAN, hinge loss, Adam ----------------------------------------

async function benchDcgan() {
	console.log(
		`\n## DCGAN step (D then G): latentDim 64, 10 classes, width 32, 1 channel, hinge loss, Adam 2e-4 (0.5, 0.999)`,
	);
	const dcganStep = makeDcganStep(batch, SEED);
	const ours = await timeGenrep("dcgan", () => dcganStep.step());
	const gParams = dcganStep.generatorParams;
	const dParams = dcganStep.discriminatorParams;
	dcganStep.dispose();

	const torch = runTorch("dcgan");
	checkParams("DCGAN generator", gParams, torch?.generatorParams);
	checkParams("DCGAN discriminator", dParams, torch?.discriminatorParams);

	const row = (name: string, t: Timing) => [
		name,
		`${fmt(t.medianS, 3)} s`,
		`${fmt(Math.min(...t.timesS), 3)} s`,
		String(t.steps),
		fmt(batch / t.medianS),
	];
	console.log(
		`parameters: generator ${gParams}, discriminator ${dParams}` +
			(torch ? `; PyTorch ${torch.generatorParams}, ${torch.discriminatorParams} (equal)` : ""),
	);
	const [dl, gl] = ours.lastLoss;
	const tl = torch?.lastLoss as number[] | undefined;
	console.log(
		`last loss D/G: genrep ${dl.toFixed(4)}/${gl.toFixed(4)}${tl ? `, PyTorch ${tl[0].toFixed(4)}/${tl[1].toFixed(4)}` : ""}`,
	);
	console.log();
	console.log(
		markdownTable(
			["", "median step", "best step", "steps", "images/s"],
			[
				row(`genrep (${engine.backend})`, ours),
				...(torch ? [row(`PyTorch ${torch.torchVersion} (${configLabel(torch.config)})`, torch)] : []),
			],
		),
	);
	const ratio = torch ? torch.medianS / ours.medianS : null;
	if (ratio !== null) console.log(`\ngenrep / PyTorch steps/s: ${ratio.toFixed(3)} (${slowerFaster(ratio)})`);
	return {
		config: DCGAN,
		loss: "hinge",
		optimizer: { name: "adam", lr: 2e-4, beta1: 0.5, beta2: 0.999 },
		params: { generator: gParams, discriminator: dParams },
		genrep: {
			medianStepS: ours.medianS,
			bestStepS: Math.min(...ours.timesS),
			steps: ours.steps,
			imagesPerS: batch / ours.medianS,
			timesS: ours.timesS,
			lastLoss: ours.lastLoss,
			leakedTensors: ours.leakedTensors,
			nativeCallsPerStep: ours.nativeCallsPerStep,
		},
		pytorch: torch
			? {
					medianStepS: torch.medianS,
					bestStepS: Math.min(...torch.timesS),
					steps: torch.steps,
					imagesPerS: batch / torch.medianS,
					timesS: torch.timesS,
					lastLoss: torch.lastLoss,
					params: { generator: torch.generatorParams, discriminator: torch.discriminatorParams },
					config: torch.config,
					search: torch.search,
				}
			: null,
		ratio,
	};
}

// --- Run ---------------------------------------------------------------------------------

const resnet = await benchResNet();
const dcgan = await benchDcgan();

let pytorchInfo: Record<string, unknown> | null = null;
// (assigned inside runTorch, which the compiler's flow analysis does not see)
const last = lastTorch as TorchResult | null;
if (pythonTorch && last) {
	const { torchVersion, python, threads, cpuCount, blasLibraries, openblas, cpuCapability, onednn, env } = last;
	pytorchInfo = { torchVersion, python, threads, cpuCount, blasLibraries, openblas, cpuCapability, onednn, env };
	console.log(
		`\nPyTorch ${torchVersion} (${pythonTorch.python}, Python ${python}), ${threads} threads of ${cpuCount} CPUs, ` +
			`ATen CPU capability ${cpuCapability}; BLAS: ${openblas ? `OpenBLAS core ${openblas.corename}, ${openblas.threads} threads` : "NOT OpenBLAS"} ` +
			`${JSON.stringify(blasLibraries)}; oneDNN ISA ${onednn?.isa ?? "?"} (conv ${onednn?.convImplementation ?? "?"})` +
			(Object.keys(env).length ? `; env ${JSON.stringify(env)}` : ""),
	);
	if (!openblas) {
		console.log(
			"warning: PyTorch is not using OpenBLAS, so its linear layers and transposed convolutions are slow " +
				"and the comparison flatters genrep: apt-get install libopenblas0-pthread",
		);
	}
}

if (flags.out) {
	const results = {
		date,
		machine,
		peakGflops,
		engine,
		batch,
		timing,
		pytorch: pythonTorch ? { executable: pythonTorch.python, ...pytorchInfo } : { missing: TORCH_MISSING },
		resnet,
		dcgan,
	};
	mkdirSync(path.dirname(flags.out), { recursive: true });
	writeFileSync(flags.out, `${JSON.stringify(results, null, "\t")}\n`);
	const shown = path.relative(process.cwd(), flags.out);
	console.log(`\nwrote ${shown.startsWith("..") ? flags.out : shown}`);
}
