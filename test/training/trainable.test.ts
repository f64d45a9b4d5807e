// Freezing layers (Keras 3 `trainable`): frozen weights stay bit-identical through fit, the rest
// train; gradients of the trainable part through frozen layers match finite differences; the
// optimizer's state covers the trainable weights only and survives a change of the trainable set
// for the layers that stay; summary counts match TF.js; a frozen batch norm runs in inference mode
// (checked against a plain formula); frozen penalties leave the loss; bad values are refused.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  adagrad,
  adam,
  batchNormalization,
  conv2d,
  dense,
  depthwiseConv2d,
  flatten,
  l2,
  layerNormalization,
  maxPooling2d,
  separableConv2d,
  sequential,
  sgd,
  type Sequential,
  ValueError,
} from '../../src/index.js';
import { checkTrainingGradients, copyToTfjs, expectNear, rows, tf, tfjsWeights, tfl, tfReady } from './helpers.js';

beforeAll(async () => {
  await tfReady();
});

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const weightBits = (m: Sequential) => Object.fromEntries(m.getWeights().map((w) => [w.name, bits(w.data)]));

/** conv → BN → pool → flatten → dense → BN → dense softmax, on [6, 6, 2] images. */
function cnn(): Sequential {
  return sequential([
    conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2], name: 'conv' }),
    batchNormalization({ name: 'bn1' }),
    maxPooling2d({ name: 'pool' }),
    flatten({ name: 'flat' }),
    dense({ units: 5, activation: 'tanh', name: 'fc' }),
    batchNormalization({ name: 'bn2' }),
    dense({ units: 3, activation: 'softmax', name: 'out' }),
  ]);
}
const n = 24;
const images = { data: Float32Array.from(rows(n, 72, 3).flat()), shape: [n, 6, 6, 2] };
const labels = Int32Array.from({ length: n }, (_, i) => (i * 5) % 3);

describe('frozen weights do not move; the others do', () => {
  it('conv, batch norm and dense frozen: bit-identical after fit (moving statistics too); the rest change', async () => {
    const m = cnn();
    m.build({ seed: 1 });
    for (const name of ['conv', 'bn1', 'fc']) m.layers.find((l) => l.name === name)!.trainable = false;
    m.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
    const before = weightBits(m);
    await m.fit(images, labels, { epochs: 2, batchSize: 8, seed: 2 });
    const after = weightBits(m);
    for (const name of Object.keys(before)) {
      const frozen = /^(conv|bn1|fc)\//.test(name);
      if (frozen) expect(after[name], name).toBe(before[name]);
      else expect(after[name], name).not.toBe(before[name]);
    }
  });

  it('the optimizer state and gradients cover the trainable weights only', () => {
    const m = cnn();
    m.layers[0].trainable = false; // conv: 3·3·2·3 + 3 = 57 weights
    m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
    m.trainOnBatch(images, labels);
    const trainable = m.trainableWeights.reduce((s, w) => s + w.data.length, 0);
    // bn1 gamma/beta 6, fc 12·5 + 5 = 65 (pooled [2, 2, 3] flattened), bn2 10, out 5·3 + 3 = 18.
    expect(trainable).toBe(6 + 65 + 10 + 18);
    expect(m.core.paramCount).toBe(trainable);
    const state = m.core.saveTrainingState();
    expect(state.slots.map((s) => s.length)).toEqual([trainable, trainable]);
    expect(m.countParams()).toBe(trainable + m.nonTrainableWeights.reduce((s, w) => s + w.data.length, 0));
    expect(m.nonTrainableWeights.map((w) => w.name)).toEqual(['conv/kernel', 'conv/bias', 'bn1/moving_mean', 'bn1/moving_variance', 'bn2/moving_mean', 'bn2/moving_variance']);
  });

  it('a frozen base is skipped by backward: no backward call on any layer before the first one in training', () => {
    const m = cnn();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    for (const l of m.layers.slice(0, 5)) l.trainable = false; // conv .. fc
    const calls = m.layers.map((l) => vi.spyOn(l, 'backward'));
    m.trainOnBatch(images, labels);
    expect(calls.map((c) => c.mock.calls.length)).toEqual([0, 0, 0, 0, 0, 1, 1]);
    // bn2 is the first layer in training: it gets no input-gradient pointer.
    expect(calls[5].mock.calls[0][1]).toBe(0);
    m.layers[0].trainable = true; // now everything after conv passes gradients back, the frozen ones included
    m.trainOnBatch(images, labels);
    expect(calls.map((c) => c.mock.calls.length)).toEqual([1, 1, 1, 1, 1, 2, 2]);
  });

  it('nothing trainable: the step leaves weights and the optimizer step count alone (Keras skips apply_gradients)', () => {
    const m = sequential([dense({ units: 3, inputShape: [4] }), dense({ units: 2 })]);
    m.compile({ optimizer: adam(), loss: 'mse' });
    m.build({ seed: 1 });
    m.trainable = false;
    const before = weightBits(m);
    const loss = m.trainOnBatch(rows(5, 4, 1), rows(5, 2, 2)).loss;
    expect(Number.isFinite(loss)).toBe(true);
    expect(weightBits(m)).toEqual(before);
    expect(m.core.compiled!.optimizer.iterations).toBe(0);
  });
});

describe('gradients of the trainable part through frozen layers match finite differences', () => {
  const x6 = rows(6, 3, 11);
  const y6 = rows(6, 2, 5);

  it('dense → frozen dense → frozen layerNormalization → dense', () => {
    const m = sequential([dense({ units: 4, inputShape: [3], activation: 'tanh' }), dense({ units: 5, activation: 'elu', trainable: false }),
      layerNormalization({ trainable: false }), dense({ units: 2 })]);
    m.build({ seed: 3 });
    checkTrainingGradients(m, x6, y6, 'mse');
  });

  it('dense → frozen batchNormalization (inference mode, non-trivial statistics) → dense', () => {
    const m = sequential([dense({ units: 4, inputShape: [3] }), batchNormalization({ trainable: false }), dense({ units: 2, activation: 'tanh' })]);
    m.build({ seed: 4 });
    m.setWeights(m.getWeights().map((w) => {
      const k = w.name.split('/')[1];
      const v = { gamma: (i: number) => 0.5 + 0.3 * i, beta: (i: number) => 0.1 * i - 0.1, moving_mean: (i: number) => 0.2 * i - 0.3, moving_variance: (i: number) => 0.4 + 0.5 * i }[k];
      return v ? w.data.map((_, i) => v(i)) : w.data;
    }));
    checkTrainingGradients(m, x6, y6, 'mse');
  });

  it('conv → frozen conv → frozen depthwise → frozen separable → dense', () => {
    const m = sequential([
      conv2d({ filters: 2, kernelSize: 2, inputShape: [5, 5, 1], activation: 'tanh' }),
      conv2d({ filters: 3, kernelSize: 2, padding: 'same', activation: 'relu', trainable: false }),
      depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, trainable: false }),
      separableConv2d({ filters: 2, kernelSize: 2, padding: 'same', activation: 'sigmoid', trainable: false }),
      flatten(), dense({ units: 3, activation: 'softmax' }),
    ]);
    m.build({ seed: 5 });
    const x = { data: Float32Array.from(rows(4, 25, 7).flat()), shape: [4, 5, 5, 1] };
    checkTrainingGradients(m, x, [0, 2, 1, 1], 'sparseCategoricalCrossentropy', 1e-2, 5);
  });
});

describe('a frozen batch normalisation runs in inference mode (Keras 3)', () => {
  const x = rows(8, 3, 21, -2, 3);
  const mean = [0.5, -0.25, 1], variance = [2, 0.5, 1.5], gamma = [1.5, 0.75, -1], beta = [0.1, 0.2, -0.3];

  function bnModel(trainable: boolean): Sequential {
    const m = sequential([batchNormalization({ inputShape: [3], trainable }), dense({ units: 1, useBias: false, kernelInitializer: 'ones' })]);
    m.build({ seed: 1 });
    m.setWeights([gamma, beta, mean, variance, [1, 1, 1]]);
    m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse' });
    return m;
  }

  it('the training loss is that of the moving statistics (a plain f64 formula), which stay unchanged', () => {
    const y = x.map(() => [0]);
    const frozen = bnModel(false);
    // Plain reference: out = Σ_j gamma_j·(x_j − mean_j)/√(var_j + 1e-3) + beta_j, loss = mean(out²).
    const out = x.map((r) => r.reduce((s, v, j) => s + (gamma[j] * (v - mean[j])) / Math.sqrt(variance[j] + 1e-3) + beta[j], 0));
    const want = out.reduce((s, o) => s + o * o, 0) / out.length;
    const before = weightBits(frozen);
    const got = frozen.trainOnBatch(x, y).loss;
    expect(Math.abs(got - want)).toBeLessThan(1e-5 * want);
    const after = weightBits(frozen);
    for (const k of ['gamma', 'beta', 'moving_mean', 'moving_variance']) expect(after[`batch_normalization/${k}`], k).toBe(before[`batch_normalization/${k}`]);
    expect(after['dense/kernel']).not.toBe(before['dense/kernel']);
    // The same layer in training normalises by the batch instead, and moves its statistics.
    const live = bnModel(true);
    expect(Math.abs(live.trainOnBatch(x, y).loss - want)).toBeGreaterThan(0.1);
    expect(weightBits(live)['batch_normalization/moving_mean']).not.toBe(before['batch_normalization/moving_mean']);
  });
});

describe('summary and counts', () => {
  it('Trainable / Non-trainable params match TF.js 4.22 model.summary for the same model and frozen layers', () => {
    const ours = cnn();
    ours.build({ seed: 1 });
    const theirs = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] }),
        tfl.layers.batchNormalization(), tfl.layers.maxPooling2d({ poolSize: 2 }), tfl.layers.flatten(),
        tfl.layers.dense({ units: 5, activation: 'tanh' }), tfl.layers.batchNormalization(), tfl.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const counts = (text: string) => ['Total params', 'Trainable params', 'Non-trainable params'].map((k) => Number(new RegExp(`${k}: ([\\d,]+)`).exec(text)![1].replace(/,/g, '')));
    const tfjsText = () => {
      const lines: string[] = [];
      theirs.summary(120, undefined, (l: string) => lines.push(l));
      return lines.join('\n');
    };
    for (const frozen of [[], [0, 1], [0, 1, 4, 5], [6]]) {
      ours.layers.forEach((l, i) => (l.trainable = !frozen.includes(i)));
      theirs.layers.forEach((l, i) => (l.trainable = !frozen.includes(i)));
      expect(counts(ours.summary({ print: false })), `frozen ${frozen}`).toEqual(counts(tfjsText()));
      const [total, trainable] = counts(ours.summary({ print: false }));
      expect(ours.countParams()).toBe(total);
      expect(ours.trainableWeights.reduce((s, w) => s + w.data.length, 0)).toBe(trainable);
    }
    ours.trainable = false;
    theirs.trainable = false;
    expect(counts(ours.summary({ print: false }))).toEqual(counts(tfjsText()));
    expect(counts(ours.summary({ print: false }))[1]).toBe(0);
    expect(ours.layers.every((l) => !l.trainable)).toBe(true);
    // Keras: a layer unfrozen under a frozen model still does not train.
    ours.layers[6].trainable = true;
    expect(ours.trainableWeights).toEqual([]);
    ours.trainable = true;
    expect(ours.layers.every((l) => l.trainable)).toBe(true);
  });

  it('showTrainable adds Keras\' Trainable column: Y, N, or - for a layer without weights', () => {
    const m = cnn();
    m.layers[0].trainable = false;
    const text = m.summary({ print: false, showTrainable: true });
    const mark = (name: string) => text.split('\n').find((l) => l.startsWith(`${name} (`))!.trim().split(/\s+/).at(-1);
    expect([mark('conv'), mark('bn1'), mark('pool'), mark('flat'), mark('fc')]).toEqual(['N', 'Y', '-', '-', 'Y']);
    expect(m.summary({ print: false })).not.toContain('Trainable  ');
  });
});

describe('changing the trainable set after compile and between steps', () => {
  it('one SGD step with a frozen layer matches TF.js (frozen before compile there, as it needs)', async () => {
    const x = rows(8, 4, 31);
    const y = rows(8, 2, 32);
    const ours = sequential([dense({ units: 6, activation: 'relu', inputShape: [4] }), dense({ units: 5, activation: 'tanh' }), dense({ units: 2 })]);
    ours.build({ seed: 9 });
    ours.compile({ optimizer: sgd({ learningRate: 0.3 }), loss: 'mse' });
    ours.layers[1].trainable = false; // after compile: taken at the next step
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 6, activation: 'relu', inputShape: [4] }), tfl.layers.dense({ units: 5, activation: 'tanh' }), tfl.layers.dense({ units: 2 })] });
    copyToTfjs(ours, theirs);
    theirs.layers[1].trainable = false;
    theirs.compile({ optimizer: tf.train.sgd(0.3), loss: 'meanSquaredError' });
    const before = ours.getWeights();
    ours.trainOnBatch(x, y);
    await theirs.trainOnBatch(tf.tensor2d(x), tf.tensor2d(y));
    const t = tfjsWeights(theirs);
    ours.getWeights().forEach((w, i) => expectNear(w.data, t[i], 1e-6, 1e-5, w.name));
    expect(bits(ours.getWeights()[2].data)).toBe(bits(before[2].data));
  });

  it('freezing keeps the state of the layers that stay trainable; unfreezing starts the new ones from the initial state', () => {
    const m = sequential([dense({ units: 3, inputShape: [2], name: 'a' }), dense({ units: 2, name: 'b' })]);
    m.build({ seed: 2 });
    m.compile({ optimizer: adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.25 }), loss: 'mse' });
    const x = rows(6, 2, 4), y = rows(6, 2, 5);
    m.trainOnBatch(x, y);
    m.trainOnBatch(x, y);
    const full = m.core.saveTrainingState().slots[0]; // a: 9 weights, then b: 8
    m.layers[0].trainable = false;
    const top = m.core.saveTrainingState().slots[0];
    expect(bits(top)).toBe(bits(full.subarray(9)));
    m.trainOnBatch(x, y);
    const moved = m.core.saveTrainingState().slots[0];
    m.layers[0].trainable = true;
    const again = m.core.saveTrainingState().slots[0];
    expect(Array.from(again.subarray(0, 9))).toEqual(new Array(9).fill(0.25));
    expect(bits(again.subarray(9))).toBe(bits(moved));
    expect(m.core.compiled!.optimizer.iterations).toBe(3);
  });

  it('a trainable set that ends where it started changes nothing: training continues bit for bit', () => {
    const make = () => {
      const m = cnn();
      m.build({ seed: 4 });
      m.layers[0].trainable = false;
      m.compile({ optimizer: adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const a = make(), b = make();
    for (let s = 0; s < 3; s++) {
      a.trainOnBatch(images, labels);
      b.trainOnBatch(images, labels);
      b.layers[0].trainable = true;
      b.layers[4].trainable = false;
      b.summary({ print: false });
      b.layers[4].trainable = true;
      b.layers[0].trainable = false;
    }
    expect(weightBits(b)).toEqual(weightBits(a));
    expect(bits(b.core.saveTrainingState().slots[1])).toBe(bits(a.core.saveTrainingState().slots[1]));
  });

  it('set in a callback during fit, it takes effect at the next step', async () => {
    const m = cnn();
    m.build({ seed: 6 });
    m.compile({ optimizer: adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy' });
    let frozenAt: Record<string, string> | undefined;
    await m.fit(images, labels, {
      epochs: 2, batchSize: 8, seed: 1,
      callbacks: { onEpochEnd: (e: number) => { if (e === 0) { m.layers[0].trainable = false; frozenAt = weightBits(m); } } },
    });
    expect(weightBits(m)['conv/kernel']).toBe(frozenAt!['conv/kernel']);
    expect(weightBits(m)['out/kernel']).not.toBe(frozenAt!['out/kernel']);
  });
});

describe('regularisers on frozen layers do not count (Keras 3: penalties come from trainable weights)', () => {
  it('the loss of a model with a frozen regularised layer equals that of the same model without the regulariser', () => {
    const x = rows(6, 3, 41), y = rows(6, 2, 42);
    const make = (reg: boolean) => {
      const m = sequential([dense({ units: 4, inputShape: [3], kernelRegularizer: reg ? l2(0.5) : undefined }), dense({ units: 2 })]);
      m.build({ seed: 5 });
      m.compile({ optimizer: sgd({ learningRate: 0 }), loss: 'mse' });
      return m;
    };
    const withReg = make(true), without = make(false);
    expect(withReg.evaluate(x, y).loss).toBeGreaterThan(without.evaluate(x, y).loss + 0.01);
    withReg.layers[0].trainable = false;
    expect(withReg.evaluate(x, y).loss).toBe(without.evaluate(x, y).loss);
    expect(withReg.trainOnBatch(x, y).loss).toBe(without.trainOnBatch(x, y).loss);
  });
});

describe('refused values', () => {
  it('trainable must be a boolean: layer setter, layer option, model setter; the model stays usable', () => {
    const m = sequential([dense({ units: 2, inputShape: [3], name: 'd' })]);
    const before = Array.from(m.predict(rows(2, 3, 1)).data);
    expect(() => (m.layers[0].trainable = 'no' as never)).toThrow(ValueError);
    expect(() => (m.layers[0].trainable = 'no' as never)).toThrow(/d trainable must be true or false, got "no"/);
    expect(() => (m.trainable = 0 as never)).toThrow(/trainable must be true or false, got 0/);
    expect(() => dense({ units: 2, trainable: 1 as never })).toThrow(/dense trainable must be true or false/);
    expect(() => conv2d({ filters: 1, kernelSize: 1, trainable: null as never })).toThrow(ValueError);
    expect(() => dense({ units: 2, trainabel: false } as never)).toThrow(/did you mean "trainable"/);
    expect(m.layers[0].trainable).toBe(true);
    expect(m.trainable).toBe(true);
    expect(Array.from(m.predict(rows(2, 3, 1)).data)).toEqual(before);
  });
});
