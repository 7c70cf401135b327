/** The positives preset (SynCLR's question): pairs, multi-positive groups of K latent views, and SupCon on one generated dataset. */
import type { CellSpec, PresetSpec } from "../preset.js";
import { baselines, CGAN, common, GAN, TABLE_SIGMA, views } from "./common.js";

const POSITIVES_STEPS = 300;
const POSITIVES_ANCHORS = 30000;
/** K: latent views per anchor that the multi-positive rows use (all from one stored dataset of 8). */
export const POSITIVES_K = [2, 4, 8] as const;
const POSITIVES_STORED = 8;

/** Anchors per step of groups of `members` images with as many images per step as a pair batch of `batchSize`. */
export const equalImageAnchors = (batchSize: number, members: number) =>
	Math.max(1, Math.round((2 * batchSize) / members));

/**
 * SynCLR's question at our scale: the same generated data, only the positives differ. Built from
 * the common protocol (encoder, batch size, ...) so that it follows the protocol the presets use.
 */
export function positivesPreset(protocol: typeof common, steps = POSITIVES_STEPS): PresetSpec {
	const b = protocol.batchSize;
	const sigma = { sigma: TABLE_SIGMA };
	const rows = (gen: "gan" | "cgan", paper: boolean): CellSpec[] => [
		{
			id: `${gen}-simclr`,
			label: `${gen}: SimCLR on pairs (K = 1)`,
			data: { kind: "views", views: gen, neighbors: 1 },
			...(paper ? { paper: { linear: 63.6 } } : {}),
		},
		{
			id: `${gen}-simclr-any`,
			label: `${gen}: SimCLR, a random one of ${POSITIVES_STORED} views per step`,
			data: { kind: "views", views: gen },
		},
		...POSITIVES_K.map(
			(k): CellSpec => ({
				id: `${gen}-multi-${k}`,
				label: `${gen}: multi-positive, K = ${k}`,
				method: "multipos",
				data: { kind: "views", views: gen, neighbors: k },
				batchSize: equalImageAnchors(b, k + 1),
				...(paper && k === 4 ? { paper: { linear: 73.0 } } : {}),
				...(paper && k === 8 ? { paper: { linear: "73.5, 10 per caption" } } : {}),
			}),
		),
	];
	const cells: CellSpec[] = [
		...rows("gan", false),
		...rows("cgan", true),
		{
			id: "cgan-supcon",
			label: "cgan: SupCon, class labels (+ one latent view)",
			method: "supcon",
			data: { kind: "views", views: "cgan", neighbors: 1 },
			paper: { linear: "71.9, supervised cross-entropy" },
		},
		...baselines,
	];
	const byK = (gen: "gan" | "cgan") => [
		{ x: 1, cell: `${gen}-simclr` },
		...POSITIVES_K.map((k) => ({ x: k, cell: `${gen}-multi-${k}` })),
	];
	const groups = POSITIVES_K.map((k) => `K = ${k}: ${equalImageAnchors(b, k + 1)} x ${k + 1}`).join(", ");
	return {
		...protocol,
		name: "positives",
		title: "Which views are positives: SimCLR pairs vs multi-positive groups vs class labels (SynCLR at our scale)",
		description:
			"The same generated data, only the definition of positives changes. From each shipped generator, " +
			`${POSITIVES_ANCHORS} anchors with ${POSITIVES_STORED} Gaussian latent views each (sigma ${TABLE_SIGMA}); every view gets its ` +
			"own pixel view (T_x). SimCLR trains on the anchor and one latent view (K = 1, or a random one of the 8 every step); " +
			"the multi-positive loss (StableRep, SynCLR) makes the anchor and K of its latent views positives of one another; " +
			"SupCon on the conditional generator makes every image of the same class a positive. Every row sees about " +
			`${2 * b} images per step (the multi-positive rows have fewer anchors, and the learning rate scales with images / 2).`,
		scale:
			`${protocol.encoder} encoder, lr ${protocol.lr}, temperature ${protocol.temperature}, ${steps} SGD steps per cell, about ${2 * b} images per step ` +
			`(pairs: ${b} anchors x 2; multi-positive anchors x members: ${groups}); ` +
			`${POSITIVES_ANCHORS} generated anchors per generator with ${POSITIVES_STORED} latent views each; 3 seeds per cell; ` +
			"linear probe and kNN on the full training and test splits.",
		seeds: [0, 1, 2],
		steps,
		views: {
			gan: { ...views(GAN, "gaussian", POSITIVES_ANCHORS, sigma), neighbors: POSITIVES_STORED },
			cgan: { ...views(CGAN, "gaussian", POSITIVES_ANCHORS, sigma), neighbors: POSITIVES_STORED },
		},
		cells,
		tables: [
			{
				title: "Positives on the unconditional generator",
				caption: "Same data and images per step in every row.",
				rows: ["gan-simclr", "gan-simclr-any", ...POSITIVES_K.map((k) => `gan-multi-${k}`), "pixels", "random"],
			},
			{
				title: "Positives on the conditional generator",
				caption:
					"Paper (SynCLR, ViT-B on 600M synthetic images, ImageNet-1k linear; in italics): SimCLR 63.6, supervised " +
					"cross-entropy 71.9, multi-positive 75.3; four images per caption 73.0, ten 73.5 (StableRep's setting).",
				rows: [
					"cgan-simclr",
					"cgan-simclr-any",
					...POSITIVES_K.map((k) => `cgan-multi-${k}`),
					"cgan-supcon",
					"pixels",
					"random",
				],
				paperScale: "SynCLR: ViT-B on 600M synthetic images, ImageNet-1k linear top-1",
			},
		],
		sweeps: [
			{
				title: "Linear probe vs latent views per anchor",
				caption: "K = 1 is SimCLR on pairs (the multi-positive loss with groups of two is NT-Xent).",
				x: { label: "K, latent views per anchor that are positives", scale: "log" },
				y: "linear",
				series: [
					{ name: "unconditional", points: byK("gan") },
					{
						name: "conditional",
						points: [...byK("cgan"), { x: null, xLabel: "SupCon, class labels", cell: "cgan-supcon" }],
					},
				],
				paperNote:
					"SynCLR: multi-positive beats SimCLR by 11.7 points and supervised labels by 3.4; 4 views per caption nearly match 10.",
			},
		],
		grids: [{ views: "gan", title: `Anchors and ${POSITIVES_STORED} Gaussian latent views (sigma ${TABLE_SIGMA})` }],
	};
}

export const positives = positivesPreset(common);
