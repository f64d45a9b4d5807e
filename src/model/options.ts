// Every option check of the model's calls in one place: fit, fitDataset, evaluate, predict, the
// *OnBatch calls, compile, build, summary, save. Each options object is checked by check.ts's
// checkObject (a plain object, only known keys, the closest valid name for a misspelt one), then
// each value; the calls get back checked, defaulted values.
import { checkObject, describe, finiteNumber, positiveInt } from '../check.js';
import { checkSeed } from '../engine/rng.js';
import { ValueError } from '../errors.js';
import type { Callbacks } from '../hooks.js';
import type { InputData, TargetData } from './inputs.js';
import type { ClassWeight, SampleWeight } from './sample-weights.js';

/** One batch: `{ x, y, sampleWeight? }` or `[x, y]` / `[x, y, sampleWeight]`. */
export type Batch = { x: InputData; y: TargetData; sampleWeight?: SampleWeight } | [InputData, TargetData] | [InputData, TargetData, SampleWeight];

/** Batches: an iterable or async iterable, or a function returning a fresh one (called per pass). */
export type Batches = Iterable<Batch> | AsyncIterable<Batch> | (() => Iterable<Batch> | AsyncIterable<Batch>);

/** What every training run takes, whether from arrays (fit) or from batches (fitDataset). */
export interface RunOptions {
  /**
   * Index of the epoch to stop before, as Keras: with initialEpoch, epochs initialEpoch .. epochs − 1
   * are trained (`{ epochs: 4, initialEpoch: 2 }` trains two). An epoch is a pass over the training
   * data (with fitDataset's stepsPerEpoch: that many batches). Default 1.
   */
  epochs?: number;
  /** Seeds the weights (if not yet built), the shuffling and dropout. Default: random. */
  seed?: number;
  /** 0 = silent (default), 1 = one line per epoch on the console. */
  verbose?: 0 | 1;
  /** Hook objects (or one): earlyStopping(...), modelCheckpoint(...), your own { onEpochEnd() {...} }. */
  callbacks?: Callbacks | Callbacks[];
  /** Abort to stop after the current batch; fit then rejects with AbortError (weights stay at the last completed step). */
  signal?: AbortSignal;
  /** Epoch to start at (for resuming; Keras' initial_epoch): `initialEpoch >= epochs` trains nothing. Default 0. */
  initialEpoch?: number;
  /** Loss weight per class id, e.g. { 0: 1, 1: 5 } (classes not listed weigh 1; not with batches that carry their own sampleWeight). */
  classWeight?: ClassWeight;
}

export interface FitOptions extends RunOptions {
  /** Rows per gradient step. Default 32. */
  batchSize?: number;
  /** Reshuffle the training rows every epoch. Default true. */
  shuffle?: boolean;
  /** Fraction in [0, 1) of the rows, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** Explicit validation data [x, y] or [x, y, sampleWeight]; takes precedence over validationSplit. */
  validationData?: [InputData, TargetData] | [InputData, TargetData, SampleWeight];
  /** Loss weight per training row. Not together with classWeight. */
  sampleWeight?: SampleWeight;
}

/** Options of evaluate. */
export interface EvaluateOptions {
  /** Rows per forward pass. Default 256. */
  batchSize?: number;
  /** Loss weight per row. */
  sampleWeight?: SampleWeight;
  /** Loss weight per class id (Keras' evaluate lacks it; here it weighs the loss as in fit). */
  classWeight?: ClassWeight;
}

export interface FitDatasetOptions extends RunOptions {
  /** Batches per epoch; the iterator continues across epochs (restarted when it ends, if it can be). Default: until the data ends. */
  stepsPerEpoch?: number;
  /** Validation batches (an iterable, async iterable or function) or arrays [x, y] / [x, y, sampleWeight], evaluated after each epoch. */
  validationData?: Batches | [InputData, TargetData] | [InputData, TargetData, SampleWeight];
  /** Validation batches per evaluation. Default: all. */
  validationSteps?: number;
}

/** Options of trainOnBatch / testOnBatch. */
export interface BatchOptions {
  /** Loss weight per row. */
  sampleWeight?: SampleWeight;
  /** Loss weight per class id. */
  classWeight?: ClassWeight;
}

/** The keys of RunOptions (fit and fitDataset) and of FitOptions. */
export const RUN_KEYS = ['epochs', 'seed', 'verbose', 'callbacks', 'signal', 'initialEpoch', 'classWeight'] as const satisfies readonly (keyof RunOptions)[];
export const FIT_KEYS = [...RUN_KEYS, 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'sampleWeight'] as const satisfies readonly (keyof FitOptions)[];
export const FIT_DATASET_KEYS = [...RUN_KEYS, 'stepsPerEpoch', 'validationData', 'validationSteps'] as const satisfies readonly (keyof FitDatasetOptions)[];
export const EVALUATE_KEYS = ['batchSize', 'sampleWeight', 'classWeight'] as const satisfies readonly (keyof EvaluateOptions)[];

/** The options objects of the smaller calls, by call. */
export const CALL_KEYS = {
  sequential: ['name', 'engine'],
  build: ['inputShape', 'seed'],
  evaluate: EVALUATE_KEYS,
  predict: ['batchSize'],
  trainOnBatch: ['sampleWeight', 'classWeight'],
  testOnBatch: ['sampleWeight', 'classWeight'],
  summary: ['print', 'formula', 'showTrainable'],
  toBytes: ['includeOptimizer'],
  save: ['includeOptimizer'],
} as const satisfies Record<string, readonly string[]>;

/** compile()'s options: an object of optimizer, loss and metrics (an array). */
export function checkCompileOptions(o: unknown): void {
  const { metrics } = checkObject(o, 'compile() options', ['optimizer', 'loss', 'metrics'], false);
  if (metrics !== undefined && !Array.isArray(metrics)) throw new ValueError(`compile metrics must be an array of names, got ${describe(metrics)}`);
}

/** An options object of `call` with only its keys (Keras refuses unknown keyword arguments). */
export function checkCallOptions(o: unknown, call: keyof typeof CALL_KEYS): void {
  checkObject(o, `${call} options`, CALL_KEYS[call], false);
}

export interface CheckedFit {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  validationSplit: number;
  validationData?: [InputData, TargetData, SampleWeight?];
  seed?: number;
  verbose: 0 | 1;
  callbacks: Callbacks[];
  signal?: AbortSignal;
  initialEpoch: number;
  classWeight?: ClassWeight;
  sampleWeight?: SampleWeight;
}

/** 0 or 1 (false / true are taken too). */
export function checkVerbose(v: unknown): 0 | 1 {
  if (v === undefined || v === 0 || v === false) return 0;
  if (v === 1 || v === true) return 1;
  throw new ValueError(`verbose must be 0 or 1, got ${describe(v)}`);
}

export function checkSignal(s: unknown): AbortSignal | undefined {
  if (s === undefined) return undefined;
  if (s === null || typeof s !== 'object' || typeof (s as AbortSignal).aborted !== 'boolean') {
    throw new ValueError(`signal must be an AbortSignal, got ${describe(s)}`);
  }
  return s as AbortSignal;
}

/** Epochs already done: a whole number >= 0. */
export function checkInitialEpoch(v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ValueError(`initialEpoch must be an integer >= 0, got ${describe(v)}`);
  return v;
}

export function checkCallbacks(value: unknown): Callbacks[] {
  const callbacks = value === undefined ? [] : Array.isArray(value) ? value : [value];
  for (const cb of callbacks) if (cb === null || typeof cb !== 'object') throw new ValueError('callbacks must be objects with onEpochEnd / onBatchEnd / ... methods');
  return callbacks as Callbacks[];
}

export function checkFitOptions(o: FitOptions): CheckedFit {
  checkObject(o, 'fit options', FIT_KEYS, false);
  const validationSplit = finiteNumber(o.validationSplit ?? 0, 'validationSplit', 0, 1);
  if (validationSplit >= 1) throw new ValueError(`validationSplit must be in [0, 1), got ${validationSplit}`);
  const vd = o.validationData;
  if (vd !== undefined && (!Array.isArray(vd) || vd.length < 2 || vd.length > 3)) throw new ValueError('validationData must be [x, y] or [x, y, sampleWeight]');
  if (o.shuffle !== undefined && typeof o.shuffle !== 'boolean') throw new ValueError(`shuffle must be a boolean, got ${describe(o.shuffle)}`);
  return {
    epochs: positiveInt(o.epochs ?? 1, 'epochs'),
    batchSize: positiveInt(o.batchSize ?? 32, 'batchSize'),
    shuffle: o.shuffle ?? true,
    validationSplit,
    validationData: vd,
    seed: checkSeed(o.seed),
    verbose: checkVerbose(o.verbose),
    callbacks: checkCallbacks(o.callbacks),
    signal: checkSignal(o.signal),
    initialEpoch: checkInitialEpoch(o.initialEpoch),
    classWeight: o.classWeight,
    sampleWeight: o.sampleWeight,
  };
}

/** fitDataset's options, checked: the loop's (epochs, initialEpoch, verbose, callbacks, signal) and the stream's. */
export function checkFitDatasetOptions(o: FitDatasetOptions) {
  checkObject(o, 'fitDataset options', FIT_DATASET_KEYS, false);
  const epochs = positiveInt(o.epochs ?? 1, 'epochs');
  const steps = o.stepsPerEpoch === undefined ? undefined : positiveInt(o.stepsPerEpoch, 'stepsPerEpoch');
  const valSteps = o.validationSteps === undefined ? undefined : positiveInt(o.validationSteps, 'validationSteps');
  const seed = checkSeed(o.seed);
  const val = o.validationData;
  if (Array.isArray(val) && (val.length < 2 || val.length > 3)) throw new ValueError('validationData must be [x, y], [x, y, sampleWeight] or an iterable of batches');
  return {
    epochs,
    steps,
    valSteps,
    seed,
    initialEpoch: checkInitialEpoch(o.initialEpoch),
    verbose: checkVerbose(o.verbose),
    callbacks: checkCallbacks(o.callbacks),
    signal: checkSignal(o.signal),
    classWeight: o.classWeight,
    validationData: val,
  };
}
