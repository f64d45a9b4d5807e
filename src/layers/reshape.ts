// Flatten and Reshape, as Keras: a sample's floats stay where they are (row-major, channels last),
// only its shape changes. forward hands the input pointer on (no copy, no output slot); backward
// copies ∂L/∂output into the layer before's gradient slot, since that is where it reads it.
import type { Engine } from '../engine/engine.js';
import { ShapeError, ValueError } from '../errors.js';
import { Layer, type LayerConfig, type LayerOptions, type Pass, copyF32 } from './layer.js';
import { sizeOf } from './shape.js';
import { checkFormat, unknown } from './spatial.js';

export interface ReshapeOptions extends LayerOptions {
  /** The per-sample output shape; one dimension may be -1 (inferred from the input size). */
  targetShape: number[];
}

/** A layer whose output is its input with another shape: only a gradient slot. */
abstract class ShapeOnly extends Layer {
  override floatsPerRow(): number {
    return this.outputSize;
  }

  override claimSlots(engine: Engine, rows: number): void {
    this.g = engine.allocFloats(rows * this.outputSize, `${this.name} gradient`);
  }

  override releaseSlots(engine: Engine): void {
    engine.release(this.g);
    this.g = 0;
  }

  forward(_p: Pass, x: number): number {
    return x;
  }

  backward(p: Pass, dx: number): void {
    if (dx) copyF32(p.engine, dx, this.g, p.rows * this.outputSize);
  }
}

export class Flatten extends ShapeOnly {
  readonly type = 'Flatten';
  readonly baseName = 'flatten';

  constructor(options: LayerOptions = {}) {
    super(options, 'flatten', ['dataFormat']);
    checkFormat((options as { dataFormat?: unknown }).dataFormat, 'flatten');
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return [unknown(inputShape) ? 0 : sizeOf(inputShape)];
  }

  getConfig(): LayerConfig {
    return this.baseConfig('flatten');
  }
}

export class Reshape extends ShapeOnly {
  readonly type = 'Reshape';
  readonly baseName = 'reshape';
  readonly targetShape: number[];

  constructor(options: ReshapeOptions) {
    super(options, 'reshape', ['targetShape']);
    const t = options.targetShape;
    const ok = Array.isArray(t) && t.length > 0 && t.every((d) => Number.isSafeInteger(d) && (d > 0 || d === -1)) && t.filter((d) => d === -1).length <= 1;
    if (!ok) throw new ValueError(`reshape targetShape must be a non-empty array of positive integers with at most one -1, got ${JSON.stringify(t)}`);
    this.targetShape = t.slice();
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const t = this.targetShape;
    if (unknown(inputShape)) return t.map((d) => (d === -1 ? 0 : d));
    const n = sizeOf(inputShape);
    const known = sizeOf(t.filter((d) => d !== -1));
    const free = t.indexOf(-1);
    if (free >= 0 && n % known === 0) return t.map((d) => (d === -1 ? n / known : d));
    if (free < 0 && known === n) return t;
    throw new ShapeError(`${this.name || 'reshape'} (Reshape): cannot reshape samples of shape [${inputShape}] (${n} values) into [${t}]${free >= 0 ? ` (${n} is not a multiple of ${known})` : ` (${known} values)`}`);
  }

  getConfig(): LayerConfig {
    return { ...this.baseConfig('reshape'), targetShape: this.targetShape };
  }
}

/** Flattens each sample to one axis, as Keras `Flatten`: [h, w, c] → [h·w·c]. */
export function flatten(options: LayerOptions = {}): Flatten {
  return new Flatten(options);
}

/** Gives each sample a new shape with the same number of values, as Keras `Reshape`: `reshape({ targetShape: [28, 28, 1] })`. */
export function reshape(options: ReshapeOptions): Reshape {
  return new Reshape(options);
}
