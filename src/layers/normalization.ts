// Batch and layer normalisation (Keras semantics and defaults), forward and backward in wasm
// (assembly/norm.ts). Batch norm normalises each feature by the batch's mean and variance in
// training and by its moving statistics at inference; the moving statistics are non-trainable
// weights (saved in model files, never touched by the optimizer) updated by the training forward
// pass: moving = moving·momentum + batch·(1 − momentum). A frozen batch norm (trainable false)
// runs in inference mode in training too, as in Keras 3 (TF.js 4.22 keeps batch statistics and
// updates the moving ones): the transfer-learning rule that a frozen base computes what it did when
// it was trained. Layer norm normalises each row over its features, the same in training and inference.
import type { Engine } from '../engine/engine.js';
import type { Rng } from '../engine/rng.js';
import { ValueError } from '../errors.js';
import { type Initializer, type InitializerSpec, resolveInitializer } from '../initializers.js';
import { Layer, type LayerConfig, type LayerOptions, type Pass, type WeightSpec, numberOption } from './layer.js';

interface NormOptions extends LayerOptions {
  /** Small float added to the variance. Default 0.001 (Keras). */
  epsilon?: number;
  /** Learn an offset beta. Default true. */
  center?: boolean;
  /** Learn a scale gamma. Default true. */
  scale?: boolean;
  /** Default 'zeros'. */
  betaInitializer?: InitializerSpec;
  /** Default 'ones'. */
  gammaInitializer?: InitializerSpec;
}

export interface BatchNormalizationOptions extends NormOptions {
  /** Weight of the old value in the moving statistics' update. Default 0.99 (Keras). */
  momentum?: number;
  /** Default 'zeros'. */
  movingMeanInitializer?: InitializerSpec;
  /** Default 'ones'. */
  movingVarianceInitializer?: InitializerSpec;
}

export type LayerNormalizationOptions = NormOptions;

const initConfig = (i: Initializer) => ({ name: i.name, config: i.config });

/** What batch and layer norm share: gamma / beta weights, xhat slot, options. */
abstract class Normalization extends Layer {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  /** Normalised input (rows, units), kept for backward. */
  xhat = 0;
  /** 1/√(var + eps): per feature (batch norm) or per row (layer norm). */
  invstd = 0;
  protected gamma = 0;
  protected beta = 0;
  protected dGamma = 0;
  protected dBeta = 0;

  constructor(options: NormOptions, what: string, keys: readonly string[] = []) {
    super(options, what, ['epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', ...keys]);
    this.epsilon = numberOption(options.epsilon ?? 1e-3, `${what} epsilon`, 0, Infinity, true);
    this.center = bool(options.center ?? true, `${what} center`);
    this.scale = bool(options.scale ?? true, `${what} scale`);
    this.betaInitializer = resolveInitializer(options.betaInitializer ?? 'zeros');
    this.gammaInitializer = resolveInitializer(options.gammaInitializer ?? 'ones');
  }

  override weightShapes(inputShape = this.inShape): WeightSpec[] {
    const inputDim = inputShape[inputShape.length - 1];
    const specs: WeightSpec[] = [];
    if (this.scale) specs.push({ name: 'gamma', shape: [inputDim], trainable: true });
    if (this.center) specs.push({ name: 'beta', shape: [inputDim], trainable: true });
    return specs;
  }

  override bind(weights: number[], grads: number[]): void {
    super.bind(weights, grads);
    let i = 0;
    this.gamma = this.scale ? weights[i] : 0;
    this.dGamma = this.scale ? grads[i++] : 0;
    this.beta = this.center ? weights[i] : 0;
    this.dBeta = this.center ? grads[i++] : 0;
  }

  override initParams(engine: Engine, rng: Rng): void {
    const n = this.inputDim;
    if (this.scale) this.gammaInitializer.fill(engine, this.gamma, n, n, n, rng);
    if (this.center) this.betaInitializer.fill(engine, this.beta, n, n, n, rng);
  }

  override floatsPerRow(): number {
    return 3 * this.outputSize + this.lead;
  }

  override claimSlots(engine: Engine, rows: number): void {
    super.claimSlots(engine, rows);
    this.xhat = engine.allocFloats(rows * this.outputSize, `${this.name} normalised input`);
    this.invstd = engine.allocFloats(Math.max(rows * this.lead, this.units), `${this.name} statistics`);
  }

  override releaseSlots(engine: Engine): void {
    engine.release(this.xhat);
    engine.release(this.invstd);
    this.xhat = this.invstd = 0;
    super.releaseSlots(engine);
  }

  protected normConfig(type: string): LayerConfig {
    return {
      ...this.baseConfig(type),
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: initConfig(this.betaInitializer),
      gammaInitializer: initConfig(this.gammaInitializer),
    };
  }
}

export class BatchNormalization extends Normalization {
  readonly type = 'BatchNormalization';
  readonly baseName = 'batch_normalization';
  readonly momentum: number;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  /** The batch's mean (units), written by the training forward pass. */
  mean = 0;
  private movingMean = 0;
  private movingVariance = 0;

  constructor(options: BatchNormalizationOptions) {
    super(options, 'batchNormalization', ['momentum', 'movingMeanInitializer', 'movingVarianceInitializer']);
    this.momentum = numberOption(options.momentum ?? 0.99, 'batchNormalization momentum', 0, 1);
    this.movingMeanInitializer = resolveInitializer(options.movingMeanInitializer ?? 'zeros');
    this.movingVarianceInitializer = resolveInitializer(options.movingVarianceInitializer ?? 'ones');
  }

  override weightShapes(inputShape = this.inShape): WeightSpec[] {
    const inputDim = inputShape[inputShape.length - 1];
    return [
      ...super.weightShapes(inputShape),
      { name: 'moving_mean', shape: [inputDim], trainable: false },
      { name: 'moving_variance', shape: [inputDim], trainable: false },
    ];
  }

  override formula(inputShape: number[]): string {
    const inputDim = inputShape[inputShape.length - 1];
    const k = (this.scale ? 1 : 0) + (this.center ? 1 : 0);
    return `${k ? `${k} × ${inputDim} + ` : ''}2 × ${inputDim} non-trainable`;
  }

  override bind(weights: number[], grads: number[]): void {
    super.bind(weights, grads);
    [this.movingMean, this.movingVariance] = weights.slice(-2);
  }

  override initParams(engine: Engine, rng: Rng): void {
    super.initParams(engine, rng);
    const n = this.inputDim;
    this.movingMeanInitializer.fill(engine, this.movingMean, n, n, n, rng);
    this.movingVarianceInitializer.fill(engine, this.movingVariance, n, n, n, rng);
  }

  override claimSlots(engine: Engine, rows: number): void {
    super.claimSlots(engine, rows);
    this.mean = engine.allocFloats(this.units, `${this.name} batch mean`);
  }

  override releaseSlots(engine: Engine): void {
    engine.release(this.mean);
    this.mean = 0;
    super.releaseSlots(engine);
  }

  forward(p: Pass, x: number): number {
    const k = p.engine.k;
    this.x = x;
    if (p.training && this.trainable) {
      k.batchnorm_train(this.y, this.xhat, this.mean, this.invstd, x, this.gamma, this.beta, this.movingMean, this.movingVariance,
        p.rows * this.lead, this.units, this.momentum, this.epsilon);
    } else {
      k.batchnorm_infer(this.y, x, this.gamma, this.beta, this.movingMean, this.movingVariance, p.rows * this.lead, this.units, this.epsilon);
    }
    return this.y;
  }

  backward(p: Pass, dx: number): void {
    const e = p.engine, rows = p.rows * this.lead, n = this.units;
    if (this.trainable) {
      e.k.batchnorm_backward(dx, this.dGamma, this.dBeta, this.g, this.xhat, this.invstd, this.gamma, rows, n);
      return;
    }
    // Frozen, inference mode: y = gamma·(x − mean)/√(var + eps) + beta with fixed statistics, so
    // dx = dy·gamma/√(var + eps): the same map applied to dy with a zero mean and no beta. The
    // batch-mean slot (unused in inference mode) serves as the zero mean.
    if (!dx) return;
    e.f32.fill(0, this.mean >>> 2, (this.mean >>> 2) + n);
    e.k.batchnorm_infer(dx, this.g, this.gamma, 0, this.mean, this.movingVariance, rows, n, this.epsilon);
  }

  getConfig(): LayerConfig {
    return {
      ...this.normConfig('batchNormalization'),
      momentum: this.momentum,
      movingMeanInitializer: initConfig(this.movingMeanInitializer),
      movingVarianceInitializer: initConfig(this.movingVarianceInitializer),
    };
  }
}

export class LayerNormalization extends Normalization {
  readonly type = 'LayerNormalization';
  readonly baseName = 'layer_normalization';

  constructor(options: LayerNormalizationOptions) {
    super(options, 'layerNormalization');
  }

  override formula(inputShape: number[]): string {
    const inputDim = inputShape[inputShape.length - 1];
    const k = (this.scale ? 1 : 0) + (this.center ? 1 : 0);
    return `${k} × ${inputDim}`;
  }

  forward(p: Pass, x: number): number {
    this.x = x;
    p.engine.k.layernorm_forward(this.y, this.xhat, this.invstd, x, this.gamma, this.beta, p.rows * this.lead, this.units, this.epsilon);
    return this.y;
  }

  backward(p: Pass, dx: number): void {
    p.engine.k.layernorm_backward(dx, this.dGamma, this.dBeta, this.g, this.xhat, this.invstd, this.gamma, p.rows * this.lead, this.units);
  }

  getConfig(): LayerConfig {
    return this.normConfig('layerNormalization');
  }
}

function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new ValueError(`${what} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** Batch normalisation, as Keras `BatchNormalization`: `batchNormalization({ momentum: 0.99, epsilon: 1e-3 })`. */
export function batchNormalization(options: BatchNormalizationOptions = {}): BatchNormalization {
  if (options === null || typeof options !== 'object') throw new ValueError('batchNormalization() takes an options object');
  return new BatchNormalization(options);
}

/** Layer normalisation over the features of each row, as Keras `LayerNormalization`. */
export function layerNormalization(options: LayerNormalizationOptions = {}): LayerNormalization {
  if (options === null || typeof options !== 'object') throw new ValueError('layerNormalization() takes an options object');
  return new LayerNormalization(options);
}
