/** The demo preset (`genrep demo`): real images vs generated T_x vs generated T_z + T_x, one seed. */
import type { CellSpec, PresetSpec } from "../preset.js";
import { baselinesFor, common, GAN, labelEfficiency, scaleText, TABLE_SIGMA, views } from "./common.js";

/**
 * The demo keeps the small recipe it had before the protocol (resnet-tiny, the trainer's lr 0.03 and
 * temperature 0.1): on the protocol's resnet10-w32 its three trainings alone take about 20
 * CPU-minutes, twice its budget (issue 13 asks for 10).
 */
const DEMO_RECIPE = { encoder: "resnet-tiny", lr: undefined, temperature: undefined } as const;

const demoCells: CellSpec[] = [
	{ id: "real-tx", label: "real images, T_x", data: { kind: "real" } },
	{ id: "gen-tx", label: "generated, T_x only", data: { kind: "views", views: "gaussian", latentViews: false } },
	{ id: "gen-tz-tx", label: "generated, T_z gaussian + T_x", data: { kind: "views", views: "gaussian" } },
	...baselinesFor(DEMO_RECIPE.encoder),
];

export const demo: PresetSpec = {
	...common,
	...DEMO_RECIPE,
	name: "demo",
	title: "genrep demo: representations from a Fashion-MNIST GAN vs from real images",
	description:
		"Trains three SimCLR encoders for the same number of steps: on real Fashion-MNIST images with pixel views (T_x), " +
		"on images of the shipped unconditional generator with pixel views only, and on generated anchors paired with " +
		"Gaussian latent views plus pixel views (T_z + T_x, GenRep). Each is judged by linear probes on real Fashion-MNIST " +
		"and by transfer to MNIST, beside raw-pixel and random-encoder baselines.",
	scale: scaleText(
		200,
		1,
		"20k generated anchors with one Gaussian view each (sigma 0.5)",
		"resnet-tiny encoder (~77k parameters), batch 256, lr 0.03, temperature 0.1 (the demo's small recipe, not the presets' protocol)",
	),
	seeds: [0],
	steps: 200,
	views: { gaussian: views(GAN, "gaussian", 20000, { sigma: TABLE_SIGMA }) },
	cells: demoCells,
	tables: [
		{
			title: "Linear probe on real Fashion-MNIST (and transfer to MNIST)",
			caption:
				"SimCLR, same steps for every trained row. Paper (Table 1): T_z + T_x beats T_x alone on generated data.",
			rows: ["real-tx", "gen-tx", "gen-tz-tx", "pixels", "random"],
		},
	],
	sweeps: [labelEfficiency(demoCells, 1000)],
	grids: [{ views: "gaussian", title: "Anchors (left) and their Gaussian latent views (sigma 0.5)" }],
};
