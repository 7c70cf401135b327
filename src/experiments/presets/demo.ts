/** The demo preset (`genrep demo`): generated T_z + T_x vs real images vs raw pixels vs a random encoder, one seed, on the protocol. */
import type { CellSpec, PresetSpec } from "../preset.js";
import { baselines, common, GAN, labelEfficiency, scaleText, TABLE_SIGMA, views } from "./common.js";

const DEMO_STEPS = 300;
const DEMO_ANCHORS = 60000;

/**
 * The headline rows of table-unconditional on the presets' protocol (common.ts), seed 0: the same
 * views dataset, cells and seed, so the demo's two trained rows are those of the table's first seed.
 */
const demoCells: CellSpec[] = [
	{ id: "gen-tz-tx", label: "generated, T_z gaussian + T_x", data: { kind: "views", views: "gaussian" } },
	{ id: "real-tx", label: "real images, T_x", data: { kind: "real" } },
	...baselines,
];

export const demo: PresetSpec = {
	...common,
	name: "demo",
	title: "genrep demo: representations from a Fashion-MNIST GAN vs from real images",
	description:
		"Trains two SimCLR encoders for the same number of steps on the presets' protocol: on anchors of the shipped " +
		"unconditional generator paired with Gaussian latent views plus pixel views (T_z + T_x, GenRep), and on real " +
		"Fashion-MNIST images with pixel views (T_x). Each is judged by linear probes on real Fashion-MNIST and by " +
		"transfer to MNIST, beside raw-pixel and random-encoder baselines.",
	scale: scaleText(
		DEMO_STEPS,
		1,
		`${DEMO_ANCHORS / 1000}k generated anchors with one Gaussian view each (sigma ${TABLE_SIGMA})`,
	),
	seeds: [0],
	steps: DEMO_STEPS,
	views: { gaussian: views(GAN, "gaussian", DEMO_ANCHORS, { sigma: TABLE_SIGMA }) },
	cells: demoCells,
	tables: [
		{
			title: "Linear probe on real Fashion-MNIST (and transfer to MNIST)",
			caption:
				"SimCLR, the same steps, encoder, lr and temperature for both trained rows (the rows of table-unconditional's " +
				"seed 0). Paper (Table 1, ImageNet scale): real data stays ahead of generated T_z + T_x.",
			rows: ["gen-tz-tx", "real-tx", "pixels", "random"],
		},
	],
	sweeps: [labelEfficiency(demoCells, 6000)],
	grids: [{ views: "gaussian", title: `Anchors (left) and their Gaussian latent views (sigma ${TABLE_SIGMA})` }],
};
