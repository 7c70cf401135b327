/** The genrep workloads `npm run bench` times and bench/profile.ts profiles, by section name. */
import { tf } from "../src/engine/backend.js";
import { Rng } from "../src/engine/rng.js";
import { fitSoftmaxRegression } from "../src/evaluation/representation/softmaxRegression.js";
import { writeSafetensors } from "../src/formats/safetensors.js";
import { loadGenerator } from "../src/generators/load.js";
import { sampleLatents } from "../src/generators/sampling.js";
import { TfjsGenerator } from "../src/generators/tfjsGenerator.js";
import { makeDcganStep } from "./dcganStep.js";
import { fitProbe, LINEAR_PROBE_WEIGHT_DECAY, makeLinearProbeData, makeProbeData, PROBE } from "./linearProbeFit.js";
import { isBenchEncoder, makeSimclrStep } from "./simclrStep.js";

const SEED = 1;

/** What one section's step is: the step, what to dispose, and facts for the report. */
export interface Workload {
	step: () => Promise<unknown>;
	dispose: () => void;
	/** Trainable parameters by part; the bench asserts PyTorch's model has the same counts. */
	params: Record<string, number>;
	info: Record<string, unknown>;
	/** Generation only: writes z, y and the images of the first few latents (for the other sides' output check). */
	writeCheck?: (file: string) => Promise<void>;
}

/** Latents in the output check of generation sections. */
export const CHECK_SAMPLES = 8;

/** The workload of a bench section: simclr:<encoder>, dcgan, generate:<generator>, linear-probe, probe. */
export async function makeWorkload(section: string, batch: number): Promise<Workload> {
	const [kind, name] = section.split(":");
	if (kind === "simclr" && name && isBenchEncoder(name)) {
		const run = makeSimclrStep(name, batch, SEED);
		const info = { lastLoss: Number.NaN };
		return {
			step: async () => {
				info.lastLoss = await run.step();
			},
			dispose: () => run.dispose(),
			params: { "encoder+head": run.params },
			info,
		};
	}
	if (kind === "dcgan") {
		const run = makeDcganStep(batch, SEED);
		const { generatorParams, discriminatorParams } = run;
		const info = { lastLoss: [] as number[] };
		return {
			step: async () => {
				info.lastLoss = await run.step();
			},
			dispose: () => run.dispose(),
			params: { generator: generatorParams, discriminator: discriminatorParams },
			info,
		};
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
			params: generator instanceof TfjsGenerator ? { generator: generator.store.count() } : {},
			info: { latentDim: generator.latentDim, numClasses: generator.numClasses },
			writeCheck: async (file) => {
				const n = Math.min(CHECK_SAMPLES, batch);
				const zc = tf.slice(z, [0, 0], [n, generator.latentDim]);
				const yc = y ? tf.slice(y, [0], [n]) : undefined;
				const images = await generator.generate(zc, yc); // [n, H, W, C]
				await writeSafetensors(file, {
					z: { shape: [n, generator.latentDim], data: (await zc.data()) as Float32Array },
					...(yc ? { y: { shape: [n], data: (await yc.data()) as Int32Array } } : {}),
					images: { shape: images.shape, data: (await images.data()) as Float32Array },
				});
				tf.dispose([zc, images, ...(yc ? [yc] : [])]);
			},
		};
	}
	if (kind === "linear-probe") {
		// One L-BFGS fit of genrep's linear probe (defaults: 100 iterations, memory 10).
		const data = makeLinearProbeData(SEED);
		const info = { evaluations: 0, iterations: 0, stop: "", finalLoss: Number.NaN };
		return {
			step: async () => {
				const r = await fitSoftmaxRegression(data, { weightDecay: LINEAR_PROBE_WEIGHT_DECAY });
				Object.assign(info, { evaluations: r.evaluations, iterations: r.iterations, stop: r.stop, finalLoss: r.value });
			},
			dispose: () => data.dispose(),
			params: { weights: data.columns * data.numClasses },
			info,
		};
	}
	if (kind === "probe") {
		const data = makeProbeData(SEED);
		const info = { lastLoss: Number.NaN };
		return {
			step: async () => {
				info.lastLoss = await fitProbe(data);
			},
			dispose: () => data.dispose(),
			params: { probe: PROBE.features * PROBE.classes + PROBE.classes },
			info,
		};
	}
	throw new Error(`unknown section '${section}': simclr:<encoder>, dcgan, generate:<generator>, linear-probe or probe`);
}
