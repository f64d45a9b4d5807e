// Pooling, as Keras: MaxPooling2D / AveragePooling2D over windows of [h, w, c] samples (strides
// default to the pool size; 'same' averages over the cells inside the input), and the global
// poolings, whose window is the whole image: [h, w, c] → [c]. No weights; max pooling keeps the
// argmax of each output (i32, an extra slot) for its backward pass. Kernels: assembly/pool.ts.
import { type ConvPass, convPass, poolBackward, poolForward } from '../engine/conv.js';
import { type Geometry, globalPoolGeometry, poolGeometry } from '../engine/conv-plan.js';
import type { Engine } from '../engine/engine.js';
import { ValueError } from '../errors.js';
import { Layer, type LayerConfig, type LayerOptions, type Pass } from './layer.js';
import { type Padding, allocDesc, checkFormat, checkRank, padding, pair, single, unknown } from './spatial.js';

export interface Pooling2DOptions extends LayerOptions {
  /** Window: 2 or [2, 2]. Default [2, 2]. */
  poolSize?: number | [number, number];
  /** Default: the pool size. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
  /** Keras' only layout, accepted for portability: 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

export interface Pooling1DOptions extends LayerOptions {
  /** Window length. Default 2. */
  poolSize?: number;
  /** Default: the pool size. */
  strides?: number;
  /** Default 'valid'. */
  padding?: Padding;
  dataFormat?: 'channelsLast';
}

const POOL_KEYS = ['poolSize', 'strides', 'padding', 'dataFormat', 'inputShape', 'name'] as const;
const GLOBAL_KEYS = ['dataFormat', 'inputShape', 'name'] as const;

/** What every pooling layer does with its geometry: slots, descriptor, forward and backward. */
export abstract class Pooling extends Layer {
  abstract readonly kind: 'max' | 'avg';
  geometry?: Geometry;
  /** Argmax of each output (max pooling), i32 (rows, outputSize). */
  idx = 0;
  private desc = 0;
  /** The kernels' pass, made with the slots (a step allocates nothing). */
  private kernelPass?: ConvPass;

  /** Geometry for a per-sample input shape. */
  abstract geometryFor(inputShape: readonly number[]): Geometry;

  /** Per-sample output shape for a known geometry. */
  protected abstract outputOf(g: Geometry): number[];

  override computeOutputShape(inputShape: number[]): number[] {
    if (unknown(inputShape)) return this.outputOf({ oh: 0, ow: 0, c: 0 } as Geometry);
    return this.outputOf(this.geometryFor(inputShape));
  }

  override build(inputShape: number[]): void {
    super.build(inputShape);
    this.geometry = this.geometryFor(inputShape);
  }

  override floatsPerRow(): number {
    return this.outputSize * (this.kind === 'max' ? 3 : 2);
  }

  override claimSlots(engine: Engine, rows: number): void {
    super.claimSlots(engine, rows);
    if (this.kind === 'max') this.idx = engine.allocFloats(rows * this.outputSize, `${this.name} argmax`);
    this.desc = allocDesc(engine, this.geometry!, this.name);
    this.kernelPass = convPass(this.geometry!, this.desc, 1);
  }

  override releaseSlots(engine: Engine): void {
    if (this.idx) engine.release(this.idx);
    engine.release(this.desc);
    this.idx = this.desc = 0;
    super.releaseSlots(engine);
  }


  forward(p: Pass, x: number): number {
    this.x = x;
    poolForward(p.engine, this.kernelPass!, this.kind, this.y, this.idx, x, p.rows);
    return this.y;
  }

  backward(p: Pass, dx: number): void {
    if (dx) poolBackward(p.engine, this.kernelPass!, this.kind, dx, this.g, this.idx, p.rows);
  }
}

/** Windowed pooling over [h, w, c] (rank 2) or [steps, c] (rank 1, the h = 1 case). */
export class Pooling2D extends Pooling {
  readonly type: string;
  readonly baseName: string;
  readonly kind: 'max' | 'avg';
  readonly rank: 1 | 2;
  /** As 2-D pairs ([1, p] for 1-D). */
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(options: Pooling2DOptions | Pooling1DOptions | undefined, kind: 'max' | 'avg', rank: 1 | 2 = 2) {
    const what = `${kind === 'max' ? 'maxPooling' : 'averagePooling'}${rank}d`;
    const o = options ?? {};
    super(o, what, POOL_KEYS);
    checkFormat(o.dataFormat, what);
    this.kind = kind;
    this.rank = rank;
    this.type = `${kind === 'max' ? 'MaxPooling' : 'AveragePooling'}${rank}D`;
    this.baseName = `${kind === 'max' ? 'max_pooling' : 'average_pooling'}${rank}d`;
    if (rank === 1) {
      const p = single(o.poolSize, `${what} poolSize`, 2);
      this.poolSize = [1, p];
      this.strides = [1, single(o.strides, `${what} strides`, p)];
    } else {
      this.poolSize = pair(o.poolSize, `${what} poolSize`, 2);
      this.strides = pair(o.strides, `${what} strides`, this.poolSize);
    }
    this.padding = padding(o.padding, `${what} padding`);
  }

  geometryFor(inputShape: readonly number[]): Geometry {
    checkRank(inputShape, this.rank + 1, `${this.name || this.baseName} (${this.type})`);
    return poolGeometry(this.rank === 1 ? [1, ...inputShape] : inputShape, this);
  }

  protected outputOf(g: Geometry): number[] {
    return this.rank === 1 ? [g.ow, g.c] : [g.oh, g.ow, g.c];
  }

  getConfig(): LayerConfig {
    const type = `${this.kind === 'max' ? 'maxPooling' : 'averagePooling'}${this.rank}d`;
    const [poolSize, strides] = this.rank === 1 ? [this.poolSize[1], this.strides[1]] : [this.poolSize, this.strides];
    return { ...this.baseConfig(type), poolSize, strides, padding: this.padding };
  }
}

/** Global pooling over [h, w, c] (rank 2) or [steps, c] (rank 1) → [c]. */
export class GlobalPooling2D extends Pooling {
  readonly type: string;
  readonly baseName: string;
  readonly kind: 'max' | 'avg';
  readonly rank: 1 | 2;

  constructor(options: LayerOptions | undefined, kind: 'max' | 'avg', rank: 1 | 2 = 2) {
    const what = `${kind === 'max' ? 'globalMaxPooling' : 'globalAveragePooling'}${rank}d`;
    const o = options ?? {};
    super(o, what, GLOBAL_KEYS);
    checkFormat((o as Pooling2DOptions).dataFormat, what);
    this.kind = kind;
    this.rank = rank;
    this.type = `${kind === 'max' ? 'GlobalMaxPooling' : 'GlobalAveragePooling'}${rank}D`;
    this.baseName = `${kind === 'max' ? 'global_max_pooling' : 'global_average_pooling'}${rank}d`;
  }

  geometryFor(inputShape: readonly number[]): Geometry {
    checkRank(inputShape, this.rank + 1, `${this.name || this.baseName} (${this.type})`);
    return globalPoolGeometry(this.rank === 1 ? [1, ...inputShape] : inputShape);
  }

  protected outputOf(g: Geometry): number[] {
    return [g.c];
  }

  getConfig(): LayerConfig {
    return this.baseConfig(`${this.kind === 'max' ? 'globalMaxPooling' : 'globalAveragePooling'}${this.rank}d`);
  }
}

/** Max pooling, as Keras `MaxPooling2D` / TF.js `tf.layers.maxPooling2d`: `maxPooling2d({ poolSize: 2 })`. */
export function maxPooling2d(options: Pooling2DOptions = {}): Pooling2D {
  return new Pooling2D(options, 'max');
}

/** Average pooling, as Keras `AveragePooling2D` / TF.js `tf.layers.averagePooling2d`. */
export function averagePooling2d(options: Pooling2DOptions = {}): Pooling2D {
  return new Pooling2D(options, 'avg');
}

/** Global average pooling, as Keras `GlobalAveragePooling2D`: [h, w, c] → [c]. */
export function globalAveragePooling2d(options: LayerOptions = {}): GlobalPooling2D {
  return new GlobalPooling2D(options, 'avg');
}

/** Global max pooling, as Keras `GlobalMaxPooling2D`: [h, w, c] → [c]. */
export function globalMaxPooling2d(options: LayerOptions = {}): GlobalPooling2D {
  return new GlobalPooling2D(options, 'max');
}

/** Max pooling over [steps, c], as Keras `MaxPooling1D`. */
export function maxPooling1d(options: Pooling1DOptions = {}): Pooling2D {
  return new Pooling2D(options, 'max', 1);
}

/** Average pooling over [steps, c], as Keras `AveragePooling1D`. */
export function averagePooling1d(options: Pooling1DOptions = {}): Pooling2D {
  return new Pooling2D(options, 'avg', 1);
}

/** Global average pooling, as Keras `GlobalAveragePooling1D`: [steps, c] → [c]. */
export function globalAveragePooling1d(options: LayerOptions = {}): GlobalPooling2D {
  return new GlobalPooling2D(options, 'avg', 1);
}

/** Global max pooling, as Keras `GlobalMaxPooling1D`: [steps, c] → [c]. */
export function globalMaxPooling1d(options: LayerOptions = {}): GlobalPooling2D {
  return new GlobalPooling2D(options, 'max', 1);
}
