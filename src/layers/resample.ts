// Zero padding and upsampling, as Keras: ZeroPadding2D / ZeroPadding1D add rows and columns of
// zeros around each [h, w, c] (or [steps, c]) sample; UpSampling2D repeats each pixel size[0] times
// down and size[1] times across (nearest neighbour), or interpolates bilinearly with half-pixel
// centres as Keras 3 (tf.image.resize; TF.js 4.22's layer uses corner-aligned pixels). No weights. Kernels: assembly/spatial.ts,
// split over (image, row) so any thread count gives the same bits.
import { type ConvPass, convPass, spatialBackward, spatialForward } from '../engine/conv.js';
import { type Geometry, upsampleGeometry, zeroPadGeometry } from '../engine/conv-plan.js';
import type { Engine } from '../engine/engine.js';
import { oneOf } from '../check.js';
import { ValueError } from '../errors.js';
import { Layer, type LayerConfig, type LayerOptions, type Pass } from './layer.js';
import { allocDesc, checkFormat, checkRank, pair, unknown } from './spatial.js';

type Sides = [number, number];

export interface ZeroPadding2DOptions extends LayerOptions {
  /** 1 (all sides), [rows, cols] (symmetric), or [[top, bottom], [left, right]]. Default 1. */
  padding?: number | Sides | [Sides, Sides];
  /** Keras' only layout, accepted for portability: 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

export interface ZeroPadding1DOptions extends LayerOptions {
  /** 1 (both ends) or [left, right]. Default 1. */
  padding?: number | Sides;
}

export interface UpSampling2DOptions extends LayerOptions {
  /** Repeats down and across: 2 or [2, 2]. Default [2, 2]. */
  size?: number | Sides;
  /** 'nearest' (default) or 'bilinear' (Keras 3: half-pixel centres). */
  interpolation?: 'nearest' | 'bilinear';
  dataFormat?: 'channelsLast';
}

const isPad = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** A padding amount pair: n → [n, n], [a, b] → [a, b] (non-negative integers). */
function sides(value: unknown): Sides | undefined {
  if (isPad(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every(isPad)) return [value[0], value[1]];
  return undefined;
}

/** Keras' ZeroPadding2D padding: int, [sym rows, sym cols] or [[top, bottom], [left, right]]. */
function padding2d(value: unknown, what: string): [Sides, Sides] {
  const v = value ?? 1;
  if (isPad(v)) return [[v, v], [v, v]];
  if (Array.isArray(v) && v.length === 2) {
    const rows = Array.isArray(v[0]) ? sides(v[0]) : isPad(v[0]) ? ([v[0], v[0]] as Sides) : undefined;
    const cols = Array.isArray(v[1]) ? sides(v[1]) : isPad(v[1]) ? ([v[1], v[1]] as Sides) : undefined;
    if (rows && cols && Array.isArray(v[0]) === Array.isArray(v[1])) return [rows, cols];
  }
  throw new ValueError(`${what} must be a non-negative integer, [rows, cols] or [[top, bottom], [left, right]], got ${JSON.stringify(value)}`);
}

/** A weightless layer run by one spatial kernel pair over a geometry descriptor. */
abstract class Resample extends Layer {
  abstract readonly kind: 'upsample' | 'zeropad';
  abstract readonly rank: 1 | 2;
  geometry?: Geometry;
  private desc = 0;
  private kernelPass?: ConvPass;

  /** Geometry for an [h, w, c] input. */
  protected abstract geometryOf(input: readonly number[]): Geometry;

  private geometryFor(inputShape: readonly number[]): Geometry {
    checkRank(inputShape, this.rank + 1, `${this.name || this.baseName} (${this.type})`);
    return this.geometryOf(this.rank === 1 ? [1, ...inputShape] : inputShape);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    if (unknown(inputShape)) return new Array(this.rank + 1).fill(0);
    const g = this.geometryFor(inputShape);
    return this.rank === 1 ? [g.ow, g.c] : [g.oh, g.ow, g.c];
  }

  override build(inputShape: number[]): void {
    super.build(inputShape);
    this.geometry = this.geometryFor(inputShape);
  }

  override claimSlots(engine: Engine, rows: number): void {
    super.claimSlots(engine, rows);
    this.desc = allocDesc(engine, this.geometry!, this.name);
    this.kernelPass = convPass(this.geometry!, this.desc, 1);
  }

  override releaseSlots(engine: Engine): void {
    engine.release(this.desc);
    this.desc = 0;
    super.releaseSlots(engine);
  }

  forward(p: Pass, x: number): number {
    spatialForward(p.engine, this.kernelPass!, this.kind, this.y, x, p.rows);
    return this.y;
  }

  backward(p: Pass, dx: number): void {
    if (dx) spatialBackward(p.engine, this.kernelPass!, this.kind, dx, this.g, p.rows);
  }
}

export class ZeroPadding2D extends Resample {
  readonly kind = 'zeropad';
  readonly type: string;
  readonly baseName: string;
  readonly rank: 1 | 2;
  /** [[top, bottom], [left, right]] ([[0, 0], [left, right]] for 1-D). */
  readonly padding: [Sides, Sides];

  constructor(options: ZeroPadding2DOptions | ZeroPadding1DOptions | undefined, rank: 1 | 2 = 2) {
    const what = `zeroPadding${rank}d`;
    const o = options ?? {};
    super(o, what, rank === 2 ? ['padding', 'dataFormat'] : ['padding']);
    checkFormat((o as ZeroPadding2DOptions).dataFormat, what);
    this.rank = rank;
    this.type = `ZeroPadding${rank}D`;
    this.baseName = `zero_padding${rank}d`;
    if (rank === 2) {
      this.padding = padding2d(o.padding, `${what} padding`);
    } else {
      const p = sides(o.padding ?? 1);
      if (!p) throw new ValueError(`${what} padding must be a non-negative integer or [left, right], got ${JSON.stringify(o.padding)}`);
      this.padding = [[0, 0], p];
    }
  }

  protected geometryOf(input: readonly number[]): Geometry {
    return zeroPadGeometry(input, this.padding);
  }

  getConfig(): LayerConfig {
    const padding = this.rank === 2 ? this.padding.map((s) => s.slice()) : this.padding[1].slice();
    return { ...this.baseConfig(`zeroPadding${this.rank}d`), padding };
  }
}

export class UpSampling2D extends Resample {
  readonly kind = 'upsample';
  readonly type = 'UpSampling2D';
  readonly baseName = 'up_sampling2d';
  readonly rank = 2;
  readonly size: Sides;
  readonly interpolation: 'nearest' | 'bilinear';

  constructor(options: UpSampling2DOptions = {}) {
    const o = options ?? {};
    super(o, 'upSampling2d', ['size', 'interpolation', 'dataFormat']);
    checkFormat(o.dataFormat, 'upSampling2d');
    this.size = pair(o.size, 'upSampling2d size', 2);
    this.interpolation = oneOf(o.interpolation ?? 'nearest', ['nearest', 'bilinear'] as const, 'upSampling2d interpolation');
  }

  protected geometryOf(input: readonly number[]): Geometry {
    return { ...upsampleGeometry(input, this.size), dm: this.interpolation === 'bilinear' ? 2 : 1 }; // dm: the kernels' mode
  }

  getConfig(): LayerConfig {
    return { ...this.baseConfig('upSampling2d'), size: this.size.slice(), interpolation: this.interpolation };
  }
}

/** Zero padding, as Keras `ZeroPadding2D` / TF.js `tf.layers.zeroPadding2d`: `zeroPadding2d({ padding: 1 })`. */
export function zeroPadding2d(options: ZeroPadding2DOptions = {}): ZeroPadding2D {
  return new ZeroPadding2D(options, 2);
}

/** Zero padding of [steps, c] samples, as Keras `ZeroPadding1D`: `zeroPadding1d({ padding: [1, 2] })`. */
export function zeroPadding1d(options: ZeroPadding1DOptions = {}): ZeroPadding2D {
  return new ZeroPadding2D(options, 1);
}

/** Upsampling, as Keras `UpSampling2D` / TF.js `tf.layers.upSampling2d`: `upSampling2d({ size: 2 })`. */
export function upSampling2d(options: UpSampling2DOptions = {}): UpSampling2D {
  return new UpSampling2D(options);
}
