// The epoch loop shared by fit (arrays in wasm memory) and fitDataset (streamed batches), top to
// bottom: epoch → pull a batch from the source (it writes the batch into the core's slots) → step
// (step.ts) → batch hooks → epoch logs → validation → callbacks → history. A source only knows how
// to put each batch into the slots; everything Keras-visible happens here. Arrays give a
// synchronous iterator that allocates nothing per batch; only streams are asynchronous.
import { type Callbacks, type Logs, callHook } from '../hooks.js';
import { AbortError, NumericError } from '../errors.js';
import type { ModelCore } from './core.js';
import { metricLogs, trainStep } from './step.js';

/** What fit returns: per-epoch values, keyed like Keras (loss, accuracy, valLoss, valAccuracy). */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}

export interface LoopOptions {
  /** Index of the final epoch, as Keras: epochs initialEpoch .. epochs − 1 are trained. */
  epochs: number;
  initialEpoch: number;
  verbose: 0 | 1;
  callbacks: Callbacks[];
  signal?: AbortSignal;
  /** Batches per epoch, when known (for callbacks' params). */
  steps?: number;
}

/** The batch a source has just written into the core's slots. */
export interface SlotBatch {
  rows: number;
  /** Targets are class ids (else dense rows). */
  labels: boolean;
  /** Sample weights were written. */
  weighted: boolean;
}

/** One epoch's batches; the return value (done) is false when the data ran out (training stops). */
export type EpochBatches = Iterator<SlotBatch, boolean> | AsyncIterator<SlotBatch, boolean>;

export interface BatchSource {
  /** The batches of one epoch, each in the slots when next() gives it. */
  epoch(epoch: number): EpochBatches;
  /** Validation logs (keys without the val prefix), if there is validation data. */
  validate?(): Logs | Promise<Logs>;
}

type Step = (rows: number, labels: boolean, weighted: boolean) => Promise<void> | undefined;

export async function runEpochs(model: ModelCore, o: LoopOptions, source: BatchSource): Promise<History> {
  const c = model.compiled!;
  const callbacks = o.callbacks;
  for (const cb of callbacks) {
    cb.setModel?.(model.facade);
    cb.setParams?.({ epochs: o.epochs, steps: o.steps, verbose: o.verbose });
  }
  const history: History = { epoch: [], history: {} };
  const acc = new Float64Array(c.metricSize);
  // Callbacks that only act on failed batches (terminateOnNaN) keep the fast path: fit calls
  // onBatchEnd for every failed batch anyway.
  const batchHooks = callbacks.some((cb) => cb.onBatchBegin || (cb.onBatchEnd && !(cb as { onlyFailedBatches?: boolean }).onlyFailedBatches));
  let lastLogs: Logs = {};
  let lastYield = now();
  model.stopTraining = false;
  if (o.signal?.aborted) throw new AbortError('fit aborted before it started', history);
  await callHook(callbacks, 'onTrainBegin', {});
  for (let epoch = o.initialEpoch; epoch < o.epochs && !model.stopTraining; epoch++) {
    const started = now();
    await callHook(callbacks, 'onEpochBegin', epoch, {});
    acc.fill(0);
    // [loss sum, rows seen], added to by trainStep.
    const sums = new Float64Array(2);
    let b = 0;
    // The common case (no batch hooks, no failure, no yield due) stays synchronous: no promise
    // or log object is made per batch.
    // An abort that arrived while fit waited (a yield, a hook, validation) stops it before the
    // next batch, not after it.
    const abortedBefore = () => new AbortError(`fit aborted at epoch ${epoch} before batch ${b}; the weights are those after the previous batch`, history);
    const step: Step = (rows, labels, weighted) => {
      if (o.signal?.aborted) throw abortedBefore();
      if (batchHooks) return hookedStep(rows, labels, weighted);
      try {
        trainStep(model, rows, labels, weighted, acc, sums, epoch, b);
      } catch (err) {
        if (!(err instanceof NumericError)) throw err;
        return failedStep(rows, err);
      }
      return afterStep();
    };
    const hookedStep = async (rows: number, labels: boolean, weighted: boolean) => {
      await callHook(callbacks, 'onBatchBegin', b, { batch: b, size: rows });
      if (o.signal?.aborted) throw abortedBefore();
      try {
        trainStep(model, rows, labels, weighted, acc, sums, epoch, b);
      } catch (err) {
        if (!(err instanceof NumericError)) throw err;
        return failedStep(rows, err);
      }
      await callHook(callbacks, 'onBatchEnd', b, batchLogs(rows, model.lossSum[0]));
      await afterStep();
    };
    // onBatchEnd sees the failed batch (loss NaN); a callback (terminateOnNaN) may then end
    // training, otherwise the NumericError propagates.
    const failedStep = async (rows: number, err: NumericError) => {
      await callHook(callbacks, 'onBatchEnd', b, batchLogs(rows, NaN));
      if (!model.stopTraining) throw err;
      await afterStep();
    };
    const batchLogs = (rows: number, loss: number): Logs => {
      const logs: Logs = { batch: b, size: rows, loss: loss / rows };
      metricLogs(model, acc, logs);
      return logs;
    };
    const afterStep = (): Promise<void> | undefined => {
      if (o.signal?.aborted) throw new AbortError(`fit aborted at epoch ${epoch}, batch ${b}; the weights are those after that batch`, history);
      // Look at the clock every 8th batch only: performance.now() allocates its result.
      if ((++b & 7) === 0 && now() - lastYield > 40) return yieldToEventLoop().then((t) => void (lastYield = t));
      return undefined;
    };
    let more = true;
    const batches = source.epoch(epoch);
    while (!model.stopTraining) {
      const pulled = batches.next();
      const next = isPromise(pulled) ? await pulled : pulled;
      if (next.done) {
        more = next.value;
        break;
      }
      const wait = step(next.value.rows, next.value.labels, next.value.weighted);
      if (wait) await wait;
    }
    const [lossSum, seen] = sums;
    if (!more && seen === 0) break; // the data ran out before this epoch began: nothing to report
    const logs: Logs = { loss: seen ? lossSum / seen : NaN };
    metricLogs(model, acc, logs);
    if (source.validate && seen) {
      const v = await source.validate();
      for (const [k, value] of Object.entries(v)) logs[`val${k[0].toUpperCase()}${k.slice(1)}`] = value;
    }
    model.epochsTrained++;
    if (o.verbose) console.log(epochLine(epoch, o.epochs, logs, (now() - started) / 1000, seen));
    await callHook(callbacks, 'onEpochEnd', epoch, logs);
    // After the callbacks, so that keys they add (learningRate) are recorded, as Keras' History.
    history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
    lastLogs = logs;
    if (!more) break;
  }
  await callHook(callbacks, 'onTrainEnd', lastLogs);
  return history;
}

const now = () => performance.now();

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown }).then === 'function';
}

/** Let timers, I/O and abort signals run; a macrotask, not a microtask. */
function yieldToEventLoop(): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(now()), 0));
}

export function epochLine(epoch: number, epochs: number, logs: Logs, seconds: number, samples: number): string {
  const parts = Object.entries(logs).map(([k, v]) => `${k} ${v.toFixed(4)}`);
  return `Epoch ${epoch + 1}/${epochs}  ${parts.join('  ')}  ${seconds.toFixed(1)}s  ${Math.round(samples / seconds)} samples/s`;
}
