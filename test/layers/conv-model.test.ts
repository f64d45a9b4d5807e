// A CNN as a whole model: the memory check counts the im2col scratch (refused before memory
// grows), wasm memory stays flat over fit/predict/dispose cycles, 1 and 2 kernel threads train
// bit-identical weights, and a checkpoint resumes bit for bit.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Engine, MemoryLimitError, adam, conv2d, dense, flatten, maxPooling2d, modelFromBytes, sequential, type Sequential } from '../../src/index.js';
import { threadEngines } from '../helpers/thread-engines.js';
import { rows } from '../training/helpers.js';

const wasm = (file: string) => new WebAssembly.Module(readFileSync(new URL(`../../build/${file}`, import.meta.url)));

/** A small CNN whose convolutions are big enough to be split over threads. */
function cnn(engine?: Engine): Sequential {
  const m = sequential([
    conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 2] }), maxPooling2d(),
    conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu' }), maxPooling2d(),
    flatten(), dense({ units: 4, activation: 'softmax' }),
  ], engine ? { engine } : undefined);
  m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  return m;
}
const n = 48;
const x = { data: Float32Array.from(rows(n, 288, 5).flat()), shape: [n, 12, 12, 2] };
const y = Int32Array.from({ length: n }, (_, i) => (i * 7) % 4);
const bits = (m: Sequential) => m.getWeights().map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).toString('base64'));

describe('memory', () => {
  it('a convolution whose im2col columns cannot fit is refused before memory grows', async () => {
    const engine = new Engine(wasm('dendrite.wasm'));
    // One image's columns: 498·498 pixels × 15·15·32 taps × 4 bytes = 6.7 GiB (the output is 1 MiB).
    const m = sequential([conv2d({ filters: 1, kernelSize: 15, inputShape: [512, 512, 32] }), flatten(), dense({ units: 1 })], { engine });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const before = engine.info();
    const big = { data: new Float32Array(512 * 512 * 32), shape: [1, 512, 512, 32] };
    await expect(m.fit(big, [[0]], { epochs: 1 })).rejects.toThrow(MemoryLimitError);
    expect(() => m.predict(big)).toThrow(MemoryLimitError);
    expect(engine.info().memoryBytes).toBe(before.memoryBytes);
    expect(engine.info().usedBytes).toBe(before.usedBytes);
  });

  it('wasm memory stays flat over 50 fit / predict / dispose cycles of a CNN', async () => {
    const engine = new Engine(wasm('dendrite.wasm'));
    const cycle = async () => {
      const m = cnn(engine);
      await m.fit(x, y, { epochs: 1, batchSize: 16, seed: 1 });
      m.predict(x);
      m.dispose();
    };
    await cycle();
    const used = engine.info().usedBytes, memory = engine.info().memoryBytes;
    for (let i = 0; i < 50; i++) await cycle();
    expect(engine.info().usedBytes).toBe(used);
    expect(engine.info().memoryBytes).toBe(memory);
  });
});

describe('determinism', () => {
  const engines = threadEngines();

  it('1 and 2 threads train bit-identical weights', async () => {
    const one = cnn(engines.one());
    const split = cnn(engines.two());
    await one.fit(x, y, { epochs: 2, batchSize: 16, seed: 3 });
    await split.fit(x, y, { epochs: 2, batchSize: 16, seed: 3 });
    expect(bits(split)).toEqual(bits(one));
    expect(split.predict(x).data).toEqual(one.predict(x).data);
    one.dispose();
    split.dispose();
  });

  it('a checkpoint resumes bit for bit, after a predict on a larger batch', async () => {
    const a = cnn();
    await a.fit(x, y, { epochs: 4, batchSize: 16, seed: 9 });
    const b = cnn();
    await b.fit(x, y, { epochs: 2, batchSize: 16, seed: 9 });
    const resumed = modelFromBytes(b.toBytes({ includeOptimizer: true }));
    resumed.predict(x, { batchSize: 48 }); // a larger capacity must not change the convolutions' tiles
    await resumed.fit(x, y, { epochs: 2, batchSize: 16 });
    expect(bits(resumed)).toEqual(bits(a));
    for (const m of [a, b, resumed]) m.dispose();
  });
});
