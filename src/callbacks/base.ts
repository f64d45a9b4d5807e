// Callbacks: the Keras hook set (train / epoch / batch, begin and end). Any hook may return a
// promise, which fit awaits, and any hook can end training by setting `model.stopTraining = true`
// (checked after every batch). Plain objects with some of the methods work; the built-in
// callbacks extend `Callback`, which keeps the model and fit's parameters.
import type { Sequential } from '../model/sequential.js';

/** Values reported for an epoch or batch: loss and each metric (val-prefixed for validation). */
export type Logs = Record<string, number>;

/** What fit tells its callbacks before training. */
export interface TrainParams {
  /** The epoch fit stops before: fit's `epochs` (Keras: the final epoch index, counting initialEpoch). */
  epochs: number;
  /** Batches per epoch, when known in advance. */
  steps?: number;
  /** fit's verbose option. */
  verbose: 0 | 1;
}

/** Keras-style hooks; any may return a promise, which fit awaits. */
export interface Callbacks {
  onTrainBegin?(logs: Logs): void | Promise<void>;
  /** Called with the last epoch's logs. */
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  /** Logs hold loss, metrics and validation values; a callback may add keys (they enter the history). */
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  /** Logs hold batch, size, loss (this batch's) and the epoch's running metrics. */
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
  /** Called by fit before onTrainBegin. */
  setModel?(model: Sequential): void;
  setParams?(params: TrainParams): void;
}

/** Base class of the built-in callbacks; subclass it (or pass a plain object) for your own. */
export class Callback implements Callbacks {
  /** The model being trained (set by fit). */
  model?: Sequential;
  params?: TrainParams;

  setModel(model: Sequential): void {
    this.model = model;
  }

  setParams(params: TrainParams): void {
    this.params = params;
  }
}

/** Call one hook on every callback in order, awaiting each. */
export async function callHook<K extends keyof Callbacks>(callbacks: Callbacks[], hook: K, ...args: Parameters<NonNullable<Callbacks[K]>>): Promise<void> {
  for (const cb of callbacks) {
    const fn = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (fn) await fn.apply(cb, args);
  }
}
