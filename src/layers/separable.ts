// Separable 2-D convolution, as Keras `SeparableConv2D`: a depthwise convolution (each channel by
// its own depthMultiplier filters, no bias) then a 1×1 convolution to `filters` channels with the
// bias and activation. Weights in Keras order: depthwise_kernel (kh, kw, c, dm), pointwise_kernel
// (1, 1, c·dm, filters), bias (filters). The depthwise output is kept (rows, oh·ow·c·dm) for the
// backward pass; the pointwise step is one GEMM with bias and ReLU fused, as dense.
import { checkObject, positiveInt } from '../check.js';
import { depthwiseBackward, depthwiseForward } from '../engine/conv.js';
import type { Engine } from '../engine/engine.js';
import { RELU } from '../engine/kernels.js';
import type { Rng } from '../engine/rng.js';
import { ValueError } from '../errors.js';
import { type Initializer, type InitializerSpec, resolveInitializer } from '../initializers.js';
import { type Regularizer, type RegularizerSpec, applyRegularizer, resolveRegularizer } from '../regularizers.js';
import { Conv2D, type Conv2DOptions } from './conv2d.js';
import type { LayerConfig, Pass, WeightSpec } from './layer.js';
import { depthwiseGeometryOf, depthwiseSettings } from './depthwise.js';

export interface SeparableConv2DOptions extends Omit<Conv2DOptions, 'kernelInitializer' | 'kernelRegularizer'> {
  /** Depthwise outputs per input channel. Default 1. */
  depthMultiplier?: number;
  /** Default 'glorotUniform'. */
  depthwiseInitializer?: InitializerSpec;
  /** Default 'glorotUniform'. */
  pointwiseInitializer?: InitializerSpec;
  depthwiseRegularizer?: RegularizerSpec;
  pointwiseRegularizer?: RegularizerSpec;
}

const KEYS = ['filters', 'kernelSize', 'depthMultiplier', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'depthwiseInitializer',
  'pointwiseInitializer', 'biasInitializer', 'depthwiseRegularizer', 'pointwiseRegularizer', 'biasRegularizer', 'dataFormat', 'inputShape', 'name', 'trainable'] as const;

export class SeparableConv2D extends Conv2D {
  override readonly type = 'SeparableConv2D';
  override readonly baseName = 'separable_conv2d';
  readonly depthMultiplier: number;
  readonly pointwiseInitializer: Initializer;
  readonly pointwiseRegularizer?: Regularizer;
  pointwise = 0;
  dPointwise = 0;
  /** Depthwise output and its gradient (rows, oh·ow·c·dm). */
  mid = 0;
  dMid = 0;

  constructor(options: SeparableConv2DOptions) {
    const what = 'separableConv2d';
    checkObject(options, `${what}()`, KEYS, false);
    const { depthwiseInitializer, depthwiseRegularizer, pointwiseInitializer, pointwiseRegularizer, depthMultiplier, ...rest } = options;
    const dm = positiveInt(depthMultiplier ?? 1, `${what} depthMultiplier`);
    super({ ...rest, kernelInitializer: depthwiseInitializer, kernelRegularizer: depthwiseRegularizer } as Conv2DOptions, what,
      { ...depthwiseSettings(options, what), filters: positiveInt(options.filters, `${what} filters`) }, null);
    this.depthMultiplier = dm;
    this.pointwiseInitializer = resolveInitializer(pointwiseInitializer ?? 'glorotUniform');
    this.pointwiseRegularizer = resolveRegularizer(pointwiseRegularizer, `${what} pointwiseRegularizer`);
  }

  /** The depthwise step's geometry (co = c·dm); the output has `filters` channels. */
  override geometryFor(inputShape: readonly number[]) {
    return depthwiseGeometryOf(this, inputShape, this.depthMultiplier);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const [oh, ow] = super.computeOutputShape(inputShape);
    return [oh, ow, this.filters];
  }

  override kernelShape(inputShape: readonly number[]): number[] {
    return [...this.kernelSize, this.channelsOf(inputShape), this.depthMultiplier];
  }

  override weightShapes(inputShape = this.inShape): WeightSpec[] {
    const mid = this.channelsOf(inputShape) * this.depthMultiplier;
    const shapes: WeightSpec[] = [
      { name: 'depthwise_kernel', shape: this.kernelShape(inputShape), trainable: true },
      { name: 'pointwise_kernel', shape: [1, 1, mid, this.filters], trainable: true },
    ];
    if (this.useBias) shapes.push({ name: 'bias', shape: [this.filters], trainable: true });
    return shapes;
  }

  override formula(inputShape: number[]): string {
    const [kh, kw, c] = this.kernelShape(inputShape);
    return `${kh} × ${kw} × ${c} × ${this.depthMultiplier} + ${this.filters} × (${c * this.depthMultiplier}${this.useBias ? ' + 1' : ''})`;
  }

  override bind(weights: number[], grads: number[]): void {
    super.bind(weights, grads);
    [this.kernel, this.pointwise, this.bias = 0] = weights;
    [this.dKernel, this.dPointwise, this.dBias = 0] = grads;
  }

  private get midSize(): number {
    const g = this.geometry;
    return g ? g.oh * g.ow * g.co : 0;
  }

  override floatsPerRow(): number {
    return super.floatsPerRow() + 2 * this.midSize;
  }

  override claimSlots(engine: Engine, rows: number): void {
    super.claimSlots(engine, rows);
    this.mid = engine.allocFloats(rows * this.midSize, `${this.name} depthwise output`);
    this.dMid = engine.allocFloats(rows * this.midSize, `${this.name} depthwise gradient`);
  }

  override releaseSlots(engine: Engine): void {
    engine.release(this.mid);
    engine.release(this.dMid);
    this.mid = this.dMid = 0;
    super.releaseSlots(engine);
  }

  override initParams(engine: Engine, rng: Rng): void {
    super.initParams(engine, rng);
    const mid = this.geometry!.co;
    this.pointwiseInitializer.fill(engine, this.pointwise, mid * this.filters, mid, this.filters, rng);
  }

  override packBytes(engine: Engine, rows: number, g = this.geometry!): number {
    const m = rows * g.oh * g.ow, c = g.co, f = this.filters, k = engine.k;
    return Math.max(k.gemm_pack_bytes(m, f, c), k.gemm_pack_bytes(m, c, f), k.gemm_pack_bytes(c, f, m));
  }

  override forward(p: Pass, x: number, logitsOnly: boolean): number {
    const e = p.engine, g = this.geometry!, m = p.rows * g.oh * g.ow, c = g.co, f = this.filters;
    this.x = x;
    depthwiseForward(e, this.kernelPass(), this.mid, x, this.kernel, 0, p.rows, 0);
    e.gemmNN(this.z, this.mid, this.pointwise, this.bias, m, f, c, f, c, f, this.activation.name === 'relu' ? RELU : 0, p.pack);
    if (this.separateZ && !logitsOnly) this.act.of(e.k).forward(this.y, this.z, m, f, this.activation.alpha);
    return this.y;
  }

  override backward(p: Pass, dx: number, gIsDz: boolean): void {
    const e = p.engine, g = this.geometry!, m = p.rows * g.oh * g.ow, c = g.co, f = this.filters;
    if (!gIsDz && this.activation.name !== 'linear') this.act.of(e.k).backward(this.g, this.g, this.z, this.y, m, f, this.activation.alpha);
    // A frozen layer (no gradient pointers) only passes the input gradient on.
    if (this.dPointwise) e.gemmTN(this.dPointwise, this.mid, this.g, c, f, m, f, c, f, 0, p.pack);
    if (this.dBias) e.colSum(this.dBias, this.g, m, f, 0);
    e.gemmNT(this.dMid, this.g, this.pointwise, m, c, f, c, f, f, 0, p.pack);
    depthwiseBackward(e, this.kernelPass(), dx, this.dKernel, 0, this.x, this.dMid, this.kernel, p.rows);
  }

  override regularize(engine: Engine, withGrad: boolean): number {
    let penalty = super.regularize(engine, withGrad);
    if (this.pointwiseRegularizer) penalty += applyRegularizer(engine, this.pointwiseRegularizer, this.pointwise, withGrad ? this.dPointwise : 0, this.geometry!.co * this.filters);
    return penalty;
  }

  override getConfig(): LayerConfig {
    const { kernelInitializer, kernelRegularizer, ...rest } = this.convConfig('separableConv2d', {
      filters: this.filters, kernelSize: this.kernelSize, depthMultiplier: this.depthMultiplier, strides: this.strides, dilationRate: this.dilationRate,
    });
    const cfg: LayerConfig = { ...rest, depthwiseInitializer: kernelInitializer, pointwiseInitializer: { name: this.pointwiseInitializer.name, config: this.pointwiseInitializer.config } };
    if (kernelRegularizer) cfg.depthwiseRegularizer = kernelRegularizer;
    if (this.pointwiseRegularizer) cfg.pointwiseRegularizer = { ...this.pointwiseRegularizer };
    return cfg;
  }
}

/** A depthwise-separable convolution, as Keras `SeparableConv2D` / TF.js `tf.layers.separableConv2d`. */
export function separableConv2d(options: SeparableConv2DOptions): SeparableConv2D {
  return new SeparableConv2D(options);
}
