/**
 * genrep's side of one `npm run bench` section, in a process of its own so that its memory
 * is the section's alone. Prints one JSON line last: timings, memory (resident after setup,
 * after the warm-up and at the end; peak), parameter counts, the environment (recorded
 * variables, which of them the addon set, oneDNN's version and ISA, threads).
 *
 *   npx tsx bench/genrepSection.ts simclr:<encoder>|dcgan|generate:<name>|linear-probe|probe
 *       [--batch 256] [--warmup 2] [--min-steps 5] [--min-seconds 10] [--max-steps 100]
 */

import { parseArgs } from "node:util";
import { initEngine, tf } from "../src/engine/backend.js";
import { loadNativeAddon, nativeKernelStats } from "../src/engine/native/index.js";
import { type TimingOptions, timeSteps } from "./common.js";
import { ORIGINAL_ENV, recordedEnv } from "./env.js";
import { makeWorkload, requirePrecision } from "./workloads.js";

const { values: flags, positionals } = parseArgs({
	options: {
		batch: { type: "string", default: "256" },
		warmup: { type: "string", default: "2" },
		"min-steps": { type: "string", default: "5" },
		"min-seconds": { type: "string", default: "10" },
		"max-steps": { type: "string", default: "100" },
		"write-check": { type: "string" },
		precision: { type: "string", default: "fp32" },
	},
	allowPositionals: true,
	strict: true,
});
const section = positionals[0] ?? "";
const batch = Number(flags.batch);
const timing: TimingOptions = {
	warmup: Number(flags.warmup),
	minSteps: Number(flags["min-steps"]),
	minSeconds: Number(flags["min-seconds"]),
	maxSteps: Number(flags["max-steps"]),
};

const engine = await initEngine();
const precision = requirePrecision(flags.precision);
const work = await makeWorkload(section, batch);
const rssKB = () => Math.round(process.memoryUsage.rss() / 1024);
const rssAfterSetupKB = rssKB();
for (let i = 0; i < timing.warmup; i++) await work.step();
const rssAfterWarmupKB = rssKB();
const tensorsBefore = tf.memory().numTensors;
const statsBefore = nativeKernelStats();
const timed = await timeSteps(work.step, { ...timing, warmup: 0 }, (i, s) =>
	process.stderr.write(`  genrep ${section} step ${i + 1}: ${s.toFixed(3)} s\n`),
);
const leakedTensors = tf.memory().numTensors - tensorsBefore;
const nativeCallsPerStep: Record<string, number> = {};
for (const [kernel, after] of Object.entries(nativeKernelStats())) {
	const calls = (after.native - (statsBefore[kernel]?.native ?? 0)) / timed.steps;
	if (calls > 0) nativeCallsPerStep[kernel] = calls;
}
const memory = {
	rssAfterSetupKB,
	rssAfterWarmupKB,
	rssEndKB: rssKB(),
	// Peak resident memory of this process (kilobytes on Linux, as Python's ru_maxrss).
	maxRssKB: process.resourceUsage().maxRSS,
};
if (flags["write-check"]) {
	if (!work.writeCheck) throw new Error(`--write-check: section ${section} has no output check`);
	await work.writeCheck(flags["write-check"]);
}
work.dispose();
const addon = loadNativeAddon().addon;
const env = recordedEnv();
console.log(
	JSON.stringify({
		section,
		batch,
		backend: engine.backend,
		nativeKernels: engine.nativeKernels,
		...(engine.nativeReason ? { nativeReason: engine.nativeReason } : {}),
		onednn: addon ? addon.info() : null,
		precision: precision.precision,
		env,
		// Variables genrep itself set in its process (the addon's loader: OMP_WAIT_POLICY).
		setByGenrep: Object.keys(env).filter((k) => ORIGINAL_ENV[k] === undefined),
		...timed,
		params: work.params,
		...work.info,
		leakedTensors,
		nativeCallsPerStep,
		memory,
	}),
);
