import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerGanEvalCommand } from "../../src/cli/commands/ganEval.js";
import { loadDataset } from "../../src/data/datasets.js";
import type { RealDataset } from "../../src/data/types.js";
import { initEngine } from "../../src/engine/backend.js";
import { ParamStore } from "../../src/engine/nn/params.js";
import { Rng } from "../../src/engine/rng.js";
import {
	classifierAccuracy,
	type EvalClassifier,
	loadEvalClassifier,
	trainEvalClassifier,
} from "../../src/evaluation/quality/classifier.js";
import {
	evaluateGenerator,
	evaluateGeneratorByName,
	type GanEvalMetrics,
	recordMetricsInCard,
} from "../../src/evaluation/quality/ganEval.js";
import { DcganGenerator } from "../../src/generators/architectures/dcgan.js";
import type { Generator } from "../../src/generators/generator.js";
import { expectNoLeakedTensors } from "../helpers/tensors.js";

const SHAPE: [number, number, number] = [32, 32, 1];
const SIZE = 32 * 32;
/** Reference: the first TEST_LIMIT test images; the fake generator draws from images after them. */
const TEST_LIMIT = 1000;
const PER_CLASS = 20;

/**
 * A "perfect" conditional generator: for class c it returns real test images of class c
 * (outside the reference rows), in order, PER_CLASS of them round-robin. Ignores z.
 */
class RealImageGenerator implements Generator {
	readonly id = "real-test-images";
	readonly latentDim = 4;
	readonly classNames: string[];
	readonly imageShape = SHAPE;
	readonly defaultTruncation = 2;
	readonly differentiable = false;
	readonly pool: number[][]; // [class][k] -> test row
	private readonly next: number[];

	constructor(
		private readonly test: RealDataset,
		readonly numClasses = 10,
	) {
		this.classNames = numClasses > 0 ? test.classNames : [];
		this.pool = test.classNames.map(() => []);
		for (let row = TEST_LIMIT; row < test.count; row++) {
			const c = test.labels[row];
			if (this.pool[c].length < PER_CLASS) this.pool[c].push(row);
		}
		this.next = this.pool.map(() => 0);
	}

	generate(z: tf.Tensor2D, y?: tf.Tensor1D): tf.Tensor4D {
		const n = z.shape[0];
		const labels = y ? y.dataSync() : new Int32Array(n).map((_, i) => i % 10);
		const pixels = new Uint8Array(n * SIZE);
		for (let i = 0; i < n; i++) {
			const c = labels[i];
			const row = this.pool[c][this.next[c]++ % PER_CLASS];
			pixels.set(this.test.images.subarray(row * SIZE, (row + 1) * SIZE), i * SIZE);
		}
		return tf.tidy(() => tf.sub(tf.div(tf.tensor4d(pixels, [n, ...SHAPE], "float32"), 127.5), 1));
	}

	dispose(): void {}
}

/** A randomly initialised (untrained) DCGAN behind the Generator interface. */
function untrainedDcgan(): Generator & { store: ParamStore } {
	const store = new ParamStore(new Rng(3));
	const net = new DcganGenerator(store, { latentDim: 8, numClasses: 0, width: 4, channels: 1 });
	return {
		id: "untrained-dcgan",
		latentDim: 8,
		numClasses: 0,
		classNames: [],
		imageShape: SHAPE,
		defaultTruncation: 2,
		differentiable: true,
		store,
		generate: (z) => tf.tidy(() => net.apply(z, undefined, false)),
		dispose: () => store.dispose(),
	};
}

/** Any Generator-shaped object with overrides (bad-input cases). */
function fakeGenerator(overrides: Partial<Generator>): Generator {
	return {
		id: "fake",
		latentDim: 2,
		numClasses: 0,
		classNames: [],
		imageShape: SHAPE,
		defaultTruncation: 2,
		differentiable: false,
		generate: (z) => tf.zeros([z.shape[0], ...SHAPE]) as tf.Tensor4D,
		dispose: () => {},
		...overrides,
	};
}

const withoutTime = ({ seconds: _s, ...rest }: GanEvalMetrics) => rest;

describe("evaluateGenerator with the shipped classifier", () => {
	let classifier: EvalClassifier;
	let test: RealDataset;
	const options = () => ({ classifier, n: 200, seed: 1, testLimit: TEST_LIMIT });

	beforeAll(async () => {
		await initEngine();
		classifier = await loadEvalClassifier();
		test = await loadDataset("fashion-mnist", { split: "test" });
	});
	afterAll(() => classifier?.dispose());

	it("real images as a generator: distance near the floor, class consistency = the classifier's accuracy", async () => {
		const generator = new RealImageGenerator(test);
		const metrics = await expectNoLeakedTensors(() => evaluateGenerator(generator, options()));
		expect(metrics).toMatchObject({ generator: "real-test-images", dataset: "fashion-mnist", n: 200, seed: 1 });
		expect(metrics.referenceImages).toBe(TEST_LIMIT);
		expect(metrics.classifier).toMatchObject({ dir: "models/fashion-mnist-classifier", testAccuracy: 0.9022 });
		expect(metrics.frechetFloor).toBeGreaterThan(0);
		expect(metrics.frechetDistance).toBeLessThan(1.5 * metrics.frechetFloor);
		// Expected: the classifier's accuracy on each class's pool of real images.
		const perClass: Record<string, number> = {};
		for (let c = 0; c < 10; c++) {
			const rows = generator.pool[c];
			const pixels = new Uint8Array(rows.length * SIZE);
			rows.forEach((row, i) => {
				pixels.set(test.images.subarray(row * SIZE, (row + 1) * SIZE), i * SIZE);
			});
			perClass[test.classNames[c]] = await classifierAccuracy(
				classifier,
				pixels,
				new Int32Array(rows.length).fill(c),
				SHAPE,
			);
		}
		const consistency = metrics.classConsistency;
		expect(consistency?.perClass).toEqual(perClass);
		const mean = Object.values(perClass).reduce((a, b) => a + b, 0) / 10;
		expect(consistency?.mean).toBeCloseTo(mean, 12);
		expect(consistency?.mean).toBeGreaterThan(0.8);
	});

	it("is deterministic for a seed; an untrained generator lies far above the floor", async () => {
		const first = await evaluateGenerator(untrainedDcgan(), options());
		const second = await evaluateGenerator(untrainedDcgan(), options());
		expect(withoutTime(second)).toEqual(withoutTime(first));
		expect(first.classConsistency).toBeUndefined();
		expect(first.frechetDistance).toBeGreaterThan(5 * first.frechetFloor);
		const otherSeed = await evaluateGenerator(untrainedDcgan(), { ...options(), seed: 2 });
		expect(otherSeed.frechetDistance).not.toBe(first.frechetDistance);
	});

	it("rejects bad input: n <= 0, mismatched image shape, NaN images, too large n", async () => {
		const g = fakeGenerator({});
		await expect(evaluateGenerator(g, { ...options(), n: 0 })).rejects.toThrow(
			"n must be an integer of at least 2, got 0",
		);
		await expect(evaluateGenerator(g, { ...options(), n: -5 })).rejects.toThrow(/got -5/);
		await expect(evaluateGenerator(g, { ...options(), n: 1.5 })).rejects.toThrow(/got 1.5/);
		await expect(evaluateGenerator(g, { ...options(), n: 60001 })).rejects.toThrow(
			/larger than the 60000 training images/,
		);
		await expect(evaluateGenerator(fakeGenerator({ imageShape: [64, 64, 3] }), options())).rejects.toThrow(
			/makes 64x64x3 images but the evaluation classifier takes 32x32x1/,
		);
		const nan = fakeGenerator({ generate: (z) => tf.fill([z.shape[0], ...SHAPE], Number.NaN) as tf.Tensor4D });
		await expect(evaluateGenerator(nan, options())).rejects.toThrow(/fake produced non-finite images/);
	});

	it("a conditional generator whose classes the classifier does not know: distance only, with the reason", async () => {
		const g = fakeGenerator({ numClasses: 3, classNames: ["a", "b", "c"] });
		const metrics = await evaluateGenerator(g, options());
		expect(metrics.classConsistency).toBeUndefined();
		expect(metrics.classConsistencySkipped).toMatch(/3 classes but the evaluation classifier knows 10/);
	});
});

describe("results on disk and the command line", () => {
	let dir: string;
	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), "genrep-gan-eval-"));
	});
	afterAll(async () => {
		await rm(dir, { recursive: true, force: true });
	});

	it("merges the figures into model.json's metrics, keeping other keys", async () => {
		const card = { format: "genrep-generator/1", latentDim: 8, metrics: { earlyCheckpoint: { frechetDistance: 9 } } };
		await writeFile(join(dir, "model.json"), JSON.stringify(card));
		const metrics = {
			format: "genrep-gan-eval/1",
			generator: "g",
			dataset: "fashion-mnist",
			classifier: { features: "f" },
			n: 10,
			seed: 0,
			truncation: 2,
			referenceImages: 100,
			frechetDistance: 1.5,
			frechetFloor: 0.5,
			classConsistency: { mean: 0.9, perClass: { a: 0.9 } },
			seconds: 1,
		} satisfies GanEvalMetrics;
		await recordMetricsInCard(dir, metrics, "genrep gan eval --generator g");
		const written = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
		expect(written.latentDim).toBe(8);
		expect(written.metrics).toMatchObject({
			earlyCheckpoint: { frechetDistance: 9 },
			frechetDistance: 1.5,
			frechetFloor: 0.5,
			classConsistency: 0.9,
			classConsistencyPerClass: { a: 0.9 },
			evaluation: { n: 10, seed: 0, truncation: 2, command: "genrep gan eval --generator g" },
		});
		await expect(recordMetricsInCard(join(dir, "nowhere"), metrics)).rejects.toThrow(/model.json: cannot read/);
	});

	it("evaluateGeneratorByName: a generator directory -> metrics JSON and the figures in its model.json", async () => {
		const { trainGan } = await import("../../src/generators/ganTrainer.js");
		const run = join(dir, "tiny-cgan");
		await trainGan({
			dataset: "fashion-mnist",
			limit: 64,
			conditional: true,
			latentDim: 8,
			width: 4,
			batchSize: 8,
			steps: 1,
			out: run,
			progress: "none",
		});
		const out = join(dir, "metrics.json");
		const { metrics, cardUpdated } = await evaluateGeneratorByName(run, {
			n: 20,
			seed: 3,
			testLimit: 100,
			out,
			command: "genrep gan eval",
		});
		expect(metrics).toMatchObject({ generator: run, n: 20, seed: 3, truncation: 2, referenceImages: 100 });
		expect(Object.keys(metrics.classConsistency?.perClass ?? {})).toHaveLength(10);
		expect(JSON.parse(await readFile(out, "utf8"))).toEqual(metrics);
		expect(cardUpdated).toBe(join(run, "model.json"));
		const card = JSON.parse(await readFile(join(run, "model.json"), "utf8"));
		expect(card.metrics.frechetDistance).toBe(metrics.frechetDistance);
		expect(card.metrics.classConsistency).toBe(metrics.classConsistency?.mean);
		expect(card.latentDim).toBe(8);
	});

	it("an unknown generator is an error naming it", async () => {
		await expect(evaluateGeneratorByName("no-such-generator", { n: 10 })).rejects.toThrow(
			/unknown generator .no-such-generator.: not a shipped model/,
		);
		await expect(evaluateGeneratorByName("no-such-generator", { n: 0 })).rejects.toThrow(/n must be/);
	});

	it("flags: --n must be a positive integer", async () => {
		const program = new Command("genrep").exitOverride().configureOutput({ writeErr: () => {} });
		const gan = program.command("gan").exitOverride();
		registerGanEvalCommand(gan);
		gan.commands.forEach((c) => {
			c.exitOverride();
		});
		await expect(program.parseAsync(["gan", "eval", "--generator", "x", "--n", "0"], { from: "user" })).rejects.toThrow(
			/expected a positive integer, got "0"/,
		);
	});
});

describe("trainEvalClassifier (tiny)", () => {
	let dir: string;
	beforeAll(async () => {
		await initEngine();
	});
	afterAll(async () => {
		if (dir) await rm(dir, { recursive: true, force: true });
	});

	it("writes weights and a card whose test accuracy the loaded classifier reproduces", async () => {
		dir = await mkdtemp(join(tmpdir(), "genrep-eval-classifier-"));
		const result = await expectNoLeakedTensors(() =>
			trainEvalClassifier({
				out: dir,
				epochs: 1,
				batchSize: 32,
				limit: 128,
				testLimit: 100,
				warmupSteps: 1,
				widths: [4, 8],
				blocks: [1, 1],
				seed: 7,
				command: "test",
			}),
		);
		expect(result.steps).toBe(4);
		expect(result.card).toMatchObject({
			format: "genrep-eval-classifier/1",
			dataset: "fashion-mnist",
			numClasses: 10,
			featureDim: 8,
			testImages: 100,
			training: { seed: 7, epochs: 1, steps: 4, command: "test" },
		});
		const card = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
		expect(card.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
		const loaded = await loadEvalClassifier(dir);
		try {
			const test = await loadDataset("fashion-mnist", { split: "test", limit: 100 });
			expect(await classifierAccuracy(loaded, test.images, test.labels, SHAPE)).toBe(result.testAccuracy);
		} finally {
			loaded.dispose();
		}
	});

	it("bad options and a missing classifier are errors", async () => {
		await expect(trainEvalClassifier({ out: "x", epochs: 0 })).rejects.toThrow(
			"epochs must be a positive integer, got 0",
		);
		await expect(trainEvalClassifier({ out: "x", colour: 1 } as never)).rejects.toThrow(
			/unknown classifier training option 'colour'/,
		);
		await expect(loadEvalClassifier(join(tmpdir(), "genrep-no-such-classifier"))).rejects.toThrow(
			/model.json: not found; train an evaluation classifier/,
		);
	});
});
