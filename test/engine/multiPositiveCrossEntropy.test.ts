import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { MULTI_POSITIVE_KERNEL } from "../../src/engine/native/contrastiveKernel.js";
import {
	loadNativeAddon,
	nativeKernelStats,
	registerNativeKernels,
	unregisterNativeKernels,
} from "../../src/engine/native/index.js";
import { REQUIRE_NATIVE_ENV } from "../../src/engine/native/load.js";
import { MASKED_LOGIT, multiPositiveTargets } from "../../src/engine/nn/multiPositiveCrossEntropy.js";
import { Rng } from "../../src/engine/rng.js";
import { multiPositiveLoss } from "../../src/learners/objectives/multiPositive.js";
import { l2Normalize } from "../../src/learners/projectionHead.js";
import { randomValues } from "../helpers/backends.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";
import { finiteDifferences, naiveMultiPositive, rows } from "../learners/naive.js";

const loaded = loadNativeAddon();
/** Where the build was required (CI), the native tests run and fail without the addon. */
const skipNative = !loaded.addon && process.env[REQUIRE_NATIVE_ENV] !== "1";

/**
 * The loss as genrep computed it before the fused op (tfjs ops, tfjs's own gradients:
 * logSumExp's max gradient runs an Equal over [M, M]): the reference for values and gradients.
 */
function formerMultiPositive(embeddings: tf.Tensor2D, groups: number[], temperature: number): tf.Scalar {
	const m = embeddings.shape[0];
	const { target, weight } = multiPositiveTargets(groups);
	const selfMask = new Float32Array(m * m);
	for (let i = 0; i < m; i++) selfMask[i * m + i] = MASKED_LOGIT;
	return tf.tidy(() => {
		const z = l2Normalize(embeddings);
		const logits = tf.add(tf.div(tf.matMul(z, z, false, true), temperature), tf.tensor2d(selfMask, [m, m]));
		const positive = tf.sum(tf.mul(tf.tensor2d(target, [m, m]), logits), 1);
		const perRow = tf.sub(tf.logSumExp(logits, 1), positive);
		return tf.sum(tf.mul(perRow, tf.tensor1d(weight))) as tf.Scalar;
	});
}

type Path = "native" | "wasm portable" | "cpu portable";

/** Switches to the backend of `path`, with the native kernels registered or not. */
async function use(path: Path): Promise<void> {
	if (path === "native") {
		registerNativeKernels();
		await initEngine({ backend: "wasm" });
	} else if (path === "wasm portable") {
		unregisterNativeKernels(); // as where the addon is absent
		await initEngine({ backend: "wasm" });
	} else {
		await initEngine({ backend: "cpu" });
	}
}

/** Loss and d loss / d embeddings of `loss` on the current backend, leaking nothing. */
async function lossAndGrad(
	values: Float32Array,
	shape: [number, number],
	loss: (e: tf.Tensor2D) => tf.Scalar,
): Promise<{ value: number; grad: Float32Array }> {
	return expectNoLeakedTensors(() => {
		const e = tf.tensor2d(values, shape);
		const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => loss(x as tf.Tensor2D))(e);
		const out = { value: value.dataSync()[0], grad: Float32Array.from(grad.dataSync()) };
		tf.dispose([e, value, grad]);
		return out;
	});
}

interface Case {
	name: string;
	groups: number[];
	dim: number;
	temperature: number;
}

const rng = new Rng(21);
const pairs = (n: number) => Array.from({ length: 2 * n }, (_, r) => Math.floor(r / 2));
const CASES: Case[] = [
	// SimCLR's NT-Xent (the bench: 128 pairs, 128-d head); rows split over the threads.
	{ name: "NT-Xent, 96 pairs", groups: pairs(96), dim: 64, temperature: 0.1 },
	{ name: "NT-Xent, tau 0.05", groups: pairs(40), dim: 32, temperature: 0.05 },
	// SupCon: class labels as groups, singletons (rows without a positive) included.
	{
		name: "SupCon labels with singletons",
		groups: Array.from({ length: 90 }, (_, r) => (r < 80 ? rng.int(7) : 100 + r)),
		dim: 24,
		temperature: 0.2,
	},
	// Multi-positive: an anchor and 3 latent views per group, in shuffled order.
	{
		name: "multi-positive K = 3, tau 1",
		groups: Array.from(rng.permutation(96), (r) => Math.floor(r / 4)),
		dim: 16,
		temperature: 1,
	},
	{ name: "three rows, one pair", groups: [3, 8, 3], dim: 5, temperature: 0.5 },
];

describe("multiPositiveCrossEntropy: the fused loss against the former tfjs composition", () => {
	afterAll(async () => {
		registerNativeKernels();
		await initEngine({ backend: "wasm" });
	});

	for (const c of CASES) {
		it(`${c.name}: every path matches the former loss and gradient and the float64 formula`, async () => {
			const m = c.groups.length;
			const values = randomValues(rng, [m, c.dim]);
			const shape: [number, number] = [m, c.dim];
			const naive = naiveMultiPositive(rows(values, c.dim), c.groups, c.temperature);
			await use("cpu portable");
			const former = await lossAndGrad(values, shape, (e) => formerMultiPositive(e, c.groups, c.temperature));
			const gradScale = Math.max(...Array.from(former.grad, Math.abs));
			expect(gradScale, "the gradient is not trivially zero").toBeGreaterThan(1e-6);
			const paths: Path[] = skipNative
				? ["wasm portable", "cpu portable"]
				: ["native", "wasm portable", "cpu portable"];
			for (const path of paths) {
				await use(path);
				const g = tf.tensor1d(c.groups, "int32");
				const before = nativeKernelStats()[MULTI_POSITIVE_KERNEL]?.native ?? 0;
				const got = await lossAndGrad(values, shape, (e) => multiPositiveLoss(e, g, c.temperature));
				const ranNatively = (nativeKernelStats()[MULTI_POSITIVE_KERNEL]?.native ?? 0) - before;
				g.dispose();
				expect(ranNatively, `${path}: calls of the native kernel`).toBe(path === "native" ? 1 : 0);
				expect(Math.abs(got.value - naive), `${path}: loss vs float64`).toBeLessThan(2e-5 * Math.max(1, naive));
				expect(Math.abs(got.value - former.value), `${path}: loss vs former`).toBeLessThan(2e-5 * Math.max(1, naive));
				expect(maxAbsDiff(got.grad, former.grad) / gradScale, `${path}: gradient vs former`).toBeLessThan(1e-4);
			}
		});
	}

	it("rows without a positive contribute nothing; no row with one gives loss 0 and gradient 0", async () => {
		const values = randomValues(rng, [70, 8]);
		const alone = Array.from({ length: 70 }, (_, r) => r);
		const paths: Path[] = skipNative ? ["wasm portable", "cpu portable"] : ["native", "wasm portable", "cpu portable"];
		for (const path of paths) {
			await use(path);
			const g = tf.tensor1d(alone, "int32");
			const got = await lossAndGrad(values, [70, 8], (e) => multiPositiveLoss(e, g, 0.1));
			g.dispose();
			expect(Math.abs(got.value), path).toBe(0);
			expect(Math.max(...Array.from(got.grad, Math.abs)), path).toBe(0);
		}
		// One pair among singletons: only rows 0 and 1 count, so the loss is their mean.
		const some = alone.map((r) => (r < 2 ? 0 : r));
		const naive = naiveMultiPositive(rows(values, 8), some, 0.1);
		for (const path of paths) {
			await use(path);
			const g = tf.tensor1d(some, "int32");
			const got = await lossAndGrad(values, [70, 8], (e) => multiPositiveLoss(e, g, 0.1));
			g.dispose();
			expect(Math.abs(got.value - naive), path).toBeLessThan(1e-5 * naive);
			expect(got.grad.every(Number.isFinite), path).toBe(true);
		}
	});

	it.skipIf(skipNative)("native gradients match float64 finite differences of the formula", async () => {
		await use("native");
		for (const [groups, tau] of [
			[[0, 0, 0, 1, 1, 2], 0.5],
			[[4, 4, 9, 9], 0.1],
		] as [number[], number][]) {
			const d = 3;
			const values = randomValues(rng, [groups.length, d]);
			const g = tf.tensor1d(groups, "int32");
			const got = await lossAndGrad(values, [groups.length, d], (e) => multiPositiveLoss(e, g, tau));
			g.dispose();
			const numeric = finiteDifferences((x) => naiveMultiPositive(rows(x, d), groups, tau), Array.from(values));
			expect(maxAbsDiff(got.grad, numeric), `groups ${groups}`).toBeLessThan(1e-3);
			expect(Math.max(...numeric.map(Math.abs))).toBeGreaterThan(1e-3);
		}
	});

	it.skipIf(skipNative)("the native loss without a gradient leaks nothing; the gradient scales with dy", async () => {
		await use("native");
		const values = randomValues(rng, [64, 8]);
		const g = tf.tensor1d(pairs(32), "int32");
		await expectNoLeakedTensors(() =>
			tf.tidy(() => multiPositiveLoss(tf.tensor2d(values, [64, 8]), g, 0.1).dataSync()),
		);
		const [one, three] = await expectNoLeakedTensors(() =>
			tf.tidy(() => {
				const e = tf.tensor2d(values, [64, 8]);
				return [1, 3].map((k) =>
					tf
						.grad((x: tf.Tensor) => tf.mul(multiPositiveLoss(x as tf.Tensor2D, g, 0.1), k) as tf.Scalar)(e)
						.dataSync(),
				);
			}),
		);
		g.dispose();
		const scale = Math.max(...Array.from(three, Math.abs));
		expect(scale).toBeGreaterThan(1e-4);
		expect(
			maxAbsDiff(
				Float32Array.from(one, (v) => 3 * v),
				three,
			) / scale,
		).toBeLessThan(1e-6);
	});

	it.skipIf(skipNative)("the addon checks its arguments", () => {
		const addon = loaded.addon as NonNullable<typeof loaded.addon>;
		const memory = new ArrayBuffer(1024);
		// sims [8, 8] at 0 (256 bytes), groups [8] at 256, loss at 288, grad [8, 8] at 320.
		expect(() => addon.multiPositiveLoss(memory, 0, 256, 288, 800, 8, 0.1)).toThrow(/runs past the memory/);
		expect(() => addon.multiPositiveLoss(memory, 0, 256, 288, 320, 0, 0.1)).toThrow(/m must be positive/);
		expect(() => addon.multiPositiveLoss(memory, 0, 256, 288, 320, 8, 0)).toThrow(/temperature must be positive/);
		expect(() => addon.multiPositiveLoss(memory, 0, 256, 288, 320, 8, Number.NaN)).toThrow(/finite/);
		expect(() => addon.multiPositiveLoss(memory, 2, 256, 288, 320, 8, 0.1)).toThrow(/multiple of 4/);
	});
});
