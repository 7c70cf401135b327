/**
 * The learning-rate schedule of GenRep/SimCLR: the base rate scaled linearly with the batch
 * size (lr * batchSize / 256), a linear warm-up, then cosine decay to 0 at the last step.
 */
export interface LrScheduleOptions {
	/** Rate at batch size 256; default 0.03 (GenRep). */
	lr: number;
	batchSize: number;
	/** Total optimizer steps. */
	steps: number;
	/** Warm-up steps (linear from lr/warmup to the peak). */
	warmupSteps: number;
}

/** The peak rate: lr * batchSize / 256. */
export const scaledLr = (lr: number, batchSize: number): number => (lr * batchSize) / 256;

/** The rate of (0-based) step `step`. */
export function learningRate(step: number, o: LrScheduleOptions): number {
	const peak = scaledLr(o.lr, o.batchSize);
	if (step < o.warmupSteps) return (peak * (step + 1)) / o.warmupSteps;
	const decaySteps = Math.max(1, o.steps - o.warmupSteps);
	const progress = Math.min(1, (step - o.warmupSteps) / decaySteps);
	return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
}
