/**
 * Kept bf16 input copies (native/src/copies.h, src/engine/native/inputCopies.ts): under bf16 a
 * training step reuses the bf16 copy of each activation and gradient for its second
 * convolution instead of converting it again. The copies must change no bit of a step, be
 * reused (hits), live no longer than their tensors, never outlive an in-place SGD write, and
 * not exist under fp32.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import { afterAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { bf16Available, loadNativeAddon, setNativePrecision } from "../../src/engine/native/index.js";
import { liveCopyKeys, setInputCopies } from "../../src/engine/native/inputCopies.js";
import { Sgd } from "../../src/engine/optim/sgd.js";
import { Rng } from "../../src/engine/rng.js";
import { randomValues } from "../helpers/backends.js";
import { smallClassifier } from "../helpers/classifier.js";

await initEngine({ backend: "wasm" });
const available = bf16Available();
const addon = loadNativeAddon().addon;

function stats() {
	if (!addon?.copyStats) throw new Error("the addon must export copyStats");
	return addon.copyStats();
}

/** Losses and final parameters of `steps` SGD steps of a small ResNet classifier. */
function train(steps: number, copies: boolean, onStep?: (step: number) => void) {
	expect(setNativePrecision("bf16").precision).toBe("bf16");
	if (!copies) setInputCopies(addon, false);
	const model = smallClassifier(7);
	const { net } = model;
	const sgd = new Sgd(net.store.trainable, { momentum: 0.9, weightDecay: 1e-4 });
	const losses: number[] = [];
	for (let step = 0; step < steps; step++) {
		tf.tidy(() => {
			const { value, grads } = tf.variableGrads(model.loss, [...net.store.trainable.values()]);
			losses.push(value.dataSync()[0]);
			const byName = new Map([...net.store.trainable].map(([name, v]) => [name, grads[v.name]]));
			sgd.apply(byName, 0.05);
		});
		onStep?.(step);
	}
	const params = [...net.store.trainable.values()].map((v) => v.dataSync() as Float32Array);
	sgd.dispose();
	model.dispose();
	setNativePrecision("fp32");
	return { losses, params };
}

describe.skipIf(!available.ok)("kept bf16 input copies", () => {
	afterAll(() => setNativePrecision("fp32"));

	it("change no bit of a training step, and are reused", () => {
		const before = stats();
		const off = train(3, false);
		const between = stats();
		expect(between.hits, "no copies are kept while they are off").toBe(before.hits);
		const on = train(3, true);
		const after = stats();
		// Each convolution's activation and gradient has a second reader in the step.
		expect(after.hits - between.hits).toBeGreaterThanOrEqual(3 * 4);
		expect(on.losses).toEqual(off.losses);
		expect(on.params).toEqual(off.params);
		for (const v of on.losses) expect(Number.isFinite(v)).toBe(true);
	});

	it("do not grow over steps: the SGD step drops them and their buffers are reused", () => {
		const held: { entries: number; pooledBytes: number }[] = [];
		train(4, true, () => {
			const s = stats();
			held.push({ entries: s.entries, pooledBytes: s.pooledBytes });
		});
		// After each step's in-place SGD write (the last call of the step) no copy is left.
		for (const h of held) expect(h.entries).toBe(0);
		expect(held[3].pooledBytes).toBe(held[1].pooledBytes);
		expect(liveCopyKeys()).toBe(0);
	});

	it("are dropped with their tensor", () => {
		expect(setNativePrecision("bf16").precision).toBe("bf16");
		const r = new Rng(1);
		const w = tf.tensor4d(randomValues(r, [3, 3, 8, 8]), [3, 3, 8, 8]);
		const x = tf.tensor4d(randomValues(r, [2, 8, 8, 8]), [2, 8, 8, 8]);
		const y = tf.conv2d(x, w, 1, "same");
		expect(stats().entries).toBe(1);
		tf.dispose([x, y]);
		const x2 = tf.tensor4d(randomValues(r, [2, 8, 8, 8]), [2, 8, 8, 8]);
		const y2 = tf.conv2d(x2, w, 1, "same"); // drops x's copy, keeps x2's
		expect(stats().entries).toBe(1);
		expect(liveCopyKeys()).toBe(1);
		tf.dispose([x2, y2, w]);
		setNativePrecision("fp32"); // drops every copy
		expect(stats().entries).toBe(0);
		expect(liveCopyKeys()).toBe(0);
	});

	it("never serve a tensor's old contents after the SGD step rewrote it in place", () => {
		expect(setNativePrecision("bf16").precision).toBe("bf16");
		const r = new Rng(2);
		const w = tf.tensor4d(randomValues(r, [3, 3, 4, 4]), [3, 3, 4, 4]);
		const init = tf.tensor4d(randomValues(r, [2, 6, 6, 4]), [2, 6, 6, 4]);
		const p = tf.variable(init);
		init.dispose(); // p alone holds its data, so the SGD kernel writes it in place
		const sgd = new Sgd(new Map([["p", p]]), { momentum: 0, weightDecay: 0 });
		const before = tf.conv2d(p, w, 1, "same"); // keeps a bf16 copy of p
		const data = p.dataId;
		tf.tidy(() => sgd.apply(new Map([["p", tf.onesLike(p)]]), 0.5)); // p -= 0.5
		expect(p.dataId, "the step wrote p in place").toBe(data);
		const after = tf.conv2d(p, w, 1, "same");
		const fresh = tf.conv2d(tf.add(p, 0) as tf.Tensor4D, w, 1, "same"); // the same values in a new tensor
		expect(after.dataSync()).toEqual(fresh.dataSync());
		expect(after.dataSync()).not.toEqual(before.dataSync());
		tf.dispose([w, before, after, fresh]);
		sgd.dispose();
		p.dispose();
		setNativePrecision("fp32");
	});

	it("are not made under fp32", () => {
		setNativePrecision("fp32");
		const before = stats();
		const r = new Rng(3);
		const w = tf.tensor4d(randomValues(r, [3, 3, 8, 8]), [3, 3, 8, 8]);
		const x = tf.tensor4d(randomValues(r, [2, 8, 8, 8]), [2, 8, 8, 8]);
		tf.dispose(tf.grad((a: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, w, 1, "same")))(x));
		const after = stats();
		expect(after.entries).toBe(0);
		expect(after.hits + after.misses).toBe(before.hits + before.misses);
		tf.dispose([w, x]);
	});
});
