/**
 * The one seeded random number generator of genrep (xoshiro128**, seeded by splitmix32).
 * Every random draw in the project goes through an Rng made from an explicit seed, so a run
 * is reproducible from its config. `fork(label)` derives an independent stream whose state
 * depends only on (seed, label), which keeps e.g. shard i of a dataset independent of how
 * many shards ran before it.
 */
export class Rng {
	private s0: number;
	private s1: number;
	private s2: number;
	private s3: number;
	private spareNormal: number | null = null;

	constructor(readonly seed: number) {
		if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
			throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
		}
		let x = seed >>> 0;
		const next = () => {
			x = (x + 0x9e3779b9) >>> 0;
			let z = x;
			z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
			z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
			return (z ^ (z >>> 16)) >>> 0;
		};
		this.s0 = next();
		this.s1 = next();
		this.s2 = next();
		this.s3 = next();
	}

	/** A uniform 32-bit unsigned integer. */
	nextUint32(): number {
		const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
		const t = (this.s1 << 9) >>> 0;
		this.s2 ^= this.s0;
		this.s3 ^= this.s1;
		this.s1 ^= this.s2;
		this.s0 ^= this.s3;
		this.s2 ^= t;
		this.s3 = rotl(this.s3, 11);
		this.s0 >>>= 0;
		this.s1 >>>= 0;
		this.s2 >>>= 0;
		this.s3 >>>= 0;
		return result;
	}

	/** Uniform in [0, 1) with 32 bits of resolution. */
	uniform(): number {
		return this.nextUint32() / 4294967296;
	}

	/** Uniform integer in [0, n). */
	int(n: number): number {
		if (!Number.isInteger(n) || n <= 0) throw new RangeError(`int(n) needs a positive integer n, got ${n}`);
		return Math.floor(this.uniform() * n);
	}

	/** Standard normal (Box-Muller, caching the second value). */
	normal(): number {
		if (this.spareNormal !== null) {
			const v = this.spareNormal;
			this.spareNormal = null;
			return v;
		}
		let u = 0;
		while (u === 0) u = this.uniform();
		const v = this.uniform();
		const r = Math.sqrt(-2 * Math.log(u));
		this.spareNormal = r * Math.sin(2 * Math.PI * v);
		return r * Math.cos(2 * Math.PI * v);
	}

	/** Fisher-Yates shuffle in place; returns the array. */
	shuffle<T>(items: T[] | Int32Array | Uint32Array): typeof items {
		for (let i = items.length - 1; i > 0; i--) {
			const j = this.int(i + 1);
			const tmp = items[i];
			items[i] = items[j];
			items[j] = tmp;
		}
		return items;
	}

	/** A permutation of 0..n-1. */
	permutation(n: number): Int32Array {
		const p = new Int32Array(n);
		for (let i = 0; i < n; i++) p[i] = i;
		this.shuffle(p);
		return p;
	}

	/** A 32-bit seed for a tfjs op or a child generator. */
	nextSeed(): number {
		return this.nextUint32();
	}

	/** An independent stream determined only by (this seed, label). */
	fork(label: string | number): Rng {
		return new Rng(hash32(`${this.seed}/${label}`));
	}
}

function rotl(x: number, k: number): number {
	return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** FNV-1a 32-bit hash of a string. */
export function hash32(text: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h >>> 0;
}
