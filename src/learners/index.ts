/** The learners' public surface: encoders on disk, the trainer and its data sources. */

export { SGD_DEFAULTS, Sgd } from "../engine/optim/sgd.js";
export { type EncoderCard, loadEncoder, readEncoderCard, saveEncoder } from "./encoderFile.js";
export { Learner, METHOD_HEADS } from "./learner.js";
export { learningRate, scaledLr } from "./schedule.js";
export { type DataSourceOptions, openSource, SOURCES, type TrainingSource } from "./sources/index.js";
export {
	resolveTrainOptions,
	TRAIN_DEFAULTS,
	type TrainOptions,
	type TrainResult,
	trainRepresentation,
} from "./trainer.js";
