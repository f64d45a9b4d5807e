// Guarantee 4 (memory limits): a model, a dataset or a batch that would exceed wasm memory (4 GiB
// per engine) gets a MemoryLimitError before any work — saying how much was needed and suggesting
// streaming the data (fitDataset) or a smaller batch — rather than a RangeError from deep inside,
// and the engine trains a small model right afterwards. "Before any work": the engine's memory has
// not grown and nothing is allocated. The >4 GiB dataset is a Float32Array the OS backs lazily
// (untouched pages cost nothing), so the check must work from shapes, before copying anything.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, MemoryLimitError, type Sequential, adam, dense, dropout, sequential } from '../../src/index.js';
import { dataset } from './helpers.js';

const engine = new Engine(readFileSync(new URL('../../build/dendrite.wasm', import.meta.url)));

/** The engine's memory and what is handed out, which a refused call must leave as they were. */
const footprint = () => ({ memoryBytes: engine.info().memoryBytes, usedBytes: engine.info().usedBytes });

function compiled(layers: Parameters<typeof sequential>[0]): Sequential {
  const m = sequential(layers, { engine });
  m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
  return m;
}

async function refused(run: () => unknown): Promise<MemoryLimitError> {
  const before = footprint();
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a MemoryLimitError').toBeInstanceOf(MemoryLimitError);
  expect(footprint(), 'nothing allocated, memory not grown').toEqual(before);
  const message = (error as Error).message;
  // How much was needed and for what, the limit, and what to do instead.
  expect(message).toMatch(/^cannot allocate \d+\.\d GiB for /);
  expect(message).toMatch(/WebAssembly memory is limited to 4 GiB per engine/);
  expect(message).toMatch(/Use a smaller batchSize, fewer or smaller layers, stream the data in batches \(model\.fitDataset\)/);
  return error as MemoryLimitError;
}

// After every refusal: the same engine trains and predicts a small model, and frees it again.
afterEach(async () => {
  const before = footprint().usedBytes;
  const { x, labels, cols } = dataset(64, 4);
  const m = compiled([dense({ units: 8, activation: 'relu', inputShape: [cols] }), dense({ units: 3, activation: 'softmax' })]);
  const h = await m.fit(x, labels, { epochs: 3, batchSize: 16, seed: 1 });
  expect(h.history.loss[2]).toBeLessThan(h.history.loss[0]);
  expect(m.predict(x).data.every(Number.isFinite)).toBe(true);
  m.dispose();
  expect(footprint().usedBytes).toBe(before);
});

describe('a model that cannot fit', () => {
  // 40,000 × 40,000 weights: 6 GiB, 12 GiB with their gradients.
  const huge = () => compiled([dense({ units: 40_000, activation: 'relu', inputShape: [40_000] }), dense({ units: 10, activation: 'softmax' })]);
  const x = new Float32Array(2 * 40_000);
  const y = [0, 1];

  it('fit: MemoryLimitError naming the weights and the total', async () => {
    const e = await refused(() => huge().fit(x, y));
    // Weights and gradients 11.9 GiB, Adam's two moments and the weights' backup 17.9 GiB.
    expect(e.message).toMatch(/^cannot allocate 29\.8 GiB for fit: the model \(1600440010 parameters\) 29\.8 GiB, activations for batches of 2 rows/);
  });

  it('predict, evaluate and build: MemoryLimitError too', async () => {
    await refused(() => huge().predict(x));
    await refused(() => huge().evaluate(x, y));
    expect((await refused(() => huge().build())).message).toMatch(/^cannot allocate 11\.9 GiB for the weights of 1600440010 parameters/);
  });

  it('weights that fit but not with the optimizer state: refused before the weights are allocated', async () => {
    // 18,000²: 1.2 GiB of weights, 2.4 GiB with gradients (under 4 GiB), 6 GiB with Adam's state.
    const m = compiled([dense({ units: 18_000, inputShape: [18_000] }), dense({ units: 2, activation: 'softmax' })]);
    const e = await refused(() => m.fit(new Float32Array(2 * 18_000), [0, 1]));
    expect(e.message).toMatch(/^cannot allocate 6\.0 GiB for fit: the model \(324054002 parameters\) 6\.0 GiB/);
  });
});

describe('data that cannot fit', () => {
  const cols = 100_000;
  const rows = 12_000; // 1.2e9 f32 = 4.5 GiB, allocated lazily by the OS and never touched
  const model = () => compiled([dense({ units: 1, inputShape: [cols] }), dense({ units: 2, activation: 'softmax' })]);

  it('fit on a 4.5 GiB Matrix: refused from its shape', async () => {
    const big = { data: new Float32Array(rows * cols), shape: [rows, cols] as [number, number] };
    const e = await refused(() => model().fit(big, new Int32Array(rows)));
    expect(e.message).toMatch(/^cannot allocate 4\.5 GiB for fit: .*the data \(12000 rows\) 4\.5 GiB/);
  });

  it('predict and evaluate on it: refused', async () => {
    const big = { data: new Float32Array(rows * cols), shape: [rows, cols] as [number, number] };
    const e = await refused(() => model().predict(big));
    expect(e.message).toMatch(/^cannot allocate 4\.6 GiB for predict: .*the data \(12000 rows\) 4\.5 GiB/);
    await refused(() => model().evaluate(big, new Int32Array(rows)));
  });

  it('validation data counts too', async () => {
    const half = { data: new Float32Array((rows / 2) * cols), shape: [rows / 2, cols] as [number, number] };
    await refused(() => model().fit(half, new Int32Array(rows / 2), { validationData: [half, new Int32Array(rows / 2)] }));
  });
});

describe('a batch that cannot fit', () => {
  it('fit with a batch whose activations exceed 4 GiB: refused, naming them', async () => {
    // 32,768 rows × (3 layers × 3 slots × 4,096 units) f32 ≈ 4.5 GiB of activations; the data is 256 KiB.
    const rows = 32_768;
    const m = compiled([
      dense({ units: 4096, activation: 'tanh', inputShape: [8] }),
      dropout({ rate: 0.1 }),
      dense({ units: 4096, activation: 'tanh' }),
      dense({ units: 3, activation: 'softmax' }),
    ]);
    const e = await refused(() => m.fit({ data: new Uint8Array(rows * 8), shape: [rows, 8] }, new Int32Array(rows), { batchSize: rows }));
    expect(e.message).toMatch(/^cannot allocate 4\.8 GiB for fit: .*activations for batches of 32768 rows 4\.5 GiB/);
  });

  it('fitDataset and trainOnBatch with such a batch: refused', async () => {
    const rows = 65_536;
    const make = () => compiled([dense({ units: 4096, activation: 'tanh', inputShape: [8] }), dense({ units: 4096, activation: 'tanh' }), dense({ units: 3, activation: 'softmax' })]);
    const batch = { x: { data: new Uint8Array(rows * 8), shape: [rows, 8] as [number, number] }, y: new Int32Array(rows) };
    await refused(() => make().fitDataset([batch]));
    await refused(() => make().trainOnBatch(batch.x, batch.y));
  });
});
