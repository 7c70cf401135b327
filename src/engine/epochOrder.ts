/**
 * The item order of a finite dataset walked in seeded epochs: epoch e visits all `count` items
 * in the order of a permutation drawn from rng.fork(`epoch-e`). `indices` reads it as one
 * endless sequence (step s takes positions [s*B, (s+1)*B), so a step's items depend only on
 * (seed, step, batch size)); `epoch` hands out one epoch's whole permutation.
 */
import type { Rng } from "./rng.js";

export class EpochOrder {
	private current = -1;
	private order: Int32Array = new Int32Array(0);

	constructor(
		private readonly count: number,
		private readonly rng: Rng,
	) {}

	/** The permutation of epoch `epoch` ([count] item indices). */
	epoch(epoch: number): Int32Array {
		if (epoch !== this.current) {
			this.order = this.rng.fork(`epoch-${epoch}`).permutation(this.count);
			this.current = epoch;
		}
		return this.order;
	}

	/** Item indices of step `step` of the endless sequence. */
	indices(step: number, batchSize: number): Int32Array {
		const out = new Int32Array(batchSize);
		for (let i = 0; i < batchSize; i++) {
			const position = step * batchSize + i;
			out[i] = this.epoch(Math.floor(position / this.count))[position % this.count];
		}
		return out;
	}
}
