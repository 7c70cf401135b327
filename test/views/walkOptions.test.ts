/**
 * Walk training's options as a zod schema (src/views/steer/walkOptions.ts): hostile values
 * are refused with steer train's messages naming the option and the value, unknown keys are
 * errors, the defaults are WALK_TRAINING_DEFAULTS, and the resolver fills in the generator's
 * truncation, each edit's range and the gradient.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { GenrepError } from "../../src/errors.js";
import { PIXEL_EDIT_NAMES, PIXEL_EDITS } from "../../src/views/steer/pixelEdits.js";
import {
	parseWalkTraining,
	resolveWalkTraining,
	WALK_TRAINING_DEFAULTS,
	type WalkTrainingOptions,
} from "../../src/views/steer/walkOptions.js";
import { makeBlobGenerator } from "./blobGenerator.js";

const base = { generator: "blob", out: "walks" };

function messageOf(options: Record<string, unknown>, resolve = false): string {
	try {
		const parsed = parseWalkTraining({ ...base, ...options } as WalkTrainingOptions);
		if (resolve) resolveWalkTraining(blob, parsed);
	} catch (err) {
		expect(err, JSON.stringify(options)).toBeInstanceOf(GenrepError);
		return (err as Error).message;
	}
	throw new Error(`accepted ${JSON.stringify(options)}`);
}

let blob: ReturnType<typeof makeBlobGenerator>;
beforeAll(async () => {
	await initEngine({ backend: "wasm" });
	blob = makeBlobGenerator(16);
});
afterAll(() => blob.dispose());

describe("walk training options", () => {
	it("refuse hostile values with steer train's messages", () => {
		const cases: [Record<string, unknown>, string][] = [
			[{ steps: 0 }, "steer train: steps must be an integer >= 1, got 0"],
			[{ steps: 1.5 }, "steer train: steps must be an integer >= 1, got 1.5"],
			[{ batchSize: Number.NaN }, "steer train: batchSize must be an integer >= 1, got NaN"],
			[{ evalSamples: "8" }, 'steer train: evalSamples must be an integer >= 1, got "8"'],
			[{ evalAlphas: -1 }, "steer train: evalAlphas must be an integer >= 1, got -1"],
			[{ progressEvery: 0 }, "steer train: progressEvery must be an integer >= 1, got 0"],
			[{ learningRate: -1 }, "steer train: learningRate must be a positive number, got -1"],
			[{ learningRate: Number.POSITIVE_INFINITY }, "steer train: learningRate must be a positive number, got Infinity"],
			[{ truncation: 0 }, "steer train: truncation must be a positive number, got 0"],
			[{ seed: -1 }, "steer train: seed must be an integer in [0, 2^32), got -1"],
			[{ gradient: "sgd" }, 'steer train: gradient must be one of auto, autodiff, fd, es, got "sgd"'],
			[{ probes: 0 }, "steer train: probes must be an integer >= 1, got 0"],
			[{ probeScale: Number.NaN }, "steer train: probeScale must be a positive number, got NaN"],
			[{ edits: [] }, "steer train: edits must be a list of non-empty strings with at least one value, got []"],
			[{ edits: "zoom" }, 'steer train: edits must be a list of non-empty strings, got "zoom"'],
			[{ onProgress: 3 }, "steer train: onProgress: Invalid input, got 3"],
			[{ stepz: 3 }, "steer train: unknown walk training option 'stepz'"],
			[{ generator: "" }, 'steer train: generator must be a non-empty string, got ""'],
		];
		for (const [options, message] of cases) expect(messageOf(options), JSON.stringify(options)).toBe(message);
		expect(messageOf({ out: undefined })).toBe("steer train: out is required");
	});

	it("refuse edits and ranges the generator cannot take", () => {
		expect(messageOf({ edits: ["zoom", "zoom"] }, true)).toBe("steer train: edit 'zoom' is listed twice");
		expect(messageOf({ edits: ["shear"] }, true)).toMatch(/^unknown pixel edit 'shear'; known edits: shiftX/);
		expect(messageOf({ edits: ["zoom"], alphaRanges: { rotate: [-10, 10] } }, true)).toBe(
			"steer train: alpha range for 'rotate', which is not trained",
		);
		expect(messageOf({ alphaRanges: { shiftX: [-20, 4] } }, true)).toBe(
			"shiftX: alpha range [-20,4] must lie inside (-16, 16) pixels",
		);
		// probes beyond the blob's 6 latent dims
		expect(messageOf({ gradient: "es", probes: 7 }, true)).toMatch(/^steer train: probes 7 is more than blob's/);
	});

	it("fill in the defaults, the generator's truncation and the gradient", () => {
		const parsed = parseWalkTraining(base);
		expect(parsed).toMatchObject({ ...WALK_TRAINING_DEFAULTS, gradient: "auto" });
		const r = resolveWalkTraining(blob, parsed);
		expect(r.edits.map((e) => e.name)).toEqual([...PIXEL_EDIT_NAMES]);
		expect(r.edits.map((e) => e.range)).toEqual(PIXEL_EDIT_NAMES.map((n) => PIXEL_EDITS[n].defaultRange));
		expect(r).toMatchObject({ ...WALK_TRAINING_DEFAULTS, truncation: blob.defaultTruncation });
		expect(r.gradient).toEqual({ method: "autodiff", probes: 0, probeScale: 0 });

		const given = resolveWalkTraining(
			blob,
			parseWalkTraining({
				...base,
				edits: ["zoom"],
				alphaRanges: { zoom: [0.5, 2] },
				steps: 3,
				truncation: 1,
				gradient: "es",
				probes: 2,
			}),
		);
		expect(given).toMatchObject({ steps: 3, truncation: 1, gradient: { method: "es", probes: 2, probeScale: 0.05 } });
		expect(given.edits).toEqual([{ name: "zoom", range: [0.5, 2], unit: expect.any(Number) }]);
	});
});
