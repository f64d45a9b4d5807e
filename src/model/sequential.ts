// The sequential model: a stack of dense layers over one engine. It owns its wasm regions, laid
// out as in llm.c: params | grads (same layout) | optimizer state, then activation slots for a
// batch capacity (input, per-layer z / y / g, targets, GEMM packing scratch). Training logic
// lives in fit.ts; this file is lifecycle, memory plan and the small public calls.
import { describe, positiveInt } from '../check.js';
import { type Engine, getEngine } from '../engine/engine.js';
import { Rng, checkSeed, randomSeed } from '../engine/rng.js';
import { ShapeError, StateError, ValueError } from '../errors.js';
import { Dense, type Weight } from '../layers/dense.js';
import { type Loss, type LossSpec, isCategorical, resolveLoss } from '../losses.js';
import { type Metric, resolveMetric } from '../metrics.js';
import { type Optimizer, type OptimizerName, resolveOptimizer } from '../optimizers.js';
import { type Callbacks, type FitOptions, type History, type Logs, evaluateData, fitLoop, predictData } from './fit.js';
import { type InputData, type TargetData, ownColumns, toHostX, toHostY } from './inputs.js';
import { summaryText } from './summary.js';
import { modelToBytes } from '../io/model-file.js';
import { saveModel } from '../io/node-files.js';
import { Tensor2D } from './tensor.js';

export interface CompileOptions {
  /** An optimizer object (adam({ learningRate })) or a name: 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'. */
  optimizer: Optimizer | OptimizerName;
  /** A loss name ('sparseCategoricalCrossentropy', 'mse', ...) or a losses.* object. */
  loss: LossSpec;
  /** Metric names, e.g. ['accuracy']. */
  metrics?: string[];
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
  metricNames: string[];
  mode: LossMode;
}

export class Sequential {
  readonly layers: Dense[] = [];
  name: string;
  /** Set to true (e.g. from a callback) to end fit after the current batch. */
  stopTraining = false;

  /** @internal */ compiled?: Compiled;
  private ownEngine?: Engine;
  /** @internal */ params = 0;
  /** @internal */ grads = 0;
  /** @internal */ paramCount = 0;
  /** @internal */ optState: number[] = [];
  /** @internal Copy of the weights before the current step (restored if the step overflows). */ backup = 0;
  /** @internal */ capacity = 0;
  /** @internal */ input = 0;
  /** @internal */ target = 0;
  /** @internal */ pack = 0;
  /** @internal */ rng?: Rng;
  /** Epochs completed by fit over the model's life (drives the shuffle stream). */
  epochsTrained = 0;
  private disposed = false;

  constructor(layers: Dense[] = [], options: SequentialOptions = {}) {
    if (!Array.isArray(layers)) throw new ValueError(`sequential() takes an array of layers, got ${describe(layers)}`);
    this.name = options.name ?? 'sequential';
    this.ownEngine = options.engine;
    for (const layer of layers) this.add(layer);
  }

  /** Append a layer (before the model has weights). */
  add(layer: Dense): void {
    this.assertUsable();
    if (!(layer instanceof Dense)) throw new ValueError(`sequential layers must be made by dense(...), got ${describe(layer)}`);
    if (this.params) throw new StateError('cannot add layers to a model that already has weights; build a new model');
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

  get outputUnits(): number {
    return this.layers[this.layers.length - 1]?.units ?? 0;
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
    this.shapeLayers(width);
    const n = this.paramCount;
    this.engine.checkFits(n * 8, `the weights of ${n} parameters`);
    this.params = this.engine.allocFloats(n, 'weights');
    this.grads = this.engine.allocFloats(n, 'gradients');
    let offset = 0;
    for (const layer of this.layers) {
      layer.bind(this.params + offset * 4, this.grads + offset * 4);
      offset += layer.paramCount;
    }
    this.rng = new Rng(seed);
    for (const layer of this.layers) layer.initParams(this.engine, this.rng);
  }

  /** Assign input widths and unique names (dense, dense_1, ...). */
  private shapeLayers(width: number): void {
    const names = new Set<string>();
    let count = 0;
    for (const layer of this.layers) {
      if (!layer.name) {
        do layer.name = count++ === 0 ? 'dense' : `dense_${count - 1}`;
        while (names.has(layer.name));
      }
      if (names.has(layer.name)) throw new ValueError(`two layers are named ${JSON.stringify(layer.name)}; layer names must be unique`);
      names.add(layer.name);
      layer.build(width);
      width = layer.units;
    }
    this.paramCount = this.layers.reduce((s, l) => s + l.paramCount, 0);
  }

  /** Choose optimizer, loss and metrics. Compiling again keeps the weights and resets the optimizer. */
  compile(options: CompileOptions): void {
    this.assertUsable();
    if (options === null || typeof options !== 'object') throw new ValueError('compile() takes { optimizer, loss, metrics }');
    if (this.layers.length === 0) throw new StateError('model has no layers: add dense(...) layers before compile');
    if (options.metrics !== undefined && !Array.isArray(options.metrics)) throw new ValueError(`compile metrics must be an array of names, got ${describe(options.metrics)}`);
    const loss = resolveLoss(options.loss);
    const optimizer = resolveOptimizer(options.optimizer ?? 'rmsprop');
    const units = this.outputUnits;
    const metricNames = options.metrics ?? [];
    const metrics = metricNames.map((m) => resolveMetric(m, loss, units));
    if (loss.kind === 'bce' && units < 1) throw new ShapeError('binaryCrossentropy needs at least one output unit');
    const last = this.layers[this.layers.length - 1].activation.name;
    const mode: LossMode =
      !loss.fromLogits && isCategorical(loss) && last === 'softmax' ? 'softmaxCe'
      : !loss.fromLogits && loss.kind === 'bce' && last === 'sigmoid' ? 'sigmoidBce'
      : 'plain';
    this.releaseOptimizerState();
    this.compiled = { loss, optimizer, metrics, metricNames, mode };
  }

  /** @internal Make sure weights exist, inferring the input width from data if needed. */
  ensureBuilt(x: unknown, seed?: number): void {
    if (this.params) return;
    const cols = this.layers[0]?.inputShape?.[0] ?? ownColumns(x);
    this.build({ inputShape: cols === undefined ? undefined : [cols], seed });
  }

  /** @internal Slots for up to `rows` rows per batch; grows (never shrinks) the capacity. */
  ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    this.releaseSlots();
    const e = this.engine;
    const out = this.outputUnits;
    let pack = 0;
    const perRow = this.inputDim + out + this.layers.reduce((s, l) => s + l.units * (l.separateZ ? 3 : 2), 0);
    e.checkFits(rows * perRow * 4, `activations for a batch of ${rows} rows`);
    this.input = e.allocFloats(rows * this.inputDim, 'input batch');
    this.target = e.allocFloats(rows * out, 'target batch');
    for (const layer of this.layers) {
      layer.claimSlots(e, rows);
      pack = Math.max(pack, layer.packBytes(e, rows));
    }
    this.pack = e.alloc(Math.max(pack, 64), 'GEMM scratch');
    this.capacity = rows;
  }

  /** @internal Optimizer state (and the weights' backup), allocated on the first training step. */
  ensureOptimizerState(): void {
    const opt = this.compiled!.optimizer;
    if (this.backup && this.optState.length === opt.slots) return;
    this.releaseOptimizerState();
    this.backup = this.engine.allocFloats(this.paramCount, 'weights backup');
    for (let s = 0; s < opt.slots; s++) {
      const ptr = this.engine.allocFloats(this.paramCount, 'optimizer state');
      this.engine.f32.fill(opt.initialState[s] ?? 0, ptr >>> 2, (ptr >>> 2) + this.paramCount);
      this.optState.push(ptr);
    }
  }

  private releaseOptimizerState(): void {
    for (const p of this.optState) this.engine.release(p);
    this.engine.release(this.backup);
    this.optState = [];
    this.backup = 0;
  }

  private releaseSlots(): void {
    if (!this.capacity) return;
    const e = this.engine;
    for (const layer of this.layers) layer.releaseSlots(e);
    for (const p of [this.input, this.target, this.pack]) e.release(p);
    this.input = this.target = this.pack = this.capacity = 0;
  }

  /**
   * Train on x / y. Resolves with the per-epoch history; calling it again continues from the
   * current weights. See FitOptions for the options.
   */
  async fit(x: InputData, y: TargetData, options: FitOptions = {}): Promise<History> {
    this.assertCompiled('fit');
    return fitLoop(this, x, y, options);
  }

  /** Loss and metrics on x / y, e.g. `{ loss: 0.31, accuracy: 0.89 }`. */
  evaluate(x: InputData, y: TargetData, options: { batchSize?: number } = {}): Logs {
    this.assertCompiled('evaluate');
    this.ensureBuilt(x);
    const hx = toHostX(x, this.inputDim);
    const c = this.compiled!;
    const hy = toHostY(y, hx.rows, this.outputUnits, isCategorical(c.loss), true);
    return evaluateData(this, hx, hy, positiveInt(options.batchSize ?? 256, 'batchSize'));
  }

  /** Outputs for any number of rows: a (rows, units) Tensor2D. */
  predict(x: InputData, options: { batchSize?: number } = {}): Tensor2D {
    this.assertUsable();
    if (this.layers.length === 0) throw new StateError('model has no layers: add dense(...) layers first');
    this.ensureBuilt(x);
    const hx = toHostX(x, this.inputDim);
    return predictData(this, hx, positiveInt(options.batchSize ?? 256, 'batchSize'));
  }

  /** Every weight tensor, layer by layer (kernel then bias), as copies. */
  getWeights(): Weight[] {
    this.assertBuilt();
    return this.layers.flatMap((l) => l.getWeights(this.engine));
  }

  /** Replace every weight; takes what getWeights returns (or plain Float32Arrays in that order). */
  setWeights(weights: (Weight | Float32Array | number[])[]): void {
    this.assertBuilt();
    const count = this.layers.reduce((s, l) => s + l.weightShapes().length, 0);
    if (!Array.isArray(weights) || weights.length !== count) {
      throw new ShapeError(`setWeights expects ${count} arrays (kernel and bias of each layer), got ${Array.isArray(weights) ? weights.length : describe(weights)}`);
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

  /** Total number of weights (needs a known input width). */
  countParams(): number {
    const width = this.inputDim;
    if (!width) throw new StateError('the model does not know its input width yet: give the first layer inputShape');
    return this.layers.reduce((s, l, i) => s + l.paramCountFor(i === 0 ? width : this.layers[i - 1].units), 0);
  }

  /** The model as one file's bytes (safetensors container; see the README's file format section). */
  toBytes(): Uint8Array {
    this.assertBuilt();
    return modelToBytes(this);
  }

  /** Save to a path (Node, Deno), atomically: a crash mid-save leaves any previous file intact. */
  async save(path: string): Promise<void> {
    this.assertBuilt();
    await saveModel(this, path);
  }

  /** Free the model's wasm memory. The model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    if (this.ownEngine) {
      this.releaseSlots();
      this.releaseOptimizerState();
      this.engine.release(this.params);
      this.engine.release(this.grads);
    }
    this.params = this.grads = 0;
    this.disposed = true;
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

/** A linear stack of layers, as Keras `Sequential` / TF.js `tf.sequential`. */
export function sequential(layers: Dense[] = [], options: SequentialOptions = {}): Sequential {
  return new Sequential(layers, options);
}

export type { Callbacks, FitOptions, History, Logs };
