// 1-D convolution, as Keras `Conv1D`: x (n, steps, c) → y (n, steps', filters), kernel stored
// (k, c, filters) as Keras. It is the height-1 case of Conv2D (the same kernels and memory: a
// (1, k, c, filters) kernel has the same floats), with Keras' integer options.
import { positiveInt } from '../check.js';
import { type Geometry, conv1dGeometry } from '../engine/conv-plan.js';
import { ValueError } from '../errors.js';
import { Conv2D, type Conv2DOptions, type ConvSettings } from './conv2d.js';
import type { LayerConfig } from './layer.js';
import { checkRank, padding, single, unknown } from './spatial.js';

export interface Conv1DOptions extends Omit<Conv2DOptions, 'kernelSize' | 'strides' | 'dilationRate'> {
  /** Window length. */
  kernelSize: number;
  /** Default 1. */
  strides?: number;
  /** Default 1; > 1 only with strides 1. */
  dilationRate?: number;
}

function settings(o: Conv1DOptions): ConvSettings {
  if (o === null || typeof o !== 'object') throw new ValueError('conv1d() takes an options object, e.g. conv1d({ filters: 16, kernelSize: 3 })');
  return {
    filters: positiveInt(o.filters, 'conv1d filters'),
    kernelSize: [1, single(o.kernelSize, 'conv1d kernelSize')],
    strides: [1, single(o.strides, 'conv1d strides', 1)],
    padding: padding(o.padding, 'conv1d padding'),
    dilationRate: [1, single(o.dilationRate, 'conv1d dilationRate', 1)],
  };
}

export class Conv1D extends Conv2D {
  override readonly type = 'Conv1D';
  override readonly baseName = 'conv1d';

  constructor(options: Conv1DOptions) {
    super(options as unknown as Conv2DOptions, 'conv1d', settings(options));
  }

  override geometryFor(inputShape: readonly number[]): Geometry {
    checkRank(inputShape, 2, `${this.name || this.baseName} (${this.type})`);
    return conv1dGeometry(inputShape, { filters: this.filters, kernelSize: this.kernelSize[1], strides: this.strides[1], dilationRate: this.dilationRate[1], padding: this.padding });
  }

  override computeOutputShape(inputShape: number[]): number[] {
    if (unknown(inputShape)) return [0, this.filters];
    const g = this.geometryFor(inputShape);
    return [g.ow, g.co];
  }

  override kernelShape(inputShape: readonly number[]): number[] {
    return [this.kernelSize[1], this.channelsOf(inputShape), this.filters];
  }

  override getConfig(): LayerConfig {
    return this.convConfig('conv1d', { filters: this.filters, kernelSize: this.kernelSize[1], strides: this.strides[1], dilationRate: this.dilationRate[1] });
  }
}

/** A 1-D convolution over [steps, channels] samples, as Keras `Conv1D` / TF.js `tf.layers.conv1d`. */
export function conv1d(options: Conv1DOptions): Conv1D {
  return new Conv1D(options);
}
