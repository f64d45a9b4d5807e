// How dendrite layers, activations, initializers and compile settings are spelled in a TF.js /
// Keras LayersModel (model.json). One table entry per layer type: adding a layer that both sides
// have is one entry in `layerMappings`. Activations that TF.js has only as layers (LeakyReLU, ELU
// from Keras, with its alpha) are written as a linear Dense followed by that layer, and fused
// back into the Dense on import.
import type { ModelConfig, SavedLayer } from './model-file.js';

/** A layer in model.json: `{ class_name, config }`. */
export interface TfjsLayer {
  class_name: string;
  config: Record<string, unknown>;
}

/** One layer type known to both sides. */
export interface LayerMapping {
  /** dendrite's `type` in the layer config. */
  type: string;
  /** TF.js / Keras class names read as this type; the first is written. */
  classNames: string[];
  /** dendrite config → TF.js config (without name, batch_input_shape and activation layers). */
  toTfjs(c: SavedLayer): Record<string, unknown>;
  /** TF.js config → dendrite options (without type and name); throws an Error naming what is unsupported. */
  fromTfjs(c: Record<string, unknown>): Record<string, unknown>;
  /** Weight names, dendrite → TF.js, where they differ (dense's kernel and bias do not). */
  weightNames?: Record<string, string>;
}

export const layerMappings: LayerMapping[] = [
  {
    type: 'dense',
    classNames: ['Dense'],
    toTfjs: (c) => ({
      units: c.units,
      activation: 'linear', // set by the exporter (it may need an activation layer)
      use_bias: c.useBias,
      kernel_initializer: initializerToTfjs(c.kernelInitializer),
      bias_initializer: initializerToTfjs(c.biasInitializer),
      kernel_regularizer: regularizerToTfjs(c.kernelRegularizer),
      bias_regularizer: regularizerToTfjs(c.biasRegularizer),
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
      trainable: true,
      dtype: 'float32',
    }),
    fromTfjs: (c) => ({
      units: c.units,
      activation: activationFromTfjs(c.activation),
      useBias: c.use_bias ?? c.useBias ?? true,
      kernelInitializer: initializerFromTfjs(c.kernel_initializer ?? c.kernelInitializer, 'glorotUniform'),
      biasInitializer: initializerFromTfjs(c.bias_initializer ?? c.biasInitializer, 'zeros'),
      kernelRegularizer: regularizerFromTfjs(c.kernel_regularizer ?? c.kernelRegularizer),
      biasRegularizer: regularizerFromTfjs(c.bias_regularizer ?? c.biasRegularizer),
    }),
  },
  {
    type: 'dropout',
    classNames: ['Dropout'],
    toTfjs: (c) => ({ rate: c.rate, noise_shape: null, seed: null, trainable: true }),
    fromTfjs: (c) => {
      if (c.noise_shape != null || c.noiseShape != null) throw new Error('Dropout with a noise_shape is not supported');
      return { rate: c.rate };
    },
  },
  {
    type: 'batchNormalization',
    classNames: ['BatchNormalization'],
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
      trainable: true,
    }),
    fromTfjs: (c) => ({
      ...normFromTfjs(c),
      momentum: c.momentum ?? 0.99,
      movingMeanInitializer: initializerFromTfjs(c.moving_mean_initializer ?? c.movingMeanInitializer, 'zeros'),
      movingVarianceInitializer: initializerFromTfjs(c.moving_variance_initializer ?? c.movingVarianceInitializer, 'ones'),
    }),
  },
  {
    type: 'layerNormalization',
    classNames: ['LayerNormalization'],
    toTfjs: (c) => ({
      axis: -1,
      epsilon: c.epsilon,
      center: c.center,
      scale: c.scale,
      beta_initializer: initializerToTfjs(c.betaInitializer),
      gamma_initializer: initializerToTfjs(c.gammaInitializer),
      beta_regularizer: null,
      gamma_regularizer: null,
      trainable: true,
    }),
    fromTfjs: (c) => normFromTfjs(c),
  },
  {
    type: 'activation',
    classNames: ['Activation'],
    toTfjs: () => ({ trainable: true }), // the activation string (or layer) is set by the exporter
    fromTfjs: (c) => ({ activation: activationFromTfjs(c.activation) }),
  },
];

/** Inputs are (batch, features): the feature axis is -1 or 1, possibly as a one-element list. */
function featureAxis(axis: unknown, what: string): void {
  const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : (axis ?? -1);
  if (a !== -1 && a !== 1) throw new Error(`${what} over axis ${JSON.stringify(axis)} is not supported (only the feature axis, -1)`);
}

/** What batch and layer normalisation share. */
function normFromTfjs(c: Record<string, unknown>): Record<string, unknown> {
  featureAxis(c.axis, 'normalisation');
  return {
    epsilon: c.epsilon ?? 1e-3,
    center: c.center ?? true,
    scale: c.scale ?? true,
    betaInitializer: initializerFromTfjs(c.beta_initializer ?? c.betaInitializer, 'zeros'),
    gammaInitializer: initializerFromTfjs(c.gamma_initializer ?? c.gammaInitializer, 'ones'),
  };
}

// ---- activations ------------------------------------------------------------------------------

/** TF.js (camelCase) and Keras (snake_case) activation names → dendrite's. */
const activationsIn: Record<string, string | { name: string; alpha: number }> = {
  linear: 'linear',
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  elu: 'elu',
  selu: 'selu',
  softplus: 'softplus',
  gelu: 'gelu', // exact (erf) in TF.js and in Keras' default
  swish: 'swish',
  silu: 'silu',
  leaky_relu: { name: 'leakyRelu', alpha: 0.2 }, // Keras 3's activation function: negative_slope 0.2
};

/** dendrite activation names → the TF.js activation string, where one exists. */
const activationsOut: Record<string, string> = {
  linear: 'linear', relu: 'relu', elu: 'elu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', selu: 'selu',
  softplus: 'softplus', gelu: 'gelu', swish: 'swish', silu: 'swish',
};

export function activationFromTfjs(a: unknown): string | { name: string; alpha: number } {
  const name = a == null ? 'linear' : typeof a === 'string' ? a : (a as { class_name?: unknown }).class_name;
  if (typeof name === 'string' && Object.hasOwn(activationsIn, name)) return activationsIn[name];
  throw new Error(`activation ${JSON.stringify(name)} is not supported (supported: ${Object.keys(activationsIn).join(', ')})`);
}

/**
 * A dendrite activation as TF.js writes it: an activation string on the Dense, or — for leakyRelu,
 * which TF.js has only as a layer — 'linear' plus a LeakyReLU layer. (Keras' ELU layer takes any
 * alpha and is imported, but TF.js' supports only 1, so an elu with another alpha cannot go out.)
 */
export function activationToTfjs(spec: unknown): { activation: string; layer?: TfjsLayer } {
  const name = typeof spec === 'string' ? spec : (spec as { name: string }).name;
  const alpha = typeof spec === 'object' && spec !== null ? (spec as { alpha?: number }).alpha : undefined;
  if (name === 'leakyRelu') return { activation: 'linear', layer: { class_name: 'LeakyReLU', config: { alpha: alpha ?? 0.2 } } };
  if (name === 'elu' && alpha !== undefined && alpha !== 1) {
    throw new Error(`elu with alpha ${alpha} has no TF.js equivalent (its elu activation and ELU layer support only alpha 1)`);
  }
  return { activation: activationsOut[name] };
}

/**
 * An activation-only TF.js layer (LeakyReLU, ELU, ReLU, Softmax, Activation) as a dendrite
 * activation spec, to fuse into the linear Dense before it; undefined for other layers.
 */
export function activationLayerFromTfjs(layer: TfjsLayer): string | { name: string; alpha: number } | undefined {
  const c = layer.config;
  switch (layer.class_name) {
    case 'Activation':
      return activationFromTfjs(c.activation);
    case 'LeakyReLU': {
      const alpha = c.alpha ?? c.negative_slope ?? 0.3;
      return { name: 'leakyRelu', alpha: alpha as number };
    }
    case 'ELU':
      return { name: 'elu', alpha: (c.alpha ?? 1) as number };
    case 'ReLU':
      if (c.max_value != null || c.maxValue != null || (c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0) {
        throw new Error('ReLU with max_value, negative_slope or threshold is not supported');
      }
      return 'relu';
    case 'Softmax':
      featureAxis(c.axis, 'Softmax');
      return 'softmax';
    default:
      return undefined;
  }
}

// ---- initializers -------------------------------------------------------------------------------

const varianceScaling: Record<string, [number, string, string]> = {
  glorotUniform: [1, 'fan_avg', 'uniform'],
  glorotNormal: [1, 'fan_avg', 'normal'],
  heUniform: [2, 'fan_in', 'uniform'],
  heNormal: [2, 'fan_in', 'normal'],
  lecunUniform: [1, 'fan_in', 'uniform'],
  lecunNormal: [1, 'fan_in', 'normal'],
};
const simple: Record<string, string> = { zeros: 'Zeros', ones: 'Ones', constant: 'Constant', randomNormal: 'RandomNormal', randomUniform: 'RandomUniform' };

function initializerToTfjs(spec: unknown): TfjsLayer {
  const { name, config = {} } = spec as { name: string; config?: Record<string, number> };
  const vs = varianceScaling[name];
  if (vs) return { class_name: 'VarianceScaling', config: { scale: vs[0], mode: vs[1], distribution: vs[2], seed: null } };
  return { class_name: simple[name], config: name.startsWith('random') ? { ...config, seed: null } : { ...config } };
}

/**
 * An initializer from model.json. It never runs on imported weights (they are loaded, not drawn),
 * so one dendrite lacks becomes the layer's default rather than an error.
 */
function initializerFromTfjs(spec: unknown, fallback: string): { name: string; config: Record<string, number> } {
  const s = spec as { class_name?: unknown; config?: Record<string, unknown> } | null | undefined;
  const cls = typeof s?.class_name === 'string' ? s.class_name : '';
  const c = s?.config ?? {};
  if (cls === 'VarianceScaling') {
    const dist = c.distribution === 'truncated_normal' || c.distribution === 'untruncated_normal' ? 'normal' : c.distribution;
    const hit = Object.entries(varianceScaling).find(([, [scale, mode, d]]) => scale === c.scale && mode === c.mode && d === dist);
    return { name: hit?.[0] ?? fallback, config: {} };
  }
  const byClass = Object.entries({ ...simple, ...Object.fromEntries(Object.keys(varianceScaling).map((k) => [k, k[0].toUpperCase() + k.slice(1)])) });
  const hit = byClass.find(([, name]) => name === cls || name.replace('LeCun', 'Lecun') === cls || name.replace('Lecun', 'LeCun') === cls);
  if (!hit) return { name: fallback, config: {} };
  const keep = ['mean', 'stddev', 'minval', 'maxval', 'value'];
  const config = Object.fromEntries(Object.entries(c).filter(([k, v]) => keep.includes(k) && typeof v === 'number')) as Record<string, number>;
  return { name: hit[0], config };
}

// ---- regularizers -------------------------------------------------------------------------------

/** dendrite's { name, l1, l2 } as TF.js writes every l1 / l2 regularizer: L1L2. */
function regularizerToTfjs(r: unknown): TfjsLayer | null {
  if (r == null) return null;
  const { l1 = 0, l2 = 0 } = r as { l1?: number; l2?: number };
  return { class_name: 'L1L2', config: { l1, l2 } };
}

/** L1L2, L1 or L2 (Keras / TF.js) as dendrite's spec; another regularizer is an error naming it. */
function regularizerFromTfjs(r: unknown): { name: string; l1: number; l2: number } | undefined {
  if (r == null) return undefined;
  const { class_name: cls, config = {} } = r as { class_name?: unknown; config?: { l1?: unknown; l2?: unknown } };
  if (cls !== 'L1L2' && cls !== 'L1' && cls !== 'L2') throw new Error(`regularizer ${JSON.stringify(cls)} is not supported (supported: L1L2, L1, L2)`);
  const l1 = cls === 'L2' ? 0 : (config.l1 ?? 0.01);
  const l2 = cls === 'L1' ? 0 : (config.l2 ?? 0.01);
  if (typeof l1 !== 'number' || typeof l2 !== 'number') throw new Error(`regularizer ${cls} needs numbers l1, l2, got ${JSON.stringify(config)}`);
  return { name: l2 === 0 ? 'l1' : l1 === 0 ? 'l2' : 'l1l2', l1, l2 };
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
