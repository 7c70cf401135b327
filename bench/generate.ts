/**
 * Sampling benchmark: images per second of a generator at a batch size (default 256) on
 * genrep's engine (`generate()` with its checks, images read back to the host), and of the
 * same DCGAN architecture in PyTorch (bench/torch_generate.py, eval mode, inference_mode),
 * with the same weights; their outputs on a few fixed latents are compared as well.
 *
 *   npm run bench:generate -- [--generator fashion-mnist-cgan|<dir>] [--batch 256] [--no-torch] [--out FILE]
 *
 * When the shipped model is not in models/ yet, a freshly initialised DcganGenerator of the
 * shipped configuration stands in (same architecture and cost; the output says so).
 * Prints a Markdown table and writes bench/results/generate.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type EngineInfo, initEngine, tf } from "../src/engine/backend.js";
import { ParamStore } from "../src/engine/nn/params.js";
import { Rng } from "../src/engine/rng.js";
import { GenrepError } from "../src/errors.js";
import { writeSafetensors } from "../src/formats/safetensors.js";
import { type DcganConfig, DcganGenerator } from "../src/generators/architectures/dcgan.js";
import { saveParams } from "../src/generators/checkpoint.js";
import type { Generator } from "../src/generators/generator.js";
import { loadGenerator } from "../src/generators/load.js";
import { isShippedGenerator } from "../src/generators/registry.js";
import { sampleLatents } from "../src/generators/sampling.js";
import { TfjsGenerator } from "../src/generators/tfjsGenerator.js";
import {
	findPythonWithTorch,
	markdownTable,
	runPythonJson,
	slowerFaster,
	type Timing,
	type TimingOptions,
	timeSteps,
} from "./common.js";
import { childEnv } from "./env.js";

const TORCH_SCRIPT = fileURLToPath(new URL("./torch_generate.py", import.meta.url));
const DEFAULT_OUT = fileURLToPath(new URL("./results/generate.json", import.meta.url));
const TORCH_MISSING = "PyTorch not found: bash scripts/setup.sh --bench (python3-torch, libopenblas0-pthread)";
/** Configurations of the shipped models (scripts that train them use these; the ladder's rungs share them), for the stand-in. */
const SHIPPED_CONFIGS: Record<"fashion-mnist-cgan" | "fashion-mnist-gan", DcganConfig> = {
	"fashion-mnist-cgan": { latentDim: 64, numClasses: 10, width: 32, channels: 1 },
	"fashion-mnist-gan": { latentDim: 64, numClasses: 0, width: 32, channels: 1 },
};
const CHECK_SAMPLES = 8;
const SEED = 1;

const { values: flags } = parseArgs({
	options: {
		generator: { type: "string", default: "fashion-mnist-cgan" },
		backend: { type: "string" },
		batch: { type: "string", default: "256" },
		warmup: { type: "string", default: "2" },
		"min-steps": { type: "string", default: "5" },
		"min-seconds": { type: "string", default: "10" },
		"max-steps": { type: "string", default: "100" },
		python: { type: "string" },
		"no-torch": { type: "boolean", default: false },
		out: { type: "string", default: DEFAULT_OUT },
		help: { type: "boolean", default: false },
	},
	strict: true,
});

if (flags.help) {
	process.stdout.write(
		"usage: npm run bench:generate -- [--generator NAME|DIR] [--backend wasm|cpu] [--batch 256] [--warmup 2]\n" +
			"       [--min-steps 5] [--min-seconds 10] [--max-steps 100] [--python PATH] [--no-torch] [--out FILE]\n" +
			"--out '' writes no JSON; the default is bench/results/generate.json.\n",
	);
	process.exit(0);
}

function count(name: string, value: string | undefined, integer = true): number {
	const n = Number(value);
	if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
		process.stderr.write(`error: --${name} must be a non-negative ${integer ? "integer" : "number"}, got '${value}'\n`);
		process.exit(2);
	}
	return n;
}

const batch = Math.max(1, count("batch", flags.batch));
const timing: TimingOptions = {
	warmup: count("warmup", flags.warmup),
	minSteps: Math.max(1, count("min-steps", flags["min-steps"])),
	minSeconds: count("min-seconds", flags["min-seconds"], false),
	maxSteps: Math.max(1, count("max-steps", flags["max-steps"])),
};

const engine = await initEngine(flags.backend ? { backend: flags.backend } : {});
const cpus = os.cpus();
const date = new Date().toISOString();
const loadAverage = os.loadavg().map((l) => Number(l.toFixed(2)));
const machine = { cpuModel: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version, loadAverage };
const tmp = await mkdtemp(path.join(os.tmpdir(), "genrep-bench-generate-"));

console.log(`genrep sampling benchmark, ${date}`);
console.log(`machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}`);
console.log(`engine: ${describeEngine(engine)}`);
if (loadAverage[0] > 0.5 * cpus.length) {
	console.log(`note: load average ${loadAverage[0]} on ${cpus.length} cores: other work is running, timings are noisy`);
}

function describeEngine(info: EngineInfo): string {
	const parts = [`backend ${info.backend}`, `tfjs ${info.tfjsVersion}`];
	parts.push(`native kernels: ${info.nativeKernels.join(", ") || `none (${info.nativeReason ?? "not loaded"})`}`);
	return parts.join("; ");
}

// --- The generator: the named one, or a fresh stand-in of the shipped configuration --------

interface Source {
	generator: Generator;
	/** What was measured, in words. */
	description: string;
	standIn: boolean;
}

async function openGenerator(nameOrDir: string): Promise<Source> {
	try {
		const generator = await loadGenerator(nameOrDir);
		return { generator, description: `${nameOrDir} (loaded with loadGenerator)`, standIn: false };
	} catch (err) {
		const notInstalled = err instanceof GenrepError && /is not installed/.test(err.message);
		if (!isShippedGenerator(nameOrDir) || !notInstalled) throw err;
		// Same architecture and size, random weights: the same cost per image.
		const config =
			SHIPPED_CONFIGS[nameOrDir.startsWith("fashion-mnist-cgan") ? "fashion-mnist-cgan" : "fashion-mnist-gan"];
		const dir = path.join(tmp, nameOrDir);
		const store = new ParamStore(new Rng(SEED));
		new DcganGenerator(store, config);
		await saveParams(path.join(dir, "generator.safetensors"), store);
		store.dispose();
		const card = {
			format: "genrep-generator/1",
			kind: "tfjs",
			architecture: "dcgan",
			architectureConfig: config,
			latentDim: config.latentDim,
			numClasses: config.numClasses,
			imageShape: [32, 32, config.channels],
			valueRange: [-1, 1],
			defaultTruncation: 2,
		};
		await writeFile(path.join(dir, "model.json"), JSON.stringify(card));
		const generator = await loadGenerator(dir);
		const description = `a freshly initialised DcganGenerator ${JSON.stringify(config)} standing in for ${nameOrDir} (models/${nameOrDir} is not there yet)`;
		return { generator, description, standIn: true };
	}
}

const source = await openGenerator(flags.generator ?? "fashion-mnist-cgan");
const generator = source.generator;
console.log(`${source.standIn ? "note" : "generator"}: ${source.description}`);
const [height, width, channels] = generator.imageShape;
const dcgan =
	generator instanceof TfjsGenerator && generator.card.architecture === "dcgan"
		? (generator.card.architectureConfig as unknown as DcganConfig)
		: null;
console.log(
	`latentDim ${generator.latentDim}, ${generator.numClasses} classes, images ${height}x${width}x${channels}; batch ${batch}; ` +
		`${timing.warmup} warm-up batches, then at least ${timing.minSteps} timed batches and ${timing.minSeconds} s`,
);

// --- genrep -----------------------------------------------------------------------------------

const rng = new Rng(SEED);
const zValues = sampleLatents(rng, batch, generator.latentDim, generator.defaultTruncation);
const labels =
	generator.numClasses > 0 ? Int32Array.from({ length: batch }, () => rng.int(generator.numClasses)) : null;
const z = tf.tensor2d(zValues, [batch, generator.latentDim]);
const y = labels ? tf.tensor1d(labels, "int32") : undefined;
const report = (label: string) => (i: number, s: number, warmup: boolean) =>
	process.stderr.write(`  ${label} ${warmup ? "warm-up" : "batch"} ${i + 1}: ${s.toFixed(3)} s\n`);

const tensorsBefore = tf.memory().numTensors;
const ours = await timeSteps(
	async () => {
		const images = await generator.generate(z, y); // [B, H, W, C]
		await images.data();
		images.dispose();
	},
	timing,
	report("genrep"),
);
const leakedTensors = tf.memory().numTensors - tensorsBefore;
if (leakedTensors !== 0) console.log(`warning: generate() leaked ${leakedTensors} tensors over the run`);

// The same latents of the first samples, for the output check against PyTorch.
const checkFile = path.join(tmp, "check.safetensors");
if (dcgan) {
	const n = Math.min(CHECK_SAMPLES, batch);
	const zCheck = tf.slice(z, [0, 0], [n, generator.latentDim]);
	const yCheck = y ? tf.slice(y, [0], [n]) : undefined;
	const images = await generator.generate(zCheck, yCheck);
	tf.dispose([zCheck, ...(yCheck ? [yCheck] : [])]);
	await writeSafetensors(checkFile, {
		z: { shape: [n, generator.latentDim], data: zValues.slice(0, n * generator.latentDim) },
		...(labels ? { y: { shape: [n], data: labels.slice(0, n) } } : {}),
		images: { shape: [n, height, width, channels], data: (await images.data()) as Float32Array },
	});
	images.dispose();
}

// --- PyTorch ----------------------------------------------------------------------------------

interface TorchResult extends Timing {
	torchVersion: string;
	threads: number;
	openblas: { corename: string; threads: number } | null;
	blasLibraries: string[];
	env: Record<string, string>;
	params: number;
	check: { samples: number; maxAbsDiff: number } | null;
	imagesPerSecond: number;
}

/** PyTorch's configurations (as in bench/bench.ts): layout x OpenBLAS threads; the fastest of a short search runs. */
const TORCH_CONFIGS = (["nchw", "channels_last"] as const).flatMap((layout) =>
	[1, cpus.length].map((blasThreads) => ({ layout, blasThreads })),
);
let torch: (TorchResult & { config: (typeof TORCH_CONFIGS)[number] }) | null = null;
let torchNote: string | null = null;
if (flags["no-torch"]) torchNote = "skipped (--no-torch)";
else if (!dcgan)
	torchNote = "skipped: the PyTorch side rebuilds genrep's dcgan architecture; this generator is not one";
else {
	const python = findPythonWithTorch(flags.python);
	if (!python) torchNote = TORCH_MISSING;
	else {
		const weights = (generator as TfjsGenerator).weightsFile;
		const run = (c: (typeof TORCH_CONFIGS)[number], t: TimingOptions, check: boolean) =>
			runPythonJson<TorchResult>(
				python.python,
				TORCH_SCRIPT,
				[
					["--config", JSON.stringify(dcgan), "--weights", weights, "--layout", c.layout],
					check ? ["--check", checkFile] : [],
					["--batch", String(batch), "--warmup", String(t.warmup), "--min-steps", String(t.minSteps)],
					["--min-seconds", String(t.minSeconds), "--max-steps", String(t.maxSteps), "--seed", String(SEED)],
				].flat(),
				childEnv({ OPENBLAS_NUM_THREADS: String(c.blasThreads) }),
			);
		const short: TimingOptions = { warmup: 1, minSteps: 2, minSeconds: Math.min(3, timing.minSeconds), maxSteps: 20 };
		const search = TORCH_CONFIGS.map((c) => {
			process.stderr.write(`  PyTorch: configuration search, ${c.layout}, OpenBLAS ${c.blasThreads} threads\n`);
			return { c, medianS: run(c, short, false).medianS };
		});
		const best = search.reduce((a, b) => (b.medianS < a.medianS ? b : a)).c;
		console.log(
			`PyTorch configurations (short runs): ${search.map((r) => `${r.c.layout}/${r.c.blasThreads} ${(1000 * r.medianS).toFixed(1)} ms`).join(", ")}`,
		);
		torch = { ...run(best, timing, true), config: best };
	}
}
if (torchNote) console.log(`PyTorch: ${torchNote}`);

// --- Report -----------------------------------------------------------------------------------

const params = generator instanceof TfjsGenerator ? generator.store.count() : null;
if (torch && params !== null && torch.params !== params) {
	console.log(`error: genrep's generator has ${params} parameters but the PyTorch model has ${torch.params}`);
	process.exit(1);
}
const side = (t: Timing) => ({
	imagesPerSecond: batch / t.medianS,
	medianBatchS: t.medianS,
	bestBatchS: Math.min(...t.timesS),
	batches: t.steps,
});
const g = side(ours);
const p = torch ? side(torch) : null;
const ratio = p ? g.imagesPerSecond / p.imagesPerSecond : null;
const row = (name: string, s: ReturnType<typeof side>) => [
	name,
	s.imagesPerSecond.toFixed(0),
	`${(s.medianBatchS * 1000).toFixed(1)} ms`,
	`${(s.bestBatchS * 1000).toFixed(1)} ms`,
	String(s.batches),
];
console.log();
console.log(
	markdownTable(
		["", "images/s", "median batch", "best batch", "batches"],
		[
			row(`genrep (${engine.backend}${engine.nativeKernels.length ? " + native" : ""})`, g),
			...(p && torch
				? [
						row(
							`PyTorch ${torch.torchVersion} (${torch.threads} threads, ${torch.config.layout}, OpenBLAS ${torch.config.blasThreads})`,
							p,
						),
					]
				: []),
		],
	),
);
if (params !== null) console.log(`\nparameters: ${params}${torch ? " (PyTorch: equal)" : ""}`);
if (torch?.check) {
	console.log(
		`same weights, same ${torch.check.samples} latents: max |genrep - PyTorch| = ${torch.check.maxAbsDiff.toExponential(2)}`,
	);
}
if (ratio !== null) console.log(`genrep / PyTorch images/s: ${ratio.toFixed(3)} (${slowerFaster(ratio)})`);

const result = {
	date,
	machine,
	engine,
	generator: {
		requested: flags.generator,
		measured: source.description,
		standIn: source.standIn,
		kind: generator instanceof TfjsGenerator ? "tfjs" : "onnx",
		architectureConfig: dcgan,
		latentDim: generator.latentDim,
		numClasses: generator.numClasses,
		imageShape: generator.imageShape,
		params,
	},
	batch,
	timing,
	genrep: {
		...g,
		timesS: ours.timesS,
		leakedTensors,
		includes: "generate() with input and NaN checks + reading images to host",
	},
	pytorch:
		p && torch
			? {
					...p,
					timesS: torch.timesS,
					torchVersion: torch.torchVersion,
					threads: torch.threads,
					openblas: torch.openblas,
					blasLibraries: torch.blasLibraries,
					env: torch.env,
					config: torch.config,
					includes: "eval-mode forward under torch.inference_mode()",
				}
			: null,
	pytorchNote: torchNote,
	outputCheck: torch?.check ?? null,
	ratio,
};
if (flags.out) {
	mkdirSync(path.dirname(flags.out), { recursive: true });
	writeFileSync(flags.out, `${JSON.stringify(result, null, 2)}\n`);
	console.log(`\nwrote ${path.relative(process.cwd(), flags.out)}`);
}
tf.dispose([z, ...(y ? [y] : [])]);
generator.dispose();
await rm(tmp, { recursive: true, force: true });
