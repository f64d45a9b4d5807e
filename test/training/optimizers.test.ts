// Optimizer options on every optimizer (clipValue, clipNorm, globalClipNorm, weightDecay), Adamax
// and Nadam, learning-rate schedules: hand-computed steps, and one-step updates against TF.js.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adagrad,
  adam,
  adamax,
  adamw,
  cosineDecay,
  dense,
  exponentialDecay,
  modelFromBytes,
  nadam,
  piecewiseConstantDecay,
  polynomialDecay,
  rmsprop,
  sequential,
  sgd,
  ValueError,
  type Optimizer,
} from '../../src/index.js';
import { copyToTfjs, expectNear, rows, tf, tfjsWeights, tfl, tfReady } from './helpers.js';

beforeAll(async () => {
  await tfReady();
});

/**
 * y = x·W + b with one output and MSE on one row: ∂L/∂W = 2(y − t)·x, ∂L/∂b = 2(y − t).
 * From W = [w1, w2], b, x = [3, 4], t = 1.
 */
function linearStep(optimizer: Optimizer, w: [number, number], b: number, steps = 1): Float32Array[] {
  const m = sequential([dense({ units: 1, inputShape: [2] })]);
  m.compile({ optimizer, loss: 'mse' });
  m.build({ seed: 1 });
  m.setWeights([new Float32Array(w), new Float32Array([b])]);
  for (let i = 0; i < steps; i++) m.trainOnBatch([[3, 4]], [[1]]);
  return m.getWeights().map((t) => t.data);
}

describe('gradient clipping and weight decay, hand-computed', () => {
  // From W = 0, b = 0: y = 0, e = −1, so g_W = [−6, −8] (norm 10), g_b = −2; lr 0.1.
  it('no clipping: W = −0.1·g', () => {
    const [k, b] = linearStep(sgd({ learningRate: 0.1 }), [0, 0], 0);
    expectNear(k, [0.6, 0.8], 1e-6, 0, 'kernel');
    expectNear(b, [0.2], 1e-6, 0, 'bias');
  });

  it('clipValue 1 clips every element', () => {
    const [k, b] = linearStep(sgd({ learningRate: 0.1, clipValue: 1 }), [0, 0], 0);
    expectNear(k, [0.1, 0.1], 1e-7, 0, 'kernel');
    expectNear(b, [0.1], 1e-7, 0, 'bias');
  });

  it('clipNorm 5 rescales each tensor: the kernel (norm 10) to [−3, −4], the bias (norm 2) unchanged', () => {
    const [k, b] = linearStep(sgd({ learningRate: 0.1, clipNorm: 5 }), [0, 0], 0);
    expectNear(k, [0.3, 0.4], 1e-7, 0, 'kernel');
    expectNear(b, [0.2], 1e-7, 0, 'bias');
  });

  it('globalClipNorm 5 rescales all gradients by 5/√104', () => {
    const s = 5 / Math.sqrt(104);
    const [k, b] = linearStep(sgd({ learningRate: 0.1, globalClipNorm: 5 }), [0, 0], 0);
    expectNear(k, [0.6 * s, 0.8 * s], 1e-7, 0, 'kernel');
    expectNear(b, [0.2 * s], 1e-7, 0, 'bias');
    // Below the threshold nothing changes.
    const [k2] = linearStep(sgd({ learningRate: 0.1, globalClipNorm: 20 }), [0, 0], 0);
    expectNear(k2, [0.6, 0.8], 1e-7, 0, 'unclipped');
  });

  it('weightDecay: p −= p·lr·wd first, then the update from the gradient at the old weights', () => {
    // W = [1, 2], b = 0.5: y = 11.5, e = 10.5, g_W = [63, 84], g_b = 21; lr 0.1, wd 0.5 → decay 0.05.
    const [k, b] = linearStep(sgd({ learningRate: 0.1, weightDecay: 0.5 }), [1, 2], 0.5);
    expectNear(k, [0.95 - 6.3, 1.9 - 8.4], 1e-5, 0, 'kernel');
    expectNear(b, [0.475 - 2.1], 1e-5, 0, 'bias');
  });

  it('adamw is adam with weightDecay 0.004, bit for bit', () => {
    const a = linearStep(adamw({ learningRate: 0.01 }), [1, 2], 0.5, 3);
    const b = linearStep(adam({ learningRate: 0.01, weightDecay: 0.004 }), [1, 2], 0.5, 3);
    a.forEach((t, i) => expect(Array.from(t)).toEqual(Array.from(b[i])));
    expect(adamw().getConfig().config.weightDecay).toBe(0.004);
  });

  it('clipping composes with any optimizer (rmsprop clipValue: the step sees the clipped gradient)', () => {
    // First RMSprop step on g = ±1 (clipped): ms = 0.1, p −= lr·1/√(0.1 + eps).
    const [k] = linearStep(rmsprop({ learningRate: 0.01, clipValue: 1, epsilon: 0 }), [0, 0], 0);
    expectNear(k, [0.01 / Math.sqrt(0.1), 0.01 / Math.sqrt(0.1)], 1e-6, 1e-5, 'kernel');
  });

  it('only one of clipNorm, clipValue, globalClipNorm (Keras rule), positive values', () => {
    expect(() => sgd({ clipNorm: 1, clipValue: 1 })).toThrow(/only one of clipNorm, clipValue and globalClipNorm/);
    expect(() => adam({ clipNorm: 0 })).toThrow(ValueError);
    expect(() => rmsprop({ weightDecay: -1 })).toThrow(/weightDecay must be a number in \[0, Infinity\], got -1/);
  });
});

describe('adamax and nadam, hand-computed first steps', () => {
  it('adamax: m = 0.1g, u = |g|, p −= lr·m/((1 − β1)(u + eps)) = lr·sign(g)', () => {
    const [k, b] = linearStep(adamax({ learningRate: 0.002, epsilon: 0 }), [0, 0], 0);
    expectNear(k, [0.002, 0.002], 1e-8, 1e-5, 'kernel');
    expectNear(b, [0.002], 1e-8, 1e-5, 'bias');
  });

  it('nadam: Keras 3 formula with μ_t = β1(1 − ½·0.96^t)', () => {
    const lr = 0.01, b1 = 0.9, b2 = 0.999;
    const mu1 = b1 * (1 - 0.5 * 0.96), mu2 = b1 * (1 - 0.5 * 0.96 ** 2);
    const step = (g: number) => {
      const m = (1 - b1) * g, v = (1 - b2) * g * g;
      const mhat = (mu2 * m) / (1 - mu1 * mu2) + ((1 - mu1) * g) / (1 - mu1);
      const vhat = v / (1 - b2);
      return -(lr * mhat) / Math.sqrt(vhat);
    };
    const [k, b] = linearStep(nadam({ learningRate: lr, epsilon: 0 }), [0, 0], 0);
    expectNear(k, [step(-6), step(-8)], 1e-7, 1e-5, 'kernel');
    expectNear(b, [step(-2)], 1e-7, 1e-5, 'bias');
  });
});

describe('one-step updates against TF.js optimizers', () => {
  const x = rows(8, 3, 41), y = rows(8, 2, 42);
  const cases: [string, () => Optimizer, () => tf.Optimizer][] = [
    ['sgd', () => sgd({ learningRate: 0.1 }), () => tf.train.sgd(0.1)],
    ['sgd momentum', () => sgd({ learningRate: 0.1, momentum: 0.9 }), () => tf.train.momentum(0.1, 0.9)],
    ['sgd nesterov', () => sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), () => tf.train.momentum(0.1, 0.9, true)],
    ['adam', () => adam({ learningRate: 0.01, epsilon: 1e-7 }), () => tf.train.adam(0.01, 0.9, 0.999, 1e-7)],
    ['adamax', () => adamax({ learningRate: 0.01, epsilon: 1e-7 }), () => tf.train.adamax(0.01, 0.9, 0.999, 1e-7)],
    ['rmsprop', () => rmsprop({ learningRate: 0.01, rho: 0.9, epsilon: 1e-7 }), () => tf.train.rmsprop(0.01, 0.9, 0, 1e-7)],
    // TF.js's centered RMSprop subtracts epsilon under the root (Keras adds it): compare at epsilon 0.
    ['rmsprop centered + momentum', () => rmsprop({ learningRate: 0.01, momentum: 0.5, centered: true, epsilon: 0 }), () => tf.train.rmsprop(0.01, 0.9, 0.5, 0, true)],
    ['adagrad', () => adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.1 }), () => tf.train.adagrad(0.1, 0.1)],
  ];
  it.each(cases)('%s: three steps', async (_name, ours, theirs) => {
    const m = sequential([dense({ units: 4, inputShape: [3], activation: 'tanh' }), dense({ units: 2 })]);
    m.compile({ optimizer: ours(), loss: 'mse' });
    m.build({ seed: 21 });
    const t = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }), tfl.layers.dense({ units: 2 })] });
    t.compile({ optimizer: theirs(), loss: 'meanSquaredError' });
    copyToTfjs(m, t);
    for (let i = 0; i < 3; i++) {
      m.trainOnBatch(x, y);
      await t.trainOnBatch(tf.tensor2d(x), tf.tensor2d(y));
    }
    const ref = tfjsWeights(t);
    m.getWeights().forEach((w, i) => expectNear(w.data, ref[i], 1e-5, 1e-3, w.name));
  });
});

describe('learning-rate schedules', () => {
  it('exponentialDecay: lr·rate^(step/decaySteps), floored with staircase', () => {
    const s = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect(s.at(0)).toBeCloseTo(0.1, 12);
    expect(s.at(5)).toBeCloseTo(0.1 * Math.SQRT1_2, 12);
    expect(s.at(10)).toBeCloseTo(0.05, 12);
    const st = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expect([st.at(9), st.at(10), st.at(15), st.at(20)]).toEqual([0.1, 0.05, 0.05, 0.025]);
  });

  it('piecewiseConstantDecay: values[i] for boundaries[i−1] < step ≤ boundaries[i]', () => {
    const s = piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    expect([0, 10, 11, 20, 21, 1000].map((t) => s.at(t))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
    expect(() => piecewiseConstantDecay({ boundaries: [10], values: [1] })).toThrow(/one more entry than boundaries/);
    expect(() => piecewiseConstantDecay({ boundaries: [10, 5], values: [1, 2, 3] })).toThrow(/must increase/);
  });

  it('polynomialDecay: (lr − end)(1 − t/T)^power + end, with cycle', () => {
    const s = polynomialDecay({ initialLearningRate: 1, decaySteps: 10, endLearningRate: 0.1, power: 2 });
    expect(s.at(0)).toBeCloseTo(1, 12);
    expect(s.at(5)).toBeCloseTo(0.9 * 0.25 + 0.1, 12);
    expect(s.at(10)).toBeCloseTo(0.1, 12);
    expect(s.at(30)).toBeCloseTo(0.1, 12);
    const c = polynomialDecay({ initialLearningRate: 1, decaySteps: 10, endLearningRate: 0.1, power: 2, cycle: true });
    expect(c.at(0)).toBeCloseTo(1, 12);
    expect(c.at(15)).toBeCloseTo(0.9 * 0.25 ** 2 + 0.1, 12); // T = 20, t/T = 0.75
  });

  it('cosineDecay: half cosine down to alpha, with a linear warmup', () => {
    const s = cosineDecay({ initialLearningRate: 1, decaySteps: 10, alpha: 0.1 });
    expect(s.at(0)).toBeCloseTo(1, 12);
    expect(s.at(5)).toBeCloseTo(0.55, 12);
    expect(s.at(10)).toBeCloseTo(0.1, 12);
    expect(s.at(99)).toBeCloseTo(0.1, 12);
    const w = cosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 1, warmupSteps: 5 });
    expect([0, 2, 5, 10, 15, 100].map((t) => w.at(t))).toEqual([0, 0.4, 1, 0.5, 0, 0].map((v, i) => expect.closeTo(v, 12) as unknown as number));
  });

  it('a schedule as learningRate: each step uses schedule(iterations), and the setter refuses', () => {
    // Step 0 at lr 0.1, step 1 at 0.01. Hand-computed on y = x·W + b (see linearStep).
    const opt = sgd({ learningRate: piecewiseConstantDecay({ boundaries: [0], values: [0.1, 0.01] }) });
    expect(opt.learningRate).toBe(0.1);
    const [k, b] = linearStep(opt, [0, 0], 0, 2);
    expect(opt.learningRate).toBe(0.01);
    // After step 0: W = [0.6, 0.8], b = 0.2 → y = 5.2, e = 4.2, g_W = [25.2, 33.6], g_b = 8.4.
    expectNear(k, [0.6 - 0.252, 0.8 - 0.336], 1e-6, 0, 'kernel');
    expectNear(b, [0.2 - 0.084], 1e-6, 0, 'bias');
    expect(() => (opt.learningRate = 0.5)).toThrow(/cannot be set/);
  });

  it('schedules and optimizer options survive the model file', () => {
    const m = sequential([dense({ units: 1, inputShape: [2] })]);
    const opt = nadam({ learningRate: cosineDecay({ initialLearningRate: 0.01, decaySteps: 100, warmupTarget: 0.1, warmupSteps: 10 }), clipNorm: 2, weightDecay: 0.01 });
    m.compile({ optimizer: opt, loss: 'mse' });
    const loaded = modelFromBytes(m.toBytes());
    expect(loaded.core.compiled!.optimizer.getConfig()).toEqual(opt.getConfig());
    expect(loaded.core.compiled!.optimizer.learningRate).toBe(opt.learningRate);
  });
});
