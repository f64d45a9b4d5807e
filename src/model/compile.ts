// compile(): optimizer, loss and metrics resolved into the core's compile settings, and how the
// loss meets the output layer (fused with a softmax or sigmoid output, or plain).
import { ShapeError, StateError, ValueError } from '../errors.js';
import { type LossSpec, isCategorical, resolveLoss } from '../losses.js';
import { type MetricSpec, resolveMetric } from '../metrics.js';
import { type Optimizer, type OptimizerName, resolveOptimizer } from '../optimizers.js';
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
  const last = model.layers[model.layers.length - 1].activation?.name;
  const mode: LossMode =
    !loss.fromLogits && isCategorical(loss) && last === 'softmax' ? 'softmaxCe'
    : !loss.fromLogits && loss.kind === 'bce' && last === 'sigmoid' ? 'sigmoidBce'
    : 'plain';
  releaseOptimizerState(model);
  releaseSlots(model); // the metric scratch depends on the metrics
  model.compiled = { loss, optimizer, metrics, metricNames, metricOffsets, metricSize, mode };
}
