import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { GenrepError } from "../../src/errors.js";
import { readSafetensors } from "../../src/formats/safetensors.js";
import { loadGenerator } from "../../src/generators/load.js";
import { OnnxGenerator } from "../../src/generators/onnxGenerator.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";

// Made by scripts/make-onnx-fixture.py (PyTorch export); expected.safetensors holds PyTorch's
// output for fixed z and y, already converted to genrep's contract (NHWC in [-1, 1]).
const FIXTURES = "test/fixtures/onnx";
const root = await mkdtemp(join(tmpdir(), "genrep-onnx-"));
afterAll(() => rm(root, { recursive: true, force: true }));

async function expected(name: string) {
	const { tensors } = await readSafetensors(join(FIXTURES, name, "expected.safetensors"));
	const get = (key: string) => tensors.get(key) as { shape: number[]; data: Float32Array | Int32Array };
	return { z: get("z"), y: get("y"), images: get("images") };
}

/** A copy of a fixture whose card (and files) `edit` may change. */
async function variant(
	fixture: string,
	name: string,
	edit: (card: Record<string, unknown>, dir: string) => Promise<void> | void,
): Promise<string> {
	const dir = join(root, name);
	await cp(join(FIXTURES, fixture), dir, { recursive: true });
	const card = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
	await edit(card, dir);
	await writeFile(join(dir, "model.json"), JSON.stringify(card, null, 2));
	return dir;
}

async function loadError(dir: string): Promise<string> {
	const err = await loadGenerator(dir).then(
		(g) => {
			g.dispose();
			return null;
		},
		(e: unknown) => e,
	);
	expect(err).toBeInstanceOf(GenrepError);
	return (err as Error).message;
}

describe("OnnxGenerator", () => {
	beforeAll(async () => {
		await initEngine({ backend: "wasm" });
	});

	for (const [fixture, size, what] of [
		["tiny-cgan", 16, "class index int64, NCHW output in [0, 1], I/O declared in the card"],
		["tiny-onehot", 16, "one-hot class, NHWC output in [-1, 1], I/O read from the graph"],
		["rgb64", 64, "64x64 RGB, class index, NCHW in [-1, 1], I/O read from the graph"],
	] as const) {
		it(`matches PyTorch's output to 1e-4 (${fixture}: ${what})`, async () => {
			const g = await loadGenerator(join(FIXTURES, fixture));
			expect(g).toBeInstanceOf(OnnxGenerator);
			expect(g).toMatchObject({
				latentDim: 8,
				imageShape: [size, size, 3],
				defaultTruncation: 2,
				differentiable: false,
			});
			const pixels = size * size * 3;
			const e = await expected(fixture);
			const z = tf.tensor2d(e.z.data as Float32Array, e.z.shape as [number, number]);
			const y = tf.tensor1d(e.y.data as Int32Array, "int32");
			const images = await expectNoLeakedTensors(async () => {
				const out = await g.generate(z, y);
				expect(out.shape).toEqual([4, size, size, 3]);
				const values = await out.data();
				out.dispose();
				return values;
			});
			expect(maxAbsDiff(images, e.images.data)).toBeLessThan(1e-4);
			// Batches of another size give the same images (dynamic batch axis).
			const [z2, y2] = [tf.slice(z, [2, 0], [1, 8]), tf.slice(y, [2], [1])];
			const one = await g.generate(z2, y2);
			expect(maxAbsDiff(await one.data(), e.images.data.subarray(2 * pixels, 3 * pixels))).toBeLessThan(1e-4);
			tf.dispose([z, y, z2, y2, one]);
			g.dispose();
		});
	}

	it("reads the binding from the graph when the card does not declare it", async () => {
		const g = (await loadGenerator(join(FIXTURES, "tiny-onehot"))) as OnnxGenerator;
		expect(g.binding).toMatchObject({
			zInput: "latent",
			classInput: "label_onehot",
			classEncoding: "onehot",
			output: "images",
			layout: "NHWC",
			fixedBatch: null,
		});
		g.dispose();
		const dir = await variant("tiny-cgan", "undeclared", (card) => {
			delete card.onnx;
		});
		const h = (await loadGenerator(dir)) as OnnxGenerator;
		expect(h.binding).toMatchObject({ zInput: "z", classInput: "y", classEncoding: "index", classType: "int64" });
		expect(h.binding.layout).toBe("NCHW");
		h.dispose();
	});

	it("rejects z and y that do not match the card, naming model.json", async () => {
		const g = await loadGenerator(join(FIXTURES, "tiny-cgan"));
		const card = join(FIXTURES, "tiny-cgan", "model.json");
		const z = tf.zeros([2, 8]) as tf.Tensor2D;
		const wide = tf.zeros([2, 9]) as tf.Tensor2D;
		const y = tf.tensor1d([3, 10], "int32");
		await expect(g.generate(wide, tf.tensor1d([0, 0], "int32"))).rejects.toThrow(
			`${card}: z has shape [2, 9], expected [N, 8]`,
		);
		await expect(g.generate(z, y)).rejects.toThrow(`${card}: class index 10 at position 1 of y is out of range`);
		await expect(g.generate(z)).rejects.toThrow("needs class labels y");
		tf.dispose([z, wide, y]);
		g.dispose();
	});

	it("a graph whose inputs do not match the card is an error naming model.onnx", async () => {
		const wrongName = await variant("tiny-cgan", "wrong-name", (c) => {
			c.onnx = { ...(c.onnx as object), zInput: "noise" };
		});
		expect(await loadError(wrongName)).toBe(
			`${join(wrongName, "model.onnx")}: expected inputs z float32 [N, 8] and a class input (int64 [N] index or float32 [N, 10] one-hot) (the card's onnx.zInput is "noise"), found z float32 [batch, 8], y int64 [batch]`,
		);
		const unconditional = await variant("tiny-cgan", "uncond", (c) => {
			c.numClasses = 0;
			c.classNames = [];
			delete c.onnx;
		});
		expect(await loadError(unconditional)).toMatch(
			/model\.onnx: expected inputs z float32 \[N, 8\] only \(the card says numClasses 0\), found z float32 \[batch, 8\], y int64 \[batch\]$/,
		);
		const latent = await variant("tiny-onehot", "latent", (c) => {
			c.latentDim = 16;
		});
		expect(await loadError(latent)).toContain(
			`${join(latent, "model.onnx")}: input 'latent' (z) has shape [batch, 8], but the card says latentDim 16`,
		);
		const classes = await variant("tiny-onehot", "classes", (c) => {
			c.numClasses = 7;
			c.classNames = [];
		});
		expect(await loadError(classes)).toContain(
			"input 'label_onehot' (one-hot class) has shape [batch, 5], but the card says numClasses 7",
		);
		const output = await variant("tiny-cgan", "output", (c) => {
			c.onnx = { ...(c.onnx as object), output: "rgb" };
		});
		expect(await loadError(output)).toContain("expected output 'rgb' (the card's onnx.output), found image");
	});

	it("a missing or corrupt model file, or an output unlike the card's imageShape, is an error naming the file", async () => {
		const missing = await variant("tiny-cgan", "missing", (_c, dir) => rm(join(dir, "model.onnx")));
		expect(await loadError(missing)).toBe(
			`${join(missing, "model.onnx")}: no such file (${join(missing, "model.json")} names it)`,
		);
		const corrupt = await variant("tiny-cgan", "corrupt", (_c, dir) => writeFile(join(dir, "model.onnx"), "garbage"));
		expect(await loadError(corrupt)).toMatch(/model\.onnx: not a loadable ONNX model \(.+\)$/);
		const shape = await variant("tiny-cgan", "shape", (c) => {
			c.imageShape = [32, 32, 3];
		});
		const g = await loadGenerator(shape);
		const z = tf.zeros([1, 8]) as tf.Tensor2D;
		const y = tf.tensor1d([0], "int32");
		await expect(Promise.resolve(g.generate(z, y))).rejects.toThrow(
			`${join(shape, "model.onnx")}: output 'image' has shape [1, 3, 16, 16], expected [N, C, H, W] or [N, H, W, C] for the card's imageShape [32, 32, 3]`,
		);
		tf.dispose([z, y]);
		g.dispose();
	});
});
