import { describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import { truncatedNormal } from "../../src/engine/truncatedNormal.js";

describe("Rng", () => {
	it("is deterministic for a seed and differs across seeds", () => {
		const a = new Rng(42);
		const b = new Rng(42);
		const c = new Rng(43);
		const xs = Array.from({ length: 8 }, () => a.nextUint32());
		expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(xs);
		expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(xs);
	});

	it("forks streams that depend only on (seed, label)", () => {
		const r = new Rng(7);
		r.uniform();
		expect(r.fork("shard-3").uniform()).toBe(new Rng(7).fork("shard-3").uniform());
		expect(r.fork("shard-3").uniform()).not.toBe(r.fork("shard-4").uniform());
	});

	it("draws uniforms in [0, 1) with mean 1/2 and normals with mean 0, variance 1", () => {
		const r = new Rng(1);
		const n = 200_000;
		let su = 0;
		let sn = 0;
		let sn2 = 0;
		for (let i = 0; i < n; i++) {
			const u = r.uniform();
			expect(u >= 0 && u < 1).toBe(true);
			su += u;
			const z = r.normal();
			sn += z;
			sn2 += z * z;
		}
		expect(su / n).toBeCloseTo(0.5, 2);
		expect(sn / n).toBeCloseTo(0, 2);
		expect(sn2 / n).toBeCloseTo(1, 1);
	});

	it("makes permutations and bounded integers", () => {
		const p = Array.from(new Rng(3).permutation(100)).sort((a, b) => a - b);
		expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i));
		const r = new Rng(4);
		for (let i = 0; i < 1000; i++) expect(r.int(7)).toBeLessThan(7);
	});

	it("rejects bad seeds", () => {
		expect(() => new Rng(-1)).toThrow(/seed/);
		expect(() => new Rng(1.5)).toThrow(/seed/);
	});
});

describe("truncatedNormal N_t(mu, sigma, t)", () => {
	it("stays within [mu - t sigma, mu + t sigma]", () => {
		const v = truncatedNormal(new Rng(5), 50_000, 1, 0.5, 2);
		let lo = Infinity;
		let hi = -Infinity;
		for (const x of v) {
			lo = Math.min(lo, x);
			hi = Math.max(hi, x);
		}
		expect(lo).toBeGreaterThanOrEqual(1 - 2 * 0.5 - 1e-6);
		expect(hi).toBeLessThanOrEqual(1 + 2 * 0.5 + 1e-6);
		// The bounds are reached closely: the tails are not cut short.
		expect(lo).toBeLessThan(1 - 2 * 0.5 + 0.02);
		expect(hi).toBeGreaterThan(1 + 2 * 0.5 - 0.02);
	});

	it("has the analytic moments of a normal truncated at +-t", () => {
		// Var of N(0,1) truncated to [-t, t] is 1 - 2 t phi(t) / (2 Phi(t) - 1).
		const t = 2;
		const phi = Math.exp((-t * t) / 2) / Math.sqrt(2 * Math.PI);
		const mass = 0.9544997361036416; // 2 Phi(2) - 1
		const expectedVar = 1 - (2 * t * phi) / mass; // ~0.7737
		const sigma = 3;
		const v = truncatedNormal(new Rng(6), 200_000, 0, sigma, t);
		let s = 0;
		let s2 = 0;
		for (const x of v) {
			s += x;
			s2 += x * x;
		}
		const mean = s / v.length;
		expect(mean).toBeCloseTo(0, 1);
		expect(s2 / v.length - mean * mean).toBeCloseTo(expectedVar * sigma * sigma, 1);
	});

	it("is deterministic for a seed and validates its arguments", () => {
		expect(truncatedNormal(new Rng(9), 10)).toEqual(truncatedNormal(new Rng(9), 10));
		expect(() => truncatedNormal(new Rng(9), 10, 0, 0)).toThrow(/sigma/);
		expect(() => truncatedNormal(new Rng(9), 10, 0, 1, 0)).toThrow(/truncation/);
		expect(() => truncatedNormal(new Rng(9), -1)).toThrow(/count/);
	});
});
