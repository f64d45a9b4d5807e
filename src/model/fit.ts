// fit / evaluate / predict on whole arrays: the data is copied once into wasm memory, then each
// batch is gathered by (shuffled) row index into the model's slots and trained by the shared
// epoch loop (loop.ts) — epoch → shuffle → batch → gather → step (step.ts) → metrics → callbacks.
import type { Callbacks, Logs } from '../hooks.js';
import { positiveInt } from '../check.js';
import { Rng } from '../engine/rng.js';
import { NumericError, ValueError } from '../errors.js';
import { checkMemory } from './budget.js';
import { type DeviceData, gather, release, upload, writeRows } from './device.js';
import { type HostX, type HostY, type InputData, type TargetData, toHostX, toHostY } from './inputs.js';
import { type History, type SlotBatch, runEpochs } from './loop.js';
import { type EvaluateOptions, type FitOptions, checkFitOptions } from './options.js';
import { rowWeights } from './sample-weights.js';
import type { ModelCore } from './core.js';
import { forward } from './step.js';
import { Tally } from './tally.js';
import { Tensor2D } from './tensor.js';

export type { Callbacks, EvaluateOptions, FitOptions, History, Logs };

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
    // Keras weighs the held-out rows by their sampleWeight, but applies classWeight to training only.
    if (o.classWeight !== undefined) val[2] = undefined;
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
  const step = Math.min(batchSize, x.rows, model.predictRows);
  model.ensureCapacity(step);
  const e = model.engine;
  const units = model.outputSize;
  const out = new Float32Array(x.rows * units);
  // One batch goes straight into the input slot; more are copied into wasm memory once, then gathered.
  const d = x.rows <= step ? undefined : upload(e, x, undefined);
  try {
    for (let start = 0; start < x.rows; start += step) {
      const rows = Math.min(step, x.rows - start);
      if (d) gather(e, d, start, rows, model.input, 0);
      else writeRows(e, x, model.input);
      const y = forward(model, rows, false, false);
      checkOutputs(model, y, rows, units, start, 'predict');
      out.set(e.f32.subarray(y >>> 2, (y >>> 2) + rows * units), start * units);
    }
  } finally {
    if (d) release(e, d);
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
