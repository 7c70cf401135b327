/**
 * The sampler's `classes` option (what `views generate --classes` and the ui's class control
 * use) and SteeringWalks.offset (the ui's steer sliders), on a tiny generator.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import type { Generator } from "../../src/generators/generator.js";
import { loadGenerator } from "../../src/generators/load.js";
import { createLatentView } from "../../src/views/latent/registry.js";
import { sampleMultiviewBlock } from "../../src/views/multiviewSampler.js";
import { latentStep } from "../../src/views/steer/pixelEdits.js";
import { SteeringWalks } from "../../src/views/steer/walks.js";
import { makeTinyGenerator } from "./tinyGenerator.js";
import { unit, writeWalksFolder } from "./walksFixture.js";

const root = await mkdtemp(join(tmpdir(), "genrep-sampler-classes-"));
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

const none = createLatentView("none");

describe("sampler classes", () => {
	it("draws every anchor's class from the list; all classes listed gives the default draws", async () => {
		const options = { neighbors: 1, seed: 3 };
		const one = await sampleMultiviewBlock(cgan, none, 0, 12, { ...options, classes: [2] });
		expect(Array.from(one.y ?? [])).toEqual(Array(12).fill(2));
		const two = await sampleMultiviewBlock(cgan, none, 0, 40, { ...options, classes: [0, 2] });
		expect(new Set(two.y)).toEqual(new Set([0, 2]));
		const all = await sampleMultiviewBlock(cgan, none, 0, 12, { ...options, classes: [0, 1, 2] });
		const plain = await sampleMultiviewBlock(cgan, none, 0, 12, options);
		expect(Array.from(all.y ?? [])).toEqual(Array.from(plain.y ?? []));
		expect(Buffer.compare(Buffer.from(all.images), Buffer.from(plain.images))).toBe(0);
		expect(Array.from(one.z)).toEqual(Array.from(plain.z)); // the class does not move the latents
	});

	it("refuses classes the generator lacks, an empty list, and classes for an unconditional one", async () => {
		const draw = (g: Generator, classes: number[]) =>
			sampleMultiviewBlock(g, none, 0, 2, { neighbors: 1, seed: 0, classes });
		await expect(draw(cgan, [3])).rejects.toThrow(/class 3 is not a class of .*: classes are integers 0\.\.2/);
		await expect(draw(cgan, [1.5])).rejects.toThrow(/class 1\.5 is not a class/);
		await expect(draw(cgan, [])).rejects.toThrow(/classes is empty/);
		await expect(draw(gan, [0])).rejects.toThrow(/is unconditional \(numClasses 0\); leave the classes out/);
	});
});

describe("SteeringWalks.offset", () => {
	it("adds latentStep(alpha) w per walk (naive sum), nothing for the identity, and names unknown walks", async () => {
		const d = 8;
		const dir = await writeWalksFolder(
			join(root, "walks"),
			{ id: "tiny", latentDim: d, numClasses: 0, weightsSha256: "0".repeat(64) },
			{ shiftX: unit(d, 0), zoom: Float32Array.from({ length: d }, (_, i) => i / d) },
		);
		const walks = SteeringWalks.load(dir);
		const card = (edit: string) => walks.card.walks.find((w) => w.edit === edit);
		const shiftX = card("shiftX");
		const zoom = card("zoom");
		if (!shiftX || !zoom) throw new Error("fixture walks missing");
		const got = walks.offset({ shiftX: 3, zoom: 1.4 });
		const a = latentStep("shiftX", 3, shiftX.latentUnit);
		const b = latentStep("zoom", 1.4, zoom.latentUnit);
		const want = Array.from({ length: d }, (_, i) => (i === 0 ? a : 0) + (b * i) / d);
		for (let i = 0; i < d; i++) expect(got[i]).toBeCloseTo(want[i], 6);
		expect(Array.from(walks.offset({ shiftX: 0, zoom: 1 }))).toEqual(Array(d).fill(0));
		expect(() => walks.offset({ spin: 1 })).toThrow(/no walk 'spin' .*its walks: shiftX, zoom/);
		expect(() => walks.offset({ zoom: Number.NaN })).toThrow(/alpha of walk 'zoom' must be a finite number/);
	});
});
