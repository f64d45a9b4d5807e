// Loss functions by Keras name. A loss resolves to a kernel in assembly/loss.ts; when the output
// layer's activation matches (softmax + categorical, sigmoid + binary) the model fuses the two into
// one stable kernel over the logits (log-sum-exp / softplus forms) instead of differentiating
// through probabilities.
import { ValueError } from './errors.js';
import { checkObject, float32Number, suggestion } from './check.js';

export type LossKind = 'mse' | 'mae' | 'huber' | 'bce' | 'cce' | 'scce';

export interface Loss {
  readonly name: string;
  readonly kind: LossKind;
  /** The model's output is logits, not probabilities (cross-entropies only). */
  readonly fromLogits: boolean;
  /** Huber's threshold. */
  readonly delta: number;
  /**
   * Cross-entropies (categorical and binary): targets are smoothed inside the loss as Keras does,
   * t' = t·(1 − s) + s/classes (categorical) or t·(1 − s) + s/2 (binary); metrics see t. 0 = off.
   */
  readonly labelSmoothing: number;
}

export type LossName =
  | 'meanSquaredError' | 'mse' | 'meanAbsoluteError' | 'mae' | 'huber'
  | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy';

export type LossSpec = LossName | Loss;

const byName: Record<LossName, LossKind> = {
  meanSquaredError: 'mse',
  mse: 'mse',
  meanAbsoluteError: 'mae',
  mae: 'mae',
  huber: 'huber',
  binaryCrossentropy: 'bce',
  categoricalCrossentropy: 'cce',
  sparseCategoricalCrossentropy: 'scce',
};

const canonical: Record<LossKind, string> = {
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  huber: 'huber',
  bce: 'binaryCrossentropy',
  cce: 'categoricalCrossentropy',
  scce: 'sparseCategoricalCrossentropy',
};

/** Every accepted loss name (Keras camelCase, plus snake_case and the mse/mae short forms). */
export const lossNames = Object.keys(byName) as LossName[];

function make(kind: LossKind, fromLogits: unknown = false, delta: unknown = 1, labelSmoothing: unknown = 0): Loss {
  const name = canonical[kind];
  if (typeof fromLogits !== 'boolean') throw new ValueError(`${name} fromLogits must be a boolean, got ${String(fromLogits)}`);
  const crossentropy = kind === 'bce' || kind === 'cce' || kind === 'scce';
  if (fromLogits && !crossentropy) throw new ValueError(`${name} takes no fromLogits (only the cross-entropies do)`);
  if (labelSmoothing !== 0 && kind !== 'bce' && kind !== 'cce') throw new ValueError(`${name} takes no labelSmoothing (only categoricalCrossentropy and binaryCrossentropy do)`);
  return {
    name, kind, fromLogits,
    delta: float32Number(delta, 'huber delta', Number.MIN_VALUE),
    labelSmoothing: float32Number(labelSmoothing, `${name} labelSmoothing`, 0, 1),
  };
}

type CrossentropyOptions = { fromLogits?: boolean; labelSmoothing?: number };

/** Loss constructors with options, as Keras' loss classes. */
export const losses = {
  meanSquaredError: (o?: Record<string, never>) => (checkObject(o, 'meanSquaredError options', []), make('mse')),
  meanAbsoluteError: (o?: Record<string, never>) => (checkObject(o, 'meanAbsoluteError options', []), make('mae')),
  huber: (o?: { delta?: number }) => make('huber', false, checkObject(o, 'huber options', ['delta']).delta ?? 1),
  binaryCrossentropy: (o?: CrossentropyOptions) => crossentropy('bce', o),
  categoricalCrossentropy: (o?: CrossentropyOptions) => crossentropy('cce', o),
  sparseCategoricalCrossentropy: (o?: { fromLogits?: boolean }) => make('scce', checkObject(o, 'sparseCategoricalCrossentropy options', ['fromLogits']).fromLogits ?? false),
};

function crossentropy(kind: 'bce' | 'cce', options: unknown): Loss {
  const o = checkObject(options, `${canonical[kind]} options`, ['fromLogits', 'labelSmoothing']);
  return make(kind, o.fromLogits ?? false, 1, o.labelSmoothing ?? 0);
}

export function resolveLoss(spec: unknown): Loss {
  if (typeof spec === 'object' && spec !== null && 'kind' in spec) {
    const loss = spec as Loss;
    if (!Object.hasOwn(canonical, loss.kind)) throw new ValueError(`unknown loss kind ${JSON.stringify(loss.kind)}`);
    return make(loss.kind, loss.fromLogits ?? false, loss.delta ?? 1, loss.labelSmoothing ?? 0);
  }
  const key = typeof spec === 'string' ? snakeToCamel(spec) : undefined;
  if (key === undefined || !Object.hasOwn(byName, key)) {
    const hint = typeof spec === 'string' ? suggestion(spec, lossNames) : '';
    throw new ValueError(`unknown loss ${JSON.stringify(spec)}${hint}; expected one of: ${lossNames.join(', ')} (or a losses.* object)`);
  }
  return make(byName[key as LossName]);
}

/** Keras also spells names in snake_case ('sparse_categorical_crossentropy'). */
export function snakeToCamel(s: string): string {
  return s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Categorical losses take class ids or one-hot rows; the others take dense targets. */
export const isCategorical = (loss: Loss) => loss.kind === 'cce' || loss.kind === 'scce';
