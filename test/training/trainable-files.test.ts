// Frozen layers in model files, checkpoints, workers and threads: `trainable` is saved in every
// layer's config (and the model's), loads bit for bit, and files from before it existed load as
// trainable; a checkpoint of a partly frozen model resumes bit for bit; fitInWorker and 1 or 2
// kernel threads train the same bits as fit.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../../scripts/runtimes/process.mjs';
import type * as Dendrite from '../../src/api.js';
import { Engine, ModelFileError, adam, batchNormalization, conv2d, dense, flatten, maxPooling2d, modelFromBytes, sequential, type Sequential } from '../../src/index.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { threadEngines } from '../helpers/thread-engines.js';
import { rows } from './helpers.js';

const bits = (m: { getWeights(): { data: Float32Array }[] }) => m.getWeights().map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).toString('base64'));

/** A CNN with a frozen convolutional base (conv → BN → pool) and a trainable head. */
function cnn(engine?: Engine): Sequential {
  const m = sequential([
    conv2d({ filters: 6, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 2], trainable: false }),
    batchNormalization({ trainable: false }), maxPooling2d(),
    conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), maxPooling2d(),
    flatten(), dense({ units: 4, activation: 'softmax' }),
  ], engine ? { engine } : undefined);
  m.build({ seed: 7 });
  m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  return m;
}
const n = 32;
const x = { data: Float32Array.from(rows(n, 200, 5).flat()), shape: [n, 10, 10, 2] };
const y = Int32Array.from({ length: n }, (_, i) => (i * 7) % 4);

/** The file with its config edited. */
function editConfig(bytes: Uint8Array, edit: (c: any) => void): Uint8Array {
  const { metadata, tensors } = decodeSafetensors(bytes);
  const c = JSON.parse(metadata.config);
  edit(c);
  metadata.config = JSON.stringify(c);
  return encodeSafetensors([...tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })), metadata);
}

describe('model files', () => {
  it('save → load is bit-exact and keeps every layer\'s flag and the model\'s', async () => {
    const m = cnn();
    await m.fit(x, y, { epochs: 1, batchSize: 8, seed: 1 });
    m.layers[6].trainable = false;
    const back = modelFromBytes(m.toBytes());
    expect(bits(back)).toEqual(bits(m));
    expect(back.layers.map((l) => l.trainable)).toEqual([false, false, true, true, true, true, false]);
    expect(back.summary({ print: false })).toBe(m.summary({ print: false }));
    m.trainable = false;
    const frozen = modelFromBytes(m.toBytes());
    expect(frozen.trainable).toBe(false);
    expect(frozen.trainableWeights).toEqual([]);
    const config = JSON.parse(decodeSafetensors(m.toBytes()).metadata.config);
    expect(config.trainable).toBe(false);
    expect(config.layers.map((l: { trainable: boolean }) => l.trainable)).toEqual(new Array(7).fill(false));
  });

  it('a checkpoint of a partly frozen model holds state for the trainable weights only and resumes bit for bit', async () => {
    const a = cnn();
    await a.fit(x, y, { epochs: 4, batchSize: 8, seed: 9 });
    const b = cnn();
    await b.fit(x, y, { epochs: 2, batchSize: 8, seed: 9 });
    const bytes = b.toBytes({ includeOptimizer: true });
    const trainable = b.trainableWeights.reduce((s, w) => s + w.data.length, 0);
    expect(decodeSafetensors(bytes).tensors.get('optimizer/0')!.shape).toEqual([trainable]);
    const resumed = modelFromBytes(bytes);
    await resumed.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 8 });
    expect(bits(resumed)).toEqual(bits(a));
  });

  it('a flag set after the last step is saved with the state laid out for it', async () => {
    const m = cnn();
    await m.fit(x, y, { epochs: 1, batchSize: 8, seed: 2 });
    m.layers[3].trainable = false; // the second conv joins the frozen base
    const bytes = m.toBytes({ includeOptimizer: true });
    const trainable = m.trainableWeights.reduce((s, w) => s + w.data.length, 0);
    expect(decodeSafetensors(bytes).tensors.get('optimizer/1')!.shape).toEqual([trainable]);
    const back = modelFromBytes(bytes);
    await m.fit(x, y, { epochs: 2, initialEpoch: 1, batchSize: 8 });
    await back.fit(x, y, { epochs: 2, initialEpoch: 1, batchSize: 8 });
    expect(bits(back)).toEqual(bits(m));
  });

  it('files from before `trainable` existed load as trainable', () => {
    const m = cnn();
    m.trainable = true; // every layer trainable, as every file before the key was
    const old = editConfig(m.toBytes({ includeOptimizer: true }), (c) => {
      delete c.trainable;
      for (const l of c.layers) delete l.trainable;
    });
    const back = modelFromBytes(old);
    expect(back.trainable).toBe(true);
    expect(back.layers.every((l) => l.trainable)).toBe(true);
    expect(bits(back)).toEqual(bits(m));
  });

  it('a config whose trainable is not a boolean is refused, naming the key', () => {
    const bad = editConfig(cnn().toBytes(), (c) => (c.layers[0].trainable = 'no'));
    expect(() => modelFromBytes(bad)).toThrow(ModelFileError);
    expect(() => modelFromBytes(bad)).toThrow(/layers?.*trainable must be true or false, got "no"/);
    const model = editConfig(cnn().toBytes(), (c) => (c.trainable = 0));
    expect(() => modelFromBytes(model)).toThrow(/trainable must be true or false, got 0/);
  });
});

describe('workers and threads', () => {
  const engines = threadEngines();

  it('1 and 2 kernel threads train bit-identical weights with a frozen base', async () => {
    const one = cnn(engines.one());
    const split = cnn(engines.two());
    const frozen = bits(one).slice(0, 6);
    await one.fit(x, y, { epochs: 2, batchSize: 16, seed: 3 });
    await split.fit(x, y, { epochs: 2, batchSize: 16, seed: 3 });
    expect(bits(split)).toEqual(bits(one));
    expect(bits(one).slice(0, 6)).toEqual(frozen);
    one.dispose();
    split.dispose();
  });

  it('fitInWorker trains the same bits as fit, frozen layers untouched', async () => {
    const d: typeof Dendrite = await import(join(root, 'build', 'index.js'));
    const make = () => {
      const m = d.sequential([
        d.dense({ units: 6, activation: 'tanh', inputShape: [3], trainable: false }), d.batchNormalization({ trainable: false }),
        d.dense({ units: 5, activation: 'relu' }), d.dense({ units: 2, activation: 'softmax' }),
      ]);
      m.build({ seed: 4 });
      m.compile({ optimizer: d.adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const xs = rows(40, 3, 8);
    const ys = xs.map(([a, b]) => (a > b ? 1 : 0));
    const here = make();
    const there = make();
    const start = bits(there);
    await here.fit(xs, ys, { epochs: 3, batchSize: 8, seed: 2 });
    await d.fitInWorker(there, xs, ys, { epochs: 3, batchSize: 8, seed: 2 }).result;
    expect(bits(there)).toEqual(bits(here));
    expect(bits(there).slice(0, 6)).toEqual(start.slice(0, 6));
    expect(bits(there).slice(6)).not.toEqual(start.slice(6));
    // The optimizer state came back in the trainable layout: training continues as fit's would.
    await here.fit(xs, ys, { epochs: 4, initialEpoch: 3, batchSize: 8 });
    await there.fit(xs, ys, { epochs: 4, initialEpoch: 3, batchSize: 8 });
    expect(bits(there)).toEqual(bits(here));
  });
});
