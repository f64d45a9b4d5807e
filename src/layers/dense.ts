// Dense layer: y = f(x·W + b), x (rows, in), W (in, units) as Keras stores it, b (units).
// It owns pointers into the model's flat regions, never arrays: params and grads (same layout)
// are bound by the model's memory plan, activation slots are claimed for a batch capacity.
import { positiveInt } from '../check.js';
import type { Engine } from '../engine/engine.js';
import { RELU } from '../engine/kernels.js';
import type { Rng } from '../engine/rng.js';
import { ShapeError, ValueError } from '../errors.js';
import { type Initializer, type InitializerName, type InitializerSpec, resolveInitializer } from '../initializers.js';
import { type Activation, type ActivationSpec, activationConfig, resolveActivation } from './activations.js';

export interface DenseOptions {
  /** Output width. */
  units: number;
  /** Activation applied to x·W + b. Default 'linear'. */
  activation?: ActivationSpec;
  /** Add a bias vector. Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerSpec;
  /** Default 'zeros'. */
  biasInitializer?: InitializerSpec;
  /** Input shape without the batch dimension, e.g. [784]; needed on the first layer (or pass data to fit). */
  inputShape?: number[];
  /** Layer name; default dense, dense_1, ... within a model. */
  name?: string;
}

export interface DenseConfig {
  type: 'dense';
  name: string;
  units: number;
  activation: ActivationSpec;
  useBias: boolean;
  kernelInitializer: { name: InitializerName; config: Record<string, number> };
  biasInitializer: { name: InitializerName; config: Record<string, number> };
  inputShape?: number[];
}

/** A weight tensor: its name, shape and values. */
export interface Weight {
  name: string;
  shape: number[];
  data: Float32Array;
}

export class Dense {
  readonly type = 'Dense';
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly inputShape?: number[];
  name: string;
  inputDim = 0;

  // Bound by the model: byte pointers into params / grads, and activation slots (capacity rows).
  kernel = 0;
  bias = 0;
  dKernel = 0;
  dBias = 0;
  /** Pre-activation (rows, units); equals `y` when the activation needs no separate copy. */
  z = 0;
  /** Output (rows, units). */
  y = 0;
  /** Gradient w.r.t. the output, turned into the gradient w.r.t. z in place (rows, units). */
  g = 0;

  constructor(options: DenseOptions) {
    if (options === null || typeof options !== 'object') throw new ValueError('dense() takes an options object, e.g. dense({ units: 10 })');
    this.units = positiveInt(options.units, 'dense units');
    this.activation = resolveActivation(options.activation);
    this.useBias = options.useBias ?? true;
    this.kernelInitializer = resolveInitializer(options.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = resolveInitializer(options.biasInitializer ?? 'zeros');
    if (options.inputShape !== undefined) {
      if (!Array.isArray(options.inputShape) || options.inputShape.length !== 1) {
        throw new ValueError(`dense inputShape must be [features] (one dimension), got ${JSON.stringify(options.inputShape)}`);
      }
      this.inputShape = [positiveInt(options.inputShape[0], 'dense inputShape[0]')];
    }
    this.name = options.name ?? '';
  }

  build(inputDim: number): void {
    this.inputDim = inputDim;
  }

  get paramCount(): number {
    return this.paramCountFor(this.inputDim);
  }

  /** units × (inputs + 1) with a bias, units × inputs without. */
  paramCountFor(inputDim: number): number {
    return inputDim * this.units + (this.useBias ? this.units : 0);
  }

  /** Shapes in the order they sit in the flat parameter region. */
  weightShapes(): { name: string; shape: number[] }[] {
    const shapes = [{ name: 'kernel', shape: [this.inputDim, this.units] }];
    if (this.useBias) shapes.push({ name: 'bias', shape: [this.units] });
    return shapes;
  }

  /** Point the layer at its part of the params and grads regions. */
  bind(params: number, grads: number): void {
    this.kernel = params;
    this.dKernel = grads;
    this.bias = this.useBias ? params + this.inputDim * this.units * 4 : 0;
    this.dBias = this.useBias ? grads + this.inputDim * this.units * 4 : 0;
  }

  /** True when the pre-activation must be kept apart from the output (backward or a fused loss needs it). */
  get separateZ(): boolean {
    return this.activation.name !== 'linear' && this.activation.name !== 'relu';
  }

  claimSlots(engine: Engine, rows: number): void {
    const n = rows * this.units;
    this.y = engine.allocFloats(n, `${this.name} output`);
    this.z = this.separateZ ? engine.allocFloats(n, `${this.name} pre-activation`) : this.y;
    this.g = engine.allocFloats(n, `${this.name} gradient`);
  }

  releaseSlots(engine: Engine): void {
    if (this.z !== this.y) engine.release(this.z);
    engine.release(this.y);
    engine.release(this.g);
    this.z = this.y = this.g = 0;
  }

  initParams(engine: Engine, rng: Rng): void {
    const n = this.inputDim * this.units;
    this.kernelInitializer.fill(engine, this.kernel, n, this.inputDim, this.units, rng);
    if (this.useBias) this.biasInitializer.fill(engine, this.bias, this.units, this.inputDim, this.units, rng);
  }

  /** Scratch bytes the three GEMMs need at this batch capacity. */
  packBytes(engine: Engine, rows: number): number {
    const k = engine.k;
    const [i, u] = [this.inputDim, this.units];
    return Math.max(k.gemm_pack_bytes(rows, u, i), k.gemm_pack_bytes(rows, i, u), k.gemm_pack_bytes(i, u, rows));
  }

  /**
   * x (rows, in) → y (rows, units). With `logitsOnly` the activation is left to a fused loss and
   * only z is written.
   */
  forward(engine: Engine, x: number, rows: number, pack: number, logitsOnly: boolean): void {
    const k = engine.k;
    const [i, u] = [this.inputDim, this.units];
    const act = this.activation;
    const flags = act.name === 'relu' ? RELU : 0;
    engine.gemmNN(this.z, x, this.kernel, this.bias, rows, u, i, u, i, u, flags, pack);
    if (this.separateZ && !logitsOnly) k[`${act.kernel}_forward`](this.y, this.z, rows, u, act.alpha);
  }

  /**
   * Given g = ∂L/∂y (or ∂L/∂z when `gIsDz`), writes dW, db and, when dx != 0, dx = ∂L/∂x (rows, in).
   */
  backward(engine: Engine, x: number, rows: number, dx: number, pack: number, gIsDz: boolean): void {
    const k = engine.k;
    const [i, u] = [this.inputDim, this.units];
    const act = this.activation;
    if (!gIsDz && act.name !== 'linear') k[`${act.kernel}_backward`](this.g, this.g, this.z, this.y, rows, u, act.alpha);
    engine.gemmTN(this.dKernel, x, this.g, i, u, rows, u, i, u, 0, pack);
    if (this.useBias) k.col_sum(this.dBias, this.g, rows, u, 0);
    if (dx) engine.gemmNT(dx, this.g, this.kernel, rows, i, u, i, u, u, 0, pack);
  }

  /** Copies of the kernel (in, units) and bias (units). */
  getWeights(engine: Engine): Weight[] {
    let ptr = this.kernel;
    return this.weightShapes().map(({ name, shape }) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const w = { name: `${this.name}/${name}`, shape, data: engine.readF32(ptr, n) };
      ptr += n * 4;
      return w;
    });
  }

  /** Validate replacement weights (all before any is written) and return them as Float32Arrays. */
  checkWeights(weights: unknown[]): Float32Array[] {
    return this.weightShapes().map(({ name, shape }, i) => {
      const w = weights[i];
      const n = shape.reduce((a, b) => a * b, 1);
      const given = w as { data?: unknown; shape?: unknown };
      const data = ArrayBuffer.isView(w) || Array.isArray(w) ? w : given?.data;
      if (!(data instanceof Float32Array || data instanceof Float64Array || Array.isArray(data))) {
        throw new ValueError(`${this.name} ${name}: expected a Float32Array or { data, shape }, got ${typeof w}`);
      }
      if (given?.shape !== undefined && JSON.stringify(given.shape) !== JSON.stringify(shape)) {
        throw new ShapeError(`${this.name} ${name}: expected shape [${shape}], got [${given.shape}]`);
      }
      if (data.length !== n) throw new ShapeError(`${this.name} ${name}: expected ${n} values (shape [${shape}]), got ${data.length}`);
      const out = Float32Array.from(data as ArrayLike<number>);
      const bad = out.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new ValueError(`${this.name} ${name}: value ${bad} is ${(data as ArrayLike<number>)[bad]}; weights must be finite`);
      return out;
    });
  }

  writeWeights(engine: Engine, arrays: Float32Array[]): void {
    let ptr = this.kernel;
    for (const a of arrays) {
      engine.writeF32(ptr, a);
      ptr += a.length * 4;
    }
  }

  getConfig(): DenseConfig {
    const cfg: DenseConfig = {
      type: 'dense',
      name: this.name,
      units: this.units,
      activation: activationConfig(this.activation),
      useBias: this.useBias,
      kernelInitializer: { name: this.kernelInitializer.name as InitializerName, config: this.kernelInitializer.config },
      biasInitializer: { name: this.biasInitializer.name as InitializerName, config: this.biasInitializer.config },
    };
    if (this.inputShape) cfg.inputShape = this.inputShape;
    return cfg;
  }
}

/** A densely connected layer, as Keras `Dense` / TF.js `tf.layers.dense`. */
export function dense(options: DenseOptions): Dense {
  return new Dense(options);
}

