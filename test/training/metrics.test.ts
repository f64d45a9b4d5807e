// Metrics computed in wasm, end to end through evaluate: each against a plain TypeScript reference
// on the model's own predictions (and TF.js where it has the metric), accumulation across batches,
// the choice 'accuracy' makes, and the confusionMatrix helper.
import { beforeAll, describe, expect, it } from 'vitest';
import { aucFromHistogram } from '../../src/metrics.js';
import { confusionMatrix, dense, losses, sequential, Tensor2D, ValueError } from '../../src/index.js';
import { rows, tf, tfl, tfReady } from './helpers.js';

beforeAll(async () => {
  await tfReady();
});

const x = rows(50, 4, 61, -2, 2);

/** Keras AUC: T evenly spaced thresholds (with ±ε ends), p > threshold, interpolated ROC. */
function kerasRocAuc(p: number[], t: number[], T = 200): number {
  const th = Array.from({ length: T }, (_, i) => Math.fround(i === 0 ? -1e-7 : i === T - 1 ? 1 + 1e-7 : i / (T - 1)));
  const P = t.filter((v) => v).length, N = t.length - P;
  const tpr = th.map((h) => p.filter((q, j) => t[j] && Math.fround(q) > h).length / P);
  const fpr = th.map((h) => p.filter((q, j) => !t[j] && Math.fround(q) > h).length / N);
  let area = 0;
  for (let i = 0; i < T - 1; i++) area += (fpr[i] - fpr[i + 1]) * ((tpr[i] + tpr[i + 1]) / 2);
  return area;
}

/** Exact ROC AUC: the probability a positive scores above a negative (ties half). */
function exactAuc(p: number[], t: number[]): number {
  let s = 0, n = 0;
  for (let i = 0; i < p.length; i++) for (let j = 0; j < p.length; j++) {
    if (t[i] && !t[j]) {
      s += p[i] > p[j] ? 1 : p[i] === p[j] ? 0.5 : 0;
      n++;
    }
  }
  return s / n;
}

describe('multi-label sigmoid outputs: binaryAccuracy, precision, recall, auc', () => {
  const m = sequential([dense({ units: 2, inputShape: [4], activation: 'sigmoid' })]);
  m.build({ seed: 3 });
  const y = x.map((r) => [r[0] + r[1] > 0 ? 1 : 0, r[2] * r[3] > 0 ? 1 : 0]);
  m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy', 'precision', 'recall', 'auc', { name: 'auc', curve: 'PR', key: 'prAuc' }, { name: 'precision', threshold: 0.3, key: 'p30' }] });

  it('each equals its reference on the predictions, for any batch size', () => {
    const p = Array.from(m.predict(x).data);
    const t = y.flat();
    const pred = p.map((v) => (v > 0.5 ? 1 : 0));
    const tp = pred.filter((v, i) => v && t[i]).length, fp = pred.filter((v, i) => v && !t[i]).length, fn = pred.filter((v, i) => !v && t[i]).length;
    const tp3 = p.filter((v, i) => v > 0.3 && t[i]).length, fp3 = p.filter((v, i) => v > 0.3 && !t[i]).length;
    for (const batchSize of [7, 50]) {
      const r = m.evaluate(x, y, { batchSize });
      expect(r.accuracy).toBeCloseTo(pred.filter((v, i) => v === t[i]).length / t.length, 10);
      expect(r.precision).toBeCloseTo(tp / (tp + fp), 10);
      expect(r.recall).toBeCloseTo(tp / (tp + fn), 10);
      expect(r.p30).toBeCloseTo(tp3 / (tp3 + fp3), 10);
      expect(r.auc).toBeCloseTo(kerasRocAuc(p, t), 10);
      expect(Math.abs(r.auc - exactAuc(p, t))).toBeLessThan(0.01);
      expect(r.prAuc).toBeGreaterThan(0);
      expect(r.prAuc).toBeLessThanOrEqual(1);
    }
  });

  it('precision and recall agree with TF.js', () => {
    const r = m.evaluate(x, y);
    // TF.js's precision / recall take 0/1 predictions.
    const yt = tf.tensor2d(y), yp = tf.tensor2d(Array.from(m.predict(x).data, (v) => (v > 0.5 ? 1 : 0)), [50, 2]);
    expect(r.precision).toBeCloseTo(tfl.metrics.precision(yt, yp).dataSync()[0], 6);
    expect(r.recall).toBeCloseTo(tfl.metrics.recall(yt, yp).dataSync()[0], 6);
    expect(r.accuracy).toBeCloseTo(tf.mean(tfl.metrics.binaryAccuracy(yt, yp)).dataSync()[0], 6);
  });

  it('on logits (fromLogits loss) thresholds move to logit space: the same values as on probabilities', () => {
    const logits = sequential([dense({ units: 2, inputShape: [4] })]);
    logits.build({ seed: 3 });
    logits.compile({ optimizer: 'sgd', loss: losses.binaryCrossentropy({ fromLogits: true }), metrics: ['accuracy', 'precision', 'recall', 'auc'] });
    const a = logits.evaluate(x, y), b = m.evaluate(x, y);
    for (const k of ['accuracy', 'precision', 'recall', 'auc']) expect(a[k]).toBeCloseTo(b[k], 6);
  });
});

describe('softmax outputs: accuracy flavours and top-k', () => {
  const m = sequential([dense({ units: 5, inputShape: [4], activation: 'softmax' })]);
  m.build({ seed: 4 });
  const labels = x.map((r, i) => (Math.abs(Math.round(r[0] * 3 + r[1])) + i) % 5);

  it('sparse labels and one-hot rows give the same values; top-k counts ties in', () => {
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy', 'sparseTopKCategoricalAccuracy', { name: 'topKCategoricalAccuracy', k: 2, key: 'top2' }, 'precision', 'recall', 'auc'] });
    const r = m.evaluate(x, labels, { batchSize: 9 });
    const p = m.predict(x);
    const rank = (i: number) => Array.from(p.row(i)).filter((v) => v > p.data[i * 5 + labels[i]]).length;
    expect(r.accuracy).toBeCloseTo(labels.filter((l, i) => rank(i) === 0).length / 50, 10);
    expect(r.sparseTopKCategoricalAccuracy).toBe(1); // k = 5 of 5 classes
    expect(r.top2).toBeCloseTo(labels.filter((l, i) => rank(i) < 2).length / 50, 10);
    const onehot = labels.map((l) => [0, 1, 2, 3, 4].map((j) => (j === l ? 1 : 0)));
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy', 'topKCategoricalAccuracy', { name: 'topKCategoricalAccuracy', k: 2, key: 'top2' }, 'precision', 'recall', 'auc'] });
    const r2 = m.evaluate(x, onehot);
    expect(r2.accuracy).toBeCloseTo(r.accuracy, 10);
    expect(r2.top2).toBeCloseTo(r.top2, 10);
    for (const k of ['precision', 'recall', 'auc']) expect(r2[k]).toBeCloseTo(r[k], 10);
    expect(r2.auc).toBeCloseTo(kerasRocAuc(Array.from(p.data), onehot.flat()), 10);
  });

  it('categoricalAccuracy agrees with TF.js', () => {
    const onehot = labels.map((l) => [0, 1, 2, 3, 4].map((j) => (j === l ? 1 : 0)));
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['categoricalAccuracy'] });
    const ref = tf.mean(tfl.metrics.categoricalAccuracy(tf.tensor2d(onehot), tf.tensor2d(Array.from(m.predict(x).data), [50, 5]))).dataSync()[0];
    expect(m.evaluate(x, onehot).categoricalAccuracy).toBeCloseTo(ref, 6);
  });
});

describe('regression metrics', () => {
  it('mse, mae, rootMeanSquaredError over all elements, accumulated across batches', () => {
    const m = sequential([dense({ units: 2, inputShape: [4] })]);
    m.build({ seed: 5 });
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mse', 'mae', 'rootMeanSquaredError'] });
    const y = rows(50, 2, 62);
    const p = m.predict(x).data;
    const t = y.flat();
    const se = t.reduce((s, v, i) => s + (p[i] - v) ** 2, 0) / 100;
    const ae = t.reduce((s, v, i) => s + Math.abs(p[i] - v), 0) / 100;
    const r = m.evaluate(x, y, { batchSize: 13 });
    expect(r.mse).toBeCloseTo(se, 6);
    expect(r.mae).toBeCloseTo(ae, 6);
    expect(r.rootMeanSquaredError).toBeCloseTo(Math.sqrt(se), 6);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: [{ name: 'auc', numThresholds: 2 }] })).toThrow(/numThresholds must be an integer > 2/);
  });
});

describe('AUC from the histogram', () => {
  it('a perfect ranking gives 1, a reversed one 0, PR of a perfect ranking 1', () => {
    // T = 5 thresholds; predictions in [0, 1] land in buckets 0..3. Positives high, negatives low.
    const T = 5;
    const hist = [0, 0, 2, 3, 0, /* negatives */ 4, 1, 0, 0, 0];
    expect(aucFromHistogram(hist, T, 'ROC')).toBeCloseTo(1, 12);
    expect(aucFromHistogram([4, 1, 0, 0, 0, 0, 0, 2, 3, 0], T, 'ROC')).toBeCloseTo(0, 12);
    expect(aucFromHistogram(hist, T, 'PR')).toBeCloseTo(1, 6);
  });
});

describe('confusionMatrix', () => {
  it('rows are true classes, columns predictions; scores rows are argmaxed', () => {
    expect(confusionMatrix([0, 1, 2, 2, 1], [0, 2, 2, 1, 1])).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [0, 1, 1],
    ]);
    const scores = new Tensor2D(new Float32Array([0.9, 0.1, 0.2, 0.8, 0.6, 0.4]), [3, 2]);
    expect(confusionMatrix([0, 1, 1], scores)).toEqual([
      [1, 0],
      [1, 1],
    ]);
    expect(confusionMatrix([0], [0], 3)).toEqual([[1, 0, 0], [0, 0, 0], [0, 0, 0]]);
    expect(() => confusionMatrix([0, 1], [0])).toThrow(ValueError);
    expect(() => confusionMatrix([0, 5], [0, 1], 3)).toThrow(/label 1 is 5, expected an integer in \[0, 2\]/);
  });
});

describe('dense metrics beside a categorical loss', () => {
  it('mse / binaryAccuracy with categoricalCrossentropy see the one-hot targets (as Keras), not class ids', async () => {
    const x = [[0.5, -1], [1, 0], [-1, 1], [0, 0.3]];
    const y = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]];
    const m = sequential([dense({ units: 3, activation: 'softmax', inputShape: [2] })]);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['mse', 'binaryAccuracy', 'accuracy'] });
    m.build({ seed: 3 });
    const p = m.predict(x).data;
    const mse = Array.from(p).reduce((s, v, i) => s + (v - y[Math.floor(i / 3)][i % 3]) ** 2, 0) / p.length;
    const logs = m.evaluate(x, y);
    expect(logs.mse).toBeCloseTo(mse, 6);
    expect(Number.isFinite(m.trainOnBatch(x, y).loss)).toBe(true);
    const history = await m.fit(x, y, { epochs: 1, batchSize: 2, seed: 1 });
    expect(history.history.mse).toHaveLength(1);
    m.dispose();
  });
});
