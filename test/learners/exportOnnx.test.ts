import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { saveEncoder } from "../../src/learners/encoderFile.js";
import { createEncoder } from "../../src/learners/encoders/registry.js";
import { exportEncoderOnnx, samePads } from "../../src/learners/exportOnnx.js";
import { randomValues } from "../helpers/backends.js";
import { genrep } from "../helpers/cli.js";
import { maxAbsDiff } from "../helpers/tensors.js";

const dir = await mkdtemp(join(tmpdir(), "genrep-export-"));
beforeAll(() => initEngine({ backend: "wasm" }));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** An encoder with non-trivial batch-norm parameters and statistics, saved as a run. */
async function savedEncoder(name: string, shape: [number, number, number], stem: "cifar" | "imagenet") {
	const encoder = createEncoder(name, { inChannels: shape[2], stem, seed: 3 });
	const rng = new Rng(8);
	for (const [key, v] of encoder.store.all()) {
		if (/\.(gamma|beta|runningMean|runningVar)$/.test(key)) {
			const values = randomValues(rng, v.shape);
			const positive = /gamma|runningVar/.test(key);
			v.assign(
				tf.tensor(
					values.map((x) => (positive ? 0.5 + Math.abs(x) : 0.3 * x)),
					v.shape,
				),
			);
		}
	}
	const run = join(dir, `${name}-${stem}-${shape.join("x")}`);
	const card = { encoder: name, inChannels: shape[2], imageShape: shape, featureDim: encoder.featureDim };
	await saveEncoder(run, encoder, { ...card, method: "simclr", steps: 0, seed: 3 });
	return { encoder, run };
}

describe("ONNX export of an encoder", () => {
	it("samePads matches TensorFlow's 'same' (the extra pixel at the bottom/right)", () => {
		expect(samePads([64, 64], 3, 2)).toEqual({ pads: [0, 0, 1, 1], outSize: [32, 32] });
		expect(samePads([64, 63], 7, 2)).toEqual({ pads: [2, 3, 3, 3], outSize: [32, 32] });
		expect(samePads([5, 5], 3, 1)).toEqual({ pads: [1, 1, 1, 1], outSize: [5, 5] });
		expect(samePads([8, 8], 1, 2)).toEqual({ pads: [0, 0, 0, 0], outSize: [4, 4] });
	});

	for (const [name, shape, stem] of [
		["resnet-tiny", [64, 64, 3], "cifar"],
		["resnet-tiny", [100, 76, 3], "imagenet"],
		["resnet-tiny", [32, 32, 1], "cifar"],
	] as const) {
		it(`${name} ${stem} stem at ${shape.join("x")}: onnxruntime's features match genrep's to 1e-4, metadata names the input`, async () => {
			const { encoder, run } = await savedEncoder(name, [...shape], stem);
			const out = join(dir, `${stem}-${shape.join("x")}.onnx`);
			const r = await exportEncoderOnnx(run, out);
			expect(r.inputShape).toEqual([...shape]);
			const n = 3;
			const x = randomValues(new Rng(4), [n, ...shape]).map((v) => Math.tanh(v)); // in [-1, 1]
			const expected = tf.tidy(() => encoder.apply(tf.tensor4d(x, [n, ...shape]), false).dataSync());
			encoder.dispose();
			const session = await ort.InferenceSession.create(out);
			expect(session.inputNames).toEqual(["images"]);
			expect(session.outputNames).toEqual(["features"]);
			const result = await session.run({ images: new ort.Tensor("float32", x, [n, ...shape]) });
			const features = result.features;
			expect(features.dims).toEqual([n, 64]);
			// The folded batch norm is not the identity: features differ from zero.
			expect(maxAbsDiff(features.data as Float32Array, new Float32Array(n * 64))).toBeGreaterThan(0.1);
			expect(maxAbsDiff(features.data as Float32Array, expected)).toBeLessThan(1e-4);
			await session.release();

			const model = onnxProto.onnx.ModelProto.decode(await readFile(out));
			const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
			expect(meta).toMatchObject({
				input_shape: JSON.stringify(["N", ...shape]),
				input_layout: "NHWC",
				value_range: "[-1, 1]",
				"genrep.stem": stem,
				"genrep.encoder": name,
			});
			expect(meta.normalisation).toContain("pixel / 127.5 - 1");
			const ops = new Set(model.graph?.node?.map((node) => node.opType));
			expect(ops.has("BatchNormalization"), "batch norm is folded").toBe(false);
			expect(ops.has("MaxPool")).toBe(stem === "imagenet");
		});
	}

	it("refuses an unfinished run (a checkpoint on the way)", async () => {
		const encoder = createEncoder("resnet-tiny", { seed: 1 });
		const run = join(dir, "unfinished");
		const card = { encoder: "resnet-tiny", inChannels: 1, imageShape: [32, 32, 1] as [number, number, number] };
		await saveEncoder(
			run,
			encoder,
			{ ...card, featureDim: 64, method: "simclr", steps: 3, seed: 1 },
			{ complete: false },
		);
		encoder.dispose();
		const out = join(dir, "unfinished.onnx");
		await expect(exportEncoderOnnx(run, out)).rejects.toThrow(/is unfinished \(trained 3 steps\)/);
		expect(existsSync(out)).toBe(false);
	});

	it("CLI: bad input is one error line and writes nothing", () => {
		const missing = join(dir, "nowhere");
		const cases: [string[], RegExp][] = [
			[["--out", join(dir, "a.onnx")], /^error: --encoder is required$/],
			[["--encoder", missing, "--out", join(dir, "b.onnx")], /nowhere does not exist/],
			[["--encoder", missing, "--out", join(dir, "c.txt")], /should end in \.onnx/],
		];
		for (const [args, message] of cases) {
			const r = genrep("export", ...args);
			expect(r.status, args.join(" ")).not.toBe(0);
			expect(r.stderr.trim()).toMatch(message);
			expect(existsSync(args.at(-1) as string)).toBe(false);
		}
	});
});
