// dendrite's public API, the same in every runtime: one explicit export list. Runtime entries
// (index.ts for Node and Deno) register how the wasm is found, then re-export this.

export { sequential, Sequential } from './model/sequential.js';
export type { CompileOptions, SequentialOptions } from './model/sequential.js';
export type { Callbacks, FitOptions, History, Logs } from './model/fit.js';
export type { InputData, TargetData } from './model/inputs.js';
export { Tensor2D } from './model/tensor.js';
export { dense, Dense } from './layers/dense.js';
export type { DenseOptions, DenseConfig, Weight } from './layers/dense.js';
export { activationNames } from './layers/activations.js';
export type { ActivationName, ActivationSpec } from './layers/activations.js';
export { initializers } from './initializers.js';
export type { Initializer, InitializerName, InitializerSpec } from './initializers.js';
export { losses, lossNames } from './losses.js';
export type { Loss, LossName, LossSpec } from './losses.js';
export { metricNames } from './metrics.js';
export type { MetricName } from './metrics.js';
export { sgd, adam, adamw, rmsprop, adagrad, optimizerNames } from './optimizers.js';
export type { Optimizer, OptimizerName } from './optimizers.js';
export { Engine, getEngine } from './engine/engine.js';
export type { EngineInfo } from './engine/engine.js';
export { modelFromBytes, modelToBytes, FORMAT_VERSION } from './io/model-file.js';
export { loadModel, saveModel } from './io/node-files.js';
export { datasets, parseIdx, readIdx } from './data/index.js';
export type { Matrix, LabelledData } from './types.js';
export {
  DendriteError,
  ShapeError,
  ValueError,
  StateError,
  ModelFileError,
  DataError,
  MemoryLimitError,
  NumericError,
  AbortError,
} from './errors.js';
