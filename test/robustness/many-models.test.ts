// Guarantee 5 (many models): several models in one engine, trained and queried interleaved — fits
// running concurrently batch by batch, predictions of one taken in the middle of another's epoch,
// memory growing under them as a new model arrives — end with exactly the weights of separate
// runs; disposing them returns the engine to its baseline. A model refuses what would corrupt it
// (a second fit at once, compile while fitting) and a dispose during its fit waits for the fit.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine, type Sequential, StateError, adam, dense, dropout, rmsprop, sequential, sgd } from '../../src/index.js';
import { dataset, expectSameBits, expectSameState, trainingState } from './helpers.js';

const wasm = readFileSync(new URL('../../build/dendrite.wasm', import.meta.url));
const { x, labels, targets, cols } = dataset(320, 6, 21);

/** Three different models: a classifier with dropout, a regressor, a wide classifier. */
const makers: ((engine: Engine) => Sequential)[] = [
  (engine) => {
    const m = sequential([dense({ units: 24, activation: 'relu', inputShape: [cols] }), dropout({ rate: 0.2 }), dense({ units: 3, activation: 'softmax' })], { engine });
    m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  },
  (engine) => {
    const m = sequential([dense({ units: 16, activation: 'tanh', inputShape: [cols] }), dense({ units: 1 })], { engine });
    m.compile({ optimizer: sgd({ learningRate: 0.05, momentum: 0.9 }), loss: 'mse' });
    return m;
  },
  (engine) => {
    const m = sequential([dense({ units: 64, activation: 'gelu', inputShape: [cols] }), dense({ units: 3, activation: 'softmax' })], { engine });
    m.compile({ optimizer: rmsprop(), loss: 'sparseCategoricalCrossentropy' });
    return m;
  },
];
const ys = [labels, targets, labels];
const fitOptions = (i: number) => ({ epochs: 6, batchSize: 16, seed: 100 + i, validationSplit: 0.2 });

/** Each model alone on its own fresh engine: the reference. */
async function separateRuns() {
  const out = [];
  for (let i = 0; i < makers.length; i++) {
    const m = makers[i](new Engine(wasm));
    const history = await m.fit(x, ys[i], fitOptions(i));
    out.push({ state: trainingState(m), history, predictions: m.predict(x).data });
  }
  return out;
}

describe('several models in one engine', () => {
  it('concurrent fits, interleaved batch by batch with predictions of the others and memory growing, give the weights of separate runs', async () => {
    const reference = await separateRuns();
    const engine = new Engine(wasm);
    const baseline = engine.info().usedBytes;
    const models = makers.map((make) => make(engine));
    let late: Sequential | undefined;
    let queries = 0;
    // Every batch yields to the event loop, so the three fits take turns batch by batch; between
    // batches each predicts with the next model (mid-epoch of that model's fit).
    const interleave = (i: number) => ({
      async onBatchEnd(batch: number) {
        await new Promise((r) => setImmediate(r));
        const other = models[(i + 1) % models.length];
        expect(other.predict(x.subarray(0, 5 * cols)).data.every(Number.isFinite)).toBe(true);
        queries++;
        // Midway, a new model arrives whose weights (8 MiB) make the memory grow under the fits.
        if (i === 0 && batch === 3 && !late) {
          late = sequential([dense({ units: 2048, inputShape: [1024] }), dense({ units: 2 })], { engine });
          late.build({ seed: 1 });
        }
      },
    });
    const memoryBefore = engine.info().memoryBytes;
    const histories = await Promise.all(models.map((m, i) => m.fit(x, ys[i], { ...fitOptions(i), callbacks: [interleave(i)] })));
    expect(engine.info().memoryBytes).toBeGreaterThan(memoryBefore);
    expect(queries).toBe(3 * 6 * 16);
    models.forEach((m, i) => {
      expectSameState(trainingState(m), reference[i].state, `model ${i}`);
      expect(histories[i].history).toEqual(reference[i].history.history);
      expectSameBits([m.predict(x).data], [reference[i].predictions], `model ${i} predictions`);
    });
    // Disposed, they give all their memory back.
    for (const m of [...models, late!]) m.dispose();
    expect(engine.info().usedBytes).toBe(baseline);
  });

  it('training one model, then another, then the first again, equals each trained without the other', async () => {
    const engine = new Engine(wasm);
    const [a, b] = [makers[0](engine), makers[1](engine)];
    const [ra, rb] = [makers[0](new Engine(wasm)), makers[1](new Engine(wasm))];
    for (const [m, y, seed] of [[a, labels, 1], [b, targets, 2], [a, labels, 3], [b, targets, 4]] as const) await m.fit(x, y, { epochs: 2, batchSize: 32, seed });
    for (const [m, y, seed] of [[ra, labels, 1], [ra, labels, 3], [rb, targets, 2], [rb, targets, 4]] as const) await m.fit(x, y, { epochs: 2, batchSize: 32, seed });
    expectSameState(trainingState(a), trainingState(ra), 'a');
    expectSameState(trainingState(b), trainingState(rb), 'b');
  });

  it('disposing models in any order returns the memory; the engine keeps working', async () => {
    const engine = new Engine(wasm);
    const baseline = engine.info().usedBytes;
    for (let round = 0; round < 3; round++) {
      const models = makers.map((make) => make(engine));
      await Promise.all(models.map((m, i) => m.fit(x, ys[i], { epochs: 1, batchSize: 32 })));
      models[1].dispose();
      expect(models[0].predict(x).rows).toBe(320);
      models[2].dispose();
      await models[0].fit(x, labels, { epochs: 1, batchSize: 64 });
      models[0].dispose();
      expect(engine.info().usedBytes).toBe(baseline);
    }
  });
});

describe('what would corrupt a model is refused', () => {
  it('a second fit while one runs: StateError; the running fit is unaffected', async () => {
    const [m, twin] = [makers[0](new Engine(wasm)), makers[0](new Engine(wasm))];
    // Yielding after every batch, so that the calls below come while it runs.
    const running = m.fit(x, labels, { epochs: 3, batchSize: 16, seed: 1, callbacks: { onBatchEnd: () => new Promise((r) => setImmediate(r)) } });
    await expect(m.fit(x, labels, { epochs: 1 })).rejects.toThrow(StateError);
    await expect(m.fit(x, labels, { epochs: 1 })).rejects.toThrow(/already running on this model/);
    await expect(m.fitDataset([[x, labels]])).rejects.toThrow(/already running on this model/);
    await running;
    await twin.fit(x, labels, { epochs: 3, batchSize: 16, seed: 1 });
    expectSameBits(m.getWeights().map((w) => w.data), twin.getWeights().map((w) => w.data), 'weights');
    // Once it has finished, fit works again.
    await m.fit(x, labels, { epochs: 1 });
  });

  it('compile during fit: StateError (it would free the optimizer state the fit is using)', async () => {
    const m = makers[0](new Engine(wasm));
    let error: unknown;
    await m.fit(x, labels, {
      epochs: 1,
      batchSize: 32,
      callbacks: {
        onBatchEnd: () => {
          try {
            m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
          } catch (e) {
            error ??= e;
          }
        },
      },
    });
    expect(error).toBeInstanceOf(StateError);
    expect((error as Error).message).toMatch(/cannot compile while fit is running/);
  });

  it('dispose during fit: training stops after the current batch, then the memory is freed; nothing else is disturbed', async () => {
    const engine = new Engine(wasm);
    const baseline = engine.info().usedBytes;
    const [m, other] = [makers[0](engine), makers[2](engine)];
    const otherTwin = makers[2](new Engine(wasm));
    let disposedAt = -1;
    const run = m.fit(x, labels, {
      epochs: 5,
      batchSize: 16,
      callbacks: {
        onBatchEnd: async (b) => {
          if (b === 4 && disposedAt < 0) {
            m.dispose();
            disposedAt = b;
            // Memory the disposed model held must not be reused while its fit still runs.
            await other.fit(x, labels, { epochs: 2, batchSize: 16, seed: 9 });
          }
        },
      },
    });
    const history = await run;
    expect(history.epoch).toEqual([0]);
    expect(() => m.predict(x)).toThrow(/disposed/);
    await otherTwin.fit(x, labels, { epochs: 2, batchSize: 16, seed: 9 });
    expectSameState(trainingState(other), trainingState(otherTwin), 'the other model');
    other.dispose();
    expect(engine.info().usedBytes).toBe(baseline);
  });
});
