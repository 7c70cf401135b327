import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { Adam, HostAdam } from "../../src/engine/optim/adam.js";
import { Sgd } from "../../src/engine/optim/sgd.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";

beforeAll(async () => {
	await initEngine({ backend: "wasm" });
});

const p0 = [0.5, -1.25, 2, 0.01];
const grads = [
	[0.1, 0.2, -0.3, 0],
	[-0.4, 0.05, 0.6, 1e-3],
	[0.3, -0.1, 0.2, -2],
	[0.02, 0.7, -0.05, 0.5],
];

/** Kingma & Ba's Algorithm 1, written out in float64. */
function naiveAdam(lr: number, b1: number, b2: number, eps: number, steps: number[][]): number[] {
	const p = [...p0];
	const m = p.map(() => 0);
	const v = p.map(() => 0);
	steps.forEach((g, s) => {
		const t = s + 1;
		for (let i = 0; i < p.length; i++) {
			m[i] = b1 * m[i] + (1 - b1) * g[i];
			v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2;
			const mHat = m[i] / (1 - b1 ** t);
			const vHat = v[i] / (1 - b2 ** t);
			// The bias-corrected step with epsilon scaled as in the folded form lr sqrt(1 - b2^t) / (1 - b1^t).
			p[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps / Math.sqrt(1 - b2 ** t));
		}
	});
	return p;
}

/** Runs `steps` of a tensor Adam from `p0` (state `from`, when given) and returns weights and moments. */
async function tensorAdam(
	steps: number[][],
	firstStep = 1,
	from?: { p: Float32Array; m: Float32Array; v: Float32Array },
): Promise<{ p: Float32Array; m: Float32Array; v: Float32Array }> {
	const w = tf.tidy(() => tf.variable(tf.tensor1d(from ? from.p : p0)));
	const adam = new Adam(new Map([["w", w]]), 0.01, { beta1: 0.5, beta2: 0.999 });
	if (from) {
		adam.moments.assign(
			new Map([
				["w.m", { shape: [p0.length], data: from.m }],
				["w.v", { shape: [p0.length], data: from.v }],
			]),
		);
	}
	steps.forEach((g, s) => {
		tf.tidy(() => adam.apply(new Map([["w", tf.tensor1d(g)]]), firstStep + s));
	});
	const out = {
		p: (await w.data()) as Float32Array,
		m: (await (adam.moments.state.get("w.m") as tf.Variable).data()) as Float32Array,
		v: (await (adam.moments.state.get("w.v") as tf.Variable).data()) as Float32Array,
	};
	w.dispose();
	adam.dispose();
	return out;
}

describe("Adam on tf variables", () => {
	it("matches the paper's update step by step, without leaking tensors", async () => {
		const out = await expectNoLeakedTensors(() => tensorAdam(grads));
		expect(maxAbsDiff(out.p, naiveAdam(0.01, 0.5, 0.999, 1e-8, grads))).toBeLessThan(1e-6);
	});

	it("resumes exactly from its checkpointed moments", async () => {
		const straight = await tensorAdam(grads);
		const half = await tensorAdam(grads.slice(0, 2));
		const resumed = await tensorAdam(grads.slice(2), 3, half);
		expect(resumed.p).toEqual(straight.p);
		expect(resumed.m).toEqual(straight.m);
		expect(resumed.v).toEqual(straight.v);
	});
});

describe("HostAdam", () => {
	it("runs the same update as the tensor Adam on a host vector", async () => {
		const p = Float32Array.from(p0);
		const adam = new HostAdam(p.length, { beta1: 0.5, beta2: 0.999 });
		grads.forEach((g, s) => {
			adam.apply(p, g, s + 1, 0.01);
		});
		expect(maxAbsDiff(p, (await tensorAdam(grads)).p)).toBeLessThan(1e-6);
		expect(maxAbsDiff(p, naiveAdam(0.01, 0.5, 0.999, 1e-8, grads))).toBeLessThan(1e-6);
	});

	it("gives the bytes of the steering walks' former inline update (a changing learning rate)", () => {
		const lrAt = (t: number) => 0.05 * 0.5 * (1 + Math.cos((Math.PI * (t - 1)) / grads.length));
		// The loop trainWalks.ts ran before it used HostAdam, verbatim.
		const w = Float32Array.from(p0);
		const m = new Float32Array(w.length);
		const v = new Float32Array(w.length);
		const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
		grads.forEach((g, s) => {
			const step = s + 1;
			const lrT = (lrAt(step) * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
			for (let i = 0; i < w.length; i++) {
				m[i] = beta1 * m[i] + (1 - beta1) * g[i];
				v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
				w[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + eps);
			}
		});
		const p = Float32Array.from(p0);
		const adam = new HostAdam(p.length);
		grads.forEach((g, s) => {
			adam.apply(p, g, s + 1, lrAt(s + 1));
		});
		expect(p).toEqual(w);
		expect(adam.m).toEqual(m);
		expect(adam.v).toEqual(v);
	});

	it("resumes exactly from saved moments, and refuses moments of another size", () => {
		const straight = Float32Array.from(p0);
		const a = new HostAdam(p0.length);
		grads.forEach((g, s) => {
			a.apply(straight, g, s + 1, 0.01);
		});
		const resumed = Float32Array.from(p0);
		const first = new HostAdam(p0.length);
		grads.slice(0, 2).forEach((g, s) => {
			first.apply(resumed, g, s + 1, 0.01);
		});
		const second = new HostAdam(p0.length, {}, { m: first.m, v: first.v });
		grads.slice(2).forEach((g, s) => {
			second.apply(resumed, g, s + 3, 0.01);
		});
		expect(resumed).toEqual(straight);
		expect(() => new HostAdam(3, {}, { m: first.m, v: first.v })).toThrow("Adam state has 4/4 values, expected 3");
	});
});

describe("Sgd", () => {
	it("resumes exactly from its checkpointed momentum buffers", async () => {
		const run = async (steps: number[][], from?: { p: Float32Array; v: Float32Array }) => {
			const w = tf.tidy(() => tf.variable(tf.tensor1d(from ? from.p : p0)));
			const sgd = new Sgd(new Map([["w", w]]), { momentum: 0.9, weightDecay: 0.01 });
			if (from) sgd.buffers.assign(new Map([["w", { shape: [p0.length], data: from.v }]]));
			for (const g of steps) tf.tidy(() => sgd.apply(new Map([["w", tf.tensor1d(g)]]), 0.1));
			const out = {
				p: (await w.data()) as Float32Array,
				v: (await (sgd.buffers.state.get("w") as tf.Variable).data()) as Float32Array,
			};
			w.dispose();
			sgd.dispose();
			return out;
		};
		const straight = await run(grads);
		const resumed = await run(grads.slice(2), await run(grads.slice(0, 2)));
		expect(resumed.p).toEqual(straight.p);
		expect(resumed.v).toEqual(straight.v);
	});
});
