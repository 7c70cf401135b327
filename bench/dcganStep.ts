/**
 * The conditional DCGAN training step the benchmarks time (bench/torch_engine.py's
 * bench_dcgan mirrors it): a discriminator step (hinge loss, no gradient into G), then a
 * generator step (gradients for G only), Adam 2e-4 (0.5, 0.999), random "real" images.
 */
import { tf } from "../src/engine/backend.js";
import { ParamStore } from "../src/engine/nn/params.js";
import { Rng } from "../src/engine/rng.js";
import { type DcganConfig, DcganDiscriminator, DcganGenerator } from "../src/generators/architectures/dcgan.js";

export const DCGAN: DcganConfig = { latentDim: 64, numClasses: 10, width: 32, channels: 1 };
const IMAGE_SIZE = 32;

export interface DcganStep {
	/** One D step and one G step; resolves to [D loss, G loss]. */
	step(): Promise<number[]>;
	generatorParams: number;
	discriminatorParams: number;
	dispose(): void;
}

export function makeDcganStep(batch: number, seed: number): DcganStep {
	const store = new ParamStore(new Rng(seed));
	const generator = new DcganGenerator(store, DCGAN);
	const discriminator = new DcganDiscriminator(store, DCGAN);
	const varsOf = (prefix: string) => [...store.trainable].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
	const gVars = varsOf("generator.");
	const dVars = varsOf("discriminator.");
	const count = (vs: tf.Variable[]) => vs.reduce((n, v) => n + v.size, 0);
	const gOpt = tf.train.adam(2e-4, 0.5, 0.999);
	const dOpt = tf.train.adam(2e-4, 0.5, 0.999);
	const rng = new Rng(seed + 1);
	const realValues = new Float32Array(batch * IMAGE_SIZE * IMAGE_SIZE * DCGAN.channels);
	for (let i = 0; i < realValues.length; i++) realValues[i] = 2 * rng.uniform() - 1;
	const real = tf.tensor4d(realValues, [batch, IMAGE_SIZE, IMAGE_SIZE, DCGAN.channels]);
	const classes = tf.tensor1d(
		Int32Array.from({ length: batch }, () => rng.int(DCGAN.numClasses)),
		"int32",
	);
	let zSeed = seed;
	return {
		generatorParams: count(gVars),
		discriminatorParams: count(dVars),
		async step() {
			const z = tf.randomNormal([batch, DCGAN.latentDim], 0, 1, "float32", zSeed++) as tf.Tensor2D;
			const fake = tf.tidy(() => generator.apply(z, classes, true));
			const dLoss = dOpt.minimize(
				() =>
					tf.add(
						tf.mean(tf.relu(tf.sub(1, discriminator.apply(real, classes)))),
						tf.mean(tf.relu(tf.add(1, discriminator.apply(fake, classes)))),
					) as tf.Scalar,
				true,
				dVars,
			);
			const gLoss = gOpt.minimize(
				() => tf.neg(tf.mean(discriminator.apply(generator.apply(z, classes, true), classes))) as tf.Scalar,
				true,
				gVars,
			);
			if (!dLoss || !gLoss) throw new Error("minimize returned no loss");
			const values = [(await dLoss.data())[0], (await gLoss.data())[0]];
			tf.dispose([z, fake, dLoss, gLoss]);
			return values;
		},
		dispose() {
			gOpt.dispose();
			dOpt.dispose();
			tf.dispose([real, classes]);
			store.dispose();
		},
	};
}
