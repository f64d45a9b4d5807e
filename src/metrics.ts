// Metrics computed in wasm over each batch's outputs: kernels return counts or sums (or fill a
// small f64 scratch: confusion counts, AUC histogram), JS keeps a few f64 accumulators per metric
// and never reads whole tensors. `result` turns the accumulators into the value for logs. As with
// Keras' `metrics=` argument, metrics are not weighted by sampleWeight / classWeight.
import type { Engine } from './engine/engine.js';
import { checkObject, suggestion } from './check.js';
import { ValueError } from './errors.js';
import { describe } from './check.js';
import type { Loss } from './losses.js';
import { snakeToCamel } from './losses.js';

/** Where one batch's outputs and targets are. */
export interface BatchView {
  engine: Engine;
  /** Model outputs (rows, cols): probabilities, or logits when the loss is fromLogits. */
  out: number;
  /** Targets: i32 class ids (rows) when `labels`, else f32 (rows, cols). */
  target: number;
  labels: boolean;
  rows: number;
  cols: number;
  /** f64 scratch of at least the largest metric's `scratch` elements. */
  scratch: number;
}

export interface Metric {
  /** Key in logs and history, as the user named it. */
  readonly name: string;
  /** f64 accumulators the metric keeps in JS (acc[at .. at + size)). */
  readonly size: number;
  /** f64 elements of wasm scratch its kernel needs per batch. */
  readonly scratch: number;
  /** Adds this batch into acc[at ..]. */
  update(b: BatchView, acc: Float64Array, at: number): void;
  /** The metric's value from its accumulators. */
  result(acc: Float64Array, at: number): number;
  /** Larger is better ('max') or smaller ('min'): callbacks' mode 'auto' reads it. */
  readonly direction: 'max' | 'min';
  /** Compares outputs with target rows element by element: class-id targets are refused before training. */
  readonly needsRows?: boolean;
}

/** Options of the metrics that take some, e.g. `metrics: [{ name: 'auc', numThresholds: 500 }]`. */
export interface MetricOptions {
  name: MetricName;
  /** topKCategoricalAccuracy: k. Default 5. */
  k?: number;
  /** precision / recall / binaryAccuracy: decision threshold on probabilities. Default 0.5. */
  threshold?: number;
  /** auc: thresholds. Default 200. */
  numThresholds?: number;
  /** auc: 'ROC' (default) or 'PR'. */
  curve?: 'ROC' | 'PR';
  /** Key in logs; default the metric name. */
  key?: string;
}

export type MetricName =
  | 'accuracy' | 'acc' | 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy'
  | 'topKCategoricalAccuracy' | 'sparseTopKCategoricalAccuracy' | 'precision' | 'recall' | 'auc'
  | 'meanSquaredError' | 'mse' | 'meanAbsoluteError' | 'mae' | 'rootMeanSquaredError' | 'rmse';
export const metricNames: MetricName[] = [
  'accuracy', 'acc', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy',
  'topKCategoricalAccuracy', 'sparseTopKCategoricalAccuracy', 'precision', 'recall', 'auc',
  'meanSquaredError', 'mse', 'meanAbsoluteError', 'mae', 'rootMeanSquaredError', 'rmse',
];

const METRIC_KEYS = ['name', 'k', 'threshold', 'numThresholds', 'curve', 'key'] as const satisfies readonly (keyof MetricOptions)[];

/** A metric given as a name or as options. */
export type MetricSpec = MetricName | MetricOptions;

/**
 * One numerator / denominator pair, result num / den. `add` adds this batch's numerator into
 * acc[at] and returns its denominator (no array per batch).
 */
const ratio = (name: string, direction: 'max' | 'min', add: (b: BatchView, acc: Float64Array, at: number) => number, finish = (r: number) => r): Metric => ({
  name,
  size: 2,
  scratch: 0,
  direction,
  update(b, acc, at) {
    acc[at + 1] += add(b, acc, at);
  },
  result: (acc, at) => finish(acc[at] / acc[at + 1]),
});

const rowsOnly = (m: Metric): Metric => ({ ...m, needsRows: true });

/** A last guard (hostTargets refuses class ids for these metrics before any step). */
const needsDense = (name: string, b: BatchView) => {
  if (b.labels) throw new ValueError(`metric ${name} needs dense targets (rows, ${b.cols}), not class ids`);
};

const argmaxAccuracy = (name: string) =>
  ratio(name, 'max', (b, acc, at) => {
    const k = b.engine.k;
    acc[at] += b.labels ? k.count_argmax_labels(b.out, b.target, b.rows, b.cols) : k.count_argmax_match(b.out, b.target, b.rows, b.cols);
    return b.rows;
  });

const topK = (name: string, kk: number) =>
  ratio(name, 'max', (b, acc, at) => {
    const k = b.engine.k;
    acc[at] += b.labels ? k.count_top_k_labels(b.out, b.target, b.rows, b.cols, kk) : k.count_top_k_match(b.out, b.target, b.rows, b.cols, kk);
    return b.rows;
  });

/** Keras' binaryAccuracy: prediction > threshold equals the 0/1 target. */
const binaryAccuracy = (name: string, threshold: number) =>
  rowsOnly(ratio(name, 'max', (b, acc, at) => {
    needsDense(name, b);
    acc[at] += b.engine.k.count_binary_match(b.out, b.target, b.rows * b.cols, threshold);
    return b.rows * b.cols;
  }));

const errorSum = (name: string, squared: boolean, root: boolean) =>
  rowsOnly(ratio(name, 'min', (b, acc, at) => {
    needsDense(name, b);
    const k = b.engine.k;
    acc[at] += (squared ? k.sq_error_sum : k.abs_error_sum)(b.out, b.target, b.rows * b.cols);
    return b.rows * b.cols;
  }, root ? Math.sqrt : undefined));

// A cached f64 view of the engine's memory, re-created only when memory grows.
let f64: Float64Array | undefined;
function f64View(engine: Engine): Float64Array {
  if (!f64 || f64.buffer !== engine.memory.buffer) f64 = new Float64Array(engine.memory.buffer);
  return f64;
}

/** Fills scratch with the batch's [tp, fp, tn, fn] and adds two of them into acc. */
const confusion = (name: string, threshold: number, pick: [number, number], direction: 'max' | 'min' = 'max'): Metric => ({
  name,
  size: 2,
  scratch: 4,
  direction,
  update(b, acc, at) {
    const view = f64View(b.engine);
    const s = b.scratch >>> 3;
    view.fill(0, s, s + 4);
    if (b.labels) b.engine.k.confusion_counts_labels(b.scratch, b.out, b.target, b.rows, b.cols, threshold);
    else b.engine.k.confusion_counts(b.scratch, b.out, b.target, b.rows * b.cols, threshold);
    acc[at] += view[s + pick[0]];
    acc[at + 1] += view[s + pick[1]];
  },
  // tp / (tp + fp) or tp / (tp + fn); 0 when nothing was predicted / present (divide_no_nan).
  result: (acc, at) => (acc[at] + acc[at + 1] > 0 ? acc[at] / (acc[at] + acc[at + 1]) : 0),
});

/** Keras AUC (interpolated ROC, or PR by Davis & Goadrich interpolation) from a histogram of T buckets. */
function auc(name: string, T: number, curve: 'ROC' | 'PR', logits: boolean): Metric {
  return {
    name,
    size: 2 * T,
    scratch: 2 * T,
    direction: 'max',
    update(b, acc, at) {
      const view = f64View(b.engine);
      const s = b.scratch >>> 3;
      view.fill(0, s, s + 2 * T);
      if (b.labels) b.engine.k.auc_histogram_labels(b.scratch, b.out, b.target, b.rows, b.cols, T, logits ? 1 : 0);
      else b.engine.k.auc_histogram(b.scratch, b.out, b.target, b.rows * b.cols, T, logits ? 1 : 0);
      for (let i = 0; i < 2 * T; i++) acc[at + i] += view[s + i];
    },
    result: (acc, at) => aucFromHistogram(acc.subarray(at, at + 2 * T), T, curve),
  };
}

/** tp, fp, tn, fn at each of the T thresholds from the bucket counts (positives, then negatives). */
export function aucFromHistogram(hist: ArrayLike<number>, T: number, curve: 'ROC' | 'PR'): number {
  const tp = new Float64Array(T), fp = new Float64Array(T);
  for (let i = T - 1, sp = 0, sn = 0; i >= 0; i--) {
    sp += hist[i];
    sn += hist[T + i];
    tp[i] = sp;
    fp[i] = sn;
  }
  const P = tp[0], N = fp[0];
  const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
  let area = 0;
  if (curve === 'ROC') {
    for (let i = 0; i < T - 1; i++) {
      const x0 = div(fp[i], N), x1 = div(fp[i + 1], N);
      const y0 = div(tp[i], P), y1 = div(tp[i + 1], P);
      area += (x0 - x1) * ((y0 + y1) / 2);
    }
    return area;
  }
  // Keras' interpolate_pr_auc.
  for (let i = 0; i < T - 1; i++) {
    const dtp = tp[i] - tp[i + 1];
    const p0 = tp[i] + fp[i], p1 = tp[i + 1] + fp[i + 1];
    const slope = div(dtp, Math.max(p0 - p1, 0));
    const intercept = tp[i + 1] - slope * p1;
    const ratioP = p0 > 0 && p1 > 0 ? div(p0, Math.max(p1, 0)) : 1;
    // Keras divides by tp + fn at the next threshold, i.e. by all positives P.
    area += div(slope * (dtp + intercept * Math.log(ratioP)), P);
  }
  return area;
}

/**
 * Resolve a metric. 'accuracy' picks binary / categorical / sparse from the loss and output
 * width, as Keras does. On logits (a fromLogits loss) thresholds apply to σ(x), i.e. to x at
 * log(t / (1 − t)).
 */
export function resolveMetric(spec: unknown, loss: Loss, units: number): Metric {
  const o: Partial<MetricOptions> = typeof spec === 'string' ? { name: spec as MetricName } : (checkObject(spec, 'metric options', METRIC_KEYS, false) as Partial<MetricOptions>);
  const key = typeof o.name === 'string' ? snakeToCamel(o.name) : undefined;
  if (key === undefined || !metricNames.includes(key as MetricName)) {
    const hint = typeof o.name === 'string' ? suggestion(o.name, metricNames) : '';
    throw new ValueError(`unknown metric ${JSON.stringify(o.name ?? spec)}${hint}; expected one of: ${metricNames.join(', ')}`);
  }
  const name = o.key ?? (o.name as string);
  // The key names a History entry beside `loss` and the val-prefixed copies.
  if (typeof name !== 'string' || name === '' || name === 'loss' || name === '__proto__' || /^val[A-Z]/.test(name)) {
    throw new ValueError(`metric key ${JSON.stringify(name)} would clash with a History key`);
  }
  const p = o.threshold ?? 0.5;
  if (typeof p !== 'number' || !(p > 0 && p < 1)) throw new ValueError(`metric ${name} threshold must be in (0, 1), got ${String(p)}`);
  const threshold = loss.fromLogits ? Math.log(p / (1 - p)) : p;
  switch (key as MetricName) {
    case 'accuracy':
    case 'acc': {
      const binary = loss.kind === 'bce' || (loss.kind !== 'cce' && loss.kind !== 'scce' && units === 1);
      return binary ? binaryAccuracy(name, threshold) : argmaxAccuracy(name);
    }
    case 'binaryAccuracy':
      return binaryAccuracy(name, threshold);
    case 'categoricalAccuracy':
    case 'sparseCategoricalAccuracy':
      return argmaxAccuracy(name);
    case 'topKCategoricalAccuracy':
    case 'sparseTopKCategoricalAccuracy': {
      const k = o.k ?? 5;
      if (!Number.isSafeInteger(k) || k < 1) throw new ValueError(`metric ${name} k must be a positive integer, got ${String(k)}`);
      return topK(name, k);
    }
    case 'precision':
      return confusion(name, threshold, [0, 1]);
    case 'recall':
      return confusion(name, threshold, [0, 3]);
    case 'auc': {
      const T = o.numThresholds ?? 200;
      if (!Number.isSafeInteger(T) || T < 3) throw new ValueError(`metric ${name} numThresholds must be an integer > 2, got ${String(T)}`);
      const curve = o.curve ?? 'ROC';
      if (curve !== 'ROC' && curve !== 'PR') throw new ValueError(`metric ${name} curve must be 'ROC' or 'PR', got ${JSON.stringify(curve)}`);
      return auc(name, T, curve, loss.fromLogits);
    }
    case 'meanSquaredError':
    case 'mse':
      return errorSum(name, true, false);
    case 'meanAbsoluteError':
    case 'mae':
      return errorSum(name, false, false);
    case 'rootMeanSquaredError':
    case 'rmse':
      return errorSum(name, true, true);
  }
}

/** The largest `numClasses` of `confusionMatrix`: its n × n result is plain JS arrays (4096² ≈ 134 MB). */
export const CONFUSION_MAX_CLASSES = 4096;

/**
 * A confusion matrix (rows: true class, columns: predicted class), as tf.math.confusion_matrix.
 * `predictions` are class ids or rows of scores (rows × numClasses, argmax taken); `labels` class ids.
 * `numClasses` (an integer in [1, 4096]) defaults to the scores' width, else the largest id + 1.
 */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number> | { data: ArrayLike<number>; shape: [number, number] }, numClasses?: number): number[][] {
  const max = CONFUSION_MAX_CLASSES;
  if (!isIdList(labels)) throw new ValueError(`confusionMatrix: labels must be an array of class ids, got ${describe(labels)}`);
  if (numClasses !== undefined && !(typeof numClasses === 'number' && Number.isInteger(numClasses) && numClasses >= 1 && numClasses <= max)) {
    throw new ValueError(`confusionMatrix: numClasses must be an integer in [1, ${max}], got ${describe(numClasses)}`);
  }
  const scores = typeof predictions === 'object' && predictions !== null && 'shape' in predictions ? predictions : undefined;
  const m = labels.length;
  let pred: ArrayLike<number>;
  if (scores) {
    const [rows, cols] = scores.shape;
    if (rows !== m) throw new ValueError(`confusionMatrix: ${m} labels but predictions have ${rows} rows`);
    if (numClasses === undefined && cols > max) throw new ValueError(`confusionMatrix: predictions have ${cols} columns, more than ${max} classes`);
    const ids = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let c = 1; c < cols; c++) if (scores.data[r * cols + c] > scores.data[r * cols + best]) best = c;
      ids[r] = best;
    }
    pred = ids;
    numClasses ??= cols;
  } else {
    if (!isIdList(predictions)) throw new ValueError(`confusionMatrix: predictions must be class ids or a matrix of scores, got ${describe(predictions)}`);
    pred = predictions;
    if (pred.length !== m) throw new ValueError(`confusionMatrix: ${m} labels but ${pred.length} predictions`);
  }
  // Ids are checked before any allocation: an id of 1e9 or 1.5 must not size the matrix.
  const limit = numClasses ?? max;
  const idError = (what: string, i: number, v: unknown) =>
    new ValueError(`confusionMatrix: ${what} ${i} is ${describe(v)}, expected an integer in [0, ${limit - 1}]${numClasses === undefined ? ` (at most ${max} classes)` : ''}`);
  let n = numClasses ?? 0;
  for (let i = 0; i < m; i++) {
    const [t, p] = [labels[i], pred[i]];
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= limit) throw idError('label', i, t);
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= limit) throw idError('prediction', i, p);
    if (numClasses === undefined) n = Math.max(n, t + 1, p + 1);
  }
  const out = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < m; i++) out[labels[i]][pred[i]]++;
  return out;
}

function isIdList(v: unknown): v is ArrayLike<number> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}
