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
	return warmupCosine(step, scaledLr(o.lr, o.batchSize), o.steps, o.warmupSteps);
}

/** Linear warm-up from peak/warmupSteps to `peak`, then cosine decay to 0 at step `steps`. */
export function warmupCosine(step: number, peak: number, steps: number, warmupSteps: number): number {
	if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
	const decaySteps = Math.max(1, steps - warmupSteps);
	const progress = Math.min(1, (step - warmupSteps) / decaySteps);
	return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
}
