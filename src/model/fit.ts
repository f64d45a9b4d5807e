// The training loop, read top to bottom: epoch → shuffle → batch → gather → forward → loss →
// backward → check → step → metrics → callbacks. One batch costs a fixed handful of kernel calls
// per layer; JS reads back only scalars (loss sum, metric counts) and allocates nothing per batch.
import { finiteNumber, positiveInt } from '../check.js';
import { Rng, checkSeed } from '../engine/rng.js';
import { AbortError, NumericError, ValueError } from '../errors.js';
import { isCategorical } from '../losses.js';
import { type DeviceData, gather, release, upload } from './device.js';
import { type HostX, type HostY, type InputData, type TargetData, toHostX, toHostY } from './inputs.js';
import type { Sequential } from './sequential.js';
import { Tensor2D } from './tensor.js';

/** Values reported for an epoch or batch: loss and each metric (val-prefixed for validation). */
export type Logs = Record<string, number>;

/** Keras-style hooks; any may return a promise, which fit awaits. */
export interface Callbacks {
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

export interface FitOptions {
  /** Passes over the training data. Default 1. */
  epochs?: number;
  /** Rows per gradient step. Default 32. */
  batchSize?: number;
  /** Reshuffle the training rows every epoch. Default true. */
  shuffle?: boolean;
  /** Fraction in [0, 1) of the rows, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** Explicit validation data [x, y]; takes precedence over validationSplit. */
  validationData?: [InputData, TargetData];
  /** Seeds the weights (if not yet built) and the shuffling. Default: random. */
  seed?: number;
  /** 0 = silent (default), 1 = one line per epoch on the console. */
  verbose?: 0 | 1;
  /** Hook objects (or one). */
  callbacks?: Callbacks | Callbacks[];
  /** Abort to stop after the current batch; fit then rejects with AbortError (weights stay at the last completed step). */
  signal?: AbortSignal;
  /** Epoch to start counting from (for resuming). Default 0. */
  initialEpoch?: number;
}

/** What fit returns: per-epoch values, keyed like Keras (loss, accuracy, valLoss, valAccuracy). */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}

export async function fitLoop(model: Sequential, x: InputData, y: TargetData, options: FitOptions): Promise<History> {
  const o = checkFitOptions(options);
  model.ensureBuilt(x, o.seed);
  const c = model.compiled!;
  const e = model.engine;
  const categorical = isCategorical(c.loss);
  let hx = toHostX(x, model.inputDim);
  let hy = toHostY(y, hx.rows, model.outputUnits, categorical, true);
  let val: [HostX, HostY] | undefined;
  if (o.validationData) {
    const vx = toHostX(o.validationData[0], model.inputDim, 'validationData x');
    val = [vx, toHostY(o.validationData[1], vx.rows, model.outputUnits, categorical, true, 'validationData y')];
  } else if (o.validationSplit > 0) {
    [[hx, hy], val] = splitTail(hx, hy, o.validationSplit);
  }
  if (o.seed !== undefined) model.rng = new Rng(o.seed);
  model.ensureCapacity(Math.min(o.batchSize, hx.rows));
  model.ensureOptimizerState();

  const train = upload(e, hx, hy);
  const valData = val ? tryUpload(e, val, train) : undefined;
  const callbacks = o.callbacks;
  const history: History = { epoch: [], history: {} };
  const names = ['loss', ...c.metricNames];
  const acc = new Float64Array(2 * c.metrics.length);
  const batchHooks = callbacks.some((cb) => cb.onBatchEnd || cb.onBatchBegin);
  model.stopTraining = false;
  let lastYield = now();
  try {
    await call(callbacks, 'onTrainBegin', {});
    for (let epoch = o.initialEpoch; epoch < o.initialEpoch + o.epochs && !model.stopTraining; epoch++) {
      const started = now();
      await call(callbacks, 'onEpochBegin', epoch, {});
      if (o.shuffle) e.k.shuffle_i32(train.idx, train.rows, model.rng!.seed, shuffleCounter(model.epochsTrained, train.rows));
      acc.fill(0);
      let lossSum = 0;
      let seen = 0;
      const batches = Math.ceil(train.rows / o.batchSize);
      for (let b = 0; b < batches && !model.stopTraining; b++) {
        const rows = Math.min(o.batchSize, train.rows - b * o.batchSize);
        if (batchHooks) await call(callbacks, 'onBatchBegin', b, { batch: b, size: rows });
        const batchLoss = trainStep(model, train, b * o.batchSize, rows, acc, epoch, b);
        lossSum += batchLoss;
        seen += rows;
        if (batchHooks) {
          await call(callbacks, 'onBatchEnd', b, { batch: b, size: rows, loss: batchLoss / rows });
        }
        if (o.signal?.aborted) throw new AbortError(`fit aborted at epoch ${epoch}, batch ${b}; the weights are those after that batch`, history);
        if (now() - lastYield > 40) lastYield = await yieldToEventLoop();
      }
      const logs: Logs = { loss: lossSum / seen };
      c.metrics.forEach((m, i) => (logs[m.name] = acc[2 * i] / acc[2 * i + 1]));
      if (valData) {
        const v = evaluateDevice(model, valData);
        for (const name of names) logs[`val${name[0].toUpperCase()}${name.slice(1)}`] = v[name];
      }
      model.epochsTrained++;
      history.epoch.push(epoch);
      for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
      if (o.verbose) console.log(epochLine(epoch, o.initialEpoch + o.epochs, logs, (now() - started) / 1000, seen));
      await call(callbacks, 'onEpochEnd', epoch, logs);
    }
    await call(callbacks, 'onTrainEnd', {});
  } finally {
    release(e, train);
    if (valData && valData !== train) release(e, valData);
  }
  return history;
}

/**
 * Shuffles draw from their own part of the counter stream (init uses positions from 0), at a
 * position fixed by how many epochs the model has trained: a run resumed from a checkpoint
 * shuffles exactly as the uninterrupted run would have.
 */
function shuffleCounter(epochsTrained: number, rows: number): bigint {
  return (1n << 48n) + BigInt(epochsTrained) * BigInt(rows);
}

/** One gradient step on rows [start, start+rows) of the current order; returns the summed loss. */
function trainStep(model: Sequential, d: DeviceData, start: number, rows: number, acc: Float64Array, epoch: number, batch: number): number {
  const e = model.engine;
  const c = model.compiled!;
  gather(e, d, start, rows, model.input, model.target);
  const lossSum = forwardLoss(model, d, rows, true);
  const layers = model.layers;
  if (!Number.isFinite(lossSum)) throw numericError(model, `the loss became ${lossSum}`, epoch, batch);
  for (let i = layers.length - 1; i >= 0; i--) {
    const x = i === 0 ? model.input : layers[i - 1].y;
    const dx = i === 0 ? 0 : layers[i - 1].g;
    layers[i].backward(e, x, rows, dx, model.pack, i === layers.length - 1 && c.mode !== 'plain');
  }
  const n = model.paramCount;
  if (e.k.nonfinite_index(model.grads, n) >= 0) throw numericError(model, 'a gradient became NaN or Infinity', epoch, batch);
  // Keep the last good weights: an update with finite gradients can still overflow.
  e.u8.copyWithin(model.backup, model.params, model.params + n * 4);
  c.optimizer.apply(e, model.params, model.grads, model.optState, n);
  if (e.k.nonfinite_index(model.params, n) >= 0) {
    e.u8.copyWithin(model.params, model.backup, model.backup + n * 4);
    throw numericError(model, 'a weight became NaN or Infinity', epoch, batch);
  }
  updateMetrics(model, d, rows, acc);
  return lossSum;
}

function numericError(model: Sequential, what: string, epoch: number, batch: number): NumericError {
  const lr = model.compiled!.optimizer.learningRate;
  return new NumericError(
    `${what} at epoch ${epoch}, batch ${batch}; the weights were not updated by that batch. ` +
      `Try a lower learning rate (now ${lr}), normalised inputs, or a smaller batch-to-batch variance.`,
  );
}

/**
 * Forward pass plus loss over `rows` rows in the slots. With `withGrad` the loss gradient goes
 * into the last layer's g (scaled by 1/rows): as ∂L/∂z when the loss is fused with the output
 * activation, else as ∂L/∂y.
 */
function forwardLoss(model: Sequential, d: DeviceData, rows: number, withGrad: boolean): number {
  const e = model.engine;
  const k = e.k;
  const { loss, mode } = model.compiled!;
  const layers = model.layers;
  const last = layers[layers.length - 1];
  let x = model.input;
  for (const layer of layers) {
    layer.forward(e, x, rows, model.pack, layer === last && mode !== 'plain');
    x = layer.y;
  }
  const g = withGrad ? last.g : 0;
  const n = last.units;
  const scale = 1 / rows;
  const t = model.target;
  if (mode === 'softmaxCe') return (d.labels ? k.softmax_sparse_cce : k.softmax_cce)(g, last.z, t, rows, n, scale, 0, last.y);
  if (mode === 'sigmoidBce') return k.bce_logits(g, last.z, t, rows, n, scale, 0, last.y);
  const y = last.y;
  switch (loss.kind) {
    case 'mse':
      return k.mse(g, y, t, rows, n, scale, 0);
    case 'mae':
      return k.mae(g, y, t, rows, n, scale, 0);
    case 'huber':
      return k.huber(g, y, t, rows, n, scale, 0, loss.delta);
    case 'bce':
      return loss.fromLogits ? k.bce_logits(g, y, t, rows, n, scale, 0, 0) : k.bce(g, y, t, rows, n, scale, 0);
    case 'cce':
    case 'scce':
      if (loss.fromLogits) return (d.labels ? k.softmax_sparse_cce : k.softmax_cce)(g, y, t, rows, n, scale, 0, 0);
      return (d.labels ? k.sparse_cce : k.cce)(g, y, t, rows, n, scale, 0);
  }
}

function updateMetrics(model: Sequential, d: DeviceData, rows: number, acc: Float64Array): void {
  const metrics = model.compiled!.metrics;
  if (metrics.length === 0) return;
  const last = model.layers[model.layers.length - 1];
  const view = { engine: model.engine, out: last.y, target: model.target, labels: d.labels, rows, cols: last.units };
  for (let i = 0; i < metrics.length; i++) metrics[i].update(view, acc, 2 * i);
}

/** Loss and metrics over data already in wasm memory, in row order. */
function evaluateDevice(model: Sequential, d: DeviceData, batchSize = model.capacity): Logs {
  const c = model.compiled!;
  const acc = new Float64Array(2 * c.metrics.length);
  let lossSum = 0;
  // Row order: upload() set the index to 0..rows-1 and evaluation data is never shuffled.
  for (let start = 0; start < d.rows; start += batchSize) {
    const rows = Math.min(batchSize, d.rows - start);
    gather(model.engine, d, start, rows, model.input, model.target);
    lossSum += forwardLoss(model, d, rows, false);
    updateMetrics(model, d, rows, acc);
  }
  const logs: Logs = { loss: lossSum / d.rows };
  c.metrics.forEach((m, i) => (logs[m.name] = acc[2 * i] / acc[2 * i + 1]));
  return logs;
}

export function evaluateData(model: Sequential, x: HostX, y: HostY, batchSize: number): Logs {
  model.ensureCapacity(Math.min(batchSize, x.rows));
  const d = upload(model.engine, x, y);
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
  const last = model.layers[model.layers.length - 1];
  const out = new Float32Array(x.rows * last.units);
  const step = Math.min(batchSize, model.capacity);
  try {
    for (let start = 0; start < x.rows; start += step) {
      const rows = Math.min(step, x.rows - start);
      gather(e, d, start, rows, model.input, 0);
      let input = model.input;
      for (const layer of model.layers) {
        layer.forward(e, input, rows, model.pack, false);
        input = layer.y;
      }
      out.set(e.f32.subarray(last.y >>> 2, (last.y >>> 2) + rows * last.units), start * last.units);
    }
  } finally {
    release(e, d);
  }
  return new Tensor2D(out, [x.rows, last.units]);
}

interface CheckedFit {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  validationSplit: number;
  validationData?: [InputData, TargetData];
  seed?: number;
  verbose: 0 | 1;
  callbacks: Callbacks[];
  signal?: AbortSignal;
  initialEpoch: number;
}

function checkFitOptions(o: FitOptions): CheckedFit {
  if (o === null || typeof o !== 'object') throw new ValueError('fit options must be an object, e.g. { epochs: 5, batchSize: 32 }');
  const validationSplit = finiteNumber(o.validationSplit ?? 0, 'validationSplit', 0, 1);
  if (validationSplit >= 1) throw new ValueError(`validationSplit must be in [0, 1), got ${validationSplit}`);
  const vd = o.validationData;
  if (vd !== undefined && (!Array.isArray(vd) || vd.length !== 2)) throw new ValueError('validationData must be [x, y]');
  const callbacks = o.callbacks === undefined ? [] : Array.isArray(o.callbacks) ? o.callbacks : [o.callbacks];
  for (const cb of callbacks) if (cb === null || typeof cb !== 'object') throw new ValueError('callbacks must be objects with onEpochEnd / onBatchEnd / ... methods');
  return {
    epochs: positiveInt(o.epochs ?? 1, 'epochs'),
    batchSize: positiveInt(o.batchSize ?? 32, 'batchSize'),
    shuffle: o.shuffle ?? true,
    validationSplit,
    validationData: vd,
    seed: checkSeed(o.seed),
    verbose: o.verbose ? 1 : 0,
    callbacks,
    signal: o.signal,
    initialEpoch: o.initialEpoch === undefined ? 0 : finiteNumber(o.initialEpoch, 'initialEpoch', 0),
  };
}

/** Keras' validationSplit: the last fraction of the rows, before any shuffling. */
function splitTail(x: HostX, y: HostY, fraction: number): [[HostX, HostY], [HostX, HostY]] {
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
  return [
    [part(xa, trainRows), ys(trainRows, 0)],
    [part(xb, valRows), ys(valRows, 1)],
  ];
}

function tryUpload(e: Sequential['engine'], [x, y]: [HostX, HostY], train: DeviceData): DeviceData {
  try {
    return upload(e, x, y, 'validation x');
  } catch (err) {
    release(e, train);
    throw err;
  }
}

async function call<K extends keyof Callbacks>(callbacks: Callbacks[], hook: K, ...args: Parameters<NonNullable<Callbacks[K]>>): Promise<void> {
  for (const cb of callbacks) {
    const fn = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (fn) await fn.apply(cb, args);
  }
}

const now = () => performance.now();

/** Let timers, I/O and abort signals run; a macrotask, not a microtask. */
function yieldToEventLoop(): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(now()), 0));
}

export function epochLine(epoch: number, epochs: number, logs: Logs, seconds: number, samples: number): string {
  const parts = Object.entries(logs).map(([k, v]) => `${k} ${v.toFixed(4)}`);
  return `Epoch ${epoch + 1}/${epochs}  ${parts.join('  ')}  ${seconds.toFixed(1)}s  ${Math.round(samples / seconds)} samples/s`;
}
