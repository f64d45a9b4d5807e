// fit / evaluate / predict on whole arrays: the data is copied once into wasm memory, then each
// batch is gathered by (shuffled) row index into the model's slots and trained by the shared
// epoch loop (loop.ts) — epoch → shuffle → batch → gather → step (step.ts) → metrics → callbacks.
import type { Callbacks, Logs } from '../callbacks/base.js';
import { describe, finiteNumber, positiveInt } from '../check.js';
import { Rng, checkSeed } from '../engine/rng.js';
import { NumericError, ValueError } from '../errors.js';
import { isCategorical } from '../losses.js';
import { checkMemory } from './budget.js';
import { type DeviceData, gather, release, upload } from './device.js';
import { type HostX, type HostY, type InputData, type TargetData, toHostX, toHostY } from './inputs.js';
import { type History, runEpochs } from './loop.js';
import { type ClassWeight, type SampleWeight, rowWeights } from './sample-weights.js';
import type { Sequential } from './sequential.js';
import { forward, forwardLoss, metricLogs, regularization, updateMetrics } from './step.js';
import { Tensor2D } from './tensor.js';

export type { Callbacks, History, Logs };

/** What every training run takes, whether from arrays (fit) or from batches (fitDataset). */
export interface RunOptions {
  /** Passes over the training data (with fitDataset's stepsPerEpoch: rounds of that many batches). Default 1. */
  epochs?: number;
  /** Seeds the weights (if not yet built), the shuffling and dropout. Default: random. */
  seed?: number;
  /** 0 = silent (default), 1 = one line per epoch on the console. */
  verbose?: 0 | 1;
  /** Hook objects (or one): earlyStopping(...), modelCheckpoint(...), your own { onEpochEnd() {...} }. */
  callbacks?: Callbacks | Callbacks[];
  /** Abort to stop after the current batch; fit then rejects with AbortError (weights stay at the last completed step). */
  signal?: AbortSignal;
  /** Epoch to start counting from (for resuming). Default 0. */
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

export async function fitLoop(model: Sequential, x: InputData, y: TargetData, options: FitOptions): Promise<History> {
  const o = checkFitOptions(options);
  checkMemory(model, 'fit', [x, o.validationData?.[0]], { batchSize: o.batchSize, training: true, wholeData: true });
  model.ensureBuilt(x, o.seed);
  const e = model.engine;
  let hx = toHostX(x, model.inputDim);
  let hy = hostTargets(model, y, hx.rows);
  let hw = rowWeights(hy, o.sampleWeight, o.classWeight);
  let val: Split | undefined;
  if (o.validationData) {
    const [vx0, vy0, vw0] = o.validationData;
    const vx = toHostX(vx0, model.inputDim, 'validationData x');
    const vy = hostTargets(model, vy0, vx.rows, 'validationData y');
    val = [vx, vy, rowWeights(vy, vw0, undefined, 'validationData sampleWeight')];
  } else if (o.validationSplit > 0) {
    [[hx, hy, hw], val] = splitTail([hx, hy, hw], o.validationSplit);
  }
  if (o.seed !== undefined) model.rng = new Rng(o.seed);
  model.ensureCapacity(Math.min(o.batchSize, hx.rows));
  model.ensureOptimizerState();

  const train = upload(e, hx, hy, 'x', hw);
  let valData: DeviceData | undefined;
  try {
    valData = val ? upload(e, val[0], val[1], 'validation x', val[2]) : undefined;
    const batches = Math.ceil(train.rows / o.batchSize);
    return await runEpochs(model, { ...o, steps: batches }, {
      async epoch(_epoch, step) {
        // Each epoch's order is a fresh permutation of 0..rows-1 drawn from (seed, epochs trained)
        // alone, not a shuffle of the previous order: a fit resumed from a checkpoint matches.
        if (o.shuffle) {
          e.k.iota_i32(train.idx, train.rows);
          e.k.shuffle_i32(train.idx, train.rows, model.rng!.seed, shuffleCounter(model.epochsTrained, train.rows));
        }
        for (let b = 0; b < batches && !model.stopTraining; b++) {
          const rows = Math.min(o.batchSize, train.rows - b * o.batchSize);
          gather(e, train, b * o.batchSize, rows, model.input, model.target, model.sampleWeights);
          const wait = step(rows, train.labels, train.w !== 0);
          if (wait) await wait;
        }
        return true;
      },
      validate: valData ? () => evaluateDevice(model, valData!) : undefined,
    });
  } finally {
    release(e, train);
    if (valData) release(e, valData);
  }
}

/**
 * Shuffles draw from their own part of the counter stream (init uses positions from 0), at a
 * position fixed by how many epochs the model has trained: a run resumed from a checkpoint
 * shuffles exactly as the uninterrupted run would have.
 */
function shuffleCounter(epochsTrained: number, rows: number): bigint {
  return (1n << 48n) + BigInt(epochsTrained) * BigInt(rows);
}

/** Targets checked against the model's output and loss (class ids kept as ids). */
export function hostTargets(model: Sequential, y: unknown, rows: number, what = 'y'): HostY {
  const c = model.compiled!;
  return toHostY(y, rows, model.outputUnits, isCategorical(c.loss), !c.metrics.some((m) => m.dense), what);
}

/** Loss (Σ w·loss / rows + regularisation) and metrics over data already in wasm memory, in row order. */
export function evaluateDevice(model: Sequential, d: DeviceData, batchSize = model.capacity): Logs {
  const c = model.compiled!;
  const acc = new Float64Array(c.metricSize);
  let lossSum = 0;
  // Row order: upload() set the index to 0..rows-1 and evaluation data is never shuffled.
  for (let start = 0; start < d.rows; start += batchSize) {
    const rows = Math.min(batchSize, d.rows - start);
    gather(model.engine, d, start, rows, model.input, model.target, model.sampleWeights);
    forwardLoss(model, rows, d.labels, d.w !== 0, false, false);
    lossSum += model.lossSum[0];
    updateMetrics(model, rows, d.labels, acc);
  }
  const logs: Logs = { loss: lossSum / d.rows + regularization(model, false) };
  metricLogs(model, acc, logs);
  return logs;
}

export function evaluateData(model: Sequential, x: HostX, y: HostY, batchSize: number, weights?: Float32Array): Logs {
  model.ensureCapacity(Math.min(batchSize, x.rows));
  const d = upload(model.engine, x, y, 'x', weights);
  try {
    return evaluateDevice(model, d, Math.min(batchSize, model.capacity));
  } finally {
    release(model.engine, d);
  }
}

export function predictData(model: Sequential, x: HostX, batchSize: number): Tensor2D {
  model.ensureCapacity(Math.min(batchSize, x.rows));
  const e = model.engine;
  const d = upload(e, x, undefined);
  const units = model.layers[model.layers.length - 1].units;
  const out = new Float32Array(x.rows * units);
  const step = Math.min(batchSize, model.capacity);
  try {
    for (let start = 0; start < x.rows; start += step) {
      const rows = Math.min(step, x.rows - start);
      gather(e, d, start, rows, model.input, 0);
      const y = forward(model, rows, false, false);
      checkOutputs(model, y, rows, units, start, 'predict');
      out.set(e.f32.subarray(y >>> 2, (y >>> 2) + rows * units), start * units);
    }
  } finally {
    release(e, d);
  }
  return new Tensor2D(out, [x.rows, units]);
}

/**
 * Never hand back NaN or Infinity silently: outputs (rows, units) at `out` that are not finite
 * mean the network overflowed float32 on finite inputs (weights are always finite).
 */
export function checkOutputs(model: Sequential, out: number, rows: number, units: number, firstRow: number, call: string): void {
  const bad = model.engine.k.nonfinite_index(out, rows * units);
  if (bad < 0) return;
  throw overflowError(call, `the output for row ${firstRow + Math.floor(bad / units)} is ${model.engine.f32[(out >>> 2) + bad]}`);
}

export function overflowError(call: string, what: string): NumericError {
  return new NumericError(`${call}: ${what}: the network overflows float32; scale the inputs as in training, or lower the learning rate`);
}

interface CheckedFit {
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

function checkFitOptions(o: FitOptions): CheckedFit {
  if (o === null || typeof o !== 'object') throw new ValueError('fit options must be an object, e.g. { epochs: 5, batchSize: 32 }');
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

type Split = [HostX, HostY, Float32Array | undefined];

/** Keras' validationSplit: the last fraction of the rows (and their weights), before any shuffling. */
function splitTail([x, y, w]: Split, fraction: number): [Split, Split] {
  const valRows = Math.floor(x.rows * fraction);
  const trainRows = x.rows - valRows;
  if (valRows === 0 || trainRows === 0) {
    throw new ValueError(`validationSplit ${fraction} of ${x.rows} rows leaves ${trainRows} for training and ${valRows} for validation; both need at least one`);
  }
  const cut = <T extends { subarray(a: number, b?: number): T }>(a: T, per: number): [T, T] => [a.subarray(0, trainRows * per), a.subarray(trainRows * per)];
  const [xa, xb] = cut(x.data as Float32Array, x.cols);
  const part = (data: HostX['data'], rows: number): HostX => ({ ...x, data, rows });
  const ys = (rows: number, which: 0 | 1): HostY =>
    y.labels ? { ...y, rows, labels: cut(y.labels, 1)[which] } : { ...y, rows, dense: cut(y.dense!, y.cols)[which] };
  const ws = (which: 0 | 1) => (w ? cut(w, 1)[which] : undefined);
  return [
    [part(xa, trainRows), ys(trainRows, 0), ws(0)],
    [part(xb, valRows), ys(valRows, 1), ws(1)],
  ];
}
