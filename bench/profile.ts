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
 *   npx tsx bench/profile.ts [--section train:resnet10-w32] [--batch 256] [--steps 3] [--by-shape]
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
import { makeWorkload, PHASE } from "./workloads.js";

const { values: flags } = parseArgs({
	options: {
		section: { type: "string", default: "train:resnet10-w32" },
		batch: { type: "string", default: "256" },
		steps: { type: "string", default: "3" },
		"by-shape": { type: "boolean", default: false },
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
interface Entry {
	phase: string;
	kernel: string;
	where: string;
	calls: number;
	ms: number;
}
/** Per phase, kernel and place: calls and milliseconds while `recording`. */
const totals = new Map<string, Entry>();
const shapes = new Map<string, Entry>();
/** Per phase: wall milliseconds while recording (from the workload's phase changes). */
const phaseMs = new Map<string, number>();
let recording = false;
let phaseStart = 0;
let phaseName = PHASE.name;
PHASE.onChange = (next) => {
	const now = performance.now();
	if (recording) phaseMs.set(phaseName, (phaseMs.get(phaseName) ?? 0) + now - phaseStart);
	phaseStart = now;
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
			const t = performance.now();
			const out = inner(args);
			const ms = performance.now() - t;
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
				const e = map.get(key) ?? { phase: phaseName, kernel, where, calls: 0, ms: 0 };
				e.calls++;
				e.ms += ms;
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
phaseStart = start;
recording = true;
for (let i = 0; i < steps; i++) await run.step();
const stepMs = (performance.now() - start) / steps;
PHASE.onChange?.(PHASE.name); // files the last phase
recording = false;
run.dispose();

const entries = [...totals.values()];
const kernelMs = entries.reduce((s, e) => s + e.ms, 0);
const rows: Entry[] = [...entries];
for (const [phase, ms] of phaseMs) {
	const inKernels = entries.filter((e) => e.phase === phase).reduce((s, e) => s + e.ms, 0);
	if (ms - inKernels > 0) rows.push({ phase, kernel: "(outside kernels)", where: "JS", calls: 0, ms: ms - inKernels });
}
const totalMs = rows.reduce((s, e) => s + e.ms, 0);
const load = os.loadavg();
console.log(
	`${section}, batch ${batch}, ${steps} steps, backend ${engine.backend}, native kernels: ${engine.nativeKernels.join(", ") || "none"}; ` +
		`load average ${load.map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} cores`,
);
console.log(
	`step ${stepMs.toFixed(1)} ms, in kernels ${(kernelMs / steps).toFixed(1)} ms (${((100 * kernelMs) / steps / stepMs).toFixed(0)}%)\n`,
);
const pct = (ms: number) => `${((100 * ms) / totalMs).toFixed(1)}%`;
const byWhere = new Map<string, number>();
for (const e of rows) byWhere.set(e.where, (byWhere.get(e.where) ?? 0) + e.ms);
console.log(
	markdownTable(
		["where", "ms/step", "share"],
		[...byWhere].sort((a, b) => b[1] - a[1]).map(([w, ms]) => [w, (ms / steps).toFixed(1), pct(ms)]),
	),
);
console.log("");
const byPhase = new Map<string, number>();
for (const e of rows) byPhase.set(e.phase, (byPhase.get(e.phase) ?? 0) + e.ms);
console.log(
	markdownTable(
		["phase", "ms/step", "share"],
		[...byPhase].sort((a, b) => b[1] - a[1]).map(([p, ms]) => [p, (ms / steps).toFixed(1), pct(ms)]),
	),
);
console.log("");
const table = (list: Entry[]) =>
	list
		.sort((a, b) => b.ms - a.ms)
		.map((e) => [
			e.phase,
			e.kernel,
			e.where,
			e.calls ? (e.calls / steps).toFixed(0) : "-",
			(e.ms / steps).toFixed(1),
			pct(e.ms),
		]);
console.log(markdownTable(["phase", "kernel", "where", "calls/step", "ms/step", "share of step"], table(rows)));
if (byShape) {
	console.log("");
	console.log(
		markdownTable(
			["phase", "kernel and input shapes", "where", "calls/step", "ms/step", "share of step"],
			table([...shapes.values()]),
		),
	);
}
const [kind, name] = section.split(":");
let efficiency: Record<string, number> | null = null;
if (kind === "train" && name && isEncoderName(name)) {
	const addon = loadNativeAddon().addon;
	if (addon) {
		const peak = addon.measurePeak(1);
		const flops = 3 * convForwardFlopsPerImage(encoderConvs(name, 1, 32)) * 2 * batch; // forward + 2x backward, 2B images
		const gflops = flops / (stepMs / 1000) / 1e9;
		efficiency = { convGflopPerStep: flops / 1e9, gflops, peakGflops: peak.gflops, share: gflops / peak.gflops };
		console.log(
			`\nconvolution FLOPs ${(flops / 1e9).toFixed(1)} GFLOP a step (${2 * batch} images, forward + backward) in ${stepMs.toFixed(0)} ms: ` +
				`${gflops.toFixed(0)} GFLOP/s, ${(100 * efficiency.share).toFixed(1)}% of the peak measured now (${peak.gflops.toFixed(0)} GFLOP/s, ${peak.isa}, ${peak.threads} threads; under the same load)`,
		);
	}
}
if (flags.json) {
	const { writeFileSync } = await import("node:fs");
	writeFileSync(
		flags.json,
		`${JSON.stringify({ section, batch, steps, stepMs, loadAverage: load, rows, efficiency }, null, "\t")}\n`,
	);
}
