/**
 * Per-kernel profile of a benchmark workload (default: the trainer's SimCLR step): every
 * kernel of the active backend is wrapped with a timer. tfjs kernels on wasm and the native
 * addon are synchronous, so wall time around each kernel call is its cost. Each kernel call
 * is filed under the phase it ran in (train:<encoder>: forward through the encoder, head +
 * loss, backward, optimizer; live:<generator>: generation, pixel views) and where it ran:
 *
 *   native oneDNN    convolutions and matrix products in the addon (all cores)
 *   native custom    genrep's own OpenMP kernels in the addon (pointwise, batch norm)
 *   wasm, genrep     genrep's kernels for the wasm backend (src/engine/kernels/), one thread
 *   wasm, tfjs       tfjs's own wasm kernels, one thread
 *   no compute       kernels that only share data (Identity, same-dtype Cast)
 *
 * and the time of each phase outside any kernel is "JS" (tape, tidy, dispatch, host loops).
 * For train:<encoder> it also prints the step's convolution FLOPs at the measured peak.
 *
 *   npx tsx bench/profile.ts [--section train:resnet10-w32] [--batch 256] [--steps 8] [--by-shape]
 *                            [--precision fp32|bf16]
 *
 * The default of 8 timed steps dilutes a first-touch stall that the first timed step can still
 * hit after the two warm-up steps (one 67 MB batch-norm gradient of resnet10-w32 measured 171 ms
 * there against 7 ms in every later step).
 *
 * Sections as in bench/workloads.ts: train:<encoder>, live:<generator>, simclr:<encoder>,
 * dcgan, generate:<generator>, probe. --by-shape adds a row per kernel and input shapes.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { initEngine, tf } from "../src/engine/backend.js";
import { WASM_KERNELS } from "../src/engine/kernels/index.js";
import { loadNativeAddon, nativeKernelStats } from "../src/engine/native/index.js";
import { isEncoderName } from "../src/learners/encoders/registry.js";
import { convForwardFlopsPerImage, markdownTable } from "./common.js";
import { encoderConvs } from "./simclrStep.js";
import { makeWorkload, PHASE, requirePrecision } from "./workloads.js";

const { values: flags } = parseArgs({
	options: {
		section: { type: "string", default: "train:resnet10-w32" },
		batch: { type: "string", default: "256" },
		steps: { type: "string", default: "8" },
		"by-shape": { type: "boolean", default: false },
		precision: { type: "string", default: "fp32" },
		json: { type: "string" },
	},
	strict: true,
});
const section = flags.section ?? "train:resnet10-w32";
const batch = Number(flags.batch);
const steps = Number(flags.steps);
const byShape = flags["by-shape"] ?? false;

const ONEDNN = new Set<string>([tf.Conv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter, tf.BatchMatMul]);
const NO_COMPUTE = new Set<string>([tf.Identity, tf.Cast]);
const GENREP_WASM = new Set(WASM_KERNELS.map((k) => k.kernelName));

/** "Multiply [256,32,32,16] x [16]": a kernel call by its input shapes (for --by-shape). */
function shapeKey(name: string, inputs: tf.NamedTensorInfoMap): string {
	return `${name} ${Object.values(inputs)
		.map((t) => `[${t?.shape}]`)
		.join(" x ")}`;
}

const engine = await initEngine();
const precision = requirePrecision(flags.precision);
interface Entry {
	phase: string;
	kernel: string;
	where: string;
	calls: number;
	ms: number;
	/** CPU milliseconds of the process (every thread) during the calls. */
	cpuMs: number;
}
const cpuMsNow = () => {
	const u = process.cpuUsage();
	return (u.user + u.system) / 1000;
};
/** Per phase, kernel and place: calls and milliseconds while `recording`. */
const totals = new Map<string, Entry>();
const shapes = new Map<string, Entry>();
/** Per phase: wall milliseconds while recording (from the workload's phase changes). */
const phaseMs = new Map<string, { ms: number; cpuMs: number }>();
let recording = false;
let phaseStart = 0;
let phaseCpuStart = 0;
let phaseName = PHASE.name;
PHASE.onChange = (next) => {
	const now = performance.now();
	const cpu = cpuMsNow();
	if (recording) {
		const e = phaseMs.get(phaseName) ?? { ms: 0, cpuMs: 0 };
		e.ms += now - phaseStart;
		e.cpuMs += cpu - phaseCpuStart;
		phaseMs.set(phaseName, e);
	}
	phaseStart = now;
	phaseCpuStart = cpu;
	phaseName = next;
};
const nativeCount = (name: string) => nativeKernelStats()[name]?.native ?? 0;
for (const config of tf.getKernelsForBackend(engine.backend)) {
	const inner = config.kernelFunc;
	const name = config.kernelName;
	const maybeNative = engine.nativeKernels.includes(name);
	tf.unregisterKernel(name, engine.backend);
	tf.registerKernel({
		...config,
		setupFunc: undefined, // already ran when the backend initialised
		kernelFunc: (args) => {
			if (!recording) return inner(args);
			const before = maybeNative ? nativeCount(name) : 0;
			const c = cpuMsNow();
			const t = performance.now();
			const out = inner(args);
			const ms = performance.now() - t;
			const cpuMs = cpuMsNow() - c;
			const native = maybeNative && nativeCount(name) > before;
			const where = native
				? ONEDNN.has(name)
					? "native oneDNN"
					: "native custom"
				: NO_COMPUTE.has(name)
					? "no compute"
					: GENREP_WASM.has(name)
						? "wasm, genrep"
						: `${engine.backend}, tfjs`;
			const add = (map: Map<string, Entry>, kernel: string) => {
				const key = `${phaseName}|${kernel}|${where}`;
				const e = map.get(key) ?? { phase: phaseName, kernel, where, calls: 0, ms: 0, cpuMs: 0 };
				e.calls++;
				e.ms += ms;
				e.cpuMs += cpuMs;
				map.set(key, e);
			};
			add(totals, name);
			if (byShape) add(shapes, shapeKey(name, args.inputs));
			return out;
		},
	});
}

const run = await makeWorkload(section, batch);
await run.step(); // optimizer slots, primitive caches
await run.step();
phaseName = PHASE.name;
const start = performance.now();
const cpuStart = cpuMsNow();
phaseStart = start;
phaseCpuStart = cpuStart;
recording = true;
for (let i = 0; i < steps; i++) await run.step();
const stepMs = (performance.now() - start) / steps;
const stepCpuMs = (cpuMsNow() - cpuStart) / steps;
PHASE.onChange?.(PHASE.name); // files the last phase
recording = false;
run.dispose();

const entries = [...totals.values()];
const kernelMs = entries.reduce((s, e) => s + e.ms, 0);
const rows: Entry[] = [...entries];
for (const [phase, t] of phaseMs) {
	const inPhase = entries.filter((e) => e.phase === phase);
	const ms = t.ms - inPhase.reduce((s, e) => s + e.ms, 0);
	const cpuMs = t.cpuMs - inPhase.reduce((s, e) => s + e.cpuMs, 0);
	if (ms > 0 || cpuMs > 0)
		rows.push({
			phase,
			kernel: "(outside kernels)",
			where: "JS",
			calls: 0,
			ms: Math.max(ms, 0),
			cpuMs: Math.max(cpuMs, 0),
		});
}
const totalMs = rows.reduce((s, e) => s + e.ms, 0);
const totalCpuMs = rows.reduce((s, e) => s + e.cpuMs, 0);
const cores = os.cpus().length;
/**
 * A quiet machine's wall time, estimated from CPU time (far less sensitive to other work than
 * wall time): native kernels keep every core busy, wasm and JS one.
 */
const quietMs = (e: Entry) => (e.where.startsWith("native") ? e.cpuMs / cores : e.cpuMs);
const totalQuietMs = rows.reduce((s, e) => s + quietMs(e), 0);
const load = os.loadavg();
console.log(
	`${section}, batch ${batch}, ${steps} steps, ${precision.precision}, backend ${engine.backend}, native kernels: ${engine.nativeKernels.join(", ") || "none"}; ` +
		`load average ${load.map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} cores`,
);
console.log(
	`step ${stepMs.toFixed(1)} ms wall, ${stepCpuMs.toFixed(1)} ms CPU (all threads); in kernels ${(kernelMs / steps).toFixed(1)} ms wall ` +
		`(${((100 * kernelMs) / steps / stepMs).toFixed(0)}%); quiet-machine estimate from CPU time ${(totalQuietMs / steps).toFixed(1)} ms\n`,
);
const pct = (ms: number, total: number) => `${((100 * ms) / total).toFixed(1)}%`;
/** Rows of wall ms, CPU ms and the quiet estimate, with shares, summed by `key`. */
const grouped = (key: (e: Entry) => string) => {
	const sums = new Map<string, { ms: number; cpuMs: number; quiet: number }>();
	for (const e of rows) {
		const s = sums.get(key(e)) ?? { ms: 0, cpuMs: 0, quiet: 0 };
		s.ms += e.ms;
		s.cpuMs += e.cpuMs;
		s.quiet += quietMs(e);
		sums.set(key(e), s);
	}
	return [...sums]
		.sort((a, b) => b[1].quiet - a[1].quiet)
		.map(([k, s]) => [
			k,
			(s.ms / steps).toFixed(1),
			pct(s.ms, totalMs),
			(s.cpuMs / steps).toFixed(1),
			pct(s.cpuMs, totalCpuMs),
			(s.quiet / steps).toFixed(1),
			pct(s.quiet, totalQuietMs),
		]);
};
const cols = ["wall ms/step", "share", "CPU ms/step", "share", "quiet est. ms", "share"];
console.log(
	markdownTable(
		["where", ...cols],
		grouped((e) => e.where),
	),
);
console.log("");
console.log(
	markdownTable(
		["phase", ...cols],
		grouped((e) => e.phase),
	),
);
console.log("");
const table = (list: Entry[]) =>
	list
		.sort((a, b) => quietMs(b) - quietMs(a))
		.map((e) => [
			e.phase,
			e.kernel,
			e.where,
			e.calls ? (e.calls / steps).toFixed(0) : "-",
			(e.ms / steps).toFixed(1),
			(e.cpuMs / steps).toFixed(1),
			(quietMs(e) / steps).toFixed(1),
			pct(quietMs(e), totalQuietMs),
		]);
const kernelCols = ["calls/step", "wall ms", "CPU ms", "quiet est. ms", "share (quiet est.)"];
console.log(markdownTable(["phase", "kernel", "where", ...kernelCols], table(rows)));
if (byShape) {
	console.log("");
	console.log(markdownTable(["phase", "kernel and input shapes", "where", ...kernelCols], table([...shapes.values()])));
}
const [kind, name] = section.split(":");
let efficiency: Record<string, number> | null = null;
if (kind === "train" && name && isEncoderName(name)) {
	const addon = loadNativeAddon().addon;
	if (addon) {
		const peak = addon.measurePeak(1);
		const flops = 3 * convForwardFlopsPerImage(encoderConvs(name, 1, 32)) * 2 * batch; // forward + 2x backward, 2B images
		const gflops = flops / (stepMs / 1000) / 1e9;
		const quietStepMs = totalQuietMs / steps;
		const quietGflops = flops / (quietStepMs / 1000) / 1e9;
		efficiency = {
			convGflopPerStep: flops / 1e9,
			gflops,
			peakGflops: peak.gflops,
			share: gflops / peak.gflops,
			quietStepMs,
			quietGflops,
			quietShare: quietGflops / peak.gflops,
		};
		console.log(
			`\nconvolution FLOPs ${(flops / 1e9).toFixed(1)} GFLOP a step (${2 * batch} images, forward + backward): in the wall time ` +
				`(${stepMs.toFixed(0)} ms) ${gflops.toFixed(0)} GFLOP/s, ${(100 * efficiency.share).toFixed(1)}% of the peak measured now ` +
				`(${peak.gflops.toFixed(0)} GFLOP/s, ${peak.isa}, ${peak.threads} threads, under the same load); in the quiet estimate ` +
				`(${quietStepMs.toFixed(0)} ms) ${quietGflops.toFixed(0)} GFLOP/s, ${(100 * efficiency.quietShare).toFixed(1)}% of that peak`,
		);
	}
}
if (flags.json) {
	const { writeFileSync } = await import("node:fs");
	writeFileSync(
		flags.json,
		`${JSON.stringify({ section, batch, steps, stepMs, stepCpuMs, loadAverage: load, rows, efficiency }, null, "\t")}\n`,
	);
}
