// Keras `pop()` / `add()` on built models, and transfer learning end to end: the remaining weights
// stay bit for bit; predict after each pop matches TF.js running the truncated stack (and a fresh
// dendrite model of it, bit for bit); an added layer trains; compile is asked for again; refusals
// leave the model predicting as before; files round-trip. Then the TF.js CNN fixture loses its head,
// keeps its base frozen (compared with the bytes of weights.bin), learns a new head, and comes back
// from a file predicting the same; and so does the ONNX CNN fixture (PyTorch's export).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adam,
  batchNormalization,
  conv2d,
  datasets,
  dense,
  dropout,
  flatten,
  fromOnnx,
  loadModel,
  loadOnnx,
  loadTfjs,
  maxPooling2d,
  MemoryLimitError,
  sequential,
  sgd,
  type Sequential,
  ShapeError,
  StateError,
  ValueError,
} from '../../src/index.js';
import { getEngine } from '../../src/engine/engine.js';
import { copyToTfjs, rows, tf, tfl, tfReady } from './helpers.js';

beforeAll(async () => {
  await tfReady();
});

const sha = (arrays: Float32Array[]) => {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
};
const weightsSha = (m: Sequential, from = 0, to?: number) => sha(m.getWeights().slice(from, to).map((w) => w.data));
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/** conv (8 filters: fused with the 2×2 max pool after it in inference) → max pool → BN → flatten → dense → dropout → dense softmax on [6, 6, 2]. */
const layers = () => [
  conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2], name: 'conv' }),
  maxPooling2d({ name: 'pool' }),
  batchNormalization({ name: 'bn' }),
  flatten({ name: 'flat' }),
  dense({ units: 5, activation: 'tanh', name: 'fc' }),
  dropout({ rate: 0.5, name: 'drop' }),
  dense({ units: 3, activation: 'softmax', name: 'out' }),
];
const tfjsLayers = () => [
  tfl.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] }),
  tfl.layers.maxPooling2d({ poolSize: 2 }),
  tfl.layers.batchNormalization({ epsilon: 1e-3 }),
  tfl.layers.flatten(),
  tfl.layers.dense({ units: 5, activation: 'tanh' }),
  tfl.layers.dropout({ rate: 0.5 }),
  tfl.layers.dense({ units: 3, activation: 'softmax' }),
];
const x = { data: Float32Array.from(rows(9, 72, 3).flat()), shape: [9, 6, 6, 2] };
const y = new Uint8Array([0, 1, 2, 2, 1, 0, 1, 2, 0]);

async function trained(): Promise<Sequential> {
  const m = sequential(layers());
  m.build({ seed: 5 });
  m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit(x, y, { epochs: 3, batchSize: 4, seed: 1 }); // moves the BN statistics off 0 / 1
  return m;
}

describe('pop() on a built model', () => {
  it('keeps the remaining weights bit for bit, and predict matches TF.js and a fresh model of the truncated stack', async () => {
    const m = await trained();
    const all = m.getWeights();
    for (let n = layers().length - 1; n >= 1; n--) {
      const popped = m.pop();
      expect(popped.owner).toBeUndefined();
      expect(m.layers.length).toBe(n);
      const kept = m.getWeights();
      expect(sha(kept.map((w) => w.data))).toBe(sha(all.slice(0, kept.length).map((w) => w.data)));
      const got = m.predict(x);
      // A fresh model of the first n layers with those weights: the same kernels, the same bits.
      const fresh = sequential(layers().slice(0, n));
      fresh.build({ seed: 9 });
      fresh.setWeights(kept);
      expect(same(got.data, fresh.predict(x).data), `${n} layers`).toBe(true);
      fresh.dispose();
      // TF.js running the same truncated stack with the same weights.
      const theirs = tfl.sequential({ layers: tfjsLayers().slice(0, n) });
      copyToTfjs(m, theirs);
      const ref = (theirs.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync();
      expect(got.data.length).toBe(ref.length);
      got.data.forEach((v, i) => expect(Math.abs(v - ref[i]), `${n} layers, value ${i}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(ref[i])));
    }
    m.dispose();
  });

  it('asks for compile again, and the compiled model then trains', async () => {
    const m = await trained();
    m.pop();
    await expect(m.fit(x, y, { epochs: 1 })).rejects.toThrow(StateError);
    await expect(m.fit(x, y, { epochs: 1 })).rejects.toThrow(/added or popped since compile: call compile/);
    expect(() => m.evaluate(x, y)).toThrow(/compile/);
    expect(() => m.trainOnBatch(x, y)).toThrow(StateError);
    m.pop(); // drop: the model now ends at fc, then gets a new softmax head
    m.add(dense({ units: 3, activation: 'softmax' }));
    m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
    const h = await m.fit(x, y, { epochs: 5, batchSize: 9 });
    expect(h.history.loss[4]).toBeLessThan(h.history.loss[0]);
    m.dispose();
  });

  it('refuses an empty model with a StateError; popping every layer keeps the input shape for the next', async () => {
    const empty = sequential();
    expect(() => empty.pop()).toThrow(StateError);
    expect(() => empty.pop()).toThrow(/no layers/);
    const m = await trained();
    const popped = [];
    while (m.layers.length) popped.push(m.pop());
    expect(m.built).toBe(false);
    expect(() => m.pop()).toThrow(StateError);
    // Layers leave without weights: they can join another model, which builds them afresh.
    const other = sequential([flatten({ inputShape: [6, 6, 2] })]);
    other.add(popped[0]); // 'out', a dense softmax
    expect(other.predict(x).shape).toEqual([9, 3]);
    other.dispose();
    m.add(flatten());
    m.add(dense({ units: 2, activation: 'softmax' }));
    expect(m.predict(x).shape).toEqual([9, 2]);
    m.dispose();
  });
});

describe('add() on a built model', () => {
  it('builds the layer from the output shape, keeps the other weights bit for bit, and initialises the new ones from the model seed', async () => {
    const make = async () => {
      const m = await trained();
      m.pop();
      m.pop();
      const before = weightsSha(m);
      m.add(dense({ units: 4, activation: 'relu' }));
      m.add(dense({ units: 2, activation: 'softmax', name: 'head' }));
      expect(weightsSha(m, 0, -4)).toBe(before);
      return m;
    };
    const m = await make();
    expect(m.layers.map((l) => l.name)).toEqual(['conv', 'pool', 'bn', 'flat', 'fc', 'dense', 'head']);
    expect(m.core.outputShape).toEqual([2]);
    const w = m.getWeights();
    const kernel = w[w.length - 4];
    expect(kernel.shape).toEqual([5, 4]);
    // Glorot uniform: within ±√(6 / (5 + 4)), not all zero.
    const limit = Math.sqrt(6 / 9);
    expect(kernel.data.every((v) => Math.abs(v) <= limit) && kernel.data.some((v) => v !== 0)).toBe(true);
    expect(w[w.length - 3].data.every((v) => v === 0)).toBe(true);
    // The same model seed and history give the same new weights.
    const m2 = await make();
    expect(weightsSha(m2)).toBe(weightsSha(m));
    // A fresh model of the whole stack with these weights predicts the same bits.
    const fresh = sequential([...layers().slice(0, 5), dense({ units: 4, activation: 'relu' }), dense({ units: 2, activation: 'softmax' })]);
    fresh.build({ seed: 1 });
    fresh.setWeights(w);
    expect(same(m.predict(x).data, fresh.predict(x).data)).toBe(true);
    // The new head trains; the frozen base does not move.
    for (const l of m.layers.slice(0, 5)) l.trainable = false;
    m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    await m.fit(x, y.map((v) => v % 2), { epochs: 3, batchSize: 4, seed: 2 });
    expect(weightsSha(m, 0, -4)).toBe(weightsSha(m2, 0, -4));
    expect(weightsSha(m, -4)).not.toBe(weightsSha(m2, -4));
    for (const model of [m, m2, fresh]) model.dispose();
  });

  it('a refused add leaves the model as it was (same layers, same predictions) and the layer free', async () => {
    const m = await trained();
    const out = m.predict(x).data;
    const hash = weightsSha(m);
    const check = () => {
      expect(m.layers.length).toBe(7);
      expect(weightsSha(m)).toBe(hash);
      expect(same(m.predict(x).data, out)).toBe(true);
    };
    const conv = conv2d({ filters: 2, kernelSize: 3 });
    expect(() => m.add(conv)).toThrow(ShapeError); // rank 1 output into a 2-D convolution
    check();
    expect(conv.owner).toBeUndefined();
    expect(conv.name).toBe('');
    expect(() => m.add(dense({ units: 2, name: 'fc' }))).toThrow(ValueError); // a taken name
    check();
    expect(() => m.add(dense({ units: 2, inputShape: [7] }))).toThrow(/declares inputShape \[7\] but the model outputs shape \[3\]/);
    check();
    expect(() => m.add(dense({ units: 3e8 }))).toThrow(MemoryLimitError); // 9e8 weights and their gradients: refused before any allocation
    check();
    const other = sequential([dense({ units: 3, inputShape: [3] })]);
    expect(() => m.add(other.layers[0])).toThrow(/belongs to another model/);
    expect(() => m.add(m.layers[2])).toThrow(/already in this model/);
    expect(() => m.add({} as never)).toThrow(ValueError);
    check();
    // The model still trains as compiled: nothing was added.
    await m.fit(x, y, { epochs: 1, batchSize: 9 });
    m.dispose();
    expect(() => m.add(dense({ units: 1 }))).toThrow(/disposed/);
    expect(() => m.pop()).toThrow(/disposed/);
    other.dispose();
  });

  it('refuses pop and add while fit runs', async () => {
    const m = await trained();
    const errors: unknown[] = [];
    await m.fit(x, y, {
      epochs: 1,
      batchSize: 4,
      callbacks: {
        onBatchEnd: () => {
          for (const call of [() => m.pop(), () => m.add(dense({ units: 2 }))]) {
            try {
              call();
            } catch (e) {
              errors.push(e);
            }
          }
        },
      },
    });
    expect(errors.length).toBe(6);
    expect(errors.every((e) => e instanceof StateError && /while fit is running/.test(e.message))).toBe(true);
    expect(m.layers.length).toBe(7);
    m.dispose();
  });

  it('pop / add cycles do not grow memory', async () => {
    const engine = getEngine();
    const m = await trained();
    const cycle = () => {
      m.pop();
      m.add(dense({ units: 3, activation: 'softmax' }));
      m.predict(x);
    };
    cycle();
    const used = engine.info().usedBytes;
    for (let i = 0; i < 10; i++) cycle();
    expect(engine.info().usedBytes).toBe(used);
    m.dispose();
  });
});

describe('files after pop / add', () => {
  it('save and load keep the new stack, its weights, its trainable flags and its predictions', async () => {
    const m = await trained();
    m.pop();
    m.pop();
    for (const l of m.layers) l.trainable = false;
    m.add(dense({ units: 2, activation: 'softmax', name: 'head' }));
    m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(x, y.map((v) => v % 2), { epochs: 2, batchSize: 4, seed: 3 });
    const back = await loadModel(m.toBytes());
    expect(back.layers.map((l) => [l.name, l.trainable])).toEqual(m.layers.map((l) => [l.name, l.trainable]));
    expect(weightsSha(back)).toBe(weightsSha(m));
    expect(same(back.predict(x).data, m.predict(x).data)).toBe(true);
    expect(back.evaluate(x, y.map((v) => v % 2))).toEqual(m.evaluate(x, y.map((v) => v % 2)));
    // Popping the loaded model works the same way.
    back.pop();
    expect(back.predict(x).shape).toEqual([9, 5]);
    for (const model of [m, back]) model.dispose();
  });
});

// ---- Transfer learning end to end ----------------------------------------------------------------

const fixture = join(import.meta.dirname, '..', 'fixtures', 'tfjs-cnn');
const haveData = existsSync('/usr/share/datasets/fashion-mnist') || !!process.env.DENDRITE_DATA;

/** The bytes weights.bin holds for each of the named tensors (from the manifest's order and shapes). */
function fixtureBytes(names: string[]): Uint8Array[] {
  const json = JSON.parse(readFileSync(join(fixture, 'model.json'), 'utf8'));
  const bin = readFileSync(join(fixture, 'weights.bin'));
  const out = new Map<string, Uint8Array>();
  let at = 0;
  for (const w of json.weightsManifest[0].weights as { name: string; shape: number[] }[]) {
    const n = 4 * w.shape.reduce((a, d) => a * d, 1);
    out.set(w.name, new Uint8Array(bin.buffer, bin.byteOffset + at, n));
    at += n;
  }
  expect(at).toBe(bin.length);
  return names.map((n) => out.get(n)!);
}

/** Pop the model's two dense layers, freeze the rest, add a new head for `classes` classes. */
function newHead(model: Sequential, popped: string[], classes: number): Sequential {
  expect([model.pop().name, model.pop().name]).toEqual(popped);
  for (const layer of model.layers) layer.trainable = false;
  model.add(dense({ units: 32, activation: 'relu' }));
  model.add(dense({ units: classes, activation: 'softmax' }));
  model.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

const bytesOf = (m: Sequential) => m.getWeights().map((w) => new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
type Data = { x: unknown; y: Uint8Array };

/** Train, check the frozen base against `base` (bit for bit) and the head against its start, save, load, compare; returns the held-out accuracy. */
async function trainSaveLoad(model: Sequential, base: Uint8Array[], data: Data, held: Data, epochs: number): Promise<number> {
  const n = base.length;
  expect(bytesOf(model).slice(0, n)).toEqual(base);
  const head = weightsSha(model, n);
  await model.fit(data.x as never, data.y, { epochs, batchSize: 32, seed: 42 });
  expect(bytesOf(model).slice(0, n)).toEqual(base); // the frozen base, bit for bit
  expect(weightsSha(model, n)).not.toBe(head); // the head trained
  const { accuracy } = model.evaluate(held.x as never, held.y);
  const dir = mkdtempSync(join(tmpdir(), 'dendrite-transfer-test-'));
  try {
    await model.save(join(dir, 'transfer.dnd'));
    const again = await loadModel(join(dir, 'transfer.dnd'));
    expect(same(again.predict(held.x as never).data, model.predict(held.x as never).data)).toBe(true);
    expect(bytesOf(again).slice(0, n)).toEqual(base);
    expect(again.layers.map((l) => [l.name, l.trainable])).toEqual(model.layers.map((l) => [l.name, l.trainable]));
    again.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  model.dispose();
  return accuracy;
}

/** n made-up images of `shape` in two classes: a bright top half against a bright bottom half, over noise. */
function halves(n: number, shape: number[]): Data {
  const size = shape.reduce((a, d) => a * d, 1);
  const noise = rows(n, size, 11, 0, 0.25);
  const data = new Float32Array(n * size);
  const y = Uint8Array.from({ length: n }, (_, i) => i % 2);
  for (let i = 0; i < n; i++) for (let p = 0; p < size; p++) data[i * size + p] = noise[i][p] + ((p < size / 2) === (y[i] === 0) ? 0.7 : 0);
  return { x: { data, shape: [n, ...shape] }, y };
}

const tfjsBase = ['conv1/kernel', 'conv1/bias', 'conv2/kernel', 'conv2/bias'];

describe('transfer learning from the TF.js CNN fixture', () => {
  it('frozen base bit for bit as in weights.bin, head trained, file round trip (made-up data: always runs)', async () => {
    const model = newHead(await loadTfjs(join(fixture, 'model.json')), ['dense2', 'dense1'], 2);
    expect(model.getWeights().slice(0, 4).map((w) => w.name)).toEqual(tfjsBase);
    const data = halves(64, [28, 28, 1]);
    expect(await trainSaveLoad(model, fixtureBytes(tfjsBase), data, data, 5)).toBeGreaterThan(0.9);
  });

  it.skipIf(!haveData)('three Fashion-MNIST classes: accuracy well above chance', async () => {
    const { train, test } = await datasets.fashionMnist({ download: false });
    const classes = [0, 2, 8];
    const subset = (split: typeof train, n: number) => {
      const keep = [...split.y.subarray(0, n).keys()].filter((i) => classes.includes(split.y[i]));
      const data = new Uint8Array(keep.length * 784);
      keep.forEach((row, k) => data.set((split.x.data as Uint8Array).subarray(row * 784, (row + 1) * 784), k * 784));
      return { x: { ...split.x, data, shape: [keep.length, 784] }, y: Uint8Array.from(keep, (row) => classes.indexOf(split.y[row])) };
    };
    const model = newHead(await loadTfjs(join(fixture, 'model.json')), ['dense2', 'dense1'], 3);
    const accuracy = await trainSaveLoad(model, fixtureBytes(tfjsBase), subset(train, 6000), subset(test, 2000), 3);
    expect(accuracy).toBeGreaterThan(0.8); // chance is 1/3
  });
});

describe('transfer learning from the ONNX CNN fixture (PyTorch export)', () => {
  it('frozen base (conv, batch norm, conv) bit for bit as imported, head trained, file round trip', async () => {
    const file = readFileSync(join(fixture, '..', 'onnx', 'cnn-opset13.onnx'));
    // The base as the import lays it out (NCHW kernels transposed to NHWC), from a second import.
    const imported = fromOnnx(file);
    const base = bytesOf(imported).slice(0, 8).map((b) => b.slice());
    expect(imported.getWeights().slice(0, 8).map((w) => w.name.split('/')[0])).toEqual(['conv2d', 'conv2d', ...Array(4).fill('batch_normalization'), 'conv2d_1', 'conv2d_1']);
    imported.dispose();
    const model = newHead(await loadOnnx(join(fixture, '..', 'onnx', 'cnn-opset13.onnx')), ['dense_1', 'dense'], 2);
    expect(model.layers.map((l) => l.trainable)).toEqual([false, false, false, false, false, false, true, true]);
    const data = halves(96, [12, 12, 2]);
    expect(await trainSaveLoad(model, base, data, data, 8)).toBeGreaterThan(0.9);
  });
});
