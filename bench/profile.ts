/**
 * Per-kernel profile of a benchmark workload (default: the SimCLR step): every kernel of the
 * active backend is wrapped with a timer. tfjs kernels on wasm and the native addon are
 * synchronous, so wall time around each kernel call is its cost.
 *
 *   npx tsx bench/profile.ts [--section simclr:resnet-tiny] [--batch 256] [--steps 3] [--by-shape]
 *
 * Sections as in `npm run bench` (bench/workloads.ts): simclr:<encoder>, dcgan,
 * generate:<generator>, probe.
 *
 * --by-shape adds a row per kernel and input shapes (indented) under the kernel totals.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { initEngine, tf } from "../src/engine/backend.js";
import { markdownTable } from "./common.js";
import { makeWorkload } from "./workloads.js";

const { values: flags } = parseArgs({
	options: {
		section: { type: "string", default: "simclr:resnet-tiny" },
		batch: { type: "string", default: "256" },
		steps: { type: "string", default: "3" },
		"by-shape": { type: "boolean", default: false },
	},
	strict: true,
});
const section = flags.section ?? "simclr:resnet-tiny";
const batch = Number(flags.batch);
const steps = Number(flags.steps);
const byShape = flags["by-shape"] ?? false;

/** "Multiply [256,32,32,16] x [16]": a kernel call by its input shapes (for --by-shape). */
function shapeKey(name: string, inputs: tf.NamedTensorInfoMap): string {
	return `  ${name} ${Object.values(inputs)
		.map((t) => `[${t?.shape}]`)
		.join(" x ")}`;
}

const engine = await initEngine();
/** Per kernel: calls and milliseconds while `recording`. */
const totals = new Map<string, { calls: number; ms: number }>();
let recording = false;
for (const config of tf.getKernelsForBackend(engine.backend)) {
	const inner = config.kernelFunc;
	const name = config.kernelName;
	tf.unregisterKernel(name, engine.backend);
	tf.registerKernel({
		...config,
		setupFunc: undefined, // already ran when the backend initialised
		kernelFunc: (args) => {
			if (!recording) return inner(args);
			const t = performance.now();
			const out = inner(args);
			const ms = performance.now() - t;
			for (const key of [name, ...(byShape ? [shapeKey(name, args.inputs)] : [])]) {
				const entry = totals.get(key) ?? { calls: 0, ms: 0 };
				entry.calls++;
				entry.ms += ms;
				totals.set(key, entry);
			}
			return out;
		},
	});
}

const run = await makeWorkload(section, batch);
await run.step(); // optimizer slots, primitive caches
await run.step();
recording = true;
const start = performance.now();
for (let i = 0; i < steps; i++) await run.step();
const stepMs = (performance.now() - start) / steps;
recording = false;
run.dispose();

const kernelMs = [...totals]
	.filter(([k]) => !k.startsWith(" "))
	.map(([, e]) => e)
	.reduce((s, e) => s + e.ms, 0);
const rows = [...totals]
	.sort((a, b) => b[1].ms - a[1].ms)
	.map(([name, e]) => [
		name,
		(e.calls / steps).toFixed(0),
		(e.ms / steps).toFixed(1),
		`${((100 * e.ms) / kernelMs / 1).toFixed(1)}%`,
	]);
console.log(
	`${section}, batch ${batch}, ${steps} steps, backend ${engine.backend}, native kernels: ${engine.nativeKernels.join(", ") || "none"}; load average ${os
		.loadavg()
		.map((l) => l.toFixed(2))
		.join(" ")}`,
);
console.log(
	`step ${stepMs.toFixed(1)} ms, in kernels ${(kernelMs / steps).toFixed(1)} ms (${((100 * kernelMs) / steps / stepMs).toFixed(0)}%)\n`,
);
console.log(markdownTable(["kernel", "calls/step", "ms/step", "share of kernel time"], rows));
