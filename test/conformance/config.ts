// Seeded random configurations for the conformance suite: a small dense stack (1–4 dense layers,
// widths 1–17, one hidden activation, optional batch / layer normalisation and dropout at rate 0),
// a loss with matching targets, an optimizer, and fit options (batch sizes that do and do not divide
// the rows, validationSplit or validationData, classWeight or sampleWeight, initialEpoch).
import type { RuleOptions } from './keras-rules.js';

export type LossName = 'mse' | 'mae' | 'huber' | 'bce' | 'cce' | 'scce';
export type Hidden = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'elu' | 'selu' | 'softplus' | 'softmax' | 'gelu' | 'swish' | 'leakyRelu';
export type Extra = 'batchNormalization' | 'layerNormalization' | 'dropout';
export type SgdOptions = { name: 'sgd'; learningRate: number; momentum: number; nesterov: boolean };

export interface Config {
  seed: number;
  features: number;
  rows: number;
  /** Units of each dense layer, the last one the output. */
  units: number[];
  /** Layer inserted after each hidden dense layer, or none. */
  extras: (Extra | undefined)[];
  hidden: Hidden;
  leakyAlpha: number;
  /** Dense layers' bias; off where batch norm follows (the batch mean cancels it: no gradient). */
  useBias: boolean[];
  loss: LossName;
  fromLogits: boolean;
  labelSmoothing: number;
  huberDelta: number;
  /** cce targets: rows of soft labels rather than one-hot. */
  soft: boolean;
  optimizer: SgdOptions | RuleOptions;
  epochs: number;
  initialEpoch: number;
  batchSize: number;
  validation: 'none' | 'split' | 'data';
  validationSplit: number;
  weights: 'none' | 'class' | 'sample';
  metrics: ('accuracy' | 'mse' | 'mae')[];
}

/** Deterministic uniform [0, 1) generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HIDDEN: Hidden[] = ['linear', 'relu', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softmax', 'gelu', 'swish', 'leakyRelu'];

export function makeConfig(seed: number): Config {
  const r = random(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const loss = pick(['mse', 'mae', 'huber', 'bce', 'cce', 'scce'] as const);
  const out = loss === 'cce' || loss === 'scce' ? int(2, 5) : loss === 'bce' ? int(1, 3) : int(1, 4);
  const depth = int(1, 4);
  const units = [...Array.from({ length: depth - 1 }, () => int(1, 17)), out];
  const rows = int(4, 28);
  const epochs = int(1, 3);
  const classes = loss === 'cce' || loss === 'scce' || (loss === 'bce' && out === 1);
  const cfg: Config = {
    seed,
    features: int(1, 6),
    rows,
    units,
    extras: units.slice(0, -1).map(() => (r() < 0.35 ? pick(['batchNormalization', 'layerNormalization', 'dropout'] as const) : undefined)),
    hidden: pick(HIDDEN),
    leakyAlpha: pick([0.2, 0.05]),
    useBias: [],
    loss,
    fromLogits: (loss === 'bce' || loss === 'cce' || loss === 'scce') && r() < 0.3,
    labelSmoothing: (loss === 'bce' || loss === 'cce') && r() < 0.3 ? pick([0.1, 0.2]) : 0,
    huberDelta: pick([1, 0.3]),
    soft: loss === 'cce' && r() < 0.3,
    optimizer: makeOptimizer(r, pick),
    epochs,
    initialEpoch: r() < 0.25 ? int(1, 2) : 0,
    batchSize: pick([1, int(2, rows), rows, int(2, 9)]),
    validation: pick(['none', 'none', 'split', 'data'] as const),
    validationSplit: pick([0.1, 0.2, 0.25, 0.33]),
    weights: pick(['none', 'none', classes ? 'class' : 'sample', 'sample'] as const),
    metrics: [],
  };
  cfg.epochs = cfg.initialEpoch + epochs; // Keras: epochs is the final epoch index
  if (cfg.validation === 'split' && Math.floor(rows * (1 - cfg.validationSplit)) === rows) cfg.validation = 'none';
  avoidDegenerateNorms(cfg);
  const bias = r() < 0.85;
  cfg.useBias = units.map((_, i) => bias && cfg.extras[i] !== 'batchNormalization');
  // 'accuracy' on a regression output: binary accuracy on one unit, categorical on more (Keras 3, TF.js).
  if (classes || r() < 0.3) cfg.metrics.push('accuracy');
  if (loss !== 'scce' && r() < 0.6) cfg.metrics.push(pick(['mse', 'mae'] as const));
  return cfg;
}

/**
 * Batch norm over a batch of one row, or layer norm over one unit, outputs beta whatever the input,
 * and over two rows / units it outputs ±1 (up to epsilon): the layers below get a gradient that is
 * zero, or nearly, in exact arithmetic and float32 rounding noise in practice, which Adam-like
 * optimizers scale up to whole steps (in Keras as here). Such stacks are not compared: the norm
 * becomes layer norm (for a wide layer) or dropout at rate 0.
 */
function avoidDegenerateNorms(c: Config): void {
  const trainRows = c.validation === 'split' ? Math.floor(c.rows * (1 - c.validationSplit)) : c.rows;
  const last = trainRows % c.batchSize;
  const smallBatch = Math.min(c.batchSize, trainRows) < 3 || last === 1 || last === 2;
  c.extras = c.extras.map((e, i) => {
    if (e === 'batchNormalization' && smallBatch) e = 'layerNormalization';
    if (e === 'layerNormalization' && c.units[i] < 3) e = 'dropout';
    return e;
  });
}

function makeOptimizer(r: () => number, pick: <T>(a: readonly T[]) => T): SgdOptions | RuleOptions {
  const kind = pick(['sgd', 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adamax', 'nadam'] as const);
  if (kind === 'sgd') {
    // Effective step lr/(1 − momentum) at most 0.1: larger ones make these small problems chaotic,
    // where float32 rounding alone (in any two implementations) decides the trajectory.
    const momentum = pick([0, 0.5, 0.9]);
    const learningRate = pick(momentum === 0.9 ? [0.005, 0.01] : momentum === 0.5 ? [0.01, 0.05] : [0.01, 0.05, 0.1]);
    return { name: 'sgd', learningRate, momentum, nesterov: momentum > 0 && r() < 0.5 };
  }
  const o: RuleOptions = { name: kind, learningRate: pick([0.001, 0.005, 0.02]) };
  if (kind !== 'rmsprop' && kind !== 'adagrad') {
    o.beta1 = pick([0.9, 0.8]);
    o.beta2 = pick([0.999, 0.99]);
  }
  if (kind === 'rmsprop') {
    o.rho = pick([0.9, 0.8]);
    o.momentum = pick([0, 0.5]);
    o.centered = r() < 0.4;
  }
  if (kind === 'adagrad') o.initialAccumulatorValue = pick([0.1, 0.5]);
  o.epsilon = pick([1e-7, 1e-3]);
  if (kind === 'adamw') o.weightDecay = pick([0.004, 0.05]);
  const clip = r();
  if (clip < 0.1) o.clipNorm = 0.5;
  else if (clip < 0.2) o.clipValue = 0.05;
  else if (clip < 0.3) o.globalClipNorm = 0.5;
  return o;
}

/** Inputs (rows, features) in [-1, 1), targets for the loss, and per-row weights. */
export function makeData(c: Config, rows = c.rows, salt = 0) {
  const r = random(c.seed * 7919 + 17 + salt);
  const out = c.units[c.units.length - 1];
  const x = Array.from({ length: rows }, () => Array.from({ length: c.features }, () => r() * 2 - 1));
  const ids = Array.from({ length: rows }, () => Math.floor(r() * out));
  let y: number[][];
  if (c.loss === 'scce') y = ids.map((i) => [i]);
  else if (c.loss === 'cce') {
    y = ids.map((i) => {
      if (!c.soft) return Array.from({ length: out }, (_, j) => (j === i ? 1 : 0));
      const v = Array.from({ length: out }, () => r() + 0.05);
      const s = v.reduce((a, b) => a + b, 0);
      return v.map((e) => e / s);
    });
  } else if (c.loss === 'bce') y = x.map(() => Array.from({ length: out }, () => (r() < 0.5 ? 0 : 1)));
  else y = x.map(() => Array.from({ length: out }, () => r() * 2 - 1));
  const sampleWeight = Array.from({ length: rows }, () => 0.25 + r() * 2);
  const classes = c.loss === 'bce' ? 2 : out;
  const classWeight = Object.fromEntries(Array.from({ length: classes }, (_, k) => [k, 0.5 + r() * 1.5]));
  return { x, y, sampleWeight, classWeight };
}
