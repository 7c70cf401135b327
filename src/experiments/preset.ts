/**
 * An experiment preset is data: the multiview datasets to generate, the cells (one training
 * configuration each, or a baseline), the seeds, and how cells are laid out as tables and
 * sweeps in the report. The runner turns it into jobs (walks, views, train, eval per cell and seed).
 */
import type { Precision } from "../engine/native/precision.js";
import type { GenerateMultiviewOptions } from "../store/multiviewWriter.js";
import type { GRADIENT_METHODS } from "../views/steer/walkGradient.js";
import type { GeneratorMeasure } from "./generatorMeasures.js";
import type { MetricColumn } from "./results.js";

/** A multiview dataset the preset generates once: generateMultiviewDataset's options but the folder and the run's knobs. */
export type ViewsSpec = Pick<
	GenerateMultiviewOptions,
	"generator" | "view" | "viewOptions" | "anchors" | "neighbors" | "seed"
> & {
	/**
	 * Steered views only: an entry of the preset's `walks` that the experiment trains; the
	 * runner passes its folder as the steer view's `walks` option (instead of viewOptions.walks).
	 */
	trainedWalks?: string;
};

/**
 * Steering walks the experiment trains itself (`genrep steer train`, one walk per pixel edit)
 * for a generator that has none, e.g. a user's generator in a retargeted preset.
 */
export interface WalksSpec {
	generator: string;
	/** Adam steps per walk. */
	steps: number;
	/** Latents per step. */
	batchSize: number;
	/** Held-out latents each walk's masked error is measured on. */
	evalSamples: number;
	/** auto (autodiff through a tfjs generator, derivative-free es for a black box), autodiff, fd or es. */
	gradient: (typeof GRADIENT_METHODS)[number];
	seed: number;
}

/** Where a cell's training data comes from. */
export type CellData =
	/** The evaluation dataset's own training images (the real-data baseline). */
	| { kind: "real" }
	/**
	 * A preset views dataset; latentViews false pairs anchors with themselves (T_z = none);
	 * neighbors K uses only the first K stored views of each anchor (default all).
	 */
	| { kind: "views"; views: string; latentViews?: boolean; neighbors?: number }
	/** A live stream: fresh anchors (with `neighbors` latent views each, default 1) every step. */
	| { kind: "live"; generator: string; view: { kind: string } & Record<string, unknown>; neighbors?: number }
	/** Real images with a fraction replaced by the anchors of a views dataset. */
	| { kind: "mixed"; views: string; fraction: number }
	/** No training: raw pixels, or a randomly initialised encoder. */
	| { kind: "baseline"; baseline: "pixels" | "random" };

export interface CellSpec {
	id: string;
	label: string;
	/** Objective (not for baselines); default simclr. */
	method?: string;
	data: CellData;
	/** SimCLR pixel views on the training views; default true. */
	pixelViews?: boolean;
	/** Overrides the preset's steps. */
	steps?: number;
	/** Overrides the preset's encoder (a registry name). */
	encoder?: string;
	/** Learning rate at batch size 256; default the trainer's. */
	lr?: number;
	/** Temperature of the contrastive objective; default the trainer's. */
	temperature?: number;
	/** Overrides the preset's batch size (anchors per step), e.g. to hold the images per step fixed for multipos. */
	batchSize?: number;
	/** The paper's corresponding figure, by metric key, for orientation. */
	paper?: Record<string, number | string>;
}

export interface TableSpec {
	title: string;
	caption?: string;
	/** Cell ids, one row each. */
	rows: string[];
	/** Metric keys to show; default all. */
	metrics?: string[];
	/** Draw the table as a dot plot of its first metric (default true; off where a sweep already plots it). */
	chart?: boolean;
	/**
	 * Where the rows' `paper` numbers come from, e.g. "Table 1: BigBiGAN, ResNet-50, ImageNet-1k
	 * linear top-1": the legend labels them as the paper's scale, never ours.
	 */
	paperScale?: string;
}

export interface SweepSpec {
	title: string;
	caption?: string;
	/**
	 * `measured` puts each point at a measured figure instead of at its `x`: "trainCpuMinutes",
	 * its cell's training CPU time (mean over the seeds, from the job ledger); "generatorFrechet"
	 * or "generatorCas", the Fréchet distance or Classification Accuracy Score in the model card
	 * of the cell's generator. Points without the figure (not trained, not evaluated) are left out.
	 */
	x: { label: string; scale: "linear" | "log"; measured?: "trainCpuMinutes" | GeneratorMeasure };
	/** Metric key on the y axis (a point may name another metric of the same unit). */
	y: string;
	/** Axis label; default the metric's label. */
	yLabel?: string;
	series: { name: string; points: { x: number | null; xLabel?: string; cell: string; metric?: string }[] }[];
	paperNote?: string;
}

export interface PresetSpec {
	name: string;
	title: string;
	description: string;
	/** The scale chosen, in words (shown in the report). */
	scale: string;
	seeds: number[];
	encoder: string;
	batchSize: number;
	/** Training steps of each cell (unless the cell says otherwise). */
	steps: number;
	/** The protocol's learning rate (at batch 256) and temperature, unless a cell says otherwise; default the trainer's. */
	lr?: number;
	temperature?: number;
	/**
	 * Precision of every training; default fp32, not the trainer's "auto": every preset on the
	 * protocol ran fp32, and a table must not mix precisions across sittings or machines.
	 */
	precision?: Precision;
	/** Real dataset of the evaluation (and of real-data cells). */
	dataset: string;
	/** Held-out dataset for transfer; none when absent. */
	transfer?: string;
	/** Class-balanced subset of each probe's training split (speed); default all. */
	evalTrainLimit?: number;
	/** Use only the first n test images (tests of the runner); default all. */
	evalTestLimit?: number;
	/** Use only the first n real training images in real-data cells (tests); default all. */
	realLimit?: number;
	views: Record<string, ViewsSpec>;
	/** Walks the experiment trains for its steered views (by id; see ViewsSpec.trainedWalks). */
	walks?: Record<string, WalksSpec>;
	cells: CellSpec[];
	tables: TableSpec[];
	sweeps: SweepSpec[];
	/** Grids of anchors and views, one per views dataset named. */
	grids: { views: string; title: string; caption?: string }[];
	notes?: string[];
}

/** The metrics every evaluated cell reports (fractions; shown as percent). */
export const METRICS: MetricColumn[] = [
	{ key: "linear", label: "linear probe", unit: "%" },
	{ key: "knn", label: "kNN (k=20)", unit: "%" },
	{ key: "lowShot10", label: "10 per class", unit: "%" },
	{ key: "lowShot100", label: "100 per class", unit: "%" },
	{ key: "transfer", label: "transfer: linear", unit: "%" },
];
