// The model core: the working state under the Sequential facade, and the one owner of the model's
// wasm memory. Its plan, llm.c style (weight-plan.ts and the functions at the end of this file): params
// (trainable weights, then non-trainable ones: moving statistics, frozen layers' weights) | grads (the trainable layout) |
// optimizer state (same) | the weights' backup | activation slots for a batch capacity (input,
// targets, sample weights, the layers' slots, GEMM packing and metric scratch); plus the
// generator, the compile settings and the training counters. Everything that steps, saves,
// restores or budgets a model takes the core (step.ts, loop.ts, fit.ts, batches.ts, budget.ts,
// summary.ts, io/, worker/); only sequential.ts speaks to users.
import { type Engine, getEngine } from '../engine/engine.js';
import { Rng, checkSeed, randomSeed } from '../engine/rng.js';
import { ShapeError, StateError, ValueError } from '../errors.js';
import type { Layer, Pass } from '../layers/layer.js';
import { checkShape, inputShapeOf, outputShapeOf, sizeOf } from '../layers/shape.js';
import type { Loss } from '../losses.js';
import type { BatchView, Metric } from '../metrics.js';
import type { Optimizer } from '../optimizers.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dropout, MAX_DROPOUT_LAYERS } from '../layers/dropout.js';
import { ownShape } from './inputs.js';
import { type Place, bindWeights, replanWeights } from './weight-plan.js';

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

/**
 * Everything beyond the weights that decides how training continues: epochs trained (the shuffle
 * stream's position), the seeded generator, and the optimizer's step count and state vectors.
 * Model files (checkpoints) and fitInWorker carry it, so a resumed fit continues bit for bit.
 */
export interface TrainingState {
  epochsTrained: number;
  seed: bigint;
  counter: bigint;
  /** Optimizer steps taken (Adam's t). */
  iterations: number;
  /** The optimizer's state vectors (moments, accumulators), each as long as the trainable weights; empty before the first step. */
  slots: Float32Array[];
}

/** What predict keeps of activations per forward pass: about a core's L2 cache. */
const PREDICT_CACHE_BYTES = 1 << 20;

export class ModelCore {
  readonly layers: Layer[] = [];
  /** Keras `model.trainable`: false keeps every layer's weights out of training, whatever the layers' own flags. */
  trainable = true;
  /** Per layer: whether its weights sit in the trainable range of the current plan (the regions follow it). */
  planned: boolean[] = [];
  /** Per layer: whether it has weights an optimizer could train (kernel, bias, gamma, ...; not moving statistics). */
  learnable: boolean[] = [];
  /** Per weight tensor in layer order: its place in the current plan. */
  places: Place[] = [];
  /** The first layer with weights in training (layers.length when none): backward stops there. */
  firstTrainable = 0;
  /** What callbacks get from setModel: the facade users hold. */
  facade: object = this;
  compiled?: Compiled;
  /** All weights: trainable (paramCount of them) then non-trainable (to weightCount). */
  params = 0;
  /** Gradients of the trainable weights. */
  grads = 0;
  /** Trainable weights: what the optimizer updates. */
  paramCount = 0;
  /** Trainable plus non-trainable weights. */
  weightCount = 0;
  /** [gradPtr, count] per trainable weight tensor (clipNorm clips each). */
  gradTensors: number[] = [];
  optState: number[] = [];
  /** Copy of the weights before the current step (restored if the step overflows). */
  backup = 0;
  /** Rows the activation slots hold. */
  capacity = 0;
  /** Slots (capacity rows): input (inputSize floats a row), targets, f32 sample weights. */
  input = 0;
  target = 0;
  sampleWeights = 0;
  /** GEMM packing scratch. */
  pack = 0;
  /** f64 scratch of the metric kernels. */
  metricScratch = 0;
  /** Output of the last forward pass. */
  out = 0;
  /** The last batch's loss sum (a typed array, so that no number is boxed per step). */
  readonly lossSum = new Float64Array(1);
  rng?: Rng;
  /** Reused by every pass, so a step allocates nothing. */
  readonly pass: Pass;
  readonly view: BatchView;
  /** Per-sample input shape, fixed by build(). */
  builtShape?: number[];
  /** Epochs completed by fit over the model's life (drives the shuffle stream). */
  epochsTrained = 0;
  /** Set (by a callback, dispose or stop) to end fit after the current batch. */
  stopTraining = false;
  disposed = false;
  private ownEngine?: Engine;

  constructor(public name: string, engine?: Engine) {
    this.ownEngine = engine;
    this.pass = { engine: undefined as unknown as Engine, rows: 0, pack: 0, training: false, seed: 0n, step: 0 };
    this.view = { engine: undefined as unknown as Engine, out: 0, target: 0, labels: false, rows: 0, cols: 0, scratch: 0 };
  }

  /** The engine, created on first need. */
  get engine(): Engine {
    return (this.ownEngine ??= getEngine());
  }

  get built(): boolean {
    return this.params !== 0;
  }

  /** Per-sample input shape: the built one, else the first layer's inputShape; undefined while unknown. */
  get inputShape(): number[] | undefined {
    return this.builtShape ?? inputShapeOf(this.layers);
  }

  /** Floats per input sample (the product of the input shape); 0 while unknown. */
  get inputSize(): number {
    const s = this.inputShape;
    return s ? sizeOf(s) : 0;
  }

  /** Per-sample output shape; dimensions not yet known are 0. */
  get outputShape(): number[] {
    return outputShapeOf(this.layers, this.inputShape);
  }

  /** Floats per output sample; 0 while unknown. */
  get outputSize(): number {
    return sizeOf(this.outputShape);
  }

  /**
   * Create and initialise the weights for a per-sample input shape (default: the first layer's),
   * from `seed` (default: random).
   */
  build(inputShape?: unknown, seed?: number): void {
    this.assertUsable();
    if (this.params) throw new StateError('model is already built');
    if (this.layers.length === 0) throw new StateError('model has no layers: add dense(...) layers first');
    const given = inputShape ?? this.inputShape;
    if (given === undefined) {
      throw new StateError('the model does not know its input width or shape: give the first layer inputShape (e.g. dense({ units, inputShape: [784] })) or pass data to fit/predict');
    }
    const shape = checkShape(given, 'inputShape');
    const first = inputShapeOf(this.layers);
    if (first && (first.length !== shape.length || first.some((d, i) => d !== shape[i]))) {
      throw new ShapeError(`input has shape [${shape}] per sample but the first layer's inputShape is [${first}]`);
    }
    const s = checkSeed(seed) ?? randomSeed();
    shapeLayers(this, shape);
    this.builtShape = shape;
    bindWeights(this);
    this.rng = new Rng(s);
    for (const layer of this.layers) layer.initParams(this.engine, this.rng);
  }

  /** Make sure weights exist, taking the input shape from the data when the first layer has none. */
  ensureBuilt(x: unknown, seed?: number): void {
    if (this.params) return;
    this.build(this.inputShape ?? ownShape(x), seed);
  }

  /**
   * Rows per forward pass of predict: as many as keep the layers' outputs within PREDICT_CACHE_BYTES
   * (a CNN's batch of 256 would stream megabytes of activations through memory between layers),
   * at least 16. Rows are computed alone, so any split gives the same bits.
   */
  get predictRows(): number {
    const perRow = this.layers.reduce((s, l) => s + l.outputSize, 0) * 4;
    return Math.max(16, Math.floor(PREDICT_CACHE_BYTES / Math.max(perRow, 1)));
  }

  /** Slots for up to `rows` rows per batch; grows (never shrinks) the capacity. */
  ensureCapacity(rows: number): void {
    if (rows > this.capacity) claimSlots(this, rows);
  }

  /** Optimizer state (and the weights' backup), allocated on the first training step. */
  ensureOptimizerState(): void {
    this.syncTrainable();
    const opt = this.compiled!.optimizer;
    if (this.backup && this.optState.length === opt.slots) return;
    releaseOptimizerState(this);
    allocOptimizerState(this);
  }

  /** A layer's trainable and non-trainable weights at an input shape, the model's flag included (summary, budget). */
  paramCounts(layer: Layer, inputShape: number[]): { trainable: number; nonTrainable: number } {
    const c = layer.paramCountFor(inputShape);
    return this.trainable ? c : { trainable: 0, nonTrainable: c.trainable + c.nonTrainable };
  }

  /** Whether `layer`'s weights take part in training now: its own flag and the model's (Keras). */
  trains(layer: Layer): boolean {
    return this.trainable && layer.trainable;
  }

  /**
   * Lay the regions out again if the trainable set changed since they were planned (a `trainable`
   * was set): called before every step, it allocates nothing unless something changed.
   */
  syncTrainable(): void {
    if (!this.params) return;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      if (this.planned[i] !== (this.learnable[i] && this.trains(layers[i]))) {
        replanWeights(this);
        return;
      }
    }
  }

  /**
   * Keras `add` on a built model: the layer is built from the current output shape and the weights
   * are laid out again with its own after the others' (which keep their values bit for bit), then
   * initialised from the model's generator. The activation slots are claimed again on next use and
   * the optimizer state goes (the caller drops the compile settings). A refusal (a shape the layer
   * cannot take, a taken name, memory) leaves the model as it was.
   */
  appendLayer(layer: Layer): void {
    const before = this.outputShape;
    if (layer.inputShape && layer.inputShape.join() !== before.join()) {
      throw new ShapeError(`layer ${layer.name || layer.type} declares inputShape [${layer.inputShape}] but the model outputs shape [${before}] per sample; leave inputShape out on a layer added to a built model`);
    }
    const name = layer.name;
    releaseSlots(this);
    this.layers.push(layer);
    try {
      shapeLayers(this, this.builtShape!);
      replanWeights(this);
    } catch (error) {
      this.layers.pop();
      layer.name = name;
      shapeLayers(this, this.builtShape!); // undoes a fusion with the layer refused
      throw error;
    }
    releaseOptimizerState(this);
    layer.initParams(this.engine, (this.rng ??= new Rng(randomSeed())));
  }

  /**
   * Keras `pop`: remove the last layer. On a built model the remaining weights are laid out again,
   * bit for bit; popping the only layer frees them (the input shape is kept, as Keras keeps its
   * InputLayer). The popped layer is unbound: its weights are not carried with it.
   */
  popLayer(): Layer {
    releaseSlots(this);
    const layer = this.layers.pop()!;
    // Shaped again for what depends on the next layer (a convolution fused with the pooling popped).
    if (this.builtShape) shapeLayers(this, this.builtShape);
    if (this.params && this.layers.length) {
      try {
        replanWeights(this);
      } catch (error) {
        this.layers.push(layer);
        shapeLayers(this, this.builtShape!);
        throw error;
      }
    } else if (this.params) {
      this.engine.release(this.params);
      this.engine.release(this.grads);
      Object.assign(this, { params: 0, grads: 0, paramCount: 0, weightCount: 0, places: [], planned: [], learnable: [], gradTensors: [], firstTrainable: 0 });
    }
    releaseOptimizerState(this);
    layer.bind([], []);
    return layer;
  }

  /** Whether the optimizer's state has been allocated for the compiled optimizer (else it is still its initial value). */
  get hasOptimizerState(): boolean {
    return this.backup !== 0 && this.optState.length === this.compiled?.optimizer.slots;
  }

  /** A copy of the training state (state vectors only once training has allocated them). */
  saveTrainingState(): TrainingState {
    this.syncTrainable();
    const e = this.engine;
    return {
      epochsTrained: this.epochsTrained,
      seed: this.rng?.seed ?? 0n,
      counter: this.rng?.counter ?? 0n,
      iterations: this.compiled?.optimizer.iterations ?? 0,
      slots: this.optState.map((ptr) => e.readF32(ptr, this.paramCount)),
    };
  }

  /** Put a saved training state into this built, compiled core (same layers, same trainable set); values are checked by the caller. */
  restoreTrainingState(s: TrainingState): void {
    this.syncTrainable();
    const bad = s.slots.find((slot) => slot.length !== this.paramCount);
    if (bad) {
      throw new StateError(`the saved optimizer state covers ${bad.length} trainable weights but the model now trains ${this.paramCount}: set the layers' trainable flags as they were when the state was saved`);
    }
    this.epochsTrained = s.epochsTrained;
    const rng = new Rng(s.seed);
    rng.counter = s.counter;
    this.rng = rng;
    this.compiled!.optimizer.iterations = s.iterations;
    if (s.slots.length === 0) return;
    this.ensureOptimizerState();
    this.optState.forEach((ptr, i) => this.engine.writeF32(ptr, s.slots[i]));
  }

  assertUsable(): void {
    if (this.disposed) throw new StateError('this model has been disposed; create or load a new one');
  }

  /** Return every region to the engine (the shared engine's memory is reused by the next model). */
  free(): void {
    if (this.ownEngine) {
      releaseSlots(this);
      releaseOptimizerState(this);
      this.engine.release(this.params);
      this.engine.release(this.grads);
    }
    this.params = this.grads = 0;
  }
}

// The memory plan of the activation slots and the optimizer state (the weights' own plan is in
// weight-plan.ts). Layers get pointers into these regions; nothing here runs per batch.

/** Assign input shapes, unique names (dense, dense_1, dropout, ...) and dropout streams. */
export function shapeLayers(model: ModelCore, shape: number[]): void {
  const names = new Set(model.layers.map((l) => l.name).filter((n) => n));
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  let dropouts = 0;
  for (const layer of model.layers) {
    if (!layer.name) {
      do {
        const c = counts.get(layer.baseName) ?? 0;
        counts.set(layer.baseName, c + 1);
        layer.name = c === 0 ? layer.baseName : `${layer.baseName}_${c}`;
      } while (names.has(layer.name));
      names.add(layer.name);
    }
    if (seen.has(layer.name)) throw new ValueError(`two layers are named ${JSON.stringify(layer.name)}; layer names must be unique`);
    seen.add(layer.name);
    if (layer instanceof Dropout) layer.stream = dropouts++;
    layer.build(shape);
    shape = layer.outShape;
  }
  // A convolution and the 2×2 max pooling after it run as one pass (the same bits): in inference,
  // and in training where the pass can also keep the convolution's whole output.
  model.layers.forEach((layer, i) => {
    if (!(layer instanceof Conv2D)) return;
    layer.fusedNext = layer.poolsInto(model.layers[i + 1]);
    layer.fusedInTraining = !!layer.fusedNext && layer.poolsInTraining(layer.fusedNext);
  });
  if (dropouts > MAX_DROPOUT_LAYERS) throw new ValueError(`a model can have at most ${MAX_DROPOUT_LAYERS} dropout layers, got ${dropouts}`);
}

/** (Re)claim every activation slot for `rows` rows per batch. */
export function claimSlots(model: ModelCore, rows: number): void {
  releaseSlots(model);
  const e = model.engine;
  const out = model.outputSize;
  const perRow = model.inputSize + out + 1 + model.layers.reduce((s, l) => s + l.floatsPerRow(), 0);
  // The pack scratch (GEMM packing, im2col columns) also holds label-smoothed targets (rows, out) while the loss kernel runs.
  const pack = Math.max(64, rows * out * 4, ...model.layers.map((l) => l.packBytes(e, rows)));
  e.checkFits(rows * perRow * 4 + pack, `activations for a batch of ${rows} rows`);
  model.input = e.allocFloats(rows * model.inputSize, 'input batch');
  model.target = e.allocFloats(rows * out, 'target batch');
  model.sampleWeights = e.allocFloats(rows, 'sample weights');
  for (const layer of model.layers) layer.claimSlots(e, rows);
  model.pack = e.alloc(pack, 'GEMM scratch');
  const scratch = Math.max(0, ...(model.compiled?.metrics ?? []).map((m) => m.scratch));
  model.metricScratch = e.alloc(Math.max(8 * scratch, 64), 'metric scratch');
  model.pass.engine = model.view.engine = e;
  model.capacity = rows;
}

export function releaseSlots(model: ModelCore): void {
  if (!model.capacity) return;
  const e = model.engine;
  for (const layer of model.layers) layer.releaseSlots(e);
  for (const p of [model.input, model.target, model.sampleWeights, model.pack, model.metricScratch]) e.release(p);
  model.input = model.target = model.sampleWeights = model.pack = model.metricScratch = model.capacity = 0;
}

/** The optimizer's state slots (from its initial values) and the weights' backup. */
export function allocOptimizerState(model: ModelCore): void {
  const e = model.engine;
  const opt = model.compiled!.optimizer;
  model.backup = e.allocFloats(model.weightCount, 'weights backup');
  for (let s = 0; s < opt.slots; s++) {
    const ptr = e.allocFloats(model.paramCount, 'optimizer state');
    e.f32.fill(opt.initialState[s] ?? 0, ptr >>> 2, (ptr >>> 2) + model.paramCount);
    model.optState.push(ptr);
  }
}

export function releaseOptimizerState(model: ModelCore): void {
  for (const p of model.optState) model.engine.release(p);
  model.engine.release(model.backup);
  model.optState = [];
  model.backup = 0;
}
