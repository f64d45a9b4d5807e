// Dense layer: y = f(x·W + b), x (rows, in), W (in, units) as Keras stores it, b (units).
// Forward is one GEMM with bias and ReLU fused in its epilogue (plus an activation kernel for the
// others); backward is the activation's derivative, dW = xᵀ·g, db = colsum(g), dx = g·Wᵀ.
// As in Keras, it acts on the last axis: a sample of shape [..., in] is `lead` rows of `in`.
import { positiveInt } from '../check.js';
import type { Engine } from '../engine/engine.js';
import { RELU } from '../engine/kernels.js';
import type { Rng } from '../engine/rng.js';
import { ValueError } from '../errors.js';
import { type KernelConfig, KernelLayer, type KernelLayerOptions } from './kernel-layer.js';
import type { LayerConfig, Pass, WeightSpec } from './layer.js';

export type { Weight } from './layer.js';

export interface DenseOptions extends KernelLayerOptions {
  /** Output width. */
  units: number;
}

export interface DenseConfig extends LayerConfig, KernelConfig {
  type: 'dense';
  units: number;
}

export class Dense extends KernelLayer {
  readonly type = 'Dense';
  readonly baseName = 'dense';
  declare units: number;

  constructor(options: DenseOptions) {
    super(options, 'dense', ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer']);
    this.units = positiveInt(options.units, 'dense units');
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

  backward(p: Pass, dx: number, gIsDz: boolean): void {
    const e = p.engine;
    const i = this.inputDim, u = this.units, rows = p.rows * this.lead;
    const act = this.activation;
    if (!gIsDz && act.name !== 'linear') this.act.of(e.k).backward(this.g, this.g, this.z, this.y, rows, u, act.alpha);
    // A frozen layer (no gradient pointers) only passes the input gradient on.
    if (this.dKernel) e.gemmTN(this.dKernel, this.x, this.g, i, u, rows, u, i, u, 0, p.pack);
    if (this.dBias) e.colSum(this.dBias, this.g, rows, u, 0);
    if (dx) e.gemmNT(dx, this.g, this.kernel, rows, i, u, i, u, u, 0, p.pack);
  }

  override regularize(engine: Engine, withGrad: boolean): number {
    return this.penalty(engine, withGrad, this.inputDim * this.units, this.units);
  }

  getConfig(): DenseConfig {
    return { ...this.baseConfig('dense'), type: 'dense', units: this.units, ...this.kernelConfig() };
  }
}

/** A densely connected layer, as Keras `Dense` / TF.js `tf.layers.dense`. */
export function dense(options: DenseOptions): Dense {
  return new Dense(options);
}
