// One batch in the model's slots (input, target, sample weights already written): forward → loss
// → backward → regularisation → check → clip, decay, update (the optimizer) → check → metrics.
// A fixed handful of kernel calls per layer; JS reads back only scalars and allocates nothing.
import { NumericError } from '../errors.js';
import type { ModelCore } from './core.js';

/** Layers' forward pass over `rows` rows of the input slot; returns where the output is. */
export function forward(model: ModelCore, rows: number, training: boolean, fused: boolean): number {
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
  for (let i = 0; i <= last; i++) {
    const layer = layers[i];
    // A layer and the next one in one pass where the layer knows how (fusedNext, fusedInTraining).
    if (layer.fusedNext && (!training || layer.fusedInTraining)) x = layer.forwardFused(p, x), i++;
    else x = layer.forward(p, x, fused && i === last);
  }
  return x;
}

/**
 * Forward pass plus loss over `rows` rows (cce / scce alike: class ids or one-hot rows); leaves
 * Σ wᵢ·lossᵢ (the engine divides by the batch size) in model.lossSum[0]. With `withGrad` the
 * loss gradient goes into the last layer's g, scaled by 1/rows: as ∂L/∂logits when the loss is
 * fused with the output activation, else as ∂L/∂output. The output pointer (probabilities for a
 * fused loss) is left in model.out.
 */
export function forwardLoss(model: ModelCore, rows: number, labels: boolean, weighted: boolean, training: boolean, withGrad: boolean): void {
  // The sum goes into a typed array rather than out as a return value (a double returned across
  // calls is boxed: a heap allocation per step), and every kernel is called by its own name (a
  // known target lets V8 inline the call and pass `scale` unboxed).
  const out = model.lossSum;
  const k = model.engine.k;
  const { loss, mode } = model.compiled!;
  const fused = mode !== 'plain';
  const y = forward(model, rows, training, fused);
  const last = model.layers[model.layers.length - 1];
  const g = withGrad ? last.g : 0;
  const n = last.outputSize;
  const scale = 1 / rows;
  const t = loss.labelSmoothing > 0 && !labels ? smoothTargets(model, rows * n, loss.kind === 'bce' ? 2 : n) : model.target;
  const w = weighted ? model.sampleWeights : 0;
  model.out = fused ? last.y : y;
  const z = last.logits;
  if (mode === 'softmaxCe') out[0] = labels ? k.softmax_sparse_cce(g, z, t, rows, n, scale, w, last.y) : k.softmax_cce(g, z, t, rows, n, scale, w, last.y);
  else if (mode === 'sigmoidBce') out[0] = k.bce_logits(g, z, t, rows, n, scale, w, last.y);
  else if (loss.kind === 'mse') out[0] = k.mse(g, y, t, rows, n, scale, w);
  else if (loss.kind === 'mae') out[0] = k.mae(g, y, t, rows, n, scale, w);
  else if (loss.kind === 'huber') out[0] = k.huber(g, y, t, rows, n, scale, w, loss.delta);
  else if (loss.kind === 'bce') out[0] = loss.fromLogits ? k.bce_logits(g, y, t, rows, n, scale, w, 0) : k.bce(g, y, t, rows, n, scale, w);
  else if (loss.fromLogits) out[0] = labels ? k.softmax_sparse_cce(g, y, t, rows, n, scale, w, 0) : k.softmax_cce(g, y, t, rows, n, scale, w, 0);
  else out[0] = labels ? k.sparse_cce(g, y, t, rows, n, scale, w) : k.cce(g, y, t, rows, n, scale, w);
}

/**
 * Keras' label smoothing, t' = t·(1 − s) + s/classes in float32 (binary: classes = 2), written to the pack scratch (free
 * between the forward pass and the backward pass); the target slot keeps t for the metrics.
 */
function smoothTargets(model: ModelCore, count: number, classes: number): number {
  const f32 = model.engine.f32;
  const s = model.compiled!.loss.labelSmoothing;
  const keep = Math.fround(1 - s), add = Math.fround(s / classes);
  const from = model.target >>> 2, to = model.pack >>> 2;
  for (let i = 0; i < count; i++) f32[to + i] = Math.fround(f32[from + i] * keep) + add;
  return model.pack;
}

/**
 * Σ of the regularisation penalties of the layers in training; with `withGrad` their gradients are
 * added. Frozen layers' penalties do not count, as in Keras 3 (its regularisation losses come from
 * the trainable weights; TF.js still adds them to the loss).
 */
export function regularization(model: ModelCore, withGrad: boolean): number {
  let penalty = 0;
  for (const layer of model.layers) if (model.trains(layer)) penalty += layer.regularize(model.engine, withGrad);
  return penalty;
}

/**
 * One gradient step; leaves the batch's loss sum Σ wᵢ·lossᵢ + rows·penalty in model.lossSum[0]
 * (dividing by the rows seen gives Keras' mean loss including regularisation) and adds it and the
 * rows to sums[0], sums[1]. On NaN / Infinity it throws NumericError with the weights (and moving
 * statistics) of the last good step restored. The epoch's sums are kept here rather than by the
 * caller because this function is optimised early: double arithmetic in not-yet-optimised code
 * (the loop around it) boxes every intermediate number.
 */
export function trainStep(model: ModelCore, rows: number, labels: boolean, weighted: boolean, acc: Float64Array, sums: Float64Array, epoch: number, batch: number): void {
  model.syncTrainable(); // a `trainable` set since the last step takes effect here
  const e = model.engine;
  const c = model.compiled!;
  const n = model.paramCount;
  const all = model.weightCount;
  // Keep the last good weights: the forward pass moves batch-norm statistics, and an update with
  // finite gradients can still overflow.
  e.u8.copyWithin(model.backup, model.params, model.params + all * 4);
  forwardLoss(model, rows, labels, weighted, true, true);
  const lossSum = model.lossSum[0];
  if (!Number.isFinite(lossSum)) {
    restore(model);
    throw numericError(model, `the loss became ${lossSum}`, epoch, batch);
  }
  const layers = model.layers;
  const fused = c.mode !== 'plain';
  const p = model.pass;
  // Down to the first layer in training only: the frozen layers before it (a transfer-learning
  // base) need no gradient at all, and it needs none for its input. Frozen layers after it pass
  // the input gradient on but skip their weight gradients (their gradient pointers are 0).
  const first = model.firstTrainable;
  for (let i = layers.length - 1; i >= first; i--) {
    layers[i].backward(p, i === first ? 0 : layers[i - 1].g, fused && i === layers.length - 1);
  }
  const penalty = regularization(model, true);
  if (e.k.nonfinite_index(model.grads, n) >= 0 || !Number.isFinite(penalty)) {
    restore(model);
    throw numericError(model, 'a gradient became NaN or Infinity', epoch, batch);
  }
  // Nothing to train: no update and no optimizer step (Keras skips apply_gradients).
  if (n > 0) c.optimizer.apply(e, model.params, model.grads, model.optState, n, model.gradTensors);
  if (e.k.nonfinite_index(model.params, all) >= 0) {
    restore(model);
    throw numericError(model, 'a weight became NaN or Infinity', epoch, batch);
  }
  updateMetrics(model, rows, labels, acc);
  const total = lossSum + rows * penalty;
  model.lossSum[0] = total;
  sums[0] += total;
  sums[1] += rows;
}

/** Back to the weights saved before the step. */
function restore(model: ModelCore): void {
  model.engine.u8.copyWithin(model.params, model.backup, model.backup + model.weightCount * 4);
}

/** epoch < 0: a batch given to trainOnBatch. */
function numericError(model: ModelCore, what: string, epoch: number, batch: number): NumericError {
  const opt = model.compiled!.optimizer;
  const where = epoch < 0 ? 'trainOnBatch' : `epoch ${epoch}, batch ${batch}`;
  return new NumericError(
    `${what} at ${where}; the weights were not updated by that batch. ` +
      `Try a lower learning rate (now ${opt.learningRate}), normalised inputs, gradient clipping (clipNorm), or a smaller batch-to-batch variance.`,
  );
}

/** Adds the batch (outputs in model.out) into the metrics' accumulators. */
export function updateMetrics(model: ModelCore, rows: number, labels: boolean, acc: Float64Array): void {
  const { metrics, metricOffsets } = model.compiled!;
  if (metrics.length === 0) return;
  const v = model.view;
  v.out = model.out;
  v.target = model.target;
  v.labels = labels;
  v.rows = rows;
  v.cols = model.layers[model.layers.length - 1].outputSize;
  v.scratch = model.metricScratch;
  for (let i = 0; i < metrics.length; i++) metrics[i].update(v, acc, metricOffsets[i]);
}

/** Metric values from the accumulators, into logs (prefix 'val' for validation). */
export function metricLogs(model: ModelCore, acc: Float64Array, logs: Record<string, number>, prefix = ''): void {
  const { metrics, metricOffsets } = model.compiled!;
  metrics.forEach((m, i) => (logs[prefix ? prefix + m.name[0].toUpperCase() + m.name.slice(1) : m.name] = m.result(acc, metricOffsets[i])));
}
