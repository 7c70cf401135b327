/**
 * genrep: learn visual representations from a generative model (Jahanian et al., ICLR 2022).
 * The public API; the CLI (`genrep`) is a thin layer over these.
 */

export * from "./data/index.js";
export { BACKENDS, type BackendName, type EngineInfo, type EngineOptions, initEngine } from "./engine/backend.js";
export { BatchNorm } from "./engine/nn/batchNorm.js";
export { batchNormTraining } from "./engine/nn/batchNormOp.js";
export { Conv2d, ConvTranspose2d, Dense, Embedding } from "./engine/nn/layers.js";
export { ParamStore } from "./engine/nn/params.js";
export { hash32, Rng } from "./engine/rng.js";
export { truncatedNormal } from "./engine/truncatedNormal.js";
export { fileError, GenrepError } from "./errors.js";
export {
	type ClassifierCard,
	EvalClassifier,
	loadEvalClassifier,
	trainEvalClassifier,
} from "./evaluation/quality/classifier.js";
export {
	frechetDistance,
	GaussianAccumulator,
	type GaussianStats,
	gaussianStats,
} from "./evaluation/quality/frechet.js";
export {
	evaluateGenerator,
	evaluateGeneratorByName,
	type GanEvalMetrics,
	type GanEvalOptions,
	recordMetricsInCard,
} from "./evaluation/quality/ganEval.js";
export { forEachRealBatch, type RealBatchOptions, realToTensor } from "./evaluation/realImages.js";
export * from "./evaluation/representation/index.js";
export {
	type CellData,
	type CellSpec,
	METRICS,
	type PresetSpec,
	type SweepSpec,
	type TableSpec,
	type ViewsSpec,
} from "./experiments/preset.js";
export { getPreset, PRESETS, type PresetName } from "./experiments/presets.js";
export { PLOT_DEFAULTS, renderSweep, sweepSpec } from "./experiments/report/plots.js";
export { type WrittenReport, writeReport } from "./experiments/report.js";
export type {
	ExperimentResults,
	Grid,
	JobRecord,
	MetricColumn,
	MetricUnit,
	ResultRow,
	ResultTable,
	RunLink,
	Stat,
	Sweep,
	SweepPoint,
	SweepSeries,
} from "./experiments/results.js";
export { summarize } from "./experiments/results.js";
export {
	checkPreset,
	metricValues,
	type RunExperimentOptions,
	type RunExperimentResult,
	runExperiment,
} from "./experiments/runner.js";
export * from "./formats/index.js";
export { type DcganConfig, DcganDiscriminator, DcganGenerator } from "./generators/architectures/dcgan.js";
export { type GanTrainOptions, trainGan } from "./generators/ganTrainer.js";
export type { Generator, ModelCard } from "./generators/generator.js";
export { type LoadGeneratorOptions, loadGenerator } from "./generators/load.js";
export { generateOnHost, sampleGrid, sampleLatents } from "./generators/sampling.js";
export { createEncoder, ENCODERS, type EncoderName } from "./learners/encoders/registry.js";
export { ResNet, type ResNetConfig } from "./learners/encoders/resnet.js";
export * from "./learners/index.js";
export { classifierLoss } from "./learners/objectives/classifier.js";
export { inverterLoss } from "./learners/objectives/inverter.js";
export { multiPositiveLoss } from "./learners/objectives/multiPositive.js";
export { ntXentLoss } from "./learners/objectives/ntXent.js";
export { getObjective, OBJECTIVES, type ObjectiveName } from "./learners/objectives/registry.js";
export { supConLoss } from "./learners/objectives/supCon.js";
export { l2Normalize, ProjectionHead } from "./learners/projectionHead.js";
export {
	exportMultiviewPngs,
	generateMultiviewDataset,
	MultiviewDataset,
	type MultiviewManifest,
	openMultiviewDataset,
} from "./store/multiview.js";
export { type ViewsGridOptions, writeViewsGrid } from "./store/viewsGrid.js";
export { createLatentView, LATENT_VIEWS, type LatentViewKind, latentViewFromConfig } from "./views/latent/registry.js";
export { SteerView, type SteerViewOptions } from "./views/latent/steer.js";
export { type MultiviewBatch, sampleMultiviewBlock } from "./views/multiviewSampler.js";
export { PIXEL_AUGMENT_DEFAULTS, type PixelAugmentOptions, SimclrAugment } from "./views/pixel/simclrAugment.js";
export { PIXEL_EDITS, type PixelEdit, type PixelEditName } from "./views/steer/pixelEdits.js";
export {
	type SteerTrainOptions,
	type SteerTrainResult,
	trainSteeringWalks,
	WALK_TRAINING_DEFAULTS,
} from "./views/steer/trainWalks.js";
export {
	GRADIENT_METHODS,
	type GradientMethod,
	WALK_GRADIENT_DEFAULTS,
	type WalkGradientOptions,
} from "./views/steer/walkGradient.js";
export { SteeringWalks, type WalksCard } from "./views/steer/walks.js";
