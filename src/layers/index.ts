// Every layer type, and the one place that rebuilds a layer from its saved config (model files).
import { describe } from '../check.js';
import { ValueError } from '../errors.js';
import { ActivationLayer, activation } from './activation-layer.js';
import { Conv1D, conv1d } from './conv1d.js';
import { Conv2D, conv2d } from './conv2d.js';
import { DepthwiseConv2D, depthwiseConv2d } from './depthwise.js';
import { Dense, dense } from './dense.js';
import { Dropout, SpatialDropout, dropout, spatialDropout1d, spatialDropout2d } from './dropout.js';
import { Layer, type LayerConfig } from './layer.js';
import { BatchNormalization, LayerNormalization, batchNormalization, layerNormalization } from './normalization.js';
import {
  GlobalPooling2D, Pooling2D, averagePooling1d, averagePooling2d, globalAveragePooling1d, globalAveragePooling2d, globalMaxPooling1d, globalMaxPooling2d,
  maxPooling1d, maxPooling2d,
} from './pooling.js';
import { Flatten, Reshape, flatten, reshape } from './reshape.js';
import { UpSampling2D, ZeroPadding2D, upSampling2d, zeroPadding1d, zeroPadding2d } from './resample.js';
import { SeparableConv2D, separableConv2d } from './separable.js';

export { Layer, ActivationLayer, Dense, Dropout, BatchNormalization, LayerNormalization, Conv2D, Conv1D, DepthwiseConv2D, SeparableConv2D, Pooling2D, GlobalPooling2D, Flatten, Reshape };
export { activation, dense, dropout, batchNormalization, layerNormalization, conv2d, conv1d, depthwiseConv2d, separableConv2d, maxPooling2d, averagePooling2d, globalAveragePooling2d, globalMaxPooling2d, flatten, reshape };
export { maxPooling1d, averagePooling1d, globalAveragePooling1d, globalMaxPooling1d };
export { SpatialDropout, ZeroPadding2D, UpSampling2D, spatialDropout1d, spatialDropout2d, zeroPadding1d, zeroPadding2d, upSampling2d };

const builders: Record<string, (options: never) => Layer> = {
  dense,
  dropout,
  batchNormalization,
  layerNormalization,
  activation,
  conv2d,
  maxPooling2d,
  averagePooling2d,
  globalAveragePooling2d,
  globalMaxPooling2d,
  flatten,
  reshape,
  conv1d,
  depthwiseConv2d,
  separableConv2d,
  maxPooling1d,
  averagePooling1d,
  globalAveragePooling1d,
  globalMaxPooling1d,
  zeroPadding2d,
  zeroPadding1d,
  upSampling2d,
  spatialDropout1d,
  spatialDropout2d,
};

/** Config type names this version reads. */
export const layerTypes = Object.keys(builders);

/** Rebuild a layer from what its getConfig() returned (name included). */
export function layerFromConfig(config: LayerConfig): Layer {
  if (config === null || typeof config !== 'object') throw new ValueError(`a layer config must be an object, got ${describe(config)}`);
  const { type, ...options } = config;
  if (typeof type !== 'string' || !Object.hasOwn(builders, type)) {
    throw new ValueError(`unsupported layer type ${JSON.stringify(type)}; this version supports: ${layerTypes.join(', ')}`);
  }
  return builders[type](options as never);
}

/** True for anything made by dense(), dropout(), ... */
export function isLayer(value: unknown): value is Layer {
  return value instanceof Layer;
}
