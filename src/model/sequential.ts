// The sequential model: a stack of layers over one engine. It owns its wasm regions, laid out as
// in llm.c: params (trainable weights, then non-trainable ones such as moving statistics) | grads
// (the trainable layout) | optimizer state (same) | activation slots for a batch capacity (input,
// targets, sample weights, the layers' slots, GEMM packing and metric scratch), planned in
// memory.ts. Training logic lives in fit.ts / loop.ts / step.ts / batches.ts; this file is the
// lifecycle and the small public calls.
import type { Callbacks, Logs } from '../callbacks/base.js';
import { describe, positiveInt } from '../check.js';
import { type Engine, getEngine } from '../engine/engine.js';
import { Rng, checkSeed, randomSeed } from '../engine/rng.js';
import { ShapeError, StateError, ValueError } from '../errors.js';
import { type ModelFileOptions, modelToBytes } from '../io/model-file.js';
import { type SaveResult, saveModel } from '../io/storage.js';
import { type Layer, type Pass, type Weight } from '../layers/layer.js';
import { isLayer } from '../layers/index.js';
import { type Loss, type LossSpec, isCategorical, resolveLoss } from '../losses.js';
import { type BatchView, type Metric, type MetricSpec, resolveMetric } from '../metrics.js';
import { type Optimizer, type OptimizerName, resolveOptimizer } from '../optimizers.js';
import { type Batches, type BatchOptions, type FitDatasetOptions, fitBatches, predictOnBatch, testOnBatch, trainOnBatch } from './batches.js';
import { type EvaluateOptions, type FitOptions, evaluateData, fitLoop, hostTargets, overflowError, predictData } from './fit.js';
import { type InputData, type TargetData, ownColumns, toHostX } from './inputs.js';
import type { History } from './loop.js';
import { rowWeights } from './sample-weights.js';
import { allocOptimizerState, bindWeights, claimSlots, releaseOptimizerState, releaseSlots, shapeLayers } from './memory.js';
import { checkMemory } from './budget.js';
import { summaryText } from './summary.js';
import type { Tensor2D } from './tensor.js';

export interface CompileOptions {
  /** An optimizer object (adam({ learningRate })) or a name: 'sgd', 'adam', 'adamw', 'adamax', 'nadam', 'rmsprop', 'adagrad'. */
  optimizer: Optimizer | OptimizerName;
  /** A loss name ('sparseCategoricalCrossentropy', 'mse', ...) or a losses.* object. */
  loss: LossSpec;
  /** Metric names (e.g. ['accuracy', 'auc']) or options ({ name: 'topKCategoricalAccuracy', k: 3 }). */
  metrics?: MetricSpec[];
}

export interface SequentialOptions {
  /** Model name shown by summary(). */
  name?: string;
  /** Engine to run on; default: the shared engine of this runtime. */
  engine?: Engine;
}

/** How the loss meets the output layer. */
export type LossMode = 'softmaxCe' | 'sigmoidBce' | 'plain';

export interface Compiled {
  loss: Loss;
  optimizer: Optimizer;
  metrics: Metric[];
  /** The metrics as given (saved in model files). */
  metricNames: string[];
  /** Where each metric's accumulators start, and how many there are in all. */
  metricOffsets: number[];
  metricSize: number;
  mode: LossMode;
}

export class Sequential {
  readonly layers: Layer[] = [];
  name: string;
  /** Set to true (e.g. from a callback) to end fit after the current batch. */
  stopTraining = false;

  /** @internal */ compiled?: Compiled;
  private ownEngine?: Engine;
  /** @internal All weights: trainable (paramCount of them) then non-trainable (to weightCount). */ params = 0;
  /** @internal Gradients of the trainable weights. */ grads = 0;
  /** @internal Trainable weights: what the optimizer updates. */ paramCount = 0;
  /** @internal Trainable plus non-trainable weights. */ weightCount = 0;
  /** @internal [gradPtr, count] per trainable weight tensor (clipNorm clips each). */ gradTensors: number[] = [];
  /** @internal */ optState: number[] = [];
  /** @internal Copy of the weights before the current step (restored if the step overflows). */ backup = 0;
  /** @internal */ capacity = 0;
  /** @internal */ input = 0;
  /** @internal */ target = 0;
  /** @internal f32 per row. */ sampleWeights = 0;
  /** @internal */ pack = 0;
  /** @internal f64 scratch of the metric kernels. */ metricScratch = 0;
  /** @internal Output of the last forward pass. */ out = 0;
  /** @internal The last batch's loss sum (a typed array, so that no number is boxed per step). */ lossSum = new Float64Array(1);
  /** @internal */ rng?: Rng;
  /** @internal Reused by every pass, so a step allocates nothing. */ pass: Pass;
  /** @internal */ view: BatchView;
  /** Epochs completed by fit over the model's life (drives the shuffle stream). */
  epochsTrained = 0;
  private disposed = false;
  /** A fit / fitDataset is running: it owns the slots and the optimizer state until it settles. */
  private fitting = false;

  constructor(layers: Layer[] = [], options: SequentialOptions = {}) {
    if (!Array.isArray(layers)) throw new ValueError(`sequential() takes an array of layers, got ${describe(layers)}`);
    this.name = options.name ?? 'sequential';
    this.ownEngine = options.engine;
    this.pass = { engine: undefined as unknown as Engine, rows: 0, pack: 0, training: false, seed: 0n, step: 0 };
    this.view = { engine: undefined as unknown as Engine, out: 0, target: 0, labels: false, rows: 0, cols: 0, scratch: 0 };
    for (const layer of layers) this.add(layer);
  }

  /** Append a layer (before the model has weights). */
  add(layer: Layer): void {
    this.assertUsable();
    if (!isLayer(layer)) {
      throw new ValueError(`sequential layers must be made by dense(...), dropout(...), batchNormalization(...), layerNormalization(...) or activation(...), got ${describe(layer)}`);
    }
    if (this.params) throw new StateError('cannot add layers to a model that already has weights; build a new model');
    // The owner mark, not layers.includes: a search per add made building n layers O(n²).
    if (layer.owner === this) throw new ValueError(`layer ${layer.name || layer.type} is already in this model`);
    if (layer.owner && layer.owner !== this) {
      throw new ValueError(`layer ${layer.name || layer.type} already belongs to another model; create a new layer (weights can be copied with getWeights / setWeights)`);
    }
    layer.owner = this;
    this.layers.push(layer);
  }

  /** @internal The engine, created on first need. */
  get engine(): Engine {
    return (this.ownEngine ??= getEngine());
  }

  get built(): boolean {
    return this.params !== 0;
  }

  /** Input width, if known. */
  get inputDim(): number {
    return this.layers[0]?.inputDim || this.layers[0]?.inputShape?.[0] || 0;
  }

  /** Output width (0 while unknown: no dense layer and no input width). */
  get outputUnits(): number {
    return this.layers.reduce((w, l) => l.outputDim(w), this.inputDim);
  }

  /**
   * Create the weights: for `inputShape` (default: the first layer's), initialised from `seed`
   * (default: random). fit/predict call this on first use.
   */
  build(options: { inputShape?: number[]; seed?: number } = {}): void {
    this.assertUsable();
    if (this.params) throw new StateError('model is already built');
    if (this.layers.length === 0) throw new StateError('model has no layers: add dense(...) layers first');
    const shape = options.inputShape ?? this.layers[0].inputShape;
    if (!shape) {
      throw new StateError('the model does not know its input width: give the first layer inputShape (e.g. dense({ units, inputShape: [784] })) or pass data to fit/predict');
    }
    if (!Array.isArray(shape) || shape.length !== 1) throw new ShapeError(`inputShape must be [features], got ${JSON.stringify(shape)}`);
    const first = this.layers[0].inputShape?.[0];
    const width = positiveInt(shape[0], 'inputShape[0]');
    if (first !== undefined && first !== width) throw new ShapeError(`input has ${width} features but the first layer's inputShape is [${first}]`);
    const seed = checkSeed(options.seed) ?? randomSeed();
    shapeLayers(this, width);
    bindWeights(this);
    this.rng = new Rng(seed);
    for (const layer of this.layers) layer.initParams(this.engine, this.rng);
  }

  /** Choose optimizer, loss and metrics. Compiling again keeps the weights and resets the optimizer. */
  compile(options: CompileOptions): void {
    this.assertUsable();
    if (this.fitting) throw new StateError('cannot compile while fit is running on this model');
    if (options === null || typeof options !== 'object') throw new ValueError('compile() takes { optimizer, loss, metrics }');
    if (this.layers.length === 0) throw new StateError('model has no layers: add dense(...) layers before compile');
    if (options.metrics !== undefined && !Array.isArray(options.metrics)) throw new ValueError(`compile metrics must be an array of names, got ${describe(options.metrics)}`);
    const loss = resolveLoss(options.loss);
    const optimizer = resolveOptimizer(options.optimizer ?? 'rmsprop');
    const units = this.outputUnits;
    const metricNames = (options.metrics ?? []) as string[];
    const metrics = metricNames.map((m) => resolveMetric(m, loss, units));
    const metricOffsets: number[] = [];
    let metricSize = 0;
    for (const m of metrics) {
      metricOffsets.push(metricSize);
      metricSize += m.size;
    }
    if (loss.kind === 'bce' && units < 1 && this.inputDim) throw new ShapeError('binaryCrossentropy needs at least one output unit');
    const last = this.layers[this.layers.length - 1].activation?.name;
    const mode: LossMode =
      !loss.fromLogits && isCategorical(loss) && last === 'softmax' ? 'softmaxCe'
      : !loss.fromLogits && loss.kind === 'bce' && last === 'sigmoid' ? 'sigmoidBce'
      : 'plain';
    releaseOptimizerState(this);
    releaseSlots(this); // the metric scratch depends on the metrics
    this.compiled = { loss, optimizer, metrics, metricNames, metricOffsets, metricSize, mode };
  }

  /** @internal Make sure weights exist, inferring the input width from data if needed. */
  ensureBuilt(x: unknown, seed?: number): void {
    if (this.params) return;
    const cols = this.layers[0]?.inputShape?.[0] ?? ownColumns(x);
    this.build({ inputShape: cols === undefined ? undefined : [cols], seed });
  }

  /** @internal Slots for up to `rows` rows per batch; grows (never shrinks) the capacity. */
  ensureCapacity(rows: number): void {
    if (rows > this.capacity) claimSlots(this, rows);
  }

  /** @internal Optimizer state (and the weights' backup), allocated on the first training step. */
  ensureOptimizerState(): void {
    const opt = this.compiled!.optimizer;
    if (this.backup && this.optState.length === opt.slots) return;
    releaseOptimizerState(this);
    allocOptimizerState(this);
  }

  /**
   * Train on x / y, or on a stream of batches: `fit(batches, options)` as fitDataset. Resolves
   * with the per-epoch history; calling it again continues from the current weights.
   */
  async fit(x: InputData, y: TargetData, options?: FitOptions): Promise<History>;
  async fit(batches: Batches, options?: FitDatasetOptions): Promise<History>;
  async fit(x: InputData | Batches, y?: TargetData | FitDatasetOptions, options: FitOptions = {}): Promise<History> {
    this.assertCompiled('fit');
    return this.whileFitting(() => (isBatches(x) ? fitBatches(this, x, (y ?? {}) as FitDatasetOptions) : fitLoop(this, x as InputData, y as TargetData, options)));
  }

  /**
   * Train on batches from a sync or async iterable (or a function returning one per epoch), for
   * data larger than memory. Each batch is `{ x, y, sampleWeight? }` or `[x, y, sampleWeight?]`.
   */
  async fitDataset(batches: Batches, options: FitDatasetOptions = {}): Promise<History> {
    this.assertCompiled('fitDataset');
    return this.whileFitting(() => fitBatches(this, batches, options));
  }

  /**
   * One fit at a time per model (two would share its slots and optimizer state); a dispose() that
   * came during the fit frees the memory once the fit has stopped using it.
   */
  private async whileFitting(run: () => Promise<History>): Promise<History> {
    if (this.fitting) throw new StateError('fit is already running on this model; await it first');
    this.fitting = true;
    try {
      return await run();
    } finally {
      this.fitting = false;
      if (this.disposed) this.free();
    }
  }

  /** Loss and metrics on x / y, e.g. `{ loss: 0.31, accuracy: 0.89 }`. */
  evaluate(x: InputData, y: TargetData, options: EvaluateOptions = {}): Logs {
    this.assertCompiled('evaluate');
    checkOptions(options, 'evaluate');
    const batchSize = positiveInt(options.batchSize ?? 256, 'batchSize');
    checkMemory(this, 'evaluate', [x], { batchSize, training: false, wholeData: true });
    this.ensureBuilt(x);
    const hx = toHostX(x, this.inputDim);
    const hy = hostTargets(this, y, hx.rows);
    const w = rowWeights(hy, options.sampleWeight, options.classWeight);
    return finiteLoss(evaluateData(this, hx, hy, batchSize, w), 'evaluate');
  }

  /** Outputs for any number of rows: a (rows, units) Tensor2D. */
  predict(x: InputData, options: { batchSize?: number } = {}): Tensor2D {
    this.assertUsable();
    if (this.layers.length === 0) throw new StateError('model has no layers: add dense(...) layers first');
    checkOptions(options, 'predict');
    const batchSize = positiveInt(options.batchSize ?? 256, 'batchSize');
    checkMemory(this, 'predict', [x], { batchSize, training: false, wholeData: true });
    this.ensureBuilt(x);
    const hx = toHostX(x, this.inputDim);
    return predictData(this, hx, batchSize);
  }

  /** One gradient step on exactly this batch; returns its `{ loss, <metric>... }` (Keras train_on_batch). */
  trainOnBatch(x: InputData, y: TargetData, options: BatchOptions = {}): Logs {
    this.assertCompiled('trainOnBatch');
    checkOptions(options, 'trainOnBatch');
    checkMemory(this, 'trainOnBatch', [x], { batchSize: Infinity, training: true, wholeData: false });
    return trainOnBatch(this, x, y, options);
  }

  /** Loss and metrics of this one batch, without training (Keras test_on_batch). */
  testOnBatch(x: InputData, y: TargetData, options: BatchOptions = {}): Logs {
    this.assertCompiled('testOnBatch');
    checkOptions(options, 'testOnBatch');
    return finiteLoss(testOnBatch(this, x, y, options), 'testOnBatch');
  }

  /** Outputs for this batch in one forward pass (Keras predict_on_batch). */
  predictOnBatch(x: InputData): Tensor2D {
    this.assertUsable();
    if (this.layers.length === 0) throw new StateError('model has no layers: add dense(...) layers first');
    return predictOnBatch(this, x);
  }

  /** Every weight tensor, layer by layer in Keras order (kernel, bias; gamma, beta, moving_mean, moving_variance), as copies. */
  getWeights(): Weight[] {
    this.assertBuilt();
    return this.layers.flatMap((l) => l.getWeights(this.engine));
  }

  /** Replace every weight; takes what getWeights returns (or plain Float32Arrays in that order). */
  setWeights(weights: (Weight | Float32Array | number[])[]): void {
    this.assertBuilt();
    const count = this.layers.reduce((s, l) => s + l.weightShapes().length, 0);
    if (!Array.isArray(weights) || weights.length !== count) {
      throw new ShapeError(`setWeights expects ${count} arrays (every layer's weights in getWeights order), got ${Array.isArray(weights) ? weights.length : describe(weights)}`);
    }
    let i = 0;
    const checked = this.layers.map((l) => l.checkWeights(weights.slice(i, (i += l.weightShapes().length))));
    this.layers.forEach((l, j) => l.writeWeights(this.engine, checked[j]));
  }

  /** Printable table of layers, output shapes and parameter counts; printed unless print is false. */
  summary(options: { print?: boolean; formula?: boolean } = {}): string {
    this.assertUsable();
    const text = summaryText(this, options.formula ?? false);
    if (options.print ?? true) console.log(text);
    return text;
  }

  /** Total number of weights, trainable and not (needs a known input width). */
  countParams(): number {
    let width = this.inputDim;
    if (!width) throw new StateError('the model does not know its input width yet: give the first layer inputShape');
    let total = 0;
    for (const l of this.layers) {
      const c = l.paramCountFor(width);
      total += c.trainable + c.nonTrainable;
      width = l.outputDim(width);
    }
    return total;
  }

  /**
   * The model as one file's bytes (safetensors container; see the README's file format section).
   * `{ includeOptimizer: true }` makes a checkpoint that fit resumes from bit for bit.
   */
  toBytes(options: ModelFileOptions = {}): Uint8Array {
    this.assertBuilt();
    return modelToBytes(this, options);
  }

  /**
   * Save to a path (Node, Deno; atomic: a crash mid-save leaves any previous file intact) or to
   * 'indexeddb://name', 'localstorage://name', 'downloads://name'. `{ includeOptimizer: true }`
   * makes a checkpoint.
   */
  async save(target: string, options: ModelFileOptions = {}): Promise<SaveResult> {
    this.assertBuilt();
    return saveModel(this, target, options);
  }

  /**
   * Free the model's wasm memory. The model cannot be used afterwards. During a fit (from a
   * callback or a timer), training stops after the current batch and the memory is freed then.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const layer of this.layers) layer.owner = undefined;
    if (this.fitting) this.stopTraining = true;
    else this.free();
  }

  private free(): void {
    if (this.ownEngine) {
      releaseSlots(this);
      releaseOptimizerState(this);
      this.engine.release(this.params);
      this.engine.release(this.grads);
    }
    this.params = this.grads = 0;
  }

  /** @internal */
  assertUsable(): void {
    if (this.disposed) throw new StateError('this model has been disposed; create or load a new one');
  }

  private assertBuilt(): void {
    this.assertUsable();
    if (!this.params) this.build();
  }

  private assertCompiled(what: string): void {
    this.assertUsable();
    if (!this.compiled) throw new StateError(`call compile({ optimizer, loss }) before ${what}`);
  }
}

function checkOptions(o: unknown, call: string): void {
  if (o === null || typeof o !== 'object') throw new ValueError(`${call} options must be an object, got ${describe(o)}`);
}

/** Evaluation logs, unless the loss overflowed (NaN or Infinity is never returned silently). */
function finiteLoss(logs: Logs, call: string): Logs {
  if (!Number.isFinite(logs.loss)) throw overflowError(call, `the loss is ${logs.loss}`);
  return logs;
}

/** A stream of batches rather than x / y arrays (arrays and typed arrays are data, not streams). */
function isBatches(x: unknown): x is Batches {
  if (typeof x === 'function') return true;
  if (x === null || typeof x !== 'object' || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
  return Symbol.asyncIterator in x || Symbol.iterator in x;
}

/** A linear stack of layers, as Keras `Sequential` / TF.js `tf.sequential`. */
export function sequential(layers: Layer[] = [], options: SequentialOptions = {}): Sequential {
  return new Sequential(layers, options);
}

export type { Callbacks, EvaluateOptions, FitOptions, History, Logs };
