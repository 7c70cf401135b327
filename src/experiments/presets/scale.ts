/** The scale study preset: accuracy against training compute over encoders, steps and learning rates. */
import type { CellSpec, PresetSpec, SweepSpec } from "../preset.js";
import { common, GAN, TABLE_SIGMA } from "./common.js";

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

export const scale: PresetSpec = {
	...common,
	// The study that chose the protocol keeps the trainer's defaults: each cell names its own lr,
	// and temperature 0.1 unless a row says otherwise (so finished cells stay finished).
	lr: undefined,
	temperature: undefined,
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
