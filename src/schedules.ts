// Learning-rate schedules (Keras 3 `keras.optimizers.schedules`): a function of the optimizer's
// step count (its `iterations` before the update, as Keras evaluates them), usable as the
// `learningRate` of every optimizer. Pure JS: one evaluation per step.
import { checkObject, float32Number as finiteNumber, positiveInt } from './check.js';
import { ValueError } from './errors.js';

export interface LearningRateSchedule {
  readonly name: 'exponentialDecay' | 'piecewiseConstantDecay' | 'polynomialDecay' | 'cosineDecay';
  /** Options as saved in model files. */
  readonly config: Record<string, number | boolean | number[]>;
  /** The learning rate at a step (0-based). */
  at(step: number): number;
}

export interface ExponentialDecayOptions {
  /** Learning rate at step 0. */
  initialLearningRate: number;
  /** Steps over which the rate is multiplied by decayRate once. */
  decaySteps: number;
  /** Factor per decaySteps. */
  decayRate: number;
  /** Decay in whole intervals (floor(step / decaySteps)). Default false. */
  staircase?: boolean;
}

/** initialLearningRate · decayRate^(step / decaySteps) (the exponent floored when staircase). */
export function exponentialDecay(o: ExponentialDecayOptions): LearningRateSchedule {
  checkObject(o, 'exponentialDecay()', ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'], false);
  const lr = finiteNumber(o?.initialLearningRate, 'exponentialDecay initialLearningRate', 0);
  const steps = positiveInt(o.decaySteps, 'exponentialDecay decaySteps');
  const rate = finiteNumber(o.decayRate, 'exponentialDecay decayRate', 0);
  const staircase = o.staircase ?? false;
  return {
    name: 'exponentialDecay',
    config: { initialLearningRate: lr, decaySteps: steps, decayRate: rate, staircase },
    at(step) {
      const p = step / steps;
      return lr * rate ** (staircase ? Math.floor(p) : p);
    },
  };
}

export interface PiecewiseConstantDecayOptions {
  /** Increasing step boundaries. */
  boundaries: number[];
  /** One more value than boundaries: values[0] up to and including boundaries[0], and so on. */
  values: number[];
}

/** values[i] for boundaries[i−1] < step ≤ boundaries[i] (Keras). */
export function piecewiseConstantDecay(o: PiecewiseConstantDecayOptions): LearningRateSchedule {
  checkObject(o, 'piecewiseConstantDecay()', ['boundaries', 'values'], false);
  const { boundaries, values } = o ?? ({} as PiecewiseConstantDecayOptions);
  if (!Array.isArray(boundaries) || !Array.isArray(values) || values.length !== boundaries.length + 1) {
    throw new ValueError(`piecewiseConstantDecay needs values with one more entry than boundaries, got ${values?.length} values and ${boundaries?.length} boundaries`);
  }
  boundaries.forEach((b, i) => {
    finiteNumber(b, `piecewiseConstantDecay boundaries[${i}]`);
    if (i > 0 && !(b > boundaries[i - 1])) throw new ValueError(`piecewiseConstantDecay boundaries must increase, got ${boundaries[i - 1]} then ${b}`);
  });
  values.forEach((v, i) => finiteNumber(v, `piecewiseConstantDecay values[${i}]`, 0));
  return {
    name: 'piecewiseConstantDecay',
    config: { boundaries: [...boundaries], values: [...values] },
    at(step) {
      let i = 0;
      while (i < boundaries.length && step > boundaries[i]) i++;
      return values[i];
    },
  };
}

export interface PolynomialDecayOptions {
  /** Learning rate at step 0. */
  initialLearningRate: number;
  /** Steps to reach endLearningRate. */
  decaySteps: number;
  /** Default 0.0001. */
  endLearningRate?: number;
  /** Default 1 (linear). */
  power?: number;
  /** Restart the decay every decaySteps (extending it to the next multiple). Default false. */
  cycle?: boolean;
}

/** (initial − end)·(1 − step/decaySteps)^power + end, step capped at decaySteps unless cycle. */
export function polynomialDecay(o: PolynomialDecayOptions): LearningRateSchedule {
  checkObject(o, 'polynomialDecay()', ['initialLearningRate', 'decaySteps', 'endLearningRate', 'power', 'cycle'], false);
  const lr = finiteNumber(o?.initialLearningRate, 'polynomialDecay initialLearningRate', 0);
  const steps = positiveInt(o.decaySteps, 'polynomialDecay decaySteps');
  const end = finiteNumber(o.endLearningRate ?? 0.0001, 'polynomialDecay endLearningRate', 0);
  const power = finiteNumber(o.power ?? 1, 'polynomialDecay power', 0);
  const cycle = o.cycle ?? false;
  return {
    name: 'polynomialDecay',
    config: { initialLearningRate: lr, decaySteps: steps, endLearningRate: end, power, cycle },
    at(step) {
      let s = step;
      let d = steps;
      if (cycle) d = steps * (s === 0 ? 1 : Math.ceil(s / steps));
      else s = Math.min(s, steps);
      return (lr - end) * (1 - s / d) ** power + end;
    },
  };
}

export interface CosineDecayOptions {
  /** Rate at step 0 (the start of the warmup, if any). */
  initialLearningRate: number;
  /** Steps of the cosine decay (after the warmup). */
  decaySteps: number;
  /** Floor of the decay as a fraction of its starting rate. Default 0. */
  alpha?: number;
  /** Rate reached at the end of a linear warmup; without it there is no warmup. */
  warmupTarget?: number;
  /** Steps of the linear warmup from initialLearningRate to warmupTarget. Default 0. */
  warmupSteps?: number;
}

/**
 * Cosine decay (Loshchilov & Hutter, https://arxiv.org/abs/1608.03983) with an optional linear
 * warmup, as Keras' CosineDecay: warmup to warmupTarget over warmupSteps, then
 * from · ((1 − alpha)·½(1 + cos(π·t/decaySteps)) + alpha), t capped at decaySteps.
 */
export function cosineDecay(o: CosineDecayOptions): LearningRateSchedule {
  checkObject(o, 'cosineDecay()', ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps'], false);
  const lr = finiteNumber(o?.initialLearningRate, 'cosineDecay initialLearningRate', 0);
  const steps = positiveInt(o.decaySteps, 'cosineDecay decaySteps');
  const alpha = finiteNumber(o.alpha ?? 0, 'cosineDecay alpha', 0, 1);
  const target = o.warmupTarget === undefined ? undefined : finiteNumber(o.warmupTarget, 'cosineDecay warmupTarget', 0);
  const warmup = o.warmupSteps === undefined ? 0 : finiteNumber(o.warmupSteps, 'cosineDecay warmupSteps', 0);
  const decay = (t: number, from: number) => from * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * t) / steps)) + alpha);
  const config: LearningRateSchedule['config'] = { initialLearningRate: lr, decaySteps: steps, alpha, warmupSteps: warmup };
  if (target !== undefined) config.warmupTarget = target;
  return {
    name: 'cosineDecay',
    config,
    at(step) {
      if (target === undefined) return decay(Math.min(step, steps), lr);
      const s = Math.min(step, steps + warmup);
      if (s < warmup) return (target - lr) * (s / warmup) + lr;
      return decay(s - warmup, target);
    },
  };
}

export const schedules = { exponentialDecay, piecewiseConstantDecay, polynomialDecay, cosineDecay };

export function isSchedule(v: unknown): v is LearningRateSchedule {
  return typeof v === 'object' && v !== null && typeof (v as LearningRateSchedule).at === 'function';
}

/** A schedule object or a saved { name, config }. */
export function resolveSchedule(spec: unknown): LearningRateSchedule {
  if (isSchedule(spec)) return spec;
  const { name, config } = checkObject(spec, 'learning-rate schedule', ['name', 'config'], false);
  if (typeof name !== 'string' || !Object.hasOwn(schedules, name)) {
    throw new ValueError(`unknown learning-rate schedule ${JSON.stringify(name)}; expected one of: ${Object.keys(schedules).join(', ')}`);
  }
  return (schedules[name as keyof typeof schedules] as (c: unknown) => LearningRateSchedule)(config ?? {});
}
