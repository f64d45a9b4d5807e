// Activation names (Keras / TF.js spelling) mapped to the kernel pairs in assembly/activation.ts.
import type { ActivationBackward, ActivationForward, Kernels } from '../engine/kernels.js';
import { checkObject, float32Number } from '../check.js';
import { ValueError } from '../errors.js';

export type ActivationName =
  | 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'elu' | 'selu' | 'gelu' | 'swish' | 'silu' | 'softplus' | 'softmax';

/** An activation by name, or with its parameter: `{ name: 'leakyRelu', alpha: 0.1 }`. */
export type ActivationSpec = ActivationName | { name: ActivationName; alpha?: number };

export interface Activation {
  name: ActivationName;
  /** Base name of the kernel pair `<kernel>_forward` / `<kernel>_backward`; '' for linear. */
  kernel: string;
  alpha: number;
}

const table: Record<ActivationName, { kernel: string; alpha: number }> = {
  linear: { kernel: '', alpha: 0 },
  sigmoid: { kernel: 'sigmoid', alpha: 0 },
  tanh: { kernel: 'tanh', alpha: 0 },
  relu: { kernel: 'relu', alpha: 0 },
  // Keras 3's activation function leaky_relu: negative_slope 0.2 (its LeakyReLU layer, and TF.js',
  // default to 0.3: the TF.js import keeps the layer's value).
  leakyRelu: { kernel: 'leaky_relu', alpha: 0.2 },
  elu: { kernel: 'elu', alpha: 1 },
  selu: { kernel: 'selu', alpha: 0 },
  gelu: { kernel: 'gelu', alpha: 0 },
  swish: { kernel: 'swish', alpha: 0 },
  silu: { kernel: 'swish', alpha: 0 },
  softplus: { kernel: 'softplus', alpha: 0 },
  softmax: { kernel: 'softmax', alpha: 0 },
};

/** Largest alpha (leakyRelu's slope, elu's scale): beyond it one activation overflows float32 on ordinary inputs. */
export const MAX_ALPHA = 1e6;

/** Every accepted activation name. */
export const activationNames = Object.keys(table) as ActivationName[];

export function resolveActivation(spec: ActivationSpec | undefined | null): Activation {
  const name: unknown = spec == null ? 'linear' : typeof spec === 'string' ? spec : (spec as { name?: unknown }).name;
  const entry = typeof name === 'string' && Object.hasOwn(table, name) ? table[name as ActivationName] : undefined;
  if (!entry) {
    throw new ValueError(`unknown activation ${JSON.stringify(name)}; expected one of: ${activationNames.join(', ')}`);
  }
  let alpha = entry.alpha;
  if (typeof spec === 'object' && spec !== null) checkObject(spec, `activation ${name}`, ['name', 'alpha']);
  if (typeof spec === 'object' && spec !== null && spec.alpha !== undefined) {
    if (name !== 'leakyRelu' && name !== 'elu') throw new ValueError(`activation ${name} takes no alpha (only leakyRelu and elu do)`);
    alpha = float32Number(spec.alpha, `${name} alpha`, 0, MAX_ALPHA);
  }
  return { name: name as ActivationName, kernel: entry.kernel, alpha };
}

/**
 * Whether a layer ending in `a` (dense, convolutions) keeps its pre-activation z apart from its
 * output: linear needs no z, and ReLU is fused into the GEMM's epilogue and differentiated from y.
 */
export function keepsPreActivation(a: Activation): boolean {
  return a.name !== 'linear' && a.name !== 'relu';
}

/**
 * The config form saved in model files: the bare name unless alpha differs from the default.
 * leakyRelu always keeps its alpha: its default changed (0.3 → 0.2, Keras 3), and a bare name in
 * a file means the old default (see fileActivation).
 */
export function activationConfig(a: Activation): ActivationSpec {
  return a.alpha === table[a.name].alpha && a.name !== 'leakyRelu' ? a.name : { name: a.name, alpha: a.alpha };
}

/** The slope a bare 'leakyRelu' meant in model files written before the default became 0.2. */
export const LEGACY_LEAKY_RELU_ALPHA = 0.3;

/** An activation as read from a model file: a bare 'leakyRelu' there is an old file's, with 0.3. */
export function fileActivation(spec: unknown): unknown {
  return spec === 'leakyRelu' ? { name: 'leakyRelu', alpha: LEGACY_LEAKY_RELU_ALPHA } : spec;
}

/**
 * An activation's kernel pair, looked up in a kernel table once and kept: building the
 * `<kernel>_forward` name on every call would allocate a string per step.
 */
export class ActivationKernels {
  private table?: object;
  forward!: ActivationForward;
  backward!: ActivationBackward;

  constructor(private readonly activation: Activation) {}

  /** The pair from this table (refreshed if the engine's table changed). */
  of(k: Kernels): this {
    if (this.table !== k) {
      this.table = k;
      this.forward = k[`${this.activation.kernel}_forward`];
      this.backward = k[`${this.activation.kernel}_backward`];
    }
    return this;
  }
}
