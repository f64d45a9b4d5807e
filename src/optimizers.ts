// Optimizers: each is one per-element update rule, run by ONE kernel over the model's whole flat
// parameter region (params, grads and the optimizer's state slots share a layout). Defaults and
// update rules follow Keras 3.
import { finiteNumber } from './check.js';
import type { Engine } from './engine/engine.js';
import { ValueError } from './errors.js';

export interface Optimizer {
  readonly name: string;
  /** State vectors, each as long as the parameters. */
  readonly slots: number;
  learningRate: number;
  /** Updates applied so far (Adam's t). */
  iterations: number;
  /** Values the state starts from (Adagrad's initial accumulator), per slot. */
  readonly initialState: number[];
  /** Apply one step over n parameters. `state` holds one pointer per slot. */
  apply(engine: Engine, params: number, grads: number, state: number[], n: number): void;
  getConfig(): { name: string; config: Record<string, number | boolean> };
}

const lr = (v: unknown) => finiteNumber(v, 'learningRate', 0);
const unit = (v: unknown, what: string) => finiteNumber(v, what, 0, 1);
const eps = (v: unknown) => finiteNumber(v, 'epsilon', 0);

/** Stochastic gradient descent with optional (Nesterov) momentum. Default lr 0.01. */
export function sgd({ learningRate = 0.01, momentum = 0, nesterov = false } = {}): Optimizer {
  momentum = unit(momentum, 'sgd momentum');
  return {
    name: 'sgd',
    slots: momentum > 0 ? 1 : 0,
    initialState: [0],
    learningRate: lr(learningRate),
    iterations: 0,
    apply(e, p, g, s, n) {
      e.k.sgd_update(p, g, s[0] ?? 0, n, this.learningRate, momentum, nesterov ? 1 : 0);
      this.iterations++;
    },
    getConfig() {
      return { name: 'sgd', config: { learningRate: this.learningRate, momentum, nesterov } };
    },
  };
}

interface AdamOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam (Kingma & Ba, https://arxiv.org/abs/1412.6980). Default lr 0.001. */
export function adam(options: AdamOptions = {}): Optimizer {
  return adamFamily('adam', options, 0);
}

/** AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, https://arxiv.org/abs/1711.05101). Default weightDecay 0.004. */
export function adamw({ weightDecay = 0.004, ...options }: AdamOptions & { weightDecay?: number } = {}): Optimizer {
  return adamFamily('adamw', options, finiteNumber(weightDecay, 'adamw weightDecay', 0));
}

function adamFamily(name: string, o: AdamOptions, weightDecay: number): Optimizer {
  const beta1 = unit(o.beta1 ?? 0.9, `${name} beta1`);
  const beta2 = unit(o.beta2 ?? 0.999, `${name} beta2`);
  const epsilon = eps(o.epsilon ?? 1e-7);
  return {
    name,
    slots: 2,
    initialState: [0, 0],
    learningRate: lr(o.learningRate ?? 0.001),
    iterations: 0,
    apply(e, p, g, s, n) {
      const t = ++this.iterations;
      // Bias corrections folded into the step size, as in the paper's Algorithm 1 (final form).
      const alpha = (this.learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      if (weightDecay > 0) e.k.adamw_update(p, g, s[0], s[1], n, alpha, beta1, beta2, epsilon, this.learningRate * weightDecay);
      else e.k.adam_update(p, g, s[0], s[1], n, alpha, beta1, beta2, epsilon);
    },
    getConfig() {
      const config: Record<string, number> = { learningRate: this.learningRate, beta1, beta2, epsilon };
      if (name === 'adamw') config.weightDecay = weightDecay;
      return { name, config };
    },
  };
}

/** RMSprop (Hinton, Lecture 6e). Default lr 0.001, rho 0.9. */
export function rmsprop({ learningRate = 0.001, rho = 0.9, momentum = 0, epsilon = 1e-7, centered = false } = {}): Optimizer {
  rho = unit(rho, 'rmsprop rho');
  momentum = unit(momentum, 'rmsprop momentum');
  epsilon = eps(epsilon);
  return {
    name: 'rmsprop',
    slots: 3,
    initialState: [0, 0, 0],
    learningRate: lr(learningRate),
    iterations: 0,
    apply(e, p, g, s, n) {
      e.k.rmsprop_update(p, g, s[0], s[1], s[2], n, this.learningRate, rho, momentum, epsilon, centered ? 1 : 0);
      this.iterations++;
    },
    getConfig() {
      return { name: 'rmsprop', config: { learningRate: this.learningRate, rho, momentum, epsilon, centered } };
    },
  };
}

/** Adagrad (Duchi et al., https://jmlr.org/papers/v12/duchi11a.html). Default lr 0.001. */
export function adagrad({ learningRate = 0.001, initialAccumulatorValue = 0.1, epsilon = 1e-7 } = {}): Optimizer {
  const init = finiteNumber(initialAccumulatorValue, 'adagrad initialAccumulatorValue', 0);
  epsilon = eps(epsilon);
  return {
    name: 'adagrad',
    slots: 1,
    initialState: [init],
    learningRate: lr(learningRate),
    iterations: 0,
    apply(e, p, g, s, n) {
      e.k.adagrad_update(p, g, s[0], n, this.learningRate, epsilon);
      this.iterations++;
    },
    getConfig() {
      return { name: 'adagrad', config: { learningRate: this.learningRate, initialAccumulatorValue: init, epsilon } };
    },
  };
}

const constructors = { sgd, adam, adamw, rmsprop, adagrad } as const;
export type OptimizerName = keyof typeof constructors;
export const optimizerNames = Object.keys(constructors) as OptimizerName[];

/** An optimizer object, a name ('adam'), or a saved `{ name, config }`. */
export function resolveOptimizer(spec: unknown): Optimizer {
  if (typeof spec === 'object' && spec !== null && typeof (spec as Optimizer).apply === 'function') return spec as Optimizer;
  const name = typeof spec === 'string' ? spec.toLowerCase() : (spec as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || !Object.hasOwn(constructors, name)) {
    throw new ValueError(`unknown optimizer ${JSON.stringify(name ?? spec)}; expected one of: ${optimizerNames.join(', ')} (or an optimizer object)`);
  }
  const config = typeof spec === 'object' ? ((spec as { config?: object }).config ?? {}) : {};
  return (constructors[name as OptimizerName] as (c: object) => Optimizer)(config);
}
