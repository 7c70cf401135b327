/**
 * genrep's side of one `npm run bench` section, in a process of its own so that its peak
 * memory (maxRSS) is the section's alone. Prints one JSON line last.
 *
 *   npx tsx bench/genrepSection.ts simclr:resnet-tiny|simclr:resnet18|dcgan|generate:<name>|probe
 *       [--batch 256] [--warmup 2] [--min-steps 5] [--min-seconds 10] [--max-steps 100]
 */
import { parseArgs } from "node:util";
import { initEngine, tf } from "../src/engine/backend.js";
import { nativeKernelStats } from "../src/engine/native/index.js";
import { Rng } from "../src/engine/rng.js";
import { loadGenerator } from "../src/generators/load.js";
import { sampleLatents } from "../src/generators/sampling.js";
import { isEncoderName } from "../src/learners/encoders/registry.js";
import { type TimingOptions, timeSteps } from "./common.js";
import { makeDcganStep } from "./dcganStep.js";
import { fitProbe, makeProbeData } from "./linearProbeFit.js";
import { makeSimclrStep } from "./simclrStep.js";

const SEED = 1;

const { values: flags, positionals } = parseArgs({
	options: {
		batch: { type: "string", default: "256" },
		warmup: { type: "string", default: "2" },
		"min-steps": { type: "string", default: "5" },
		"min-seconds": { type: "string", default: "10" },
		"max-steps": { type: "string", default: "100" },
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

/** What one section's step is: the step, what to dispose, and facts for the report. */
interface Workload {
	step: () => Promise<unknown>;
	dispose: () => void;
	info: Record<string, unknown>;
}

async function workload(): Promise<Workload> {
	const [kind, name] = section.split(":");
	if (kind === "simclr" && name && isEncoderName(name)) {
		const run = makeSimclrStep(name, batch, SEED);
		return { step: () => run.step(), dispose: () => run.dispose(), info: { params: run.params } };
	}
	if (kind === "dcgan") {
		const run = makeDcganStep(batch, SEED);
		const { generatorParams, discriminatorParams } = run;
		return { step: () => run.step(), dispose: () => run.dispose(), info: { generatorParams, discriminatorParams } };
	}
	if (kind === "generate" && name) {
		const generator = await loadGenerator(name);
		const rng = new Rng(SEED);
		const z = tf.tensor2d(sampleLatents(rng, batch, generator.latentDim, generator.defaultTruncation), [
			batch,
			generator.latentDim,
		]);
		const y =
			generator.numClasses > 0
				? tf.tensor1d(
						Int32Array.from({ length: batch }, () => rng.int(generator.numClasses)),
						"int32",
					)
				: undefined;
		return {
			step: async () => {
				const images = await generator.generate(z, y); // [B, H, W, C], read back like a user would
				await images.data();
				images.dispose();
			},
			dispose: () => {
				tf.dispose([z, ...(y ? [y] : [])]);
				generator.dispose();
			},
			info: { latentDim: generator.latentDim, numClasses: generator.numClasses },
		};
	}
	if (kind === "probe") {
		const data = makeProbeData(SEED);
		return { step: () => fitProbe(data), dispose: () => data.dispose(), info: {} };
	}
	throw new Error(`unknown section '${section}': simclr:<encoder>, dcgan, generate:<generator>, or probe`);
}

const engine = await initEngine();
const work = await workload();
for (let i = 0; i < timing.warmup; i++) await work.step();
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
work.dispose();
console.log(
	JSON.stringify({
		section,
		batch,
		backend: engine.backend,
		nativeKernels: engine.nativeKernels,
		...(engine.nativeReason ? { nativeReason: engine.nativeReason } : {}),
		...timed,
		...work.info,
		leakedTensors,
		nativeCallsPerStep,
		// Peak resident memory of this process (kilobytes on Linux, as Python's ru_maxrss).
		maxRssKB: process.resourceUsage().maxRSS,
	}),
);
