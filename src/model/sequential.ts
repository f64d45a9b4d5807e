// The sequential model as users meet it: a stack of layers with Keras' calls (build, compile, fit,
// evaluate, predict, the *OnBatch calls, weights, summary, save, dispose). It is a facade: the
// working state — wasm regions, slots, generator, compile settings — is the model core (core.ts),
// which every other part of the library takes; this file checks arguments and the lifecycle
// (disposed, one fit at a time) and forwards.
import { describe, positiveInt } from '../check.js';
import type { Engine } from '../engine/engine.js';
import { ShapeError, StateError, ValueError } from '../errors.js';
import type { Callbacks, Logs } from '../hooks.js';
import { type Layer, type Weight, trainableFlag } from '../layers/layer.js';
import { isLayer } from '../layers/index.js';
import { sizeOf } from '../layers/shape.js';
import { type Batches, type BatchOptions, type FitDatasetOptions, fitBatches, predictOnBatch, testOnBatch, trainOnBatch } from './batches.js';
import { checkMemory } from './budget.js';
import { type CompileOptions, compileCore } from './compile.js';
import { type Compiled, type LossMode, ModelCore } from './core.js';
import { type EvaluateOptions, type FitOptions, evaluateArrays, finiteLoss, fitLoop, predictData } from './fit.js';
import { type ModelFileOptions, type SaveResult, modelWriters } from './files.js';
import { type InputData, type TargetData, toHostX } from './inputs.js';
import { checkCallOptions } from './options.js';
import type { History } from './loop.js';
import { summaryText } from './summary.js';
import type { Tensor2D } from './tensor.js';

export type { CompileOptions, Compiled, LossMode };

export interface SequentialOptions {
  /** Model name shown by summary(). */
  name?: string;
  /** Engine to run on; default: the shared engine of this runtime. */
  engine?: Engine;
}

export class Sequential {
  /** @internal The working state every part of the library takes (see core.ts). */
  readonly core: ModelCore;
  /** A fit / fitDataset is running: it owns the slots and the optimizer state until it settles. */
  private fitting = false;

  constructor(layers: Layer[] = [], options: SequentialOptions = {}) {
    if (!Array.isArray(layers)) throw new ValueError(`sequential() takes an array of layers, got ${describe(layers)}`);
    checkCallOptions(options, 'sequential');
    this.core = new ModelCore(options.name ?? 'sequential', options.engine);
    this.core.facade = this;
    for (const layer of layers) this.add(layer);
  }

  get layers(): Layer[] {
    return this.core.layers;
  }

  /** Model name shown by summary(). */
  get name(): string {
    return this.core.name;
  }

  set name(name: string) {
    this.core.name = name;
  }

  /** Set to true (e.g. from a callback) to end fit after the current batch. */
  get stopTraining(): boolean {
    return this.core.stopTraining;
  }

  set stopTraining(stop: boolean) {
    this.core.stopTraining = stop;
  }

  /**
   * Keras `model.trainable`: setting it sets every layer's `trainable` (freezing or unfreezing the
   * whole model); while it is false no layer trains, whatever its own flag. Takes effect at the next
   * training step, as a layer's flag does.
   */
  get trainable(): boolean {
    return this.core.trainable;
  }

  set trainable(value: boolean) {
    this.core.assertUsable();
    const v = trainableFlag(value, `model ${this.name}`);
    for (const layer of this.layers) layer.trainable = v;
    this.core.trainable = v;
  }

  /** Epochs completed by fit over the model's life (drives the shuffle stream). */
  get epochsTrained(): number {
    return this.core.epochsTrained;
  }

  set epochsTrained(epochs: number) {
    this.core.epochsTrained = epochs;
  }

  /** Append a layer (before the model has weights). */
  add(layer: Layer): void {
    this.core.assertUsable();
    if (!isLayer(layer)) {
      throw new ValueError(`sequential layers must be made by dense(...), dropout(...), batchNormalization(...), layerNormalization(...) or activation(...), got ${describe(layer)}`);
    }
    if (this.core.built) throw new StateError('cannot add layers to a model that already has weights; build a new model');
    // The owner mark, not layers.includes: a search per add made building n layers O(n²).
    if (layer.owner === this) throw new ValueError(`layer ${layer.name || layer.type} is already in this model`);
    if (layer.owner && layer.owner !== this) {
      throw new ValueError(`layer ${layer.name || layer.type} already belongs to another model; create a new layer (weights can be copied with getWeights / setWeights)`);
    }
    layer.owner = this;
    this.layers.push(layer);
  }

  /** The engine this model runs on (`engine.info()`: build, threads, memory); created on first need. */
  get engine(): Engine {
    return this.core.engine;
  }

  get built(): boolean {
    return this.core.built;
  }

  /** Values per input sample (the product of the input shape; the row width of a rank-2 model), if known. */
  get inputDim(): number {
    return this.core.inputSize;
  }

  /** Values per output sample (0 while unknown: no dense layer and no input shape). */
  get outputUnits(): number {
    return this.core.outputSize;
  }

  /**
   * Create the weights: for `inputShape` (the shape of one sample, default: the first layer's),
   * initialised from `seed` (default: random). fit/predict call this on first use.
   */
  build(options: { inputShape?: number[]; seed?: number } = {}): void {
    this.core.assertUsable();
    checkCallOptions(options, 'build');
    this.core.build(options.inputShape, options.seed);
  }

  /** Choose optimizer, loss and metrics. Compiling again keeps the weights and resets the optimizer. */
  compile(options: CompileOptions): void {
    this.core.assertUsable();
    if (this.fitting) throw new StateError('cannot compile while fit is running on this model');
    compileCore(this.core, options);
  }

  /**
   * Train on x / y, or on a stream of batches: `fit(batches, options)` as fitDataset. Resolves
   * with the per-epoch history; calling it again continues from the current weights.
   */
  async fit(x: InputData, y: TargetData, options?: FitOptions): Promise<History>;
  async fit(batches: Batches, options?: FitDatasetOptions): Promise<History>;
  async fit(x: InputData | Batches, y?: TargetData | FitDatasetOptions, options: FitOptions = {}): Promise<History> {
    this.assertCompiled('fit');
    return this.whileFitting(() => (isBatches(x) ? fitBatches(this.core, x, (y ?? {}) as FitDatasetOptions) : fitLoop(this.core, x as InputData, y as TargetData, options)));
  }

  /**
   * Train on batches from a sync or async iterable (or a function returning one per epoch), for
   * data larger than memory. Each batch is `{ x, y, sampleWeight? }` or `[x, y, sampleWeight?]`.
   */
  async fitDataset(batches: Batches, options: FitDatasetOptions = {}): Promise<History> {
    this.assertCompiled('fitDataset');
    return this.whileFitting(() => fitBatches(this.core, batches, options));
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
      if (this.core.disposed) this.core.free();
    }
  }

  /** Loss and metrics on x / y, e.g. `{ loss: 0.31, accuracy: 0.89 }`. */
  evaluate(x: InputData, y: TargetData, options: EvaluateOptions = {}): Logs {
    this.assertCompiled('evaluate');
    checkCallOptions(options, 'evaluate');
    return evaluateArrays(this.core, x, y, options);
  }

  /** Outputs for any number of rows: a (rows, units) Tensor2D. */
  predict(x: InputData, options: { batchSize?: number } = {}): Tensor2D {
    this.assertHasLayers();
    checkCallOptions(options, 'predict');
    const batchSize = positiveInt(options.batchSize ?? 256, 'batchSize');
    checkMemory(this.core, 'predict', [x], { batchSize, training: false, wholeData: true });
    this.core.ensureBuilt(x);
    return predictData(this.core, toHostX(x, this.core.inputShape!), batchSize);
  }

  /** One gradient step on exactly this batch; returns its `{ loss, <metric>... }` (Keras train_on_batch). */
  trainOnBatch(x: InputData, y: TargetData, options: BatchOptions = {}): Logs {
    this.assertCompiled('trainOnBatch');
    checkCallOptions(options, 'trainOnBatch');
    checkMemory(this.core, 'trainOnBatch', [x], { batchSize: Infinity, training: true, wholeData: false });
    return trainOnBatch(this.core, x, y, options);
  }

  /** Loss and metrics of this one batch, without training (Keras test_on_batch). */
  testOnBatch(x: InputData, y: TargetData, options: BatchOptions = {}): Logs {
    this.assertCompiled('testOnBatch');
    checkCallOptions(options, 'testOnBatch');
    return finiteLoss(testOnBatch(this.core, x, y, options), 'testOnBatch');
  }

  /** Outputs for this batch in one forward pass (Keras predict_on_batch). */
  predictOnBatch(x: InputData): Tensor2D {
    this.assertHasLayers();
    return predictOnBatch(this.core, x);
  }

  /** Every weight tensor, layer by layer in Keras order (kernel, bias; gamma, beta, moving_mean, moving_variance), as copies. */
  getWeights(): Weight[] {
    this.assertBuilt();
    return this.layers.flatMap((l) => l.getWeights(this.core.engine));
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
    this.layers.forEach((l, j) => l.writeWeights(this.core.engine, checked[j]));
  }

  /**
   * Printable table of layers, output shapes and parameter counts (total, trainable, non-trainable);
   * printed unless print is false. `formula` explains each count, `showTrainable` adds Keras'
   * Trainable column (Y / N, - for a layer without weights).
   */
  summary(options: { print?: boolean; formula?: boolean; showTrainable?: boolean } = {}): string {
    this.core.assertUsable();
    checkCallOptions(options, 'summary');
    const text = summaryText(this.core, options.formula ?? false, options.showTrainable ?? false);
    if (options.print ?? true) console.log(text);
    return text;
  }

  /** Total number of weights, trainable and not (needs a known input shape), as summary's "Total params". */
  countParams(): number {
    let shape = this.core.inputShape;
    if (!shape || !sizeOf(shape)) throw new StateError('the model does not know its input width yet: give the first layer inputShape');
    let total = 0;
    for (const l of this.layers) {
      const c = l.paramCountFor(shape);
      total += c.trainable + c.nonTrainable;
      shape = l.computeOutputShape(shape);
    }
    return total;
  }

  /**
   * The weights training updates now (Keras `model.trainable_weights`): copies, layer by layer, of
   * the trainable layers' kernels, biases, gammas and betas. Empty while `model.trainable` is false.
   */
  get trainableWeights(): Weight[] {
    return this.weightsBy(true);
  }

  /** The other weights (Keras `model.non_trainable_weights`): moving statistics, and every weight of a frozen layer. */
  get nonTrainableWeights(): Weight[] {
    return this.weightsBy(false);
  }

  private weightsBy(trainable: boolean): Weight[] {
    this.assertBuilt();
    return this.layers.flatMap((l) => {
      const trains = this.core.trains(l);
      const specs = l.weightShapes();
      return l.getWeights(this.core.engine).filter((_, i) => (specs[i].trainable && trains) === trainable);
    });
  }

  /**
   * The model as one file's bytes (safetensors container; see docs/files.md, The model file).
   * `{ includeOptimizer: true }` makes a checkpoint that fit resumes from bit for bit.
   */
  toBytes(options: ModelFileOptions = {}): Uint8Array {
    this.assertBuilt();
    checkCallOptions(options, 'toBytes');
    return modelWriters().toBytes(this, options);
  }

  /**
   * Save to a path (Node, Deno; atomic: a crash mid-save leaves any previous file intact) or to
   * 'indexeddb://name', 'localstorage://name', 'downloads://name'. `{ includeOptimizer: true }`
   * makes a checkpoint.
   */
  async save(target: string, options: ModelFileOptions = {}): Promise<SaveResult> {
    this.assertBuilt();
    checkCallOptions(options, 'save');
    return modelWriters().save(this, target, options);
  }

  /**
   * Free the model's wasm memory. The model cannot be used afterwards. During a fit (from a
   * callback or a timer), training stops after the current batch and the memory is freed then.
   */
  dispose(): void {
    if (this.core.disposed) return;
    this.core.disposed = true;
    for (const layer of this.layers) layer.owner = undefined;
    if (this.fitting) this.core.stopTraining = true;
    else this.core.free();
  }

  private assertBuilt(): void {
    this.core.assertUsable();
    if (!this.core.built) this.build();
  }

  private assertHasLayers(): void {
    this.core.assertUsable();
    if (this.layers.length === 0) throw new StateError('model has no layers: add dense(...) layers first');
  }

  private assertCompiled(what: string): void {
    this.core.assertUsable();
    if (!this.core.compiled) throw new StateError(`call compile({ optimizer, loss }) before ${what}`);
  }
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
