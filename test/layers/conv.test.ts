// The convolution, pooling and reshaping layers (issue 15) through whole models: predictions and
// one training step against TF.js Layers 4.22 (cpu backend) on the same weights, for every option
// combination; gradients against central finite differences; option and shape errors; summary
// shapes and counts; input forms; save/load.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Layer, ShapeError, ValueError, adam, averagePooling1d, separableConv2d, averagePooling2d, batchNormalization, conv1d, conv2d, dense, depthwiseConv2d, flatten,
  globalAveragePooling1d, globalAveragePooling2d, globalMaxPooling1d, globalMaxPooling2d, l2, maxPooling1d, maxPooling2d, modelFromBytes, reshape,
  sequential, sgd,
} from '../../src/index.js';
import { checkLayerConfig } from '../../src/io/config-schema.js';
import { checkTrainingGradients, copyToTfjs, expectNear, expectSameStep, rows, tf, tfl, tfReady } from '../training/helpers.js';

beforeAll(tfReady);

const IN = [7, 6, 3];
const flat = (n: number, dims: number[], seed = 3) => Float32Array.from(rows(n, dims.reduce((a, b) => a * b, 1), seed).flat());

/** One spatial stack in both libraries: ours and TF.js's, fed [7, 6, 3] samples, ending in flatten + dense(3). */
interface Case { name: string; ours: () => Layer[]; theirs: () => tfl.layers.Layer[]; flat?: true; input?: number[] }
const T = tfl.layers;
const cases: Case[] = [
  { name: 'conv2d 3×3 valid relu', ours: () => [conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: IN })], theirs: () => [T.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: IN })] },
  { name: 'conv2d [2, 3] strides 2 same tanh no bias', ours: () => [conv2d({ filters: 5, kernelSize: [2, 3], strides: 2, padding: 'same', activation: 'tanh', useBias: false, inputShape: IN })], theirs: () => [T.conv2d({ filters: 5, kernelSize: [2, 3], strides: 2, padding: 'same', activation: 'tanh', useBias: false, inputShape: IN })] },
  { name: 'conv2d strides [1, 2] valid sigmoid', ours: () => [conv2d({ filters: 2, kernelSize: 2, strides: [1, 2], activation: 'sigmoid', inputShape: IN })], theirs: () => [T.conv2d({ filters: 2, kernelSize: 2, strides: [1, 2], activation: 'sigmoid', inputShape: IN })] },
  { name: 'conv2d dilation 2 same elu', ours: () => [conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'elu', inputShape: IN })], theirs: () => [T.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'elu', inputShape: IN })] },
  { name: 'conv2d dilation [2, 1] valid linear', ours: () => [conv2d({ filters: 3, kernelSize: 2, dilationRate: [2, 1], inputShape: IN })], theirs: () => [T.conv2d({ filters: 3, kernelSize: 2, dilationRate: [2, 1], inputShape: IN })] },
  { name: 'conv2d 1×1 (pointwise)', ours: () => [conv2d({ filters: 6, kernelSize: 1, inputShape: IN })], theirs: () => [T.conv2d({ filters: 6, kernelSize: 1, inputShape: IN })] },
  { name: 'maxPooling2d default', ours: () => [maxPooling2d({ inputShape: IN })], theirs: () => [T.maxPooling2d({ inputShape: IN })] },
  { name: 'maxPooling2d 3 strides 2 same', ours: () => [maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', inputShape: IN })], theirs: () => [T.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', inputShape: IN })] },
  { name: 'averagePooling2d 2 strides 1 same', ours: () => [averagePooling2d({ poolSize: 2, strides: 1, padding: 'same', inputShape: IN })], theirs: () => [T.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same', inputShape: IN })] },
  { name: 'averagePooling2d [2, 3] valid', ours: () => [averagePooling2d({ poolSize: [2, 3], inputShape: IN })], theirs: () => [T.averagePooling2d({ poolSize: [2, 3], inputShape: IN })] },
  { name: 'conv2d then globalAveragePooling2d', ours: () => [conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: IN }), globalAveragePooling2d()], theirs: () => [T.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: IN }), T.globalAveragePooling2d({})], flat: true },
  { name: 'conv2d then globalMaxPooling2d', ours: () => [conv2d({ filters: 4, kernelSize: 3, inputShape: IN }), globalMaxPooling2d()], theirs: () => [T.conv2d({ filters: 4, kernelSize: 3, inputShape: IN }), T.globalMaxPooling2d({})], flat: true },
  { name: 'depthwiseConv2d 3×3 valid relu', ours: () => [depthwiseConv2d({ kernelSize: 3, activation: 'relu', inputShape: IN })], theirs: () => [T.depthwiseConv2d({ kernelSize: 3, activation: 'relu', inputShape: IN })] },
  { name: 'depthwiseConv2d multiplier 2, [2, 3] strides 2 same, no bias', ours: () => [depthwiseConv2d({ kernelSize: [2, 3], depthMultiplier: 2, strides: 2, padding: 'same', useBias: false, inputShape: IN })], theirs: () => [T.depthwiseConv2d({ kernelSize: [2, 3], depthMultiplier: 2, strides: 2, padding: 'same', useBias: false, inputShape: IN })] },
  { name: 'separableConv2d 3×3 valid relu', ours: () => [separableConv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: IN })], theirs: () => [T.separableConv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: IN })] },
  { name: 'separableConv2d multiplier 2, strides 2 same, sigmoid, no bias', ours: () => [separableConv2d({ filters: 3, kernelSize: [3, 2], depthMultiplier: 2, strides: 2, padding: 'same', activation: 'sigmoid', useBias: false, inputShape: IN })], theirs: () => [T.separableConv2d({ filters: 3, kernelSize: [3, 2], depthMultiplier: 2, strides: 2, padding: 'same', activation: 'sigmoid', useBias: false, inputShape: IN })] },
  { name: 'conv2d then batchNormalization (channel axis)', ours: () => [conv2d({ filters: 4, kernelSize: 3, inputShape: IN, biasInitializer: { name: 'constant', config: { value: 0.5 } } }), batchNormalization()], theirs: () => [T.conv2d({ filters: 4, kernelSize: 3, inputShape: IN }), T.batchNormalization({ epsilon: 1e-3 })] },
  { name: 'conv1d 3 valid relu', input: [9, 3], ours: () => [conv1d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [9, 3] })], theirs: () => [T.conv1d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [9, 3] })] },
  { name: 'conv1d 2 strides 2 same tanh', input: [9, 3], ours: () => [conv1d({ filters: 2, kernelSize: 2, strides: 2, padding: 'same', activation: 'tanh', inputShape: [9, 3] })], theirs: () => [T.conv1d({ filters: 2, kernelSize: 2, strides: 2, padding: 'same', activation: 'tanh', inputShape: [9, 3] })] },
  { name: 'conv1d dilation 3 no bias', input: [9, 3], ours: () => [conv1d({ filters: 2, kernelSize: 2, dilationRate: 3, useBias: false, inputShape: [9, 3] })], theirs: () => [T.conv1d({ filters: 2, kernelSize: 2, dilationRate: 3, useBias: false, inputShape: [9, 3] })] },
  { name: 'maxPooling1d default, averagePooling1d 3 strides 1 same', input: [9, 3], ours: () => [maxPooling1d({ inputShape: [9, 3] }), averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' })], theirs: () => [T.maxPooling1d({ inputShape: [9, 3] }), T.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' })] },
  { name: 'maxPooling1d 3 strides 2 same', input: [9, 3], ours: () => [maxPooling1d({ poolSize: 3, strides: 2, padding: 'same', inputShape: [9, 3] })], theirs: () => [T.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same', inputShape: [9, 3] })] },
  { name: 'conv1d then globalAveragePooling1d', input: [9, 3], flat: true, ours: () => [conv1d({ filters: 4, kernelSize: 3, inputShape: [9, 3] }), globalAveragePooling1d()], theirs: () => [T.conv1d({ filters: 4, kernelSize: 3, inputShape: [9, 3] }), T.globalAveragePooling1d({})] },
  { name: 'conv1d then globalMaxPooling1d', input: [9, 3], flat: true, ours: () => [conv1d({ filters: 4, kernelSize: 3, inputShape: [9, 3] }), globalMaxPooling1d()], theirs: () => [T.conv1d({ filters: 4, kernelSize: 3, inputShape: [9, 3] }), T.globalMaxPooling1d({})] },
  { name: 'reshape [-1, 9] then conv2d', ours: () => [reshape({ targetShape: [14, -1], inputShape: IN }), reshape({ targetShape: [14, 9, 1] }), conv2d({ filters: 2, kernelSize: 3 })], theirs: () => [T.reshape({ targetShape: [14, 9], inputShape: IN }), T.reshape({ targetShape: [14, 9, 1] }), T.conv2d({ filters: 2, kernelSize: 3 })] },
];

// TF.js's Flatten refuses rank-1 samples (Keras 3's passes them through): none after global pooling.
const ourModel = (c: Case) => sequential([...c.ours(), ...(c.flat ? [] : [flatten()]), dense({ units: 3 })]);
const theirModel = (c: Case) => tfl.sequential({ layers: [...c.theirs(), ...(c.flat ? [] : [T.flatten()]), T.dense({ units: 3 })] });

describe('spatial layers against TF.js Layers', () => {
  for (const c of cases) {
    it(`${c.name}: predict, summary shapes and save/load match`, () => {
      const m = ourModel(c);
      m.build({ seed: 5 });
      const theirs = theirModel(c);
      copyToTfjs(m, theirs);
      const n = 5, input = c.input ?? IN;
      const x = flat(n, input);
      const want = (theirs.predict(tf.tensor(x, [n, ...input])) as tf.Tensor).dataSync();
      const got = m.predict({ data: x, shape: [n, ...input] }).data;
      expectNear(got, want, 1e-5, 1e-5, c.name);
      const back = modelFromBytes(m.toBytes()); // every option survives the model file
      expect(back.summary({ print: false })).toBe(m.summary({ print: false }));
      expect(back.predict({ data: x, shape: [n, ...input] }).data).toEqual(got);
      back.dispose();
      const text = m.summary({ print: false });
      for (const l of theirs.layers) expect(text).toContain(`[${String(l.outputShape).replace(/^,/, 'null,').split(',').join(', ')}]`);
      expect(m.countParams()).toBe(theirs.countParams());
      m.dispose();
      theirs.dispose();
    });
  }
});

describe('training steps against TF.js', () => {
  const ours = () => sequential([
    conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 2] }), maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 3, kernelSize: 2, padding: 'same', activation: 'tanh' }), averagePooling2d({ poolSize: 2, strides: 1 }),
    flatten(), dense({ units: 3, activation: 'softmax' }),
  ]);
  const theirs = () => tfl.sequential({ layers: [
    T.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 2] }), T.maxPooling2d({ poolSize: 2 }),
    T.conv2d({ filters: 3, kernelSize: 2, padding: 'same', activation: 'tanh' }), T.averagePooling2d({ poolSize: 2, strides: 1 }),
    T.flatten(), T.dense({ units: 3, activation: 'softmax' }),
  ] });
  // TF.js adds ε to √v̂, Keras 3 (and dendrite) to √v with the bias corrections in the step size: the
  // first step is lr·g/(|g| + ε) against lr·g/(|g| + ε/√(1 − β2)). A tiny ε makes both lr·sign(g).
  const optimizers = [['SGD', () => sgd({ learningRate: 0.1 }), () => tf.train.sgd(0.1)], ['Adam', () => adam({ learningRate: 0.01, epsilon: 1e-12 }), () => tf.train.adam(0.01, 0.9, 0.999, 1e-12)]] as const;
  for (const [name, opt, theirOpt] of optimizers) {
    it(`one ${name} step from the same weights gives the same weights and loss`, async () => {
      const m = ours();
      m.build({ seed: 9 });
      m.compile({ optimizer: opt(), loss: 'sparseCategoricalCrossentropy' });
      const t = theirs();
      t.compile({ optimizer: theirOpt(), loss: 'sparseCategoricalCrossentropy' });
      await expectSameStep(m, t, flat(6, [8, 8, 2], 7), [8, 8, 2], Float32Array.from([0, 1, 2, 1, 0, 2]));
      m.dispose();
      t.dispose();
    });
  }
});

describe('gradients against central finite differences', () => {
  const x = rows(3, 5 * 4 * 2, 11);
  const y = [[1, 0], [0, 1], [1, 0]];
  const stacks: [string, () => Layer[]][] = [
    ['conv2d valid relu + maxPooling2d', () => [conv2d({ filters: 2, kernelSize: 2, activation: 'relu', inputShape: [5, 4, 2], biasInitializer: { name: 'constant', config: { value: 0.1 } } }), maxPooling2d({ poolSize: 2 })]],
    ['conv2d same strides 2 tanh, l2 regulariser', () => [conv2d({ filters: 3, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh', kernelRegularizer: l2(0.05), inputShape: [5, 4, 2] })]],
    ['conv2d dilation 2 sigmoid + averagePooling2d same', () => [conv2d({ filters: 2, kernelSize: 2, dilationRate: 2, activation: 'sigmoid', inputShape: [5, 4, 2] }), averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' })]],
    ['conv2d 1×1 + globalAveragePooling2d', () => [conv2d({ filters: 3, kernelSize: 1, inputShape: [5, 4, 2] }), globalAveragePooling2d()]],
    ['conv2d + globalMaxPooling2d', () => [conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 4, 2] }), globalMaxPooling2d()]],
    ['depthwiseConv2d multiplier 2 same tanh + averagePooling2d', () => [depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, padding: 'same', activation: 'tanh', inputShape: [5, 4, 2] }), averagePooling2d()]],
    // TF.js 4.22's depthwiseConv2d ignores dilationRate (its output shape is the undilated one): checked here only.
    ['depthwiseConv2d dilation 2 tanh', () => [depthwiseConv2d({ kernelSize: 2, dilationRate: 2, activation: 'tanh', inputShape: [5, 4, 2] })]],
    ['depthwiseConv2d strides 2 relu, l2', () => [depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', depthwiseRegularizer: l2(0.05), biasInitializer: { name: 'constant', config: { value: 0.2 } }, inputShape: [5, 4, 2] })]],
    ['separableConv2d multiplier 2 same tanh, l2 on both kernels', () => [separableConv2d({ filters: 3, kernelSize: 2, depthMultiplier: 2, padding: 'same', activation: 'tanh', depthwiseRegularizer: l2(0.05), pointwiseRegularizer: l2(0.05), inputShape: [5, 4, 2] })]],
    ['separableConv2d strides 2 linear + conv2d', () => [separableConv2d({ filters: 2, kernelSize: 3, strides: 2, inputShape: [5, 4, 2] }), conv2d({ filters: 2, kernelSize: 1, activation: 'tanh' })]],
    ['conv2d + batchNormalization', () => [conv2d({ filters: 3, kernelSize: 2, activation: 'tanh', inputShape: [5, 4, 2] }), batchNormalization()]],
    ['reshape to [20, 2] + conv1d + averagePooling1d', () => [reshape({ targetShape: [20, 2], inputShape: [5, 4, 2] }), conv1d({ filters: 3, kernelSize: 3, activation: 'tanh' }), averagePooling1d({ poolSize: 3 })]],
    ['reshape to [20, 2] + conv1d dilation 2 same + averagePooling1d same', () => [reshape({ targetShape: [20, 2], inputShape: [5, 4, 2] }), conv1d({ filters: 3, kernelSize: 2, dilationRate: 2, padding: 'same' }), averagePooling1d({ poolSize: 2, strides: 1, padding: 'same' })]],
    // Max pooling over few, well-separated values (a window of 3 at h = 1e-2 would cross ties).
    ['reshape to [8, 5] + conv1d 1 + maxPooling1d + globalMaxPooling1d', () => [reshape({ targetShape: [8, 5], inputShape: [5, 4, 2] }), conv1d({ filters: 2, kernelSize: 1 }), maxPooling1d({ poolSize: 2 }), globalMaxPooling1d()]],
    ['reshape to [20, 2] + conv1d + globalAveragePooling1d', () => [reshape({ targetShape: [20, 2], inputShape: [5, 4, 2] }), conv1d({ filters: 3, kernelSize: 4, strides: 3 }), globalAveragePooling1d()]],
    ['reshape + conv2d + conv2d', () => [reshape({ targetShape: [10, 4, 1], inputShape: [5, 4, 2] }), conv2d({ filters: 2, kernelSize: 3, activation: 'tanh' }), conv2d({ filters: 2, kernelSize: 2 })]],
  ];
  for (const [name, layers] of stacks) {
    it(name, () => {
      const stack = layers();
      const m = sequential([...stack, ...(stack.at(-1)!.type.startsWith('Global') ? [] : [flatten()]), dense({ units: 2, activation: 'softmax' })]);
      m.build({ seed: 4 });
      checkTrainingGradients(m, x, y, 'categoricalCrossentropy');
      m.dispose();
    });
  }
});

describe('the tutorial CNN', () => {
  const tutorial = () => sequential([
    conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), maxPooling2d({ poolSize: 2 }),
    flatten(), dense({ units: 128, activation: 'relu' }), dense({ units: 10, activation: 'softmax' }),
  ]);

  it('summary() prints Keras output shapes and 225,034 parameters', () => {
    const m = tutorial();
    const text = m.summary({ print: false });
    expect(m.countParams()).toBe(225034);
    for (const [layer, shape, count] of [['conv2d (Conv2D)', '[null, 26, 26, 32]', '320'], ['max_pooling2d (MaxPooling2D)', '[null, 13, 13, 32]', '0'],
      ['conv2d_1 (Conv2D)', '[null, 11, 11, 64]', '18,?496'], ['max_pooling2d_1 (MaxPooling2D)', '[null, 5, 5, 64]', '0'], ['flatten (Flatten)', '[null, 1600]', '0'],
      ['dense (Dense)', '[null, 128]', '204,?928'], ['dense_1 (Dense)', '[null, 10]', '1,?290']]) {
      expect(text).toMatch(new RegExp(`${layer.replace(/[()]/g, '\\$&')}\\s+${shape.replace(/[[\]]/g, '\\$&')}\\s+${count}\\b`));
    }
    expect(text).toMatch(/225,?034/);
    m.dispose();
  });

  it('flat [n, 784] rows, [n, 28, 28, 1] tensors and nested arrays predict the same; save → load is bit-exact', () => {
    const m = tutorial();
    m.build({ seed: 3 });
    const n = 3;
    const x = flat(n, [784], 2);
    const a = m.predict({ data: x, shape: [n, 784] });
    const b = m.predict({ data: x, shape: [n, 28, 28, 1] });
    const nested = Array.from({ length: n }, (_, i) => Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, q) => [x[i * 784 + r * 28 + q]])));
    const c = m.predict(nested as never);
    expect(b.data).toEqual(a.data);
    expect(c.data).toEqual(a.data);
    const back = modelFromBytes(m.toBytes());
    expect(back.summary({ print: false })).toBe(m.summary({ print: false }));
    expect(back.predict({ data: x, shape: [n, 784] }).data).toEqual(a.data);
    m.dispose();
    back.dispose();
  });
});

describe('errors', () => {
  it('unknown options are refused with the closest name; bad values are named', () => {
    expect(() => conv2d({ filters: 2, kernelSize: 3, kernalInitializer: 'zeros' } as never)).toThrow(/unknown option "kernalInitializer" \(did you mean "kernelInitializer"\?\)/);
    expect(() => maxPooling2d({ poolsize: 2 } as never)).toThrow(/did you mean "poolSize"/);
    expect(() => flatten({ units: 2 } as never)).toThrow(ValueError);
    expect(() => conv2d({ filters: 0, kernelSize: 3 })).toThrow(/conv2d filters/);
    expect(() => conv2d({ filters: 2, kernelSize: [3] as never })).toThrow(/kernelSize must be a positive integer or a pair/);
    expect(() => conv2d({ filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/valid, same/);
    expect(() => conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/strides > 1 together with dilationRate > 1/);
    expect(() => reshape({ targetShape: [-1, -1] })).toThrow(/at most one -1/);
  });

  it('the model-file schema takes the config of every spatial layer and refuses a misspelt or ill-typed key', () => {
    const layers = [conv2d({ filters: 2, kernelSize: 3, kernelRegularizer: l2(0.1) }), conv1d({ filters: 2, kernelSize: 3 }), depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2 }),
      separableConv2d({ filters: 2, kernelSize: 2 }), maxPooling2d(), averagePooling1d(), globalMaxPooling1d(), flatten(), reshape({ targetShape: [-1, 4] })];
    for (const l of layers) {
      l.name = l.baseName; // a model names its layers
      expect(() => checkLayerConfig(l.getConfig() as never, l.baseName)).not.toThrow();
    }
    expect(() => checkLayerConfig({ ...conv2d({ filters: 2, kernelSize: 3, name: 'c' }).getConfig(), filtres: 3 } as never, 'c')).toThrow(/unknown key "filtres" \(did you mean "filters"\?\)/);
    expect(() => checkLayerConfig({ ...maxPooling2d({ name: 'p' }).getConfig(), padding: 'full' } as never, 'p')).toThrow(/padding must be one of valid, same/);
    expect(() => checkLayerConfig({ ...conv2d({ filters: 2, kernelSize: 3, name: 'c' }).getConfig(), kernelSize: [3, 3, 3] } as never, 'c')).toThrow(/kernelSize must be a pair/);
  });

  it('shape mismatches name the layer, what it expects and what it got', () => {
    expect(() => sequential([conv2d({ filters: 2, kernelSize: 3, inputShape: [784] })]).build()).toThrow(ShapeError);
    expect(() => sequential([conv2d({ filters: 2, kernelSize: 3, inputShape: [784] })]).build()).toThrow(/conv2d \(Conv2D\) expects samples of shape \[height, width, channels\].*got \[784\]/);
    expect(() => sequential([dense({ units: 4, inputShape: [8] }), maxPooling2d()]).build()).toThrow(/max_pooling2d \(MaxPooling2D\) expects .* got \[4\]/);
    expect(() => sequential([conv2d({ filters: 2, kernelSize: 5, inputShape: [4, 4, 1] })]).build()).toThrow(/smaller than the window/);
    expect(() => sequential([reshape({ targetShape: [5, -1], inputShape: [3, 4] })]).build()).toThrow(/cannot reshape samples of shape \[3,4\]/);
    const m = sequential([conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1] }), flatten(), dense({ units: 2 })]);
    m.build({ seed: 1 });
    const before = m.predict({ data: new Float32Array(36), shape: [1, 6, 6, 1] }).data;
    expect(() => m.predict({ data: new Float32Array(72), shape: [1, 6, 6, 2] })).toThrow(/expects samples of shape \[6,6,1\]/);
    expect(m.predict({ data: new Float32Array(36), shape: [1, 6, 6, 1] }).data).toEqual(before);
    m.dispose();
  });
});
