// Weight regularisers (Keras names and defaults): a penalty added to the loss and its gradient
// added to the weights' gradient, both by one kernel (l1l2_penalty in assembly/optim.ts) per
// regularised tensor per step. As in Keras the penalty is added once per batch to the batch's
// mean loss (it is not divided by the batch size), and it is part of the reported loss in fit and
// evaluate.
import { checkObject, float32Number } from './check.js';
import type { Engine } from './engine/engine.js';
import { ValueError } from './errors.js';

export interface Regularizer {
  readonly name: 'l1' | 'l2' | 'l1l2';
  readonly l1: number;
  readonly l2: number;
}

const make = (name: Regularizer['name'], l1: unknown, l2: unknown): Regularizer => ({
  name,
  l1: float32Number(l1, `${name} l1`, 0),
  l2: float32Number(l2, `${name} l2`, 0),
});

/** L1: l1·Σ|w|. Keras default l1 = 0.01. `l1(0.001)` (Keras' positional form) or `l1({ l1: 0.001 })`. */
export function l1(options: number | { /** Factor of Σ|w|. Default 0.01. */ l1?: number } = {}): Regularizer {
  return make('l1', typeof options === 'number' ? options : (checkObject(options, 'l1()', ['l1']).l1 ?? 0.01), 0);
}

/** L2: l2·Σw² (gradient 2·l2·w). Keras default l2 = 0.01. `l2(0.001)` (Keras' positional form) or `l2({ l2: 0.001 })`. */
export function l2(options: number | { /** Factor of Σw². Default 0.01. */ l2?: number } = {}): Regularizer {
  return make('l2', 0, typeof options === 'number' ? options : (checkObject(options, 'l2()', ['l2']).l2 ?? 0.01));
}

/** L1 + L2. Keras defaults both to 0 (TF.js to 0.01); dendrite follows Keras. */
export function l1l2(options: { /** Default 0. */ l1?: number; /** Default 0. */ l2?: number } = {}): Regularizer {
  const o = checkObject(options, 'l1l2()', ['l1', 'l2']);
  return make('l1l2', o.l1 ?? 0, o.l2 ?? 0);
}

export const regularizers = { l1, l2, l1l2 };

/** A regulariser object, a name ('l2', with Keras defaults), or a saved { name, l1, l2 }. */
export type RegularizerSpec = Regularizer | 'l1' | 'l2' | 'l1l2';

export function resolveRegularizer(spec: unknown, what: string): Regularizer | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (typeof spec === 'string' && Object.hasOwn(regularizers, spec)) return regularizers[spec as keyof typeof regularizers]();
  if (typeof spec === 'object') {
    const r = spec as Partial<Regularizer>;
    if (r.name === 'l1' || r.name === 'l2' || r.name === 'l1l2') {
      checkObject(spec, what, ['name', 'l1', 'l2']);
      return make(r.name, r.l1 ?? 0, r.l2 ?? 0);
    }
  }
  throw new ValueError(`${what} must be l1(...), l2(...), l1l2(...) or one of "l1", "l2", "l1l2", got ${JSON.stringify(spec)}`);
}

/** Penalty of n weights at `w`; with grad != 0 its gradient is added there. */
export function applyRegularizer(engine: Engine, r: Regularizer, w: number, grad: number, n: number): number {
  return engine.k.l1l2_penalty(grad, w, n, r.l1, r.l2);
}
