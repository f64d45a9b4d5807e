// How dendrite layers and compile settings are spelled in a TF.js / Keras LayersModel (model.json).
// One table entry per layer type: adding a layer that both sides have is one entry in
// `layerMappings` (the convolution, pooling and reshaping layers are in tfjs-spatial.ts). Imported
// configs arrive with snake_case keys; each entry names the keys it reads, and the importer refuses
// any other non-null key (tfjs-values.ts checkOptions). Activations that TF.js has only as layers
// (LeakyReLU, ELU from Keras, with its alpha) are written as a linear layer followed by that layer,
// and fused back on import.
import type { ModelConfig } from './model-file.js';
import { spatialMappings } from './tfjs-spatial.js';
import {
  type LayerMapping, activationFromTfjs, initializerFromTfjs, initializerToTfjs, kernelFromTfjs, kernelToTfjs, lastAxis,
} from './tfjs-values.js';

export type { LayerMapping };

const NORM_KEYS = ['axis', 'epsilon', 'center', 'scale', 'beta_initializer', 'gamma_initializer'];

export const layerMappings: LayerMapping[] = [
  {
    type: 'dense',
    classNames: ['Dense'],
    keys: ['units', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer', 'bias_regularizer'],
    toTfjs: (c) => ({
      units: c.units,
      activation: 'linear', // set by the exporter (it may need an activation layer)
      use_bias: c.useBias,
      ...kernelToTfjs(c),
      dtype: 'float32',
    }),
    fromTfjs: (c) => ({ units: c.units, ...kernelFromTfjs(c) }),
  },
  {
    type: 'dropout',
    classNames: ['Dropout'],
    keys: ['rate', 'seed', 'noise_shape'],
    toTfjs: (c) => ({ rate: c.rate, noise_shape: c.noiseShape ?? null, seed: c.seed ?? null }),
    // noise_shape [null, 1, 1, null] is spatial dropout 2-D (how dendrite's goes out: TF.js has no
    // SpatialDropout2D); any other noise_shape is dropout's noiseShape, checked by the layer.
    fromTfjs: (c) => ({ ...noiseFromTfjs(c.noise_shape), rate: c.rate, ...(c.seed == null ? {} : { seed: c.seed }) }),
  },
  {
    type: 'batchNormalization',
    classNames: ['BatchNormalization'],
    // Keras 2 writes renorm settings and `fused` (an implementation choice) even when renorm is off.
    keys: [...NORM_KEYS, 'momentum', 'moving_mean_initializer', 'moving_variance_initializer', 'renorm_momentum', 'fused'],
    fixed: { renorm: [false], synchronized: [false] },
    inputCheck: (c) => lastAxis(c.axis, 'BatchNormalization'),
    toTfjs: (c) => ({
      axis: -1,
      momentum: c.momentum,
      epsilon: c.epsilon,
      center: c.center,
      scale: c.scale,
      beta_initializer: initializerToTfjs(c.betaInitializer),
      gamma_initializer: initializerToTfjs(c.gammaInitializer),
      moving_mean_initializer: initializerToTfjs(c.movingMeanInitializer),
      moving_variance_initializer: initializerToTfjs(c.movingVarianceInitializer),
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
    }),
    fromTfjs: (c) => ({
      ...normFromTfjs(c),
      momentum: c.momentum ?? 0.99,
      movingMeanInitializer: initializerFromTfjs(c.moving_mean_initializer, 'zeros'),
      movingVarianceInitializer: initializerFromTfjs(c.moving_variance_initializer, 'ones'),
    }),
  },
  {
    type: 'layerNormalization',
    classNames: ['LayerNormalization'],
    keys: NORM_KEYS,
    fixed: { rms_scaling: [false] },
    inputCheck: (c) => lastAxis(c.axis, 'LayerNormalization'),
    toTfjs: (c) => ({
      axis: -1,
      epsilon: c.epsilon,
      center: c.center,
      scale: c.scale,
      beta_initializer: initializerToTfjs(c.betaInitializer),
      gamma_initializer: initializerToTfjs(c.gammaInitializer),
      beta_regularizer: null,
      gamma_regularizer: null,
    }),
    fromTfjs: (c) => normFromTfjs(c),
  },
  {
    type: 'activation',
    classNames: ['Activation'],
    keys: ['activation'],
    toTfjs: () => ({}), // the activation string (or layer) is set by the exporter
    fromTfjs: (c) => ({ activation: activationFromTfjs(c.activation) }),
  },
  ...spatialMappings,
];

/** A Dropout's noise_shape as dendrite options: spatial dropout 2-D, or dropout's noiseShape. */
function noiseFromTfjs(noise: unknown): Record<string, unknown> {
  if (noise == null) return {};
  return JSON.stringify(noise) === '[null,1,1,null]' ? { type: 'spatialDropout2d' } : { noiseShape: noise };
}

/** What batch and layer normalisation share (the axis is checked by the importer: lastAxis). */
function normFromTfjs(c: Record<string, unknown>): Record<string, unknown> {
  return {
    epsilon: c.epsilon ?? 1e-3,
    center: c.center ?? true,
    scale: c.scale ?? true,
    betaInitializer: initializerFromTfjs(c.beta_initializer, 'zeros'),
    gammaInitializer: initializerFromTfjs(c.gamma_initializer, 'ones'),
  };
}

// ---- compile settings (model.json "trainingConfig") ---------------------------------------------

const lossesOut: Record<string, string> = {
  mse: 'mean_squared_error', mae: 'mean_absolute_error', bce: 'binary_crossentropy',
  cce: 'categorical_crossentropy', scce: 'sparse_categorical_crossentropy',
};
const metricsOut: Record<string, string> = {
  accuracy: 'accuracy', binaryAccuracy: 'binary_accuracy', categoricalAccuracy: 'categorical_accuracy',
  sparseCategoricalAccuracy: 'sparse_categorical_accuracy', mse: 'mse', mae: 'mae',
};

/** TF.js' trainingConfig for dendrite compile settings, or undefined when TF.js has no equivalent. */
export function trainingConfigToTfjs(compile: ModelConfig['compile']): Record<string, unknown> | undefined {
  if (!compile) return undefined;
  const { optimizer, loss, metrics } = compile;
  const loss2 = loss.fromLogits ? undefined : lossesOut[loss.kind];
  const metrics2 = metrics.map((m) => (typeof m === 'string' && Object.hasOwn(metricsOut, m) ? metricsOut[m] : undefined));
  const c = optimizer.config as Record<string, number | boolean>;
  const optimizerConfig =
    optimizer.name === 'sgd' && c.momentum === 0 ? { class_name: 'SGD', config: { learningRate: c.learningRate } }
    : optimizer.name === 'sgd' ? { class_name: 'Momentum', config: { learningRate: c.learningRate, momentum: c.momentum, useNesterov: c.nesterov } }
    : optimizer.name === 'adam' ? { class_name: 'Adam', config: { learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon } }
    : optimizer.name === 'rmsprop' ? { class_name: 'RMSProp', config: { learningRate: c.learningRate, decay: c.rho, momentum: c.momentum, epsilon: c.epsilon, centered: c.centered } }
    : optimizer.name === 'adagrad' ? { class_name: 'Adagrad', config: { learningRate: c.learningRate, initialAccumulatorValue: c.initialAccumulatorValue } }
    : undefined;
  if (!loss2 || !optimizerConfig || metrics2.includes(undefined as never)) return undefined;
  return { loss: loss2, metrics: metrics2, optimizer_config: optimizerConfig };
}

/** dendrite compile settings from TF.js' trainingConfig, or undefined when any part has no equivalent. */
export function trainingConfigFromTfjs(t: unknown): ModelConfig['compile'] | undefined {
  const tc = t as { loss?: unknown; metrics?: unknown; optimizer_config?: { class_name?: unknown; config?: Record<string, unknown> } } | null;
  if (typeof tc !== 'object' || tc === null || typeof tc.loss !== 'string') return undefined;
  const camel = (s: string) => s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  const kind = Object.entries(lossesOut).find(([, v]) => camel(v) === camel(tc.loss as string))?.[0];
  const metrics = Array.isArray(tc.metrics) ? tc.metrics.map((m) => (typeof m === 'string' ? Object.keys(metricsOut).find((k) => camel(metricsOut[k]) === camel(m) || k === m) : undefined)) : [];
  const c = tc.optimizer_config?.config ?? {};
  const optimizer =
    tc.optimizer_config?.class_name === 'SGD' ? { name: 'sgd', config: { learningRate: c.learningRate } }
    : tc.optimizer_config?.class_name === 'Momentum' ? { name: 'sgd', config: { learningRate: c.learningRate, momentum: c.momentum, nesterov: c.useNesterov ?? false } }
    : tc.optimizer_config?.class_name === 'Adam' ? { name: 'adam', config: { learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon } }
    : tc.optimizer_config?.class_name === 'RMSProp' ? { name: 'rmsprop', config: { learningRate: c.learningRate, rho: c.decay, momentum: c.momentum, epsilon: c.epsilon, centered: c.centered ?? false } }
    : tc.optimizer_config?.class_name === 'Adagrad' ? { name: 'adagrad', config: { learningRate: c.learningRate, initialAccumulatorValue: c.initialAccumulatorValue } }
    : undefined;
  if (!kind || !optimizer || metrics.includes(undefined)) return undefined;
  const defined = Object.fromEntries(Object.entries(optimizer.config).filter(([, v]) => v !== undefined && v !== null));
  return {
    optimizer: { name: optimizer.name, config: defined },
    loss: { name: camel(lossesOut[kind]), kind: kind as never, fromLogits: false, delta: 1 },
    metrics: metrics as string[],
  };
}
