import type { Rng } from "./rng.js";

/**
 * Samples of N_t(mu, sigma, t): a normal N(mu, sigma^2) whose values outside
 * [mu - t*sigma, mu + t*sigma] are re-drawn (GenRep samples anchors with t = 2).
 * `truncation` = Infinity gives the plain normal.
 */
export function truncatedNormal(rng: Rng, count: number, mu = 0, sigma = 1, truncation = 2): Float32Array {
	if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
	if (!(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError(`sigma must be a positive number, got ${sigma}`);
	if (!(truncation > 0)) throw new RangeError(`truncation must be positive, got ${truncation}`);
	const out = new Float32Array(count);
	for (let i = 0; i < count; i++) {
		let v: number;
		do v = rng.normal();
		while (Math.abs(v) > truncation);
		out[i] = mu + sigma * v;
	}
	return out;
}
