/** The sweep presets: the Gaussian view's sigma, the number of generated anchors, and mixing real with generated images. */
import type { CellSpec, PresetSpec } from "../preset.js";
import { common, GAN, scaleText, TABLE_SIGMA, views } from "./common.js";

const SWEEP_STEPS = 300;
const SIGMAS = [0.1, 0.25, 0.5, 1, 2, 4];
export const sigmaSweep: PresetSpec = {
	...common,
	name: "sigma-sweep",
	title: "Spread of the Gaussian latent view (figure 5 at our scale)",
	description:
		"SimCLR with T_z gaussian + T_x on the unconditional generator, for a range of sigma; T_x only for reference.",
	scale: scaleText(SWEEP_STEPS, 2, `30k generated anchors per sigma (${SIGMAS.join(", ")})`),
	seeds: [0, 1],
	steps: SWEEP_STEPS,
	views: Object.fromEntries(SIGMAS.map((s) => [`sigma-${s}`, views(GAN, "gaussian", 30000, { sigma: s })])),
	cells: [
		{ id: "tx-only", label: "T_x only", data: { kind: "views", views: "sigma-0.5", latentViews: false } },
		...SIGMAS.map(
			(s): CellSpec => ({ id: `sigma-${s}`, label: `sigma ${s}`, data: { kind: "views", views: `sigma-${s}` } }),
		),
	],
	tables: [
		{ title: "Gaussian T_z + T_x by sigma", rows: ["tx-only", ...SIGMAS.map((s) => `sigma-${s}`)], chart: false },
	],
	sweeps: [
		{
			title: "Linear probe vs sigma",
			x: { label: "sigma of the Gaussian latent view", scale: "log" },
			y: "linear",
			series: [
				{
					name: "T_z gaussian + T_x",
					points: [
						...SIGMAS.map((s) => ({ x: s, cell: `sigma-${s}` })),
						{ x: null, xLabel: "T_x only", cell: "tx-only" },
					],
				},
			],
			paperNote: "Figure 5: an inverse U; the best sigma depends on the generator (0.2 to 1.0).",
		},
		{
			title: "Transfer to MNIST vs sigma",
			x: { label: "sigma of the Gaussian latent view", scale: "log" },
			y: "transfer",
			series: [
				{
					name: "T_z gaussian + T_x",
					points: [
						...SIGMAS.map((s) => ({ x: s, cell: `sigma-${s}` })),
						{ x: null, xLabel: "T_x only", cell: "tx-only" },
					],
				},
			],
		},
	],
	grids: SIGMAS.map((s) => ({ views: `sigma-${s}`, title: `Gaussian views, sigma ${s}` })),
};

const ANCHOR_COUNTS = [1000, 3000, 10000, 30000, 60000];
export const samplesSweep: PresetSpec = {
	...common,
	name: "samples-sweep",
	title: "Number of unique generated anchors (figures 6 and 8 at our scale)",
	description:
		"SimCLR with T_z gaussian + T_x on the unconditional generator, trained for the same number of steps on stored " +
		"datasets of growing size and on a live stream (a fresh anchor every time).",
	scale: scaleText(SWEEP_STEPS, 2, `${ANCHOR_COUNTS.join(", ")} stored anchors or a live stream`),
	seeds: [0, 1],
	steps: SWEEP_STEPS,
	views: Object.fromEntries(
		ANCHOR_COUNTS.map((n) => [`anchors-${n}`, views(GAN, "gaussian", n, { sigma: TABLE_SIGMA })]),
	),
	cells: [
		...ANCHOR_COUNTS.map(
			(n): CellSpec => ({ id: `anchors-${n}`, label: `${n} anchors`, data: { kind: "views", views: `anchors-${n}` } }),
		),
		{
			id: "live",
			label: "live stream (unlimited)",
			data: { kind: "live", generator: GAN, view: { kind: "gaussian", sigma: TABLE_SIGMA } },
		},
	],
	tables: [
		{ title: "By number of unique anchors", rows: [...ANCHOR_COUNTS.map((n) => `anchors-${n}`), "live"], chart: false },
	],
	sweeps: [
		{
			title: "Linear probe vs unique anchors (fixed steps)",
			x: { label: "unique generated anchors", scale: "log" },
			y: "linear",
			series: [
				{
					name: "T_z gaussian + T_x",
					points: [
						...ANCHOR_COUNTS.map((n) => ({ x: n, cell: `anchors-${n}` })),
						{ x: null, xLabel: "live stream (unlimited)", cell: "live" },
					],
				},
			],
			paperNote: "Figures 6 and 8: more samples help, sub-logarithmically.",
		},
	],
	grids: [{ views: "anchors-1000", title: "Anchors and Gaussian views" }],
};

const FRACTIONS = [0, 0.05, 0.1, 0.25, 0.5, 1];
export const mixing: PresetSpec = {
	...common,
	name: "mixing",
	title: "Replacing real images with generated ones (figure 9 at our scale)",
	description:
		"SimCLR on Fashion-MNIST where a fraction of the real training images is replaced by generated anchors (each paired " +
		"with a Gaussian latent view; real images pair with themselves), T_x on every view.",
	scale: scaleText(SWEEP_STEPS, 2, `fractions ${FRACTIONS.map((f) => `${f * 100}%`).join(", ")} of 60k real images`),
	seeds: [0, 1],
	steps: SWEEP_STEPS,
	views: { gaussian: views(GAN, "gaussian", 60000, { sigma: TABLE_SIGMA }) },
	cells: FRACTIONS.map(
		(f): CellSpec => ({
			id: `mix-${f * 100}`,
			label: `${f * 100}% generated`,
			data: { kind: "mixed", views: "gaussian", fraction: f },
		}),
	),
	tables: [{ title: "By fraction of generated images", rows: FRACTIONS.map((f) => `mix-${f * 100}`), chart: false }],
	sweeps: [
		{
			title: "Linear probe vs fraction of generated images",
			x: { label: "fraction of real images replaced", scale: "linear" },
			y: "linear",
			series: [{ name: "SimCLR", points: FRACTIONS.map((f) => ({ x: f, cell: `mix-${f * 100}` })) }],
			paperNote: "Figure 9: replacing a small fraction with generated images costs little or helps.",
		},
	],
	grids: [],
};
