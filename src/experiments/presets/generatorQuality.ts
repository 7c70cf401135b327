/** The generator-quality preset (the poster's "are all IGMs the same?"): one recipe on generators of rising quality. */
import type { CellSpec, PresetSpec, SweepSpec } from "../preset.js";
import { CGAN, common, GAN, scaleText, TABLE_SIGMA } from "./common.js";

const QUALITY_STEPS = 300;
/** The rungs of the ladder: the shipped GANs' training stopped at these steps; 8000 is the shipped model itself. */
export const LADDER_STEPS = [500, 1000, 2000, 8000] as const;
/** The generator of a rung: models/<name>-step<k> (scripts/train-generator-ladder.sh), the shipped model at 8000. */
export const ladderGenerator = (name: string, steps: number): string =>
	steps === 8000 ? name : `${name}-step${steps}`;

const LADDERS = [
	{ key: "gan", name: GAN, label: "unconditional GAN" },
	{ key: "cgan", name: CGAN, label: "conditional GAN" },
] as const;

const cellId = (key: string, steps: number) => `${key}-${steps}`;

const ladderCells: CellSpec[] = LADDERS.flatMap((l) =>
	LADDER_STEPS.map(
		(steps): CellSpec => ({
			id: cellId(l.key, steps),
			label: `${l.label} after ${steps} training steps, T_z gaussian + T_x`,
			data: {
				kind: "live",
				generator: ladderGenerator(l.name, steps),
				view: { kind: "gaussian", sigma: TABLE_SIGMA },
			},
		}),
	),
);

/** Linear probe against one measure of the generators, one series per ladder. */
const against = (
	title: string,
	measured: "generatorFrechet" | "generatorCas" | undefined,
	label: string,
	scale: "linear" | "log",
	ladders: readonly (typeof LADDERS)[number][],
	paperNote?: string,
): SweepSpec => ({
	title,
	caption:
		measured === undefined
			? undefined
			: "Each point sits at its generator's figure from `genrep gan eval` (10000 samples, seed 0), read from the generator's model card.",
	x: { label, scale, ...(measured ? { measured } : {}) },
	y: "linear",
	series: ladders.map((l) => ({
		name: l.label,
		points: LADDER_STEPS.map((steps) => ({ x: steps, cell: cellId(l.key, steps) })),
	})),
	paperNote,
});

export const generatorQuality: PresetSpec = {
	...common,
	name: "generator-quality",
	title: "Are all generators the same? One recipe on generators of rising quality",
	description:
		"SimCLR with T_z gaussian + T_x on live views of each rung of two ladders: the shipped unconditional and " +
		`conditional Fashion-MNIST GANs' training (seed 1, batch 64) stopped after ${LADDER_STEPS.join(", ")} steps ` +
		"(the last rung is the shipped model), against the generators' Fréchet distance and Classification Accuracy Score.",
	scale: scaleText(
		QUALITY_STEPS,
		2,
		`live Gaussian views (sigma ${TABLE_SIGMA}) of ${LADDER_STEPS.length} generators per ladder`,
	),
	seeds: [0, 1],
	steps: QUALITY_STEPS,
	views: {},
	cells: [
		...ladderCells,
		{ id: "real", label: "real images, T_x", data: { kind: "real" } },
		{ id: "pixels", label: "raw pixels (no training)", data: { kind: "baseline", baseline: "pixels" } },
	],
	tables: [
		{
			title: "Linear probe by generator",
			rows: [...ladderCells.map((c) => c.id), "real", "pixels"],
			chart: false,
		},
	],
	sweeps: [
		against(
			"Linear probe vs the generator's Fréchet distance",
			"generatorFrechet",
			"Fréchet distance to the real test split (evaluation classifier's features)",
			"log",
			LADDERS,
			"The paper's Table 2: the one case where generated data beats real by a wide margin is its best generator (StyleGAN2 cars, FID 2.32).",
		),
		against(
			"Linear probe vs the generator's Classification Accuracy Score",
			"generatorCas",
			"Classification Accuracy Score (classifier trained on generated samples, tested on real)",
			"linear",
			LADDERS.filter((l) => l.key === "cgan"),
		),
		against("Linear probe vs the generator's training steps", undefined, "GAN training steps", "log", LADDERS),
	],
	grids: [],
	notes: [
		"The ladders are made by `bash scripts/train-generator-ladder.sh` (the shipped models' training command, stopped at each rung, then `genrep gan eval`).",
	],
};
