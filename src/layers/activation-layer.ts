// An activation as its own layer (Keras `Activation`): y = f(x), no weights. As the last layer a
// softmax / sigmoid meets a cross-entropy loss in the fused kernel exactly as a dense layer's
// activation does: forward then leaves x as the logits and the loss writes the probabilities.
import { ValueError } from '../errors.js';
import { ActivationKernels, type ActivationSpec, activationConfig, resolveActivation } from './activations.js';
import { Layer, type LayerConfig, type LayerOptions, type Pass, copyF32 } from './layer.js';

export interface ActivationOptions extends LayerOptions {
  /** The function: 'relu', 'softmax', { name: 'leakyRelu', alpha: 0.1 }, ... */
  activation: ActivationSpec;
}

export class ActivationLayer extends Layer {
  readonly type = 'Activation';
  readonly baseName = 'activation';
  declare activation: NonNullable<Layer['activation']>;
  private readonly act: ActivationKernels;

  constructor(options: ActivationOptions) {
    super(options, 'activation', ['activation']);
    if (options.activation === undefined) throw new ValueError("activation() needs { activation }, e.g. activation({ activation: 'relu' })");
    this.activation = resolveActivation(options.activation);
    this.act = new ActivationKernels(this.activation);
  }

  forward(p: Pass, x: number, logitsOnly: boolean): number {
    const act = this.activation;
    this.x = x;
    if (act.name === 'linear') return x;
    if (!logitsOnly) this.act.of(p.engine.k).forward(this.y, x, p.rows * this.lead, this.units, act.alpha);
    return this.y;
  }

  override get logits(): number {
    return this.x;
  }

  backward(p: Pass, dx: number, gIsDz: boolean): void {
    if (!dx) return;
    const act = this.activation;
    const n = p.rows * this.outputSize;
    if (gIsDz || act.name === 'linear') copyF32(p.engine, dx, this.g, n);
    else this.act.of(p.engine.k).backward(dx, this.g, this.x, this.y, p.rows * this.lead, this.units, act.alpha);
  }

  getConfig(): LayerConfig {
    return { ...this.baseConfig('activation'), activation: activationConfig(this.activation) };
  }
}

/** An activation layer, as Keras `Activation` / TF.js `tf.layers.activation`. */
export function activation(options: ActivationOptions): ActivationLayer {
  return new ActivationLayer(options);
}
