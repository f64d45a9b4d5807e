// 2-D convolution, as Keras `Conv2D`: x (n, h, w, c) → y (n, oh, ow, filters), kernel stored
// (kh, kw, c, filters) as Keras, bias (filters). Forward is im2col + the packed GEMM with bias and
// ReLU fused into its epilogue (engine/conv.ts); backward is the activation's derivative, then
// dW = colᵀ·g, db = colsum(g), dx = col2im(g·Wᵀ). The column matrix lives in the model's shared
// scratch region (packBytes), in tiles of whole images, so the memory check counts it.
import { positiveInt } from '../check.js';
import { type ConvPass, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, conv2dPoolForward, convPass, convScratchBytes } from '../engine/conv.js';
import { type Geometry, colScratchBytes, convGeometry, fusesPool, fusesPoolInTraining, patchSize, tileImages } from '../engine/conv-plan.js';
import type { Engine } from '../engine/engine.js';
import { RELU } from '../engine/kernels.js';
import type { Rng } from '../engine/rng.js';
import { ValueError } from '../errors.js';
import { KernelLayer, type KernelLayerOptions } from './kernel-layer.js';
import type { Layer, LayerConfig, Pass, WeightSpec } from './layer.js';
import { Pooling2D } from './pooling.js';
import { type Padding, allocDesc, checkFormat, checkRank, padding, pair, unknown } from './spatial.js';

export interface Conv2DOptions extends KernelLayerOptions {
  /** Output channels. */
  filters: number;
  /** Window height and width: 3 or [3, 3]. */
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** 'valid' (no padding, default) or 'same' (output size ⌈input / stride⌉, TF's padding). */
  padding?: Padding;
  /** Default 1; > 1 only with strides 1 (as Keras). */
  dilationRate?: number | [number, number];
  /** Keras' only layout, accepted for portability: 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

export const CONV_KEYS = ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'kernelInitializer',
  'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'dataFormat', 'inputShape', 'name', 'trainable'] as const;

/** Options of a convolution after checking, in its own (2-D) terms. */
export interface ConvSettings {
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: Padding;
  dilationRate: [number, number];
}

/** A convolution over [h, w, c] samples; Conv1D is the h = 1 case of it (conv1d.ts). */
export class Conv2D extends KernelLayer {
  readonly type: string = 'Conv2D';
  readonly baseName: string = 'conv2d';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  /** Geometry at the built shape and its descriptor in wasm memory (claimed with the slots). */
  geometry?: Geometry;
  private desc = 0;
  private planned?: ConvPass;
  /** Kernel and bias floats at the built shape (regularize runs every step: no arrays there). */
  private kernelCount = 0;
  private biasCount = 0;

  /** `keys`: the options the caller takes (subclasses that map their own options pass null: they checked them). */
  constructor(options: Conv2DOptions, what = 'conv2d', settings?: ConvSettings, keys: readonly string[] | null = CONV_KEYS) {
    super(options, what, keys ?? CONV_KEYS);
    checkFormat(options.dataFormat, what);
    const s = settings ?? {
      filters: positiveInt(options.filters, `${what} filters`),
      kernelSize: pair(options.kernelSize, `${what} kernelSize`),
      strides: pair(options.strides, `${what} strides`, 1),
      padding: padding(options.padding, `${what} padding`),
      dilationRate: pair(options.dilationRate, `${what} dilationRate`, 1),
    };
    if (s.strides.some((v) => v > 1) && s.dilationRate.some((v) => v > 1)) {
      throw new ValueError(`${what}: strides > 1 together with dilationRate > 1 is not supported (Keras refuses it too), got strides [${s.strides}] and dilationRate [${s.dilationRate}]`);
    }
    ({ filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, dilationRate: this.dilationRate } = s);
    if (typeof this.useBias !== 'boolean') throw new ValueError(`${what} useBias must be true or false, got ${JSON.stringify(options.useBias)}`);
  }

  /** The geometry for a per-sample input shape (the rank check names this layer). */
  geometryFor(inputShape: readonly number[]): Geometry {
    checkRank(inputShape, 3, `${this.name || this.baseName} (${this.type})`);
    return convGeometry(inputShape, this);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    if (unknown(inputShape)) return [0, 0, this.filters];
    const g = this.geometryFor(inputShape);
    return [g.oh, g.ow, g.co];
  }

  override build(inputShape: number[]): void {
    super.build(inputShape);
    this.geometry = this.geometryFor(inputShape);
    this.kernelCount = this.kernelShape(inputShape).reduce((a, b) => a * b, 1);
    this.biasCount = this.biasSize(inputShape);
  }

  /** Input channels for an input shape (the last axis). */
  protected channelsOf(inputShape: readonly number[]): number {
    return inputShape[inputShape.length - 1];
  }

  /** Kernel shape, Keras' layout: (kh, kw, in, filters). */
  kernelShape(inputShape: readonly number[]): number[] {
    return [...this.kernelSize, this.channelsOf(inputShape), this.filters];
  }

  override weightShapes(inputShape = this.inShape): WeightSpec[] {
    const shapes = [{ name: 'kernel', shape: this.kernelShape(inputShape), trainable: true }];
    if (this.useBias) shapes.push({ name: 'bias', shape: [this.biasSize(inputShape)], trainable: true });
    return shapes;
  }

  /** Bias length: one per output channel. */
  protected biasSize(_inputShape: readonly number[]): number {
    return this.filters;
  }

  override formula(inputShape: number[]): string {
    const k = this.kernelShape(inputShape).slice(0, -1).join(' × ');
    return this.useBias ? `${this.filters} × (${k} + 1)` : `${this.filters} × ${k}`;
  }

  override claimSlots(engine: Engine, rows: number): void {
    super.claimSlots(engine, rows);
    this.desc = allocDesc(engine, this.geometry!, this.name);
    this.planned = convPass(this.geometry!, this.desc, Infinity);
  }

  override releaseSlots(engine: Engine): void {
    engine.release(this.desc);
    this.desc = 0;
    super.releaseSlots(engine);
  }

  override initParams(engine: Engine, rng: Rng): void {
    // Keras' fans: receptive field × input channels, receptive field × output channels (or depth multiplier).
    const shape = this.kernelShape(this.inShape);
    const field = shape.slice(0, -2).reduce((a, b) => a * b, 1), c = shape[shape.length - 2], f = shape[shape.length - 1];
    this.kernelInitializer.fill(engine, this.kernel, field * c * f, field * c, field * f, rng);
    if (this.useBias) this.biasInitializer.fill(engine, this.bias, this.outShape[this.outShape.length - 1], field * c, field * f, rng);
  }

  /** Column bytes (64-aligned) then the GEMMs' packing scratch, for tiles of at most `rows` images. */
  private colBytes(rows: number, g = this.geometry!): number {
    return Math.ceil(colScratchBytes(g, rows) / 64) * 64; // beyond 2 GiB: no 32-bit bit operations
  }

  override packBytes(engine: Engine, rows: number, g = this.geometry!): number {
    const m = Math.min(rows, tileImages(g, Infinity)) * g.oh * g.ow, K = patchSize(g), k = engine.k;
    const gemm = this.colBytes(rows, g) + Math.max(k.gemm_pack_bytes(m, g.co, K), k.gemm_pack_bytes(m, K, g.co), k.gemm_pack_bytes(K, g.co, m));
    return Math.max(gemm, convScratchBytes(engine, g));
  }

  override packBytesFor(engine: Engine, inputShape: number[], rows: number): number {
    return unknown(inputShape) ? 0 : this.packBytes(engine, rows, this.geometryFor(inputShape));
  }

  /** The kernels' pass (made with the slots, so a step allocates nothing): tiles fixed by the geometry alone, not the batch, so results never depend on the capacity. */
  protected kernelPass(): ConvPass {
    return this.planned!;
  }

  forward(p: Pass, x: number, logitsOnly: boolean): number {
    const e = p.engine, g = this.geometry!;
    this.x = x;
    const col = p.pack, pack = p.pack + this.colBytes(p.rows);
    conv2dForward(e, this.kernelPass(), this.z, x, this.kernel, this.bias, p.rows, this.activation.name === 'relu' ? RELU : 0, col, pack);
    if (this.separateZ && !logitsOnly) this.act.of(e.k).forward(this.y, this.z, p.rows * g.oh * g.ow, g.co, this.activation.alpha);
    return this.y;
  }

  /** The layer after this one if inference can run both as one pass: a 2×2 max pooling that fusesPool takes, after relu or no activation. */
  poolsInto(next: Layer | undefined): Layer | undefined {
    const plain = this.type === 'Conv2D' && (this.activation.name === 'relu' || this.activation.name === 'linear');
    return plain && next instanceof Pooling2D && next.kind === 'max' && fusesPool(this.geometry!, next.geometry!) ? next : undefined;
  }

  /** Whether training can run this layer and its pooling `next` (poolsInto's) in one pass too. */
  poolsInTraining(next: Layer): boolean {
    return fusesPoolInTraining(this.geometry!, (next as Pooling2D).geometry!);
  }

  /**
   * The convolution and its max pooling (fusedNext) in one pass, into the pooling's output; training
   * also writes the convolution's output z and the pooling's argmax, as their own passes would.
   */
  override forwardFused(p: Pass, x: number): number {
    const pool = this.fusedNext as Pooling2D, training = p.training;
    if (training) this.x = x;
    conv2dPoolForward(p.engine, this.kernelPass(), pool.y, x, this.kernel, this.bias, p.rows, this.activation.name === 'relu' ? RELU : 0, p.pack,
      training ? this.z : 0, training ? pool.idx : 0);
    return pool.y;
  }

  backward(p: Pass, dx: number, gIsDz: boolean): void {
    const e = p.engine, g = this.geometry!;
    const col = p.pack, pack = p.pack + this.colBytes(p.rows);
    if (!gIsDz && this.activation.name !== 'linear') {
      this.act.of(e.k).backward(this.g, this.g, this.z, this.y, p.rows * g.oh * g.ow, g.co, this.activation.alpha);
    }
    const pass = this.kernelPass();
    // A frozen layer (no gradient pointers) only passes the input gradient on.
    if (this.dKernel) conv2dBackwardFilter(e, pass, this.dKernel, this.useBias ? this.dBias : 0, this.x, this.g, p.rows, 0, col, pack);
    if (dx) conv2dBackwardInput(e, pass, dx, this.g, this.kernel, p.rows, col, pack);
  }

  override regularize(engine: Engine, withGrad: boolean): number {
    return this.penalty(engine, withGrad, this.kernelCount, this.biasCount);
  }

  /** The options every convolution saves (conv1d saves its integers, conv2d its pairs). */
  protected convConfig(type: string, spatial: Record<string, unknown>): LayerConfig {
    return { ...this.baseConfig(type), ...spatial, padding: this.padding, ...this.kernelConfig() };
  }

  getConfig(): LayerConfig {
    return this.convConfig('conv2d', { filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, dilationRate: this.dilationRate });
  }
}

/** A 2-D convolution, as Keras `Conv2D` / TF.js `tf.layers.conv2d`: `conv2d({ filters: 32, kernelSize: 3, activation: 'relu' })`. */
export function conv2d(options: Conv2DOptions): Conv2D {
  return new Conv2D(options);
}
