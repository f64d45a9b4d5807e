// The Keras 3 optimizer update rules in float64, written from Keras' documented algorithms
// (keras/src/optimizers/*.py), as a TF.js optimizer: TF.js computes the gradients of its twin
// model and this applies them. The weights are float32 between steps (as in Keras), the optimizer
// state float64. Gradient clipping and decoupled weight decay follow Keras' base optimizer:
// clip → decay (w −= w·lr·weightDecay) → update. TF.js' own Adam puts epsilon after the bias
// correction (ε added to √v̂), which is why the suite uses these rules instead.
import { tf } from '../training/helpers.js';

export type RuleName = 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'adamax' | 'nadam';

export interface RuleOptions {
  name: RuleName;
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  rho?: number;
  momentum?: number;
  centered?: boolean;
  initialAccumulatorValue?: number;
  weightDecay?: number;
  clipNorm?: number;
  clipValue?: number;
  globalClipNorm?: number;
}

type State = Float64Array[];

export class KerasRule extends tf.Optimizer {
  static className = 'KerasRule';
  private t = 0;
  private uProduct = 1; // Nadam: Π μ_1..μ_t
  private readonly state = new Map<string, State>();

  constructor(private readonly o: RuleOptions) {
    super();
  }

  applyGradients(variableGradients: tf.NamedTensorMap | tf.NamedTensor[]): void {
    const list = Array.isArray(variableGradients) ? variableGradients : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const grads = list.map(({ tensor }) => Float64Array.from(tensor.dataSync()));
    this.clip(grads);
    this.t++;
    const mu = (t: number) => (this.o.beta1 ?? 0.9) * (1 - 0.5 * 0.96 ** t);
    if (this.o.name === 'nadam') this.uProduct *= mu(this.t);
    list.forEach(({ name }, i) => {
      const v = tf.engine().registeredVariables[name];
      const w = Float64Array.from(v.dataSync());
      const s = this.stateOf(name, w.length);
      const lr = this.o.learningRate;
      if (this.o.weightDecay) for (let j = 0; j < w.length; j++) w[j] = Math.fround(w[j] - w[j] * lr * this.o.weightDecay);
      this.update(w, grads[i], s);
      v.assign(tf.tensor(Float32Array.from(w), v.shape));
    });
  }

  /** Keras: clipvalue per element, clipnorm per variable, global_clipnorm over all (one of them). */
  private clip(grads: Float64Array[]): void {
    const { clipValue, clipNorm, globalClipNorm } = this.o;
    const norm = (g: Float64Array) => Math.sqrt(g.reduce((a, v) => a + v * v, 0));
    if (clipValue !== undefined) for (const g of grads) g.forEach((v, j) => (g[j] = Math.min(Math.max(v, -clipValue), clipValue)));
    if (clipNorm !== undefined) {
      for (const g of grads) {
        const n = norm(g);
        if (n > clipNorm) g.forEach((v, j) => (g[j] = (v * clipNorm) / n));
      }
    }
    if (globalClipNorm !== undefined) {
      const n = Math.sqrt(grads.reduce((a, g) => a + norm(g) ** 2, 0));
      if (n > globalClipNorm) for (const g of grads) g.forEach((v, j) => (g[j] = (v * globalClipNorm) / n));
    }
  }

  private stateOf(name: string, n: number): State {
    let s = this.state.get(name);
    if (!s) {
      const init = this.o.name === 'adagrad' ? (this.o.initialAccumulatorValue ?? 0.1) : 0;
      s = [new Float64Array(n).fill(init), new Float64Array(n), new Float64Array(n)];
      this.state.set(name, s);
    }
    return s;
  }

  private update(w: Float64Array, g: Float64Array, [s0, s1, s2]: State): void {
    const o = this.o, t = this.t, lr = o.learningRate;
    const b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999, eps = o.epsilon ?? 1e-7;
    for (let j = 0; j < w.length; j++) {
      const gj = g[j];
      switch (o.name) {
        case 'adam':
        case 'adamw': {
          // alpha = lr·√(1 − β2ᵗ)/(1 − β1ᵗ); w −= alpha·m/(√v + ε): ε before the bias correction.
          s0[j] += (gj - s0[j]) * (1 - b1);
          s1[j] += (gj * gj - s1[j]) * (1 - b2);
          const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
          w[j] -= (alpha * s0[j]) / (Math.sqrt(s1[j]) + eps);
          break;
        }
        case 'rmsprop': {
          // ε inside the root; centered subtracts the mean gradient squared; momentum accumulates the increment.
          const rho = o.rho ?? 0.9;
          s0[j] = rho * s0[j] + (1 - rho) * gj * gj;
          let den = s0[j];
          if (o.centered) {
            s2[j] = rho * s2[j] + (1 - rho) * gj;
            den -= s2[j] * s2[j];
          }
          const inc = (lr * gj) / Math.sqrt(den + eps);
          if (o.momentum) {
            s1[j] = o.momentum * s1[j] + inc;
            w[j] -= s1[j];
          } else w[j] -= inc;
          break;
        }
        case 'adagrad':
          s0[j] += gj * gj;
          w[j] -= (lr * gj) / Math.sqrt(s0[j] + eps);
          break;
        case 'adamax':
          s0[j] += (gj - s0[j]) * (1 - b1);
          s1[j] = Math.max(b2 * s1[j], Math.abs(gj));
          w[j] -= ((lr / (1 - b1 ** t)) * s0[j]) / (s1[j] + eps);
          break;
        case 'nadam': {
          const mu = (k: number) => b1 * (1 - 0.5 * 0.96 ** k);
          const uT = mu(t), uT1 = mu(t + 1);
          s0[j] += (gj - s0[j]) * (1 - b1);
          s1[j] += (gj * gj - s1[j]) * (1 - b2);
          const mHat = (uT1 * s0[j]) / (1 - this.uProduct * uT1) + ((1 - uT) * gj) / (1 - this.uProduct);
          const vHat = s1[j] / (1 - b2 ** t);
          w[j] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
          break;
        }
      }
    }
  }

  getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}
