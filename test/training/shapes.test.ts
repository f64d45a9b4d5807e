// Per-sample shapes of any rank (channels last): the layer contract (computeOutputShape, weight
// shapes, slot sizes), summary()'s [null, ...] shapes, the input forms ({ data, shape: [n, ...dims] },
// nested arrays of any rank, flat rows taken without a copy), and dense on the last axis as in
// Keras, checked against TF.js Layers on the same weights.
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, ValueError, activation, dense, layerNormalization, modelFromBytes, sequential, sgd } from '../../src/index.js';
import { toHostX } from '../../src/model/inputs.js';
import { copyToTfjs, expectNear, rows, tf, tfjsWeights, tfl, tfReady } from './helpers.js';

beforeAll(tfReady);

/** n samples of shape dims, as one flat Float32Array (deterministic). */
function samples(n: number, dims: number[], seed = 3): Float32Array {
  const size = dims.reduce((a, b) => a * b, 1);
  return Float32Array.from(rows(n, size, seed).flat());
}

/** The flat values as nested arrays [n][d0][d1]... */
function nest(data: Float32Array, shape: number[]): unknown[] {
  const build = (offset: number, depth: number): unknown => {
    if (depth === shape.length) return data[offset];
    const stride = shape.slice(depth + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[depth] }, (_, i) => build(offset + i * stride, depth + 1));
  };
  return build(0, 0) as unknown[];
}

describe('per-sample shapes', () => {
  const model = () => sequential([dense({ units: 5, activation: 'tanh', inputShape: [2, 3, 4] }), layerNormalization(), dense({ units: 2 })]);

  it('summary() shows batch shapes [null, ...dims] and counts weights on the last axis', () => {
    const m = model();
    const text = m.summary({ print: false });
    expect(text).toMatch(/dense \(Dense\)\s+\[null, 2, 3, 5\]\s+25\b/);
    expect(text).toMatch(/layer_normalization \(LayerNormalization\)\s+\[null, 2, 3, 5\]\s+10\b/);
    expect(text).toMatch(/dense_1 \(Dense\)\s+\[null, 2, 3, 2\]\s+12\b/);
    expect(m.countParams()).toBe(4 * 5 + 5 + 10 + 5 * 2 + 2);
    m.build({ seed: 1 });
    expect(m.getWeights().map((w) => w.shape)).toEqual([[4, 5], [5], [5], [5], [5, 2], [2]]);
    expect(m.outputUnits).toBe(2 * 3 * 2);
    m.dispose();
  });

  it('predict matches TF.js on the same weights, for every input form', async () => {
    const m = model();
    m.build({ seed: 7 });
    const theirs = tfl.sequential({
      layers: [tfl.layers.dense({ units: 5, activation: 'tanh', inputShape: [2, 3, 4] }), tfl.layers.layerNormalization({ epsilon: 1e-3 }), tfl.layers.dense({ units: 2 })],
    });
    copyToTfjs(m, theirs);
    const n = 7;
    const x = samples(n, [2, 3, 4]);
    const want = (theirs.predict(tf.tensor(x, [n, 2, 3, 4])) as tf.Tensor).dataSync();
    const forms: [string, unknown][] = [
      ['{ data, shape: [n, 2, 3, 4] }', { data: x, shape: [n, 2, 3, 4] }],
      ['flat rows { data, shape: [n, 24] }', { data: x, shape: [n, 24] }],
      ['a flat Float32Array', x],
      ['nested arrays of rank 4', nest(x, [n, 2, 3, 4])],
    ];
    for (const [what, input] of forms) {
      const got = m.predict(input as never);
      expect(got.shape, what).toEqual([n, 12]);
      expectNear(got.data, want, 1e-5, 1e-4, what);
    }
    m.dispose();
  });

  it('a training step on rank-4 samples (mse over [2, 3, 2] outputs) matches TF.js', async () => {
    const m = model();
    m.build({ seed: 11 });
    m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse' });
    const theirs = tfl.sequential({
      layers: [tfl.layers.dense({ units: 5, activation: 'tanh', inputShape: [2, 3, 4] }), tfl.layers.layerNormalization({ epsilon: 1e-3 }), tfl.layers.dense({ units: 2 })],
    });
    copyToTfjs(m, theirs);
    theirs.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const n = 6;
    const x = samples(n, [2, 3, 4], 5);
    const y = samples(n, [2, 3, 2], 9);
    const ours = m.trainOnBatch({ data: x, shape: [n, 2, 3, 4] }, { data: y, shape: [n, 12] });
    const loss = (await theirs.trainOnBatch(tf.tensor(x, [n, 2, 3, 4]), tf.tensor(y, [n, 2, 3, 2]))) as number;
    expect(ours.loss).toBeCloseTo(loss, 5);
    const want = tfjsWeights(theirs);
    m.getWeights().forEach((w, i) => expectNear(w.data, want[i], 1e-6, 1e-4, w.name));
    m.dispose();
  });

  it('flat rows whose width is the sample size are taken without a copy', () => {
    const data = samples(4, [2, 3, 4]);
    expect(toHostX({ data, shape: [4, 24] }, [2, 3, 4]).data).toBe(data);
    expect(toHostX({ data, shape: [4, 2, 3, 4] }, [2, 3, 4]).data).toBe(data);
    expect(toHostX(data, [2, 3, 4]).data).toBe(data);
  });

  it('the input shape comes from the data when the first layer has none', () => {
    const m = sequential([activation({ activation: 'relu' }), dense({ units: 3 })]);
    const x = samples(2, [4, 2]);
    const out = m.predict({ data: x, shape: [2, 4, 2] });
    expect(out.shape).toEqual([2, 12]);
    expect(m.summary({ print: false })).toMatch(/dense \(Dense\)\s+\[null, 4, 3\]/);
    m.dispose();
  });

  it('wrong shapes are named: tensors, nested arrays, categorical losses on rank > 1 outputs', () => {
    const m = model();
    m.build({ seed: 1 });
    expect(() => m.predict({ data: new Float32Array(24), shape: [1, 4, 3, 2] })).toThrow(ShapeError);
    expect(() => m.predict({ data: new Float32Array(24), shape: [1, 4, 3, 2] })).toThrow(/shape \[1,4,3,2\] but the model expects samples of shape \[2,3,4\]/);
    const ragged = nest(samples(1, [2, 3, 4]), [1, 2, 3, 4]) as number[][][][];
    ragged[0][1][2] = [1, 2, 3];
    expect(() => m.predict(ragged as never)).toThrow(/x\[0\]\[1\]\[2\] must be an array of 4/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' })).toThrow(/outputs shape \[2,3,2\] per sample/);
    expect(() => dense({ units: 1, inputShape: [3, 0] })).toThrow(ValueError);
    m.dispose();
  });

  it('a model of rank-3 samples saves and loads bit-exact', () => {
    const m = model();
    m.build({ seed: 2 });
    const back = modelFromBytes(m.toBytes());
    expect(back.summary({ print: false })).toBe(m.summary({ print: false }));
    const x = { data: samples(3, [2, 3, 4]), shape: [3, 2, 3, 4] };
    expect(back.predict(x).data).toEqual(m.predict(x).data);
    m.dispose();
    back.dispose();
  });
});
