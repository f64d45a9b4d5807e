// The TF.js / Keras spelling of dendrite's convolution, pooling and reshaping layers (issue 15):
// one mapping each, as tfjs-layers.ts does for the dense family. Both sides are channels last with
// the same weight layouts — kernel (kh, kw, in, out), depthwise_kernel (kh, kw, in, multiplier),
// pointwise_kernel (1, 1, in·multiplier, filters), bias — and names, so weights map one to one.
// TF.js writes window options as lists ([3, 3]; [3] for 1-D); Keras may write integers: both read.
import { ValueError } from '../errors.js';
import { CHANNELS_LAST, type LayerMapping, initializerFromTfjs, initializerToTfjs, kernelFromTfjs, kernelToTfjs, regularizerFromTfjs, regularizerToTfjs } from './tfjs-values.js';
import type { SavedLayer } from './model-file.js';
import { describe as shown } from './safetensors.js';

/** An integer-or-pair option as the pair dendrite's schema checks (a bad value is passed on for it to name). */
function pairOf(v: unknown): unknown {
  return typeof v === 'number' ? [v, v] : v;
}

/** A 1-D window option ([3] or 3) as the integer dendrite's schema checks. */
function singleOf(v: unknown): unknown {
  return Array.isArray(v) && v.length === 1 ? v[0] : v;
}

/** Keras' ZeroPadding2D padding (n, [rows, cols] or [[top, bottom], [left, right]]) as dendrite writes it: the last. */
function padding2dOf(v: unknown): unknown {
  if (typeof v === 'number') return [[v, v], [v, v]];
  if (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number')) return [[v[0], v[0]], [v[1], v[1]]];
  return v;
}

const PADDING = ['valid', 'same'];
const FORMAT = { data_format: CHANNELS_LAST };
// Keras 3 writes groups (grouped convolution) on every convolution; 1 is the ordinary one.
const CONV_FIXED = { ...FORMAT, padding: PADDING, groups: [1] };
const CONV_KEYS = ['activation', 'use_bias', 'bias_initializer', 'bias_regularizer', 'kernel_size', 'strides', 'dilation_rate'];

// Measured: TF.js 4.22's DepthwiseConv2D ignores dilation_rate (its output is the undilated
// convolution's) while Keras dilates, so a file with it has no single meaning.
const DEPTHWISE_DILATION = 'TF.js 4.22 ignores dilation_rate in DepthwiseConv2D (it computes the undilated convolution) while Keras applies it, so dendrite neither reads nor writes a dilated one';

/** The window options every 2-D convolution has. */
function window2dFromTfjs(c: Record<string, unknown>): Record<string, unknown> {
  return { kernelSize: pairOf(c.kernel_size), strides: pairOf(c.strides ?? 1), dilationRate: pairOf(c.dilation_rate ?? 1), padding: c.padding ?? 'valid' };
}

function window2dToTfjs(c: SavedLayer): Record<string, unknown> {
  return { kernel_size: c.kernelSize, strides: c.strides, padding: c.padding, data_format: 'channels_last', dilation_rate: c.dilationRate, activation: 'linear', use_bias: c.useBias };
}

function pooling(type: string, className: string, rank: 1 | 2): LayerMapping {
  const of = rank === 1 ? singleOf : pairOf;
  return {
    type,
    classNames: [className],
    keys: ['pool_size', 'strides'],
    fixed: { ...FORMAT, padding: PADDING },
    toTfjs: (c) => {
      const list = (v: unknown) => (rank === 1 ? [v] : v);
      return { pool_size: list(c.poolSize), padding: c.padding, strides: list(c.strides), ...(rank === 2 ? { data_format: 'channels_last' } : {}) };
    },
    // TF.js and Keras: strides null means the pool size.
    fromTfjs: (c) => ({ poolSize: of(c.pool_size ?? 2), strides: of(c.strides ?? c.pool_size ?? 2), padding: c.padding ?? 'valid' }),
  };
}

function globalPooling(type: string, className: string, rank: 1 | 2): LayerMapping {
  return {
    type,
    classNames: [className],
    keys: [],
    fixed: { ...FORMAT, keepdims: [false] }, // Keras 3's keepdims would keep [1, 1, c]
    toTfjs: () => (rank === 2 ? { data_format: 'channels_last' } : {}),
    fromTfjs: () => ({}),
  };
}

export const spatialMappings: LayerMapping[] = [
  {
    type: 'conv2d',
    classNames: ['Conv2D', 'Convolution2D'],
    keys: [...CONV_KEYS, 'filters', 'kernel_initializer', 'kernel_regularizer'],
    fixed: CONV_FIXED,
    toTfjs: (c) => ({ filters: c.filters, ...window2dToTfjs(c), ...kernelToTfjs(c) }),
    fromTfjs: (c) => ({ filters: c.filters, ...window2dFromTfjs(c), ...kernelFromTfjs(c) }),
  },
  {
    type: 'conv1d',
    classNames: ['Conv1D', 'Convolution1D'],
    keys: [...CONV_KEYS, 'filters', 'kernel_initializer', 'kernel_regularizer'],
    fixed: CONV_FIXED, // 'causal' padding is refused here
    toTfjs: (c) => ({
      filters: c.filters, kernel_size: [c.kernelSize], strides: [c.strides], padding: c.padding, dilation_rate: [c.dilationRate],
      activation: 'linear', use_bias: c.useBias, ...kernelToTfjs(c),
    }),
    fromTfjs: (c) => ({
      filters: c.filters, kernelSize: singleOf(c.kernel_size), strides: singleOf(c.strides ?? 1), dilationRate: singleOf(c.dilation_rate ?? 1),
      padding: c.padding ?? 'valid', ...kernelFromTfjs(c),
    }),
  },
  {
    type: 'depthwiseConv2d',
    classNames: ['DepthwiseConv2D'],
    keys: [...CONV_KEYS, 'depth_multiplier', 'depthwise_initializer', 'depthwise_regularizer'],
    fixed: CONV_FIXED,
    toTfjs: (c) => {
      if ((c.dilationRate as number[]).some((d) => d !== 1)) throw new ValueError(`layer "${c.name}" (depthwiseConv2d): ${DEPTHWISE_DILATION}`);
      return { ...window2dToTfjs(c), depth_multiplier: c.depthMultiplier, ...kernelToTfjs(c, 'depthwise') };
    },
    fromTfjs: (c) => {
      const d = pairOf(c.dilation_rate ?? 1);
      if (!Array.isArray(d) || d.some((v) => v !== 1)) throw new Error(`option dilation_rate ${shown(c.dilation_rate)} is not supported: ${DEPTHWISE_DILATION}`);
      return { ...window2dFromTfjs(c), depthMultiplier: c.depth_multiplier ?? 1, ...kernelFromTfjs(c, 'depthwise') };
    },
  },
  {
    type: 'separableConv2d',
    classNames: ['SeparableConv2D', 'SeparableConvolution2D'],
    keys: [...CONV_KEYS, 'filters', 'depth_multiplier', 'depthwise_initializer', 'depthwise_regularizer', 'pointwise_initializer', 'pointwise_regularizer'],
    fixed: CONV_FIXED,
    toTfjs: (c) => ({
      filters: c.filters, ...window2dToTfjs(c), depth_multiplier: c.depthMultiplier, ...kernelToTfjs(c, 'depthwise'),
      pointwise_initializer: initializerToTfjs(c.pointwiseInitializer), pointwise_regularizer: regularizerToTfjs(c.pointwiseRegularizer), pointwise_constraint: null,
    }),
    fromTfjs: (c) => ({
      // TF.js 4.22 leaves depth_multiplier out of the SeparableConv2D it saves: the importer then reads it from the weights.
      filters: c.filters, ...window2dFromTfjs(c), depthMultiplier: c.depth_multiplier, ...kernelFromTfjs(c, 'depthwise'),
      pointwiseInitializer: initializerFromTfjs(c.pointwise_initializer, 'glorotUniform'), pointwiseRegularizer: regularizerFromTfjs(c.pointwise_regularizer),
    }),
  },
  pooling('maxPooling2d', 'MaxPooling2D', 2),
  pooling('averagePooling2d', 'AveragePooling2D', 2),
  pooling('maxPooling1d', 'MaxPooling1D', 1),
  pooling('averagePooling1d', 'AveragePooling1D', 1),
  globalPooling('globalMaxPooling2d', 'GlobalMaxPooling2D', 2),
  globalPooling('globalAveragePooling2d', 'GlobalAveragePooling2D', 2),
  globalPooling('globalMaxPooling1d', 'GlobalMaxPooling1D', 1),
  globalPooling('globalAveragePooling1d', 'GlobalAveragePooling1D', 1),
  {
    type: 'flatten',
    classNames: ['Flatten'],
    keys: [],
    fixed: FORMAT, // channels_first would flatten in another order
    toTfjs: () => ({}),
    fromTfjs: () => ({}),
  },
  {
    type: 'zeroPadding2d',
    classNames: ['ZeroPadding2D'],
    keys: ['padding'],
    fixed: FORMAT,
    toTfjs: (c) => ({ padding: c.padding, data_format: 'channels_last' }),
    fromTfjs: (c) => ({ padding: padding2dOf(c.padding ?? 1) }),
  },
  {
    type: 'zeroPadding1d',
    classNames: ['ZeroPadding1D'], // Keras'; TF.js 4.22 has none
    keys: ['padding'],
    toTfjs: (c) => {
      throw new ValueError(`layer "${c.name}" (zeroPadding1d) has no TF.js equivalent: TF.js 4.22 has no ZeroPadding1D layer (Keras has)`);
    },
    fromTfjs: (c) => ({ padding: typeof c.padding === 'number' ? [c.padding, c.padding] : (c.padding ?? [1, 1]) }),
  },
  {
    type: 'upSampling2d',
    classNames: ['UpSampling2D'],
    // Bilinear reads with Keras 3's half-pixel centres; TF.js 4.22's layer aligns corners instead,
    // so a bilinear layer is not exported (docs/keras-conformance.md).
    keys: ['size', 'interpolation'],
    fixed: FORMAT,
    toTfjs: (c) => {
      if (c.interpolation !== 'nearest') throw new ValueError(`layer "${c.name}" (upSampling2d): TF.js 4.22's bilinear UpSampling2D computes without Keras' half-pixel centres; only nearest is exported`);
      return { size: c.size, data_format: 'channels_last', interpolation: 'nearest' };
    },
    fromTfjs: (c) => ({ size: pairOf(c.size ?? 2), interpolation: c.interpolation ?? 'nearest' }),
  },
  {
    type: 'spatialDropout1d',
    classNames: ['SpatialDropout1D'],
    keys: ['rate', 'seed'],
    toTfjs: (c) => ({ rate: c.rate, noise_shape: null, seed: c.seed ?? null }),
    fromTfjs: (c) => ({ rate: c.rate, ...(c.seed == null ? {} : { seed: c.seed }) }),
  },
  {
    type: 'spatialDropout2d',
    // TF.js 4.22 has no SpatialDropout2D: a Dropout whose noise shape is [batch, 1, 1, channels]
    // is the same layer (the mask is drawn per sample and channel), and reads back as this type.
    classNames: ['Dropout', 'SpatialDropout2D'],
    keys: ['rate', 'seed'],
    fixed: FORMAT,
    toTfjs: (c) => ({ rate: c.rate, noise_shape: [null, 1, 1, null], seed: c.seed ?? null }),
    fromTfjs: (c) => ({ rate: c.rate, ...(c.seed == null ? {} : { seed: c.seed }) }),
  },
  {
    type: 'reshape',
    classNames: ['Reshape'],
    keys: ['target_shape'],
    toTfjs: (c) => ({ target_shape: c.targetShape }),
    fromTfjs: (c) => {
      if (!Array.isArray(c.target_shape)) throw new Error(`target_shape must be a list of dimensions, got ${shown(c.target_shape)}`);
      return { targetShape: c.target_shape.map((d) => d ?? -1) }; // TF.js writes the inferred dimension (-1) as null
    },
  },
];
