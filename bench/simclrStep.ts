/**
 * The SimCLR-style training step the benchmarks time (and bench/torch_bench.py mirrors):
 * encoder preset -> projection head -> NT-Xent over two views, SGD with momentum 0.9 (genrep's
 * Sgd, as `genrep train` steps, without weight decay, as bench/torch_bench.py's torch.optim.SGD).
 * `batch` images go through the encoder per step: batch / 2 samples, two views each (the two
 * views are different random images here; the step's cost does not depend on their content).
 */
import { tf } from "../src/engine/backend.js";
import { gradsByName } from "../src/engine/nn/params.js";
import { Sgd } from "../src/engine/optim/sgd.js";
import { Rng } from "../src/engine/rng.js";
import { ENCODERS } from "../src/learners/encoders/registry.js";
import { ResNet } from "../src/learners/encoders/resnet.js";
import { ntXentLoss } from "../src/learners/objectives/ntXent.js";
import { ProjectionHead } from "../src/learners/projectionHead.js";
import type { ConvShape } from "./common.js";

export const SIMCLR = { imageSize: 32, inChannels: 1, lr: 0.03, momentum: 0.9, temperature: 0.1 } as const;

/**
 * The encoders the bench times: the registry's presets (bench/torch_bench.py's ENCODERS
 * mirrors them). `resnet10-w32` is the ~1.2 M-parameter ResNet of widths 32-64-128-256 (one
 * basic block each) that earlier benches defined locally as "resnet-1m".
 */
export const BENCH_ENCODERS = ENCODERS satisfies Record<
	string,
	{ widths: readonly number[]; blocks: readonly number[] }
>;

export type BenchEncoderName = keyof typeof BENCH_ENCODERS;

export const isBenchEncoder = (name: string): name is BenchEncoderName => Object.hasOwn(BENCH_ENCODERS, name);

/** A fresh encoder of the bench's presets (the registry's factory does the same for its own). */
export function createBenchEncoder(name: BenchEncoderName, inChannels: number, seed: number): ResNet {
	const { widths, blocks } = BENCH_ENCODERS[name];
	return new ResNet({ widths: [...widths], blocks: [...blocks], inChannels }, seed);
}

export interface SimclrStep {
	/** One optimizer step; resolves to the loss. */
	step(): Promise<number>;
	params: number;
	dispose(): void;
}

export function makeSimclrStep(encoder: BenchEncoderName, batch: number, seed: number): SimclrStep {
	if (batch % 2 !== 0) throw new Error(`SimCLR step: batch must be even (two views per sample), got ${batch}`);
	const net = createBenchEncoder(encoder, SIMCLR.inChannels, seed);
	const head = new ProjectionHead({ inputDim: net.featureDim }, seed, net.store);
	const params = net.store.trainable; // encoder and head
	const vars = [...params.values()];
	const sgd = new Sgd(params, { momentum: SIMCLR.momentum, weightDecay: 0 });
	const rng = new Rng(seed);
	const size = SIMCLR.imageSize;
	const values = new Float32Array(batch * size * size * SIMCLR.inChannels);
	for (let i = 0; i < values.length; i++) values[i] = 2 * rng.uniform() - 1;
	const x = tf.tensor4d(values, [batch, size, size, SIMCLR.inChannels]); // [2n, 32, 32, 1]
	const half = batch / 2;
	return {
		params: net.store.count(),
		async step() {
			const loss = tf.tidy(() => {
				const { value, grads } = tf.variableGrads(() => {
					const z = head.apply(net.apply(x, true)); // [2n, 128]
					return ntXentLoss(tf.slice(z, 0, half), tf.slice(z, half, half), SIMCLR.temperature);
				}, vars);
				sgd.apply(gradsByName(params, grads), SIMCLR.lr);
				return value;
			});
			const value = (await loss.data())[0];
			loss.dispose();
			return value;
		},
		dispose() {
			sgd.dispose();
			x.dispose();
			net.dispose();
		},
	};
}

/** The convolutions of an encoder preset on size x size inputs, mirroring ResNet's constructor. */
export function encoderConvs(name: BenchEncoderName, inChannels: number, size: number): ConvShape[] {
	const { widths, blocks } = BENCH_ENCODERS[name];
	const convs: ConvShape[] = [];
	const conv = (label: string, out: number, kernel: number, cin: number, cout: number) =>
		convs.push({ name: label, outH: out, outW: out, kernel, inChannels: cin, outChannels: cout });
	conv("stem", size, 3, inChannels, widths[0]);
	let inCh: number = widths[0];
	widths.forEach((width, i) => {
		for (let b = 0; b < blocks[i]; b++) {
			const stride = b === 0 && i > 0 ? 2 : 1;
			size = Math.ceil(size / stride);
			conv(`stage${i}.block${b}.conv1`, size, 3, inCh, width);
			conv(`stage${i}.block${b}.conv2`, size, 3, width, width);
			if (stride !== 1 || inCh !== width) conv(`stage${i}.block${b}.shortcut`, size, 1, inCh, width);
			inCh = width;
		}
	});
	return convs;
}
