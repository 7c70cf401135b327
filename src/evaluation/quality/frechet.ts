/**
 * Fréchet distance between two Gaussians fitted to feature sets (the statistic behind FID,
 * Heusel et al. 2017), computed on the host in float64:
 *
 *   d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2)
 *
 * tr((S1 S2)^1/2) is computed through the symmetric form S1^1/2 S2 S1^1/2, whose square root
 * is well defined (it is positive semi-definite), with a cyclic Jacobi eigen solver. Feature
 * dimensions here are small (64), where Jacobi is exact to rounding and fast.
 */

/** Mean and covariance (unbiased, n - 1) of `count` feature vectors of dimension `dim`. */
export interface GaussianStats {
	dim: number;
	count: number;
	mean: Float64Array; // [d]
	covariance: Float64Array; // [d, d], row-major, symmetric
}

/**
 * Accumulates feature vectors batch by batch (sum and sum of outer products in float64), so
 * statistics of many samples never need all features in memory at once.
 */
export class GaussianAccumulator {
	private readonly sum: Float64Array;
	private readonly outer: Float64Array;
	private n = 0;

	constructor(readonly dim: number) {
		if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be a positive integer, got ${dim}`);
		this.sum = new Float64Array(dim);
		this.outer = new Float64Array(dim * dim);
	}

	get count(): number {
		return this.n;
	}

	/** Adds the rows of features [rows, dim] (row-major). */
	add(features: ArrayLike<number>): void {
		const d = this.dim;
		if (features.length % d !== 0) {
			throw new RangeError(`features hold ${features.length} values, not a multiple of dim ${d}`);
		}
		const rows = features.length / d;
		const row = new Float64Array(d);
		for (let r = 0; r < rows; r++) {
			for (let i = 0; i < d; i++) {
				const v = features[r * d + i];
				if (!Number.isFinite(v)) throw new RangeError(`feature ${i} of row ${this.n + r} is ${v}`);
				row[i] = v;
				this.sum[i] += v;
			}
			for (let i = 0; i < d; i++) {
				const vi = row[i];
				const base = i * d;
				for (let j = i; j < d; j++) this.outer[base + j] += vi * row[j]; // upper triangle
			}
		}
		this.n += rows;
	}

	/** The mean and unbiased covariance of everything added (at least 2 rows). */
	stats(): GaussianStats {
		const { dim: d, n } = this;
		if (n < 2) throw new RangeError(`need at least 2 feature vectors for a covariance, got ${n}`);
		const mean = new Float64Array(d);
		for (let i = 0; i < d; i++) mean[i] = this.sum[i] / n;
		const covariance = new Float64Array(d * d);
		for (let i = 0; i < d; i++) {
			for (let j = i; j < d; j++) {
				const c = (this.outer[i * d + j] - n * mean[i] * mean[j]) / (n - 1);
				covariance[i * d + j] = c;
				covariance[j * d + i] = c;
			}
		}
		return { dim: d, count: n, mean, covariance };
	}
}

/** Mean and covariance of features [count, dim] (row-major). */
export function gaussianStats(features: ArrayLike<number>, dim: number): GaussianStats {
	const acc = new GaussianAccumulator(dim);
	acc.add(features);
	return acc.stats();
}

/** The Fréchet distance (squared, as FID reports it) between two Gaussians. */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
	if (a.dim !== b.dim) throw new RangeError(`feature dimensions differ: ${a.dim} vs ${b.dim}`);
	const d = a.dim;
	let meanTerm = 0;
	for (let i = 0; i < d; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
	let traces = 0;
	for (let i = 0; i < d; i++) traces += a.covariance[i * d + i] + b.covariance[i * d + i];
	const rootA = sqrtPsd(a.covariance, d); // S1^1/2
	const middle = multiply(multiply(rootA, b.covariance, d), rootA, d); // S1^1/2 S2 S1^1/2
	symmetrize(middle, d);
	const { values } = symmetricEigen(middle, d);
	let traceRoot = 0;
	for (const v of values) traceRoot += Math.sqrt(Math.max(v, 0));
	// Rounding can take a distance of identical distributions a hair below zero.
	return Math.max(meanTerm + traces - 2 * traceRoot, 0);
}

/** The Fréchet distance between the Gaussians fitted to two feature sets [n, dim]. */
export function frechetDistanceOfFeatures(a: ArrayLike<number>, b: ArrayLike<number>, dim: number): number {
	return frechetDistance(gaussianStats(a, dim), gaussianStats(b, dim));
}

/**
 * Eigen-decomposition of a symmetric matrix [d, d] by the cyclic Jacobi method: returns the
 * eigenvalues and the eigenvectors as the columns of `vectors` (row-major [d, d]), so that
 * A = V diag(values) V^T. The input is not modified.
 */
export function symmetricEigen(matrix: ArrayLike<number>, d: number): { values: Float64Array; vectors: Float64Array } {
	if (matrix.length !== d * d) throw new RangeError(`matrix has ${matrix.length} values, expected ${d}x${d}`);
	const a = Float64Array.from(matrix);
	const v = new Float64Array(d * d);
	for (let i = 0; i < d; i++) v[i * d + i] = 1;
	let scale = 0;
	for (let i = 0; i < d * d; i++) scale += a[i] * a[i];
	const tolerance = 1e-26 * Math.max(scale, Number.MIN_VALUE); // eigenvalue error ~ off-diagonal^2
	for (let sweep = 0; sweep < 100; sweep++) {
		let off = 0;
		for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] ** 2;
		if (off <= tolerance) break;
		for (let p = 0; p < d - 1; p++) {
			for (let q = p + 1; q < d; q++) {
				const apq = a[p * d + q];
				if (apq === 0) continue;
				const app = a[p * d + p];
				const aqq = a[q * d + q];
				// Rotation angle that zeroes a[p][q] (Golub & Van Loan, sym.schur2).
				const theta = (aqq - app) / (2 * apq);
				const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
				const c = 1 / Math.sqrt(t * t + 1);
				const s = t * c;
				for (let k = 0; k < d; k++) {
					// A <- A J (columns p and q)
					const akp = a[k * d + p];
					const akq = a[k * d + q];
					a[k * d + p] = c * akp - s * akq;
					a[k * d + q] = s * akp + c * akq;
				}
				for (let k = 0; k < d; k++) {
					// A <- J^T A (rows p and q)
					const apk = a[p * d + k];
					const aqk = a[q * d + k];
					a[p * d + k] = c * apk - s * aqk;
					a[q * d + k] = s * apk + c * aqk;
				}
				for (let k = 0; k < d; k++) {
					// V <- V J
					const vkp = v[k * d + p];
					const vkq = v[k * d + q];
					v[k * d + p] = c * vkp - s * vkq;
					v[k * d + q] = s * vkp + c * vkq;
				}
			}
		}
	}
	const values = new Float64Array(d);
	for (let i = 0; i < d; i++) values[i] = a[i * d + i];
	return { values, vectors: v };
}

/** The square root of a symmetric positive semi-definite matrix (negative eigenvalues from rounding clamp to 0). */
export function sqrtPsd(matrix: ArrayLike<number>, d: number): Float64Array {
	const { values, vectors } = symmetricEigen(matrix, d);
	const out = new Float64Array(d * d);
	for (let k = 0; k < d; k++) {
		const root = Math.sqrt(Math.max(values[k], 0));
		if (root === 0) continue;
		for (let i = 0; i < d; i++) {
			const vik = vectors[i * d + k] * root;
			if (vik === 0) continue;
			for (let j = 0; j < d; j++) out[i * d + j] += vik * vectors[j * d + k];
		}
	}
	symmetrize(out, d);
	return out;
}

/** a [d, d] x b [d, d] */
function multiply(a: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array {
	const out = new Float64Array(d * d);
	for (let i = 0; i < d; i++) {
		for (let k = 0; k < d; k++) {
			const aik = a[i * d + k];
			if (aik === 0) continue;
			for (let j = 0; j < d; j++) out[i * d + j] += aik * b[k * d + j];
		}
	}
	return out;
}

function symmetrize(m: Float64Array, d: number): void {
	for (let i = 0; i < d; i++) {
		for (let j = i + 1; j < d; j++) {
			const avg = 0.5 * (m[i * d + j] + m[j * d + i]);
			m[i * d + j] = avg;
			m[j * d + i] = avg;
		}
	}
}
