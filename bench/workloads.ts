/** The genrep workloads `npm run bench` times and bench/profile.ts profiles, by section name. */
import { tf } from "../src/engine/backend.js";
import { Rng } from "../src/engine/rng.js";
import { fitSoftmaxRegression } from "../src/evaluation/representation/softmaxRegression.js";
import { loadGenerator } from "../src/generators/load.js";
import { sampleLatents } from "../src/generators/sampling.js";
import { isEncoderName } from "../src/learners/encoders/registry.js";
import { makeDcganStep } from "./dcganStep.js";
import { fitProbe, LINEAR_PROBE_WEIGHT_DECAY, makeLinearProbeData, makeProbeData } from "./linearProbeFit.js";
import { makeSimclrStep } from "./simclrStep.js";

const SEED = 1;

/** What one section's step is: the step, what to dispose, and facts for the report. */
export interface Workload {
	step: () => Promise<unknown>;
	dispose: () => void;
	info: Record<string, unknown>;
}

/** The workload of a bench section: simclr:<encoder>, dcgan, generate:<generator>, linear-probe, probe. */
export async function makeWorkload(section: string, batch: number): Promise<Workload> {
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
	if (kind === "linear-probe") {
		// One L-BFGS fit of genrep's linear probe (defaults: 100 iterations, memory 10).
		const data = makeLinearProbeData(SEED);
		const info = { evaluations: 0, iterations: 0, stop: "" };
		return {
			step: async () => {
				const r = await fitSoftmaxRegression(data, { weightDecay: LINEAR_PROBE_WEIGHT_DECAY });
				Object.assign(info, { evaluations: r.evaluations, iterations: r.iterations, stop: r.stop });
			},
			dispose: () => data.dispose(),
			info,
		};
	}
	if (kind === "probe") {
		const data = makeProbeData(SEED);
		return { step: () => fitProbe(data), dispose: () => data.dispose(), info: {} };
	}
	throw new Error(`unknown section '${section}': simclr:<encoder>, dcgan, generate:<generator>, linear-probe or probe`);
}
