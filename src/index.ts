/**
 * genrep: learn visual representations from a generative model (Jahanian et al., ICLR 2022).
 * The public API; the CLI (`genrep`) is a thin layer over these.
 */
export { GenrepError, fileError } from "./errors.js";
export { initEngine, BACKENDS, type BackendName, type EngineInfo, type EngineOptions } from "./engine/backend.js";
export { Rng, hash32 } from "./engine/rng.js";
export { truncatedNormal } from "./engine/truncatedNormal.js";
export { ParamStore } from "./engine/nn/params.js";
export { Conv2d, ConvTranspose2d, Dense, Embedding } from "./engine/nn/layers.js";
export { BatchNorm } from "./engine/nn/batchNorm.js";
export { batchNormTraining } from "./engine/nn/batchNormOp.js";
export * from "./data/index.js";
export { ResNet, type ResNetConfig } from "./learners/encoders/resnet.js";
export { DcganGenerator, DcganDiscriminator, type DcganConfig } from "./generators/architectures/dcgan.js";
