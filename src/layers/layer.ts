// The contract between the sequential model and its layers. A layer is a small class that holds
// pointers, never arrays: the model builds it for a per-sample input shape (channels last, see
// shape.ts; computeOutputShape gives what it returns), binds its weights into the flat
// params region (trainable weights, whose gradients share the grads layout, come first; then the
// non-trainable ones such as batch-norm moving statistics, which the optimizer never touches),
// and lets it claim activation slots for a batch capacity. forward/backward are a fixed handful
// of kernel calls and allocate nothing.
import { checkObject, describe } from '../check.js';
import type { Engine } from '../engine/engine.js';
import type { Rng } from '../engine/rng.js';
import { ShapeError, StateError, ValueError } from '../errors.js';
import type { Activation } from './activations.js';
import { checkShape, sizeOf } from './shape.js';

/** A weight tensor: its name, shape and values. */
export interface Weight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A weight's place in the layer, in Keras order (e.g. gamma, beta, moving_mean, moving_variance). */
export interface WeightSpec {
  name: string;
  shape: number[];
  /** Updated by the optimizer (false: updated by the layer itself, like moving statistics). */
  trainable: boolean;
}

/** Options every layer takes. */
export interface LayerOptions {
  /** Input shape without the batch dimension, e.g. [784] or [28, 28, 1]; needed on the first layer (or pass data to fit). */
  inputShape?: number[];
  /** Layer name; default <type>, <type>_1, ... within a model (dense, dropout, batch_normalization, ...). */
  name?: string;
  /** Whether training updates the layer's weights (Keras `trainable`); default true. See `Layer.trainable`. */
  trainable?: boolean;
}

/** What one pass over a batch needs besides the data pointers; the model reuses one object. */
export interface Pass {
  engine: Engine;
  rows: number;
  /** GEMM packing scratch. */
  pack: number;
  /** Training (dropout active, batch statistics) or inference. */
  training: boolean;
  /** Seed and step count of the model, for dropout's counter-based masks. */
  seed: bigint;
  step: number;
}

/** The saved form of a layer: its type and options (see layerFromConfig). */
export interface LayerConfig {
  type: string;
  name: string;
  inputShape?: number[];
  [option: string]: unknown;
}

const size = sizeOf;

export abstract class Layer {
  /** Class name shown by summary(), e.g. 'Dense'. */
  abstract readonly type: string;
  name: string;
  readonly inputShape?: number[];
  /** Per-sample input and output shapes, known once built. */
  inShape: number[] = [];
  outShape: number[] = [];
  /** Floats per sample in and out: the products of those shapes (activation slots are rows × these). */
  inputSize = 0;
  outputSize = 0;
  /** Last-axis widths: the features a dense or normalisation layer acts on. */
  inputDim = 0;
  units = 0;
  /**
   * Rows of the last axis per sample (the product of the leading dimensions; 1 for [features]).
   * Layers that act on the last axis, as Keras' Dense does, run on batch rows × lead rows.
   */
  lead = 1;
  /** Output activation, when the layer ends in one (a fused loss keys on the last layer's). */
  activation?: Activation;
  /** Activation slots (rows, units): the output and ∂L/∂output. */
  y = 0;
  g = 0;
  /** @internal The model this layer's pointers belong to (a layer serves one model at a time). */
  owner?: object;
  private frozen = false;
  /**
   * Set by the model: the next layer when this layer's forwardFused computes both in one pass with
   * the same bits (a convolution and the 2×2 max pooling after it): in inference, and in training
   * too when fusedInTraining (the pass then also keeps what both backward passes need).
   */
  fusedNext?: Layer;
  fusedInTraining = false;
  /** Input of the last forward pass (backward reads it). */
  protected x = 0;
  /** Byte pointers of each weight (weightShapes order) and of its gradient (0 when not trainable). */
  protected w: number[] = [];
  protected dw: number[] = [];

  /** `keys`: the layer's own option names besides inputShape and name (any other key is refused). */
  constructor(options: LayerOptions | undefined, what: string, keys: readonly string[]) {
    if (options === null || typeof options !== 'object') throw new ValueError(`${what}() takes an options object`);
    checkObject(options, `${what}()`, ['inputShape', 'name', 'trainable', ...keys]);
    if (options.inputShape !== undefined) this.inputShape = checkShape(options.inputShape, `${what} inputShape`, true);
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      throw new ValueError(`${what} name must be a non-empty string, got ${JSON.stringify(options.name)}`);
    }
    this.name = options.name ?? '';
    if (options.trainable !== undefined) this.frozen = !trainableFlag(options.trainable, what);
  }

  /**
   * Whether training updates this layer's weights (Keras `layer.trainable`). A frozen layer (false)
   * gets no weight gradients, no updates, no optimizer state and no regularisation penalty; its
   * weights count as non-trainable in summary(); a frozen batch normalisation runs in inference mode
   * (moving statistics, left unchanged). Settable at any time: training takes the change at its next
   * step, keeping the optimizer state of the layers that stay trainable.
   */
  get trainable(): boolean {
    return !this.frozen;
  }

  set trainable(value: boolean) {
    this.frozen = !trainableFlag(value, this.name || this.baseName);
  }

  /** Default name stem (Keras spelling): dense, dropout, batch_normalization, ... */
  abstract readonly baseName: string;

  /**
   * Per-sample output shape for a per-sample input shape (shape-preserving layers return it
   * unchanged). A 0 dimension is unknown; throw ShapeError for a shape the layer cannot take.
   */
  computeOutputShape(inputShape: number[]): number[] {
    return inputShape;
  }

  /** Fix the input shape (and with it the output shape and weight shapes). */
  build(inputShape: number[]): void {
    this.inShape = inputShape;
    this.outShape = this.computeOutputShape(inputShape);
    this.inputSize = size(inputShape);
    this.outputSize = size(this.outShape);
    this.inputDim = inputShape[inputShape.length - 1];
    this.units = this.outShape[this.outShape.length - 1];
    this.lead = this.inputSize / this.inputDim;
  }

  /** Weights in Keras order, for an input shape (default: the built one). */
  weightShapes(_inputShape: number[] = this.inShape): WeightSpec[] {
    return [];
  }

  /** Weights (trainable and not) the layer has for this input shape; a frozen layer's are all non-trainable (Keras). */
  paramCountFor(inputShape: number[]): { trainable: number; nonTrainable: number } {
    let trainable = 0;
    let nonTrainable = 0;
    for (const s of this.weightShapes(inputShape)) {
      if (s.trainable && !this.frozen) trainable += size(s.shape);
      else nonTrainable += size(s.shape);
    }
    return { trainable, nonTrainable };
  }

  /** All weights, trainable and not, at the built shape. */
  get paramCount(): number {
    const c = this.paramCountFor(this.inShape);
    return c.trainable + c.nonTrainable;
  }

  /** How summary(formula: true) explains the count, e.g. '10 × (64 + 1)'. */
  formula(inputShape: number[]): string {
    const c = this.paramCountFor(inputShape);
    return c.trainable + c.nonTrainable === 0 ? '0' : String(c.trainable + c.nonTrainable);
  }

  /** Point the layer at its weights (and their gradients, 0 for non-trainable ones). */
  bind(weights: number[], grads: number[]): void {
    this.w = weights;
    this.dw = grads;
  }

  /** Fill the weights with their initial values. */
  initParams(_engine: Engine, _rng: Rng): void {}

  /** f32 values per batch row (sample) the layer's slots take (for the up-front memory check). */
  floatsPerRow(): number {
    return 2 * this.outputSize;
  }

  /** Claim output and gradient slots for `rows` samples (subclasses add their own). */
  claimSlots(engine: Engine, rows: number): void {
    this.y = engine.allocFloats(rows * this.outputSize, `${this.name} output`);
    this.g = engine.allocFloats(rows * this.outputSize, `${this.name} gradient`);
  }

  releaseSlots(engine: Engine): void {
    engine.release(this.y);
    engine.release(this.g);
    this.y = this.g = 0;
  }

  /** Scratch bytes the layer's GEMMs need at this batch capacity. */
  packBytes(_engine: Engine, _rows: number): number {
    return 0;
  }

  /** packBytes for an input shape, before the layer is built (the up-front memory check). */
  packBytesFor(engine: Engine, inputShape: number[], rows: number): number {
    return this.inShape.length && this.inShape.join() === inputShape.join() ? this.packBytes(engine, rows) : 0;
  }

  /**
   * x (rows, ...inShape) → output (rows, ...outShape); returns where the output is (usually y; a layer
   * that is the identity in this mode may return x). With `logitsOnly` (last layer, fused loss)
   * the activation is left to the loss, which writes the probabilities into y.
   */
  abstract forward(p: Pass, x: number, logitsOnly: boolean): number;

  /** This layer's and fusedNext's forward in one pass; returns where fusedNext's output is. */
  forwardFused(_p: Pass, _x: number): number {
    throw new StateError(`${this.name} (${this.type}) has no fused pass`);
  }

  /**
   * From g = ∂L/∂output (or ∂L/∂logits when `gIsDz`, fused loss) write the weight gradients and,
   * when dx != 0, dx = ∂L/∂input (rows, ...inShape).
   */
  abstract backward(p: Pass, dx: number, gIsDz: boolean): void;

  /** Where a fused loss reads the logits after forward(…, logitsOnly = true). */
  get logits(): number {
    return this.y;
  }

  /** Regularisation penalty of this layer's weights; adds its gradient when `withGrad`. */
  regularize(_engine: Engine, _withGrad: boolean): number {
    return 0;
  }

  /** Options as saved in model files; layerFromConfig rebuilds the layer from them. */
  abstract getConfig(): LayerConfig;

  /** Common part of every config. */
  protected baseConfig(type: string): LayerConfig {
    const cfg: LayerConfig = { type, name: this.name, trainable: this.trainable };
    if (this.inputShape) cfg.inputShape = this.inputShape;
    return cfg;
  }

  /** Copies of every weight, named "<layer>/<weight>". */
  getWeights(engine: Engine): Weight[] {
    return this.weightShapes().map(({ name, shape }, i) => ({
      name: `${this.name}/${name}`,
      shape,
      data: engine.readF32(this.w[i], size(shape)),
    }));
  }

  /** Validate replacement weights (all before any is written) and return them as Float32Arrays. */
  checkWeights(weights: unknown[]): Float32Array[] {
    return this.weightShapes().map(({ name, shape }, i) => {
      const w = weights[i];
      const n = size(shape);
      const given = w as { data?: unknown; shape?: unknown };
      const data = ArrayBuffer.isView(w) || Array.isArray(w) ? w : given?.data;
      if (!(data instanceof Float32Array || data instanceof Float64Array || Array.isArray(data))) {
        throw new ValueError(`${this.name} ${name}: expected a Float32Array, number[] or { data, shape }, got ${describe(w)}`);
      }
      if (given?.shape !== undefined && JSON.stringify(given.shape) !== JSON.stringify(shape)) {
        throw new ShapeError(`${this.name} ${name}: expected shape [${shape}], got [${given.shape}]`);
      }
      if (data.length !== n) throw new ShapeError(`${this.name} ${name}: expected ${n} values (shape [${shape}]), got ${data.length}`);
      // No coercion: "0.5", null or true in a number[] is a mistake, not a weight.
      const odd = Array.isArray(data) ? data.findIndex((v) => typeof v !== 'number') : -1;
      if (odd >= 0) throw new ValueError(`${this.name} ${name}: value ${odd} is ${describe(data[odd])}, not a number`);
      const out = Float32Array.from(data as ArrayLike<number>);
      const bad = out.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new ValueError(`${this.name} ${name}: value ${bad} is ${(data as ArrayLike<number>)[bad]}; weights must be finite`);
      return out;
    });
  }

  writeWeights(engine: Engine, arrays: Float32Array[]): void {
    arrays.forEach((a, i) => engine.writeF32(this.w[i], a));
  }
}

/** A `trainable` value, refused unless boolean (Keras 3's setter would take any truthy value: docs/keras-conformance.md). */
export function trainableFlag(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new ValueError(`${what} trainable must be true or false, got ${describe(value)}`);
  return value;
}

/** Copy n f32 from src to dst inside wasm memory (a memmove, no allocation). */
export function copyF32(engine: Engine, dst: number, src: number, n: number): void {
  if (dst !== src) engine.u8.copyWithin(dst, src, src + n * 4);
}

/** Checks a number option: finite and within [min, max]. */
export function numberOption(value: unknown, what: string, min: number, max: number, openMin = false, openMax = false): number {
  // Finite in float32 too: the kernels take these as f32.
  const ok = typeof value === 'number' && Number.isFinite(Math.fround(value)) && (openMin ? value > min : value >= min) && (openMax ? value < max : value <= max);
  if (!ok) {
    throw new ValueError(`${what} must be a number in ${openMin ? '(' : '['}${min}, ${max}${openMax ? ')' : ']'}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  }
  return value as number;
}
