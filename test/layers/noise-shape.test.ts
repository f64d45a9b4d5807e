// dropout's noiseShape (Keras noise_shape): the training output against a plain broadcast of the
// layer's mask, the mask against the one plain dropout draws over the noise shape, expected value
// and 1/(1 − rate) scaling, gradients against central finite differences, spatial dropout as the
// same layer, TF.js files both ways (TF.js 4.22 broadcasts the same mask), and the refusals.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Dropout, type Layer, ModelFileError, ShapeError, ValueError, conv1d, conv2d, dense, dropout, flatten, fromTfjs, modelFromBytes, sequential,
  spatialDropout1d, spatialDropout2d, toTfjs,
} from '../../src/index.js';
import { checkLayerConfig } from '../../src/io/config-schema.js';
import { tfjsFiles, tfjsHandler } from '../helpers/tfjs-files.js';
import { checkTrainingGradients, expectNear, rows, tf, tfReady, tfl } from '../training/helpers.js';

beforeAll(tfReady);

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const positive = (len: number) => Float32Array.from({ length: len }, (_, i) => 1 + (i % 97));

/** One SGD step of [layer, flatten] on n positive samples; the layer's training output and mask, and the model. */
function trainOnce(layer: Layer, shape: number[], n: number) {
  const x = positive(n * size(shape));
  const m = sequential([layer, flatten()]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  m.build({ seed: 1 });
  m.trainOnBatch({ data: x, shape: [n, ...shape] }, { data: new Float32Array(x.length), shape: [n, x.length / n] });
  const l = m.layers[0] as Dropout;
  return { m, x, out: m.core.engine.readF32(l.y, x.length), mask: m.core.engine.readF32(l.mask, n * l.maskWidth) };
}

/** Plain broadcast: element (b, i_1..i_r) takes the mask value at (b or 0, i_k or 0 where the noise is 1). */
function broadcast(x: Float32Array, mask: Float32Array, shape: number[], noise: (number | null)[]): Float32Array {
  const per = size(shape), dims = noise.slice(1).map((d, i) => d ?? shape[i]);
  return x.map((v, flat) => {
    let rest = flat % per, at = 0;
    shape.forEach((d, i) => {
      const stride = size(shape.slice(i + 1)), idx = Math.floor(rest / stride);
      rest %= stride;
      at = at * dims[i] + (dims[i] === 1 ? 0 : idx);
    });
    return Math.fround(v * mask[(noise[0] === 1 ? 0 : Math.floor(flat / per) * size(dims)) + at]);
  });
}

describe('dropout noiseShape: the mask is shared along the axes where the noise shape is 1', () => {
  const cases: [number[], (number | null)[]][] = [
    [[6, 5, 4], [null, 1, 5, 1]],
    [[6, 5, 4], [1, 6, 1, 4]],
    [[6, 5, 4], [null, 6, 5, 1]],
    [[7, 8], [null, 1, 8]],
    [[4, 3, 2, 5], [null, 4, 1, null, 1]],
    [[9, 6], [1, null, null]],
    [[6, 5, 4], [null, null, 5, null]],
  ];
  it.each(cases)('sample %j, noiseShape %j: output = x · the broadcast mask, the mask plain dropout draws over the noise shape', (shape, noise) => {
    const n = 3, rate = 0.5, scale = Math.fround(1 / Math.fround(1 - rate));
    const ours = trainOnce(dropout({ rate, noiseShape: noise, seed: 21, inputShape: shape }), shape, n);
    const width = size(noise.slice(1).map((d, i) => d ?? shape[i])), draws = (noise[0] === 1 ? 1 : n) * width;
    const mask = ours.mask.subarray(0, draws);
    expect(new Set(mask)).toEqual(new Set([0, scale]));
    expect(ours.out).toEqual(broadcast(ours.x, mask, shape, noise));
    // Plain dropout over the noise shape (same seed, stream and step) draws the same keep decisions.
    const dims = noise.slice(1).map((d, i) => d ?? shape[i]);
    const plain = trainOnce(dropout({ rate, seed: 21, inputShape: dims }), dims, draws / width);
    expect(mask).toEqual(plain.mask);
    expect(ours.m.predict({ data: ours.x, shape: [n, ...shape] }).data).toEqual(ours.x);
    ours.m.dispose();
    plain.m.dispose();
  });

  it('keeps 1 − rate of the mask, scales by 1/(1 − rate): the expected output is the input', () => {
    const rate = 0.3, shape = [50, 40], n = 64;
    const { m, out } = trainOnce(dropout({ rate, noiseShape: [null, 1, null], inputShape: shape }), shape, n);
    const x = positive(n * size(shape));
    const scale = Math.fround(1 / Math.fround(0.7));
    out.forEach((v, i) => expect(v === 0 || v === Math.fround(x[i] * scale), `element ${i}: ${v}`).toBe(true));
    const mean = out.reduce((a, v, i) => a + v / x[i], 0) / out.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.05); // 2,560 draws: σ ≈ 0.013
    m.dispose();
  });

  it('spatialDropout1d/2d are dropout with noiseShape [null, 1, (1,) null]: the same bits', () => {
    for (const [shape, spatial, noise] of [[[7, 8], spatialDropout1d, [null, 1, null]], [[5, 4, 6], spatialDropout2d, [null, 1, 1, null]]] as const) {
      const a = trainOnce(spatial({ rate: 0.4, seed: 3, inputShape: [...shape] }), [...shape], 4);
      const b = trainOnce(dropout({ rate: 0.4, seed: 3, noiseShape: [...noise], inputShape: [...shape] }), [...shape], 4);
      expect(a.out).toEqual(b.out);
      expect(a.out).toEqual(broadcast(a.x, a.mask, [...shape], [...noise]));
      a.m.dispose();
      b.m.dispose();
    }
  });

  const stacks: [string, () => Layer[]][] = [
    ['conv2d + dropout [null, 1, 1, null] + conv2d', () => [conv2d({ filters: 3, kernelSize: 2, activation: 'tanh', inputShape: [5, 4, 2] }), dropout({ rate: 0.5, noiseShape: [null, 1, 1, null] }), conv2d({ filters: 2, kernelSize: 2 })]],
    ['conv2d + dropout [1, null, 1, 3] (batch-shared)', () => [conv2d({ filters: 3, kernelSize: 2, activation: 'tanh', inputShape: [5, 4, 2] }), dropout({ rate: 0.4, noiseShape: [1, null, 1, 3], seed: 5 })]],
    ['conv1d + dropout [null, 1, null] + dense on steps', () => [conv1d({ filters: 4, kernelSize: 2, activation: 'tanh', inputShape: [6, 3] }), dropout({ rate: 0.5, noiseShape: [null, 5, 1] }), dense({ units: 3 })]],
  ];
  for (const [name, layers] of stacks) {
    it(`gradients against central finite differences: ${name}`, () => {
      const input = name.startsWith('conv1d') ? 18 : 40;
      const m = sequential([...layers(), flatten(), dense({ units: 2, activation: 'softmax' })]);
      m.build({ seed: 4 });
      checkTrainingGradients(m, rows(3, input, 11), [[1, 0], [0, 1], [1, 0]], 'categoricalCrossentropy');
      m.dispose();
    });
  }

  it('saves and loads (model file), with the same masks after loading', () => {
    const m = sequential([dropout({ rate: 0.5, noiseShape: [null, 1, null], inputShape: [4, 6] }), flatten(), dense({ units: 2 })]);
    m.build({ seed: 2 });
    const back = modelFromBytes(m.toBytes());
    expect(back.layers[0].getConfig()).toEqual(m.layers[0].getConfig());
    expect(back.layers[0].getConfig().noiseShape).toEqual([null, 1, null]);
    expect(back.summary({ print: false })).toBe(m.summary({ print: false }));
    expect(m.summary({ print: false })).toMatch(/dropout \(Dropout\)\s+\[null, 4, 6\]/);
    m.dispose();
    back.dispose();
  });
});

describe('dropout noiseShape in TF.js files', () => {
  it('goes out as noise_shape; TF.js 4.22 trains it with the same broadcast; it comes back the same', async () => {
    const m = sequential([dropout({ rate: 0.5, noiseShape: [null, 1, null], seed: 4, inputShape: [6, 8] }), flatten(), dense({ units: 3 })]);
    m.build({ seed: 3 });
    const { modelJson, weightData } = toTfjs(m);
    expect(modelJson.modelTopology.config.layers[0]).toMatchObject({ class_name: 'Dropout', config: { noise_shape: [null, 1, null], rate: 0.5, seed: 4 } });
    const t = await tfl.loadLayersModel(tfjsHandler(modelJson, weightData));
    const y = tf.tidy(() => (t.layers[0].apply(tf.ones([5, 6, 8]), { training: true }) as tf.Tensor).arraySync()) as number[][][];
    for (const sample of y) expect(new Set(sample.map((step) => step.join(','))).size).toBe(1); // every step: the same mask
    expect(new Set(y.flat(2)).size).toBe(2);
    const x = Float32Array.from(rows(4, 48, 5).flat());
    const want = (t.predict(tf.tensor(x, [4, 6, 8])) as tf.Tensor).dataSync();
    expectNear(m.predict({ data: x, shape: [4, 6, 8] }).data, want, 1e-6, 1e-6, 'predict');
    const theirs = await tfjsFiles(t);
    const back = fromTfjs(theirs.json, theirs.bin);
    expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    m.dispose();
    back.dispose();
    t.dispose();
  });

  it('a TF.js model with noiseShape (batch-shared, channels-shared) imports as dropout with that noiseShape', async () => {
    const T = tfl.layers;
    const t = tfl.sequential({ layers: [T.dropout({ rate: 0.2, noiseShape: [1, 5, 1], inputShape: [5, 3] }), T.dropout({ rate: 0.1, noiseShape: [null, null, 1] }), T.flatten(), T.dense({ units: 2 })] });
    const { json, bin } = await tfjsFiles(t);
    const m = fromTfjs(json, bin);
    expect(m.layers.slice(0, 2).map((l) => l.getConfig())).toMatchObject([{ type: 'dropout', rate: 0.2, noiseShape: [1, 5, 1] }, { type: 'dropout', rate: 0.1, noiseShape: [null, null, 1] }]);
    const x = Float32Array.from(rows(2, 15, 8).flat());
    const want = (t.predict(tf.tensor(x, [2, 5, 3])) as tf.Tensor).dataSync();
    const got = m.predict({ data: x, shape: [2, 5, 3] }).data;
    expectNear(got, want, 1e-6, 1e-6, 'predict');
    m.dispose();
    t.dispose();
  });
});

describe('dropout noiseShape refusals', () => {
  it('options: an array of null or positive integers, the batch entry null or 1; spatial dropout has none', () => {
    expect(() => dropout({ rate: 0.5, noiseShape: 3 as never })).toThrow(ValueError);
    expect(() => dropout({ rate: 0.5, noiseShape: [null, 0] })).toThrow(/dropout noiseShape must be null or 1 for the batch, then null or a positive integer per input axis \(e\.g\. \[null, 1, 64\]\); got an array of length 2/);
    expect(() => dropout({ rate: 0.5, noiseShape: [null, 1.5] })).toThrow(/noiseShape must be null or 1 for the batch/);
    expect(() => dropout({ rate: 0.5, noiseShape: [null] })).toThrow(/noiseShape must be null or 1 for the batch/);
    expect(() => dropout({ rate: 0.5, noiseShape: [32, 1, 4] })).toThrow(/dropout noiseShape must be null or 1 for the batch, then null or a positive integer per input axis .*; got an array of length 3/);
    expect(() => dropout({ rate: 0.5, noiseShap: [null, 1] } as never)).toThrow(/did you mean "noiseShape"/);
    expect(() => spatialDropout2d({ rate: 0.5, noiseShape: [null, 1, 1, null] } as never)).toThrow(ValueError);
  });

  it('shapes: one entry per input axis, each 1, null or the input size; named at build, the model stays usable', () => {
    const rank = () => sequential([dropout({ rate: 0.5, noiseShape: [null, 1, null], inputShape: [4, 4, 2] })]).build();
    expect(rank).toThrow(ShapeError);
    expect(rank).toThrow(/dropout \(Dropout\) noiseShape \[null,1,null\] does not fit the input \[null, 4, 4, 2\]: 4 entries, each 1, null or the input's size/);
    expect(() => sequential([dense({ units: 6, inputShape: [3] }), dropout({ rate: 0.5, noiseShape: [null, 3], name: 'd' })]).build()).toThrow(/d \(Dropout\) noiseShape \[null,3\] does not fit the input \[null, 6\]: 2 entries, each 1, null or the input's size/);
    const m = sequential([dropout({ rate: 0.5, noiseShape: [null, 1, null], inputShape: [4, 2] }), flatten(), dense({ units: 2 })]);
    m.build({ seed: 1 });
    const x = new Float32Array(8).fill(1);
    const before = m.predict({ data: x, shape: [1, 4, 2] }).data;
    expect(() => m.predict({ data: new Float32Array(12), shape: [1, 4, 3] })).toThrow(ShapeError);
    expect(m.predict({ data: x, shape: [1, 4, 2] }).data).toEqual(before);
    m.dispose();
  });

  it('the model-file schema takes noiseShape and refuses anything else in it', () => {
    const d = dropout({ rate: 0.5, noiseShape: [1, null, 2], name: 'd' }).getConfig();
    expect(() => checkLayerConfig(d as never, 'd')).not.toThrow();
    expect(() => checkLayerConfig({ ...d, noiseShape: [null, 'x'] } as never, 'd')).toThrow(ModelFileError);
    expect(() => checkLayerConfig({ ...d, noiseShape: [null, 0] } as never, 'd')).toThrow(/d.noiseShape\[1\] must be an integer in \[1,/);
    expect(() => checkLayerConfig({ ...spatialDropout2d({ rate: 0.5, name: 's' }).getConfig(), noiseShape: [null, 1, 1, null] } as never, 's')).toThrow(/unknown key "noiseShape"/);
  });
});
