// One batch in the model's slots (input, target, sample weights already written): forward → loss
// → backward → regularisation → check → clip, decay, update (the optimizer) → check → metrics.
// A fixed handful of kernel calls per layer; JS reads back only scalars and allocates nothing.
import { NumericError } from '../errors.js';
import type { Sequential } from './sequential.js';

/** Layers' forward pass over `rows` rows of the input slot; returns where the output is. */
export function forward(model: Sequential, rows: number, training: boolean, fused: boolean): number {
  const p = model.pass;
  p.rows = rows;
  p.training = training;
  p.pack = model.pack;
  p.seed = model.rng!.seed;
  // Dropout masks are positioned by the optimizer's step count, which checkpoints restore.
  p.step = model.compiled?.optimizer.iterations ?? 0;
  const layers = model.layers;
  const last = layers.length - 1;
  let x = model.input;
  for (let i = 0; i <= last; i++) x = layers[i].forward(p, x, fused && i === last);
  return x;
}

/**
 * Forward pass plus loss over `rows` rows; returns Σ wᵢ·lossᵢ (the engine divides by the batch
 * size). With `withGrad` the loss gradient goes into the last layer's g, scaled by 1/rows: as
 * ∂L/∂logits when the loss is fused with the output activation, else as ∂L/∂output. The output
 * pointer (probabilities for a fused loss) is left in model.out for the metrics.
 */
export function forwardLoss(model: Sequential, rows: number, labels: boolean, weighted: boolean, training: boolean, withGrad: boolean): number {
  const k = model.engine.k;
  const { loss, mode } = model.compiled!;
  const fused = mode !== 'plain';
  const out = forward(model, rows, training, fused);
  const last = model.layers[model.layers.length - 1];
  const g = withGrad ? last.g : 0;
  const n = last.units;
  const scale = 1 / rows;
  const t = model.target;
  const w = weighted ? model.sampleWeights : 0;
  if (fused) {
    model.out = last.y;
    if (mode === 'softmaxCe') return (labels ? k.softmax_sparse_cce : k.softmax_cce)(g, last.logits, t, rows, n, scale, w, last.y);
    return k.bce_logits(g, last.logits, t, rows, n, scale, w, last.y);
  }
  model.out = out;
  switch (loss.kind) {
    case 'mse':
      return k.mse(g, out, t, rows, n, scale, w);
    case 'mae':
      return k.mae(g, out, t, rows, n, scale, w);
    case 'huber':
      return k.huber(g, out, t, rows, n, scale, w, loss.delta);
    case 'bce':
      return loss.fromLogits ? k.bce_logits(g, out, t, rows, n, scale, w, 0) : k.bce(g, out, t, rows, n, scale, w);
    case 'cce':
    case 'scce':
      if (loss.fromLogits) return (labels ? k.softmax_sparse_cce : k.softmax_cce)(g, out, t, rows, n, scale, w, 0);
      return (labels ? k.sparse_cce : k.cce)(g, out, t, rows, n, scale, w);
  }
}

/** Σ of the layers' regularisation penalties; with `withGrad` their gradients are added. */
export function regularization(model: Sequential, withGrad: boolean): number {
  let penalty = 0;
  for (const layer of model.layers) penalty += layer.regularize(model.engine, withGrad);
  return penalty;
}

/**
 * One gradient step; returns the batch's loss sum Σ wᵢ·lossᵢ + rows·penalty (so that dividing by
 * the rows seen gives Keras' mean loss including regularisation). On NaN / Infinity it throws
 * NumericError with the weights (and moving statistics) of the last good step restored.
 */
export function trainStep(model: Sequential, rows: number, labels: boolean, weighted: boolean, acc: Float64Array, epoch: number, batch: number): number {
  const e = model.engine;
  const c = model.compiled!;
  const n = model.paramCount;
  const all = model.weightCount;
  // Keep the last good weights: the forward pass moves batch-norm statistics, and an update with
  // finite gradients can still overflow.
  e.u8.copyWithin(model.backup, model.params, model.params + all * 4);
  const restore = () => e.u8.copyWithin(model.params, model.backup, model.backup + all * 4);
  const lossSum = forwardLoss(model, rows, labels, weighted, true, true);
  if (!Number.isFinite(lossSum)) {
    restore();
    throw numericError(model, `the loss became ${lossSum}`, epoch, batch);
  }
  const layers = model.layers;
  const fused = c.mode !== 'plain';
  const p = model.pass;
  for (let i = layers.length - 1; i >= 0; i--) {
    layers[i].backward(p, i === 0 ? 0 : layers[i - 1].g, fused && i === layers.length - 1);
  }
  const penalty = regularization(model, true);
  if (e.k.nonfinite_index(model.grads, n) >= 0 || !Number.isFinite(penalty)) {
    restore();
    throw numericError(model, 'a gradient became NaN or Infinity', epoch, batch);
  }
  c.optimizer.apply(e, model.params, model.grads, model.optState, n, model.gradTensors);
  if (e.k.nonfinite_index(model.params, all) >= 0) {
    restore();
    throw numericError(model, 'a weight became NaN or Infinity', epoch, batch);
  }
  updateMetrics(model, rows, labels, acc);
  return lossSum + rows * penalty;
}

/** epoch < 0: a batch given to trainOnBatch. */
function numericError(model: Sequential, what: string, epoch: number, batch: number): NumericError {
  const opt = model.compiled!.optimizer;
  const where = epoch < 0 ? 'trainOnBatch' : `epoch ${epoch}, batch ${batch}`;
  return new NumericError(
    `${what} at ${where}; the weights were not updated by that batch. ` +
      `Try a lower learning rate (now ${opt.learningRate}), normalised inputs, gradient clipping (clipNorm), or a smaller batch-to-batch variance.`,
  );
}

/** Adds the batch (outputs in model.out) into the metrics' accumulators. */
export function updateMetrics(model: Sequential, rows: number, labels: boolean, acc: Float64Array): void {
  const { metrics, metricOffsets } = model.compiled!;
  if (metrics.length === 0) return;
  const v = model.view;
  v.out = model.out;
  v.target = model.target;
  v.labels = labels;
  v.rows = rows;
  v.cols = model.layers[model.layers.length - 1].units;
  v.scratch = model.metricScratch;
  for (let i = 0; i < metrics.length; i++) metrics[i].update(v, acc, metricOffsets[i]);
}

/** Metric values from the accumulators, into logs (prefix 'val' for validation). */
export function metricLogs(model: Sequential, acc: Float64Array, logs: Record<string, number>, prefix = ''): void {
  const { metrics, metricOffsets } = model.compiled!;
  metrics.forEach((m, i) => (logs[prefix ? prefix + m.name[0].toUpperCase() + m.name.slice(1) : m.name] = m.result(acc, metricOffsets[i])));
}
