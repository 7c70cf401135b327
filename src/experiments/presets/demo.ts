/**
 * The demo preset (`genrep demo`): generated T_z + T_x vs real images vs raw pixels vs a random
 * encoder, one seed, on the presets' protocol, cut to fit 10 minutes on 2 cores.
 */
import type { CellSpec, PresetSpec } from "../preset.js";
import { baselines, common, GAN, labelEfficiency, PROTOCOL_TEXT, views } from "./common.js";

/**
 * The cuts, against table-unconditional (measured on a 2-core Zen 4 EPYC, where a protocol step
 * takes about 1.45 s and embedding the 70k Fashion-MNIST images about 65 s): 160 steps instead of
 * 300, each anchor seen once; the probes fit on a class-balanced 10k subset of the training split
 * (the full 10k test split), and no MNIST transfer. The encoder, batch, lr, temperature and views
 * are the protocol's.
 */
const DEMO_STEPS = 160;
const DEMO_ANCHORS = DEMO_STEPS * common.batchSize;
const DEMO_PROBE_TRAIN = 10000;

/** The table's best generated row (steered T_z + T_x), real images with T_x, and the two baselines. */
const demoCells: CellSpec[] = [
	{ id: "gen-steer-tx", label: "generated, T_z steer + T_x", data: { kind: "views", views: "steer" } },
	{ id: "real-tx", label: "real images, T_x", data: { kind: "real" } },
	...baselines,
];

export const demo: PresetSpec = {
	...common,
	transfer: undefined,
	name: "demo",
	title: "genrep demo: representations from a Fashion-MNIST GAN vs from real images",
	description:
		"Trains two SimCLR encoders for the same number of steps on the presets' protocol: on anchors of the shipped " +
		"unconditional generator paired with steered latent views plus pixel views (T_z + T_x, GenRep), and on real " +
		"Fashion-MNIST images with pixel views (T_x). Each is judged by linear probes on real Fashion-MNIST, beside " +
		"raw-pixel and random-encoder baselines.",
	scale:
		`${PROTOCOL_TEXT}, ${DEMO_STEPS} SGD steps per cell (${Math.round(DEMO_ANCHORS / 1000)}k anchors, each seen once, ` +
		`with one steered view each); 1 seed; linear probe and kNN fit on a class-balanced ${DEMO_PROBE_TRAIN / 1000}k ` +
		"subset of the training split and scored on the full test split; no transfer (table-unconditional has the full protocol).",
	seeds: [0],
	steps: DEMO_STEPS,
	evalTrainLimit: DEMO_PROBE_TRAIN,
	views: { steer: views(GAN, "steer", DEMO_ANCHORS, { walks: GAN }) },
	cells: demoCells,
	tables: [
		{
			title: "Linear probe on real Fashion-MNIST",
			caption:
				"SimCLR, the same steps, encoder, lr and temperature for both trained rows. Paper (Table 1, ImageNet scale): " +
				"real data stays ahead of generated T_z + T_x; table-unconditional has the full-scale rows over 3 seeds.",
			rows: ["gen-steer-tx", "real-tx", "pixels", "random"],
		},
	],
	sweeps: [labelEfficiency(demoCells, DEMO_PROBE_TRAIN / 10)],
	grids: [{ views: "steer", title: "Anchors (left) and their steered latent views" }],
};
