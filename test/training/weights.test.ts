// classWeight / sampleWeight (Keras: loss = Σ wᵢ·lossᵢ / batch size) and weight regularisers
// (penalty in the loss and its gradient), against hand computations, finite differences and TF.js.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dense,
  l1,
  l1l2,
  l2,
  modelFromBytes,
  sequential,
  sgd,
  ShapeError,
  ValueError,
} from '../../src/index.js';
import { checkTrainingGradients, copyToTfjs, expectNear, rows, tf, tfjsWeights, tfl, tfReady } from './helpers.js';

beforeAll(async () => {
  await tfReady();
});

const x = rows(6, 3, 51);
const labels = [0, 1, 2, 2, 1, 0];

function classifier(seed = 1) {
  const m = sequential([dense({ units: 4, inputShape: [3], activation: 'tanh' }), dense({ units: 3, activation: 'softmax' })]);
  m.compile({ optimizer: sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
  m.build({ seed });
  return m;
}

describe('sampleWeight and classWeight', () => {
  it('evaluate: Σ wᵢ·lossᵢ / rows, with the per-row losses from predict', () => {
    const m = classifier();
    const p = m.predict(x);
    const w = [1, 0, 2, 0.5, 3, 1];
    const ref = labels.reduce((s, c, i) => s + w[i] * -Math.log(p.data[i * 3 + c]), 0) / 6;
    expect(m.evaluate(x, labels, { sampleWeight: w }).loss).toBeCloseTo(ref, 5);
    expect(m.evaluate(x, labels, { sampleWeight: w, batchSize: 4 }).loss).toBeCloseTo(ref, 5);
    // classWeight in evaluate weighs the same way
    const cw = { 0: 2, 2: 0.5 };
    const refC = labels.reduce((s, c, i) => s + ([2, 1, 0.5][c]) * -Math.log(p.data[i * 3 + c]), 0) / 6;
    expect(m.evaluate(x, labels, { classWeight: cw }).loss).toBeCloseTo(refC, 5);
  });

  it('classWeight trains exactly as the equivalent sampleWeight, for class ids, one-hot rows and binary targets', async () => {
    const cw = [1, 3, 0.5];
    const a = classifier(), b = classifier();
    await a.fit(x, labels, { epochs: 2, batchSize: 4, seed: 3, classWeight: cw });
    await b.fit(x, labels, { epochs: 2, batchSize: 4, seed: 3, sampleWeight: labels.map((c) => cw[c]) });
    a.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(b.getWeights()[i].data)));
    // One-hot targets: the class is the argmax.
    const c = sequential([dense({ units: 3, inputShape: [3], activation: 'softmax' })]);
    c.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    c.build({ seed: 1 });
    const onehot = labels.map((l) => [0, 1, 2].map((j) => (j === l ? 1 : 0)));
    expect(c.evaluate(x, onehot, { classWeight: cw }).loss).toBeCloseTo(c.evaluate(x, onehot, { sampleWeight: labels.map((l) => cw[l]) }).loss, 6);
    // Binary single-column targets: the rounded value; missing classes weigh 1.
    const d = sequential([dense({ units: 1, inputShape: [3], activation: 'sigmoid' })]);
    d.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    d.build({ seed: 1 });
    const t = [[0], [1], [1], [0], [0.2], [0.9]];
    expect(d.evaluate(x, t, { classWeight: { 1: 4 } }).loss).toBeCloseTo(d.evaluate(x, t, { sampleWeight: [1, 4, 4, 1, 1, 4] }).loss, 6);
  });

  it('weights scale the gradient: all 2 doubles the step; a weight-0 row contributes nothing', () => {
    const step = (opts: { sampleWeight?: number[] }, y = labels) => {
      const m = classifier();
      const w0 = m.getWeights();
      m.trainOnBatch(x, y, opts);
      return m.getWeights().map((w, i) => w.data.map((v, j) => w0[i].data[j] - v));
    };
    const one = step({});
    const two = step({ sampleWeight: [2, 2, 2, 2, 2, 2] });
    two.forEach((g, i) => expectNear(g, one[i].map((v) => 2 * v), 1e-6, 1e-4, `doubled ${i}`));
    const masked = step({ sampleWeight: [1, 1, 1, 0, 1, 1] });
    const otherLabel = step({ sampleWeight: [1, 1, 1, 0, 1, 1] }, [0, 1, 2, 0, 1, 0]);
    masked.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(otherLabel[i])));
  });

  it('validationData may carry sample weights', async () => {
    const m = classifier();
    const w = [0, 1, 1, 1, 1, 0];
    const h = await m.fit(x, labels, { epochs: 1, batchSize: 6, seed: 1, validationData: [x, labels, w] });
    expect(h.history.valLoss[0]).toBeCloseTo(m.evaluate(x, labels, { sampleWeight: w }).loss, 5);
  });

  it('one step with classWeight matches TF.js fit with classWeight', async () => {
    const m = classifier(7);
    const t = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }), tfl.layers.dense({ units: 3, activation: 'softmax' })] });
    t.compile({ optimizer: tf.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy' });
    copyToTfjs(m, t);
    const cw = { 0: 1, 1: 3, 2: 0.5 };
    await m.fit(x, labels, { epochs: 1, batchSize: 6, shuffle: false, classWeight: cw });
    await t.fit(tf.tensor2d(x), tf.tensor1d(labels, 'float32'), { epochs: 1, batchSize: 6, shuffle: false, classWeight: cw });
    const ref = tfjsWeights(t);
    m.getWeights().forEach((w, i) => expectNear(w.data, ref[i], 1e-6, 1e-4, w.name));
  });

  it('bad weights are named errors', async () => {
    const m = classifier();
    await expect(m.fit(x, labels, { sampleWeight: [1, 2], epochs: 1 })).rejects.toThrow(ShapeError);
    await expect(m.fit(x, labels, { sampleWeight: [1, 1, 1, 1, 1, -1] })).rejects.toThrow(/sampleWeight\[5\] must be a finite number >= 0, got -1/);
    await expect(m.fit(x, labels, { sampleWeight: [1, 1, 1, 1, 1, 1], classWeight: [1, 1, 1] })).rejects.toThrow(/cannot be used together/);
    expect(() => m.evaluate(x, labels, { classWeight: { a: 1 } as never })).toThrow(ValueError);
  });
});

describe('regularizers', () => {
  it('defaults follow Keras: l1 0.01, l2 0.01, l1l2 0 and 0', () => {
    expect(l1()).toEqual({ name: 'l1', l1: 0.01, l2: 0 });
    expect(l2()).toEqual({ name: 'l2', l1: 0, l2: 0.01 });
    expect(l1l2()).toEqual({ name: 'l1l2', l1: 0, l2: 0 });
    expect(() => l2({ l2: -1 })).toThrow(ValueError);
  });

  it('the penalty is added to the loss reported by evaluate, fit and trainOnBatch', async () => {
    const reg = sequential([dense({ units: 4, inputShape: [3], kernelRegularizer: l1l2({ l1: 0.01, l2: 0.02 }), biasRegularizer: l2({ l2: 0.5 }) }), dense({ units: 2, kernelRegularizer: 'l1' })]);
    const plain = sequential([dense({ units: 4, inputShape: [3] }), dense({ units: 2 })]);
    for (const m of [reg, plain]) {
      m.compile({ optimizer: sgd({ learningRate: 0 }), loss: 'mse' });
      m.build({ seed: 2 });
    }
    // biases are zero after init: give them values so that the bias penalty counts
    const ws = reg.getWeights().map((w) => (w.name.endsWith('bias') ? w.data.map((_, i) => 0.1 * (i + 1)) : w.data));
    reg.setWeights(ws);
    plain.setWeights(ws);
    const [k1, b1, k2] = ws;
    const sum = (a: Float32Array, f: (v: number) => number) => a.reduce((s, v) => s + f(v), 0);
    const penalty = 0.01 * sum(k1, Math.abs) + 0.02 * sum(k1, (v) => v * v) + 0.5 * sum(b1, (v) => v * v) + 0.01 * sum(k2, Math.abs);
    const y = rows(6, 2, 3);
    expect(reg.evaluate(x, y).loss).toBeCloseTo(plain.evaluate(x, y).loss + penalty, 5);
    expect(reg.trainOnBatch(x, y).loss).toBeCloseTo(plain.trainOnBatch(x, y).loss + penalty, 5);
    const h = await reg.fit(x, y, { epochs: 1, batchSize: 3, shuffle: false });
    expect(h.history.loss[0]).toBeCloseTo(plain.evaluate(x, y).loss + penalty, 5);
  });

  it('the gradient includes the penalty (finite differences)', () => {
    const m = sequential([dense({ units: 3, inputShape: [3], activation: 'tanh', kernelRegularizer: l1l2({ l1: 0.05, l2: 0.1 }), biasRegularizer: l2({ l2: 0.3 }) }), dense({ units: 2, kernelRegularizer: l2({ l2: 0.2 }) })]);
    m.build({ seed: 4 });
    m.setWeights(m.getWeights().map((w) => (w.name.endsWith('bias') ? w.data.map((_, i) => 0.2 * i - 0.1) : w.data)));
    checkTrainingGradients(m, x, rows(6, 2, 6), 'mse');
  });

  it('one SGD step matches TF.js with the same regularizers', async () => {
    const m = sequential([dense({ units: 4, inputShape: [3], kernelRegularizer: l2({ l2: 0.1 }) }), dense({ units: 2, kernelRegularizer: l1({ l1: 0.05 }) })]);
    m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse' });
    m.build({ seed: 5 });
    const t = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 4, inputShape: [3], kernelRegularizer: tfl.regularizers.l2({ l2: 0.1 }) }),
        tfl.layers.dense({ units: 2, kernelRegularizer: tfl.regularizers.l1({ l1: 0.05 }) }),
      ],
    });
    t.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    copyToTfjs(m, t);
    const y = rows(6, 2, 7);
    const loss = m.trainOnBatch(x, y).loss;
    const theirs = (await t.trainOnBatch(tf.tensor2d(x), tf.tensor2d(y))) as number;
    expect(loss).toBeCloseTo(theirs, 5);
    const ref = tfjsWeights(t);
    m.getWeights().forEach((w, i) => expectNear(w.data, ref[i], 1e-6, 1e-4, w.name));
  });

  it('regularizers are saved in the model file', () => {
    const m = sequential([dense({ units: 2, inputShape: [3], kernelRegularizer: l1l2({ l1: 0.1, l2: 0.2 }) })]);
    m.build({ seed: 1 });
    const loaded = modelFromBytes(m.toBytes());
    expect(loaded.layers[0].getConfig()).toEqual(m.layers[0].getConfig());
    expect(() => dense({ units: 1, kernelRegularizer: 'l3' as never })).toThrow(/kernelRegularizer must be l1\(\.\.\.\)/);
  });
});
