import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { ParamStore } from "../../src/engine/nn/params.js";
import { packageRoot } from "../../src/engine/packageRoot.js";
import { Rng } from "../../src/engine/rng.js";
import { GenrepError } from "../../src/errors.js";
import { readSafetensors, writeSafetensors } from "../../src/formats/safetensors.js";
import { type DcganConfig, DcganGenerator } from "../../src/generators/architectures/dcgan.js";
import { saveParams } from "../../src/generators/checkpoint.js";
import { loadGenerator } from "../../src/generators/load.js";
import { resolveGenerator, SHIPPED_GENERATORS } from "../../src/generators/registry.js";
import { TfjsGenerator } from "../../src/generators/tfjsGenerator.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";

const root = await mkdtemp(join(tmpdir(), "genrep-load-"));
afterAll(() => rm(root, { recursive: true, force: true }));

const CONFIG: DcganConfig = { latentDim: 8, numClasses: 3, width: 4, channels: 1 };

/** A card like the one trainGan writes. */
function cardFor(config: DcganConfig): Record<string, unknown> {
	return {
		format: "genrep-generator/1",
		kind: "tfjs",
		architecture: "dcgan",
		architectureConfig: config,
		weights: "generator.safetensors",
		latentDim: config.latentDim,
		numClasses: config.numClasses,
		classNames: Array.from({ length: config.numClasses }, (_, i) => `c${i}`),
		imageShape: [32, 32, config.channels],
		valueRange: [-1, 1],
		layout: "NHWC",
		defaultTruncation: 2,
	};
}

/** Saves a freshly initialised DcganGenerator (seeded) with a card into `dir`. */
async function makeTinyModel(dir: string, config = CONFIG, seed = 5): Promise<void> {
	const store = new ParamStore(new Rng(seed));
	new DcganGenerator(store, config);
	await saveParams(join(dir, "generator.safetensors"), store, { format: "genrep-generator/1", architecture: "dcgan" });
	store.dispose();
	await writeFile(join(dir, "model.json"), JSON.stringify(cardFor(config), null, 2));
}

/** Copies the tiny model to a new directory and lets `edit` change its card or weights. */
async function variant(
	name: string,
	edit: (dir: string, card: Record<string, unknown>) => Promise<void> | void,
): Promise<string> {
	const dir = join(root, name);
	await mkdir(dir, { recursive: true });
	await makeTinyModel(dir);
	const card = cardFor(CONFIG);
	await edit(dir, card);
	await writeFile(join(dir, "model.json"), JSON.stringify(card, null, 2));
	return dir;
}

async function loadError(dir: string): Promise<GenrepError> {
	const err = await loadGenerator(dir).then(
		(g) => {
			g.dispose();
			return null;
		},
		(e: unknown) => e,
	);
	expect(err).toBeInstanceOf(GenrepError);
	return err as GenrepError;
}

const tinyDir = join(root, "tiny");

describe("loadGenerator (tfjs)", () => {
	beforeAll(async () => {
		await initEngine({ backend: "wasm" });
		await mkdir(tinyDir, { recursive: true });
		await makeTinyModel(tinyDir);
	});

	it("implements the Generator interface: card fields, [N, 32, 32, C] in [-1, 1], same as the network it saved", async () => {
		const g = await loadGenerator(tinyDir);
		expect(g).toBeInstanceOf(TfjsGenerator);
		expect(g).toMatchObject({
			id: tinyDir,
			latentDim: 8,
			numClasses: 3,
			classNames: ["c0", "c1", "c2"],
			imageShape: [32, 32, 1],
			defaultTruncation: 2,
			differentiable: true,
		});
		const reference = new ParamStore(new Rng(5));
		const network = new DcganGenerator(reference, CONFIG);
		const z = tf.randomNormal([5, 8], 0, 1, "float32", 1) as tf.Tensor2D;
		const y = tf.tensor1d([0, 1, 2, 1, 0], "int32");
		const images = await expectNoLeakedTensors(async () => {
			const out = await g.generate(z, y);
			const values = await out.data();
			out.dispose();
			return values;
		});
		const expected = tf.tidy(() => network.apply(z, y, false));
		expect(images.length).toBe(5 * 32 * 32);
		expect(maxAbsDiff(images, await expected.data())).toBe(0);
		expect(Math.max(...images)).toBeLessThanOrEqual(1);
		expect(Math.min(...images)).toBeGreaterThanOrEqual(-1);
		tf.dispose([z, y, expected]);
		reference.dispose();
		g.dispose();
	});

	it("is differentiable: gradients flow from images back to z", async () => {
		const g = (await loadGenerator(tinyDir)) as TfjsGenerator;
		const z = tf.randomNormal([2, 8], 0, 1, "float32", 3) as tf.Tensor2D;
		const y = tf.tensor1d([1, 2], "int32");
		const grad = tf.grad((zz: tf.Tensor) => tf.sum(g.forward(zz as tf.Tensor2D, y)))(z);
		const values = await grad.data();
		expect(grad.shape).toEqual([2, 8]);
		expect(values.some((v) => v !== 0)).toBe(true);
		tf.dispose([z, y, grad]);
		g.dispose();
	});

	it("rejects z and y that do not match the card, naming model.json and the mismatch", async () => {
		const g = await loadGenerator(tinyDir);
		const card = join(tinyDir, "model.json");
		const cases: [tf.Tensor2D, tf.Tensor1D | undefined, string][] = [
			[tf.zeros([2, 5]), tf.tensor1d([0, 1], "int32"), "z has shape [2, 5], expected [N, 8] (latentDim 8)"],
			[tf.zeros([2, 8]), undefined, "conditional (3 classes) and needs class labels y"],
			[tf.zeros([2, 8]), tf.tensor1d([0, 3], "int32"), "class index 3 at position 1 of y is out of range"],
			[tf.zeros([2, 8]), tf.tensor1d([-1, 0], "int32"), "class index -1 at position 0"],
			[tf.zeros([2, 8]), tf.tensor1d([0, 1, 2], "int32"), "y has shape [3], expected [2]"],
		];
		for (const [z, y, message] of cases) {
			const err = await Promise.resolve(g.generate(z, y)).catch((e: unknown) => e);
			expect(err).toBeInstanceOf(GenrepError);
			expect((err as Error).message).toContain(`${card}: `);
			expect((err as Error).message).toContain(message);
			tf.dispose([z, ...(y ? [y] : [])]);
		}
		g.dispose();
	});

	it("an unconditional model rejects class labels", async () => {
		const dir = join(root, "uncond");
		await mkdir(dir);
		await makeTinyModel(dir, { ...CONFIG, numClasses: 0 });
		const g = await loadGenerator(dir);
		expect(g.numClasses).toBe(0);
		const z = tf.zeros([2, 8]) as tf.Tensor2D;
		const out = await g.generate(z);
		expect(out.shape).toEqual([2, 32, 32, 1]);
		const y = tf.tensor1d([0, 0], "int32");
		await expect(Promise.resolve(g.generate(z, y))).rejects.toThrow(/unconditional \(numClasses 0\)/);
		tf.dispose([z, y, out]);
		g.dispose();
	});

	it("NaN in the weights is an error at load naming the weights file", async () => {
		const dir = await variant("nan-weights", async (d) => {
			const path = join(d, "generator.safetensors");
			const { tensors, metadata } = await readSafetensors(path);
			(tensors.get("generator.toImage.bias")?.data as Float32Array)[0] = Number.NaN;
			await writeSafetensors(path, tensors, metadata);
		});
		await expect(loadGenerator(dir)).rejects.toThrow(
			`${join(dir, "generator.safetensors")}: parameter 'generator.toImage.bias' holds NaN at value 0; the file is corrupt`,
		);
	});

	it("NaN in the output is an error naming the weights file", async () => {
		// Weights that turn NaN after loading (the file itself is checked at load).
		const dir = await variant("nan", async () => {});
		const g = (await loadGenerator(dir)) as TfjsGenerator;
		const bias = g.store.all().get("generator.toImage.bias") as tf.Variable;
		tf.tidy(() => bias.assign(tf.fill(bias.shape, Number.NaN)));
		const z = tf.zeros([2, 8]) as tf.Tensor2D;
		const y = tf.tensor1d([0, 1], "int32");
		const before = tf.memory().numTensors;
		await expect(Promise.resolve(g.generate(z, y))).rejects.toThrow(
			`${join(dir, "generator.safetensors")}: the generator's output has NaN (first in sample 0)`,
		);
		expect(tf.memory().numTensors).toBe(before);
		tf.dispose([z, y]);
		g.dispose();
	});

	it("missing, corrupt or mismatched files are errors naming the file", async () => {
		const weights = (d: string) => join(d, "generator.safetensors");
		const card = (d: string) => join(d, "model.json");
		const missingWeights = await variant("no-weights", (d) => rm(weights(d)));
		expect((await loadError(missingWeights)).message).toBe(`${weights(missingWeights)}: no such file`);
		const corrupt = await variant("corrupt", (d) => writeFile(weights(d), "not a safetensors file at all"));
		expect((await loadError(corrupt)).message).toContain(`${weights(corrupt)}: `);
		const truncated = await variant("truncated", async (d) => {
			const bytes = await readFile(weights(d));
			await writeFile(weights(d), bytes.subarray(0, bytes.length - 100));
		});
		expect((await loadError(truncated)).message).toContain(`${weights(truncated)}: `);
		const wider = await variant("wider", (_d, c) => {
			c.architectureConfig = { ...CONFIG, width: 8 };
		});
		// The card's network is larger than its weights: refused before the network is built.
		expect((await loadError(wider)).message).toMatch(
			new RegExp(
				`^${card(wider)}: architectureConfig describes a network of at least \\d+ parameters, but ${weights(wider)} holds \\d+ values`,
			),
		);
		const noCard = await variant("no-card", () => {});
		await rm(card(noCard));
		expect((await loadError(noCard)).message).toContain(`${card(noCard)}: no such file`);
		const notJson = await variant("not-json", () => {});
		await writeFile(card(notJson), "{ latentDim: 8");
		expect((await loadError(notJson)).message).toContain(`${card(notJson)}: not valid JSON`);
	});

	it("card errors name model.json and the field", async () => {
		const cases: [string, (c: Record<string, unknown>) => void, string][] = [
			[
				"format",
				(c) => (c.format = "genrep-generator/2"),
				`format is "genrep-generator/2", expected "genrep-generator/1"`,
			],
			["no-format", (c) => delete c.format, `missing field 'format'`],
			["no-latent", (c) => delete c.latentDim, `missing field 'latentDim'`],
			["bad-kind", (c) => (c.kind = "keras"), `field 'kind'`],
			["bad-shape", (c) => (c.imageShape = [32, 32]), `field 'imageShape'`],
			["latent-mismatch", (c) => (c.latentDim = 16), "architectureConfig.latentDim is 8 but the card says 16"],
			["classes-mismatch", (c) => (c.numClasses = 4), "classNames has 3 names but numClasses is 4"],
			["arch", (c) => (c.architecture = "stylegan9"), `unknown architecture "stylegan9"; known: dcgan`],
			["range", (c) => (c.valueRange = [0, 1]), "a tfjs generator outputs [-1, 1]"],
		];
		for (const [name, edit, message] of cases) {
			const dir = await variant(`card-${name}`, (_d, c) => edit(c));
			const err = await loadError(dir);
			expect(err.message, name).toContain(`${join(dir, "model.json")}: `);
			expect(err.message, name).toContain(message);
		}
	});
});

describe("resolveGenerator", () => {
	it("finds the package root from the module and resolves shipped names under models/", () => {
		const rootDir = packageRoot();
		expect(JSON.parse(readFileSync(join(rootDir, "package.json"), "utf8")).name).toBe("genrep");
		for (const name of Object.keys(SHIPPED_GENERATORS)) {
			let location: ReturnType<typeof resolveGenerator> | null = null;
			try {
				location = resolveGenerator(name);
			} catch (err) {
				// Not trained and installed yet: the error says where it looked.
				expect((err as Error).message).toContain(join(rootDir, "models", name, "model.json"));
			}
			if (location) expect(location).toEqual({ id: name, dir: join(rootDir, "models", name), shipped: true });
		}
	});

	it("reads a directory as is and rejects unknown names", () => {
		expect(resolveGenerator(tinyDir)).toEqual({ id: tinyDir, dir: tinyDir, shipped: false });
		expect(() => resolveGenerator("no-such-model")).toThrow(
			`unknown generator 'no-such-model': not a shipped model (${Object.keys(SHIPPED_GENERATORS).join(", ")}) and no such directory`,
		);
		expect(() => resolveGenerator("./no/such/dir")).toThrow("./no/such/dir: no such model directory");
	});
});
