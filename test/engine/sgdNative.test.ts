import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { loadNativeAddon, nativeKernelStats } from "../../src/engine/native/index.js";
import { SGD_KERNEL } from "../../src/engine/native/sgdKernel.js";
import { Sgd, type SgdOptions } from "../../src/engine/optim/sgd.js";
import { expectNoLeakedTensors } from "../helpers/tensors.js";

const loaded = loadNativeAddon();

/** Deterministic uniform values in [-scale, scale) (a small LCG). */
function randomValues(n: number, seed: number, scale = 1): Float32Array {
	const out = new Float32Array(n);
	let s = seed >>> 0 || 1;
	for (let i = 0; i < n; i++) {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		out[i] = (s / 2 ** 31 - 1) * scale;
	}
	return out;
}

// A conv filter big enough to run on both threads, and small vectors that share threads.
const SHAPES: Record<string, number[]> = {
	"conv.weight": [3, 3, 64, 72],
	"bn.gamma": [72],
	"bn.beta": [72],
	"fc.weight": [72, 10],
	"fc.bias": [10],
};
const STEPS = 4;

/** Runs STEPS SGD steps on `backend`; returns parameters and momentum buffers by name. */
async function train(backend: string, options: SgdOptions): Promise<Map<string, Float32Array>> {
	await tf.setBackend(backend);
	const params = new Map(
		Object.entries(SHAPES).map(([name, shape], i) => [
			name,
			tf.variable(tf.tensor(randomValues(tf.util.sizeFromShape(shape), i + 1), shape)),
		]),
	);
	const sgd = new Sgd(params, options);
	await expectNoLeakedTensors(() => {
		for (let step = 0; step < STEPS; step++) {
			tf.tidy(() => {
				const grads = new Map(
					[...params].map(([name, p], i) => [name, tf.tensor(randomValues(p.size, 100 * step + i + 7, 0.5), p.shape)]),
				);
				sgd.apply(grads, 0.1 / (step + 1));
			});
		}
	});
	const out = new Map<string, Float32Array>();
	for (const [name, p] of params) {
		out.set(name, p.dataSync() as Float32Array);
		out.set(`${name}:v`, (sgd.buffers.state.get(name) as tf.Variable).dataSync() as Float32Array);
	}
	sgd.dispose();
	for (const p of params.values()) p.dispose();
	return out;
}

function expectSameBits(got: Map<string, Float32Array>, want: Map<string, Float32Array>): void {
	expect([...got.keys()]).toEqual([...want.keys()]);
	for (const [name, w] of want) {
		const g = got.get(name) as Float32Array;
		expect(
			Buffer.from(g.buffer, g.byteOffset, g.byteLength).equals(Buffer.from(w.buffer, w.byteOffset, w.byteLength)),
			name,
		).toBe(true);
	}
}

const nativeCalls = () => nativeKernelStats()[SGD_KERNEL]?.native ?? 0;

describe.skipIf(!loaded.addon)("fused native SGD step", () => {
	beforeAll(async () => {
		await initEngine({ backend: "wasm" });
		expect(tf.getKernel(SGD_KERNEL, "wasm")).toBeDefined();
	});
	afterAll(async () => {
		await tf.setBackend("wasm");
	});

	const cases: Array<[string, SgdOptions]> = [
		["momentum and weight decay", { momentum: 0.9, weightDecay: 1e-4 }],
		[
			"Nesterov, decay on weights only",
			{ momentum: 0.9, weightDecay: 5e-4, nesterov: true, decays: (n) => n.endsWith("weight") },
		],
		["no momentum, no decay", { momentum: 0, weightDecay: 0 }],
	];
	for (const [label, options] of cases) {
		it(`${label}: the same bits as the tfjs ops (cpu backend), and across two runs`, async () => {
			const before = nativeCalls();
			const native = await train("wasm", options);
			expect(nativeCalls() - before, "one native call per step").toBe(STEPS);
			const again = await train("wasm", options);
			const tfjs = await train("cpu", options);
			expectSameBits(native, tfjs);
			expectSameBits(again, native);
		});
	}

	it("updates in place, and copies a parameter whose data another tensor shares", async () => {
		await tf.setBackend("wasm");
		const p = tf.tidy(() => tf.variable(tf.tensor1d([1, 2, 3]))); // holds its data alone
		const kept = tf.tensor1d([4, 5]);
		const q = tf.variable(kept); // shares kept's data
		const sgd = new Sgd(
			new Map([
				["p", p],
				["q", q],
			]),
			{ momentum: 0.5, weightDecay: 0 },
		);
		const pData = p.dataId;
		const qData = q.dataId;
		tf.tidy(() =>
			sgd.apply(
				new Map([
					["p", tf.tensor1d([1, 1, 1])],
					["q", tf.tensor1d([2, 2])],
				]),
				1,
			),
		);
		expect(p.dataId, "p updated in place").toBe(pData);
		expect(Array.from(p.dataSync())).toEqual([0, 1, 2]);
		expect(Array.from(q.dataSync())).toEqual([2, 3]);
		expect(q.dataId, "q got its own copy").not.toBe(qData);
		expect(Array.from(kept.dataSync()), "the tensor q shared keeps the old values").toEqual([4, 5]);
		// A gradient that is the parameter itself.
		tf.tidy(() =>
			sgd.apply(
				new Map([
					["p", p],
					["q", tf.tensor1d([0, 0])],
				]),
				1,
			),
		);
		// v = 0.5 * 1 + p = [0.5, 1.5, 2.5]; p = p - v
		expect(Array.from(p.dataSync())).toEqual([-0.5, -0.5, -0.5]);
		kept.dispose();
		sgd.dispose();
		p.dispose();
		q.dispose();
	});

	it("the addon refuses bad tables: overlapping buffers, out-of-range offsets, bad decay", () => {
		const addon = loaded.addon as NonNullable<typeof loaded.addon>;
		const memory = new ArrayBuffer(4096);
		const call = (rows: number[][]) => () => addon.sgdStep(memory, new Float64Array(rows.flat()), 0.1, 0.9, 0, false);
		expect(call([[0, 1024, 2048, 16, 1]])).not.toThrow();
		expect(call([[0, 1024, 32, 16, 1]])).toThrow(/must not overlap/);
		expect(
			call([
				[0, 1024, 2048, 16, 1],
				[3000, 1024, 2048, 4, 0],
			]),
		).toThrow(/must not overlap/);
		expect(call([[0, 1024, 4080, 16, 1]])).toThrow(/runs past the memory/);
		expect(call([[0, 1024, 2048, 16, 2]])).toThrow(/decay must be 0 or 1/);
		expect(call([[0, 1024, 2048, 0, 1]])).toThrow(/empty tensor/);
		expect(call([[-4, 1024, 2048, 4, 1]])).toThrow(/non-negative integers/);
		expect(() => addon.sgdStep(memory, new Float64Array(4), 0.1, 0.9, 0, false)).toThrow(/5 values per parameter/);
	});
});
