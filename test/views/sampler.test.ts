import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import type { Generator } from "../../src/generators/generator.js";
import { loadGenerator } from "../../src/generators/load.js";
import { generateOnHost } from "../../src/generators/sampling.js";
import { createLatentView } from "../../src/views/latent/registry.js";
import { sampleMultiviewBlock, toUint8 } from "../../src/views/multiviewSampler.js";
import { expectNoLeakedTensors } from "../helpers/tensors.js";
import { makeTinyGenerator } from "./tinyGenerator.js";

const root = await mkdtemp(join(tmpdir(), "genrep-sampler-"));
let cgan: Generator;
let gan: Generator;

beforeAll(async () => {
	await initEngine({ backend: "wasm" });
	cgan = await loadGenerator(await makeTinyGenerator(join(root, "cgan"), 3));
	gan = await loadGenerator(await makeTinyGenerator(join(root, "gan"), 0));
});
afterAll(async () => {
	cgan.dispose();
	gan.dispose();
	await rm(root, { recursive: true, force: true });
});

const gaussian = createLatentView("gaussian", { sigma: 0.5 });

describe("multiview sampler", () => {
	it("a block holds anchors first, then K views each; images are G(z, y) as uint8; y is shared", async () => {
		const b = await expectNoLeakedTensors(() =>
			sampleMultiviewBlock(cgan, gaussian, 0, 3, { neighbors: 2, seed: 7, batchSize: 4 }),
		);
		expect(b).toMatchObject({ count: 3, views: 3, imageShape: [32, 32, 1], latentDim: 8 });
		expect(b.images.length).toBe(3 * 3 * 1024);
		expect(b.z.length).toBe(3 * 3 * 8);
		expect(b.y?.length).toBe(3);
		for (const y of b.y ?? []) expect(y >= 0 && y < 3).toBe(true);
		// The images are the generator's output for (z, y) of each view.
		const labels = Int32Array.from({ length: 9 }, (_, j) => (b.y as Int32Array)[Math.floor(j / 3)]);
		expect(toUint8(await generateOnHost(cgan, b.z, labels))).toEqual(b.images);
		// Anchors are within the truncation; views are near their anchor (|w| <= 2 sigma).
		for (let i = 0; i < 3; i++) {
			for (let c = 0; c < 8; c++) {
				const anchor = b.z[i * 24 + c];
				expect(Math.abs(anchor)).toBeLessThanOrEqual(2);
				for (let v = 1; v < 3; v++) expect(Math.abs(b.z[i * 24 + v * 8 + c] - anchor)).toBeLessThanOrEqual(1 + 1e-6);
			}
		}
	});

	it("block i depends only on (seed, i): same bytes alone or after others, different for other blocks and seeds", async () => {
		const options = { neighbors: 1, seed: 11 };
		const b1 = await sampleMultiviewBlock(cgan, gaussian, 1, 2, options);
		await sampleMultiviewBlock(cgan, gaussian, 0, 2, options);
		const again = await sampleMultiviewBlock(cgan, gaussian, 1, 2, { ...options, batchSize: 1 });
		expect(again.z).toEqual(b1.z);
		expect(again.images).toEqual(b1.images);
		expect((await sampleMultiviewBlock(cgan, gaussian, 2, 2, options)).z).not.toEqual(b1.z);
		expect((await sampleMultiviewBlock(cgan, gaussian, 1, 2, { ...options, seed: 12 })).z).not.toEqual(b1.z);
	});

	it("independent views share only the class; an unconditional generator has no y and rejects them", async () => {
		const b = await sampleMultiviewBlock(cgan, createLatentView("independent"), 0, 2, { neighbors: 1, seed: 1 });
		expect(b.z.subarray(0, 8)).not.toEqual(b.z.subarray(8, 16));
		const u = await sampleMultiviewBlock(gan, createLatentView("none"), 0, 2, { neighbors: 1, seed: 1 });
		expect(u.y).toBeNull();
		expect(u.images.subarray(0, 1024)).toEqual(u.images.subarray(1024, 2048));
		await expect(
			sampleMultiviewBlock(gan, createLatentView("independent"), 0, 2, { neighbors: 1, seed: 1 }),
		).rejects.toThrow("independent view needs a class-conditional generator");
		await expect(sampleMultiviewBlock(cgan, gaussian, 0, 2, { neighbors: 0, seed: 1 })).rejects.toThrow(
			"neighbors must be a positive integer, got 0",
		);
		await expect(sampleMultiviewBlock(cgan, gaussian, 0, 0, { neighbors: 1, seed: 1 })).rejects.toThrow(
			"anchors must be a positive integer, got 0",
		);
	});
});
