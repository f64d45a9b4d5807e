// Dropout (inverted, as Keras): in training each element is kept with probability 1 − rate and
// scaled by 1/(1 − rate); at inference the layer is the identity (and copies nothing). The mask
// comes from the counter-based generator at a stream position fixed by the model's seed, its step
// count and the layer's place among the model's dropout layers, so a run is reproducible and a
// run resumed from a checkpoint draws the same masks as the uninterrupted one. A layer `seed`
// (Keras' option) replaces the model's seed for that layer's masks.
// Keras' `noiseShape` shares the mask along the axes where it is 1: the mask has the noise shape
// (null: the input's size) and broadcast_mul applies it. SpatialDropout1D/2D (Keras) are dropout
// with the noise shape [null, 1, (1,) null]: one keep draw per (sample, channel).
import { describe } from '../check.js';
import type { Engine } from '../engine/engine.js';
import { checkSeed } from '../engine/rng.js';
import { ShapeError, ValueError } from '../errors.js';
import { Layer, type LayerConfig, type LayerOptions, type Pass, numberOption } from './layer.js';
import { checkRank } from './spatial.js';

export interface DropoutOptions extends LayerOptions {
  /** Fraction of the inputs to drop, in [0, 1). */
  rate: number;
  /** Seed of this layer's masks (a non-negative integer); default: the model's seed. */
  seed?: number;
  /**
   * Shape of the mask, batch first, one entry per input axis (Keras `noise_shape`): 1 shares the
   * mask along that axis, null (or the input's size) draws it per position; the batch entry is
   * null or 1. E.g. [null, 1, null] on [steps, features]: the same features dropped at every step.
   */
  noiseShape?: (number | null)[];
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
  readonly noiseShape?: (number | null)[];
  /** The seed as the kernel takes it (made once, not per step). */
  private readonly seedBig?: bigint;
  /** Keep mask (rows or 1, maskWidth): 0 or 1/(1 − rate). */
  mask = 0;
  /** Mask floats per sample: the product of the noise shape (the input's size without one). */
  maskWidth = 0;
  /** broadcast_mul's axis triples. */
  private axes: number[] = [];
  /** Mask floats between samples: maskWidth, or 0 when the batch shares one mask (noise shape [1, ...]). */
  private maskRow = 0;
  private desc = 0;

  constructor(options: DropoutOptions, what = 'dropout', noise?: (number | null)[]) {
    super(options, what, noise ? ['rate', 'seed'] : ['rate', 'seed', 'noiseShape']);
    this.rate = numberOption(options.rate, `${what} rate`, 0, 1, false, true);
    this.seed = checkSeed(options.seed, `${what} seed`);
    if (this.seed !== undefined) this.seedBig = BigInt(this.seed);
    this.noiseShape = noise ?? noiseShapeOption(options.noiseShape, what);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    if (this.noiseShape && !inputShape.includes(0)) this.sampleNoise(inputShape);
    return inputShape;
  }

  /** The mask's per-sample shape: the noise shape checked against the input, nulls filled in. */
  private sampleNoise(shape: readonly number[]): number[] {
    const noise = this.noiseShape!, dims = shape.map((d, i) => noise[i + 1] ?? d);
    if (noise.length !== shape.length + 1 || dims.some((e, i) => e !== 1 && e !== shape[i])) {
      throw new ShapeError(`${this.name || this.baseName} (${this.type}) noiseShape ${JSON.stringify(noise)} does not fit the input [null, ${shape.join(', ')}]: ${shape.length + 1} entries, each 1, null or the input's size`);
    }
    return dims;
  }

  override build(inputShape: number[]): void {
    super.build(inputShape);
    const noise = this.noiseShape ? this.sampleNoise(inputShape) : inputShape;
    this.maskWidth = noise.reduce((a, b) => a * b, 1);
    this.axes = broadcastAxes(inputShape, noise);
    this.maskRow = this.noiseShape?.[0] === 1 ? 0 : this.maskWidth;
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
    this.desc = engine.allocFloats(this.axes.length, `${this.name} noise shape`);
    engine.i32.set(this.axes, this.desc >> 2);
  }

  override releaseSlots(engine: Engine): void {
    engine.release(this.mask);
    engine.release(this.desc);
    this.mask = this.desc = 0;
    super.releaseSlots(engine);
  }

  forward(p: Pass, x: number): number {
    this.x = x;
    if (!p.training) return x;
    // The mask alone (x = 0; one for the batch when its noise entry is 1), then y = x·mask.
    p.engine.k.dropout_forward(this.y, this.mask, 0, this.maskRow ? p.rows * this.maskWidth : this.maskWidth, this.rate, this.seedOf(p), p.step, this.stream, 0);
    this.mul(p, this.y, x);
    return this.y;
  }

  backward(p: Pass, dx: number): void {
    if (dx) this.mul(p, dx, this.g);
  }

  private mul(p: Pass, y: number, x: number): void {
    p.engine.k.broadcast_mul(y, x, this.mask, p.rows, this.maskRow, this.desc, this.axes.length / 3);
  }

  getConfig(): LayerConfig {
    const cfg: LayerConfig = { ...this.baseConfig('dropout'), rate: this.rate };
    if (this.seed !== undefined) cfg.seed = this.seed;
    if (this.noiseShape && this.type === 'Dropout') cfg.noiseShape = this.noiseShape.slice();
    return cfg;
  }
}

/** Keras' noise_shape option: an array of null or positive integers, the batch entry null or 1. */
function noiseShapeOption(value: unknown, what: string): (number | null)[] | undefined {
  if (value === undefined) return undefined;
  const ok = Array.isArray(value) && value.length >= 2 && value.length <= 9 && (value[0] === null || value[0] === 1) && value.every((d) => d === null || (Number.isSafeInteger(d) && d > 0));
  if (!ok) throw new ValueError(`${what} noiseShape must be null or 1 for the batch, then null or a positive integer per input axis (e.g. [null, 1, 64]); got ${describe(value)}`);
  return value.slice();
}

/**
 * broadcast_mul's axes of a sample of `shape` under a mask of `noise` (same rank): [size, x stride,
 * mask stride] triples, outermost first; an axis joins the one inside it when both share the mask
 * or neither does, and axes of size 1 drop out (plain dropout: one axis, the whole sample).
 */
function broadcastAxes(shape: readonly number[], noise: readonly number[]): number[] {
  const axes: number[] = [];
  let xs = 1, ms = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i], m = noise[i] === 1 ? 0 : ms;
    if (d === 1) continue;
    if (axes.length && !axes[2] === !m) axes[0] *= d;
    else axes.unshift(d, xs, m);
    xs *= d;
    if (m) ms *= d;
  }
  return axes.length ? axes : [1, 1, 1];
}

/** Keras' SpatialDropout1D ([steps, c]) and SpatialDropout2D ([h, w, c]): whole channels dropped. */
export class SpatialDropout extends Dropout {
  override readonly type: string;
  override readonly baseName: string;
  readonly rank: 1 | 2;

  constructor(options: DropoutOptions, rank: 1 | 2) {
    super(options, `spatialDropout${rank}d`, rank === 1 ? [null, 1, null] : [null, 1, 1, null]);
    this.rank = rank;
    this.type = `SpatialDropout${rank}D`;
    this.baseName = `spatial_dropout${rank}d`;
  }

  override computeOutputShape(inputShape: number[]): number[] {
    checkRank(inputShape, this.rank + 1, `${this.name || this.baseName} (${this.type})`);
    return super.computeOutputShape(inputShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), type: `spatialDropout${this.rank}d` };
  }
}

/** Dropout, as Keras `Dropout` / TF.js `tf.layers.dropout`: `dropout({ rate: 0.2 })`. */
export function dropout(options: DropoutOptions): Dropout {
  return new Dropout(options);
}

/** Spatial dropout over [steps, c], as Keras `SpatialDropout1D` / TF.js `tf.layers.spatialDropout1d`. */
export function spatialDropout1d(options: DropoutOptions): SpatialDropout {
  return new SpatialDropout(options, 1);
}

/** Spatial dropout over [h, w, c], as Keras `SpatialDropout2D`: `spatialDropout2d({ rate: 0.2 })`. */
export function spatialDropout2d(options: DropoutOptions): SpatialDropout {
  return new SpatialDropout(options, 2);
}
