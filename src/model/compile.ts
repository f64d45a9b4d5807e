// compile(): optimizer, loss and metrics resolved into the core's compile settings, and how the
// loss meets the output layer (fused with a softmax or sigmoid output, or plain).
import { ShapeError, StateError, ValueError } from '../errors.js';
import { type Loss, type LossSpec, isCategorical, resolveLoss } from '../losses.js';
import { type MetricSpec, resolveMetric } from '../metrics.js';
import { type Optimizer, type OptimizerName, resolveOptimizer } from '../optimizers.js';
import type { Layer } from '../layers/layer.js';
import { type LossMode, type ModelCore, releaseOptimizerState, releaseSlots } from './core.js';
import { checkCompileOptions } from './options.js';

export interface CompileOptions {
  /** An optimizer object (adam({ learningRate })) or a name: 'sgd', 'adam', 'adamw', 'adamax', 'nadam', 'rmsprop', 'adagrad'. */
  optimizer: Optimizer | OptimizerName;
  /** A loss name ('sparseCategoricalCrossentropy', 'mse', ...) or a losses.* object. */
  loss: LossSpec;
  /** Metric names (e.g. ['accuracy', 'auc']) or options ({ name: 'topKCategoricalAccuracy', k: 3 }). */
  metrics?: MetricSpec[];
}

/** Choose optimizer, loss and metrics. Compiling again keeps the weights and resets the optimizer. */
export function compileCore(model: ModelCore, options: CompileOptions): void {
  checkCompileOptions(options);
  if (model.layers.length === 0) throw new StateError('model has no layers: add dense(...) layers before compile');
  const loss = resolveLoss(options.loss);
  const optimizer = resolveOptimizer(options.optimizer ?? 'rmsprop');
  const units = model.outputSize;
  const metricNames = (options.metrics ?? []) as string[];
  const metrics = metricNames.map((m) => resolveMetric(m, loss, units));
  const taken = new Set<string>();
  for (const m of metrics) {
    if (taken.has(m.name)) throw new ValueError(`two metrics are named ${JSON.stringify(m.name)}; give one a different key ({ name, key })`);
    taken.add(m.name);
  }
  const metricOffsets: number[] = [];
  let metricSize = 0;
  for (const m of metrics) {
    metricOffsets.push(metricSize);
    metricSize += m.size;
  }
  const rank = model.outputShape.length;
  if ((isCategorical(loss) || loss.kind === 'bce') && rank > 1) {
    throw new ShapeError(`${loss.name} needs one vector of outputs per sample, but the model outputs shape [${model.outputShape}] per sample; flatten before the last dense layer`);
  }
  if (loss.kind === 'bce' && units < 1 && model.inputSize) throw new ShapeError('binaryCrossentropy needs at least one output unit');
  checkLossOutput(loss, units, model.layers);
  const last = model.layers[model.layers.length - 1].activation?.name;
  const mode: LossMode =
    !loss.fromLogits && isCategorical(loss) && last === 'softmax' ? 'softmaxCe'
    : !loss.fromLogits && loss.kind === 'bce' && last === 'sigmoid' ? 'sigmoidBce'
    : 'plain';
  releaseOptimizerState(model);
  releaseSlots(model); // the metric scratch depends on the metrics
  model.compiled = { loss, optimizer, metrics, metricNames, metricOffsets, metricSize, mode };
}

/**
 * Refuse what only looks like a loss: sparse class ids over one unit (every id would score loss 0),
 * and a categorical cross-entropy on outputs that are not probabilities. Keras divides such outputs
 * by their row sum and clips, which is NaN for a zero sum and meaningless for a negative one; we
 * refuse at compile instead (a deliberate difference, docs/keras-conformance.md).
 */
/** @internal Whether compile would take `loss` for this output (checkLossOutput without the error). */
export function lossFitsOutput(loss: Loss, units: number, layers: Layer[]): boolean {
  try {
    checkLossOutput(loss, units, layers);
    return true;
  } catch {
    return false;
  }
}

function checkLossOutput(loss: Loss, units: number, layers: Layer[]): void {
  if (loss.kind === 'scce' && units === 1) {
    throw new ShapeError('sparseCategoricalCrossentropy needs one output unit per class (at least 2), got 1; for two classes with one sigmoid unit use binaryCrossentropy');
  }
  if ((loss.kind !== 'cce' && loss.kind !== 'scce') || loss.fromLogits) return;
  let i = layers.length - 1;
  while (i > 0 && layers[i].type === 'Dropout') i--;
  const act = layers[i].activation?.name;
  if (act !== 'softmax' && act !== 'sigmoid') {
    throw new ValueError(`${loss.name} needs probabilities, but the last layer's activation is ${act ?? `none (${layers[i].type})`}: end with activation 'softmax', or pass losses.${loss.name}({ fromLogits: true })`);
  }
}
