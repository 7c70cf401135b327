import { describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import { GenrepError } from "../../src/errors.js";
import { GaussianView } from "../../src/views/latent/gaussian.js";
import { type LatentSpace, sampleAnchors } from "../../src/views/latent/latentView.js";
import { createLatentView, LATENT_VIEWS, latentViewFromConfig } from "../../src/views/latent/registry.js";

const SPACE: LatentSpace = { latentDim: 16, numClasses: 10, truncation: 2 };
/** Standard deviation of N(0, 1) truncated to [-2, 2]. */
const TRUNCATED_STD = 0.8796;

function stats(values: ArrayLike<number>): { mean: number; std: number; maxAbs: number } {
	let sum = 0;
	let maxAbs = 0;
	for (let i = 0; i < values.length; i++) {
		sum += values[i];
		maxAbs = Math.max(maxAbs, Math.abs(values[i]));
	}
	const mean = sum / values.length;
	let sq = 0;
	for (let i = 0; i < values.length; i++) sq += (values[i] - mean) ** 2;
	return { mean, std: Math.sqrt(sq / values.length), maxAbs };
}

describe("latent views", () => {
	it("the registry lists every kind; each builds from its defaults or names what it needs", () => {
		expect(Object.keys(LATENT_VIEWS)).toEqual(["none", "gaussian", "independent", "steer"]);
		expect(createLatentView("none").config).toEqual({ kind: "none" });
		expect(createLatentView("gaussian", { sigma: 0.5 }).config).toEqual({
			kind: "gaussian",
			sigma: 0.5,
			truncation: 2,
		});
		expect(createLatentView("independent").config).toEqual({ kind: "independent" });
		expect(createLatentView("gaussian", { sigma: 0.3, truncation: undefined }).config.truncation).toBe(2);
		expect(() => createLatentView("steer")).toThrow("steer view needs walks: pass --walks <dir>");
	});

	it("bad names and options are GenrepErrors naming the bad value", () => {
		const cases: [string, Record<string, unknown>, string][] = [
			["shift", {}, "unknown latent view 'shift'; known views: none, gaussian, independent, steer"],
			["gaussian", {}, "gaussian view: sigma is required"],
			["gaussian", { sigma: 0 }, "gaussian view: sigma must be a positive number, got 0"],
			["gaussian", { sigma: -0.5 }, "gaussian view: sigma must be a positive number, got -0.5"],
			["gaussian", { sigma: Number.NaN }, "gaussian view: sigma must be a positive number, got null"],
			["gaussian", { sigma: "0.2" }, 'gaussian view: sigma must be a positive number, got "0.2"'],
			["gaussian", { sigma: 0.2, truncation: 0 }, "gaussian view: truncation must be a positive number, got 0"],
			["gaussian", { sigma: 0.2, sigm: 1 }, "gaussian view: unknown option 'sigm' (known options: sigma, truncation)"],
			["none", { sigma: 1 }, "none view: unknown option 'sigma' (known options: none)"],
			["independent", { truncation: -1 }, "independent view: truncation must be a positive number, got -1"],
		];
		for (const [name, options, message] of cases) {
			const err = (() => {
				try {
					createLatentView(name, options);
				} catch (e) {
					return e;
				}
			})();
			expect(err, name).toBeInstanceOf(GenrepError);
			expect((err as Error).message, JSON.stringify(options)).toContain(message);
		}
	});

	it("anchors follow N_t(0, 1, 2): bounded by t, mean 0, the truncated normal's spread", () => {
		const z = sampleAnchors(new Rng(1), 2000, 16);
		const s = stats(z);
		expect(s.maxAbs).toBeLessThanOrEqual(2);
		expect(Math.abs(s.mean)).toBeLessThan(0.02);
		expect(s.std).toBeCloseTo(TRUNCATED_STD, 1);
		expect(stats(sampleAnchors(new Rng(1), 100, 16, 0.5)).maxAbs).toBeLessThanOrEqual(0.5);
	});

	it("gaussian: offsets from the anchor have mean 0, spread sigma * 0.88, and stay within 2 sigma", () => {
		const anchors = sampleAnchors(new Rng(2), 200, 16);
		for (const sigma of [0.2, 1]) {
			const view = new GaussianView({ sigma });
			const k = 5;
			const z = view.neighbours(new Rng(3), anchors, k, SPACE); // [200, 5, 16]
			expect(z.length).toBe(200 * k * 16);
			const offsets = z.map((v, i) => v - anchors[Math.floor(i / (k * 16)) * 16 + (i % 16)]);
			const s = stats(offsets);
			expect(Math.abs(s.mean)).toBeLessThan(0.02 * sigma * 2);
			expect(s.std / sigma).toBeCloseTo(TRUNCATED_STD, 1);
			expect(s.maxAbs).toBeLessThanOrEqual(2 * sigma + 1e-6);
		}
		// Deterministic for the rng state, different neighbours for another state.
		const view = new GaussianView({ sigma: 0.5 });
		expect(view.neighbours(new Rng(4), anchors, 2, SPACE)).toEqual(view.neighbours(new Rng(4), anchors, 2, SPACE));
		expect(view.neighbours(new Rng(4), anchors, 2, SPACE)).not.toEqual(view.neighbours(new Rng(5), anchors, 2, SPACE));
	});

	it("none repeats the anchor; independent draws fresh latents and needs classes", () => {
		const anchors = sampleAnchors(new Rng(6), 3, 16);
		const none = createLatentView("none").neighbours(new Rng(7), anchors, 2, SPACE);
		for (let i = 0; i < 3; i++) {
			for (let j = 0; j < 2; j++) {
				expect(none.subarray((i * 2 + j) * 16, (i * 2 + j + 1) * 16)).toEqual(anchors.subarray(i * 16, (i + 1) * 16));
			}
		}
		const independent = createLatentView("independent");
		const fresh = independent.neighbours(new Rng(7), sampleAnchors(new Rng(6), 500, 16), 2, SPACE);
		const s = stats(fresh);
		expect(s.maxAbs).toBeLessThanOrEqual(2);
		expect(s.std).toBeCloseTo(TRUNCATED_STD, 1);
		expect(() => independent.checkCompatible({ ...SPACE, numClasses: 0 }, "my-gan")).toThrow(
			"independent view needs a class-conditional generator, but my-gan is unconditional (numClasses 0)",
		);
		expect(() => independent.checkCompatible(SPACE, "my-cgan")).not.toThrow();
	});

	it("a manifest's view config rebuilds the same view", () => {
		const view = createLatentView("gaussian", { sigma: 0.25, truncation: 1.5 });
		expect(latentViewFromConfig({ ...view.config }).config).toEqual(view.config);
	});
});
