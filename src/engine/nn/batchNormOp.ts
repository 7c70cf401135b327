import * as tf from "@tensorflow/tfjs-core";
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_KERNEL, BATCH_NORM_RELU_KERNEL } from "../native/batchNormKernels.js";
import { reluGradient } from "./reluGradient.js";

/**
 * Training-mode batch normalisation over all axes but the last, as one op with a
 * hand-written gradient. tfjs's composed version reduces over the leading axes with Sum and
 * Mean kernels that transpose first and runs a dozen elementwise passes; here every reduction
 * is a matrix-vector product (fast on every backend) and the gradient takes five passes:
 *
 *   a = gamma * rstd, b = beta - mean * a,           y = x * a + b
 *   dbeta = sum(dy), dgamma = (sum(dy * x) - mean * dbeta) * rstd
 *   dx = dy * a + x * k1 + k0,  k1 = -a * rstd * dgamma / M,  k0 = -a * dbeta / M - mean * k1
 *
 * Returns y and the batch mean and (biased) variance, which carry no gradient. Where the
 * native addon runs, forward and gradient are each one kernel on all cores (two passes over
 * x each, src/engine/native/batchNormKernels.ts); elsewhere the tfjs ops below.
 *
 * Given `running` statistics it also returns their momentum update (PyTorch's convention:
 * the batch weighs `momentum`, its variance unbiased), computed inside the native kernel or by
 * runningUpdate's tfjs ops, with the same bits.
 */
export function batchNormTraining(
	x: tf.Tensor,
	gamma: tf.Tensor1D,
	beta: tf.Tensor1D,
	epsilon: number,
	running?: RunningStats,
): BatchNormResult {
	if (x.dtype === "float32" && tf.getKernel(BATCH_NORM_KERNEL, tf.getBackend())) {
		registerBatchNormGradient();
		const inputs: tf.NamedTensorMap = running
			? { x, gamma, beta, runningMean: running.mean, runningVar: running.variance }
			: { x, gamma, beta };
		const attrs = running ? { epsilon, momentum: running.momentum } : { epsilon };
		const [y, mean, variance, runningMean, runningVar] = tf
			.engine()
			.runKernel(BATCH_NORM_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
		const out: BatchNormResult = { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
		if (running) out.running = { mean: runningMean as tf.Tensor1D, variance: runningVar as tf.Tensor1D };
		return out;
	}
	const out: BatchNormResult = composedBatchNormTraining(x, gamma, beta, epsilon);
	if (running) out.running = runningUpdate(running, out.mean, out.variance, x.size / x.shape[x.rank - 1]);
	return out;
}

/**
 * relu(bn(x) + residual): batchNormTraining with a ResNet block's tail (the residual add, when
 * given, and the ReLU) in the same pass. Where the native addon runs that is one kernel forward,
 * two to four passes over the activation fewer than batch norm, Add and Relu, and one activation
 * fewer held for the backward; its gradient is ReLU's (from the output) and then batch norm's,
 * the masked dy also the residual's. The bits of tf.relu(tf.add(y, residual)) and its tfjs
 * gradient. (One backward kernel that masked dy inside batch norm's gradient was slower:
 * docs/performance.md.) Elsewhere, or for a residual not of x's shape, those tfjs ops.
 */
export function batchNormReluTraining(
	x: tf.Tensor,
	gamma: tf.Tensor1D,
	beta: tf.Tensor1D,
	epsilon: number,
	running: RunningStats,
	residual?: tf.Tensor,
): BatchNormResult {
	const fusable =
		x.dtype === "float32" &&
		(residual === undefined || (residual.dtype === "float32" && tf.util.arraysEqual(residual.shape, x.shape)));
	if (fusable && tf.getKernel(BATCH_NORM_RELU_KERNEL, tf.getBackend())) {
		registerBatchNormGradient();
		const inputs: tf.NamedTensorMap = { x, gamma, beta, runningMean: running.mean, runningVar: running.variance };
		if (residual) inputs.residual = residual;
		const attrs = { epsilon, momentum: running.momentum, residual: residual !== undefined };
		const [y, mean, variance, runningMean, runningVar] = tf
			.engine()
			.runKernel(BATCH_NORM_RELU_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
		return {
			y,
			mean: mean as tf.Tensor1D,
			variance: variance as tf.Tensor1D,
			running: { mean: runningMean as tf.Tensor1D, variance: runningVar as tf.Tensor1D },
		};
	}
	const out = batchNormTraining(x, gamma, beta, epsilon, running);
	const normalised = out.y;
	out.y = tf.relu(residual ? tf.add(normalised, residual) : normalised);
	return out;
}

/** Running statistics [C] and the weight of a new batch in their update. */
export interface RunningStats {
	mean: tf.Tensor1D;
	variance: tf.Tensor1D;
	momentum: number;
}

export interface BatchNormResult {
	y: tf.Tensor;
	mean: tf.Tensor1D;
	variance: tf.Tensor1D;
	/** The updated running statistics, when `running` was given. */
	running?: { mean: tf.Tensor1D; variance: tf.Tensor1D };
}

/**
 * The momentum update of running statistics from a batch of `count` rows, tfjs ops:
 * mean' = mean * (1 - m) + batchMean * m, var' = var * (1 - m) + batchVar * (m * count / (count - 1)).
 */
export function runningUpdate(
	running: RunningStats,
	mean: tf.Tensor1D,
	variance: tf.Tensor1D,
	count: number,
): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
	const m = running.momentum;
	const unbiased = count > 1 ? count / (count - 1) : 1;
	return tf.tidy(() => ({
		mean: tf.add(tf.mul(running.mean, 1 - m), tf.mul(mean, m)) as tf.Tensor1D,
		variance: tf.add(tf.mul(running.variance, 1 - m), tf.mul(variance, m * unbiased)) as tf.Tensor1D,
	}));
}

let gradientRegistered = false;

/**
 * The gradients of BATCH_NORM_KERNEL and BATCH_NORM_RELU_KERNEL: one BATCH_NORM_GRAD_KERNEL call
 * for all inputs (for the fused kernel after ReLU's gradient on its output).
 */
function registerBatchNormGradient(): void {
	if (gradientRegistered) return;
	gradientRegistered = true;
	// The running statistics (when given) lie on no path from a trained variable.
	const noGradient = (gamma: tf.Tensor) => ({
		runningMean: () => tf.zerosLike(gamma),
		runningVar: () => tf.zerosLike(gamma),
	});
	tf.registerGradient({
		kernelName: BATCH_NORM_KERNEL,
		inputsToSave: ["x", "gamma"],
		outputsToSave: [false, true, true],
		gradFunc: (dys, saved, attrs) => {
			// dys: [dy, d mean, d variance]; the statistics carry no gradient.
			const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
			const [x, gamma, mean, variance] = saved;
			// Computed here, not inside the per-input closures: each closure runs in its own
			// tidy, which would dispose the other two outputs.
			const [dx, dgamma, dbeta] = tf
				.engine()
				.runKernel(BATCH_NORM_GRAD_KERNEL, { dy, x, mean, variance, gamma }, attrs as tf.NamedAttrMap) as tf.Tensor[];
			return { x: () => dx, gamma: () => dgamma, beta: () => dbeta, ...noGradient(gamma) };
		},
	});
	tf.registerGradient({
		kernelName: BATCH_NORM_RELU_KERNEL,
		inputsToSave: ["x", "gamma"],
		outputsToSave: [true, true, true],
		gradFunc: (dys, saved, attrs) => {
			const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
			const [x, gamma, y, mean, variance] = saved;
			// ReLU's gradient from its output, > 0 and NaN exactly where its input is; then batch norm's.
			const dmasked = reluGradient(dy, y);
			const [dx, dgamma, dbeta] = tf
				.engine()
				.runKernel(
					BATCH_NORM_GRAD_KERNEL,
					{ dy: dmasked, x, mean, variance, gamma },
					attrs as tf.NamedAttrMap,
				) as tf.Tensor[];
			const dresidual = (attrs as unknown as { residual?: boolean }).residual ? dmasked : undefined;
			const grads: Record<string, () => tf.Tensor> = {
				x: () => dx,
				gamma: () => dgamma,
				beta: () => dbeta,
				...noGradient(gamma),
			};
			if (dresidual) grads.residual = () => dresidual;
			return grads;
		},
	});
}

/** The portable version: tfjs ops, reductions as matrix-vector products. */
function composedBatchNormTraining(
	x: tf.Tensor,
	gamma: tf.Tensor1D,
	beta: tf.Tensor1D,
	epsilon: number,
): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
	let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null = null;
	const op = tf.customGrad((xIn, gIn, bIn, saveIn) => {
		const input = xIn as tf.Tensor;
		const save = saveIn as tf.GradSaveFunc;
		const c = input.shape[input.rank - 1];
		const rows = input.size / c;
		const flat = tf.reshape(input, [rows, c]) as tf.Tensor2D; // [M, C]
		const mean = columnMean(flat); // [C]
		const meanSq = columnMean(tf.square(flat) as tf.Tensor2D);
		const variance = tf.relu(tf.sub(meanSq, tf.square(mean))) as tf.Tensor1D; // [C]
		const rstd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
		const a = tf.mul(gIn as tf.Tensor1D, rstd) as tf.Tensor1D;
		const b = tf.sub(bIn as tf.Tensor1D, tf.mul(mean, a)) as tf.Tensor1D;
		const y = tf.add(tf.mul(input, a), b);
		save([input, mean, rstd, a]);
		stats = { mean: tf.keep(mean), variance: tf.keep(variance) };
		return {
			value: y,
			gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
				const [xs, m, r, scale] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
				const dyFlat = tf.reshape(dy, [rows, c]) as tf.Tensor2D;
				const xFlat = tf.reshape(xs, [rows, c]) as tf.Tensor2D;
				const dbeta = columnSum(dyFlat); // [C]
				const dgamma = tf.mul(
					tf.sub(columnSum(tf.mul(dyFlat, xFlat) as tf.Tensor2D), tf.mul(m, dbeta)),
					r,
				) as tf.Tensor1D;
				const k1 = tf.div(tf.mul(tf.neg(scale), tf.mul(r, dgamma)), rows);
				const k0 = tf.sub(tf.div(tf.mul(tf.neg(scale), dbeta), rows), tf.mul(m, k1));
				const dx = tf.add(tf.add(tf.mul(dy, scale), tf.mul(xs, k1)), k0);
				return [dx, dgamma, dbeta];
			},
		};
	});
	const y = op(x, gamma, beta);
	const { mean, variance } = stats as unknown as { mean: tf.Tensor1D; variance: tf.Tensor1D };
	return { y, mean, variance };
}

/** Sum over rows as a matrix-vector product: [M, C] -> [C]. */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
	return tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [x.shape[1]]);
}

function columnMean(x: tf.Tensor2D): tf.Tensor1D {
	return tf.div(columnSum(x), x.shape[0]);
}
