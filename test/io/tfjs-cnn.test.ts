// TF.js LayersModel interop for the convolution, pooling and reshaping layers, against
// @tensorflow/tfjs-layers 4.22 itself (cpu backend): CNNs built in TF.js (the MNIST tutorial's,
// and one model per layer type and option) import and predict the same (max abs diff ≤ 1e-5);
// dendrite CNNs export, TF.js predicts the same, saves the same weight list, and trains them one
// step to the weights dendrite's own step gives; what dendrite cannot represent is a
// ModelFileError naming the layer and the option.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Layer, ModelFileError, ValueError, activation, adam, averagePooling1d, averagePooling2d, batchNormalization, conv1d, conv2d, dense,
  depthwiseConv2d, flatten, fromTfjs, globalAveragePooling1d, globalAveragePooling2d, globalMaxPooling1d, globalMaxPooling2d, l2, loadTfjs,
  maxPooling1d, maxPooling2d, reshape, separableConv2d, sequential, sgd, spatialDropout1d, spatialDropout2d, toTfjs, type TfjsModelJson,
  Dropout, dropout, fashionMnistCnn, upSampling2d, zeroPadding1d, zeroPadding2d,
} from '../../src/index.js';
import { maxAbsDiff, tfjsFiles, tfjsHandler } from '../helpers/tfjs-files.js';
import { expectNear, tf, tfReady, tfl } from '../training/helpers.js';

const T = tfl.layers;
beforeAll(tfReady);
afterAll(() => tf.disposeVariables());

/** Seeded values in [lo, hi) (LCG). */
function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * (hi - lo) + lo);
}

/**
 * Seeded weights for a TF.js model: kernels uniform in ±√(3 / fan-in) (activations stay in range
 * through a deep stack), biases and batch-norm offsets in ±0.5, moving variances in [0.5, 1.5].
 */
function randomize(t: tfl.LayersModel, seed: number): void {
  t.setWeights(t.weights.map((w, i) => {
    const shape = w.shape as number[];
    const n = shape.reduce((a, d) => a * d, 1);
    const fanIn = shape.length > 1 ? n / shape[shape.length - 1] : 0;
    const v = w.name.includes('moving_variance') ? values(n, seed + i, 0.5, 1.5)
      : fanIn ? values(n, seed + i, -Math.sqrt(3 / fanIn), Math.sqrt(3 / fanIn)) : values(n, seed + i, -0.5, 0.5);
    return tf.tensor(v, shape);
  }));
}

function tfjsPredict(t: tfl.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => (t.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array);
}

/** The MNIST tutorial's CNN (tfjs-examples/mnist, the TF.js "Handwritten digit recognition with CNNs" tutorial). */
function tutorialCnn(): tfl.Sequential {
  return tfl.sequential({ layers: [
    T.conv2d({ inputShape: [28, 28, 1], kernelSize: 3, filters: 32, activation: 'relu' }),
    T.maxPooling2d({ poolSize: 2, strides: 2 }),
    T.conv2d({ kernelSize: 3, filters: 64, activation: 'relu' }),
    T.maxPooling2d({ poolSize: 2, strides: 2 }),
    T.flatten(),
    T.dense({ units: 128, activation: 'relu' }),
    T.dense({ units: 10, activation: 'softmax' }),
  ] });
}

/** TF.js models, one per layer type and option: [name, per-sample input shape, layers, dendrite layer types expected]. */
const tfjsCases: [string, number[], () => tfl.layers.Layer[], string[]][] = [
  ['InputLayer; ReLU, LeakyReLU (default alpha 0.3), Activation and Softmax layers', [9, 9, 2], () => [
    T.inputLayer({ inputShape: [9, 9, 2] }),
    T.conv2d({ filters: 4, kernelSize: 3 }), T.reLU(),
    T.conv2d({ filters: 3, kernelSize: 2, strides: 2 }), T.leakyReLU(),
    T.maxPooling2d({ poolSize: 2 }), T.activation({ activation: 'tanh' }),
    T.batchNormalization(), T.leakyReLU({ alpha: 0.1 }),
    T.flatten(), T.dense({ units: 3 }), T.softmax(),
  ], ['conv2d', 'conv2d', 'maxPooling2d', 'activation', 'batchNormalization', 'activation', 'flatten', 'dense']],
  ['conv2d: strides, same padding, dilation, rectangular kernels, no bias, activations', [10, 9, 2], () => [
    T.conv2d({ filters: 3, kernelSize: [2, 3], strides: [2, 1], padding: 'same', activation: 'elu', useBias: false, inputShape: [10, 9, 2] }),
    T.conv2d({ filters: 4, kernelSize: 2, dilationRate: 2, activation: 'sigmoid' }),
    T.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'selu' }),
    T.globalMaxPooling2d({}),
  ], ['conv2d', 'conv2d', 'conv2d', 'globalMaxPooling2d']],
  ['depthwiseConv2d and separableConv2d: multipliers, strides, same padding, dilation', [12, 11, 2], () => [
    T.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu', inputShape: [12, 11, 2] }),
    T.depthwiseConv2d({ kernelSize: 2, strides: 2, useBias: false }),
    T.separableConv2d({ filters: 3, kernelSize: 2, depthMultiplier: 2, padding: 'same', activation: 'tanh' }),
    T.separableConv2d({ filters: 4, kernelSize: 2, dilationRate: 2 }),
    T.separableConv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
    T.globalAveragePooling2d({}),
  ], ['depthwiseConv2d', 'depthwiseConv2d', 'separableConv2d', 'separableConv2d', 'separableConv2d', 'globalAveragePooling2d']],
  ['pooling: sizes, strides, same and valid padding', [11, 10, 3], () => [
    T.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', inputShape: [11, 10, 3] }),
    T.averagePooling2d({ poolSize: [2, 3], strides: 1, padding: 'same' }),
    T.averagePooling2d({ poolSize: 2, padding: 'valid' }),
    T.maxPooling2d({ poolSize: 2, strides: 1 }),
    T.flatten(), T.dense({ units: 4, activation: 'tanh' }),
  ], ['maxPooling2d', 'averagePooling2d', 'averagePooling2d', 'maxPooling2d', 'flatten', 'dense']],
  ['batch normalisation on channels (axis -1) and reshape', [6, 6, 3], () => [
    T.conv2d({ filters: 4, kernelSize: 2, activation: 'relu', inputShape: [6, 6, 3] }),
    T.batchNormalization({ momentum: 0.8, epsilon: 0.01 }),
    T.batchNormalization({ center: false }),
    T.batchNormalization({ scale: false }),
    T.reshape({ targetShape: [25, 4] }),
    T.conv1d({ filters: 2, kernelSize: 3 }),
    T.reshape({ targetShape: [-1] }),
  ], ['conv2d', 'batchNormalization', 'batchNormalization', 'batchNormalization', 'reshape', 'conv1d', 'reshape']],
  ['1-D: conv1d (same, strides, dilation), pooling, global pooling', [16, 3], () => [
    T.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [16, 3] }),
    T.maxPooling1d({ poolSize: 2 }),
    T.conv1d({ filters: 5, kernelSize: 2, strides: 2, activation: 'tanh' }),
    T.averagePooling1d({ poolSize: 2, strides: 1, padding: 'same' }),
    T.conv1d({ filters: 3, kernelSize: 2, dilationRate: 2, padding: 'same' }),
    T.maxPooling1d({ poolSize: 3, strides: 1, padding: 'same' }),
    T.averagePooling1d({ poolSize: 2 }),
    T.globalAveragePooling1d({}),
  ], ['conv1d', 'maxPooling1d', 'conv1d', 'averagePooling1d', 'conv1d', 'maxPooling1d', 'averagePooling1d', 'globalAveragePooling1d']],
  ['reshape of flat rows into images, global max pooling 1-D', [24], () => [
    T.reshape({ targetShape: [4, 3, 2], inputShape: [24] }),
    T.conv2d({ filters: 3, kernelSize: 2, padding: 'same' }),
    T.reshape({ targetShape: [12, 3] }),
    T.globalMaxPooling1d({}),
    T.dense({ units: 2 }),
  ], ['reshape', 'conv2d', 'reshape', 'globalMaxPooling1d', 'dense']],
  ['zero padding, upsampling, spatial dropout (SpatialDropout1D, and Dropout with noise_shape [null, 1, 1, null]), dropout seeds and noise shapes', [5, 4, 2], () => [
    T.zeroPadding2d({ padding: [[1, 2], [0, 1]], inputShape: [5, 4, 2] }), T.conv2d({ filters: 3, kernelSize: 2, activation: 'relu' }),
    T.dropout({ rate: 0.3, noiseShape: [null, 1, 1, null], seed: 5 }), T.upSampling2d({ size: [2, 1] }), T.zeroPadding2d({}),
    T.reshape({ targetShape: [-1, 3] }), T.spatialDropout1d({ rate: 0.2 }), T.dropout({ rate: 0.1, noiseShape: [null, 1, null] }), T.globalMaxPooling1d({}),
  ], ['zeroPadding2d', 'conv2d', 'spatialDropout2d', 'upSampling2d', 'zeroPadding2d', 'reshape', 'spatialDropout1d', 'dropout', 'globalMaxPooling1d']],
  ['dense over the channels of images, softmax in it', [5, 4, 2], () => [
    T.conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 4, 2] }), T.dense({ units: 4, activation: 'softmax' }),
    T.flatten(), T.dense({ units: 2 }),
  ], ['conv2d', 'dense', 'flatten', 'dense']],
];

describe('TF.js → dendrite', () => {
  it('the MNIST tutorial CNN, saved as model.json + weights.bin, loads and predicts the same', async () => {
    const t = tutorialCnn();
    randomize(t, 3);
    const { json, bin } = await tfjsFiles(t);
    const dir = await mkdtemp(join(tmpdir(), 'dendrite-tfjs-cnn-'));
    try {
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      await writeFile(join(dir, 'weights.bin'), bin);
      const m = await loadTfjs(join(dir, 'model.json'));
      expect(m.countParams()).toBe(225_034);
      expect(m.layers.map((l) => l.getConfig().type)).toEqual(['conv2d', 'maxPooling2d', 'conv2d', 'maxPooling2d', 'flatten', 'dense', 'dense']);
      const x = values(5 * 784, 8, 0, 1);
      expect(maxAbsDiff(m.predict({ data: x, shape: [5, 28, 28, 1] }).data, tfjsPredict(t, x, [5, 28, 28, 1]))).toBeLessThanOrEqual(1e-5);
      m.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
      t.dispose();
    }
  });

  it('the committed fixture (test/fixtures/tfjs-cnn, made by TF.js) loads and predicts the outputs TF.js recorded', async () => {
    const fixture = join(import.meta.dirname, '..', 'fixtures', 'tfjs-cnn');
    const expected = JSON.parse(await readFile(join(fixture, 'expected.json'), 'utf8')) as { shape: number[]; pixels: number[]; outputs: number[][] };
    const m = await loadTfjs(join(fixture, 'model.json'));
    expect(m.countParams()).toBe(14_410);
    const got = m.predict({ data: Uint8Array.from(expected.pixels), shape: expected.shape, scale: 1 / 255 }).data;
    expect(maxAbsDiff(got, expected.outputs.flat())).toBeLessThanOrEqual(1e-5);
    // And TF.js today still reads the files to the recorded outputs.
    const json = JSON.parse(await readFile(join(fixture, 'model.json'), 'utf8')) as TfjsModelJson;
    const t = await tfl.loadLayersModel(tfjsHandler(json, new Uint8Array(await readFile(join(fixture, 'weights.bin')))));
    const x = Float32Array.from(expected.pixels, (p) => p / 255);
    expect(maxAbsDiff(tfjsPredict(t, x, expected.shape), expected.outputs.flat())).toBeLessThanOrEqual(1e-6);
    m.dispose();
    t.dispose();
  });

  it.each(tfjsCases)('%s', async (_, shape, layers, types) => {
    const t = tfl.sequential({ layers: layers() });
    randomize(t, 11);
    const { json, bin } = await tfjsFiles(t);
    const m = fromTfjs(json, bin);
    expect(m.layers.map((l) => l.getConfig().type)).toEqual(types);
    const n = 7;
    const x = values(n * shape.reduce((a, d) => a * d, 1), 5, -2, 2);
    expect(maxAbsDiff(m.predict({ data: x, shape: [n, ...shape] }).data, tfjsPredict(t, x, [n, ...shape]))).toBeLessThanOrEqual(1e-5);
    m.dispose();
    t.dispose();
  });

  it('separate activation layers keep their alpha; inline ones map to the layer\'s activation', async () => {
    const t = tfl.sequential({ layers: [T.conv2d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1] }), T.leakyReLU(), T.maxPooling2d({}), T.leakyReLU({ alpha: 0.05 }), T.conv2d({ filters: 1, kernelSize: 1, activation: 'softplus' })] });
    const { json, bin } = await tfjsFiles(t);
    const m = fromTfjs(json, bin);
    expect(m.layers.map((l) => l.getConfig().activation)).toEqual([{ name: 'leakyRelu', alpha: 0.3 }, undefined, { name: 'leakyRelu', alpha: 0.05 }, 'softplus']);
    m.dispose();
    t.dispose();
  });
});

/** dendrite CNNs, one per layer type and option: [name, per-sample input shape, layers]. */
const dendriteCases: [string, number[], () => Layer[]][] = [
  ['the tutorial CNN', [28, 28, 1], () => [
    conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), maxPooling2d({ poolSize: 2 }),
    flatten(), dense({ units: 128, activation: 'relu' }), dense({ units: 10, activation: 'softmax' }),
  ]],
  ['conv2d options, leakyRelu (written as a LeakyReLU layer), activation layers, batch norm', [9, 8, 2], () => [
    conv2d({ filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: { name: 'leakyRelu', alpha: 0.1 }, inputShape: [9, 8, 2] }),
    conv2d({ filters: 4, kernelSize: 2, dilationRate: 2, useBias: false, kernelRegularizer: l2(0.01) }),
    batchNormalization({ momentum: 0.9 }), activation({ activation: 'elu' }),
    averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }), activation({ activation: 'leakyRelu' }),
    globalMaxPooling2d(), dense({ units: 3, activation: 'sigmoid' }),
  ]],
  ['depthwise and separable convolutions', [10, 10, 3], () => [
    depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu', inputShape: [10, 10, 3] }),
    separableConv2d({ filters: 4, kernelSize: 2, depthMultiplier: 2, strides: 2, activation: 'tanh' }),
    separableConv2d({ filters: 3, kernelSize: 2, dilationRate: 2, padding: 'same', useBias: false }),
    depthwiseConv2d({ kernelSize: 2, strides: 2, useBias: false }),
    globalAveragePooling2d(), dense({ units: 2 }),
  ]],
  ['zero padding, upsampling, spatial dropout (2-D written as a Dropout with a noise shape), dropout seeds', [6, 5, 2], () => [
    zeroPadding2d({ padding: [[1, 0], [2, 1]], inputShape: [6, 5, 2] }), conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }),
    spatialDropout2d({ rate: 0.25, seed: 3 }), upSampling2d({ size: [1, 2] }), dropout({ rate: 0.1, seed: 9 }),
    reshape({ targetShape: [-1, 3] }), spatialDropout1d({ rate: 0.2 }), globalAveragePooling1d(),
  ]],
  ['1-D layers and reshape', [20], () => [
    reshape({ targetShape: [10, 2], inputShape: [20] }),
    conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'gelu' }), maxPooling1d({ poolSize: 2 }),
    conv1d({ filters: 3, kernelSize: 2, dilationRate: 2 }), averagePooling1d({ poolSize: 2, strides: 1, padding: 'same' }),
    globalMaxPooling1d(), reshape({ targetShape: [3, 1] }), globalAveragePooling1d(),
  ]],
];

describe('dendrite → TF.js', () => {
  it.each(dendriteCases)('%s: TF.js predicts the same, saves the same weight list, and it imports back bit for bit', async (_, shape, layers) => {
    const m = sequential(layers());
    m.build({ seed: 4 });
    const { modelJson, weightData } = toTfjs(m);
    const t = await tfl.loadLayersModel(tfjsHandler(modelJson, weightData));
    const n = 6;
    const x = values(n * shape.reduce((a, d) => a * d, 1), 9, -2, 2);
    const ours = m.predict({ data: x, shape: [n, ...shape] }).data;
    expect(maxAbsDiff(ours, tfjsPredict(t, x, [n, ...shape]))).toBeLessThanOrEqual(1e-5);
    // TF.js writes the same weights, in the same order (trainable first, then moving statistics), when it saves the model.
    const theirs = await tfjsFiles(t);
    expect(modelJson.weightsManifest[0].weights).toEqual(theirs.json.weightsManifest[0].weights.map(({ name, shape: s, dtype }) => ({ name, shape: s, dtype })));
    expect(Array.from(weightData)).toEqual(Array.from(theirs.bin));
    const back = fromTfjs(modelJson, weightData);
    expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    expect(Array.from(back.predict({ data: x, shape: [n, ...shape] }).data)).toEqual(Array.from(ours));
    m.dispose();
    back.dispose();
    t.dispose();
  });

  it('the recipe CNN (fashionMnistCnn, its batch norms and dropout layers included), trained a few steps, exports: TF.js has the same layers and predicts the same, and it imports back bit for bit', async () => {
    const m = fashionMnistCnn();
    await m.fit({ data: values(64 * 784, 3, 0, 1), shape: [64, 784] }, Array.from({ length: 64 }, (_, i) => i % 10), { epochs: 1, batchSize: 32, seed: 1 });
    expect([m.countParams(), m.nonTrainableWeights.reduce((n, w) => n + w.data.length, 0)]).toEqual([225_418, 192]);
    const { modelJson, weightData } = toTfjs(m);
    const t = await tfl.loadLayersModel(tfjsHandler(modelJson, weightData));
    expect(t.layers.map((l) => [l.getClassName(), (l.getConfig().rate as number | undefined) ?? null])).toEqual(m.layers.map((l) => [l.type, l instanceof Dropout ? l.rate : null]));
    const x = values(4 * 784, 5, 0, 1);
    const ours = m.predict({ data: x, shape: [4, 784] }).data;
    expect(maxAbsDiff(ours, tfjsPredict(t, x, [4, 28, 28, 1]))).toBeLessThanOrEqual(1e-5);
    const back = fromTfjs(modelJson, weightData);
    expect(Array.from(back.predict({ data: x, shape: [4, 784] }).data)).toEqual(Array.from(ours));
    m.dispose();
    back.dispose();
    t.dispose();
  });

  // TF.js adds ε to √v̂ where Keras 3 (and dendrite) add it to √v: a tiny ε makes both steps lr·m̂/√v̂.
  const optimizers = [
    ['SGD', 'SGD', () => sgd({ learningRate: 0.1 })],
    ['SGD with momentum', 'Momentum', () => sgd({ learningRate: 0.05, momentum: 0.9 })],
    ['Adam', 'Adam', () => adam({ learningRate: 0.01, epsilon: 1e-12 })],
  ] as const;
  it.each(optimizers)('TF.js keeps training an exported CNN: two %s steps (compiled from its trainingConfig) give dendrite\'s weights', async (_, className, optimizer) => {
    const m = sequential([
      conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 2] }), batchNormalization({ momentum: 0.8 }),
      maxPooling2d({ poolSize: 2 }), separableConv2d({ filters: 3, kernelSize: 2, padding: 'same', activation: 'tanh' }),
      depthwiseConv2d({ kernelSize: 2 }), flatten(), dense({ units: 3, activation: 'softmax' }),
    ]);
    m.build({ seed: 7 });
    m.compile({ optimizer: optimizer(), loss: 'sparseCategoricalCrossentropy' });
    const { modelJson, weightData } = toTfjs(m);
    const t = await tfl.loadLayersModel(tfjsHandler(modelJson, weightData));
    expect(t.optimizer.getClassName()).toBe(className);
    const n = 6;
    const x = values(n * 128, 2, -1, 1);
    const y = Float32Array.from([0, 1, 2, 2, 1, 0]);
    const ours = [0, 1].map(() => m.trainOnBatch({ data: x, shape: [n, 8, 8, 2] }, y).loss);
    const history = await t.fit(tf.tensor(x, [n, 8, 8, 2]), tf.tensor(y, [n, 1]), { epochs: 2, batchSize: n, shuffle: false, verbose: 0 });
    ours.forEach((loss, i) => expect(loss).toBeCloseTo(history.history.loss[i] as number, 5));
    const after = await tfjsFiles(t); // the trained weights, in TF.js' order, compared as a dendrite import
    const trained = fromTfjs(after.json, after.bin);
    const want = new Map(trained.getWeights().map((w) => [w.name, w.data]));
    let changed = 0;
    for (const w of m.getWeights()) {
      expectNear(w.data, want.get(w.name)!, 1e-6, 1e-4, w.name);
      changed += Number(maxAbsDiff(w.data, toTfjsWeight(modelJson, weightData, w.name)) > 0);
    }
    expect(changed).toBe(m.getWeights().length); // the steps moved every weight, moving statistics included
    m.dispose();
    trained.dispose();
    t.dispose();
  });

  // Freezing (layer.trainable, Keras semantics) is another branch's work: this runs once it is merged.
  const canFreeze = 'trainable' in dense({ units: 1 });
  it.runIf(canFreeze)('frozen layers go out with trainable false and their weights after the trainable ones (as TF.js saves), and come back frozen', async () => {
    const m = sequential([
      conv2d({ filters: 3, kernelSize: 2, activation: 'relu', inputShape: [5, 5, 1] }), batchNormalization(), flatten(), dense({ units: 2, activation: 'softmax' }),
    ]);
    m.build({ seed: 2 });
    (m.layers[0] as unknown as { trainable: boolean }).trainable = false;
    const { modelJson, weightData } = toTfjs(m);
    expect(modelJson.modelTopology.config.layers.map((l) => l.config.trainable)).toEqual([false, true, true, true]);
    const t = await tfl.loadLayersModel(tfjsHandler(modelJson, weightData));
    expect(t.layers[0].trainable).toBe(false);
    const theirs = await tfjsFiles(t);
    expect(modelJson.weightsManifest[0].weights.map((w) => w.name)).toEqual(theirs.json.weightsManifest[0].weights.map((w) => w.name));
    const names = modelJson.weightsManifest[0].weights.map((w) => w.name);
    expect(names.indexOf(`${m.layers[0].name}/kernel`)).toBeGreaterThan(names.indexOf(`${m.layers[3].name}/bias`)); // the frozen conv after the trainable dense
    const back = fromTfjs(theirs.json, theirs.bin);
    expect(back.layers.map((l) => (l as unknown as { trainable: boolean }).trainable)).toEqual([false, true, true, true]);
    expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    m.dispose();
    back.dispose();
    t.dispose();
  });

  it('spatialDropout2d goes out as a Dropout that TF.js trains as spatial dropout: one mask value per sample and channel', async () => {
    const m = sequential([spatialDropout2d({ rate: 0.5, inputShape: [3, 3, 8] })]);
    const { modelJson, weightData } = toTfjs(m);
    expect(modelJson.modelTopology.config.layers[0]).toMatchObject({ class_name: 'Dropout', config: { noise_shape: [null, 1, 1, null] } });
    const t = await tfl.loadLayersModel(tfjsHandler(modelJson, weightData));
    const y = tf.tidy(() => (t.layers[0].apply(tf.ones([4, 3, 3, 8]), { training: true }) as tf.Tensor).arraySync()) as number[][][][];
    const masks = y.map((sample) => sample.flat().map((c) => c.join(',')));
    for (const positions of masks) expect(new Set(positions).size).toBe(1); // every position of a sample: the same channel mask
    expect(new Set(y.flat(3)).size).toBe(2); // 0 and 1 / (1 − rate): some channels dropped, some kept
    m.dispose();
    t.dispose();
  });

  it('zeroPadding1d is not exported: TF.js 4.22 has no ZeroPadding1D', () => {
    const m = sequential([zeroPadding1d({ padding: 1, inputShape: [5, 2], name: 'pad' })]);
    expect(() => toTfjs(m)).toThrow(/layer "pad" \(zeroPadding1d\) has no TF.js equivalent: TF.js 4.22 has no ZeroPadding1D layer/);
    m.dispose();
  });

  it('a dilated depthwise convolution is not exported: TF.js 4.22 would compute it undilated', () => {
    const m = sequential([depthwiseConv2d({ kernelSize: 2, dilationRate: 2, inputShape: [6, 6, 1], name: 'dw' })]);
    expect(() => toTfjs(m)).toThrow(ValueError);
    expect(() => toTfjs(m)).toThrow(/layer "dw" \(depthwiseConv2d\): TF.js 4.22 ignores dilation_rate in DepthwiseConv2D/);
    m.dispose();
  });
});

/** One weight of an export, by dendrite name. */
function toTfjsWeight(json: TfjsModelJson, bin: Uint8Array, name: string): Float32Array {
  let at = 0;
  for (const s of json.weightsManifest[0].weights) {
    const n = s.shape.reduce((a, d) => a * d, 1);
    if (s.name === name) return new Float32Array(bin.slice(at, at + 4 * n).buffer);
    at += 4 * n;
  }
  throw new Error(`no weight ${name}`);
}

describe('what dendrite cannot import is a ModelFileError naming the layer and the option', () => {
  const model = (layers: unknown[]) => ({ modelTopology: { class_name: 'Sequential', config: { name: 's', layers } }, format: 'layers-model', weightsManifest: [{ paths: ['w.bin'], weights: [] }] });
  const input = { class_name: 'InputLayer', config: { batch_input_shape: [null, 8, 8, 2], name: 'in' } };
  const conv = (extra: Record<string, unknown> = {}) => ({ class_name: 'Conv2D', config: { name: 'c', filters: 2, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: false, ...extra } });
  const refused = (layers: unknown[], message: RegExp) => {
    const load = () => fromTfjs(model(layers), new Uint8Array(0));
    expect(load).toThrow(ModelFileError);
    expect(load).toThrow(message);
  };

  it('channels first, in any spelling, on any spatial layer', () => {
    refused([input, conv({ data_format: 'channels_first' })], /^layer "c" \(Conv2D\): option data_format "channels_first" is not supported \(dendrite supports "channels_last" or "channelsLast"\)/);
    refused([input, { class_name: 'Conv2D', config: { ...conv().config, data_format: undefined, dataFormat: 'channelsFirst' } }], /layer "c" \(Conv2D\): option data_format "channelsFirst" is not supported/);
    for (const cls of ['MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten', 'DepthwiseConv2D', 'SeparableConv2D']) {
      const window = cls.endsWith('Conv2D') ? { kernel_size: [2, 2], ...(cls === 'DepthwiseConv2D' ? {} : { filters: 1 }) } : {};
      refused([input, { class_name: cls, config: { name: 'p', ...window, data_format: 'channels_first' } }], new RegExp(`^layer "p" \\(${cls}\\): option data_format "channels_first" is not supported`));
    }
  });

  it('options dendrite does not have', () => {
    const seq = { class_name: 'InputLayer', config: { batch_input_shape: [null, 10, 3], name: 'in' } };
    refused([seq, { class_name: 'Conv1D', config: { name: 'c1', filters: 2, kernel_size: [2], padding: 'causal' } }], /^layer "c1" \(Conv1D\): option padding "causal" is not supported \(dendrite supports "valid" or "same"\)/);
    refused([input, conv({ groups: 2 })], /^layer "c" \(Conv2D\): option groups 2 is not supported \(dendrite supports 1\)/);
    refused([input, { class_name: 'DepthwiseConv2D', config: { name: 'dw', kernel_size: [2, 2], dilation_rate: [2, 2] } }], /^layer "dw" \(DepthwiseConv2D\): option dilation_rate \[2, 2\] is not supported: TF.js 4.22 ignores dilation_rate/);
    refused([input, conv({ kernel_constraint: { class_name: 'MaxNorm', config: { max_value: 2 } } })], /^layer "c" \(Conv2D\): option kernel_constraint \(an object\) is not supported; dendrite reads activation, use_bias/);
    refused([input, conv({ activity_regularizer: { class_name: 'L1L2', config: { l1: 0.1 } } })], /^layer "c" \(Conv2D\): option activity_regularizer \(an object\) is not supported/);
    refused([input, conv({ kernel_sise: [3, 3] })], /^layer "c" \(Conv2D\): option kernel_sise \(\[3, 3\]\) is not supported/);
    refused([input, { class_name: 'GlobalAveragePooling2D', config: { name: 'g', keepdims: true } }], /^layer "g" \(GlobalAveragePooling2D\): option keepdims true is not supported/);
    refused([input, conv({ padding: 'full' })], /^layer "c" \(Conv2D\): option padding "full" is not supported/);
    refused([input, conv(), { class_name: 'ReLU', config: { name: 'r6', max_value: 6 } }], /^layer "r6" \(ReLU\): option max_value 6 is not supported/);
    refused([{ ...input, config: { ...input.config, sparse: true } }, conv()], /^layer "in" \(InputLayer\): option sparse true is not supported/);
    refused([conv({ batch_input_shape: [null, 8, 8, 2] }), input], /^layer "in" \(InputLayer\): an InputLayer can only come first/);
    refused([input, { class_name: 'UnknownPooling', config: { name: 'u' } }], /^layer "u" \(UnknownPooling\) is not supported; dendrite imports: Dense, .*Conv2D.*Flatten.*Reshape/);
  });

  it('upsampling other than nearest or bilinear, dropout noise shapes that do not fit the input', () => {
    refused([input, { class_name: 'UpSampling2D', config: { name: 'up', size: [2, 2], interpolation: 'bicubic' } }], /^layer "up" \(upSampling2d\)\.interpolation must be one of nearest, bilinear, got "bicubic"/);
    refused([input, { class_name: 'Dropout', config: { name: 'd', rate: 0.5, noise_shape: [null, 2, 1, 2] } }], /d \(Dropout\) noiseShape \[null,2,1,2\] does not fit the input \[null, 8, 8, 2\]: 4 entries, each 1, null or the input's size/);
    refused([input, { class_name: 'Dropout', config: { name: 'd', rate: 0.5, noise_shape: [null, 8, 2] } }], /d \(Dropout\) noiseShape \[null,8,2\] does not fit the input \[null, 8, 8, 2\]: 4 entries, each 1/);
    refused([input, { class_name: 'Dropout', config: { name: 'd', rate: 0.5, noise_shape: [32, 1, 1, 2] } }], /^layer "d" \(dropout\): dropout noiseShape must be null or 1 for the batch, then null or a positive integer per input axis/);
    refused([input, { class_name: 'Dropout', config: { name: 'd', rate: 0.5, noise_shape: [null, 1, 1, 4] } }], /d \(Dropout\) noiseShape \[null,1,1,4\] does not fit the input \[null, 8, 8, 2\]/);
  });

  it('Keras-only classes import: ZeroPadding1D, SpatialDropout2D, integer window options', () => {
    const keras = model([
      { class_name: 'InputLayer', config: { batch_shape: [null, 6, 3], name: 'in', dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } } } },
      { class_name: 'ZeroPadding1D', config: { name: 'pad', padding: [1, 2] } },
      { class_name: 'Reshape', config: { name: 'r', target_shape: [3, 3, 3] } },
      { class_name: 'SpatialDropout2D', config: { name: 'sd', rate: 0.5, seed: 7, data_format: 'channels_last' } },
      { class_name: 'MaxPooling2D', config: { name: 'p', pool_size: 2, strides: null, padding: 'valid', data_format: 'channels_last' } },
      { class_name: 'ZeroPadding2D', config: { name: 'z', padding: 1, data_format: 'channels_last' } },
    ]);
    const m = fromTfjs(keras, new Uint8Array(0));
    expect(m.layers.map((l) => l.getConfig())).toMatchObject([
      { type: 'zeroPadding1d', padding: [1, 2] }, { type: 'reshape' }, { type: 'spatialDropout2d', rate: 0.5, seed: 7 },
      { type: 'maxPooling2d', poolSize: [2, 2], strides: [2, 2] }, { type: 'zeroPadding2d', padding: [[1, 1], [1, 1]] },
    ]);
    const x = values(18, 1);
    const y = m.predict({ data: x, shape: [1, 6, 3] }).data; // [1, 2] padding then a 2×2 max pool of [3, 3, 3] rows, padded by 1
    const padded = [0, 0, 0, ...x, 0, 0, 0, 0, 0, 0]; // [9, 3] = [3, 3, 3]
    const at = (r: number, c: number, ch: number) => padded[(r * 3 + c) * 3 + ch];
    expect(Array.from(y.slice(3 * 4, 3 * 5))).toEqual([0, 1, 2].map((ch) => Math.fround(Math.max(at(0, 0, ch), at(0, 1, ch), at(1, 0, ch), at(1, 1, ch)))));
    expect(y.length).toBe(3 * 3 * 3);
    m.dispose();
  });

  it('normalisation and softmax over an axis other than the last (TF.js\' Softmax layer defaults to axis 1)', async () => {
    refused([input, conv(), { class_name: 'BatchNormalization', config: { name: 'bn', axis: 1 } }], /^layer "bn" \(BatchNormalization\): axis 1 is not the last axis of its input \(rank 4 with the batch\)/);
    refused([input, conv(), { class_name: 'BatchNormalization', config: { name: 'bn', axis: [1, 2] } }], /^layer "bn" \(BatchNormalization\): BatchNormalization over axis \[1, 2\] is not supported/);
    const t = tfl.sequential({ layers: [T.conv2d({ filters: 2, kernelSize: 1, inputShape: [3, 3, 1] }), T.softmax()] });
    const { json, bin } = await tfjsFiles(t);
    expect(() => fromTfjs(json, bin)).toThrow(/\(Softmax\): axis 1 is not the last axis of its input \(rank 4 with the batch\)/);
    t.dispose();
    // Keras writes the channel axis as a positive index once built: 3 for [n, h, w, c] is the last.
    const keras = model([input, conv(), { class_name: 'BatchNormalization', config: { name: 'bn', axis: [3] } }]);
    keras.weightsManifest[0].weights = [['c/kernel', [3, 3, 2, 2]], ['bn/gamma', [2]], ['bn/beta', [2]], ['bn/moving_mean', [2]], ['bn/moving_variance', [2]]]
      .map(([name, shape]) => ({ name, shape, dtype: 'float32' })) as never;
    const m = fromTfjs(keras, new Uint8Array(4 * (36 + 8)).fill(0));
    expect(m.layers[1].getConfig().type).toBe('batchNormalization');
    m.dispose();
  });

  it('hostile topologies: too deep, too many layers, bad shapes', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    refused([input, conv({ kernel_size: deep })], /model.json modelTopology nests values more than 24 levels deep/);
    expect(() => fromTfjs({ ...model([]), modelTopology: { class_name: 'Sequential', config: { layers: { length: 1e9 } } } }, new Uint8Array(0))).toThrow(/no layer list/);
    refused(Array.from({ length: 100_001 }, () => conv()), /lists 100001 layers; dendrite reads at most 100000/);
    refused([{ ...input, config: { batch_input_shape: [null, ...Array(9).fill(2)], name: 'in' } }, conv()], /batch input shape \[null, \.\.\.dimensions\] of 1 to 8 positive dimensions/);
    refused([{ ...input, config: { batch_input_shape: [null, 2 ** 53, 1], name: 'in' } }, conv()], /batch input shape/);
    refused([input, conv({ kernel_size: [1e9, 1e9] })], /kernel/);
  });
});
