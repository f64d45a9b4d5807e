// Dropout (inverted, as Keras): in training each element is kept with probability 1 − rate and
// scaled by 1/(1 − rate); at inference the layer is the identity (and copies nothing). The mask
// comes from the counter-based generator at a stream position fixed by the model's seed, its step
// count and the layer's place among the model's dropout layers, so a run is reproducible and a
// run resumed from a checkpoint draws the same masks as the uninterrupted one.
import type { Engine } from '../engine/engine.js';
import { ValueError } from '../errors.js';
import { Layer, type LayerConfig, type LayerOptions, type Pass, numberOption } from './layer.js';

export interface DropoutOptions extends LayerOptions {
  /** Fraction of the inputs to drop, in [0, 1). */
  rate: number;
}

/**
 * Dropout's part of the counter stream (see dropout_forward in assembly/dropout.ts):
 * 2^62 + step·2^32 + stream·2^27 + element. Initialisation uses positions from 0 and shuffling
 * from 2^48, so the three never overlap; one layer's batch may hold up to 2^27 elements and a
 * model up to 32 dropout layers.
 */
export const MAX_DROPOUT_ELEMENTS = 2 ** 27;
export const MAX_DROPOUT_LAYERS = 32;

export class Dropout extends Layer {
  readonly type = 'Dropout';
  readonly baseName = 'dropout';
  readonly rate: number;
  /** Which of the model's dropout layers this is (0, 1, ...), set by the model. */
  stream = 0;
  /** Keep mask (rows, units): 0 or 1/(1 − rate). */
  mask = 0;

  constructor(options: DropoutOptions) {
    super(options, 'dropout', ['rate']);
    this.rate = numberOption(options.rate, 'dropout rate', 0, 1, false, true);
  }

  override floatsPerRow(): number {
    return 3 * this.outputSize;
  }

  override claimSlots(engine: Engine, rows: number): void {
    if (rows * this.outputSize > MAX_DROPOUT_ELEMENTS) {
      throw new ValueError(`${this.name}: a batch of ${rows} rows × ${this.outputSize} features exceeds dropout's ${MAX_DROPOUT_ELEMENTS} elements per step; use a smaller batchSize`);
    }
    super.claimSlots(engine, rows);
    this.mask = engine.allocFloats(rows * this.outputSize, `${this.name} mask`);
  }

  override releaseSlots(engine: Engine): void {
    engine.release(this.mask);
    this.mask = 0;
    super.releaseSlots(engine);
  }

  forward(p: Pass, x: number): number {
    this.x = x;
    if (!p.training) return x;
    p.engine.k.dropout_forward(this.y, this.mask, x, p.rows * this.outputSize, this.rate, p.seed, p.step, this.stream, 0);
    return this.y;
  }

  backward(p: Pass, dx: number): void {
    if (dx) p.engine.k.dropout_backward(dx, this.g, this.mask, p.rows * this.outputSize);
  }

  getConfig(): LayerConfig {
    return { ...this.baseConfig('dropout'), rate: this.rate };
  }
}

/** Dropout, as Keras `Dropout` / TF.js `tf.layers.dropout`: `dropout({ rate: 0.2 })`. */
export function dropout(options: DropoutOptions): Dropout {
  if (options === null || typeof options !== 'object') throw new ValueError('dropout() takes an options object, e.g. dropout({ rate: 0.2 })');
  return new Dropout(options);
}
