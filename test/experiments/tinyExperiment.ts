/**
 * A small experiment run in its own process, for the crash tests of the runner:
 *   node --import tsx test/experiments/tinyExperiment.ts <generator dir> <out>
 * One seed; real images and generated T_z + T_x (4 steps each; the generated cell's 24
 * anchors at batch 8 make a 3-step epoch, so it checkpoints mid-run at step 3) and raw pixels.
 */
import type { PresetSpec } from "../../src/experiments/preset.js";
import { runExperiment } from "../../src/experiments/runner.js";

export function smallPreset(generator: string): PresetSpec {
	return {
		name: "small",
		title: "Small preset",
		description: "A tiny generator, four steps per cell.",
		scale: "tiny",
		seeds: [0],
		encoder: "resnet-tiny",
		batchSize: 8,
		steps: 4,
		dataset: "fashion-mnist",
		evalTrainLimit: 100,
		evalTestLimit: 50,
		realLimit: 64,
		views: {
			gaussian: { generator, view: "gaussian", viewOptions: { sigma: 0.5 }, anchors: 24, neighbors: 1, seed: 0 },
		},
		cells: [
			{ id: "real", label: "real images, T_x", data: { kind: "real" } },
			{ id: "tz-tx", label: "generated, T_z + T_x", data: { kind: "views", views: "gaussian" } },
			{ id: "pixels", label: "raw pixels", data: { kind: "baseline", baseline: "pixels" } },
		],
		tables: [{ title: "Small table", rows: ["real", "tz-tx", "pixels"] }],
		sweeps: [],
		grids: [],
	};
}

if (process.argv[1]?.endsWith("tinyExperiment.ts")) {
	const [generator, out] = process.argv.slice(2);
	const result = await runExperiment({ preset: smallPreset(generator), out, log: () => {} });
	process.exitCode = result.failed > 0 ? 1 : 0;
}
