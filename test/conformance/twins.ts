// One configuration built twice: as a dendrite model and as a TF.js Layers model with the same
// layers, loss, metrics and optimizer (SGD variants: TF.js' own; the others: the float64 Keras 3
// rules of keras-rules.ts). Losses TF.js Layers lacks as names (huber, fromLogits, label smoothing)
// are written with tf.losses; per-row sample weights, which TF.js' fit does not take, ride along as
// an extra target column that the loss multiplies in (Keras: Σ wᵢ·lossᵢ / rows, as TF.js' mean).
import {
  type Sequential, adagrad, adam, adamax, adamw, batchNormalization, dense, dropout, layerNormalization, losses, nadam, rmsprop, sequential, sgd,
} from '../../src/index.js';
import { tf, tfl } from '../training/helpers.js';
import type { Config, LossName } from './config.js';
import { KerasRule } from './keras-rules.js';

type T = tf.Tensor;

/** The output layer's activation: probabilities for the cross-entropies unless fromLogits. */
export function outputActivation(c: Config): string {
  if (c.loss === 'bce') return c.fromLogits ? 'linear' : 'sigmoid';
  if (c.loss === 'cce' || c.loss === 'scce') return c.fromLogits ? 'linear' : 'softmax';
  return 'linear';
}

export function dendriteModel(c: Config): Sequential {
  const layers = c.units.flatMap((units, i) => {
    const last = i === c.units.length - 1;
    const act = last ? outputActivation(c) : c.hidden;
    const activation = act === 'leakyRelu' ? { name: 'leakyRelu' as const, alpha: c.leakyAlpha } : (act as never);
    const d = dense({ units, activation, useBias: c.useBias[i], ...(i === 0 ? { inputShape: [c.features] } : {}) });
    const extra = last ? undefined : c.extras[i];
    if (extra === 'batchNormalization') return [d, batchNormalization({})];
    if (extra === 'layerNormalization') return [d, layerNormalization({})];
    if (extra === 'dropout') return [d, dropout({ rate: 0 })];
    return [d];
  });
  const m = sequential(layers);
  m.compile({ optimizer: dendriteOptimizer(c), loss: dendriteLoss(c), metrics: c.metrics });
  m.build({ seed: c.seed });
  return m;
}

function dendriteLoss(c: Config) {
  const o = { fromLogits: c.fromLogits };
  switch (c.loss) {
    case 'mse': return losses.meanSquaredError();
    case 'mae': return losses.meanAbsoluteError();
    case 'huber': return losses.huber({ delta: c.huberDelta });
    case 'bce': return losses.binaryCrossentropy({ ...o, labelSmoothing: c.labelSmoothing });
    case 'cce': return losses.categoricalCrossentropy({ ...o, labelSmoothing: c.labelSmoothing });
    case 'scce': return losses.sparseCategoricalCrossentropy(o);
  }
}

function dendriteOptimizer(c: Config) {
  const { name, ...o } = c.optimizer;
  const make = { sgd, adam, adamw, rmsprop, adagrad, adamax, nadam }[name] as (o: object) => ReturnType<typeof sgd>;
  return make(o);
}

export function tfjsModel(c: Config): tfl.Sequential {
  const m = tfl.sequential();
  c.units.forEach((units, i) => {
    const last = i === c.units.length - 1;
    const act = last ? outputActivation(c) : c.hidden;
    const leaky = act === 'leakyRelu';
    m.add(tfl.layers.dense({ units, activation: (leaky ? 'linear' : act) as never, useBias: c.useBias[i], ...(i === 0 ? { inputShape: [c.features] } : {}) }));
    if (leaky) m.add(tfl.layers.leakyReLU({ alpha: c.leakyAlpha }));
    const extra = last ? undefined : c.extras[i];
    if (extra === 'batchNormalization') m.add(tfl.layers.batchNormalization({}));
    if (extra === 'layerNormalization') m.add(tfl.layers.layerNormalization({}));
    if (extra === 'dropout') m.add(tfl.layers.dropout({ rate: 0 }));
  });
  const o = c.optimizer;
  const optimizer = o.name === 'sgd' ? (o.momentum > 0 ? tf.train.momentum(o.learningRate, o.momentum, o.nesterov) : tf.train.sgd(o.learningRate)) : new KerasRule(o);
  const weighted = c.weights === 'sample';
  if (weighted) m.add(new AppendColumn());
  const metrics = c.metrics.map((name) => named(name, (yt: T, yp: T) => metricFn(c, name)(strip(yt, weighted)[0], strip(yp, weighted)[0])));
  m.compile({ optimizer, loss: (yt: T, yp: T) => weightedLoss(c, yt, yp, weighted), metrics });
  return m;
}

const ids = (oneHot: T) => tf.cast(tf.expandDims(tf.argMax(oneHot, -1), -1), 'float32');

/** Targets for the TF.js twin: class ids one-hot (sparse losses), the sample weight as a last column. */
export function tfjsTargets(c: Config, y: number[][], w: number[]): number[][] {
  const out = c.units[c.units.length - 1];
  const rows = c.loss === 'scce' ? y.map(([id]) => Array.from({ length: out }, (_, j) => (j === id ? 1 : 0))) : y;
  return c.weights === 'sample' ? rows.map((r, i) => [...r, w[i]]) : rows;
}

/** A function whose `name` is the metric's key (TF.js keys history entries by it). */
function named(name: string, f: (yt: T, yp: T) => T): (yt: T, yp: T) => T {
  return { [name]: (yt: T, yp: T) => f(yt, yp) }[name];
}

/** Targets and, with `weighted`, the last column as per-row weights. */
function strip(yt: T, weighted: boolean): [T, T | undefined] {
  if (!weighted) return [yt, undefined];
  const cols = yt.shape[1]! - 1;
  return [tf.slice(yt, [0, 0], [-1, cols]), tf.reshape(tf.slice(yt, [0, cols], [-1, 1]), [-1])];
}

/**
 * Appends a column of zeros to the model's output, so that targets may carry the sample weight as
 * their last column (TF.js checks targets against the output's width); losses and metrics drop it.
 */
class AppendColumn extends tfl.layers.Layer {
  static className = 'AppendColumn';
  computeOutputShape(shape: tfl.Shape): tfl.Shape {
    return [shape[0], (shape[1] as number) + 1];
  }
  call(inputs: T | T[]): T {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.concat([x, tf.zerosLike(tf.slice(x, [0, 0], [-1, 1]))], 1);
  }
}

function weightedLoss(c: Config, yt: T, yp: T, weighted: boolean): T {
  const [t, w] = strip(yt, weighted);
  const l = perRowLoss(c, t, strip(yp, weighted)[0]);
  return w ? tf.mul(l, w) : l;
}

/** Keras' per-row loss: mean over columns (regression, binary), sum over classes (categorical). */
function perRowLoss(c: Config, t: T, p: T): T {
  const none = tf.Reduction.NONE;
  const ls = c.labelSmoothing;
  switch (c.loss as LossName) {
    case 'mse': return tfl.metrics.meanSquaredError(t, p);
    case 'mae': return tfl.metrics.meanAbsoluteError(t, p);
    case 'huber': return tf.mean(tf.losses.huberLoss(t, p, undefined, c.huberDelta, none), -1);
    case 'bce':
      if (c.fromLogits) return tf.mean(tf.losses.sigmoidCrossEntropy(t, p, undefined, ls, none), -1);
      return tfl.metrics.binaryCrossentropy(ls ? tf.add(tf.mul(t, 1 - ls), 0.5 * ls) : t, p);
    case 'cce':
      if (c.fromLogits) return tf.losses.softmaxCrossEntropy(t, p, undefined, ls, none);
      return tfl.metrics.categoricalCrossentropy(ls ? tf.add(tf.mul(t, 1 - ls), ls / t.shape[1]!) : t, p);
    case 'scce':
      // TF.js checks a function loss's targets against the output width, so they come one-hot (see
      // tfjsTargets); TF.js Layers' sparse loss is its categorical one on one-hot rows.
      if (c.fromLogits) return tf.losses.softmaxCrossEntropy(t, p, undefined, 0, none);
      return tfl.metrics.categoricalCrossentropy(t, p);
  }
}

/**
 * The metric as Keras computes it. One deliberate difference: on logits (a fromLogits binary
 * cross-entropy) dendrite's accuracy thresholds σ(z) at 0.5, where Keras thresholds z itself.
 */
function metricFn(c: Config, name: string): (t: T, p: T) => T {
  if (name === 'mse') return tfl.metrics.meanSquaredError;
  if (name === 'mae') return tfl.metrics.meanAbsoluteError;
  if (c.loss === 'bce') return (t, p) => tfl.metrics.binaryAccuracy(t, c.fromLogits ? tf.sigmoid(p) : p);
  if (c.loss === 'mse' || c.loss === 'mae' || c.loss === 'huber') return c.units[c.units.length - 1] === 1 ? tfl.metrics.binaryAccuracy : tfl.metrics.categoricalAccuracy;
  if (c.loss === 'scce') return (t, p) => tfl.metrics.sparseCategoricalAccuracy(ids(t), p);
  return tfl.metrics.categoricalAccuracy;
}
