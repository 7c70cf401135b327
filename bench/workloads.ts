/** The genrep workloads `npm run bench` times and bench/profile.ts profiles, by section name. */
import { tf } from "../src/engine/backend.js";
import { isPrecision, type PrecisionChoice, setNativePrecision } from "../src/engine/native/index.js";
import { gradsByName } from "../src/engine/nn/params.js";
import { Sgd } from "../src/engine/optim/sgd.js";
import { Rng } from "../src/engine/rng.js";
import { fitSoftmaxRegression } from "../src/evaluation/representation/softmaxRegression.js";
import { writeSafetensors } from "../src/formats/safetensors.js";
import { loadGenerator } from "../src/generators/load.js";
import { sampleLatents } from "../src/generators/sampling.js";
import { TfjsGenerator } from "../src/generators/tfjsGenerator.js";
import { createEncoder, isEncoderName } from "../src/learners/encoders/registry.js";
import { Learner } from "../src/learners/learner.js";
import { openSource } from "../src/learners/sources/index.js";
import { decaysWeight } from "../src/learners/trainer.js";
import { SimclrAugment } from "../src/views/pixel/simclrAugment.js";
import { makeDcganStep } from "./dcganStep.js";
import { fitProbe, LINEAR_PROBE_WEIGHT_DECAY, makeLinearProbeData, makeProbeData, PROBE } from "./linearProbeFit.js";
import { isBenchEncoder, makeSimclrStep } from "./simclrStep.js";

const SEED = 1;

/**
 * The phase of the `train:<encoder>` step now running (forward through the encoder, forward
 * through head and loss, backward, optimizer), for bench/profile.ts; "step" elsewhere.
 */
export const PHASE = { name: "step", onChange: null as ((next: string) => void) | null };

/** Enters phase `name` (bench/profile.ts files the time since the last change under the old one). */
export function setPhase(name: string): void {
	PHASE.onChange?.(name);
	PHASE.name = name;
}

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

/**
 * The workload of a bench section: simclr:<encoder>, train:<encoder> (the trainer's step,
 * `batch` pairs), live:<generator> (a live step's batch), dcgan, generate:<generator>,
 * linear-probe, probe.
 */
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
	if (kind === "train" && name && isEncoderName(name)) {
		// The trainer's SimCLR step (src/learners/trainer.ts): Learner + Sgd with weight decay on
		// the weights, `batch` pairs (2 x batch images) of fixed views.
		const encoder = createEncoder(name, { seed: SEED });
		const rng = new Rng(SEED);
		const learner = new Learner("simclr", encoder, { numClasses: 0, latentDim: 0, temperature: 0.1 }, rng);
		const sgd = new Sgd(learner.trainable, { decays: decaysWeight });
		const values = (seed: number) => {
			const r = new Rng(seed);
			return Float32Array.from({ length: batch * 32 * 32 }, () => 2 * r.uniform() - 1);
		};
		const a = tf.tensor4d(values(1), [batch, 32, 32, 1]); // [B, 32, 32, 1]
		const b = tf.tensor4d(values(2), [batch, 32, 32, 1]);
		const apply = encoder.apply.bind(encoder);
		encoder.apply = (x, training) => {
			setPhase("forward: encoder");
			const features = apply(x, training);
			setPhase("forward: head + loss");
			return features;
		};
		const info = { lastLoss: Number.NaN };
		return {
			step: async () => {
				const loss = tf.tidy(() => {
					const vars = [...learner.trainable.values()];
					const { value, grads } = tf.variableGrads(() => {
						const l = learner.loss({ a, b });
						setPhase("backward");
						return l;
					}, vars);
					setPhase("optimizer");
					sgd.apply(gradsByName(learner.trainable, grads), 0.03);
					return value;
				});
				setPhase("read loss");
				info.lastLoss = (await loss.data())[0];
				loss.dispose();
				setPhase("step");
			},
			dispose: () => {
				tf.dispose([a, b]);
				learner.dispose();
				sgd.dispose();
				encoder.dispose();
			},
			params: { "encoder+head": encoder.store.count() + learner.heads.count() },
			info,
		};
	}
	if (kind === "live" && name) {
		// What the trainer's feed prepares per step of live:<name> --view gaussian --sigma 0.5:
		// G + T_z (`batch` anchors and one view each) and T_x of both images.
		const data = { kind: "live", generator: name, view: { kind: "gaussian", sigma: 0.5 } } as const;
		const source = await openSource(data, new Rng(SEED).fork("data"));
		const plan = { batchSize: batch, group: false, views: 2, inputShape: source.imageShape };
		const augment = new SimclrAugment({});
		const rng = new Rng(SEED);
		let step = 0;
		return {
			step: async () => {
				setPhase("generate + latent view");
				const raw = await source.batch(step, batch);
				setPhase("pixel views");
				const shape = [batch, ...source.imageShape] as [number, number, number, number];
				augment.apply(raw.a, shape, rng.fork(`a-${step}`));
				augment.apply(raw.b, shape, rng.fork(`b-${step}`));
				setPhase("step");
				step++;
			},
			dispose: () => source.dispose(),
			params: {},
			info: { plan },
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
	throw new Error(
		`unknown section '${section}': simclr:<encoder>, train:<encoder>, live:<generator>, dcgan, generate:<generator>, linear-probe or probe`,
	);
}

/**
 * Sets the native kernels to a bench's `--precision` (after initEngine); a bad value, or bf16
 * where it would fall back to fp32, is an error: a bench must time what it was asked to.
 */
export function requirePrecision(flag: string | undefined): PrecisionChoice {
	if (flag === undefined || !isPrecision(flag)) throw new Error(`--precision must be fp32 or bf16, got '${flag}'`);
	const choice = setNativePrecision(flag);
	if (choice.reason) throw new Error(`--precision ${flag}: ${choice.reason}`);
	return choice;
}
