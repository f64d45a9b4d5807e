// Loss functions by Keras name. A loss resolves to a kernel in assembly/loss.ts; when the output
// layer's activation matches (softmax + categorical, sigmoid + binary) the model fuses the two into
// one stable kernel over the logits (log-sum-exp / softplus forms) instead of differentiating
// through probabilities.
import { ValueError } from './errors.js';
import { finiteNumber } from './check.js';

export type LossKind = 'mse' | 'mae' | 'huber' | 'bce' | 'cce' | 'scce';

export interface Loss {
  readonly name: string;
  readonly kind: LossKind;
  /** The model's output is logits, not probabilities (cross-entropies only). */
  readonly fromLogits: boolean;
  /** Huber's threshold. */
  readonly delta: number;
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

function make(kind: LossKind, fromLogits = false, delta = 1): Loss {
  return { name: canonical[kind], kind, fromLogits, delta };
}

type FromLogits = { fromLogits?: boolean };

/** Loss constructors with options, as Keras' loss classes. */
export const losses = {
  meanSquaredError: () => make('mse'),
  meanAbsoluteError: () => make('mae'),
  huber: ({ delta = 1 }: { delta?: number } = {}) => make('huber', false, finiteNumber(delta, 'huber delta', Number.MIN_VALUE)),
  binaryCrossentropy: ({ fromLogits = false }: FromLogits = {}) => make('bce', fromLogits),
  categoricalCrossentropy: ({ fromLogits = false }: FromLogits = {}) => make('cce', fromLogits),
  sparseCategoricalCrossentropy: ({ fromLogits = false }: FromLogits = {}) => make('scce', fromLogits),
};

export function resolveLoss(spec: unknown): Loss {
  if (typeof spec === 'object' && spec !== null && 'kind' in spec) {
    const loss = spec as Loss;
    if (!Object.hasOwn(canonical, loss.kind)) throw new ValueError(`unknown loss kind ${JSON.stringify(loss.kind)}`);
    return make(loss.kind, !!loss.fromLogits, loss.delta ?? 1);
  }
  const key = typeof spec === 'string' ? snakeToCamel(spec) : undefined;
  if (key === undefined || !Object.hasOwn(byName, key)) {
    throw new ValueError(`unknown loss ${JSON.stringify(spec)}; expected one of: ${lossNames.join(', ')} (or a losses.* object)`);
  }
  return make(byName[key as LossName]);
}

/** Keras also spells names in snake_case ('sparse_categorical_crossentropy'). */
export function snakeToCamel(s: string): string {
  return s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Categorical losses take class ids or one-hot rows; the others take dense targets. */
export const isCategorical = (loss: Loss) => loss.kind === 'cce' || loss.kind === 'scce';
