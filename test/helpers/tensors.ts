import * as tf from "@tensorflow/tfjs-core";
import { expect } from "vitest";

/** Runs fn and asserts that it leaves no tensor behind (tfjs-layers' helper, for vitest). */
export async function expectNoLeakedTensors<T>(fn: () => T | Promise<T>): Promise<T> {
	const before = tf.memory().numTensors;
	const result = await fn();
	expect(tf.memory().numTensors, "tensors leaked").toBe(before);
	return result;
}

/** Max |a - b| over all elements. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
	expect(a.length).toBe(b.length);
	let m = 0;
	for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
	return m;
}
