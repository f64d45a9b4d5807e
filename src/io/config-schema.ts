// The schema of a model file's config and checkpoint JSON: for every layer, initializer,
// regularizer, activation, optimizer, schedule, loss and metric, the keys it has, their types and
// ranges. A file is checked against it before any object is built, so a file that loads means what
// it says: a misspelt key ("activatiom") is refused with the closest valid name instead of loading
// a linear layer, `useBias: 1234` is refused instead of read as true, and a value nested 5,000 deep
// is refused by a bounded walk instead of overflowing the stack. Cross-field rules (minval ≤ maxval,
// piecewise boundaries) stay in the constructors, which run next. State tensors (moving variance,
// second moments) are checked against their ranges by checkStateTensors.
import { closest } from '../check.js';
import { ModelFileError } from '../errors.js';
import { activationNames, MAX_ALPHA } from '../layers/activations.js';
import { initializers } from '../initializers.js';
import { metricNames } from '../metrics.js';
import { optimizerNames } from '../optimizers.js';
import { schedules } from '../schedules.js';
import { describe as shown } from './safetensors.js';

/** Deepest nesting a config needs is 6 (compile.optimizer.config.learningRate.config.values[0]). */
export const MAX_CONFIG_DEPTH = 16;
/** Most layers a model file may list (loading is linear in it: ≈ 1 s per 100,000 layers). */
export const MAX_LAYERS = 100_000;

type Rule = (value: unknown, at: string) => void;
type Keys = Record<string, Rule>;

const F32_MAX = 3.4028234663852886e38;

function fail(at: string, expected: string, got: unknown): never {
  throw new ModelFileError(`${at} must be ${expected}, got ${shown(got)}`);
}

/** A number in [min, max] (open ends as asked) that stays finite in float32; `int` for counts. */
function num(min: number, max: number, o: { openMin?: boolean; openMax?: boolean; int?: boolean } = {}): Rule {
  const range = `${o.int ? 'an integer' : 'a number'} in ${o.openMin ? '(' : '['}${min}, ${max}${o.openMax ? ')' : ']'}`;
  return (v, at) => {
    const ok = typeof v === 'number' && Number.isFinite(v) && (o.openMin ? v > min : v >= min) && (o.openMax ? v < max : v <= max) && (!o.int || Number.isSafeInteger(v));
    if (!ok) fail(at, range, v);
  };
}

const finite = num(-F32_MAX, F32_MAX);
const nonNegative = num(0, F32_MAX);
const positive = num(0, F32_MAX, { openMin: true });
const fraction = num(0, 1);
const beta = num(0, 1, { openMax: true }); // 1 would divide by 1 − β^t = 0
const count = num(1, Number.MAX_SAFE_INTEGER, { int: true });
const bool: Rule = (v, at) => typeof v === 'boolean' || fail(at, 'true or false', v);
const text: Rule = (v, at) => (typeof v === 'string' && v !== '' && v.length <= 1024) || fail(at, 'a string of 1 to 1024 characters', v);
const oneOf = (names: readonly string[]): Rule => (v, at) => {
  if (typeof v === 'string' && names.includes(v)) return;
  const hint = typeof v === 'string' ? closest(v, names) : undefined;
  throw new ModelFileError(`${at} must be one of ${names.join(', ')}, got ${shown(v)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`);
};
const arrayOf = (rule: Rule, max: number): Rule => (v, at) => {
  if (!Array.isArray(v) || v.length > max) fail(at, `an array of at most ${max} entries`, v);
  v.forEach((x, i) => rule(x, `${at}[${i}]`));
};

/**
 * A JSON object with exactly these keys: `required` must be present, `optional` may be; an unknown
 * key is refused naming the closest valid one. `undefined` counts as absent (TF.js imports).
 */
function object(required: Keys, optional: Keys = {}): Rule {
  const valid = [...Object.keys(required), ...Object.keys(optional)];
  return (v, at) => {
    if (!isObject(v)) fail(at, 'an object', v);
    for (const key of Object.keys(v)) {
      if (v[key] === undefined || Object.hasOwn(required, key) || Object.hasOwn(optional, key)) continue;
      const hint = closest(key, valid);
      throw new ModelFileError(`${at} has an unknown key ${shown(key)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; valid keys: ${valid.join(', ') || '(none)'}`);
    }
    for (const [key, rule] of Object.entries(required)) {
      if (v[key] === undefined) throw new ModelFileError(`${at} lacks the key "${key}"`);
      rule(v[key], `${at}.${key}`);
    }
    for (const [key, rule] of Object.entries(optional)) if (v[key] !== undefined && v[key] !== null) rule(v[key], `${at}.${key}`);
  };
}

/** A rule chosen by the object's "name" (initializers, schedules, optimizers). */
function byName(names: readonly string[], rules: (name: string) => Rule): Rule {
  return (v, at) => {
    if (!isObject(v)) fail(at, 'an object { name, config }', v);
    oneOf(names)(v.name, `${at}.name`);
    rules(v.name as string)(v, at);
  };
}

const initializerConfig: Record<string, Keys> = {
  randomNormal: { mean: finite, stddev: nonNegative },
  randomUniform: { minval: finite, maxval: finite },
  constant: { value: finite },
};
const initializer = byName(Object.keys(initializers), (name) => object({ name: text, config: object({}, initializerConfig[name] ?? {}) }));

const activation: Rule = (v, at) => {
  if (typeof v === 'string') return oneOf(activationNames)(v, at);
  object({ name: oneOf(activationNames) }, { alpha: num(0, MAX_ALPHA) })(v, at);
};

const regularizer = object({ name: oneOf(['l1', 'l2', 'l1l2']) }, { l1: nonNegative, l2: nonNegative });

const common: Keys = { type: text, name: text };
// One sample's shape: [features], or up to 8 dimensions channels last ([28, 28, 1]); `trainable`
// (Keras' key; absent in files from before freezing existed: trainable).
const commonOptional: Keys = { inputShape: arrayOf(count, 8), trainable: bool };
const norm: Keys = { epsilon: positive, center: bool, scale: bool, betaInitializer: initializer, gammaInitializer: initializer };

/** Keys of each layer type, as its getConfig writes them. */
const layerKeys: Record<string, [Keys, Keys?]> = {
  dense: [{ units: count, activation, useBias: bool, kernelInitializer: initializer, biasInitializer: initializer }, { kernelRegularizer: regularizer, biasRegularizer: regularizer }],
  dropout: [{ rate: num(0, 1, { openMax: true }) }, { seed: num(0, Number.MAX_SAFE_INTEGER, { int: true }), noiseShape: arrayOf((v, at) => v === null || count(v, at), 9) }],
  batchNormalization: [{ ...norm, momentum: fraction, movingMeanInitializer: initializer, movingVarianceInitializer: initializer }],
  layerNormalization: [norm],
  activation: [{ activation }],
  ...spatialLayerKeys(),
};

/** The convolution, pooling and reshaping layers (issue 15), as their getConfig writes them. */
function spatialLayerKeys(): Record<string, [Keys, Keys?]> {
  const pair = (v: unknown, at: string) => (Array.isArray(v) && v.length === 2) ? arrayOf(count, 2)(v, at) : fail(at, 'a pair of positive integers', v);
  const padding = oneOf(['valid', 'same']);
  const kernel: Keys = { activation, useBias: bool, biasInitializer: initializer };
  const window2d: Keys = { kernelSize: pair, strides: pair, dilationRate: pair, padding };
  const pool2d: [Keys] = [{ poolSize: pair, strides: pair, padding }];
  const pool1d: [Keys] = [{ poolSize: count, strides: count, padding }];
  const dimension = (v: unknown, at: string) => (v === -1 ? undefined : count(v, at));
  const amounts = (v: unknown, at: string) => (Array.isArray(v) && v.length === 2 ? arrayOf(num(0, Number.MAX_SAFE_INTEGER, { int: true }), 2)(v, at) : fail(at, 'a pair of non-negative integers', v));
  const dropout: [Keys, Keys] = [{ rate: num(0, 1, { openMax: true }) }, { seed: num(0, Number.MAX_SAFE_INTEGER, { int: true }) }];
  return {
    conv2d: [{ ...kernel, ...window2d, filters: count, kernelInitializer: initializer }, { kernelRegularizer: regularizer, biasRegularizer: regularizer }],
    conv1d: [{ ...kernel, filters: count, kernelSize: count, strides: count, dilationRate: count, padding, kernelInitializer: initializer }, { kernelRegularizer: regularizer, biasRegularizer: regularizer }],
    depthwiseConv2d: [{ ...kernel, ...window2d, depthMultiplier: count, depthwiseInitializer: initializer }, { depthwiseRegularizer: regularizer, biasRegularizer: regularizer }],
    separableConv2d: [
      { ...kernel, ...window2d, filters: count, depthMultiplier: count, depthwiseInitializer: initializer, pointwiseInitializer: initializer },
      { depthwiseRegularizer: regularizer, pointwiseRegularizer: regularizer, biasRegularizer: regularizer },
    ],
    maxPooling2d: pool2d,
    averagePooling2d: pool2d,
    maxPooling1d: pool1d,
    averagePooling1d: pool1d,
    globalAveragePooling2d: [{}],
    globalMaxPooling2d: [{}],
    globalAveragePooling1d: [{}],
    globalMaxPooling1d: [{}],
    flatten: [{}],
    reshape: [{ targetShape: arrayOf(dimension, 8) }],
    zeroPadding2d: [{ padding: (v, at) => (Array.isArray(v) && v.length === 2 ? v.forEach((s, i) => amounts(s, `${at}[${i}]`)) : fail(at, '[[top, bottom], [left, right]]', v)) }],
    zeroPadding1d: [{ padding: amounts }],
    upSampling2d: [{ size: pair, interpolation: oneOf(['nearest', 'bilinear']) }],
    spatialDropout1d: dropout,
    spatialDropout2d: dropout,
  };
}

/** Check one layer's config, of a type the caller has checked; `at` names it (`layer "dense_1" (dense)`). */
export function checkLayerConfig(layer: Record<string, unknown>, at: string): void {
  const [required, optional] = layerKeys[layer.type as string];
  (layerRules[layer.type as string] ??= object({ ...common, ...required }, { ...commonOptional, ...optional }))(layer, at);
}
const layerRules: Record<string, Rule> = {};

const scheduleConfig: Record<string, [Keys, Keys?]> = {
  exponentialDecay: [{ initialLearningRate: nonNegative, decaySteps: count, decayRate: nonNegative }, { staircase: bool }],
  piecewiseConstantDecay: [{ boundaries: arrayOf(finite, 10_000), values: arrayOf(nonNegative, 10_001) }],
  polynomialDecay: [{ initialLearningRate: nonNegative, decaySteps: count }, { endLearningRate: nonNegative, power: nonNegative, cycle: bool }],
  cosineDecay: [{ initialLearningRate: nonNegative, decaySteps: count }, { alpha: fraction, warmupTarget: nonNegative, warmupSteps: nonNegative }],
};
const schedule = byName(Object.keys(schedules), (name) => object({ name: text, config: object(...scheduleConfig[name]) }));
const learningRate: Rule = (v, at) => (typeof v === 'number' ? nonNegative(v, at) : schedule(v, at));

const adamKeys: Keys = { beta1: beta, beta2: beta, epsilon: positive };
const optimizerKeys: Record<string, Keys> = {
  sgd: { momentum: fraction, nesterov: bool },
  adam: adamKeys,
  adamw: adamKeys,
  adamax: adamKeys,
  nadam: adamKeys,
  rmsprop: { rho: fraction, momentum: fraction, epsilon: positive, centered: bool },
  adagrad: { initialAccumulatorValue: nonNegative, epsilon: positive },
};
const baseOptimizer: Keys = { weightDecay: nonNegative, clipNorm: positive, clipValue: positive, globalClipNorm: positive };
const optimizer = byName(optimizerNames, (name) =>
  object({ name: text, config: object({ learningRate }, { ...baseOptimizer, ...optimizerKeys[name] }) }));

const metric: Rule = (v, at) => {
  if (typeof v === 'string') return text(v, at); // names (also snake_case) are resolved by resolveMetric
  object({ name: text }, {
    k: count, threshold: num(0, 1, { openMin: true, openMax: true }), numThresholds: num(3, 1_000_000, { int: true }),
    curve: oneOf(['ROC', 'PR']), key: text,
  })(v, at);
};

const loss = object({ name: text, kind: oneOf(['mse', 'mae', 'huber', 'bce', 'cce', 'scce']), fromLogits: bool, delta: positive }, { labelSmoothing: fraction });

const compile = object({ optimizer, loss, metrics: arrayOf(metric, metricNames.length * 4) });

/** The model config's own keys; layers are checked one by one (with their names) by the caller. */
export const checkModelKeys = object(
  { inputShape: arrayOf(count, 8), layers: (v, at) => (Array.isArray(v) && v.length <= MAX_LAYERS) || fail(at, `an array of at most ${MAX_LAYERS} layers`, v) },
  { name: text, trainable: bool, compile },
);

const u64 = (v: unknown, at: string) => (typeof v === 'string' && /^[0-9]{1,20}$/.test(v) && BigInt(v) < 1n << 64n) || fail(at, 'a decimal string of a 64-bit unsigned integer', v);

/** The checkpoint JSON: iterations bounded so that an optimizer's per-step bookkeeping stays cheap. */
export const checkCheckpointKeys = object({
  iterations: num(0, 2 ** 31, { int: true }),
  epochsTrained: num(0, 2 ** 31, { int: true }),
  seed: u64,
  counter: u64,
});

/**
 * Refuse a JSON value nested deeper than `limit`, walking with an explicit stack (recursion is
 * what a deep value would break). Call before any other code sees the value.
 */
export function checkDepth(value: unknown, what: string, limit = MAX_CONFIG_DEPTH): void {
  const stack: unknown[] = typeof value === 'object' && value !== null ? [value] : [];
  const depths = [0];
  while (stack.length) {
    const v = stack.pop() as Record<string, unknown>;
    const depth = depths.pop()!;
    if (depth >= limit) throw new ModelFileError(`${what} nests values more than ${limit} levels deep`);
    for (const k in v) {
      if (typeof v[k] === 'object' && v[k] !== null) stack.push(v[k]), depths.push(depth + 1);
    }
  }
}

/** Largest trainable weight magnitude: √(float32 max), so that its square stays finite. */
export const MAX_WEIGHT = 2 ** 64;

/** State tensors with a valid range: which optimizer slots must be ≥ 0 (second moments, accumulators). */
const nonNegativeSlots: Record<string, number[]> = { adam: [1], adamw: [1], adamax: [1], nadam: [1], rmsprop: [0], adagrad: [0] };

/**
 * Check saved state against its range before it is loaded: trainable weights within ±2^64,
 * batch-norm moving variances ≥ 0, the
 * optimizer's second moments and accumulators ≥ 0, centred RMSprop's mean square ≥ its squared
 * mean, and every optimizer value finite (weights are checked by setWeights).
 */
export function checkStateTensors(
  layers: readonly { type: string; name: string; [key: string]: unknown }[],
  trainable: readonly string[],
  optimizerName: string | undefined,
  optimizerConfig: Record<string, unknown> | undefined,
  tensor: (key: string) => Float32Array | undefined,
): void {
  const inRange = (key: string, ok: (v: number) => boolean, expected: string) => {
    const data = tensor(key) ?? [];
    const i = data.findIndex((v) => !ok(v));
    if (i >= 0) throw new ModelFileError(`tensor "${key}" holds ${data[i]} at ${i}; expected ${expected}`);
  };
  // √(float32 max): a bigger weight's square (second moments, penalties, norms) overflows.
  for (const key of trainable) inRange(key, (v) => Math.abs(v) <= MAX_WEIGHT, 'a trainable weight within ±2^64');
  for (const l of layers) {
    if (l.type === 'dense' || l.type === 'conv2d' || l.type === 'conv1d') for (const w of ['kernel', 'bias']) checkPenalty(l, w, tensor(`${l.name}/${w}`));
    if (l.type === 'depthwiseConv2d' || l.type === 'separableConv2d') {
      for (const w of ['depthwise', 'pointwise']) checkPenalty(l, w, tensor(`${l.name}/${w}_kernel`));
      checkPenalty(l, 'bias', tensor(`${l.name}/bias`));
    }
    if (l.type === 'batchNormalization') inRange(`${l.name}/moving_variance`, (v) => v >= 0, 'a variance ≥ 0');
  }
  if (optimizerName === undefined) return;
  for (let s = 0; tensor(`optimizer/${s}`); s++) {
    const positive = nonNegativeSlots[optimizerName]?.includes(s);
    inRange(`optimizer/${s}`, (v) => (positive ? v >= 0 : v > -Infinity) && v < Infinity, `a finite ${optimizerName} state${positive ? ' ≥ 0' : ''}`);
  }
  if (optimizerName === 'rmsprop' && optimizerConfig?.centered === true) {
    const [ms, mg] = [tensor('optimizer/0'), tensor('optimizer/2')];
    const eps = Number(optimizerConfig.epsilon ?? 1e-7);
    const i = ms && mg ? ms.findIndex((v, j) => !(v - mg[j] * mg[j] + eps > 0)) : -1;
    if (i >= 0) throw new ModelFileError(`centred rmsprop state at ${i}: mean square ${ms![i]} is below the squared mean ${mg![i] * mg![i]}`);
  }
}

/** A regulariser whose penalty or gradient at the saved weights is beyond float32 would fail the first step. */
function checkPenalty(layer: Record<string, unknown>, weight: string, w: Float32Array | undefined): void {
  const { l1 = 0, l2 = 0 } = (layer[`${weight}Regularizer`] ?? {}) as { l1?: number; l2?: number };
  let penalty = 0;
  let gradient = 0;
  for (const v of w ?? []) {
    penalty += l1 * Math.abs(v) + l2 * v * v;
    gradient = Math.max(gradient, l1 + 2 * l2 * Math.abs(v));
  }
  if (!(penalty < F32_MAX && gradient < F32_MAX)) {
    throw new ModelFileError(`layer ${shown(layer.name)} ${weight}Regularizer (l1 ${l1}, l2 ${l2}) overflows float32 on the saved ${weight}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
