/**
 * The walks job without training: when a walks folder counts as finished, what it refuses, and
 * the report note it writes from a walks card (a hand-written card with known errors).
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GenrepError } from "../../src/errors.js";
import type { PresetSpec, WalksSpec } from "../../src/experiments/preset.js";
import { getPreset } from "../../src/experiments/presets.js";
import { retargetPreset } from "../../src/experiments/retarget.js";
import { makeWalksJob, walksDir, walksNotes } from "../../src/experiments/walksJob.js";

const root = await mkdtemp(join(tmpdir(), "genrep-walks-job-"));
afterAll(() => rm(root, { recursive: true, force: true }));

const spec: WalksSpec = { generator: "./g", steps: 3, batchSize: 2, evalSamples: 8, gradient: "auto", seed: 0 };
const error = (withoutWalk: number, withWalk: number) => ({
	withoutWalk,
	withWalk,
	reduction: 1 - withWalk / withoutWalk,
});
/** A finished walks folder as trainSteeringWalks leaves it (the card's fields the experiment reads). */
async function writeWalks(dir: string, stepsPerWalk: number): Promise<void> {
	await mkdir(dir, { recursive: true });
	await writeFile(join(dir, "walks.safetensors"), "");
	const card = {
		generator: { id: "g" },
		walks: [
			{ edit: "zoom", maskedError: error(0.2, 0.15) },
			{ edit: "brightness", maskedError: error(0.1, 0.125) },
		],
		training: { stepsPerWalk, batchSize: 2, seed: 0, gradient: { method: "es", description: "orthogonal ES" } },
		evaluation: { samples: 8 },
	};
	await writeFile(join(dir, "walks.json"), JSON.stringify(card));
}

describe("the walks job", () => {
	it("is done when the folder holds walks of its settings; refuses other settings; its note gives each walk's error", async () => {
		const out = join(root, "exp");
		const job = makeWalksJob("g", spec, out, {});
		expect(job).toMatchObject({ id: "walks <g>", kind: "walks", needs: [] });
		expect(job.weight).toBeGreaterThan(0);
		expect(await job.done()).toBe(false);
		const preset = { name: "p", walks: { g: spec } } as unknown as PresetSpec;
		expect(await walksNotes(preset, out)).toEqual(["Steering walks 'g' for ./g are not trained yet (job walks <g>)."]);

		await writeWalks(walksDir(out, "g"), 3);
		expect(await job.done()).toBe(true);
		expect(await walksNotes(preset, out)).toEqual([
			"Steering walks trained here for g (walks/g/walks.json, walks.png): gradient es (orthogonal ES), 3 Adam steps " +
				"per walk at batch 2. Masked error without → with the walk on 8 held-out latents: zoom 0.2 → 0.15 " +
				"(25.0% lower), brightness 0.1 → 0.125 (25.0% higher: no help).",
		]);
		// Any gradient the card names satisfies `auto`; a named one must match.
		expect(await makeWalksJob("g", { ...spec, gradient: "es" }, out, {}).done()).toBe(true);
		expect(await makeWalksJob("g", { ...spec, gradient: "fd" }, out, {}).done()).toBe(false);

		// Walks of other settings are not redone over, and not passed off as this run's.
		const other = makeWalksJob("g", { ...spec, steps: 40 }, out, {});
		expect(await other.done()).toBe(false);
		const err = await other.run().catch((e: unknown) => e);
		expect(err).toBeInstanceOf(GenrepError);
		expect((err as Error).message).toBe(
			`${walksDir(out, "g")} holds walks trained with steps per walk 3, but this run asks for 40; use a new --out, ` +
				`or delete ${walksDir(out, "g")} and the views made from it`,
		);
		expect(existsSync(join(walksDir(out, "g"), "walks.json"))).toBe(true);
		expect(await walksNotes({ ...preset, walks: { g: { ...spec, steps: 40 } } }, out)).toEqual([
			"Steering walks 'g' for ./g are not trained yet (job walks <g>).",
		]);
	});

	it("a shipped generator with shipped walks keeps them: no walks job", () => {
		const cgan = { id: "fashion-mnist-cgan", numClasses: 10, imageShape: [32, 32, 1] as [number, number, number] };
		const p = retargetPreset(
			getPreset("table-unconditional"),
			{ generator: "fashion-mnist-cgan" },
			{ generator: cgan },
		);
		expect(p.walks).toBeUndefined();
		expect(p.views.steer).toMatchObject({
			generator: "fashion-mnist-cgan",
			viewOptions: { walks: "fashion-mnist-cgan" },
		});
		expect(p.views.steer.trainedWalks).toBeUndefined();
		expect(p.notes?.[0]).toContain("steered views (steer) use the shipped walks of fashion-mnist-cgan");
	});
});
