// Dense layer: y = f(x·W + b), x (rows, in), W (in, units) as Keras stores it, b (units).
// Forward is one GEMM with bias and ReLU fused in its epilogue (plus an activation kernel for the
// others); backward is the activation's derivative, dW = xᵀ·g, db = colsum(g), dx = g·Wᵀ.
// As in Keras, it acts on the last axis: a sample of shape [..., in] is `lead` rows of `in`.
import { positiveInt } from '../check.js';
import type { Engine } from '../engine/engine.js';
import { RELU } from '../engine/kernels.js';
import type { Rng } from '../engine/rng.js';
import { ValueError } from '../errors.js';
import { type Initializer, type InitializerName, type InitializerSpec, resolveInitializer } from '../initializers.js';
import { type Regularizer, type RegularizerSpec, applyRegularizer, resolveRegularizer } from '../regularizers.js';
import { ActivationKernels, type ActivationSpec, activationConfig, resolveActivation } from './activations.js';
import { Layer, type LayerConfig, type LayerOptions, type Pass, type WeightSpec } from './layer.js';

export type { Weight } from './layer.js';

export interface DenseOptions extends LayerOptions {
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
  /** Penalty on the kernel: l1(...), l2(...), l1l2(...). Default none. */
  kernelRegularizer?: RegularizerSpec;
  /** Penalty on the bias. Default none. */
  biasRegularizer?: RegularizerSpec;
}

export interface DenseConfig extends LayerConfig {
  type: 'dense';
  units: number;
  activation: ActivationSpec;
  useBias: boolean;
  kernelInitializer: { name: InitializerName; config: Record<string, number> };
  biasInitializer: { name: InitializerName; config: Record<string, number> };
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

export class Dense extends Layer {
  readonly type = 'Dense';
  readonly baseName = 'dense';
  declare units: number;
  declare activation: NonNullable<Layer['activation']>;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer?: Regularizer;
  readonly biasRegularizer?: Regularizer;

  // Bound by the model: byte pointers into params / grads.
  kernel = 0;
  bias = 0;
  dKernel = 0;
  dBias = 0;
  /** Pre-activation (rows, units); equals `y` when the activation needs no separate copy. */
  z = 0;
  private readonly act: ActivationKernels;

  constructor(options: DenseOptions) {
    super(options, 'dense', ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer']);
    this.units = positiveInt(options.units, 'dense units');
    this.activation = resolveActivation(options.activation);
    this.act = new ActivationKernels(this.activation);
    this.useBias = options.useBias ?? true;
    this.kernelInitializer = resolveInitializer(options.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = resolveInitializer(options.biasInitializer ?? 'zeros');
    this.kernelRegularizer = resolveRegularizer(options.kernelRegularizer, 'dense kernelRegularizer');
    this.biasRegularizer = resolveRegularizer(options.biasRegularizer, 'dense biasRegularizer');
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return [...inputShape.slice(0, -1), this.units];
  }

  override weightShapes(inputShape = this.inShape): WeightSpec[] {
    const shapes = [{ name: 'kernel', shape: [inputShape[inputShape.length - 1], this.units], trainable: true }];
    if (this.useBias) shapes.push({ name: 'bias', shape: [this.units], trainable: true });
    return shapes;
  }

  override formula(inputShape: number[]): string {
    const inputDim = inputShape[inputShape.length - 1];
    return this.useBias ? `${this.units} × (${inputDim} + 1)` : `${this.units} × ${inputDim}`;
  }

  override bind(weights: number[], grads: number[]): void {
    super.bind(weights, grads);
    [this.kernel, this.bias = 0] = weights;
    [this.dKernel, this.dBias = 0] = grads;
  }

  /** True when the pre-activation must be kept apart from the output (backward or a fused loss needs it). */
  get separateZ(): boolean {
    return this.activation.name !== 'linear' && this.activation.name !== 'relu';
  }

  override floatsPerRow(): number {
    return this.outputSize * (this.separateZ ? 3 : 2);
  }

  override claimSlots(engine: Engine, rows: number): void {
    super.claimSlots(engine, rows);
    this.z = this.separateZ ? engine.allocFloats(rows * this.outputSize, `${this.name} pre-activation`) : this.y;
  }

  override releaseSlots(engine: Engine): void {
    if (this.z !== this.y) engine.release(this.z);
    this.z = 0;
    super.releaseSlots(engine);
  }

  override initParams(engine: Engine, rng: Rng): void {
    const n = this.inputDim * this.units;
    this.kernelInitializer.fill(engine, this.kernel, n, this.inputDim, this.units, rng);
    if (this.useBias) this.biasInitializer.fill(engine, this.bias, this.units, this.inputDim, this.units, rng);
  }

  override packBytes(engine: Engine, samples: number): number {
    const k = engine.k;
    const [i, u, rows] = [this.inputDim, this.units, samples * this.lead];
    return Math.max(k.gemm_pack_bytes(rows, u, i), k.gemm_pack_bytes(rows, i, u), k.gemm_pack_bytes(i, u, rows));
  }

  forward(p: Pass, x: number, logitsOnly: boolean): number {
    const i = this.inputDim, u = this.units, rows = p.rows * this.lead;
    const act = this.activation;
    this.x = x;
    p.engine.gemmNN(this.z, x, this.kernel, this.bias, rows, u, i, u, i, u, act.name === 'relu' ? RELU : 0, p.pack);
    if (this.separateZ && !logitsOnly) this.act.of(p.engine.k).forward(this.y, this.z, rows, u, act.alpha);
    return this.y;
  }

  override get logits(): number {
    return this.z;
  }

  backward(p: Pass, dx: number, gIsDz: boolean): void {
    const e = p.engine;
    const i = this.inputDim, u = this.units, rows = p.rows * this.lead;
    const act = this.activation;
    if (!gIsDz && act.name !== 'linear') this.act.of(e.k).backward(this.g, this.g, this.z, this.y, rows, u, act.alpha);
    e.gemmTN(this.dKernel, this.x, this.g, i, u, rows, u, i, u, 0, p.pack);
    if (this.useBias) e.k.col_sum(this.dBias, this.g, rows, u, 0);
    if (dx) e.gemmNT(dx, this.g, this.kernel, rows, i, u, i, u, u, 0, p.pack);
  }

  override regularize(engine: Engine, withGrad: boolean): number {
    let penalty = 0;
    if (this.kernelRegularizer) {
      penalty += applyRegularizer(engine, this.kernelRegularizer, this.kernel, withGrad ? this.dKernel : 0, this.inputDim * this.units);
    }
    if (this.biasRegularizer && this.useBias) {
      penalty += applyRegularizer(engine, this.biasRegularizer, this.bias, withGrad ? this.dBias : 0, this.units);
    }
    return penalty;
  }

  getConfig(): DenseConfig {
    const cfg: DenseConfig = {
      ...this.baseConfig('dense'),
      type: 'dense',
      units: this.units,
      activation: activationConfig(this.activation),
      useBias: this.useBias,
      kernelInitializer: { name: this.kernelInitializer.name as InitializerName, config: this.kernelInitializer.config },
      biasInitializer: { name: this.biasInitializer.name as InitializerName, config: this.biasInitializer.config },
    };
    if (this.kernelRegularizer) cfg.kernelRegularizer = { ...this.kernelRegularizer };
    if (this.biasRegularizer) cfg.biasRegularizer = { ...this.biasRegularizer };
    return cfg;
  }
}

/** A densely connected layer, as Keras `Dense` / TF.js `tf.layers.dense`. */
export function dense(options: DenseOptions): Dense {
  if (options === null || typeof options !== 'object') throw new ValueError('dense() takes an options object, e.g. dense({ units: 10 })');
  return new Dense(options);
}
