import { describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import {
	frechetDistance,
	frechetDistanceOfFeatures,
	GaussianAccumulator,
	type GaussianStats,
	gaussianStats,
	sqrtPsd,
	symmetricEigen,
} from "../../src/evaluation/quality/frechet.js";

/** A Gaussian's stats from an explicit mean and covariance. */
function gaussian(mean: number[], covariance: number[]): GaussianStats {
	return {
		dim: mean.length,
		count: 1000,
		mean: Float64Array.from(mean),
		covariance: Float64Array.from(covariance),
	};
}

const diag = (values: number[]): number[] => {
	const d = values.length;
	const out = new Array<number>(d * d).fill(0);
	values.forEach((v, i) => {
		out[i * d + i] = v;
	});
	return out;
};

function matmul(a: ArrayLike<number>, b: ArrayLike<number>, d: number): number[] {
	const out = new Array<number>(d * d).fill(0);
	for (let i = 0; i < d; i++)
		for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) out[i * d + j] += a[i * d + k] * b[k * d + j];
	return out;
}

const transpose = (a: ArrayLike<number>, d: number): number[] =>
	Array.from({ length: d * d }, (_, idx) => a[(idx % d) * d + Math.floor(idx / d)]);

/** A random orthogonal matrix (Gram-Schmidt of a Gaussian matrix). */
function randomRotation(rng: Rng, d: number): number[] {
	const cols: number[][] = [];
	for (let c = 0; c < d; c++) {
		let v = Array.from({ length: d }, () => rng.normal());
		for (const u of cols) {
			const dot = v.reduce((s, x, i) => s + x * u[i], 0);
			v = v.map((x, i) => x - dot * u[i]);
		}
		const norm = Math.hypot(...v);
		cols.push(v.map((x) => x / norm));
	}
	return Array.from({ length: d * d }, (_, idx) => cols[idx % d][Math.floor(idx / d)]); // [i][j] = cols[j][i]
}

/** A random symmetric positive definite matrix A A^T + eps I. */
function randomSpd(rng: Rng, d: number): number[] {
	const a = Array.from({ length: d * d }, () => rng.normal());
	const s = matmul(a, transpose(a, d), d);
	for (let i = 0; i < d; i++) s[i * d + i] += 0.1;
	return s;
}

describe("symmetric eigen-decomposition (Jacobi)", () => {
	it("reconstructs a random symmetric matrix with orthonormal eigenvectors", () => {
		const rng = new Rng(1);
		const d = 12;
		const m = randomSpd(rng, d);
		for (let i = 0; i < d; i++) m[i * d + ((i + 3) % d)] = m[((i + 3) % d) * d + i] = -2; // some negative structure
		const { values, vectors } = symmetricEigen(m, d);
		const rebuilt = matmul(matmul(vectors, diag([...values]), d), transpose(vectors, d), d);
		for (let i = 0; i < d * d; i++) expect(rebuilt[i]).toBeCloseTo(m[i], 9);
		const gram = matmul(transpose(vectors, d), vectors, d);
		for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(gram[i * d + j]).toBeCloseTo(i === j ? 1 : 0, 12);
	});

	it("sqrtPsd squares back to the matrix", () => {
		const d = 8;
		const m = randomSpd(new Rng(2), d);
		const r = sqrtPsd(m, d);
		const square = matmul(r, r, d);
		for (let i = 0; i < d * d; i++) expect(square[i]).toBeCloseTo(m[i], 9);
	});
});

describe("Fréchet distance: analytic cases", () => {
	it("is 0 for identical Gaussians", () => {
		const d = 10;
		const rng = new Rng(3);
		const g = gaussian(
			Array.from({ length: d }, () => rng.normal()),
			randomSpd(rng, d),
		);
		expect(frechetDistance(g, g)).toBeLessThan(1e-9);
	});

	it("diagonal covariances: sum (sqrt a - sqrt b)^2 + |mean difference|^2", () => {
		const a = [0.5, 2, 3, 0.01, 7];
		const b = [1.5, 0.2, 3, 4, 0.3];
		const mu1 = [0, 1, -2, 3, 0.5];
		const mu2 = [1, 1, 0, -1, 0];
		let expected = 0;
		for (let i = 0; i < a.length; i++) expected += (Math.sqrt(a[i]) - Math.sqrt(b[i])) ** 2 + (mu1[i] - mu2[i]) ** 2;
		expect(frechetDistance(gaussian(mu1, diag(a)), gaussian(mu2, diag(b)))).toBeCloseTo(expected, 10);
	});

	it("is invariant to rotating both Gaussians (and symmetric in its arguments)", () => {
		const d = 9;
		const rng = new Rng(4);
		const s1 = randomSpd(rng, d);
		const s2 = randomSpd(rng, d);
		const mu1 = Array.from({ length: d }, () => rng.normal());
		const mu2 = Array.from({ length: d }, () => rng.normal());
		const q = randomRotation(rng, d);
		const qt = transpose(q, d);
		const rotate = (s: number[]) => matmul(matmul(q, s, d), qt, d);
		const rotateVec = (v: number[]) =>
			Array.from({ length: d }, (_, i) => v.reduce((acc, x, j) => acc + q[i * d + j] * x, 0));
		const plain = frechetDistance(gaussian(mu1, s1), gaussian(mu2, s2));
		const rotated = frechetDistance(gaussian(rotateVec(mu1), rotate(s1)), gaussian(rotateVec(mu2), rotate(s2)));
		expect(plain).toBeGreaterThan(1);
		expect(rotated).toBeCloseTo(plain, 8);
		expect(frechetDistance(gaussian(mu2, s2), gaussian(mu1, s1))).toBeCloseTo(plain, 8);
	});

	it("commuting covariances (same eigenvectors): closed form in the eigenbasis", () => {
		const d = 6;
		const rng = new Rng(5);
		const q = randomRotation(rng, d);
		const la = [1, 2, 3, 4, 5, 6];
		const lb = [6, 0.5, 3, 1, 2, 9];
		const s1 = matmul(matmul(q, diag(la), d), transpose(q, d), d);
		const s2 = matmul(matmul(q, diag(lb), d), transpose(q, d), d);
		const mu = new Array(d).fill(0);
		const expected = la.reduce((acc, a, i) => acc + (Math.sqrt(a) - Math.sqrt(lb[i])) ** 2, 0);
		expect(frechetDistance(gaussian(mu, s1), gaussian(mu, s2))).toBeCloseTo(expected, 9);
	});

	it("a singular covariance (rank deficient) gives a finite, non-negative distance", () => {
		const s = diag([1, 0, 0]);
		expect(frechetDistance(gaussian([0, 0, 0], s), gaussian([0, 0, 0], s))).toBeLessThan(1e-12);
		expect(frechetDistance(gaussian([0, 0, 0], s), gaussian([0, 0, 0], diag([4, 0, 0])))).toBeCloseTo(1, 12);
	});
});

describe("Gaussian statistics of features", () => {
	it("mean and unbiased covariance; batches accumulate to the same statistics", () => {
		const features = [1, 2, 3, 4, 5, 9]; // 3 rows x 2
		const stats = gaussianStats(features, 2);
		expect([...stats.mean]).toEqual([3, 5]);
		// x: 1,3,5 (var 4); y: 2,4,9 (mean 5, var (9+1+16)/2 = 13); cov ((-2)(-3) + 0 + 2*4)/2 = 7
		expect([...stats.covariance]).toEqual([4, 7, 7, 13]);
		const acc = new GaussianAccumulator(2);
		acc.add(features.slice(0, 2));
		acc.add(features.slice(2));
		expect(acc.count).toBe(3);
		expect([...acc.stats().covariance]).toEqual([4, 7, 7, 13]);
	});

	it("samples of two close Gaussians give a small distance; a shifted one a large distance", () => {
		const rng = new Rng(6);
		const d = 4;
		const sample = (n: number, shift: number) => Array.from({ length: n * d }, () => rng.normal() + shift);
		const a = sample(4000, 0);
		expect(frechetDistanceOfFeatures(a, sample(4000, 0), d)).toBeLessThan(0.02);
		expect(frechetDistanceOfFeatures(a, sample(4000, 1), d)).toBeCloseTo(d, 0); // |shift|^2 summed over d
	});

	it("rejects bad input: too few rows, ragged features, NaN, mismatched dimensions", () => {
		expect(() => gaussianStats([1, 2], 2)).toThrow(/at least 2/);
		expect(() => gaussianStats([1, 2, 3], 2)).toThrow(/multiple of dim/);
		expect(() => gaussianStats([1, Number.NaN, 3, 4], 2)).toThrow(/NaN/);
		expect(() => frechetDistance(gaussian([0], [1]), gaussian([0, 0], diag([1, 1])))).toThrow(/differ/);
	});
});
