// The base class of the built-in callbacks (the hook types are in hooks.ts, below the model).
// Plain objects with some of the hooks work; the built-in callbacks extend `Callback`, which keeps
// the model and fit's parameters.
import type { Callbacks, TrainParams } from '../hooks.js';
import type { Sequential } from '../model/sequential.js';

export type { Callbacks, Logs, TrainParams } from '../hooks.js';

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
