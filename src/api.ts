// dendrite's public API, the same in every runtime: one explicit export list. Runtime entries
// (index.ts for Node and Deno) register how the wasm is found, then re-export this.

export { sequential, Sequential } from './model/sequential.js';
export type { CompileOptions, SequentialOptions } from './model/sequential.js';
export { fashionMnistCnn, fashionMnistCnnFit } from './model/recipes.js';
export type { CnnRecipeOptions } from './model/recipes.js';
export type { Callbacks, Logs } from './hooks.js';
export type { History } from './model/loop.js';
export type { Batch, Batches, BatchOptions, EvaluateOptions, FitDatasetOptions, FitOptions, RunOptions } from './model/options.js';
export type { ClassWeight, SampleWeight } from './model/sample-weights.js';
export type { InputData, TargetData } from './model/inputs.js';
export { Tensor2D } from './model/tensor.js';
export { dense, Dense } from './layers/dense.js';
export type { DenseOptions, DenseConfig, Weight } from './layers/dense.js';
export { Layer, layerFromConfig, layerTypes, dropout, Dropout, batchNormalization, BatchNormalization, layerNormalization, LayerNormalization, activation, ActivationLayer } from './layers/index.js';
export type { LayerConfig, LayerOptions, WeightSpec } from './layers/layer.js';
export type { DropoutOptions } from './layers/dropout.js';
export type { BatchNormalizationOptions, LayerNormalizationOptions } from './layers/normalization.js';
export type { ActivationOptions } from './layers/activation-layer.js';
export { conv2d, Conv2D } from './layers/conv2d.js';
export type { Conv2DOptions } from './layers/conv2d.js';
export { conv1d, Conv1D } from './layers/conv1d.js';
export type { Conv1DOptions } from './layers/conv1d.js';
export { depthwiseConv2d, DepthwiseConv2D } from './layers/depthwise.js';
export type { DepthwiseConv2DOptions } from './layers/depthwise.js';
export { separableConv2d, SeparableConv2D } from './layers/separable.js';
export type { SeparableConv2DOptions } from './layers/separable.js';
export { maxPooling2d, averagePooling2d, globalAveragePooling2d, globalMaxPooling2d, Pooling2D, GlobalPooling2D } from './layers/pooling.js';
export { maxPooling1d, averagePooling1d, globalAveragePooling1d, globalMaxPooling1d } from './layers/pooling.js';
export type { Pooling1DOptions, Pooling2DOptions } from './layers/pooling.js';
export { flatten, reshape, Flatten, Reshape } from './layers/reshape.js';
export type { ReshapeOptions } from './layers/reshape.js';
export { zeroPadding2d, zeroPadding1d, upSampling2d, ZeroPadding2D, UpSampling2D } from './layers/resample.js';
export type { ZeroPadding2DOptions, ZeroPadding1DOptions, UpSampling2DOptions } from './layers/resample.js';
export { spatialDropout1d, spatialDropout2d, SpatialDropout } from './layers/dropout.js';
export { regularizers, l1, l2, l1l2 } from './regularizers.js';
export type { Regularizer, RegularizerSpec } from './regularizers.js';
export { activationNames } from './layers/activations.js';
export type { ActivationName, ActivationSpec } from './layers/activations.js';
export { activationValues } from './activation-values.js';
export type { ActivationValues, ActivationValuesOptions } from './activation-values.js';
export { initializers } from './initializers.js';
export type { Initializer, InitializerName, InitializerSpec } from './initializers.js';
export { losses, lossNames } from './losses.js';
export type { Loss, LossName, LossSpec } from './losses.js';
export { metricNames, confusionMatrix } from './metrics.js';
export type { MetricName, MetricOptions, MetricSpec } from './metrics.js';
export { sgd, adam, adamw, adamax, nadam, rmsprop, adagrad, optimizerNames } from './optimizers.js';
export type { Optimizer, OptimizerName, OptimizerConfig, BaseOptimizerOptions, SgdOptions, AdamOptions, RmspropOptions, AdagradOptions } from './optimizers.js';
export { schedules, exponentialDecay, piecewiseConstantDecay, polynomialDecay, cosineDecay } from './schedules.js';
export type { LearningRateSchedule, ExponentialDecayOptions, PiecewiseConstantDecayOptions, PolynomialDecayOptions, CosineDecayOptions } from './schedules.js';
export {
  Callback,
  EarlyStopping,
  earlyStopping,
  ModelCheckpoint,
  modelCheckpoint,
  ReduceLROnPlateau,
  reduceLROnPlateau,
  LearningRateScheduler,
  learningRateScheduler,
  TerminateOnNaN,
  terminateOnNaN,
  CsvLogger,
  csvLogger,
  JsonLinesLogger,
  jsonLinesLogger,
} from './callbacks/index.js';
export type {
  TrainParams,
  EarlyStoppingOptions,
  ModelCheckpointOptions,
  ReduceLROnPlateauOptions,
  EpochSchedule,
  CsvLoggerOptions,
  LoggerOptions,
  Mode as MonitorMode,
} from './callbacks/index.js';
export { Engine, getEngine } from './engine/engine.js';
export type { EngineInfo, EngineOptions } from './engine/engine.js';
export { init } from './engine/runtime.js';
export type { InitOptions, WasmSource } from './engine/runtime.js';
export { fitInWorker } from './worker/fit-in-worker.js';
export type { WorkerFit, WorkerFitOptions, WorkerFitResult, WorkerFitStatus } from './worker/fit-in-worker.js';
export type { WorkerFitEvent } from './worker/protocol.js';
export { modelFromBytes, modelToBytes, FORMAT_VERSION } from './io/model-file.js';
export type { ModelFileOptions, ModelLoadOptions } from './io/model-file.js';
export { loadModel, saveModel, listModels, removeModel } from './io/storage.js';
export type { LoadOptions, LoadSource, SaveOptions, SaveResult, SaveTarget, StoredModel } from './io/storage.js';
export { toTfjs, fromTfjs, saveTfjs, loadTfjs } from './io/tfjs.js';
export type { TfjsArtifacts, TfjsModelJson, TfjsWeights, TfjsWeightSpec, ToTfjsOptions } from './io/tfjs.js';
export { toOnnx, ONNX_OPSET } from './io/onnx.js';
export type { ToOnnxOptions } from './io/onnx.js';
export { fromOnnx, loadOnnx } from './io/onnx-import.js';
export { datasets, parseIdx, readIdx } from './data/index.js';
export { readCsv, readCsvHeader, fitNormalization, normalize } from './data/csv.js';
export type { CsvOptions, CsvData, Normalization } from './data/csv.js';
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
