/**
 * The experiment presets by name (a plain object literal of data): small-scale analogues of
 * the paper's tables and figures on our Fashion-MNIST generators, the scale study that chooses
 * their protocol, and the demo. Scale: a resnet-tiny encoder, batch 256, a fixed number of SGD
 * steps per cell; linear probes (and kNN) on the full training and test splits.
 */
import { GenrepError } from "../errors.js";
import type { CellSpec, PresetSpec, SweepSpec, ViewsSpec } from "./preset.js";

const GAN = "fashion-mnist-gan";
const CGAN = "fashion-mnist-cgan";
/** The Gaussian view's spread used by the tables (the sigma sweep measures the curve). */
export const TABLE_SIGMA = 0.5;

const common = {
	encoder: "resnet-tiny",
	batchSize: 256,
	dataset: "fashion-mnist",
	transfer: "mnist",
} as const;

const views = (generator: string, view: string, anchors: number, viewOptions?: Record<string, unknown>): ViewsSpec => ({
	generator,
	view,
	viewOptions,
	anchors,
	neighbors: 1,
	seed: 0,
});

const baselines: CellSpec[] = [
	{ id: "pixels", label: "raw pixels (no training)", data: { kind: "baseline", baseline: "pixels" } },
	{ id: "random", label: "random resnet-tiny (no training)", data: { kind: "baseline", baseline: "random" } },
];

const scaleText = (steps: number, seeds: number, anchors: string) =>
	`resnet-tiny encoder (~77k parameters), batch 256, ${steps} SGD steps per cell (${Math.round((steps * 256) / 1000)}k anchors seen), ` +
	`${anchors}; ${seeds} seed${seeds > 1 ? "s" : ""} per cell; linear probe and kNN on the full training and test splits.`;

/** Accuracy vs labelled images per class (low-shot probes and the full probe), one line per cell. */
const labelEfficiency = (cells: CellSpec[], fullPerClass: number): SweepSpec => ({
	title: "Fashion-MNIST accuracy vs labelled images per class",
	caption: `Linear probes on frozen features with 10 and 100 labelled images per class (mean of 5 draws) and with the whole ${fullPerClass}-per-class probe set.`,
	x: { label: "labelled images per class", scale: "log" },
	y: "linear",
	yLabel: "top-1 accuracy",
	series: cells.map(({ id: cell, label }) => ({
		name: label,
		points: [
			{ x: 10, cell, metric: "lowShot10" },
			{ x: 100, cell, metric: "lowShot100" },
			{ x: fullPerClass, cell, metric: "linear" },
		],
	})),
});

const demoCells: CellSpec[] = [
	{ id: "real-tx", label: "real images, T_x", data: { kind: "real" } },
	{ id: "gen-tx", label: "generated, T_x only", data: { kind: "views", views: "gaussian", latentViews: false } },
	{ id: "gen-tz-tx", label: "generated, T_z gaussian + T_x", data: { kind: "views", views: "gaussian" } },
	...baselines,
];

const demo: PresetSpec = {
	...common,
	name: "demo",
	title: "genrep demo: representations from a Fashion-MNIST GAN vs from real images",
	description:
		"Trains three SimCLR encoders for the same number of steps: on real Fashion-MNIST images with pixel views (T_x), " +
		"on images of the shipped unconditional generator with pixel views only, and on generated anchors paired with " +
		"Gaussian latent views plus pixel views (T_z + T_x, GenRep). Each is judged by linear probes on real Fashion-MNIST " +
		"and by transfer to MNIST, beside raw-pixel and random-encoder baselines.",
	scale: scaleText(200, 1, "20k generated anchors with one Gaussian view each (sigma 0.5)"),
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

const UNCOND_STEPS = 300;
const tableUnconditional: PresetSpec = {
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
		{ id: "real-tx", label: "real data, T_x", data: { kind: "real" } },
		{ id: "gen-tx", label: "generated, T_x only", data: { kind: "views", views: "gaussian", latentViews: false } },
		{ id: "gauss", label: "T_z gaussian", data: { kind: "views", views: "gaussian" }, pixelViews: false },
		{ id: "gauss-tx", label: "T_z gaussian + T_x", data: { kind: "views", views: "gaussian" } },
		{ id: "steer", label: "T_z steer", data: { kind: "views", views: "steer" }, pixelViews: false },
		{ id: "steer-tx", label: "T_z steer + T_x", data: { kind: "views", views: "steer" } },
		{
			id: "inverter",
			label: "inverter (regress z)",
			method: "inverter",
			data: { kind: "views", views: "gaussian", latentViews: false },
			pixelViews: false,
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
		},
	],
	sweeps: [],
	grids: [
		{ views: "gaussian", title: `Gaussian latent views (sigma ${TABLE_SIGMA})` },
		{ views: "steer", title: "Steered latent views (random alphas on every walk)" },
	],
};

const COND_STEPS = 300;
const supcon = (id: string, label: string, data: CellSpec["data"], pixelViews = true): CellSpec => ({
	id,
	label,
	method: "supcon",
	data,
	pixelViews,
});
const tableConditional: PresetSpec = {
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
		supcon("tx", "SupCon, T_x only", { kind: "views", views: "gaussian", latentViews: false }),
		supcon("gauss", "SupCon, T_z gaussian", { kind: "views", views: "gaussian" }, false),
		supcon("gauss-tx", "SupCon, T_z gaussian + T_x", { kind: "views", views: "gaussian" }),
		supcon("steer", "SupCon, T_z steer", { kind: "views", views: "steer" }, false),
		supcon("steer-tx", "SupCon, T_z steer + T_x", { kind: "views", views: "steer" }),
		supcon("indep", "SupCon, independent z (p_z)", { kind: "views", views: "independent" }, false),
		supcon("indep-tx", "SupCon, independent z + T_x", { kind: "views", views: "independent" }),
		{
			id: "inverter",
			label: "inverter (z + class)",
			method: "inverter",
			data: { kind: "views", views: "gaussian", latentViews: false },
			pixelViews: false,
		},
		{
			id: "classifier",
			label: "classifier on generated labels, T_x",
			method: "classifier",
			data: { kind: "views", views: "gaussian", latentViews: false },
		},
		supcon("real-supcon", "real data: SupCon, T_x", { kind: "real" }),
		{ id: "real-classifier", label: "real data: classifier, T_x", method: "classifier", data: { kind: "real" } },
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
		},
	],
	sweeps: [],
	grids: [
		{ views: "gaussian", title: `Gaussian latent views (sigma ${TABLE_SIGMA})` },
		{ views: "steer", title: "Steered latent views" },
		{ views: "independent", title: "Independent views: a fresh z of the same class" },
	],
};

const SWEEP_STEPS = 300;
const SIGMAS = [0.1, 0.25, 0.5, 1, 2, 4];
const sigmaSweep: PresetSpec = {
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
const samplesSweep: PresetSpec = {
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
const mixing: PresetSpec = {
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

/**
 * The scale study (issue 13): SimCLR on real images and GenRep's T_z + T_x on live Gaussian
 * views of the unconditional GAN, over encoders, step budgets and learning rates, plotted as
 * accuracy against training CPU-minutes. The presets' protocol is chosen from the real-data
 * cells only (the best linear probe per CPU-minute that keeps a 3-seed table preset within
 * about 6 hours on 2 cores) and then held fixed for every row. Cells are listed most
 * informative first (the runner works down the list): the learning rates at the short budget
 * of each encoder, then the longer budgets, then the generated cells on the same grid.
 */
const SCALE_ENCODERS = ["resnet10-w32", "resnet-tiny", "resnet8-w32"] as const;
const SCALE_STEPS = [300, 1000, 3000] as const;
const SCALE_LRS = [0.1, 0.3, 0.03] as const;
const SCALE_TEMPERATURES = [0.2, 0.5] as const;
const SCALE_DATA = {
	real: { label: "real images, T_x", data: { kind: "real" } },
	gen: {
		label: `generated, T_z gaussian (sigma ${TABLE_SIGMA}, live) + T_x`,
		data: { kind: "live", generator: GAN, view: { kind: "gaussian", sigma: TABLE_SIGMA } },
	},
} as const satisfies Record<string, Pick<CellSpec, "label" | "data">>;

const scaleCellId = (data: keyof typeof SCALE_DATA, encoder: string, steps: number, lr: number, temperature?: number) =>
	`${data}-${encoder}-${steps}-lr${lr}${temperature === undefined ? "" : `-t${temperature}`}`;

const scaleCell = (
	data: keyof typeof SCALE_DATA,
	encoder: string,
	steps: number,
	lr: number,
	temperature?: number,
): CellSpec => ({
	id: scaleCellId(data, encoder, steps, lr, temperature),
	label: `${SCALE_DATA[data].label}, ${encoder}, ${steps} steps, lr ${lr}${temperature === undefined ? "" : `, temperature ${temperature}`}`,
	data: SCALE_DATA[data].data,
	encoder,
	steps,
	lr,
	temperature,
});

const scaleGrid = (data: keyof typeof SCALE_DATA): CellSpec[] => [
	...SCALE_STEPS.flatMap((steps) =>
		SCALE_ENCODERS.flatMap((encoder) => SCALE_LRS.map((lr) => scaleCell(data, encoder, steps, lr))),
	),
	...SCALE_TEMPERATURES.map((t) => scaleCell(data, "resnet10-w32", 1000, 0.1, t)),
];

/**
 * The order is the plan (the runner works down the list): first what chooses the protocol, the
 * real-data cells a 3-seed table preset can afford (about 6 h on 2 cores for some 21 trainings:
 * resnet10-w32 up to 1000 steps, the smaller encoders up to 3000), with the raw-pixel bar and the
 * random encoders; then the generated cells at the largest encoder; then the rest of the generated
 * grid; last the over-budget resnet10-w32 3000-step cells, which only show the trend.
 */
function scaleCellsInOrder(cells: CellSpec[]): CellSpec[] {
	const rank = (cell: CellSpec): number => {
		if (cell.data.kind === "baseline") return cell.id === "pixels" ? 1 : 5;
		const real = cell.data.kind === "real";
		const big = cell.encoder === "resnet10-w32";
		const steps = cell.steps ?? 0;
		if (real && steps === 300) return big ? 0 : 2;
		if (real && steps === 1000) return big ? (cell.temperature === undefined ? 3 : 4) : 6;
		if (real && !big) return 7; // 3000 steps of the smaller encoders
		if (!real && big && steps <= 1000) return 8;
		if (!real && (steps <= 1000 || !big)) return 9;
		return real ? 10 : 11; // resnet10-w32 at 3000 steps
	};
	return cells
		.map((cell, i) => ({ cell, i }))
		.sort((a, b) => rank(a.cell) - rank(b.cell) || a.i - b.i)
		.map(({ cell }) => cell);
}

const scaleSweeps: SweepSpec[] = SCALE_ENCODERS.flatMap((encoder) =>
	(["linear", "knn"] as const).map(
		(metric): SweepSpec => ({
			title: `${encoder}: ${metric === "linear" ? "linear probe" : "kNN"} vs training CPU-minutes`,
			caption:
				`Each point is one cell (${SCALE_STEPS.join(", ")} steps at batch 256), placed at the CPU time its training job ` +
				"used (user + system of the runner process, mean over seeds): on a shared machine wall time measures the load, CPU time the work.",
			x: { label: "training CPU-minutes", scale: "log", measured: "trainCpuMinutes" },
			y: metric,
			series: (Object.keys(SCALE_DATA) as (keyof typeof SCALE_DATA)[]).flatMap((data) =>
				SCALE_LRS.map((lr) => ({
					name: `${data === "real" ? "real" : "generated T_z + T_x"}, lr ${lr}`,
					points: SCALE_STEPS.map((steps) => ({ x: steps, cell: scaleCellId(data, encoder, steps, lr) })),
				})),
			),
			paperNote:
				"The paper trains ResNet-50 for 20 ImageNet epochs at batch 256 with lr 0.03; its appendix D shows real-data SimCLR still rising steeply at 20 epochs.",
		}),
	),
);

const scale: PresetSpec = {
	...common,
	name: "scale",
	title: "Scale study: accuracy against compute, to choose the presets' protocol",
	description:
		"SimCLR on real Fashion-MNIST images (T_x) and GenRep on live Gaussian latent views of the shipped unconditional " +
		`GAN (T_z sigma ${TABLE_SIGMA} + T_x), with ${SCALE_ENCODERS.join(", ")} encoders, ${SCALE_STEPS.join(" / ")} steps ` +
		`and learning rates ${SCALE_LRS.join(", ")} (each step budget its own warm-up + cosine schedule), plus temperatures ` +
		`${SCALE_TEMPERATURES.join(" and ")} beside the default 0.1. The protocol is chosen on the real-data cells only.`,
	scale:
		`${SCALE_ENCODERS.join(", ")} encoders, batch 256, ${SCALE_STEPS.join(" / ")} SGD steps, learning rates ${SCALE_LRS.join(" / ")} ` +
		"(at batch 256), temperature 0.1 unless a row says otherwise; linear probe and kNN on the full training and test splits; " +
		"no transfer (the study chooses the in-domain protocol). 1 seed per cell in the first sittings.",
	seeds: [0, 1],
	encoder: "resnet10-w32",
	steps: 1000,
	transfer: undefined,
	views: {},
	cells: scaleCellsInOrder([
		...scaleGrid("real"),
		{ id: "pixels", label: "raw pixels (no training)", data: { kind: "baseline", baseline: "pixels" } },
		...scaleGrid("gen"),
		...SCALE_ENCODERS.map(
			(encoder): CellSpec => ({
				id: `random-${encoder}`,
				label: `random ${encoder} (no training)`,
				data: { kind: "baseline", baseline: "random" },
				encoder,
			}),
		),
	]),
	tables: [
		...SCALE_ENCODERS.map((encoder) => ({
			title: `${encoder}`,
			rows: [
				"pixels",
				`random-${encoder}`,
				...(["real", "gen"] as const).flatMap((data) =>
					SCALE_STEPS.flatMap((steps) => SCALE_LRS.map((lr) => scaleCellId(data, encoder, steps, lr))),
				),
			],
			chart: false,
		})),
		{
			title: "Temperature (resnet10-w32, 1000 steps, lr 0.1)",
			rows: (["real", "gen"] as const).flatMap((data) => [
				scaleCellId(data, "resnet10-w32", 1000, 0.1),
				...SCALE_TEMPERATURES.map((t) => scaleCellId(data, "resnet10-w32", 1000, 0.1, t)),
			]),
			chart: false,
		},
	],
	sweeps: scaleSweeps,
	grids: [],
	notes: [
		"steps-sweep (resnet-tiny, 300 / 1000 / 2500 steps, 10k-image probe) is retired into this study; its report stays in docs/results/steps-sweep.",
	],
};

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
			`${protocol.encoder} encoder, ${steps} SGD steps per cell, about ${2 * b} images per step ` +
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

const positives = positivesPreset(common);

export const PRESETS = {
	demo,
	"table-unconditional": tableUnconditional,
	"table-conditional": tableConditional,
	"sigma-sweep": sigmaSweep,
	"samples-sweep": samplesSweep,
	mixing,
	positives,
	scale,
} as const satisfies Record<string, PresetSpec>;

export type PresetName = keyof typeof PRESETS;

export function getPreset(name: string): PresetSpec {
	if (!Object.hasOwn(PRESETS, name)) {
		throw new GenrepError(`unknown preset '${name}'; known presets: ${Object.keys(PRESETS).join(", ")}`);
	}
	return PRESETS[name as PresetName];
}
