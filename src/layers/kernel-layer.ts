// What dense and the convolutions share: a kernel and an optional bias (initializers, regularizers),
// an activation whose pre-activation z is kept apart from the output only when backward or a fused
// loss needs it (ReLU is fused into the GEMM's epilogue), and the options they save.
import type { Engine } from '../engine/engine.js';
import { type Initializer, type InitializerName, type InitializerSpec, resolveInitializer } from '../initializers.js';
import { type Regularizer, type RegularizerSpec, applyRegularizer, resolveRegularizer } from '../regularizers.js';
import { ActivationKernels, type ActivationSpec, activationConfig, keepsPreActivation, resolveActivation } from './activations.js';
import { Layer, type LayerOptions } from './layer.js';

export interface KernelLayerOptions extends LayerOptions {
  /** Activation applied to the layer's affine output. Default 'linear'. */
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

/** The saved options every kernel layer has. */
export interface KernelConfig {
  activation: ActivationSpec;
  useBias: boolean;
  kernelInitializer: { name: InitializerName; config: Record<string, number> };
  biasInitializer: { name: InitializerName; config: Record<string, number> };
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

export abstract class KernelLayer extends Layer {
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
  /** Pre-activation (rows, outputSize); equals `y` when the activation needs no separate copy. */
  z = 0;
  protected readonly act: ActivationKernels;

  constructor(options: KernelLayerOptions, what: string, keys: readonly string[]) {
    super(options, what, keys);
    this.activation = resolveActivation(options.activation);
    this.act = new ActivationKernels(this.activation);
    this.useBias = options.useBias ?? true;
    this.kernelInitializer = resolveInitializer(options.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = resolveInitializer(options.biasInitializer ?? 'zeros');
    this.kernelRegularizer = resolveRegularizer(options.kernelRegularizer, `${what} kernelRegularizer`);
    this.biasRegularizer = resolveRegularizer(options.biasRegularizer, `${what} biasRegularizer`);
  }

  override bind(weights: number[], grads: number[]): void {
    super.bind(weights, grads);
    [this.kernel, this.bias = 0] = weights;
    [this.dKernel, this.dBias = 0] = grads;
  }

  /** True when the pre-activation must be kept apart from the output (backward or a fused loss needs it). */
  get separateZ(): boolean {
    return keepsPreActivation(this.activation);
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

  override get logits(): number {
    return this.z;
  }

  /** The regularisers' penalty on a kernel of `kernelSize` and a bias of `biasSize` floats (gradients added when `withGrad`). */
  protected penalty(engine: Engine, withGrad: boolean, kernelSize: number, biasSize: number): number {
    let penalty = 0;
    if (this.kernelRegularizer) penalty += applyRegularizer(engine, this.kernelRegularizer, this.kernel, withGrad ? this.dKernel : 0, kernelSize);
    if (this.biasRegularizer && this.useBias) penalty += applyRegularizer(engine, this.biasRegularizer, this.bias, withGrad ? this.dBias : 0, biasSize);
    return penalty;
  }

  protected kernelConfig(): KernelConfig {
    const cfg: KernelConfig = {
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
