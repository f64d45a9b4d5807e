// fit / evaluate / predict on whole arrays: the data is copied once into wasm memory, then each
// batch is gathered by (shuffled) row index into the model's slots and trained by the shared
// epoch loop (loop.ts) — epoch → shuffle → batch → gather → step (step.ts) → metrics → callbacks.
import type { Callbacks, Logs } from '../hooks.js';
import { checkObject, describe, finiteNumber, positiveInt } from '../check.js';
import { Rng, checkSeed } from '../engine/rng.js';
import { NumericError, ValueError } from '../errors.js';
import { checkMemory } from './budget.js';
import { type DeviceData, gather, release, upload } from './device.js';
import { type HostX, type HostY, type InputData, type TargetData, toHostX, toHostY } from './inputs.js';
import { type History, type SlotBatch, runEpochs } from './loop.js';
import { type ClassWeight, type SampleWeight, rowWeights } from './sample-weights.js';
import type { ModelCore } from './core.js';
import { forward } from './step.js';
import { Tally } from './tally.js';
import { Tensor2D } from './tensor.js';

export type { Callbacks, History, Logs };

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

export async function fitLoop(model: ModelCore, x: InputData, y: TargetData, options: FitOptions): Promise<History> {
  const o = checkFitOptions(options);
  checkMemory(model, 'fit', [x, o.validationData?.[0]], { batchSize: o.batchSize, training: true, wholeData: true });
  model.ensureBuilt(x, o.seed);
  const e = model.engine;
  let hx = toHostX(x, model.inputShape!);
  let hy = hostTargets(model, y, hx.rows);
  let hw = rowWeights(hy, o.sampleWeight, o.classWeight);
  let val: Split | undefined;
  if (o.validationData) {
    const [vx0, vy0, vw0] = o.validationData;
    const vx = toHostX(vx0, model.inputShape!, 'validationData x');
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
    return await runEpochs(model, { ...o, steps: Math.ceil(train.rows / o.batchSize) }, {
      epoch() {
        // Each epoch's order is a fresh permutation of 0..rows-1 drawn from (seed, epochs trained)
        // alone, not a shuffle of the previous order: a fit resumed from a checkpoint matches.
        if (o.shuffle) {
          e.k.iota_i32(train.idx, train.rows);
          e.k.shuffle_i32(train.idx, train.rows, model.rng!.seed, shuffleCounter(model.epochsTrained, train.rows));
        }
        return new DeviceBatches(model, train, o.batchSize);
      },
      validate: valData ? () => evaluateDevice(model, valData!) : undefined,
    });
  } finally {
    release(e, train);
    if (valData) release(e, valData);
  }
}

/**
 * One epoch over data in wasm memory: each next() gathers the following batch (in the current row
 * order) into the slots. Synchronous, and it reuses one result object: no allocation per batch.
 */
class DeviceBatches implements Iterator<SlotBatch, boolean> {
  private start = 0;
  private readonly result: IteratorYieldResult<SlotBatch>;
  private static readonly end: IteratorReturnResult<boolean> = { done: true, value: true };

  constructor(private readonly model: ModelCore, private readonly data: DeviceData, private readonly batchSize: number) {
    this.result = { done: false, value: { rows: 0, labels: data.labels, weighted: data.w !== 0 } };
  }

  next(): IteratorResult<SlotBatch, boolean> {
    const { model, data } = this;
    if (this.start >= data.rows) return DeviceBatches.end;
    const rows = Math.min(this.batchSize, data.rows - this.start);
    gather(model.engine, data, this.start, rows, model.input, model.target, model.sampleWeights);
    this.start += rows;
    this.result.value.rows = rows;
    return this.result;
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

/**
 * Targets checked against the model's output, loss and metrics (class ids kept as ids): a metric
 * that needs target rows (mse, binaryAccuracy) refuses class ids here, before any step.
 */
export function hostTargets(model: ModelCore, y: unknown, rows: number, what = 'y'): HostY {
  const c = model.compiled!;
  const hy = toHostY(y, rows, model.outputSize, c.loss, what);
  if (hy.labels) for (const m of c.metrics) if (m.needsRows) throw new ValueError(`metric ${m.name} needs target rows (rows, ${hy.cols}), but ${what} holds class ids; pass one-hot rows with categoricalCrossentropy, or drop the metric`);
  return hy;
}

/** Loss (Σ w·loss / rows + regularisation) and metrics over data already in wasm memory, in row order. */
export function evaluateDevice(model: ModelCore, d: DeviceData, batchSize = model.capacity): Logs {
  const tally = new Tally(model);
  // Row order: upload() set the index to 0..rows-1 and evaluation data is never shuffled.
  for (let start = 0; start < d.rows; start += batchSize) {
    const rows = Math.min(batchSize, d.rows - start);
    gather(model.engine, d, start, rows, model.input, model.target, model.sampleWeights);
    tally.add(rows, d.labels, d.w !== 0);
  }
  return tally.logs();
}

/** evaluate(x, y): checked arguments, the whole data in wasm memory, one tally; a non-finite loss is an error. */
export function evaluateArrays(model: ModelCore, x: InputData, y: TargetData, options: EvaluateOptions): Logs {
  const batchSize = positiveInt(options.batchSize ?? 256, 'batchSize');
  checkMemory(model, 'evaluate', [x], { batchSize, training: false, wholeData: true });
  model.ensureBuilt(x);
  const hx = toHostX(x, model.inputShape!);
  const hy = hostTargets(model, y, hx.rows);
  const w = rowWeights(hy, options.sampleWeight, options.classWeight);
  return finiteLoss(evaluateData(model, hx, hy, batchSize, w), 'evaluate');
}

/** Evaluation logs, unless the loss overflowed (NaN or Infinity is never returned silently). */
export function finiteLoss(logs: Logs, call: string): Logs {
  if (!Number.isFinite(logs.loss)) throw overflowError(call, `the loss is ${logs.loss}`);
  return logs;
}

export function evaluateData(model: ModelCore, x: HostX, y: HostY, batchSize: number, weights?: Float32Array): Logs {
  model.ensureCapacity(Math.min(batchSize, x.rows));
  const d = upload(model.engine, x, y, 'x', weights);
  try {
    return evaluateDevice(model, d, Math.min(batchSize, model.capacity));
  } finally {
    release(model.engine, d);
  }
}

export function predictData(model: ModelCore, x: HostX, batchSize: number): Tensor2D {
  model.ensureCapacity(Math.min(batchSize, x.rows));
  const e = model.engine;
  const d = upload(e, x, undefined);
  const units = model.outputSize;
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
export function checkOutputs(model: ModelCore, out: number, rows: number, units: number, firstRow: number, call: string): void {
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

/** The keys of RunOptions (fit and fitDataset) and of FitOptions. */
export const RUN_KEYS = ['epochs', 'seed', 'verbose', 'callbacks', 'signal', 'initialEpoch', 'classWeight'] as const satisfies readonly (keyof RunOptions)[];
export const FIT_KEYS = [...RUN_KEYS, 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'sampleWeight'] as const satisfies readonly (keyof FitOptions)[];
export const EVALUATE_KEYS = ['batchSize', 'sampleWeight', 'classWeight'] as const satisfies readonly (keyof EvaluateOptions)[];

function checkFitOptions(o: FitOptions): CheckedFit {
  if (o === null || typeof o !== 'object') throw new ValueError('fit options must be an object, e.g. { epochs: 5, batchSize: 32 }');
  checkObject(o, 'fit options', FIT_KEYS);
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

/** Keras 3 and TF.js: floor(rows·(1 − fraction)) rows train, the rest validate (101 rows, 0.1 → 90 / 11). */
export function splitRows(rows: number, fraction: number): [train: number, validation: number] {
  const train = fraction > 0 ? Math.floor(rows * (1 - fraction)) : rows;
  return [train, rows - train];
}

/** Keras' validationSplit: the last fraction of the rows (and their weights), before any shuffling. */
function splitTail([x, y, w]: Split, fraction: number): [Split, Split] {
  const [trainRows, valRows] = splitRows(x.rows, fraction);
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
