/** What the presets share: the shipped generators' names, the protocol, the Gaussian spread of the tables, baselines and helpers. */
import type { CellSpec, SweepSpec, ViewsSpec } from "../preset.js";

export const GAN = "fashion-mnist-gan";
export const CGAN = "fashion-mnist-cgan";
/** The Gaussian view's spread used by the tables (the sigma sweep measures the curve). */
export const TABLE_SIGMA = 0.5;

export const common = {
	encoder: "resnet-tiny",
	batchSize: 256,
	dataset: "fashion-mnist",
	transfer: "mnist",
} as const;

export const views = (
	generator: string,
	view: string,
	anchors: number,
	viewOptions?: Record<string, unknown>,
): ViewsSpec => ({
	generator,
	view,
	viewOptions,
	anchors,
	neighbors: 1,
	seed: 0,
});

export const baselines: CellSpec[] = [
	{ id: "pixels", label: "raw pixels (no training)", data: { kind: "baseline", baseline: "pixels" } },
	{ id: "random", label: "random resnet-tiny (no training)", data: { kind: "baseline", baseline: "random" } },
];

export const scaleText = (steps: number, seeds: number, anchors: string) =>
	`resnet-tiny encoder (~77k parameters), batch 256, ${steps} SGD steps per cell (${Math.round((steps * 256) / 1000)}k anchors seen), ` +
	`${anchors}; ${seeds} seed${seeds > 1 ? "s" : ""} per cell; linear probe and kNN on the full training and test splits.`;

/** Accuracy vs labelled images per class (low-shot probes and the full probe), one line per cell. */
export const labelEfficiency = (cells: CellSpec[], fullPerClass: number): SweepSpec => ({
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
