// zeroPadding2d/1d, upSampling2d, spatialDropout1d/2d and dropout on 3-D/4-D samples through whole
// models: predictions, summary shapes and one training step against TF.js Layers 4.22 on the same
// weights; gradients against central finite differences; the masks' semantics (whole channels,
// 1/(1 − rate) scaling, identity at inference, seeds); save/load; option, shape and file errors.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Layer, ShapeError, ValueError, conv1d, conv2d, dense, dropout, flatten, modelFromBytes, sequential, sgd, spatialDropout1d, spatialDropout2d,
  upSampling2d, zeroPadding1d, zeroPadding2d,
} from '../../src/index.js';
import { checkLayerConfig } from '../../src/io/config-schema.js';
import { checkTrainingGradients, copyToTfjs, expectNear, expectSameStep, rows, tf, tfl, tfReady } from '../training/helpers.js';

beforeAll(tfReady);

const T = tfl.layers;
const IN = [5, 4, 3];
const flat = (n: number, dims: number[], seed = 3) => Float32Array.from(rows(n, dims.reduce((a, b) => a * b, 1), seed).flat());

interface Case { name: string; ours: () => Layer[]; theirs: () => tfl.layers.Layer[]; input?: number[] }
const cases: Case[] = [
  { name: 'zeroPadding2d default (1)', ours: () => [zeroPadding2d({ inputShape: IN })], theirs: () => [T.zeroPadding2d({ inputShape: IN })] },
  { name: 'zeroPadding2d [2, 1]', ours: () => [zeroPadding2d({ padding: [2, 1], inputShape: IN })], theirs: () => [T.zeroPadding2d({ padding: [2, 1], inputShape: IN })] },
  { name: 'zeroPadding2d [[1, 0], [2, 3]] + conv2d', ours: () => [zeroPadding2d({ padding: [[1, 0], [2, 3]], inputShape: IN }), conv2d({ filters: 2, kernelSize: 3 })], theirs: () => [T.zeroPadding2d({ padding: [[1, 0], [2, 3]], inputShape: IN }), T.conv2d({ filters: 2, kernelSize: 3 })] },
  { name: 'upSampling2d default ([2, 2])', ours: () => [upSampling2d({ inputShape: IN })], theirs: () => [T.upSampling2d({ inputShape: IN })] },
  { name: 'upSampling2d [1, 3] + conv2d', ours: () => [upSampling2d({ size: [1, 3], inputShape: IN }), conv2d({ filters: 2, kernelSize: 2 })], theirs: () => [T.upSampling2d({ size: [1, 3], inputShape: IN }), T.conv2d({ filters: 2, kernelSize: 2 })] },
  { name: 'conv2d + upSampling2d 3 + zeroPadding2d 1', ours: () => [conv2d({ filters: 5, kernelSize: 2, inputShape: IN }), upSampling2d({ size: 3 }), zeroPadding2d()], theirs: () => [T.conv2d({ filters: 5, kernelSize: 2, inputShape: IN }), T.upSampling2d({ size: [3, 3] }), T.zeroPadding2d({})] },
  { name: 'conv2d + spatialDropout2d + dropout (inference)', ours: () => [conv2d({ filters: 4, kernelSize: 2, inputShape: IN }), spatialDropout2d({ rate: 0.5 }), dropout({ rate: 0.3 })], theirs: () => [T.conv2d({ filters: 4, kernelSize: 2, inputShape: IN }), T.dropout({ rate: 0.5 }), T.dropout({ rate: 0.3 })] },
  { name: 'conv1d + spatialDropout1d + dropout (inference)', input: [9, 3], ours: () => [conv1d({ filters: 4, kernelSize: 2, inputShape: [9, 3] }), spatialDropout1d({ rate: 0.5, seed: 3 }), dropout({ rate: 0.3 })], theirs: () => [T.conv1d({ filters: 4, kernelSize: 2, inputShape: [9, 3] }), T.spatialDropout1d({ rate: 0.5, seed: 3 }), T.dropout({ rate: 0.3 })] },
];

describe('padding, upsampling and dropout layers against TF.js Layers', () => {
  for (const c of cases) {
    it(`${c.name}: predict, summary shapes and save/load match`, () => {
      const m = sequential([...c.ours(), flatten(), dense({ units: 3 })]);
      m.build({ seed: 5 });
      const theirs = tfl.sequential({ layers: [...c.theirs(), T.flatten(), T.dense({ units: 3 })] });
      copyToTfjs(m, theirs);
      const n = 5, input = c.input ?? IN;
      const x = flat(n, input);
      const want = (theirs.predict(tf.tensor(x, [n, ...input])) as tf.Tensor).dataSync();
      const got = m.predict({ data: x, shape: [n, ...input] }).data;
      expectNear(got, want, 1e-5, 1e-5, c.name);
      const back = modelFromBytes(m.toBytes());
      expect(back.summary({ print: false })).toBe(m.summary({ print: false }));
      expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
      expect(back.predict({ data: x, shape: [n, ...input] }).data).toEqual(got);
      back.dispose();
      const text = m.summary({ print: false });
      for (const l of theirs.layers) expect(text).toContain(`[${String(l.outputShape).replace(/^,/, 'null,').split(',').join(', ')}]`);
      m.dispose();
      theirs.dispose();
    });
  }

  it('zeroPadding1d pads steps as Keras ZeroPadding1D (TF.js has none: checked against zeroPadding2d on [1, steps, c])', () => {
    const m = sequential([zeroPadding1d({ padding: [2, 1], inputShape: [6, 3] }), conv1d({ filters: 2, kernelSize: 3 }), flatten(), dense({ units: 3 })]);
    m.build({ seed: 8 });
    const theirs = tfl.sequential({ layers: [T.zeroPadding2d({ padding: [[0, 0], [2, 1]], inputShape: [1, 6, 3] }), T.conv2d({ filters: 2, kernelSize: [1, 3] }), T.flatten(), T.dense({ units: 3 })] });
    const w = m.getWeights();
    theirs.setWeights([tf.tensor(w[0].data, [1, 3, 3, 2]), tf.tensor(w[1].data), tf.tensor(w[2].data, w[2].shape), tf.tensor(w[3].data)]);
    const x = flat(4, [6, 3], 6);
    expectNear(m.predict({ data: x, shape: [4, 6, 3] }).data, (theirs.predict(tf.tensor(x, [4, 1, 6, 3])) as tf.Tensor).dataSync(), 1e-5, 1e-5, 'zeroPadding1d');
    expect(m.summary({ print: false })).toMatch(/zero_padding1d \(ZeroPadding1D\)\s+\[null, 9, 3\]/);
    expect(zeroPadding1d().getConfig().padding).toEqual([1, 1]);
    m.dispose();
    theirs.dispose();
  });
});

describe('one training step against TF.js', () => {
  // TF.js 4.22's cpu ResizeNearestNeighborGrad misplaces the gradient of every image after the first
  // (measured: batch 2, [3, 2, 2] upsampled by 2; its dy row offset uses the image's batch stride), so the upsampling step is
  // compared on a batch of 1; upsampling's batched backward is checked against finite differences below.
  const steps = [
    ['zeroPadding2d [[1, 2], [0, 1]]', 6, () => zeroPadding2d({ padding: [[1, 2], [0, 1]] }), () => T.zeroPadding2d({ padding: [[1, 2], [0, 1]] })],
    ['zeroPadding2d + upSampling2d [2, 1]', 1, () => [zeroPadding2d({ padding: [[1, 0], [0, 1]] }), upSampling2d({ size: [2, 1] })], () => [T.zeroPadding2d({ padding: [[1, 0], [0, 1]] }), T.upSampling2d({ size: [2, 1] })]],
    ['upSampling2d 2', 1, () => upSampling2d({ size: 2 }), () => T.upSampling2d({ size: [2, 2] })],
  ] as const;
  for (const [name, n, ours, theirs] of steps) {
    it(`conv2d, ${name}, conv2d, dense: same weights and loss after one SGD step (batch ${n})`, async () => {
      const m = sequential([conv2d({ filters: 3, kernelSize: 2, activation: 'tanh', inputShape: [6, 5, 2] }), ...[ours()].flat(), conv2d({ filters: 2, kernelSize: 3, activation: 'relu' }), flatten(), dense({ units: 3, activation: 'softmax' })]);
      m.build({ seed: 9 });
      m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
      const t = tfl.sequential({ layers: [T.conv2d({ filters: 3, kernelSize: 2, activation: 'tanh', inputShape: [6, 5, 2] }), ...[theirs()].flat(), T.conv2d({ filters: 2, kernelSize: 3, activation: 'relu' }), T.flatten(), T.dense({ units: 3, activation: 'softmax' })] });
      t.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
      await expectSameStep(m, t, flat(n, [6, 5, 2], 7), [6, 5, 2], Float32Array.from([0, 1, 2, 1, 0, 2].slice(0, n)));
      m.dispose();
      t.dispose();
    });
  }
});

describe('gradients against central finite differences', () => {
  const x = rows(3, 5 * 4 * 2, 11);
  const y = [[1, 0], [0, 1], [1, 0]];
  const stacks: [string, () => Layer[]][] = [
    ['conv2d + zeroPadding2d [[1, 2], [3, 0]] + conv2d', () => [conv2d({ filters: 2, kernelSize: 2, activation: 'tanh', inputShape: [5, 4, 2] }), zeroPadding2d({ padding: [[1, 2], [3, 0]] }), conv2d({ filters: 2, kernelSize: 3 })]],
    ['conv2d + upSampling2d [2, 3] + conv2d', () => [conv2d({ filters: 3, kernelSize: 2, activation: 'tanh', inputShape: [5, 4, 2] }), upSampling2d({ size: [2, 3] }), conv2d({ filters: 2, kernelSize: 3, strides: 2 })]],
    ['conv1d + zeroPadding1d [1, 2] + conv1d', () => [conv1d({ filters: 3, kernelSize: 2, activation: 'tanh', inputShape: [10, 4] }), zeroPadding1d({ padding: [1, 2] }), conv1d({ filters: 2, kernelSize: 3 })]],
    ['conv2d + spatialDropout2d 0.5 + conv2d', () => [conv2d({ filters: 5, kernelSize: 2, activation: 'tanh', inputShape: [5, 4, 2] }), spatialDropout2d({ rate: 0.5 }), conv2d({ filters: 2, kernelSize: 2 })]],
    ['conv1d + spatialDropout1d 0.4 (seeded)', () => [conv1d({ filters: 6, kernelSize: 3, activation: 'tanh', inputShape: [10, 4] }), spatialDropout1d({ rate: 0.4, seed: 12 })]],
    ['conv2d + dropout 0.5 on [h, w, c]', () => [conv2d({ filters: 3, kernelSize: 2, activation: 'tanh', inputShape: [5, 4, 2] }), dropout({ rate: 0.5 }), conv2d({ filters: 2, kernelSize: 2 })]],
  ];
  for (const [name, layers] of stacks) {
    it(name, () => {
      const m = sequential([...layers(), flatten(), dense({ units: 2, activation: 'softmax' })]);
      m.build({ seed: 4 });
      checkTrainingGradients(m, x, y, 'categoricalCrossentropy');
      m.dispose();
    });
  }
});

/** One training step of a model of `layer` and flatten (targets are rank 2); returns its training-mode output (its y after the step) and the model. */
function trainingOutput(layer: Layer, shape: number[], x: Float32Array, n: number, seed = 1) {
  const m = sequential([layer, flatten()]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  m.build({ seed });
  m.trainOnBatch({ data: x, shape: [n, ...shape] }, { data: new Float32Array(x.length), shape: [n, x.length / n] });
  return { m, out: m.core.engine.readF32(m.layers[0].y, x.length) };
}

describe('spatial dropout and dropout on 3-D / 4-D samples', () => {
  const positive = (len: number) => Float32Array.from({ length: len }, (_, i) => 1 + (i % 97));

  for (const [make, shape] of [[(o: { rate: number; seed?: number }) => spatialDropout2d({ ...o, inputShape: [6, 5, 40] }), [6, 5, 40]], [(o: { rate: number; seed?: number }) => spatialDropout1d({ ...o, inputShape: [7, 40] }), [7, 40]]] as const) {
    it(`${make({ rate: 0.3 }).type} drops whole channels of each sample, scales the rest by 1/(1 − rate), is the identity at inference`, () => {
      const n = 8, c = 40, pos = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const x = positive(n * pos * c);
      const { m, out } = trainingOutput(make({ rate: 0.3 }), [...shape], x, n);
      let dropped = 0;
      const masks: string[] = [];
      for (let b = 0; b < n; b++) {
        let mask = '';
        for (let ch = 0; ch < c; ch++) {
          const at = (p: number) => (b * pos + p) * c + ch;
          const kept = out[at(0)] !== 0;
          for (let p = 0; p < pos; p++) expect(out[at(p)]).toBe(kept ? Math.fround(x[at(p)] * Math.fround(1 / Math.fround(0.7))) : 0);
          if (!kept) dropped++;
          mask += kept ? '1' : '0';
        }
        masks.push(mask);
      }
      expect(Math.abs(dropped / (n * c) - 0.3)).toBeLessThan(0.08);
      expect(new Set(masks).size).toBeGreaterThan(1); // each sample draws its own channels
      expect(m.predict({ data: x, shape: [n, ...shape] }).data).toEqual(x);
      m.dispose();
    });
  }

  it('a layer seed fixes the masks whatever the model seed; without one the model seed drives them', () => {
    const x = positive(4 * 7 * 40);
    const run = (layerSeed: number | undefined, modelSeed: number) => {
      const { m, out } = trainingOutput(spatialDropout1d({ rate: 0.5, seed: layerSeed, inputShape: [7, 40] }), [7, 40], x, 4, modelSeed);
      m.dispose();
      return Array.from(out);
    };
    expect(run(11, 1)).toEqual(run(11, 2));
    expect(run(11, 1)).not.toEqual(run(12, 1));
    expect(run(undefined, 1)).not.toEqual(run(undefined, 2));
    expect(run(undefined, 1)).toEqual(run(undefined, 1));
  });

  it('dropout on [h, w, c] and [steps, c] samples drops single elements, not channels', () => {
    for (const shape of [[6, 5, 8], [12, 8]]) {
      const len = 4 * shape.reduce((a, b) => a * b, 1);
      const x = positive(len);
      const { m, out } = trainingOutput(dropout({ rate: 0.4, inputShape: shape }), shape, x, 4);
      out.forEach((v, i) => expect(v === 0 || v === Math.fround(x[i] * Math.fround(1 / Math.fround(0.6)))).toBe(true));
      expect(Math.abs(out.filter((v) => v === 0).length / len - 0.4)).toBeLessThan(0.06);
      // Not whole channels: some channel is kept at one position and dropped at another.
      const c = shape.at(-1)!;
      const mixed = Array.from({ length: c }, (_, ch) => new Set(Array.from({ length: len / c }, (_, p) => out[p * c + ch] === 0)).size === 2);
      expect(mixed.some(Boolean)).toBe(true);
      expect(m.predict({ data: x, shape: [4, ...shape] }).data).toEqual(x);
      m.dispose();
    }
  });
});

describe('errors', () => {
  it('options: Keras forms accepted, anything else named', () => {
    expect(zeroPadding2d({ padding: 2 }).padding).toEqual([[2, 2], [2, 2]]);
    expect(zeroPadding2d({ padding: [1, 3] }).padding).toEqual([[1, 1], [3, 3]]);
    expect(zeroPadding2d({ padding: [[0, 1], [2, 3]] }).padding).toEqual([[0, 1], [2, 3]]);
    expect(() => zeroPadding2d({ padding: -1 })).toThrow(/zeroPadding2d padding must be a non-negative integer, \[rows, cols\] or \[\[top, bottom\], \[left, right\]\], got -1/);
    expect(() => zeroPadding2d({ padding: [1, [2, 3]] as never })).toThrow(ValueError);
    expect(() => zeroPadding2d({ padding: [1, 2, 3] as never })).toThrow(ValueError);
    expect(() => zeroPadding2d({ padding: 1.5 as never })).toThrow(ValueError);
    expect(() => zeroPadding1d({ padding: [1] as never })).toThrow(/zeroPadding1d padding must be a non-negative integer or \[left, right\]/);
    expect(() => zeroPadding2d({ pading: 1 } as never)).toThrow(/did you mean "padding"/);
    expect(() => upSampling2d({ size: 0 })).toThrow(/upSampling2d size must be a positive integer or a pair/);
    expect(upSampling2d({ interpolation: 'bilinear' }).interpolation).toBe('bilinear'); // test/layers/bilinear.test.ts
    expect(() => upSampling2d({ interpolation: 'cubic' as never })).toThrow(/unknown upSampling2d interpolation "cubic"; expected one of: nearest, bilinear/);
    expect(() => upSampling2d({ dataFormat: 'channelsFirst' as never })).toThrow(/only 'channelsLast'/);
    expect(() => spatialDropout2d({ rate: 1 })).toThrow(/spatialDropout2d rate must be a number in \[0, 1\), got 1/);
    expect(() => spatialDropout1d({ rate: 0.1, seed: -1 })).toThrow(/spatialDropout1d seed must be a non-negative integer, got -1/);
    expect(() => dropout({ rate: 0.1, seed: 0.5 })).toThrow(/dropout seed must be a non-negative integer/);
    expect(() => spatialDropout1d(undefined as never)).toThrow(ValueError);
  });

  it('shape mismatches name the layer, what it expects and what it got; the model stays usable', () => {
    expect(() => sequential([zeroPadding2d({ inputShape: [784] })]).build()).toThrow(ShapeError);
    expect(() => sequential([zeroPadding2d({ inputShape: [784] })]).build()).toThrow(/zero_padding2d \(ZeroPadding2D\) expects samples of shape \[height, width, channels\].*got \[784\]/);
    expect(() => sequential([upSampling2d({ inputShape: [9, 3] })]).build()).toThrow(/up_sampling2d \(UpSampling2D\) expects .* got \[9,3\]/);
    expect(() => sequential([zeroPadding1d({ inputShape: [4, 4, 1] })]).build()).toThrow(/zero_padding1d \(ZeroPadding1D\) expects samples of shape \[steps, channels\].*got \[4,4,1\]/);
    expect(() => sequential([spatialDropout2d({ rate: 0.5, inputShape: [9, 3] })]).build()).toThrow(/spatial_dropout2d \(SpatialDropout2D\) expects .*got \[9,3\]/);
    expect(() => sequential([spatialDropout1d({ rate: 0.5, inputShape: [8] })]).build()).toThrow(/spatial_dropout1d \(SpatialDropout1D\) expects samples of shape \[steps, channels\].*got \[8\]/);
    const m = sequential([upSampling2d({ inputShape: [3, 3, 1] }), flatten(), dense({ units: 2 })]);
    m.build({ seed: 1 });
    const before = m.predict({ data: new Float32Array(9), shape: [1, 3, 3, 1] }).data;
    expect(() => m.predict({ data: new Float32Array(18), shape: [1, 3, 3, 2] })).toThrow(/expects samples of shape \[3,3,1\]/);
    expect(m.predict({ data: new Float32Array(9), shape: [1, 3, 3, 1] }).data).toEqual(before);
    m.dispose();
  });

  it('the model-file schema takes every new config and refuses misspelt or ill-typed keys', () => {
    const layers = [zeroPadding2d({ padding: [[1, 2], [0, 3]] }), zeroPadding1d({ padding: 2 }), upSampling2d({ size: [2, 3] }), spatialDropout1d({ rate: 0.2, seed: 4 }), spatialDropout2d({ rate: 0.1 }), dropout({ rate: 0.1, seed: 0 })];
    for (const l of layers) {
      l.name = l.baseName;
      expect(() => checkLayerConfig(l.getConfig() as never, l.baseName)).not.toThrow();
    }
    const z = zeroPadding2d({ name: 'z' }).getConfig();
    expect(() => checkLayerConfig({ ...z, padding: [[1, -2], [0, 0]] } as never, 'z')).toThrow(/z.padding\[0\]\[1\] must be an integer in \[0,/);
    expect(() => checkLayerConfig({ ...z, padding: 1 } as never, 'z')).toThrow(/z.padding must be \[\[top, bottom\], \[left, right\]\]/);
    expect(() => checkLayerConfig({ ...upSampling2d({ name: 'u' }).getConfig(), interpolation: 'cubic' } as never, 'u')).toThrow(/interpolation must be one of nearest, bilinear/);
    expect(() => checkLayerConfig({ ...upSampling2d({ name: 'u' }).getConfig(), sise: [2, 2] } as never, 'u')).toThrow(/unknown key "sise" \(did you mean "size"\?\)/);
    expect(() => checkLayerConfig({ ...spatialDropout2d({ rate: 0.1, name: 's' }).getConfig(), seed: 'x' } as never, 's')).toThrow(/s.seed must be an integer/);
  });
});
