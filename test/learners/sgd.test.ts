import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { Sgd } from "../../src/engine/optim/sgd.js";
import { Rng } from "../../src/engine/rng.js";
import { createEncoder } from "../../src/learners/encoders/registry.js";
import { Learner } from "../../src/learners/learner.js";
import { learningRate, scaledLr } from "../../src/learners/schedule.js";
import { decaysWeight } from "../../src/learners/trainer.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";

beforeAll(async () => {
	await initEngine({ backend: "wasm" });
});

describe("Sgd", () => {
	it("matches PyTorch's momentum + weight decay update, step by step", async () => {
		const p0 = [0.5, -1.25, 2];
		const grads = [
			[0.1, 0.2, -0.3],
			[-0.4, 0.05, 0.6],
			[0.3, -0.1, 0.2],
		];
		const [lr, momentum, weightDecay] = [0.1, 0.9, 0.01];
		// Naive reference: g' = g + wd p; v = m v + g'; p = p - lr v
		const p = [...p0];
		const v = [0, 0, 0];
		for (const g of grads) {
			for (let i = 0; i < 3; i++) {
				v[i] = momentum * v[i] + g[i] + weightDecay * p[i];
				p[i] -= lr * v[i];
			}
		}
		const variable = tf.variable(tf.tensor1d(p0));
		const sgd = new Sgd(new Map([["w", variable]]), { momentum, weightDecay });
		await expectNoLeakedTensors(() => {
			for (const g of grads) tf.tidy(() => sgd.apply(new Map([["w", tf.tensor1d(g)]]), lr));
		});
		expect(maxAbsDiff(await variable.data(), p)).toBeLessThan(1e-6);
		expect(maxAbsDiff(await (sgd.buffers.state.get("w") as tf.Variable).data(), v)).toBeLessThan(1e-6);
		sgd.dispose();
		variable.dispose();
	});

	it("matches PyTorch's Nesterov update with weight decay on chosen parameters only", async () => {
		const p0 = { w: [0.5, -1.25], b: [2, -0.5] };
		const grads = [
			{ w: [0.1, 0.2], b: [-0.3, 0.4] },
			{ w: [-0.4, 0.05], b: [0.6, -0.2] },
		];
		const [lr, momentum, weightDecay] = [0.1, 0.9, 0.01];
		// Naive reference: g' = g + wd p (w only); v = m v + g'; p = p - lr (g' + m v)
		const ref = { w: [...p0.w], b: [...p0.b] };
		const vel = { w: [0, 0], b: [0, 0] };
		for (const g of grads) {
			for (const k of ["w", "b"] as const) {
				for (let i = 0; i < 2; i++) {
					const gd = g[k][i] + (k === "w" ? weightDecay * ref[k][i] : 0);
					vel[k][i] = momentum * vel[k][i] + gd;
					ref[k][i] -= lr * (gd + momentum * vel[k][i]);
				}
			}
		}
		const vars = new Map([
			["w", tf.variable(tf.tensor1d(p0.w))],
			["b", tf.variable(tf.tensor1d(p0.b))],
		]);
		const sgd = new Sgd(vars, { momentum, weightDecay, nesterov: true, decays: (name) => name === "w" });
		await expectNoLeakedTensors(() => {
			for (const g of grads) {
				tf.tidy(() => sgd.apply(new Map(Object.entries(g).map(([k, v]) => [k, tf.tensor1d(v)])), lr));
			}
		});
		for (const k of ["w", "b"] as const) {
			expect(maxAbsDiff(await (vars.get(k) as tf.Variable).data(), ref[k])).toBeLessThan(1e-6);
		}
		sgd.dispose();
		for (const v of vars.values()) v.dispose();
	});

	it("rejects bad settings by name", () => {
		expect(() => new Sgd(new Map(), { momentum: 1 })).toThrow(/momentum must be in \[0, 1\), got 1/);
		expect(() => new Sgd(new Map(), { weightDecay: -1 })).toThrow(/weight decay must be a finite number >= 0, got -1/);
	});
});

describe("the trainer's weight-decay rule (SimCLR: no decay on batch norm or biases)", () => {
	it("decays every convolution and dense weight of a SimCLR learner and nothing else", () => {
		const encoder = createEncoder("resnet-tiny", { seed: 0 });
		const learner = new Learner("simclr", encoder, { numClasses: 0, latentDim: 0, temperature: 0.1 }, new Rng(0));
		const names = [...learner.trainable.keys()];
		const decayed = names.filter(decaysWeight);
		const kept = names.filter((n) => !decaysWeight(n));
		// resnet-tiny: stem conv + 2 convs per block x 3 blocks + 2 shortcut convs; the head's 2 dense layers.
		expect(decayed.filter((n) => n.startsWith("encoder.")).length).toBe(1 + 6 + 2);
		expect(decayed.filter((n) => n.startsWith("head.")).sort()).toEqual(["head.hidden.weight", "head.output.weight"]);
		expect(kept.length).toBeGreaterThan(0);
		for (const n of kept) expect(n).toMatch(/\.(gamma|beta|bias)$/);
		for (const n of decayed) expect(n).toMatch(/\.weight$/);
		learner.dispose();
		encoder.dispose();
	});
});

describe("learning-rate schedule", () => {
	const o = { lr: 0.03, batchSize: 512, steps: 110, warmupSteps: 10 };

	it("scales with the batch size, warms up linearly, then decays along a cosine to 0", () => {
		expect(scaledLr(0.03, 512)).toBeCloseTo(0.06, 12);
		expect(learningRate(0, o)).toBeCloseTo(0.006, 12);
		expect(learningRate(9, o)).toBeCloseTo(0.06, 12);
		expect(learningRate(10, o)).toBeCloseTo(0.06, 12);
		expect(learningRate(60, o)).toBeCloseTo(0.03, 12); // halfway through the decay
		expect(learningRate(110, o)).toBeCloseTo(0, 12);
		for (let s = 11; s < 110; s++) expect(learningRate(s, o)).toBeLessThan(learningRate(s - 1, o));
	});
});
