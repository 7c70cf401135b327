/** The table presets: which views help on the unconditional (SimCLR) and the conditional (SupCon) generator. */
import type { CellSpec, PresetSpec } from "../preset.js";
import { baselines, CGAN, common, GAN, scaleText, TABLE_SIGMA, views } from "./common.js";

const UNCOND_STEPS = 300;
export const tableUnconditional: PresetSpec = {
	...common,
	name: "table-unconditional",
	title: "Unconditional generator: which views help (Tables 1/2 at our scale)",
	description:
		"SimCLR on the shipped unconditional Fashion-MNIST GAN with pixel views only, Gaussian latent views, steered latent " +
		"views, each with and without pixel views; an inverter; and SimCLR on the real training images.",
	scale: scaleText(UNCOND_STEPS, 3, "60k generated anchors with one latent view each"),
	seeds: [0, 1, 2],
	steps: UNCOND_STEPS,
	views: {
		gaussian: views(GAN, "gaussian", 60000, { sigma: TABLE_SIGMA }),
		steer: views(GAN, "steer", 60000, { walks: GAN }),
	},
	cells: [
		{ id: "real-tx", label: "real data, T_x", data: { kind: "real" }, paper: { linear: 43.9 } },
		{
			id: "gen-tx",
			label: "generated, T_x only",
			data: { kind: "views", views: "gaussian", latentViews: false },
			paper: { linear: 35.69 },
		},
		{
			id: "gauss",
			label: "T_z gaussian",
			data: { kind: "views", views: "gaussian" },
			pixelViews: false,
			paper: { linear: 28.88 },
		},
		{
			id: "gauss-tx",
			label: "T_z gaussian + T_x",
			data: { kind: "views", views: "gaussian" },
			paper: { linear: 42.58 },
		},
		{
			id: "steer",
			label: "T_z steer",
			data: { kind: "views", views: "steer" },
			pixelViews: false,
			paper: { linear: 26.52 },
		},
		{ id: "steer-tx", label: "T_z steer + T_x", data: { kind: "views", views: "steer" }, paper: { linear: 41.78 } },
		{
			id: "inverter",
			label: "inverter (regress z)",
			method: "inverter",
			data: { kind: "views", views: "gaussian", latentViews: false },
			pixelViews: false,
			paper: { linear: 26.43 },
		},
		...baselines,
	],
	tables: [
		{
			title: "SimCLR on the unconditional generator",
			caption:
				"Paper (Tables 1-2, BigBiGAN on ImageNet-100): T_z + T_x is best among generated-data rows; T_z or T_x alone is " +
				"clearly worse; Gaussian and steered T_z are about equal; the inverter is weakest; real data stays ahead.",
			rows: ["real-tx", "gen-tx", "gauss", "gauss-tx", "steer", "steer-tx", "inverter", "pixels", "random"],
			paperScale: "Table 1: BigBiGAN on ImageNet, ResNet-50 for 20 epochs, ImageNet-1k linear top-1",
		},
	],
	sweeps: [],
	grids: [
		{ views: "gaussian", title: `Gaussian latent views (sigma ${TABLE_SIGMA})` },
		{ views: "steer", title: "Steered latent views (random alphas on every walk)" },
	],
};

const COND_STEPS = 300;
const supcon = (
	id: string,
	label: string,
	data: CellSpec["data"],
	paper: number | string,
	pixelViews = true,
): CellSpec => ({
	id,
	label,
	method: "supcon",
	data,
	pixelViews,
	paper: { linear: paper },
});
export const tableConditional: PresetSpec = {
	...common,
	name: "table-conditional",
	title: "Class-conditional generator: SupCon with latent views (Tables 3/5/6 at our scale)",
	description:
		"SupCon on the shipped conditional Fashion-MNIST GAN (positives: the same class, one positive shares z) with pixel " +
		"views only, Gaussian, steered and independent (same class, fresh z) latent views, each with and without pixel views; " +
		"an inverter with class cross-entropy; a classifier on generated labels; SupCon and a classifier on real data.",
	scale: scaleText(COND_STEPS, 3, "60k generated anchors with one latent view each"),
	seeds: [0, 1, 2],
	steps: COND_STEPS,
	views: {
		gaussian: views(CGAN, "gaussian", 60000, { sigma: TABLE_SIGMA }),
		steer: views(CGAN, "steer", 60000, { walks: CGAN }),
		independent: views(CGAN, "independent", 60000),
	},
	cells: [
		supcon("tx", "SupCon, T_x only", { kind: "views", views: "gaussian", latentViews: false }, "48.?9"),
		supcon("gauss", "SupCon, T_z gaussian", { kind: "views", views: "gaussian" }, 35.74, false),
		supcon("gauss-tx", "SupCon, T_z gaussian + T_x", { kind: "views", views: "gaussian" }, 46.43),
		supcon("steer", "SupCon, T_z steer", { kind: "views", views: "steer" }, 36.74, false),
		supcon("steer-tx", "SupCon, T_z steer + T_x", { kind: "views", views: "steer" }, 49.25),
		supcon("indep", "SupCon, independent z (p_z)", { kind: "views", views: "independent" }, 36.21, false),
		supcon("indep-tx", "SupCon, independent z + T_x", { kind: "views", views: "independent" }, 48.97),
		{
			id: "inverter",
			label: "inverter (z + class)",
			method: "inverter",
			data: { kind: "views", views: "gaussian", latentViews: false },
			pixelViews: false,
			paper: { linear: 31.56 },
		},
		{
			id: "classifier",
			label: "classifier on generated labels, T_x",
			method: "classifier",
			data: { kind: "views", views: "gaussian", latentViews: false },
			paper: { linear: "65.18, ImageNet-100 (Table 6)" },
		},
		supcon("real-supcon", "real data: SupCon, T_x", { kind: "real" }, 50.84),
		{
			id: "real-classifier",
			label: "real data: classifier, T_x",
			method: "classifier",
			data: { kind: "real" },
			paper: { linear: "80.64, ImageNet-100 (Table 6)" },
		},
		...baselines,
	],
	tables: [
		{
			title: "SupCon and baselines on the conditional generator",
			caption:
				"Paper (Tables 3, 5, 6, BigGAN on ImageNet-1k/100): latent views plus T_x beat T_x alone; independent z of the " +
				"same class works well for SupCon; SupCon on generated data approaches the real-data baselines.",
			rows: [
				"tx",
				"gauss",
				"gauss-tx",
				"steer",
				"steer-tx",
				"indep",
				"indep-tx",
				"inverter",
				"classifier",
				"real-supcon",
				"real-classifier",
				"pixels",
				"random",
			],
			paperScale:
				"Table 3: BigGAN on ImageNet, ResNet-50 for 20 epochs, ImageNet-1k linear top-1; the classifier rows Table 6, ImageNet-100",
		},
	],
	sweeps: [],
	grids: [
		{ views: "gaussian", title: `Gaussian latent views (sigma ${TABLE_SIGMA})` },
		{ views: "steer", title: "Steered latent views" },
		{ views: "independent", title: "Independent views: a fresh z of the same class" },
	],
};
