// Weight initializers, Keras semantics (fan-in = rows of the (in, units) kernel, fan-out = units).
// The *Normal variance-scaling ones draw from a normal truncated at 2σ with σ divided by
// 0.87962566103423978 (the std of a unit normal truncated at ±2), as Keras does.
import type { Engine } from './engine/engine.js';
import type { Rng } from './engine/rng.js';
import { checkObject, float32Number, suggestion } from './check.js';
import { ValueError } from './errors.js';

const TRUNC = 0.87962566103423978;

export interface Initializer {
  readonly name: string;
  /** Options as saved in the model config. */
  readonly config: Record<string, number>;
  fill(engine: Engine, ptr: number, n: number, fanIn: number, fanOut: number, rng: Rng): void;
}

function make(name: string, config: Record<string, number>, fill: Initializer['fill']): Initializer {
  return { name, config, fill };
}

const uniform = (name: string, limit: (fanIn: number, fanOut: number) => number): Initializer =>
  make(name, {}, (e, ptr, n, fi, fo, rng) => {
    const l = limit(fi, fo);
    e.k.rand_uniform(ptr, n, rng.seed, rng.take(n), -l, l);
  });

const truncated = (name: string, std: (fanIn: number, fanOut: number) => number): Initializer =>
  make(name, {}, (e, ptr, n, fi, fo, rng) => e.k.rand_truncated_normal(ptr, n, rng.seed, rng.take(n), 0, std(fi, fo) / TRUNC));

const constant = (name: string, value: number): Initializer =>
  make(name, name === 'constant' ? { value } : {}, (e, ptr, n) => e.f32.fill(value, ptr >>> 2, (ptr >>> 2) + n));

/** Initializer values are float32 weights: beyond ±3.4e38 they would be Infinity. */
const finite = (v: unknown, what: string): number => float32Number(v, what);

/** Initializer constructors, named as in Keras / TF.js. */
export const initializers = {
  glorotUniform: () => uniform('glorotUniform', (fi, fo) => Math.sqrt(6 / (fi + fo))),
  glorotNormal: () => truncated('glorotNormal', (fi, fo) => Math.sqrt(2 / (fi + fo))),
  heUniform: () => uniform('heUniform', (fi) => Math.sqrt(6 / fi)),
  heNormal: () => truncated('heNormal', (fi) => Math.sqrt(2 / fi)),
  lecunUniform: () => uniform('lecunUniform', (fi) => Math.sqrt(3 / fi)),
  lecunNormal: () => truncated('lecunNormal', (fi) => Math.sqrt(1 / fi)),
  randomNormal: (options: { mean?: number; stddev?: number } = {}) => {
    const { mean = 0, stddev = 0.05 } = checkObject(options, 'randomNormal()', ['mean', 'stddev']) as { mean?: number; stddev?: number };
    finite(mean, 'randomNormal mean');
    if (finite(stddev, 'randomNormal stddev') < 0) throw new ValueError(`randomNormal stddev must be >= 0, got ${stddev}`);
    return make('randomNormal', { mean, stddev }, (e, ptr, n, _fi, _fo, rng) =>
      e.k.rand_normal(ptr, n, rng.seed, rng.take(n), mean, stddev),
    );
  },
  randomUniform: (options: { minval?: number; maxval?: number } = {}) => {
    const { minval = -0.05, maxval = 0.05 } = checkObject(options, 'randomUniform()', ['minval', 'maxval']) as { minval?: number; maxval?: number };
    if (!(finite(minval, 'randomUniform minval') <= finite(maxval, 'randomUniform maxval'))) {
      throw new ValueError(`randomUniform needs minval <= maxval, got ${minval} > ${maxval}`);
    }
    return make('randomUniform', { minval, maxval }, (e, ptr, n, _fi, _fo, rng) =>
      e.k.rand_uniform(ptr, n, rng.seed, rng.take(n), minval, maxval),
    );
  },
  zeros: () => constant('zeros', 0),
  ones: () => constant('ones', 1),
  constant: (options: { value?: number } = {}) => constant('constant', finite(checkObject(options, 'constant()', ['value']).value ?? 0, 'constant value')),
};

export type InitializerName = keyof typeof initializers;
const PARAMETERISED: string[] = ['randomNormal', 'randomUniform', 'constant'] satisfies InitializerName[];
export type InitializerSpec = InitializerName | Initializer | { name: InitializerName; config?: Record<string, number> };

/** Accepts a name, a constructed initializer, or a saved `{ name, config }`. */
export function resolveInitializer(spec: InitializerSpec): Initializer {
  if (typeof spec === 'object' && spec !== null && typeof (spec as Initializer).fill === 'function') return spec as Initializer;
  const name = typeof spec === 'string' ? spec : (spec as { name?: unknown })?.name;
  if (typeof name !== 'string' || !Object.hasOwn(initializers, name)) {
    throw new ValueError(`unknown initializer ${JSON.stringify(name)}${suggestion(String(name), Object.keys(initializers))}; expected one of: ${Object.keys(initializers).join(', ')}`);
  }
  if (typeof spec === 'object') checkObject(spec, `initializer ${name}`, ['name', 'config']);
  const config = typeof spec === 'object' ? ((spec as { config?: Record<string, number> }).config ?? {}) : {};
  // The initializers without options take none: a config for them is a mistake, not ignored.
  if (!PARAMETERISED.includes(name)) checkObject(config, `initializer ${name} config`, []);
  return (initializers[name as InitializerName] as (c?: Record<string, number>) => Initializer)(config);
}
