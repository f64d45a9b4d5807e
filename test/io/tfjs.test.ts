// TF.js LayersModel interop against @tensorflow/tfjs-layers itself (cpu backend): a dendrite
// export loads in TF.js and predicts the same, a model built and trained in TF.js imports into
// dendrite and predicts the same (max abs diff <= 1e-5), and what dendrite cannot represent is a
// ModelFileError naming it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, tfjsFiles, tfjsHandler } from '../helpers/tfjs-files.js';
import {
  activation, adam, batchNormalization, dense, dropout, fromTfjs, layerNormalization, loadTfjs, ModelFileError, rmsprop, saveTfjs,
  l2, sequential, sgd, toTfjs,
} from '../../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Seeded inputs in [-2, 2): wide enough to reach every activation's curved part. */
function inputs(rows: number, cols: number, seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: rows * cols }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 4 - 2);
}

const activations = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'gelu', 'swish', 'silu',
  'leakyRelu', { name: 'leakyRelu', alpha: 0.05 }] as const;

describe('dendrite → TF.js', () => {
  it.each(activations.map((a) => [typeof a === 'string' ? a : `${a.name} α=${a.alpha}`, a]))('hidden %s: loads in tfjs-layers and predicts the same', async (_, activation) => {
    const m = sequential([
      dense({ units: 7, activation: activation as never, inputShape: [5], kernelInitializer: 'heNormal' }),
      dense({ units: 4, activation: 'tanh', useBias: false }),
      dense({ units: 3, activation: activation as never, biasInitializer: 'ones' }),
    ]);
    m.build({ seed: 5 });
    const { modelJson, weightData } = toTfjs(m);
    const t = await tfl.loadLayersModel(tfjsHandler(modelJson, weightData));
    const x = inputs(9, 5);
    const theirs = (t.predict(tf.tensor2d(x, [9, 5])) as tf.Tensor).dataSync();
    expect(maxAbsDiff(m.predict({ data: x, shape: [9, 5] }).data, theirs)).toBeLessThanOrEqual(1e-5);
    // The layers TF.js built are the ones written: a Dense per dendrite layer, plus an activation layer where TF.js has no string.
    const extra = typeof activation === 'object' || activation === 'leakyRelu' ? 2 : 0;
    expect(t.layers.length).toBe(3 + extra);
    m.dispose();
  });

  it('every layer both have: batch / layer normalisation, dropout, activation layers (trained, then exported and re-imported)', async () => {
    const m = sequential([
      dense({ units: 8, activation: 'relu', inputShape: [5] }),
      batchNormalization({ momentum: 0.7 }),
      dropout({ rate: 0.25 }),
      dense({ units: 6, kernelRegularizer: l2({ l2: 0.001 }) }),
      layerNormalization({ epsilon: 0.01 }),
      activation({ activation: { name: 'leakyRelu', alpha: 0.2 } }),
      batchNormalization({ center: false }),
      activation({ activation: 'tanh' }),
      dense({ units: 3, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: sgd({ learningRate: 0.05, momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy' });
    const xt = inputs(40, 5, 3);
    await m.fit({ data: xt, shape: [40, 5] }, Array.from({ length: 40 }, (_, i) => (xt[5 * i] > 0 ? 1 : 0) + (xt[5 * i + 1] > 0 ? 1 : 0)), { epochs: 3, batchSize: 8, seed: 1 });
    const { modelJson, weightData } = toTfjs(m);
    expect(modelJson.modelTopology.config.layers.map((l) => l.class_name)).toEqual(
      ['Dense', 'BatchNormalization', 'Dropout', 'Dense', 'LayerNormalization', 'LeakyReLU', 'BatchNormalization', 'Activation', 'Dense']);
    const t = await tfl.loadLayersModel(tfjsHandler(modelJson, weightData));
    expect((t.layers[3] as unknown as { kernelRegularizer: { getConfig(): unknown } }).kernelRegularizer.getConfig()).toEqual({ l1: 0, l2: 0.001 });
    const x = inputs(11, 5);
    const ours = m.predict({ data: x, shape: [11, 5] }).data;
    expect(maxAbsDiff(ours, (t.predict(tf.tensor2d(x, [11, 5])) as tf.Tensor).dataSync())).toBeLessThanOrEqual(1e-5);
    const back = fromTfjs(modelJson, weightData);
    expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    expect(Array.from(back.predict({ data: x, shape: [11, 5] }).data)).toEqual(Array.from(ours));
    m.dispose();
    back.dispose();
  });

  it('an elu with alpha other than 1 has no TF.js equivalent: a ValueError naming the layer', () => {
    const m = sequential([dense({ units: 2, inputShape: [2], activation: { name: 'elu', alpha: 0.5 }, name: 'h' })]);
    expect(() => toTfjs(m)).toThrow(/layer "h": elu with alpha 0.5 has no TF.js equivalent/);
    m.dispose();
  });

  it('writes Keras weight names, (in, units) kernels and trainingConfig that TF.js compiles', async () => {
    const m = sequential([dense({ units: 3, inputShape: [2], name: 'hidden' }), dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: adam({ learningRate: 0.002 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const { modelJson, weightData } = toTfjs(m, { weightsPath: 'clf.weights.bin' });
    expect(modelJson.weightsManifest).toEqual([{ paths: ['clf.weights.bin'], weights: [
      { name: 'hidden/kernel', shape: [2, 3], dtype: 'float32' }, { name: 'hidden/bias', shape: [3], dtype: 'float32' },
      { name: 'dense/kernel', shape: [3, 2], dtype: 'float32' }, { name: 'dense/bias', shape: [2], dtype: 'float32' },
    ] }]);
    expect(weightData.length).toBe(4 * (6 + 3 + 6 + 2));
    expect(modelJson.trainingConfig).toEqual({ loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], optimizer_config: { class_name: 'Adam', config: { learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } } });
    const t = await tfl.loadLayersModel(tfjsHandler(modelJson, weightData));
    expect(t.optimizer.getClassName()).toBe('Adam');
    expect((t.optimizer.getConfig() as { learningRate: number }).learningRate).toBe(0.002);
    expect(t.getWeights()[0].shape).toEqual([2, 3]);
    expect(Array.from(t.getWeights()[0].dataSync())).toEqual(Array.from(m.getWeights()[0].data));
    m.dispose();
  });

  it('saveTfjs writes model.json and weights.bin that loadTfjs reads back bit for bit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dendrite-tfjs-'));
    try {
      const m = sequential([dense({ units: 4, activation: { name: 'leakyRelu', alpha: 0.7 }, inputShape: [3] }), dense({ units: 1, activation: 'sigmoid' })]);
      m.compile({ optimizer: rmsprop({ learningRate: 0.01, centered: true }), loss: 'binaryCrossentropy' });
      m.build({ seed: 1 });
      const paths = await saveTfjs(m, dir);
      expect(paths).toEqual({ modelJson: join(dir, 'model.json'), weights: join(dir, 'weights.bin') });
      const back = await loadTfjs(join(dir, 'model.json'));
      expect(back.getWeights().map((w) => [w.name, Array.from(w.data)])).toEqual(m.getWeights().map((w) => [w.name, Array.from(w.data)]));
      expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
      expect(back.core.compiled!.optimizer.getConfig()).toEqual(m.core.compiled!.optimizer.getConfig());
      expect(back.core.compiled!.loss.kind).toBe('bce');
      // The same files over http: weights are fetched beside model.json.
      const server: Server = createServer(async (req, res) => {
        const file = req.url === '/m/model.json' ? paths.modelJson : req.url === '/m/weights.bin' ? paths.weights : undefined;
        if (file) res.end(await readFile(file));
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/m/model.json`;
        expect(Array.from((await loadTfjs(url)).predict([[1, 2, 3]]).data)).toEqual(Array.from(m.predict([[1, 2, 3]]).data));
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
      // The same files as picked in a browser file input.
      const files = [new File([await readFile(paths.weights)], 'weights.bin'), new File([await readFile(paths.modelJson)], 'model.json')];
      expect(Array.from((await loadTfjs(files)).predict([[1, 2, 3]]).data)).toEqual(Array.from(m.predict([[1, 2, 3]]).data));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('TF.js → dendrite', () => {
  let trained: tfl.Sequential;
  beforeAll(async () => {
    // Built and trained in TF.js: Dense layers with string activations, a LeakyReLU and an ELU layer.
    trained = tfl.sequential();
    trained.add(tfl.layers.dense({ units: 12, inputShape: [6], activation: 'relu' }));
    trained.add(tfl.layers.dense({ units: 10 }));
    trained.add(tfl.layers.leakyReLU({ alpha: 0.15 }));
    trained.add(tfl.layers.dense({ units: 8, activation: 'gelu' }));
    trained.add(tfl.layers.dense({ units: 8, useBias: false }));
    trained.add(tfl.layers.elu());
    trained.add(tfl.layers.dense({ units: 5, activation: 'selu' }));
    trained.add(tfl.layers.dense({ units: 3, activation: 'softmax' }));
    trained.compile({ optimizer: tf.train.adam(0.02), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = tf.tensor2d(inputs(64, 6, 9), [64, 6]);
    const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 3), 'float32');
    await trained.fit(x, y, { epochs: 5, batchSize: 16, verbose: 0 });
  });

  it('a TF.js-trained model imports and predicts the same', async () => {
    const { json, bin } = await tfjsFiles(trained);
    const m = fromTfjs(json, bin);
    expect(m.layers.map((l) => l.getConfig().activation)).toEqual(['relu', { name: 'leakyRelu', alpha: 0.15 }, 'gelu', 'elu', 'selu', 'softmax']);
    expect(m.layers[3].getConfig().useBias).toBe(false);
    const x = inputs(20, 6, 4);
    const theirs = (trained.predict(tf.tensor2d(x, [20, 6])) as tf.Tensor).dataSync();
    const diff = maxAbsDiff(m.predict({ data: x, shape: [20, 6] }).data, theirs);
    expect(diff).toBeLessThanOrEqual(1e-5);
    expect(m.core.compiled).toBeUndefined(); // TF.js saves no trainingConfig unless includeOptimizer
    m.dispose();
  });

  it('a TF.js model with normalisation, dropout and activation layers imports and predicts the same', async () => {
    const t = tfl.sequential();
    t.add(tfl.layers.dense({ units: 9, inputShape: [6], activation: 'elu' }));
    t.add(tfl.layers.batchNormalization({ momentum: 0.5 }));
    t.add(tfl.layers.dropout({ rate: 0.2 }));
    t.add(tfl.layers.activation({ activation: 'sigmoid' }));
    t.add(tfl.layers.dense({ units: 7, kernelRegularizer: tfl.regularizers.l2({ l2: 0.02 }), biasRegularizer: tfl.regularizers.l1l2({ l1: 0.1, l2: 0.2 }) }));
    t.add(tfl.layers.layerNormalization({ epsilon: 1e-4 }));
    t.add(tfl.layers.reLU());
    t.add(tfl.layers.dense({ units: 3 }));
    t.add(tfl.layers.softmax());
    t.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
    const x = tf.tensor2d(inputs(48, 6, 5), [48, 6]);
    await t.fit(x, tf.tensor1d(Array.from({ length: 48 }, (_, i) => i % 3), 'float32'), { epochs: 4, batchSize: 12, verbose: 0 });
    const { json, bin } = await tfjsFiles(t);
    const m = fromTfjs(json, bin);
    expect(m.layers.map((l) => l.getConfig().type)).toEqual(['dense', 'batchNormalization', 'dropout', 'activation', 'dense', 'layerNormalization', 'activation', 'dense']);
    expect(m.layers.at(-1)!.getConfig().activation).toBe('softmax'); // the Softmax layer fused into the linear Dense before it
    expect(m.layers[4].getConfig()).toMatchObject({ kernelRegularizer: { name: 'l2', l1: 0, l2: 0.02 }, biasRegularizer: { name: 'l1l2', l1: 0.1, l2: 0.2 } });
    const xs = inputs(13, 6, 6);
    expect(maxAbsDiff(m.predict({ data: xs, shape: [13, 6] }).data, (t.predict(tf.tensor2d(xs, [13, 6])) as tf.Tensor).dataSync())).toBeLessThanOrEqual(1e-5);
    m.dispose();
  });

  it('imports TF.js ModelArtifacts directly, and compile settings from trainingConfig (optimizer state is skipped)', async () => {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await trained.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })), { includeOptimizer: true });
    expect(artifacts!.weightSpecs!.some((s) => s.group === 'optimizer')).toBe(true);
    const m = fromTfjs(artifacts);
    expect(m.core.compiled!.optimizer.getConfig()).toMatchObject({ name: 'adam', config: { learningRate: 0.02 } });
    expect(m.core.compiled!.loss.kind).toBe('scce');
    expect(m.core.compiled!.metricNames).toEqual(['accuracy']);
    const x = inputs(5, 6, 2);
    expect(maxAbsDiff(m.predict({ data: x, shape: [5, 6] }).data, (trained.predict(tf.tensor2d(x, [5, 6])) as tf.Tensor).dataSync())).toBeLessThanOrEqual(1e-5);
    m.dispose();
  });

  it('loads model.json + sharded weights from a directory, Keras-style InputLayer and names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dendrite-tfjs-'));
    try {
      const { json, bin } = await tfjsFiles(trained);
      const keras = structuredClone(json) as unknown as { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }; weightsManifest: { paths: string[]; weights: { name: string }[] }[] };
      const layers = keras.modelTopology.config.layers;
      delete layers[0].config.batch_input_shape;
      layers.unshift({ class_name: 'InputLayer', config: { batch_shape: [null, 6], dtype: 'float32', name: 'input' } });
      keras.weightsManifest[0].weights.forEach((w) => (w.name = `${w.name}:0`)); // Python-style variable names
      keras.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
      await writeFile(join(dir, 'model.json'), JSON.stringify(keras));
      await writeFile(join(dir, 'group1-shard1of2.bin'), bin.subarray(0, 100));
      await writeFile(join(dir, 'group1-shard2of2.bin'), bin.subarray(100));
      const m = await loadTfjs(join(dir, 'model.json'));
      const x = inputs(3, 6, 8);
      expect(maxAbsDiff(m.predict({ data: x, shape: [3, 6] }).data, (trained.predict(tf.tensor2d(x, [3, 6])) as tf.Tensor).dataSync())).toBeLessThanOrEqual(1e-5);
      m.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('what dendrite cannot import is a ModelFileError naming it', () => {
  const base = (layers: unknown[], weights: unknown[] = []) => ({
    modelTopology: { class_name: 'Sequential', config: { name: 's', layers } },
    format: 'layers-model',
    weightsManifest: [{ paths: ['w.bin'], weights }],
  });
  const denseLayer = (extra: Record<string, unknown> = {}) => ({ class_name: 'Dense', config: { name: 'd', units: 2, activation: 'relu', batch_input_shape: [null, 3], ...extra } });
  const denseWeights = [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' }, { name: 'd/bias', shape: [2], dtype: 'float32' }];
  const bytes = (n: number) => new Uint8Array(4 * n);
  const expectError = (fn: () => unknown, message: RegExp) => {
    expect(fn).toThrow(ModelFileError);
    expect(fn).toThrow(message);
  };

  it('layers, activations, model classes and formats', () => {
    expectError(() => fromTfjs(base([denseLayer(), { class_name: 'LSTM', config: { name: 'rnn', units: 3 } }], denseWeights), bytes(8)), /layer "rnn" \(LSTM\) is not supported; dendrite imports: Dense, Dropout, BatchNormalization, LayerNormalization, Activation, Conv2D, .*InputLayer, LeakyReLU, ELU, ReLU, Softmax/);
    expectError(() => fromTfjs(base([denseLayer({ activation: 'mish' })], denseWeights), bytes(8)), /layer "d" \(Dense\): activation "mish" is not supported \(supported: linear, relu/);
    expectError(() => fromTfjs(base([denseLayer(), { class_name: 'Activation', config: { name: 'a', activation: 'hardSigmoid' } }], denseWeights), bytes(8)), /layer "a" \(Activation\): activation "hardSigmoid" is not supported/);
    expectError(() => fromTfjs(base([denseLayer(), { class_name: 'ReLU', config: { name: 'r', max_value: 6 } }], denseWeights), bytes(8)), /layer "r" \(ReLU\): option max_value 6 is not supported \(dendrite supports null\)/);
    expectError(() => fromTfjs(base([denseLayer(), { class_name: 'Dropout', config: { name: 'd2', rate: 0.5, noise_shape: [null, 3] } }], denseWeights), bytes(8)), /d2 \(Dropout\) noiseShape \[null,3\] does not fit the input \[null, 2\]: 2 entries, each 1, null or the input's size/);
    expectError(() => fromTfjs(base([denseLayer(), { class_name: 'BatchNormalization', config: { name: 'bn', axis: 0 } }], denseWeights), bytes(8)), /layer "bn" \(BatchNormalization\): BatchNormalization over axis 0 is not supported \(only the last axis/);
    expectError(() => fromTfjs({ ...base([denseLayer()], denseWeights), modelTopology: { class_name: 'Model', config: { layers: [] } } }, bytes(8)), /holds a "Model" model; dendrite imports Sequential models/);
    expectError(() => fromTfjs({ ...base([denseLayer()], denseWeights), format: 'graph-model' }, bytes(8)), /format "graph-model".*not graph models/);
    expectError(() => fromTfjs(base([{ ...denseLayer(), config: { ...denseLayer().config, batch_input_shape: [null, 28, 0] } }], denseWeights), bytes(8)), /batch input shape \[null, ...dimensions\] of 1 to 8 positive dimensions, as \[null, 784\] or \[null, 28, 28, 1\]; got \[null, 28, 0\]/);
    expectError(() => fromTfjs(base([denseLayer({ dtype: 'int32' })], denseWeights), bytes(8)), /layer "d" \(Dense\) has dtype "int32"; dendrite computes in float32/);
    expectError(() => fromTfjs('{"modelTopology":', bytes(8)), /model.json is not valid JSON/);
  });

  it('weights: dtypes, quantization, sizes, names, missing files', () => {
    const w = (patch: Record<string, unknown>) => [{ ...denseWeights[0], ...patch }, denseWeights[1]];
    expectError(() => fromTfjs(base([denseLayer()], w({ dtype: 'int32' })), bytes(8)), /weight "d\/kernel" has dtype "int32"; dendrite reads float32 weights only/);
    expectError(() => fromTfjs(base([denseLayer()], w({ dtype: 'float16' })), bytes(8)), /has dtype "float16"/);
    expectError(() => fromTfjs(base([denseLayer()], w({ quantization: { dtype: 'uint8', scale: 1, min: 0 } })), bytes(8)), /weight "d\/kernel" is quantized/);
    expectError(() => fromTfjs(base([denseLayer()], w({ shape: [2, -3] })), bytes(8)), /has shape \[2, -3\]; expected non-negative integers/);
    expectError(() => fromTfjs(base([denseLayer()], denseWeights), bytes(7)), /the manifest's weights need 32 bytes but the weight data has 28/);
    expectError(() => fromTfjs(base([denseLayer()], w({ shape: [2 ** 40, 2 ** 40] })), bytes(8)), /need more than 2\^53 bytes/);
    expectError(() => fromTfjs(base([denseLayer()], w({ shape: [2, 3] })), bytes(8)), /tensor "d\/kernel" has shape \[2,3\] but the config needs \[3,2\]/);
    expectError(() => fromTfjs(base([denseLayer()], w({ name: 'other/kernel' })), bytes(8)), /lacks tensor "d\/kernel"/);
    expectError(() => fromTfjs(base([denseLayer()], denseWeights), { 'x.bin': bytes(8) }), /weights file "w.bin" named in model.json was not given/);
  });

  it('loadTfjs refuses manifest paths outside the model.json directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dendrite-tfjs-'));
    try {
      for (const path of ['../secret.bin', '/etc/passwd', 'sub/w.bin', 'https://example.invalid/w.bin']) {
        await writeFile(join(dir, 'model.json'), JSON.stringify({ ...base([denseLayer()], denseWeights), weightsManifest: [{ paths: [path], weights: denseWeights }] }));
        await expect(loadTfjs(join(dir, 'model.json'))).rejects.toThrow(/must be a file name beside it/);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

afterAll(() => {
  tf.disposeVariables();
});
