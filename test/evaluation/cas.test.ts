import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDataset } from "../../src/data/datasets.js";
import type { RealDataset } from "../../src/data/types.js";
import { initEngine } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { casSkipReason, classificationAccuracyScore } from "../../src/evaluation/quality/cas.js";
import { loadEvalClassifier, trainEvalClassifier } from "../../src/evaluation/quality/classifier.js";
import { evaluateGenerator } from "../../src/evaluation/quality/ganEval.js";
import type { Generator } from "../../src/generators/generator.js";
import { loadGenerator } from "../../src/generators/load.js";
import { makeRgbFolder } from "../helpers/rgbFolder.js";
import { expectNoLeakedTensors } from "../helpers/tensors.js";

const SHAPE: [number, number, number] = [32, 32, 1];
const SIZE = 32 * 32;
const dir = await mkdtemp(join(tmpdir(), "genrep-cas-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A conditional "generator" that replays real images of the asked class (rows from `from` on), or zeros. */
function replay(data: RealDataset, from: number, zeros = false): Generator {
	const pools: number[][] = data.classNames.map(() => []);
	for (let row = from; row < data.count; row++) pools[data.labels[row]].push(row);
	const next = pools.map(() => 0);
	return {
		id: zeros ? "zeros" : "real-replay",
		latentDim: 2,
		numClasses: data.classNames.length,
		classNames: data.classNames,
		imageShape: SHAPE,
		defaultTruncation: 2,
		differentiable: false,
		generate(z, y) {
			const n = z.shape[0];
			const labels = (y as tf.Tensor1D).dataSync();
			const pixels = new Uint8Array(n * SIZE);
			for (let i = 0; i < n && !zeros; i++) {
				const pool = pools[labels[i]];
				const row = pool[next[labels[i]]++ % pool.length];
				pixels.set(data.images.subarray(row * SIZE, (row + 1) * SIZE), i * SIZE);
			}
			return tf.tidy(() => tf.sub(tf.div(tf.tensor4d(pixels, [n, ...SHAPE], "float32"), 127.5), 1) as tf.Tensor4D);
		},
		dispose() {},
	};
}

describe("Classification Accuracy Score", () => {
	let test: RealDataset;
	beforeAll(async () => {
		await initEngine();
		test = await loadDataset("fashion-mnist", { split: "test" });
	});

	it("real images as samples score far above chance; a generator of blank images scores chance", async () => {
		const reference = {
			...test,
			count: 1000,
			images: test.images.subarray(0, 1000 * SIZE),
			labels: test.labels.subarray(0, 1000),
		};
		const classifier = await loadEvalClassifier();
		const card = classifier.card;
		classifier.dispose();
		const options = { n: 300, epochs: 3, batchSize: 32 };
		const real = await expectNoLeakedTensors(() =>
			classificationAccuracyScore(replay(test, 1000), reference, card, 2, new Rng(1), options),
		);
		const blank = await classificationAccuracyScore(replay(test, 1000, true), reference, card, 2, new Rng(1), options);
		expect(real).toMatchObject({ n: 300, epochs: 3, steps: 27, testImages: 1000, realTop1: card?.testAccuracy });
		expect(real.top1).toBeGreaterThan(0.3); // 300 images, 27 steps: well above the 10% of chance
		// Blank images carry no class: the classifier predicts one class, 10% of a balanced test split.
		expect(blank.top1).toBeLessThan(0.15);
		const again = await classificationAccuracyScore(replay(test, 1000), reference, card, 2, new Rng(1), options);
		expect(again.top1).toBe(real.top1);
	});

	it("needs a conditional generator with the data's classes, and says so", () => {
		const g = replay(test, 1000);
		expect(casSkipReason({ ...g, numClasses: 0 }, 10)).toMatch(/unconditional; CAS needs a class-conditional/);
		expect(casSkipReason({ ...g, numClasses: 4 }, 10)).toBe(
			"the generator has 4 classes but the real data 10; CAS needs the same classes",
		);
		expect(casSkipReason(g, 10)).toBeUndefined();
	});

	it("a 64x64 RGB generator: the evaluation classifier trains on an RGB folder at its shape; gan eval gives FD and CAS", async () => {
		const folder = await makeRgbFolder(join(dir, "folder"), { classes: 4, train: 3, test: 2, size: 64 });
		const out = join(dir, "classifier");
		const trained = await trainEvalClassifier({ dataset: folder, out, epochs: 1, batchSize: 4, warmupSteps: 1 });
		expect(trained.card).toMatchObject({ imageShape: [64, 64, 3], numClasses: 4, trainImages: 12, testImages: 8 });
		const generator = await loadGenerator("test/fixtures/onnx/rgb64");
		try {
			const metrics = await evaluateGenerator(generator, { classifier: out, n: 8, cas: { n: 8, epochs: 1 } });
			expect(metrics.dataset).toBe(folder);
			expect(Number.isFinite(metrics.frechetDistance)).toBe(true);
			expect(metrics.classificationAccuracyScore).toMatchObject({ n: 8, epochs: 1, steps: 1, testImages: 8 });
			const top1 = metrics.classificationAccuracyScore?.top1 as number;
			expect(top1 * 8).toBe(Math.round(top1 * 8)); // a share of the 8 test images
			const other = await loadGenerator("test/fixtures/onnx/tiny-cgan");
			await expect(evaluateGenerator(other, { classifier: out, n: 8 })).rejects.toThrow(
				/makes 16x16x3 images but the evaluation classifier takes 64x64x3 .* --image-size 16 --channels 3/,
			);
			other.dispose();
		} finally {
			generator.dispose();
		}
	});
});
