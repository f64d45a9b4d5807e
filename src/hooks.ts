// The training hooks' types (Keras' callback set) and how fit calls them. They sit below the
// model, which calls them, and the built-in callbacks (callbacks/), which implement them. Any hook
// may return a promise, which fit awaits; any hook can end training by setting
// `model.stopTraining = true` (checked after every batch).

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
  /** Called by fit before onTrainBegin with the model being trained (a Sequential). */
  setModel?(model: object): void;
  setParams?(params: TrainParams): void;
}

/** Call one hook on every callback in order, awaiting each. */
export async function callHook<K extends keyof Callbacks>(callbacks: Callbacks[], hook: K, ...args: Parameters<NonNullable<Callbacks[K]>>): Promise<void> {
  for (const cb of callbacks) {
    const fn = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (fn) await fn.apply(cb, args);
  }
}
