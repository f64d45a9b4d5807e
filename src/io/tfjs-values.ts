// How TF.js / Keras spell the values inside a layer config (activations, initializers, regularizers,
// the kernel layers' shared options) and the checks every imported layer config goes through: keys
// read in snake_case (camelCase too), options dendrite lacks refused by name, axes read.
import type { SavedLayer } from './model-file.js';
import { describe as shown } from './safetensors.js';

/** A layer in model.json: `{ class_name, config }`. */
export interface TfjsLayer {
  class_name: string;
  config: Record<string, unknown>;
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
  throw new Error(`activation ${shown(name)} is not supported (supported: ${Object.keys(activationsIn).join(', ')})`);
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

/** What an imported layer config may hold besides the options its mapping reads. */
export interface OptionRules {
  /** snake_case keys read (any value; the reader checks it). */
  keys: readonly string[];
  /** Keys read only at these values (data_format: channels_last, padding: valid / same, ...). */
  fixed?: Readonly<Record<string, readonly unknown[]>>;
}

/** An activation-only layer: its option rules and the activation it stands for. */
interface ActivationLayerRule extends OptionRules {
  read(c: Record<string, unknown>): ActivationSpecOut;
}
type ActivationSpecOut = string | { name: string; alpha: number };

/** TF.js / Keras activation-only layers (Softmax's axis is resolved by the caller against the input's rank). */
const activationLayers: Record<string, ActivationLayerRule> = {
  Activation: { keys: ['activation'], read: (c) => activationFromTfjs(c.activation) },
  // TF.js' default alpha is 0.3; Keras 3 calls it negative_slope.
  LeakyReLU: { keys: ['alpha', 'negative_slope'], read: (c) => ({ name: 'leakyRelu', alpha: (c.alpha ?? c.negative_slope ?? 0.3) as number }) },
  ELU: { keys: ['alpha'], read: (c) => ({ name: 'elu', alpha: (c.alpha ?? 1) as number }) },
  ReLU: { keys: [], fixed: { max_value: [null], negative_slope: [0], threshold: [0] }, read: () => 'relu' },
  Softmax: { keys: ['axis'], read: () => 'softmax' },
};

/** Class names of the activation-only layers. */
export const activationLayerClasses = Object.keys(activationLayers);

/**
 * An activation-only TF.js layer (LeakyReLU, ELU, ReLU, Softmax, Activation) as a dendrite
 * activation spec, from its snake_case config; undefined for other layers.
 */
export function activationLayerFromTfjs(className: string, c: Record<string, unknown>): ActivationSpecOut | undefined {
  const rule = Object.hasOwn(activationLayers, className) ? activationLayers[className] : undefined;
  if (!rule) return undefined;
  checkOptions(c, rule);
  return rule.read(c);
}

// ---- option checks --------------------------------------------------------------------------------

/** Keys every layer config may hold: read by the importer itself (name, input shape, dtype, trainable). */
const COMMON_KEYS = ['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'input_shape'];

/** A config with its camelCase keys (TF.js' in-memory spelling) as snake_case; snake_case wins. */
export function snakeKeys(c: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    const snake = k.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
    if (snake === k || c[snake] === undefined) out[snake] = v;
  }
  return out;
}

/**
 * Refuse what dendrite would otherwise ignore: a key that is not read and not null (a constraint,
 * an activity regularizer, `groups: 2`), or a fixed option at another value (`channels_first`).
 */
export function checkOptions(c: Record<string, unknown>, rules: OptionRules): void {
  const fixed = rules.fixed ?? {};
  for (const [key, value] of Object.entries(c)) {
    if (value === null || value === undefined || COMMON_KEYS.includes(key) || rules.keys.includes(key)) continue;
    const name = shown(key).slice(1, -1); // a key from the file: escaped and cut short
    if (Object.hasOwn(fixed, key)) {
      if (fixed[key].includes(value)) continue;
      throw new Error(`option ${name} ${shown(value)} is not supported (dendrite supports ${fixed[key].map((v) => JSON.stringify(v)).join(' or ')})`);
    }
    const read = [...rules.keys, ...Object.keys(fixed)];
    throw new Error(`option ${name} (${shown(value)}) is not supported; dendrite reads ${read.length ? read.join(', ') : 'no options'} of this layer`);
  }
}

/** The channels-last layout: the only one dendrite computes in. */
export const CHANNELS_LAST = ['channels_last', 'channelsLast'] as const;

/** One layer type known to both sides. */
export interface LayerMapping extends OptionRules {
  /** dendrite's `type` in the layer config. */
  type: string;
  /** TF.js / Keras class names read as this type; the first is written. */
  classNames: string[];
  /** dendrite config → TF.js config (without name, batch_input_shape, trainable and activation layers). */
  toTfjs(c: SavedLayer): Record<string, unknown>;
  /** TF.js config (snake_case keys) → dendrite options (without type and name); throws an Error naming what is unsupported. */
  fromTfjs(c: Record<string, unknown>): Record<string, unknown>;
  /** Weight names, dendrite → TF.js, where they differ. */
  weightNames?: Record<string, string>;
  /**
   * What the config asks of the layer's input shape (one sample's), checked once the imported
   * model's shapes are known: returns the problem, or undefined. Errors thrown name the option.
   */
  inputCheck?(c: Record<string, unknown>): InputCheck | undefined;
}

/** A condition on one sample's input shape: returns what is wrong, or undefined. */
export type InputCheck = (shape: readonly number[]) => string | undefined;

/**
 * The axis a normalisation or softmax works over must be the last of its input: -1, or its
 * positive index as Keras writes it once built (3 for [n, h, w, c]); a one-element list is read too.
 */
export function lastAxis(axis: unknown, what: string): InputCheck {
  const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : (axis ?? -1);
  if (a !== -1 && !(Number.isSafeInteger(a) && (a as number) >= 1)) {
    throw new Error(`${what} over axis ${shown(axis)} is not supported (only the last axis, the features or channels: -1)`);
  }
  return (shape) => (a === -1 || a === shape.length ? undefined
    : `axis ${a} is not the last axis of its input (rank ${shape.length + 1} with the batch); dendrite supports only the last axis (features or channels)`);
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

export function initializerToTfjs(spec: unknown): TfjsLayer {
  const { name, config = {} } = spec as { name: string; config?: Record<string, number> };
  const vs = varianceScaling[name];
  if (vs) return { class_name: 'VarianceScaling', config: { scale: vs[0], mode: vs[1], distribution: vs[2], seed: null } };
  return { class_name: simple[name], config: name.startsWith('random') ? { ...config, seed: null } : { ...config } };
}

/**
 * An initializer from model.json. It never runs on imported weights (they are loaded, not drawn),
 * so one dendrite lacks becomes the layer's default rather than an error.
 */
export function initializerFromTfjs(spec: unknown, fallback: string): { name: string; config: Record<string, number> } {
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
export function regularizerToTfjs(r: unknown): TfjsLayer | null {
  if (r == null) return null;
  const { l1 = 0, l2 = 0 } = r as { l1?: number; l2?: number };
  return { class_name: 'L1L2', config: { l1, l2 } };
}

/** L1L2, L1 or L2 (Keras / TF.js) as dendrite's spec; another regularizer is an error naming it. */
export function regularizerFromTfjs(r: unknown): { name: string; l1: number; l2: number } | undefined {
  if (r == null) return undefined;
  const { class_name: cls, config = {} } = r as { class_name?: unknown; config?: { l1?: unknown; l2?: unknown } };
  if (cls !== 'L1L2' && cls !== 'L1' && cls !== 'L2') throw new Error(`regularizer ${shown(cls)} is not supported (supported: L1L2, L1, L2)`);
  const l1 = cls === 'L2' ? 0 : (config.l1 ?? 0.01);
  const l2 = cls === 'L1' ? 0 : (config.l2 ?? 0.01);
  if (typeof l1 !== 'number' || typeof l2 !== 'number') throw new Error(`regularizer ${cls} needs numbers l1, l2, got ${shown(config.l1)}, ${shown(config.l2)}`);
  return { name: l2 === 0 ? 'l1' : l1 === 0 ? 'l2' : 'l1l2', l1, l2 };
}

// ---- kernel layers --------------------------------------------------------------------------------

/** The kernel layers' shared TF.js options (dense, convolutions): initializers, regularizers, no constraints. */
export function kernelToTfjs(c: SavedLayer, kernel = 'kernel'): Record<string, unknown> {
  const camel = kernel.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  return {
    [`${kernel}_initializer`]: initializerToTfjs(c[`${camel}Initializer`]),
    bias_initializer: initializerToTfjs(c.biasInitializer),
    [`${kernel}_regularizer`]: regularizerToTfjs(c[`${camel}Regularizer`]),
    bias_regularizer: regularizerToTfjs(c.biasRegularizer),
    activity_regularizer: null,
    [`${kernel}_constraint`]: null,
    bias_constraint: null,
  };
}

/** The kernel layers' shared dendrite options from TF.js: activation, bias, initializers, regularizers. */
export function kernelFromTfjs(c: Record<string, unknown>, kernel = 'kernel'): Record<string, unknown> {
  const camel = kernel.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  return {
    activation: activationFromTfjs(c.activation),
    useBias: c.use_bias ?? true,
    [`${camel}Initializer`]: initializerFromTfjs(c[`${kernel}_initializer`], 'glorotUniform'),
    biasInitializer: initializerFromTfjs(c.bias_initializer, 'zeros'),
    [`${camel}Regularizer`]: regularizerFromTfjs(c[`${kernel}_regularizer`]),
    biasRegularizer: regularizerFromTfjs(c.bias_regularizer),
  };
}
