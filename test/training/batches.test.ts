// Data larger than memory: fitDataset / fit from sync and async iterables of batches (with
// stepsPerEpoch and validation from another iterable), and trainOnBatch / testOnBatch /
// predictOnBatch. Streamed training must equal array training on the same batches, bit for bit.
import { describe, expect, it, vi } from 'vitest';
import { dense, dropout, getEngine, sequential, ValueError, type Batch, type Sequential } from '../../src/index.js';
import { rows } from './helpers.js';

const x = rows(24, 3, 71);
const y = x.map((r) => (r[0] + r[1] > 0 ? 1 : r[2] > 0 ? 2 : 0));

function model(seed = 1): Sequential {
  const m = sequential([dense({ units: 8, inputShape: [3], activation: 'relu' }), dropout({ rate: 0.2 }), dense({ units: 3, activation: 'softmax' })]);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  m.build({ seed });
  return m;
}

/** Batches of `size` rows in order, as {x, y} objects. */
function* batches(size: number): Generator<Batch> {
  for (let i = 0; i < x.length; i += size) yield { x: x.slice(i, i + size), y: y.slice(i, i + size) };
}

const same = (a: Sequential, b: Sequential) =>
  a.getWeights().forEach((w, i) => expect(Buffer.from(w.data.buffer).equals(Buffer.from(b.getWeights()[i].data.buffer)), w.name).toBe(true));

describe('fitDataset', () => {
  it('a generator function per epoch trains exactly as fit on the same (unshuffled) batches', async () => {
    const a = model(), b = model();
    const ha = await a.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, seed: 5 });
    const hb = await b.fitDataset(() => batches(8), { epochs: 3, seed: 5 });
    same(a, b);
    expect(hb.history).toEqual(ha.history);
  });

  it('async iterables work too, and fit(batches, options) is fitDataset', async () => {
    const a = model(), b = model();
    await a.fitDataset(() => batches(6), { epochs: 2, seed: 2 });
    async function* stream() {
      for (const batch of batches(6)) {
        await new Promise((r) => setTimeout(r, 0));
        yield [batch.x, batch.y] as Batch;
      }
    }
    await b.fit(stream, { epochs: 2, seed: 2 });
    same(a, b);
  });

  it('stepsPerEpoch continues the iterator across epochs and restarts a finite re-iterable source', async () => {
    const list = [...batches(8)]; // 3 batches, an array can be iterated again
    const a = model(), b = model();
    const h = await a.fitDataset(list, { epochs: 3, stepsPerEpoch: 2, seed: 3 });
    expect(h.epoch).toEqual([0, 1, 2]);
    // The same sequence spelled out: b0 b1 | b2 b0 | b1 b2.
    await b.fitDataset([0, 1, 2, 0, 1, 2].map((i) => list[i]), { epochs: 1, seed: 3 });
    same(a, b);
  });

  it('a one-shot generator that runs out stops training with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const h = await model().fitDataset(batches(8), { epochs: 3 });
      expect(h.epoch).toEqual([0]);
      // 3 batches: epoch 1 gets one and is recorded (as Keras does), then training stops.
      const h2 = await model().fitDataset(batches(8), { epochs: 3, stepsPerEpoch: 2 });
      expect(h2.epoch).toEqual([0, 1]);
      expect(warn).toHaveBeenCalledTimes(2);
    } finally {
      warn.mockRestore();
    }
  });

  it('validation from another iterable (or arrays) gives the evaluate values', async () => {
    const m = model();
    const h = await m.fitDataset(() => batches(8), { epochs: 1, seed: 1, validationData: () => batches(5) });
    const ref = m.evaluate(x, y);
    expect(h.history.valLoss[0]).toBeCloseTo(ref.loss, 6);
    expect(h.history.valAccuracy[0]).toBeCloseTo(ref.accuracy, 10);
    const h2 = await m.fitDataset(() => batches(8), { epochs: 1, validationData: [x, y], validationSteps: 1 });
    expect(h2.history.valLoss[0]).toBeCloseTo(m.evaluate(x, y).loss, 6);
    const h3 = await m.fitDataset(() => batches(8), { epochs: 1, validationData: () => batches(5), validationSteps: 1 });
    expect(h3.history.valLoss[0]).toBeCloseTo(m.evaluate(x.slice(0, 5), y.slice(0, 5)).loss, 6);
  });

  it('growing batch sizes grow the slots once; repeated runs do not grow memory', async () => {
    const engine = getEngine();
    const run = async () => {
      const m = model();
      await m.fitDataset(() => [4, 8, 12].map((n) => ({ x: x.slice(0, n), y: y.slice(0, n) })), { epochs: 2 });
      m.dispose();
    };
    await run();
    const used = engine.info().usedBytes;
    for (let i = 0; i < 10; i++) await run();
    expect(engine.info().usedBytes).toBe(used);
  });

  it('bad batches and empty data are named errors', async () => {
    await expect(model().fitDataset([], { epochs: 1 })).rejects.toThrow(/gave no batches/);
    await expect(model().fitDataset([{ x } as never], { epochs: 1 })).rejects.toThrow(/needs targets/);
    await expect(model().fitDataset([7 as never], { epochs: 1 })).rejects.toThrow(ValueError);
    await expect(model().fitDataset(42 as never)).rejects.toThrow(/iterable or async iterable of batches/);
  });
});

describe('trainOnBatch, testOnBatch, predictOnBatch', () => {
  it('trainOnBatch is one fit step on that batch; testOnBatch is evaluate; predictOnBatch is predict', async () => {
    const a = model(), b = model();
    await a.fit(x, y, { epochs: 1, batchSize: 24, shuffle: false });
    const logs = b.trainOnBatch(x, y);
    same(a, b);
    expect(Object.keys(logs)).toEqual(['loss', 'accuracy']);
    const ev = b.evaluate(x, y);
    const t = b.testOnBatch(x, y);
    expect(t.loss).toBeCloseTo(ev.loss, 6);
    expect(t.accuracy).toBe(ev.accuracy);
    expect(Array.from(b.predictOnBatch(x).data)).toEqual(Array.from(b.predict(x).data));
  });
});
