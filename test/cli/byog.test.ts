/**
 * Bring your own generator, end to end from the CLI: a 64x64x3 ONNX generator (the rgb64
 * fixture of scripts/make-onnx-fixture.py) -> views -> train (stored views, and a live stream
 * cropped to 32 px) -> eval on an RGB image folder -> export to ONNX, at tiny sizes.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDataset } from "../../src/data/datasets.js";
import { initEngine } from "../../src/engine/backend.js";
import { GenrepError } from "../../src/errors.js";
import { evaluateRepresentation } from "../../src/evaluation/representation/evaluate.js";
import { loadEncoder } from "../../src/learners/encoderFile.js";
import { genrep } from "../helpers/cli.js";
import { makeRgbFolder } from "../helpers/rgbFolder.js";
import { maxAbsDiff } from "../helpers/tensors.js";

const GENERATOR = "test/fixtures/onnx/rgb64";
const root = await mkdtemp(join(tmpdir(), "genrep-byog-"));
const folder = join(root, "folder");
afterAll(() => rm(root, { recursive: true, force: true }));
beforeAll(async () => {
	await initEngine({ backend: "wasm" });
	await makeRgbFolder(folder, { classes: 3, train: 4, test: 2, size: 64 });
});

const ok = (r: ReturnType<typeof genrep>, what: string) => {
	expect(
		r.stderr.split("\n").filter((l) => l.startsWith("error:")),
		what,
	).toEqual([]);
	expect(r.status, what).toBe(0);
	return r;
};
const quickEval = ["--k", "3", "--shots", "2", "--draws", "1", "--max-iterations", "5"];
const quickTrain = ["--steps", "2", "--batch-size", "4", "--log-every", "1"];

describe("your own generator, from the CLI", () => {
	it("views -> train (stored and live) -> eval on an RGB folder -> export", async () => {
		const views = join(root, "views");
		ok(
			genrep(
				...["views", "generate", "--generator", GENERATOR, "--view", "gaussian", "--sigma", "0.5"],
				...["--anchors", "8", "--neighbors", "1", "--seed", "0", "--out", views],
			),
			"views generate",
		);
		const stored = join(root, "stored");
		ok(genrep("train", "--method", "simclr", "--data", views, ...quickTrain, "--out", stored), "train stored");
		const storedCard = JSON.parse(await readFile(join(stored, "encoder.json"), "utf8"));
		expect(storedCard).toMatchObject({ imageShape: [64, 64, 3], inChannels: 3, stem: "cifar" });

		const live = join(root, "live");
		ok(
			genrep(
				...["train", "--method", "supcon", "--data", `live:${GENERATOR}`, "--view", "gaussian", "--sigma", "0.5"],
				...["--image-size", "32", ...quickTrain, "--out", live],
			),
			"train live",
		);
		const liveCard = JSON.parse(await readFile(join(live, "encoder.json"), "utf8"));
		expect(liveCard).toMatchObject({ imageShape: [32, 32, 3], sourceImageShape: [64, 64, 3], method: "supcon" });
		expect(JSON.parse(await readFile(join(live, "config.json"), "utf8")).imageSize).toBe(32);

		const metrics = join(root, "metrics.json");
		const ev = ok(
			genrep("eval", "--encoder", stored, "--dataset", folder, ...quickEval, "--out", metrics),
			"eval stored",
		);
		expect(ev.stdout).toContain(folder);
		const m = JSON.parse(await readFile(metrics, "utf8"));
		expect(m.dataset).toMatchObject({ numClasses: 3, trainImages: 12, testImages: 6, featureDim: 64 });
		expect(m.dataset.linearProbe.top1).toBeGreaterThanOrEqual(0);

		// The 32-px encoder: the folder's shape is named with the fix, and the fix works.
		const mismatch = genrep("eval", "--encoder", live, "--dataset", folder, ...quickEval, "--out", metrics);
		expect(mismatch.status).not.toBe(0);
		expect(mismatch.stderr.trim()).toBe(
			`error: encoder run ${live} takes 32x32x3 images (HxWxC) but ${folder} has 64x64x3; pass --image-size 32 to read ${folder} at the encoder's shape`,
		);

		const onnxFile = join(root, "encoder.onnx");
		const ex = ok(genrep("export", "--encoder", stored, "--out", onnxFile), "export");
		expect(ex.stdout).toMatch(/images \[N, 64, 64, 3\] NHWC in \[-1, 1\] -> features \[N, 64\]/);
		// The exported graph gives the trained encoder's features on the folder's images.
		const test = await loadDataset(folder, { split: "test" });
		const x = Float32Array.from(test.images, (p) => p / 127.5 - 1); // [6, 64, 64, 3]
		const session = await ort.InferenceSession.create(onnxFile);
		const { features } = await session.run({ images: new ort.Tensor("float32", x, [test.count, 64, 64, 3]) });
		await session.release();
		const { encoder } = await loadEncoder(stored);
		const expected = tf.tidy(() => encoder.apply(tf.tensor4d(x, [test.count, 64, 64, 3]), false).dataSync());
		encoder.dispose();
		expect(maxAbsDiff(features.data as Float32Array, expected)).toBeLessThan(1e-4);
	});

	it("image folders that cannot be probed say so (one error line): one class, an empty class, mixed sizes", async () => {
		const png = (file: string, size: number) =>
			sharp(Buffer.alloc(size * size * 3, 90), { raw: { width: size, height: size, channels: 3 } })
				.png()
				.toFile(file);
		/** `folder/<split>/<class>/1.png` for each [split, class, size]; a size of 0 leaves the class empty. */
		const make = async (name: string, files: [string, string, number][]) => {
			const dir = join(root, name);
			for (const [split, cls, size] of files) {
				await mkdir(join(dir, split, cls), { recursive: true });
				if (size > 0) await png(join(dir, split, cls, "1.png"), size);
			}
			return dir;
		};
		const one = await make("one", [
			["train", "only", 8],
			["test", "only", 8],
		]);
		const empty = await make("empty", [
			["train", "cats", 8],
			["train", "dogs", 0],
			["test", "cats", 8],
			["test", "dogs", 8],
		]);
		const mixed = await make("mixed", [
			["train", "a", 8],
			["train", "b", 12],
			["test", "a", 8],
			["test", "b", 8],
		]);
		const cases: [string, string, RegExp][] = [
			[one, "pixels", /has one class \(only\); the probes classify, so give it at least two class subfolders/],
			[empty, "pixels", /dogs: class folder holds no images/],
			[mixed, "pixels", /holds images of different sizes .* is 8x8, .* is 12x12\); pass --image-size S/],
		];
		for (const [dataset, encoder, message] of cases) {
			const out = join(root, `bad-${Math.random().toString(36).slice(2)}.json`);
			const err = await evaluateRepresentation({ encoder, dataset, out }).catch((e: unknown) => e);
			expect(err, dataset).toBeInstanceOf(GenrepError);
			expect((err as Error).message).toMatch(message);
			expect((err as Error).message).not.toContain("\n");
			expect(existsSync(out)).toBe(false);
		}
	});
});
