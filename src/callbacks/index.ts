// The built-in callbacks (Keras names, camelCase constructors) and the base class for your own.
export { Callback, type Callbacks, type Logs, type TrainParams } from './base.js';
export { EarlyStopping, earlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { ModelCheckpoint, modelCheckpoint, formatPath, type ModelCheckpointOptions } from './checkpoint.js';
export {
  ReduceLROnPlateau,
  reduceLROnPlateau,
  LearningRateScheduler,
  learningRateScheduler,
  TerminateOnNaN,
  terminateOnNaN,
  type ReduceLROnPlateauOptions,
  type EpochSchedule,
} from './learning-rate.js';
export { CsvLogger, csvLogger, JsonLinesLogger, jsonLinesLogger, type CsvLoggerOptions, type LoggerOptions } from './loggers.js';
export type { Mode } from './monitor.js';
