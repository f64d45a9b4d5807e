// Optimizers: each is one per-element update rule, run by ONE kernel over the model's whole flat
// trainable region (params, grads and the optimizer's state slots share a layout). Defaults and
// update rules follow Keras 3, including the options every Keras optimizer takes: gradient
// clipping (clipNorm per weight tensor, globalClipNorm over all, clipValue per element; at most
// one), decoupled weightDecay (p −= p·lr·weightDecay before the update) and a learning-rate
// schedule in place of a number. One step: clip → decay → update → iterations + 1.
import { checkObject, float32Number, suggestion } from './check.js';
import type { Engine } from './engine/engine.js';
import { ValueError } from './errors.js';
import { type LearningRateSchedule, isSchedule, resolveSchedule } from './schedules.js';

export type OptimizerConfig = { name: string; config: Record<string, unknown> };

export interface Optimizer {
  readonly name: string;
  /** State vectors, each as long as the trainable parameters. */
  readonly slots: number;
  /** The learning rate of the next step (a schedule's value at `iterations`). Settable unless it is a schedule. */
  learningRate: number;
  /** Updates applied so far (Adam's t − 1; a schedule's step). */
  iterations: number;
  /** Values the state starts from (Adagrad's initial accumulator), per slot. */
  readonly initialState: number[];
  /**
   * One step over the n trainable parameters: clip the gradients (tensors = [gradPtr, count, ...]
   * per weight tensor, for clipNorm), decay, update. `state` holds one pointer per slot.
   */
  apply(engine: Engine, params: number, grads: number, state: number[], n: number, tensors?: ArrayLike<number>): void;
  getConfig(): OptimizerConfig;
}

/** Options every optimizer takes (Keras names, camelCase). */
export interface BaseOptimizerOptions {
  /** A number or a schedule (exponentialDecay(...), cosineDecay(...), ...). */
  learningRate?: number | LearningRateSchedule;
  /** Rescale each weight tensor's gradient to L2 norm ≤ clipNorm. */
  clipNorm?: number;
  /** Clip each gradient element to [−clipValue, clipValue]. */
  clipValue?: number;
  /** Rescale all gradients together to global L2 norm ≤ globalClipNorm. */
  globalClipNorm?: number;
  /** Decoupled weight decay: p −= p·learningRate·weightDecay before each update. */
  weightDecay?: number;
}

const BASE_KEYS = ['learningRate', 'clipNorm', 'clipValue', 'globalClipNorm', 'weightDecay'] as const satisfies readonly (keyof BaseOptimizerOptions)[];

/** The per-element rule of one optimizer, given the step's learning rate and t = iterations + 1. */
interface Rule {
  slots: number;
  initialState?: number[];
  /** Adam-style rules fuse the decay into their kernel; others get a weight_decay pass first. */
  fusedDecay?: boolean;
  /** f = [learning rate, decay (lr·weightDecay)]: in a typed array, so no number is boxed per step. */
  update(e: Engine, p: number, g: number, s: number[], n: number, t: number, f: Float64Array): void;
  config: Record<string, number | boolean>;
}

const positive = (v: unknown, what: string) => float32Number(v, what, Number.MIN_VALUE);
const unit = (v: unknown, what: string) => float32Number(v, what, 0, 1);
const eps = (v: unknown) => float32Number(v, 'epsilon', 0);
const flag = (v: unknown, what: string) => {
  if (typeof v !== 'boolean') throw new ValueError(`${what} must be true or false, got ${JSON.stringify(v)}`);
};

function makeOptimizer(name: string, o: BaseOptimizerOptions, defaultLr: number, rule: Rule): Optimizer {
  checkObject(o, `${name}()`, [...BASE_KEYS, ...Object.keys(rule.config)], false);
  const clipNorm = o.clipNorm === undefined ? undefined : positive(o.clipNorm, `${name} clipNorm`);
  const clipValue = o.clipValue === undefined ? undefined : positive(o.clipValue, `${name} clipValue`);
  const globalClipNorm = o.globalClipNorm === undefined ? undefined : positive(o.globalClipNorm, `${name} globalClipNorm`);
  const set = [clipNorm, clipValue, globalClipNorm].filter((v) => v !== undefined).length;
  if (set > 1) {
    throw new ValueError(`${name}: only one of clipNorm, clipValue and globalClipNorm can be set (Keras rule); got clipNorm ${clipNorm}, clipValue ${clipValue}, globalClipNorm ${globalClipNorm}`);
  }
  const weightDecay = float32Number(o.weightDecay ?? 0, `${name} weightDecay`, 0);
  const spec = o.learningRate ?? defaultLr;
  let schedule: LearningRateSchedule | undefined = isSchedule(spec) || (typeof spec === 'object' && spec !== null) ? resolveSchedule(spec) : undefined;
  let lr = schedule ? 0 : float32Number(spec, 'learningRate', 0);
  const scalars = new Float64Array(2);
  return {
    name,
    slots: rule.slots,
    initialState: rule.initialState ?? new Array(rule.slots).fill(0),
    iterations: 0,
    get learningRate(): number {
      return schedule ? schedule.at(this.iterations) : lr;
    },
    set learningRate(v: number) {
      if (schedule) {
        throw new ValueError(`${name} was given a learning-rate schedule (${schedule.name}), so its learningRate cannot be set (Keras rule); use a number to let callbacks change it`);
      }
      lr = float32Number(v, 'learningRate', 0);
    },
    apply(e, p, g, s, n, tensors) {
      const k = e.k;
      if (clipValue !== undefined) k.clip_f32(g, n, -clipValue, clipValue);
      else if (globalClipNorm !== undefined) {
        // tf.clip_by_global_norm: scale = clip·min(1/norm, 1/clip); a no-op below the threshold.
        const norm = Math.sqrt(k.sum_squares(g, n));
        if (norm > globalClipNorm) k.scale_f32(g, n, globalClipNorm / norm);
      } else if (clipNorm !== undefined) {
        if (!tensors) throw new Error('dendrite internal error: clipNorm needs the weight tensors');
        for (let i = 0; i < tensors.length; i += 2) k.clip_by_norm(tensors[i], tensors[i + 1], clipNorm);
      }
      const rate = schedule ? schedule.at(this.iterations) : lr;
      scalars[0] = rate;
      scalars[1] = weightDecay > 0 ? rate * weightDecay : 0;
      if (scalars[1] > 0 && !rule.fusedDecay) k.weight_decay(p, n, scalars[1]);
      rule.update(e, p, g, s, n, this.iterations + 1, scalars);
      this.iterations++;
    },
    getConfig() {
      const config: Record<string, unknown> = { learningRate: schedule ? { name: schedule.name, config: schedule.config } : lr, ...rule.config };
      if (weightDecay > 0 || name === 'adamw') config.weightDecay = weightDecay;
      if (clipNorm !== undefined) config.clipNorm = clipNorm;
      if (clipValue !== undefined) config.clipValue = clipValue;
      if (globalClipNorm !== undefined) config.globalClipNorm = globalClipNorm;
      return { name, config };
    },
  };
}

export interface SgdOptions extends BaseOptimizerOptions {
  /** Default 0. */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with optional (Nesterov) momentum. Default lr 0.01. Keras 3's form
 * m = μm − lr·g, w += m (Nesterov: w += μm − lr·g); torch.optim / TF.js keep b = μb + g and step
 * lr·b, the same for a constant rate.
 */
export function sgd({ momentum = 0, nesterov = false, ...base }: SgdOptions = {}): Optimizer {
  momentum = unit(momentum, 'sgd momentum');
  flag(nesterov, 'sgd nesterov');
  return makeOptimizer('sgd', base, 0.01, {
    slots: momentum > 0 ? 1 : 0,
    update: (e, p, g, s, n, _t, f) => e.k.sgd_update(p, g, s[0] ?? 0, n, f[0], momentum, nesterov ? 1 : 0),
    config: { momentum, nesterov },
  });
}

export interface AdamOptions extends BaseOptimizerOptions {
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba, https://arxiv.org/abs/1412.6980). Default lr 0.001, epsilon 1e-7. Epsilon as
 * Keras 3: w −= lr·√(1 − β2ᵗ)/(1 − β1ᵗ)·m/(√v + ε), i.e. added to √v before the bias correction;
 * torch.optim and TF.js add it to √v̂ after (their ε = ours/√(1 − β2ᵗ)). See docs/keras-conformance.md.
 */
export function adam(options: AdamOptions = {}): Optimizer {
  return adamFamily('adam', options);
}

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, https://arxiv.org/abs/1711.05101):
 * w −= w·lr·weightDecay, then the Adam step (epsilon as adam). Default weightDecay 0.004 (Keras 3;
 * torch.optim 0.01).
 */
export function adamw({ weightDecay = 0.004, ...options }: AdamOptions = {}): Optimizer {
  return adamFamily('adamw', { ...options, weightDecay: float32Number(weightDecay, 'adamw weightDecay', 0) });
}

function adamFamily(name: string, { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, ...base }: AdamOptions): Optimizer {
  const b1 = unit(beta1, `${name} beta1`);
  const b2 = unit(beta2, `${name} beta2`);
  const e = eps(epsilon);
  return makeOptimizer(name, base, 0.001, {
    slots: 2,
    fusedDecay: true,
    update(en, p, g, s, n, t, f) {
      // Bias corrections folded into the step size, as in the paper's Algorithm 1 (final form).
      const alpha = (f[0] * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      if (f[1] > 0) en.k.adamw_update(p, g, s[0], s[1], n, alpha, b1, b2, e, f[1]);
      else en.k.adam_update(p, g, s[0], s[1], n, alpha, b1, b2, e);
    },
    config: { beta1: b1, beta2: b2, epsilon: e },
  });
}

/**
 * Adamax, Adam with the infinity norm (Kingma & Ba §7.1). Default lr 0.001. Keras 3: u = max(β2u, |g|),
 * w −= lr/(1 − β1ᵗ)·m/(u + ε); torch.optim puts ε inside the max (|g| + ε).
 */
export function adamax({ beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, ...base }: AdamOptions = {}): Optimizer {
  const b1 = unit(beta1, 'adamax beta1');
  const b2 = unit(beta2, 'adamax beta2');
  const e = eps(epsilon);
  return makeOptimizer('adamax', base, 0.001, {
    slots: 2,
    update: (en, p, g, s, n, t, f) => en.k.adamax_update(p, g, s[0], s[1], n, f[0], b1, b2, e, 1 - b1 ** t),
    config: { beta1: b1, beta2: b2, epsilon: e },
  });
}

/**
 * Nadam, Adam with Nesterov momentum (Dozat 2016), Keras 3's schedule μ_t = β1(1 − ½·0.96^t) (torch.optim's
 * momentum_decay gives 0.96^(0.004·t)); ε added to √v̂. Default lr 0.001.
 */
export function nadam({ beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, ...base }: AdamOptions = {}): Optimizer {
  const b1 = unit(beta1, 'nadam beta1');
  const b2 = unit(beta2, 'nadam beta2');
  const e = eps(epsilon);
  const mu = (t: number) => b1 * (1 - 0.5 * 0.96 ** t);
  // [Π μ_1..μ_t, t], kept incrementally (recomputed if the step count was changed, e.g. by a
  // checkpoint); a typed array, as a double in a closure variable would be boxed anew each step.
  const product = new Float64Array([1, 0]);
  return makeOptimizer('nadam', base, 0.001, {
    slots: 2,
    update(en, p, g, s, n, t, f) {
      if (product[1] !== t - 1) {
        product[0] = 1;
        // Below 2^-60 the product no longer changes 1 − product·μ or 1 − product (the only ways it
        // is used), so the loop can stop there with bit-identical updates: a checkpoint may say 2^31 steps.
        for (let i = 1; i < t && product[0] >= 2 ** -60; i++) product[0] *= mu(i);
      }
      product[0] *= mu(t);
      product[1] = t;
      const u1 = mu(t + 1);
      en.k.nadam_update(p, g, s[0], s[1], n, f[0], b1, b2, e, u1, 1 - product[0] * u1, 1 - mu(t), 1 - product[0], 1 - b2 ** t);
    },
    config: { beta1: b1, beta2: b2, epsilon: e },
  });
}

export interface RmspropOptions extends BaseOptimizerOptions {
  /** Default 0.9. */
  rho?: number;
  /** Default 0. */
  momentum?: number;
  /** Default 1e-7. */
  epsilon?: number;
  /** Divide by the centred second moment. Default false. */
  centered?: boolean;
}

/**
 * RMSprop (Hinton, Lecture 6e). Default lr 0.001, rho 0.9. Epsilon as Keras 3 and TF.js, inside the
 * root: w −= lr·g/√(v + ε); torch.optim divides by √v + ε (and defaults alpha, our rho, to 0.99).
 */
export function rmsprop({ rho = 0.9, momentum = 0, epsilon = 1e-7, centered = false, ...base }: RmspropOptions = {}): Optimizer {
  rho = unit(rho, 'rmsprop rho');
  flag(centered, 'rmsprop centered');
  momentum = unit(momentum, 'rmsprop momentum');
  epsilon = eps(epsilon);
  return makeOptimizer('rmsprop', base, 0.001, {
    slots: 3,
    update: (e, p, g, s, n, _t, f) => e.k.rmsprop_update(p, g, s[0], s[1], s[2], n, f[0], rho, momentum, epsilon, centered ? 1 : 0),
    config: { rho, momentum, epsilon, centered },
  });
}

export interface AdagradOptions extends BaseOptimizerOptions {
  /** Default 0.1. */
  initialAccumulatorValue?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

/**
 * Adagrad (Duchi et al., https://jmlr.org/papers/v12/duchi11a.html). Default lr 0.001. Keras 3: the
 * accumulator starts at 0.1 and w −= lr·g/√(acc + ε); torch.optim starts at 0 and divides by √acc + ε.
 */
export function adagrad({ initialAccumulatorValue = 0.1, epsilon = 1e-7, ...base }: AdagradOptions = {}): Optimizer {
  const init = float32Number(initialAccumulatorValue, 'adagrad initialAccumulatorValue', 0);
  epsilon = eps(epsilon);
  return makeOptimizer('adagrad', base, 0.001, {
    slots: 1,
    initialState: [init],
    update: (e, p, g, s, n, _t, f) => e.k.adagrad_update(p, g, s[0], n, f[0], epsilon),
    config: { initialAccumulatorValue: init, epsilon },
  });
}

const constructors = { sgd, adam, adamw, adamax, nadam, rmsprop, adagrad } as const;
export type OptimizerName = keyof typeof constructors;
export const optimizerNames = Object.keys(constructors) as OptimizerName[];

/** An optimizer object, a name ('adam'), or a saved `{ name, config }`. */
export function resolveOptimizer(spec: unknown): Optimizer {
  if (typeof spec === 'object' && spec !== null && typeof (spec as Optimizer).apply === 'function') return spec as Optimizer;
  const name = typeof spec === 'string' ? spec.toLowerCase() : (spec as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || !Object.hasOwn(constructors, name)) {
    throw new ValueError(`unknown optimizer ${JSON.stringify(name ?? spec)}${suggestion(String(name), optimizerNames)}; expected one of: ${optimizerNames.join(', ')} (or an optimizer object)`);
  }
  if (typeof spec === 'object') checkObject(spec, `optimizer ${name}`, ['name', 'config']);
  const config = typeof spec === 'object' ? ((spec as { config?: object }).config ?? {}) : {};
  return (constructors[name as OptimizerName] as (c: object) => Optimizer)(config);
}
