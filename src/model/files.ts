// How the model reaches its file formats without importing io/ (which imports the model): io/
// registers its writers when it loads (the package entries load it), as the engine's threads are
// registered. Only the option and result types live here, so that the model's signatures are
// complete without io/.
import { StateError } from '../errors.js';

/** Options of `modelToBytes`, `model.toBytes` and `model.save`. */
export interface ModelFileOptions {
  /**
   * Also store what training needs to continue exactly where it stopped: the optimizer's state
   * vectors and step count, the epochs trained and the random generator's position (a checkpoint).
   * Needs a compiled model. Default false: weights, config and compile settings only.
   */
  includeOptimizer?: boolean;
}

/** What a save wrote. */
export interface SaveResult {
  /** The path or URL written. */
  target: string;
  /** Size of the model file in bytes. */
  bytes: number;
}

/** The writers io/ registers; `model` is the Sequential facade. */
export interface ModelWriters {
  toBytes(model: object, options: ModelFileOptions): Uint8Array;
  save(model: object, target: string, options: ModelFileOptions): Promise<SaveResult>;
}

let writers: ModelWriters | undefined;

export function registerModelWriters(w: ModelWriters): void {
  writers = w;
}

export function modelWriters(): ModelWriters {
  if (!writers) throw new StateError('model files are not available: import dendrite through its package entry (e.g. "dendrite")');
  return writers;
}
