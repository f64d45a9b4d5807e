// Dropout (inverted, as Keras): in training each element is kept with probability 1 − rate and
// scaled by 1/(1 − rate); at inference the layer is the identity (and copies nothing). The mask
// comes from the counter-based generator at a stream position fixed by the model's seed, its step
// count and the layer's place among the model's dropout layers, so a run is reproducible and a
// run resumed from a checkpoint draws the same masks as the uninterrupted one. A layer `seed`
// (Keras' option) replaces the model's seed for that layer's masks.
// SpatialDropout1D/2D (Keras) drop whole channels: one keep draw per (sample, channel), applied at
// every position of the sample, so its mask is (rows, channels).
import { describe } from '../check.js';
import type { Engine } from '../engine/engine.js';
import { ValueError } from '../errors.js';
import { Layer, type LayerConfig, type LayerOptions, type Pass, numberOption } from './layer.js';
import { checkRank } from './spatial.js';

export interface DropoutOptions extends LayerOptions {
  /** Fraction of the inputs to drop, in [0, 1). */
  rate: number;
  /** Seed of this layer's masks (a non-negative integer); default: the model's seed. */
  seed?: number;
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
  readonly type: string = 'Dropout';
  readonly baseName: string = 'dropout';
  readonly rate: number;
  /** Which of the model's dropout layers this is (0, 1, ...), set by the model. */
  stream = 0;
  readonly seed?: number;
  /** The seed as the kernel takes it (made once, not per step). */
  private readonly seedBig?: bigint;
  /** Keep mask (rows, maskWidth): 0 or 1/(1 − rate). */
  mask = 0;

  constructor(options: DropoutOptions, what = 'dropout') {
    super(options, what, ['rate', 'seed']);
    this.rate = numberOption(options.rate, `${what} rate`, 0, 1, false, true);
    if (options.seed !== undefined) {
      if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw new ValueError(`${what} seed must be a non-negative integer, got ${describe(options.seed)}`);
      this.seed = options.seed;
      this.seedBig = BigInt(options.seed);
    }
  }

  /** Mask floats per sample: one per feature (one per channel for spatial dropout). */
  get maskWidth(): number {
    return this.outputSize;
  }

  protected seedOf(p: Pass): bigint {
    return this.seedBig ?? p.seed;
  }

  override floatsPerRow(): number {
    return 2 * this.outputSize + this.maskWidth;
  }

  override claimSlots(engine: Engine, rows: number): void {
    if (rows * this.maskWidth > MAX_DROPOUT_ELEMENTS) {
      throw new ValueError(`${this.name}: a batch of ${rows} rows × ${this.maskWidth} mask values exceeds dropout's ${MAX_DROPOUT_ELEMENTS} elements per step; use a smaller batchSize`);
    }
    super.claimSlots(engine, rows);
    this.mask = engine.allocFloats(rows * this.maskWidth, `${this.name} mask`);
  }

  override releaseSlots(engine: Engine): void {
    engine.release(this.mask);
    this.mask = 0;
    super.releaseSlots(engine);
  }

  forward(p: Pass, x: number): number {
    this.x = x;
    if (!p.training) return x;
    p.engine.k.dropout_forward(this.y, this.mask, x, p.rows * this.outputSize, this.rate, this.seedOf(p), p.step, this.stream, 0);
    return this.y;
  }

  backward(p: Pass, dx: number): void {
    if (dx) p.engine.k.dropout_backward(dx, this.g, this.mask, p.rows * this.outputSize);
  }

  getConfig(): LayerConfig {
    const cfg: LayerConfig = { ...this.baseConfig('dropout'), rate: this.rate };
    if (this.seed !== undefined) cfg.seed = this.seed;
    return cfg;
  }
}

/** Keras' SpatialDropout1D ([steps, c]) and SpatialDropout2D ([h, w, c]): whole channels dropped. */
export class SpatialDropout extends Dropout {
  override readonly type: string;
  override readonly baseName: string;
  readonly rank: 1 | 2;

  constructor(options: DropoutOptions, rank: 1 | 2) {
    super(options, `spatialDropout${rank}d`);
    this.rank = rank;
    this.type = `SpatialDropout${rank}D`;
    this.baseName = `spatial_dropout${rank}d`;
  }

  override computeOutputShape(inputShape: number[]): number[] {
    checkRank(inputShape, this.rank + 1, `${this.name || this.baseName} (${this.type})`);
    return inputShape;
  }

  override get maskWidth(): number {
    return this.units;
  }

  override forward(p: Pass, x: number): number {
    this.x = x;
    if (!p.training) return x;
    // The mask alone (x = 0), then broadcast over the sample's positions.
    p.engine.k.dropout_forward(this.y, this.mask, 0, p.rows * this.units, this.rate, this.seedOf(p), p.step, this.stream, 0);
    p.engine.k.channel_mul(this.y, x, this.mask, p.rows, this.lead, this.units);
    return this.y;
  }

  override backward(p: Pass, dx: number): void {
    if (dx) p.engine.k.channel_mul(dx, this.g, this.mask, p.rows, this.lead, this.units);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), type: `spatialDropout${this.rank}d` };
  }
}

/** Dropout, as Keras `Dropout` / TF.js `tf.layers.dropout`: `dropout({ rate: 0.2 })`. */
export function dropout(options: DropoutOptions): Dropout {
  if (options === null || typeof options !== 'object') throw new ValueError('dropout() takes an options object, e.g. dropout({ rate: 0.2 })');
  return new Dropout(options);
}

/** Spatial dropout over [steps, c], as Keras `SpatialDropout1D` / TF.js `tf.layers.spatialDropout1d`. */
export function spatialDropout1d(options: DropoutOptions): SpatialDropout {
  if (options === null || typeof options !== 'object') throw new ValueError('spatialDropout1d() takes an options object, e.g. spatialDropout1d({ rate: 0.2 })');
  return new SpatialDropout(options, 1);
}

/** Spatial dropout over [h, w, c], as Keras `SpatialDropout2D`: `spatialDropout2d({ rate: 0.2 })`. */
export function spatialDropout2d(options: DropoutOptions): SpatialDropout {
  if (options === null || typeof options !== 'object') throw new ValueError('spatialDropout2d() takes an options object, e.g. spatialDropout2d({ rate: 0.2 })');
  return new SpatialDropout(options, 2);
}
