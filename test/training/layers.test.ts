// Dropout, batch / layer normalisation and the activation layer inside models: training-mode
// gradients against finite differences, batch norm's training vs inference behaviour and its
// saved statistics, dropout's seeded masks, and outputs / one-step updates against TF.js.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  activation,
  batchNormalization,
  dense,
  dropout,
  layerFromConfig,
  layerNormalization,
  losses,
  modelFromBytes,
  sequential,
  sgd,
  ValueError,
} from '../../src/index.js';
import { checkTrainingGradients, copyToTfjs, expectNear, rows, tf, tfjsWeights, tfl, tfReady } from './helpers.js';

beforeAll(async () => {
  await tfReady();
});

const x6 = rows(6, 3, 11);
const classes6 = [0, 1, 2, 1, 0, 2];

describe('training-mode gradients match finite differences', () => {
  it('dense → batchNormalization → tanh → dense, mse', () => {
    const m = sequential([dense({ units: 4, inputShape: [3] }), batchNormalization({ momentum: 0.9 }), activation({ activation: 'tanh' }), dense({ units: 2 })]);
    m.build({ seed: 3 });
    // Non-default gamma / beta so that both enter the gradient.
    m.setWeights(m.getWeights().map((w) => (w.name.endsWith('gamma') ? w.data.map((_, i) => 0.5 + 0.3 * i) : w.name.endsWith('beta') ? w.data.map((_, i) => 0.1 * i - 0.1) : w.data)));
    checkTrainingGradients(m, x6, rows(6, 2, 5), 'mse');
  });

  it('batchNormalization without scale and centre, as the first layer', () => {
    const m = sequential([batchNormalization({ inputShape: [3], center: false, scale: false }), dense({ units: 3, activation: 'softmax' })]);
    m.build({ seed: 4 });
    checkTrainingGradients(m, x6, classes6, 'sparseCategoricalCrossentropy');
  });

  it('dense → layerNormalization → gelu → dense with softmax, categorical cross-entropy', () => {
    const m = sequential([dense({ units: 5, inputShape: [3] }), layerNormalization(), dense({ units: 3, activation: 'gelu' }), dense({ units: 3, activation: 'softmax' })]);
    m.build({ seed: 5 });
    m.setWeights(m.getWeights().map((w) => (w.name.endsWith('gamma') ? w.data.map((_, i) => 1.2 - 0.1 * i) : w.data)));
    const onehot = classes6.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)));
    checkTrainingGradients(m, x6, onehot, 'categoricalCrossentropy');
  });

  it('dropout between dense layers (the same mask in every probe)', () => {
    const m = sequential([dense({ units: 8, inputShape: [3], activation: 'tanh' }), dropout({ rate: 0.4 }), dense({ units: 1, activation: 'sigmoid' })]);
    m.build({ seed: 6 });
    checkTrainingGradients(m, x6, [0, 1, 1, 0, 1, 0], 'binaryCrossentropy');
  });

  it.each(['sigmoid', 'elu', 'softplus', 'swish', 'softmax'])('activation layer %s in the middle', (act) => {
    const m = sequential([dense({ units: 4, inputShape: [3] }), activation({ activation: act as never }), dense({ units: 2 })]);
    m.build({ seed: 7 });
    checkTrainingGradients(m, x6, rows(6, 2, 9), 'mse');
  });

  it('softmax activation layer at the end takes the fused cross-entropy path, same as a softmax dense', () => {
    const a = sequential([dense({ units: 3, inputShape: [3] }), activation({ activation: 'softmax' })]);
    const b = sequential([dense({ units: 3, inputShape: [3], activation: 'softmax' })]);
    a.build({ seed: 8 });
    b.build({ seed: 8 });
    for (const m of [a, b]) m.compile({ optimizer: sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
    expect(a.core.compiled!.mode).toBe('softmaxCe');
    const la = a.trainOnBatch(x6, classes6).loss;
    const lb = b.trainOnBatch(x6, classes6).loss;
    expect(la).toBe(lb);
    a.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(b.getWeights()[i].data)));
    expect(Array.from(a.predict(x6).data)).toEqual(Array.from(b.predict(x6).data));
    checkTrainingGradients(a, x6, classes6, 'sparseCategoricalCrossentropy');
    // Sigmoid + binary cross-entropy likewise.
    const c = sequential([dense({ units: 1, inputShape: [3] }), activation({ activation: 'sigmoid' })]);
    c.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    expect(c.core.compiled!.mode).toBe('sigmoidBce');
    c.build({ seed: 1 });
    checkTrainingGradients(c, x6, [0, 1, 1, 0, 1, 0], losses.binaryCrossentropy());
  });
});

describe('batch normalization: training vs inference', () => {
  it('training uses batch statistics and moves the moving ones by the momentum rule; inference uses the moving ones', () => {
    const momentum = 0.8, eps = 0.01;
    const m = sequential([batchNormalization({ inputShape: [3], momentum, epsilon: eps }), dense({ units: 1 })]);
    m.compile({ optimizer: sgd({ learningRate: 0 }), loss: 'mse' });
    m.build({ seed: 1 });
    const x = rows(8, 3, 21, -2, 4);
    const y = rows(8, 1, 22);
    m.trainOnBatch(x, y);
    const w = Object.fromEntries(m.getWeights().map((t) => [t.name.split('/')[1], t.data]));
    for (let j = 0; j < 3; j++) {
      const col = x.map((r) => r[j]);
      const mean = col.reduce((a, b) => a + b, 0) / 8;
      const variance = col.reduce((a, b) => a + (b - mean) ** 2, 0) / 8;
      expect(w.moving_mean[j]).toBeCloseTo(0 * momentum + mean * (1 - momentum), 5);
      expect(w.moving_variance[j]).toBeCloseTo(1 * momentum + variance * (1 - momentum), 5);
    }
    // Inference: gamma·(x − moving mean)/√(moving var + eps) + beta through the dense layer.
    const out = m.predict(x).data;
    const [k, b] = [w.kernel, w.bias];
    x.forEach((r, i) => {
      const h = r.map((v, j) => w.gamma[j] * ((v - w.moving_mean[j]) / Math.sqrt(w.moving_variance[j] + eps)) + w.beta[j]);
      expect(out[i]).toBeCloseTo(h[0] * k[0] + h[1] * k[1] + h[2] * k[2] + b[0], 4);
    });
    // Training-mode forward normalises by the batch: its loss differs from the inference loss.
    expect(m.testOnBatch(x, y).loss).not.toBeCloseTo(m.trainOnBatch(x, y).loss, 3);
  });

  it('the optimizer never touches the moving statistics (even with weight decay), and they are saved', async () => {
    const m = sequential([dense({ units: 4, inputShape: [3] }), batchNormalization(), dense({ units: 1 })]);
    m.compile({ optimizer: sgd({ learningRate: 0.1, weightDecay: 0.5 }), loss: 'mse' });
    const x = rows(16, 3, 2), y = rows(16, 1, 3);
    await m.fit(x, y, { epochs: 3, batchSize: 4, seed: 2 });
    const names = m.getWeights().map((w) => w.name);
    expect(names).toEqual(['dense/kernel', 'dense/bias', 'batch_normalization/gamma', 'batch_normalization/beta',
      'batch_normalization/moving_mean', 'batch_normalization/moving_variance', 'dense_1/kernel', 'dense_1/bias']);
    expect(m.core.paramCount).toBe(4 * 4 + 2 * 4 + 5);
    expect(m.countParams()).toBe(4 * 4 + 4 * 4 + 5);
    expect(m.summary({ print: false })).toContain('Non-trainable params: 8');
    // Replay: the moving statistics after one more step follow the momentum rule from the
    // pre-activations the kernel saw, regardless of the optimizer.
    const before = m.getWeights();
    m.trainOnBatch(x.slice(0, 4), y.slice(0, 4));
    const after = m.getWeights();
    const [kernel, bias] = [before[0].data, before[1].data];
    for (let j = 0; j < 4; j++) {
      const z = x.slice(0, 4).map((r) => r[0] * kernel[j] + r[1] * kernel[4 + j] + r[2] * kernel[8 + j] + bias[j]);
      const mean = z.reduce((a, b) => a + b, 0) / 4;
      expect(after[4].data[j]).toBeCloseTo(before[4].data[j] * 0.99 + mean * 0.01, 5);
    }
    const loaded = modelFromBytes(m.toBytes());
    loaded.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(after[i].data)));
    expect(Array.from(loaded.predict(x).data)).toEqual(Array.from(m.predict(x).data));
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
  });
});

describe('dropout', () => {
  it('is the identity at inference and drops about `rate` of the units in training, scaling the rest', () => {
    const m = sequential([dropout({ rate: 0.3, inputShape: [200] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    m.build({ seed: 5 });
    const x = [Array.from({ length: 200 }, (_, i) => i + 1)];
    expect(Array.from(m.predict(x).data)).toEqual(x[0]);
    // The training output is in the last layer's y after a step.
    m.trainOnBatch(x, [x[0].map(() => 0)]);
    const out = m.core.engine.readF32(m.layers[0].y, 200);
    const kept = Array.from(out).filter((v) => v !== 0);
    expect(Math.abs(kept.length / 200 - 0.7)).toBeLessThan(0.1);
    out.forEach((v, i) => expect(v === 0 || Math.abs(v - x[0][i] / 0.7) < 1e-3 * x[0][i]).toBe(true));
  });

  it('the same seed gives the same masks; a resumed run matches the uninterrupted one bit for bit', async () => {
    const make = () => {
      const m = sequential([dense({ units: 16, inputShape: [3], activation: 'relu' }), dropout({ rate: 0.5 }), dense({ units: 3, activation: 'softmax' })]);
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const x = rows(40, 3, 8), y = x.map((r) => (r[0] > 0 ? 0 : r[1] > 0 ? 1 : 2));
    const a = make();
    await a.fit(x, y, { epochs: 4, batchSize: 8, seed: 9 });
    const b = make();
    await b.fit(x, y, { epochs: 2, batchSize: 8, seed: 9 });
    const resumed = modelFromBytes(b.toBytes({ includeOptimizer: true }));
    await resumed.fit(x, y, { epochs: 2, batchSize: 8 });
    const wa = a.getWeights();
    resumed.getWeights().forEach((w, i) => expect(Buffer.from(w.data.buffer).equals(Buffer.from(wa[i].data.buffer)), w.name).toBe(true));
    // Another seed: other masks, other weights.
    const c = make();
    await c.fit(x, y, { epochs: 4, batchSize: 8, seed: 10 });
    expect(Buffer.from(c.getWeights()[0].data.buffer).equals(Buffer.from(wa[0].data.buffer))).toBe(false);
  });

  it('rejects a rate outside [0, 1)', () => {
    expect(() => dropout({ rate: 1 })).toThrow(ValueError);
    expect(() => dropout({ rate: -0.1 })).toThrow(/dropout rate must be a number in \[0, 1\), got -0.1/);
  });
});

describe('configs', () => {
  it('every layer rebuilds from its config', () => {
    const layers = [
      dense({ units: 3, inputShape: [4], activation: { name: 'leakyRelu', alpha: 0.1 } }),
      dropout({ rate: 0.25 }),
      batchNormalization({ momentum: 0.5, epsilon: 0.01, center: false }),
      layerNormalization({ scale: false }),
      activation({ activation: 'elu' }),
    ];
    const m = sequential(layers);
    m.build({ seed: 1 });
    for (const l of m.layers) expect(layerFromConfig(l.getConfig()).getConfig()).toEqual(l.getConfig());
    expect(() => layerFromConfig({ type: 'conv2d', name: 'c' })).toThrow(/unsupported layer type "conv2d"; this version supports: dense, dropout/);
  });

  it('a layer serves one model at a time (its pointers are that model\'s)', () => {
    const shared = dense({ units: 2, inputShape: [3] });
    const a = sequential([shared]);
    expect(() => sequential([shared])).toThrow(/already belongs to another model/);
    expect(() => a.add(shared)).toThrow(/already in this model/);
    a.dispose();
    expect(sequential([shared]).predict([[1, 2, 3]]).shape).toEqual([1, 2]);
  });
});

describe('against TF.js', () => {
  const x = rows(8, 4, 31), y = rows(8, 2, 32);

  it('same weights, same inference outputs: dense, batchNormalization, layerNormalization, activation, dropout', async () => {
    const ours = sequential([
      dense({ units: 6, inputShape: [4] }),
      batchNormalization({ momentum: 0.9, epsilon: 0.01 }),
      activation({ activation: 'tanh' }),
      dropout({ rate: 0.5 }),
      layerNormalization({ epsilon: 0.001 }),
      dense({ units: 2, activation: 'sigmoid' }),
    ]);
    ours.build({ seed: 12 });
    ours.setWeights(ours.getWeights().map((w) => (w.name.includes('moving_variance') ? w.data.map((_, i) => 0.5 + i / 10) : w.name.includes('moving_mean') ? w.data.map((_, i) => i / 20 - 0.1) : w.data)));
    const theirs = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 6, inputShape: [4] }),
        tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 0.01 }),
        tfl.layers.activation({ activation: 'tanh' }),
        tfl.layers.dropout({ rate: 0.5 }),
        tfl.layers.layerNormalization({ epsilon: 0.001 }),
        tfl.layers.dense({ units: 2, activation: 'sigmoid' }),
      ],
    });
    copyToTfjs(ours, theirs);
    const ref = (theirs.predict(tf.tensor2d(x)) as tf.Tensor).dataSync();
    expectNear(ours.predict(x).data, ref, 1e-5, 1e-4, 'outputs');
  });

  it.each([
    ['batchNormalization', () => batchNormalization({ momentum: 0.9 }), () => tfl.layers.batchNormalization({ momentum: 0.9 })],
    ['layerNormalization', () => layerNormalization(), () => tfl.layers.layerNormalization()],
  ])('one SGD step through %s in training mode updates every weight as TF.js does', async (_name, mine, theirsLayer) => {
    const ours = sequential([dense({ units: 5, inputShape: [4], activation: 'tanh' }), mine(), dense({ units: 2 })]);
    ours.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse' });
    ours.build({ seed: 13 });
    ours.setWeights(ours.getWeights().map((w) => (w.name.endsWith('gamma') ? w.data.map((_, i) => 0.7 + 0.2 * i) : w.name.endsWith('beta') ? w.data.map((_, i) => 0.05 * i) : w.data)));
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 5, inputShape: [4], activation: 'tanh' }), theirsLayer(), tfl.layers.dense({ units: 2 })] });
    theirs.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    copyToTfjs(ours, theirs);
    const loss = ours.trainOnBatch(x, y).loss;
    const theirLoss = (await theirs.trainOnBatch(tf.tensor2d(x), tf.tensor2d(y))) as number;
    expect(loss).toBeCloseTo(theirLoss, 5);
    const got = ours.getWeights();
    const ref = tfjsWeights(theirs);
    got.forEach((w, i) => {
      // TF.js keeps moving statistics with its own rule; the trainable weights must agree.
      if (!w.name.includes('moving_')) expectNear(w.data, ref[i], 1e-5, 1e-4, w.name);
    });
  });
});
