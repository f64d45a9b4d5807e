// Every bad input gets a named error whose message says what was expected and what was got —
// never a wasm trap, NaN weights or a silent wrong answer.
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  ModelFileError,
  ShapeError,
  StateError,
  ValueError,
  dense,
  initializers,
  modelFromBytes,
  sequential,
  type Sequential,
} from '../src/index.js';

function compiled(units = 3): Sequential {
  const m = sequential([dense({ units: 4, activation: 'relu', inputShape: [2] }), dense({ units, activation: 'softmax' })]);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}
const x = [[0, 1], [1, 0], [1, 1]];
const y = [0, 1, 2];

/** [description, action, error class, words the message must contain] */
type Case = [string, () => unknown, new (...a: never[]) => Error, RegExp];

const sync: Case[] = [
  ['unknown activation lists the valid ones', () => dense({ units: 2, activation: 'relux' as never }), ValueError, /relux.*expected one of: linear, sigmoid/],
  ['units not a positive integer', () => dense({ units: 2.5 }), ValueError, /units must be a positive integer, got 2.5/],
  ['units zero', () => dense({ units: 0 }), ValueError, /positive integer, got 0/],
  ['inputShape with a zero dimension', () => dense({ units: 2, inputShape: [28, 0] }), ValueError, /inputShape must be a non-empty array of positive integers.*\[28,0\]/],
  ['inputShape empty', () => dense({ units: 2, inputShape: [] }), ValueError, /inputShape must be a non-empty array/],
  ['unknown initializer', () => dense({ units: 2, kernelInitializer: 'glorot' as never }), ValueError, /unknown initializer "glorot".*glorotUniform/],
  ['bad initializer option', () => initializers.randomNormal({ stddev: -1 }), ValueError, /stddev must be >= 0/],
  ['unknown loss', () => compiledWith({ loss: 'crossentropy' }), ValueError, /unknown loss "crossentropy".*sparseCategoricalCrossentropy/],
  ['unknown optimizer', () => compiledWith({ optimizer: 'adamx' }), ValueError, /unknown optimizer "adamx".*sgd, adam/],
  ['unknown metric', () => compiledWith({ metrics: ['f1'] }), ValueError, /unknown metric "f1".*accuracy/],
  ['negative learning rate', () => compiledWith({ optimizer: { name: 'adam', config: { learningRate: -1 } } }), ValueError, /learningRate must be a number in \[0, Infinity\], got -1/],
  ['predict before the input width is known', () => sequential([dense({ units: 2 })]).predict(new Float32Array(4)), StateError, /input width.*inputShape/],
  ['evaluate before compile', () => sequential([dense({ units: 2, inputShape: [2] })]).evaluate(x, [0, 1, 1]), StateError, /compile.*before evaluate/],
  ['predict with the wrong width', () => compiled().predict([[1, 2, 3]]), ShapeError, /x\[0\] has 3 values but the model expects 2 features/],
  ['predict with a flat array not a multiple of the width', () => compiled().predict(new Float32Array(5)), ShapeError, /5 values, not a whole number of rows/],
  ['predict with an empty array', () => compiled().predict([]), ValueError, /x is empty/],
  ['predict with NaN names row and column', () => compiled().predict([[0, 1], [2, NaN]]), ValueError, /row 1, column 1/],
  ['predict with Infinity in a Float32Array', () => compiled().predict(new Float32Array([0, 1, 2, Infinity])), ValueError, /row 1, column 1: Infinity/],
  ['predict with a string', () => compiled().predict('abc' as never), ValueError, /x must be a Float32Array/],
  ['evaluate with x and y row counts differing', () => compiled().evaluate(x, [0, 1]), ShapeError, /x has 3 rows but y has 2/],
  ['class id out of range', () => compiled().evaluate(x, [0, 1, 3]), ValueError, /y\[2\] = 3 is not a class id: expected an integer in \[0, 2\]/],
  ['fractional class id', () => compiled().evaluate(x, [0, 0.5, 1]), ValueError, /y\[1\] = 0.5 is not a class id/],
  ['NaN target', () => mseModel().evaluate(x, [[1], [NaN], [0]]), ValueError, /y has a non-finite value at row 1/],
  ['targets of the wrong width', () => mseModel().evaluate(x, [[1, 2], [1, 2], [1, 2]]), ShapeError, /2 value\(s\) per row but the model outputs 1/],
  ['setWeights with the wrong count', () => compiled().setWeights([new Float32Array(8)]), ShapeError, /expects 4 arrays/],
  ['setWeights with the wrong shape', () => badShape(), ShapeError, /dense kernel: expected 8 values \(shape \[2,4\]\), got 6/],
  ['setWeights with NaN', () => nanWeights(), ValueError, /weights must be finite/],
  ['a disposed model', () => disposed().predict(x), StateError, /disposed/],
  ['empty model file', () => modelFromBytes(new Uint8Array(0)), ModelFileError, /.+/],
  ['foreign safetensors file', () => modelFromBytes(foreignFile()), ModelFileError, /not a dendrite model file/],
  ['file from a future version', () => modelFromBytes(futureFile()), ModelFileError, /format version 99.*upgrade/],
  ['truncated model file', () => modelFromBytes(validFile().subarray(0, 100)), ModelFileError, /.+/],
];

function compiledWith(o: Record<string, unknown>) {
  const m = sequential([dense({ units: 2, inputShape: [2], activation: 'softmax' })]);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', ...o } as never);
}
function mseModel() {
  const m = sequential([dense({ units: 1, inputShape: [2] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}
function badShape() {
  const m = compiled();
  const w = m.getWeights().map((t) => t.data);
  w[0] = new Float32Array(6);
  m.setWeights(w);
}
function nanWeights() {
  const m = compiled();
  const w = m.getWeights().map((t) => t.data);
  w[1][0] = NaN;
  m.setWeights(w);
}
function disposed() {
  const m = compiled();
  m.dispose();
  return m;
}
function validFile() {
  const m = compiled();
  m.build({ seed: 1 });
  return m.toBytes();
}
function withMetadata(edit: (meta: Record<string, string>) => void): Uint8Array {
  const bytes = validFile();
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header.__metadata__);
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const out = new Uint8Array(8 + text.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(new TextEncoder().encode(text), 8);
  out.set(bytes.subarray(8 + n), 8 + text.length);
  return out;
}
const foreignFile = () => withMetadata((m) => (m.format = 'pt'));
const futureFile = () => withMetadata((m) => (m.formatVersion = '99'));

describe('bad input gets a named, helpful error', () => {
  it.each(sync)('%s', (_, action, type, message) => {
    let thrown: unknown;
    try {
      action();
    } catch (e) {
      thrown = e;
    }
    expect(thrown, 'expected an error').toBeInstanceOf(type);
    expect((thrown as Error).message).toMatch(message);
  });

  const asyncCases: Case[] = [
    ['fit before compile', () => sequential([dense({ units: 2, inputShape: [2] })]).fit(x, y), StateError, /compile.*before fit/],
    ['batchSize zero', () => compiled().fit(x, y, { batchSize: 0 }), ValueError, /batchSize must be a positive integer, got 0/],
    ['epochs fractional', () => compiled().fit(x, y, { epochs: 1.5 }), ValueError, /epochs must be a positive integer, got 1.5/],
    ['validationSplit of 1', () => compiled().fit(x, y, { validationSplit: 1 }), ValueError, /validationSplit must be in \[0, 1\), got 1/],
    ['validationSplit negative', () => compiled().fit(x, y, { validationSplit: -0.1 }), ValueError, /validationSplit must be a number in \[0, 1\]/],
    ['validationSplit leaving no rows', () => compiled().fit(x, y, { validationSplit: 0.7 }), ValueError, /leaves 0 for training and 3 for validation/],
    ['fit with NaN in x', () => compiled().fit([[0, 1], [NaN, 1], [1, 1]], y), ValueError, /row 1, column 0/],
    ['fit with mismatched rows', () => compiled().fit(x, [0, 1]), ShapeError, /x has 3 rows but y has 2/],
    ['fit with an empty dataset', () => compiled().fit([], []), ValueError, /x is empty/],
    ['negative seed', () => compiled().fit(x, y, { seed: -1 }), ValueError, /seed must be a non-negative integer/],
  ];
  it.each(asyncCases)('%s', async (_, action, type, message) => {
    await expect(action()).rejects.toThrow(type);
    await expect(action()).rejects.toThrow(message);
  });

  it('an aborted fit rejects with AbortError and leaves usable, finite weights', async () => {
    const m = compiled();
    const controller = new AbortController();
    const big = Array.from({ length: 64 }, (_, i) => [Math.sin(i), Math.cos(i)]);
    const labels = big.map((_, i) => i % 3);
    const run = m.fit(big, labels, {
      epochs: 50,
      batchSize: 4,
      callbacks: { onBatchEnd: (b) => void (b === 3 && controller.abort()) },
      signal: controller.signal,
    });
    await expect(run).rejects.toThrow(AbortError);
    expect(m.getWeights().every((w) => w.data.every(Number.isFinite))).toBe(true);
    const h = await m.fit(big, labels, { epochs: 1, batchSize: 4 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
  });

  it('a diverging run stops with NumericError and keeps finite weights', async () => {
    const { NumericError, sgd } = await import('../src/index.js');
    const m = sequential([dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: sgd({ learningRate: 1e6 }), loss: 'mse' });
    const xs = Array.from({ length: 16 }, (_, i) => [i * 100]);
    const ys = xs.map(([v]) => [v * 3]);
    await expect(m.fit(xs, ys, { epochs: 50, batchSize: 4, seed: 1 })).rejects.toThrow(NumericError);
    expect(m.getWeights().every((w) => w.data.every(Number.isFinite))).toBe(true);
  });
});
