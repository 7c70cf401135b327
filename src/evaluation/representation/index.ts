/** Representation evaluation: frozen features, linear probe, kNN, low-shot probes, transfer (`genrep eval`). */
export {
	type DatasetEvalMetrics,
	EVAL_FORMAT,
	EVALUATE_DEFAULTS,
	type EvalMetrics,
	type EvalProgress,
	type EvaluateOptions,
	evaluateOnDataset,
	evaluateRepresentation,
	type LowShotSkipped,
	type ResolvedEvaluateOptions,
	resolveEvaluateOptions,
} from "./evaluate.js";
export {
	checkImageShape,
	type EncoderSpec,
	type FeatureSource,
	openFeatureSource,
	parseEncoderSpec,
} from "./featureSource.js";
export {
	type ExtractFeaturesOptions,
	encoderFeatures,
	extractFeatures,
	type FeatureExtractor,
	type FeatureSet,
	featureRows,
	pixelFeatures,
} from "./features.js";
export { KNN_DEFAULTS, type KnnOptions, type KnnResult, knnClassify, majorityVote } from "./knn.js";
export { LBFGS_DEFAULTS, type LbfgsOptions, type LbfgsResult, minimizeLbfgs, type Objective } from "./lbfgs.js";
export {
	LINEAR_PROBE_DEFAULTS,
	type LinearProbeOptions,
	type LinearProbeResult,
	linearProbe,
	type ResolvedLinearProbeOptions,
	resolveLinearProbeOptions,
} from "./linearProbe.js";
export { LOW_SHOT_DEFAULTS, type LowShotOptions, type LowShotResult, lowShotProbes, lowShotRows } from "./lowShot.js";
export { balancedSubset, perClassSample, stratifiedSplit } from "./sampling.js";
export {
	fitSoftmaxRegression,
	SoftmaxRegressionData,
	type SoftmaxRegressionDataOptions,
	type SoftmaxRegressionFitOptions,
} from "./softmaxRegression.js";
