// Depthwise 2-D convolution, as Keras `DepthwiseConv2D`: each input channel c is convolved with
// its own depthMultiplier filters, x (n, h, w, c) → y (n, oh, ow, c·dm), kernel stored
// (kh, kw, c, dm) as Keras ('depthwise_kernel'), bias (c·dm). A direct kernel (assembly/depthwise.ts)
// with bias and ReLU fused; no im2col scratch.
import { checkObject, positiveInt } from '../check.js';
import { convPass, depthwiseBackward, depthwiseForward } from '../engine/conv.js';
import { type Geometry, depthwiseGeometry } from '../engine/conv-plan.js';
import { RELU } from '../engine/kernels.js';
import { ValueError } from '../errors.js';
import type { InitializerSpec } from '../initializers.js';
import type { RegularizerSpec } from '../regularizers.js';
import { Conv2D, type Conv2DOptions, type ConvSettings } from './conv2d.js';
import type { LayerConfig, Pass } from './layer.js';
import { checkRank, padding, pair, unknown } from './spatial.js';

export interface DepthwiseConv2DOptions extends Omit<Conv2DOptions, 'filters' | 'kernelInitializer' | 'kernelRegularizer'> {
  /** Output channels per input channel. Default 1. */
  depthMultiplier?: number;
  /** Default 'glorotUniform'. */
  depthwiseInitializer?: InitializerSpec;
  depthwiseRegularizer?: RegularizerSpec;
}

const KEYS = ['kernelSize', 'depthMultiplier', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'depthwiseInitializer',
  'biasInitializer', 'depthwiseRegularizer', 'biasRegularizer', 'dataFormat', 'inputShape', 'name', 'trainable'] as const;

/** The window options a depthwise step takes (depthwiseConv2d, separableConv2d), checked. */
export function depthwiseSettings(o: { kernelSize?: unknown; strides?: unknown; padding?: unknown; dilationRate?: unknown }, what: string): Omit<ConvSettings, 'filters'> {
  return {
    kernelSize: pair(o.kernelSize, `${what} kernelSize`),
    strides: pair(o.strides, `${what} strides`, 1),
    padding: padding(o.padding, `${what} padding`),
    dilationRate: pair(o.dilationRate, `${what} dilationRate`, 1),
  };
}

/** The depthwise step's geometry for a layer's window options (co = c·dm). */
export function depthwiseGeometryOf(layer: Conv2D, inputShape: readonly number[], depthMultiplier: number): Geometry {
  checkRank(inputShape, 3, `${layer.name || layer.baseName} (${layer.type})`);
  return depthwiseGeometry(inputShape, { kernelSize: layer.kernelSize, strides: layer.strides, dilationRate: layer.dilationRate, padding: layer.padding, depthMultiplier });
}

export class DepthwiseConv2D extends Conv2D {
  override readonly type = 'DepthwiseConv2D';
  override readonly baseName = 'depthwise_conv2d';
  readonly depthMultiplier: number;

  constructor(options: DepthwiseConv2DOptions) {
    const what = 'depthwiseConv2d';
    checkObject(options, `${what}()`, KEYS, false);
    const { depthwiseInitializer, depthwiseRegularizer, depthMultiplier, ...rest } = options;
    const dm = positiveInt(depthMultiplier ?? 1, `${what} depthMultiplier`);
    super({ ...rest, filters: dm, kernelInitializer: depthwiseInitializer, kernelRegularizer: depthwiseRegularizer } as Conv2DOptions, what,
      { ...depthwiseSettings(options, what), filters: dm }, null);
    this.depthMultiplier = dm;
  }

  override geometryFor(inputShape: readonly number[]): Geometry {
    return depthwiseGeometryOf(this, inputShape, this.depthMultiplier);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    if (unknown(inputShape)) return [0, 0, 0];
    const g = this.geometryFor(inputShape);
    return [g.oh, g.ow, g.co];
  }

  override weightShapes(inputShape = this.inShape) {
    return super.weightShapes(inputShape).map((s) => (s.name === 'kernel' ? { ...s, name: 'depthwise_kernel' } : s));
  }

  protected override biasSize(inputShape: readonly number[]): number {
    return this.channelsOf(inputShape) * this.depthMultiplier;
  }

  override packBytes(): number {
    return 0;
  }

  override packBytesFor(): number {
    return 0;
  }

  override forward(p: Pass, x: number, logitsOnly: boolean): number {
    const e = p.engine, g = this.geometry!;
    this.x = x;
    depthwiseForward(e, this.kernelPass(), this.z, x, this.kernel, this.bias, p.rows, this.activation.name === 'relu' ? RELU : 0);
    if (this.separateZ && !logitsOnly) this.act.of(e.k).forward(this.y, this.z, p.rows * g.oh * g.ow, g.co, this.activation.alpha);
    return this.y;
  }

  override backward(p: Pass, dx: number, gIsDz: boolean): void {
    const e = p.engine, g = this.geometry!;
    if (!gIsDz && this.activation.name !== 'linear') this.act.of(e.k).backward(this.g, this.g, this.z, this.y, p.rows * g.oh * g.ow, g.co, this.activation.alpha);
    depthwiseBackward(e, this.kernelPass(), dx, this.dKernel, this.useBias ? this.dBias : 0, this.x, this.g, this.kernel, p.rows);
  }

  override getConfig(): LayerConfig {
    const cfg = this.convConfig('depthwiseConv2d', { kernelSize: this.kernelSize, depthMultiplier: this.depthMultiplier, strides: this.strides, dilationRate: this.dilationRate });
    const { kernelInitializer, kernelRegularizer, ...rest } = cfg;
    return { ...rest, depthwiseInitializer: kernelInitializer, ...(kernelRegularizer ? { depthwiseRegularizer: kernelRegularizer } : {}) } as LayerConfig;
  }
}

/** A depthwise convolution, as Keras `DepthwiseConv2D` / TF.js `tf.layers.depthwiseConv2d`. */
export function depthwiseConv2d(options: DepthwiseConv2DOptions): DepthwiseConv2D {
  return new DepthwiseConv2D(options);
}

