import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { loadParams, saveParams } from "../../src/generators/checkpoint.js";
import { createEncoder, ENCODERS } from "../../src/learners/encoders/registry.js";
import { ProjectionHead } from "../../src/learners/projectionHead.js";
import { randomValues } from "../helpers/backends.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";

// Two images only: resnet18 runs one forward/backward here on the (single-threaded) wasm backend.
const BATCH = 2;
const CHANNELS = 3;

let dir: string;
beforeAll(async () => {
	await initEngine({ backend: "wasm" });
	dir = mkdtempSync(join(tmpdir(), "genrep-encoders-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const images = (seed: number) =>
	tf.tensor4d(randomValues(new Rng(seed), [BATCH, 32, 32, CHANNELS]), [BATCH, 32, 32, CHANNELS]);

describe.each(Object.keys(ENCODERS))("encoder %s", (name) => {
	const preset = ENCODERS[name as keyof typeof ENCODERS];

	it("forward [N, 32, 32, C] -> [N, featureDim]; backward gives a finite non-zero gradient for every weight", async () => {
		const encoder = createEncoder(name, { inChannels: CHANNELS, seed: 1 });
		expect(encoder.featureDim).toBe(preset.widths.at(-1));
		const x = images(2);
		const weights = [...encoder.store.trainable.values()];
		await expectNoLeakedTensors(async () => {
			// Sum of squares (not a linear read-out, whose gradient through batch norm cancels).
			const { value, grads } = tf.variableGrads(() => {
				const features = encoder.apply(x, true);
				expect(features.shape).toEqual([BATCH, encoder.featureDim]);
				expect(features.dataSync().every(Number.isFinite), "features are finite").toBe(true);
				return tf.sum(tf.square(features)) as tf.Scalar;
			}, weights);
			expect(Number.isFinite((await value.data())[0])).toBe(true);
			expect(Object.keys(grads).length).toBe(weights.length);
			for (const [id, grad] of Object.entries(grads)) {
				const g = await grad.data();
				let sumOfSquares = 0;
				for (let i = 0; i < g.length; i++) sumOfSquares += g[i] * g[i]; // NaN or infinity propagates
				expect(Number.isFinite(sumOfSquares), `gradient of ${id} is finite`).toBe(true);
				expect(sumOfSquares, `gradient of ${id} is non-zero`).toBeGreaterThan(0);
			}
			tf.dispose([value, ...Object.values(grads)]);
		});
		x.dispose();
		encoder.dispose();
	});

	it("saved weights (and batch-norm statistics) load into a fresh encoder and give identical outputs", async () => {
		const encoder = createEncoder(name, { inChannels: CHANNELS, seed: 3 });
		const x = images(4);
		tf.dispose(encoder.apply(x, true)); // move the running statistics off their initial values
		const path = join(dir, `${name}.safetensors`);
		await saveParams(path, encoder.store, { encoder: name });
		const fresh = createEncoder(name, { inChannels: CHANNELS, seed: 5 });
		const eval1 = await expectNoLeakedTensors(async () => {
			const y = tf.tidy(() => encoder.apply(x, false));
			const values = await y.data();
			y.dispose();
			return values;
		});
		const before = tf.tidy(() => fresh.apply(x, false));
		expect(maxAbsDiff(await before.data(), eval1), "different seeds give different encoders").toBeGreaterThan(0);
		expect(await loadParams(path, fresh.store)).toEqual({ encoder: name });
		const after = tf.tidy(() => fresh.apply(x, false));
		expect(maxAbsDiff(await after.data(), eval1)).toBe(0);
		tf.dispose([before, after, x]);
		encoder.dispose();
		fresh.dispose();
	});
});

describe("createEncoder", () => {
	it("builds the presets with their sizes (resnet18: CIFAR ResNet-18 without its classifier)", () => {
		const tiny = createEncoder("resnet-tiny");
		expect(tiny.config).toEqual({ widths: [16, 32, 64], blocks: [1, 1, 1], inChannels: 1, stem: "cifar" });
		tiny.dispose();
		// 11,173,962 parameters in torchvision-style CIFAR ResNet-18, minus its 512 x 10 + 10 classifier.
		const resnet18 = createEncoder("resnet18", { inChannels: 3 });
		expect(resnet18.store.count()).toBe(11_168_832);
		resnet18.dispose();
		// torchvision's ImageNet ResNet-18 (11,689,512) minus its 512 x 1000 + 1000 classifier.
		const imagenet = createEncoder("resnet18", { inChannels: 3, imageSize: [112, 112] });
		expect(imagenet.stemName).toBe("imagenet");
		expect(imagenet.store.count()).toBe(11_176_512);
		imagenet.dispose();
	});

	it("picks the stem by image size (cifar below 96 px, imagenet from 96 px) or by name", () => {
		const pick = (options: Parameters<typeof createEncoder>[1]) => {
			const e = createEncoder("resnet-tiny", options);
			e.dispose();
			return e.stemName;
		};
		expect(pick({ imageSize: [64, 64] })).toBe("cifar");
		expect(pick({ imageSize: [95, 200] })).toBe("cifar");
		expect(pick({ imageSize: [96, 96] })).toBe("imagenet");
		expect(pick({ imageSize: [32, 32], stem: "imagenet" })).toBe("imagenet");
		expect(pick({ imageSize: [128, 128], stem: "cifar" })).toBe("cifar");
		expect(() => pick({ stem: "vit" as "cifar" })).toThrow("stem must be auto, cifar or imagenet, got 'vit'");
		expect(() => pick({ imageSize: [0, 4] })).toThrow("imageSize must be [height, width] in pixels, got [0,4]");
	});

	it("any HxWxC: the imagenet stem (7x7 stride 2 + max-pool) on 100x72 RGB and the cifar stem on 20x20x5, forward and backward, no leaks", async () => {
		for (const [stem, shape] of [
			["imagenet", [2, 100, 72, 3]],
			["cifar", [2, 20, 20, 5]],
		] as const) {
			const encoder = createEncoder("resnet-tiny", { inChannels: shape[3], stem, seed: 4 });
			const x = tf.tensor4d(randomValues(new Rng(9), [...shape]), [...shape]);
			const weights = [...encoder.store.trainable.values()];
			await expectNoLeakedTensors(async () => {
				const { value, grads } = tf.variableGrads(
					() => tf.sum(tf.square(encoder.apply(x, true))) as tf.Scalar,
					weights,
				);
				expect(Number.isFinite((await value.data())[0])).toBe(true);
				const stemGrad = await grads[weights[0].name].data();
				expect(
					stemGrad.some((g) => g !== 0),
					`${stem}: the stem gets a gradient`,
				).toBe(true);
				expect(stemGrad.every(Number.isFinite)).toBe(true);
				tf.dispose([value, ...Object.values(grads)]);
				const features = tf.tidy(() => encoder.apply(x, false));
				expect(features.shape).toEqual([2, 64]);
				features.dispose();
			});
			x.dispose();
			encoder.dispose();
		}
	});

	it("names the known encoders for an unknown one, and the bad value for a bad option", () => {
		expect(() => createEncoder("vit-b16")).toThrow(
			"unknown encoder 'vit-b16'; known encoders: resnet-tiny, resnet8-w32, resnet10-w32, resnet18",
		);
		expect(() => createEncoder("resnet-tiny", { inChannels: 0 })).toThrow(
			"inChannels must be a positive integer, got 0",
		);
		expect(() => createEncoder("resnet-tiny", { seed: 1.5 })).toThrow("seed must be an integer, got 1.5");
	});
});

describe("ProjectionHead", () => {
	it("Linear-ReLU-Linear to 128-d unit vectors; every weight gets a gradient; no leaks", async () => {
		const head = new ProjectionHead({ inputDim: 8 }, 1);
		expect(head.config).toEqual({ inputDim: 8, hiddenDim: 8, outputDim: 128 });
		expect([...head.store.trainable.keys()]).toEqual([
			"head.hidden.weight",
			"head.hidden.bias",
			"head.output.weight",
			"head.output.bias",
		]);
		const features = tf.tensor2d(randomValues(new Rng(6), [4, 8]), [4, 8]);
		await expectNoLeakedTensors(async () => {
			const z = head.apply(features);
			expect(z.shape).toEqual([4, 128]);
			const rows = await z.array();
			for (const row of rows) expect(Math.hypot(...row)).toBeCloseTo(1, 5);
			z.dispose();
			const weights = [...head.store.trainable.values()];
			const rng = new Rng(7);
			const target = tf.tensor2d(randomValues(rng, [4, 128]), [4, 128]);
			const { value, grads } = tf.variableGrads(
				() => tf.sum(tf.mul(head.apply(features), target)) as tf.Scalar,
				weights,
			);
			for (const [id, grad] of Object.entries(grads)) {
				expect(Math.hypot(...(await grad.data())), `gradient of ${id}`).toBeGreaterThan(0);
			}
			tf.dispose([value, target, ...Object.values(grads)]);
		});
		features.dispose();
		head.dispose();
	});

	it("validates its sizes, naming the bad value", () => {
		expect(() => new ProjectionHead({ inputDim: 8, outputDim: 0 }, 1)).toThrow(
			"outputDim must be a positive integer, got 0",
		);
		expect(() => new ProjectionHead({ inputDim: 2.5 }, 1)).toThrow("inputDim must be a positive integer, got 2.5");
	});
});
