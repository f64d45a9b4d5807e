// Metrics computed in wasm over each batch's outputs: kernels return counts or sums, JS keeps two
// numbers per metric (numerator, denominator) and never reads whole tensors.
import type { Engine } from './engine/engine.js';
import { ValueError } from './errors.js';
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
}

export interface Metric {
  /** Key in logs and history, as the user named it. */
  readonly name: string;
  /** Adds this batch's numerator and denominator into acc[at], acc[at + 1]. */
  update(b: BatchView, acc: Float64Array, at: number): void;
}

export type MetricName =
  | 'accuracy' | 'acc' | 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy'
  | 'meanSquaredError' | 'mse' | 'meanAbsoluteError' | 'mae';
export const metricNames: MetricName[] = [
  'accuracy', 'acc', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy',
  'meanSquaredError', 'mse', 'meanAbsoluteError', 'mae',
];

const argmaxAccuracy = (name: string): Metric => ({
  name,
  update(b, acc, at) {
    const k = b.engine.k;
    acc[at] += b.labels ? k.count_argmax_labels(b.out, b.target, b.rows, b.cols) : k.count_argmax_match(b.out, b.target, b.rows, b.cols);
    acc[at + 1] += b.rows;
  },
});

const elementwise = (name: string, sum: (b: BatchView) => number): Metric => ({
  name,
  update(b, acc, at) {
    if (b.labels) throw new ValueError(`metric ${name} needs dense targets (rows, ${b.cols}), not class ids`);
    acc[at] += sum(b);
    acc[at + 1] += b.rows * b.cols;
  },
});

/** Keras' binaryAccuracy: prediction > threshold (0.5; 0 on logits) equals the 0/1 target. */
const binaryAccuracy = (name: string, threshold: number) =>
  elementwise(name, (b) => b.engine.k.count_binary_match(b.out, b.target, b.rows * b.cols, threshold));

/**
 * Resolve a metric name. 'accuracy' picks binary / categorical / sparse from the loss and output
 * width, as Keras does.
 */
export function resolveMetric(spec: unknown, loss: Loss, units: number): Metric {
  const key = typeof spec === 'string' ? snakeToCamel(spec) : undefined;
  if (key === undefined || !metricNames.includes(key as MetricName)) {
    throw new ValueError(`unknown metric ${JSON.stringify(spec)}; expected one of: ${metricNames.join(', ')}`);
  }
  const name = spec as string;
  const threshold = loss.fromLogits ? 0 : 0.5;
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
    case 'meanSquaredError':
    case 'mse':
      return elementwise(name, (b) => b.engine.k.sq_error_sum(b.out, b.target, b.rows * b.cols));
    case 'meanAbsoluteError':
    case 'mae':
      return elementwise(name, (b) => b.engine.k.abs_error_sum(b.out, b.target, b.rows * b.cols));
  }
}
