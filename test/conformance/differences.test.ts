// The deliberate differences listed in docs/keras-conformance.md, each asserted as such: where
// dendrite follows Keras 3 rather than TF.js, where it refuses what Keras computes, and where it
// takes more than Keras does.
import { beforeAll, describe, expect, it } from 'vitest';
import { ValueError, adam, batchNormalization, dense, dropout, fromTfjs, l2, losses, sequential, sgd, upSampling2d } from '../../src/index.js';
import { copyToTfjs, tf, tfReady, tfjsWeights, tfl } from '../training/helpers.js';
import { random } from './config.js';
import { KerasRule } from './keras-rules.js';

beforeAll(async () => {
  await tfReady();
});

const r = random(5);
const x = Array.from({ length: 12 }, () => [r() * 2 - 1, r() * 2 - 1, r() * 2 - 1]);
const y = x.map(([a, b]) => [a + b > 0 ? 1 : 0]);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('deliberate differences from TF.js, following Keras 3', () => {
  it("Adam's epsilon is added to √v before the bias correction (Keras 3), not to √v̂ (TF.js)", async () => {
    const make = () => {
      const m = sequential([dense({ units: 2, activation: 'tanh', inputShape: [3] }), dense({ units: 1, activation: 'sigmoid' })]);
      m.compile({ optimizer: adam({ learningRate: 0.05, epsilon: 0.1 }), loss: 'binaryCrossentropy' });
      m.build({ seed: 2 });
      return m;
    };
    const ours = make();
    const twin = (optimizer: tf.Optimizer) => {
      const t = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, activation: 'tanh', inputShape: [3] }), tfl.layers.dense({ units: 1, activation: 'sigmoid' })] });
      t.compile({ optimizer, loss: 'binaryCrossentropy' });
      copyToTfjs(ours, t);
      return t;
    };
    const keras = twin(new KerasRule({ name: 'adam', learningRate: 0.05, epsilon: 0.1 }));
    const tfjs = twin(tf.train.adam(0.05, 0.9, 0.999, 0.1));
    const fit = { epochs: 3, batchSize: 4, shuffle: false };
    await ours.fit(x, y, fit);
    for (const t of [keras, tfjs]) await t.fit(tf.tensor2d(x), tf.tensor2d(y), { ...fit, verbose: 0 });
    const w = ours.getWeights().flatMap((t) => Array.from(t.data));
    expect(maxDiff(w, tfjsWeights(keras).flatMap((a) => Array.from(a)))).toBeLessThan(1e-5);
    expect(maxDiff(w, tfjsWeights(tfjs).flatMap((a) => Array.from(a)))).toBeGreaterThan(1e-3);
  });

  it('accuracy on logits (fromLogits) thresholds σ(z) at 0.5, i.e. z at 0; Keras and TF.js threshold z at 0.5', () => {
    const m = sequential([dense({ units: 1, inputShape: [3], kernelInitializer: 'zeros', biasInitializer: { name: 'constant', config: { value: 0.25 } } })]);
    m.compile({ optimizer: 'sgd', loss: losses.binaryCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
    const ones = x.map(() => [1]);
    expect(m.evaluate(x, ones).accuracy).toBe(1); // σ(0.25) > 0.5: every row predicts 1
    const keras = tf.mean(tfl.metrics.binaryAccuracy(tf.tensor2d(ones), tf.fill([x.length, 1], 0.25))).dataSync()[0];
    expect(keras).toBe(0); // Keras: 0.25 > 0.5 is false
  });

  it('categorical cross-entropy on outputs that are not probabilities is refused at compile; TF.js computes it', async () => {
    const m = sequential([dense({ units: 3, inputShape: [3] })]);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' })).toThrow(ValueError);
    const t = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [3] })] });
    t.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const target = tf.oneHot(tf.tensor1d(x.map((_, i) => i % 3), 'int32'), 3);
    const loss = (t.evaluate(tf.tensor2d(x), target) as tf.Scalar).dataSync()[0];
    expect(typeof loss).toBe('number'); // a number (or NaN) from normalising by a row sum that may be ≤ 0
    // Such a TF.js model imports uncompiled rather than not at all.
    let artifacts: tf.io.ModelArtifacts | undefined;
    await t.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })), { includeOptimizer: true });
    const imported = fromTfjs(artifacts);
    expect(imported.compiled).toBeUndefined();
    expect(maxDiff(imported.predict(x).data, (t.predict(tf.tensor2d(x)) as tf.Tensor).dataSync())).toBeLessThan(1e-6);
  });

  it('classWeight may leave classes out (weight 1, Keras 3); TF.js requires every class', async () => {
    const m = sequential([dense({ units: 1, activation: 'sigmoid', inputShape: [3] })]);
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    m.build({ seed: 1 });
    const w = m.getWeights();
    const a = await m.fit(x, y, { classWeight: { 1: 2 }, shuffle: false });
    m.setWeights(w);
    const b = await m.fit(x, y, { classWeight: { 0: 1, 1: 2 }, shuffle: false });
    expect(a.history.loss).toEqual(b.history.loss);
    const t = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [3] })] });
    t.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    await expect(t.fit(tf.tensor2d(x), tf.tensor2d(y), { classWeight: { 1: 2 }, verbose: 0 })).rejects.toThrow(/classWeight must contain all classes/);
  });

  it("dropout's noiseShape batch entry is null or 1; a number, which TF.js takes and then fails on a batch of another size, is refused", () => {
    const t = tfl.layers.dropout({ rate: 0.5, noiseShape: [4, 1, 3] });
    tf.tidy(() => t.apply(tf.ones([4, 5, 3]), { training: true }));
    expect(() => tf.tidy(() => t.apply(tf.ones([2, 5, 3]), { training: true }))).toThrow(/could not be broadcast/);
    expect(() => dropout({ rate: 0.5, noiseShape: [4, 1, 3] })).toThrow(/noiseShape must be null or 1 for the batch, then null or a positive integer per input axis/);
  });

  it("bilinear upSampling2d is Keras 3's (half-pixel centres); TF.js 4.22's UpSampling2D aligns corners", () => {
    const m = sequential([upSampling2d({ size: 2, interpolation: 'bilinear', inputShape: [3, 2, 1] })]);
    const img = x.slice(0, 2).flat(), got = m.predict({ data: Float32Array.from(img), shape: [1, 3, 2, 1] }).data;
    const keras = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(img, [1, 3, 2, 1]), [6, 4], false, true).dataSync());
    const tfjs = tf.tidy(() => (tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }).apply(tf.tensor4d(img, [1, 3, 2, 1])) as tf.Tensor).dataSync());
    expect(maxDiff(got, keras)).toBeLessThan(1e-6);
    expect(maxDiff(got, tfjs)).toBeGreaterThan(0.01);
    m.dispose();
  });

  it('categoricalCrossentropy also takes class ids (as one-hot rows), which Keras refuses', () => {
    const m = sequential([dense({ units: 3, activation: 'softmax', inputShape: [3] })]);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const ids = x.map((_, i) => i % 3);
    expect(m.evaluate(x, ids).loss).toBeCloseTo(m.evaluate(x, ids.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)))).loss, 6);
  });
});

describe('freezing (layer.trainable = false): Keras 3 where TF.js 4.22 differs', () => {
  /** Ours and a TF.js twin with the same weights: dense → batch norm → dense, the middle ones as given. */
  function twins(o: { frozen: number[]; regularize?: boolean }) {
    const reg = o.regularize ? l2(0.5) : undefined;
    const ours = sequential([dense({ units: 4, inputShape: [3], kernelRegularizer: reg }), batchNormalization(), dense({ units: 1, activation: 'sigmoid' })]);
    ours.build({ seed: 3 });
    const t = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 4, inputShape: [3], kernelRegularizer: o.regularize ? tfl.regularizers.l2({ l2: 0.5 }) : undefined }),
        tfl.layers.batchNormalization(), tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    copyToTfjs(ours, t);
    for (const i of o.frozen) ours.layers[i].trainable = t.layers[i].trainable = false;
    ours.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'binaryCrossentropy' });
    t.compile({ optimizer: tf.train.sgd(0.1), loss: 'binaryCrossentropy' });
    return { ours, t };
  }

  it('a frozen batch norm runs in inference mode and keeps its moving statistics (Keras 3); TF.js normalises by the batch and updates them', async () => {
    const { ours, t } = twins({ frozen: [1] });
    const mean0 = ours.getWeights()[4].data.slice();
    ours.trainOnBatch(x, y);
    await t.trainOnBatch(tf.tensor2d(x), tf.tensor2d(y));
    expect(Array.from(ours.getWeights()[4].data)).toEqual(Array.from(mean0));
    expect(maxDiff(tfjsWeights(t)[4], mean0)).toBeGreaterThan(1e-3);
  });

  it("a frozen layer's regulariser leaves the training loss (Keras 3 counts trainable weights' penalties); TF.js still adds it", async () => {
    const { ours, t } = twins({ frozen: [0], regularize: true });
    const plain = twins({ frozen: [0] });
    const loss = async (m: tfl.LayersModel) => (await m.trainOnBatch(tf.tensor2d(x), tf.tensor2d(y))) as number;
    expect(ours.trainOnBatch(x, y).loss).toBe(plain.ours.trainOnBatch(x, y).loss);
    expect((await loss(t)) - (await loss(plain.t))).toBeGreaterThan(0.01);
  });

  it('a layer unfrozen after compile trains from the next step; TF.js trains only the weights it collected at compile', async () => {
    const { ours, t } = twins({ frozen: [0] });
    ours.layers[0].trainable = t.layers[0].trainable = true;
    const kernel = ours.getWeights()[0].data.slice();
    ours.trainOnBatch(x, y);
    await t.trainOnBatch(tf.tensor2d(x), tf.tensor2d(y));
    expect(maxDiff(ours.getWeights()[0].data, kernel)).toBeGreaterThan(1e-4);
    expect(Array.from(tfjsWeights(t)[0])).toEqual(Array.from(kernel));
  });
});
