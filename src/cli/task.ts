// What a model's outputs mean, for evaluate and predict: class probabilities (softmax over
// classes), one probability of the positive class (sigmoid, binary), or plain values (regression).
// Told from the loss it was compiled with, else from its output activation.
import type { Sequential, Tensor2D } from './lib.js';
import type { CliMeta } from './model-file.js';

export type Task = { kind: 'categorical'; classes: number } | { kind: 'binary' } | { kind: 'values'; units: number };

export function taskOf(model: Sequential): Task {
  const units = model.outputUnits;
  const loss = model.core.compiled?.loss.kind;
  const activation = model.layers[model.layers.length - 1].activation?.name;
  if (units > 1 && (loss === 'cce' || loss === 'scce' || (!loss && activation === 'softmax'))) return { kind: 'categorical', classes: units };
  if (units === 1 && (loss === 'bce' || (!loss && activation === 'sigmoid'))) return { kind: 'binary' };
  return { kind: 'values', units };
}

/** Outputs as probabilities: the model's own, or softmax / sigmoid of them when it outputs logits. */
export function probabilities(model: Sequential, task: Task, out: Tensor2D): Float32Array {
  if (!model.core.compiled?.loss.fromLogits) return out.data;
  const p = new Float32Array(out.data.length);
  if (task.kind === 'binary') {
    for (let i = 0; i < p.length; i++) p[i] = 1 / (1 + Math.exp(-out.data[i]));
    return p;
  }
  const n = out.cols;
  for (let r = 0; r < out.rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < n; c++) max = Math.max(max, out.data[r * n + c]);
    let sum = 0;
    for (let c = 0; c < n; c++) sum += p[r * n + c] = Math.exp(out.data[r * n + c] - max);
    for (let c = 0; c < n; c++) p[r * n + c] /= sum;
  }
  return p;
}

/** The predicted class of each row and its probability. */
export function classify(task: Task, p: Float32Array, rows: number): { ids: Int32Array; prob: Float32Array } {
  const ids = new Int32Array(rows);
  const prob = new Float32Array(rows);
  if (task.kind === 'binary') {
    for (let r = 0; r < rows; r++) [ids[r], prob[r]] = p[r] > 0.5 ? [1, p[r]] : [0, 1 - p[r]];
    return { ids, prob };
  }
  const n = task.kind === 'categorical' ? task.classes : 1;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < n; c++) if (p[r * n + c] > p[r * n + best]) best = c;
    ids[r] = best;
    prob[r] = p[r * n + best];
  }
  return { ids, prob };
}

/** Class names from the model file's record, else the ids as text. */
export function classNames(meta: CliMeta, count: number): string[] {
  if (meta.classes && meta.classes.length === count) return meta.classes;
  return Array.from({ length: count }, (_, i) => String(i));
}
