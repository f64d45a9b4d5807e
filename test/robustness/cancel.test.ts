// Guarantee 3 (cancellation): aborting fit mid-epoch rejects with AbortError and leaves the model
// exactly as after the last completed batch — proved bit for bit (weights, optimizer state and
// step) against a twin run stopped with stopTraining after that batch — and a following fit
// continues from there as the twin does. Aborts come from a callback, from a timer while fit
// yields to the event loop (at a chosen moment, through a controlled clock), before fit starts,
// and in fitDataset.
import { describe, expect, it, vi } from 'vitest';
import { AbortError, type Sequential, adam } from '../../src/index.js';
import { dataset, epochAndBatch, expectSameState, mlp, stateAfter, trainingState } from './helpers.js';

const { x, labels, cols, rows } = dataset(512, 8, 11);
const batchSize = 16;
const steps = rows / batchSize;
const make = () => mlp(cols, 3, adam({ learningRate: 0.01 }));
const options = { epochs: 50, batchSize, seed: 5 };
const fitArrays = (m: Sequential, o: object) => m.fit(x, labels, { ...options, ...o });

async function expectAbort(run: Promise<unknown>): Promise<AbortError> {
  const error = await run.then(
    () => {
      throw new Error('fit was not aborted');
    },
    (e) => e,
  );
  expect(error).toBeInstanceOf(AbortError);
  return error;
}

describe('aborting fit', () => {
  it('from a callback mid-epoch: the model is as after that batch, and a following fit continues like the twin', async () => {
    const controller = new AbortController();
    const m = make();
    let epoch = -1;
    const error = await expectAbort(
      m.fit(x, labels, {
        ...options,
        shuffle: false,
        signal: controller.signal,
        callbacks: { onEpochBegin: (e) => void (epoch = e), onBatchEnd: (b) => void (epoch === 2 && b === 7 && controller.abort()) },
      }),
    );
    expect(error.message).toMatch(/fit aborted at epoch 2, batch 7; the weights are those after that batch/);
    expect((error.history as { epoch: number[] }).epoch).toEqual([0, 1]);
    const twin = make();
    await twin.fit(x, labels, { ...options, shuffle: false, callbacks: { onEpochBegin: (e) => void (epoch = e), onBatchEnd: (b) => void (epoch === 2 && b === 7 && (twin.stopTraining = true)) } });
    expectSameState(trainingState(m), trainingState(twin), 'aborted vs stopped');
    // Continuing: both go on from the same state (without shuffling, where the epoch count the
    // stopped twin advanced would pick another order) and stay bit-identical.
    const [a, b] = await Promise.all([m, twin].map((t) => t.fit(x, labels, { epochs: 2, batchSize, shuffle: false })));
    expect(a.history.loss).toEqual(b.history.loss);
    expect(a.history.loss[1]).toBeLessThan(a.history.loss[0]);
    expectSameState(trainingState(m), trainingState(twin), 'after continuing');
    m.dispose();
    twin.dispose();
  });

  it('from a timer that fires while fit yields to the event loop: AbortError names where it stopped, and the model is exactly there', async () => {
    // Fit yields to the event loop when enough time has passed since its last yield; a controlled
    // clock makes that time pass at a chosen moment (the start of epoch 2, where a timer is also
    // set), so the abort lands in the same yield of the same batch on every run, however busy the
    // machine. No batch hook is set: fit stays on its fast path, as a real training loop does.
    let clock = 0;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const m = make();
    const controller = new AbortController();
    let error: AbortError;
    try {
      const atEpoch2 = { onEpochBegin: (e: number) => void (e === 2 && (setTimeout(() => controller.abort(), 0), (clock += 1000))) };
      error = await expectAbort(m.fit(x, labels, { ...options, signal: controller.signal, callbacks: atEpoch2 }));
    } finally {
      spy.mockRestore();
    }
    // The abort lands while fit yields, so it names the batch it stopped before.
    expect(error.message).toMatch(/fit aborted at epoch 2 before batch \d+; the weights are those after the previous batch/);
    const [epoch, batch] = epochAndBatch(error.message);
    expect(batch).toBeGreaterThan(0);
    expect(batch).toBeLessThan(steps);
    expect(trainingState(m).iterations).toBe(epoch * steps + batch);
    // The twin stops after the batch before (stopTraining) and is the same, bit for bit.
    const twin = make();
    let e = -1;
    await twin.fit(x, labels, { ...options, callbacks: { onEpochBegin: (i) => void (e = i), onBatchEnd: (b) => void (e === epoch && b === batch - 1 && (twin.stopTraining = true)) } });
    expectSameState(trainingState(m), trainingState(twin), 'aborted by a timer vs stopped');
    // Both train on from there and stay identical, with finite, falling loss.
    const [a, b] = await Promise.all([m, twin].map((t) => t.fit(x, labels, { epochs: 3, batchSize, shuffle: false })));
    expect(a.history.loss).toEqual(b.history.loss);
    expect(a.history.loss.every(Number.isFinite)).toBe(true);
    expect(a.history.loss[2]).toBeLessThan(a.history.loss[0]);
    expectSameState(trainingState(m), trainingState(twin), 'after continuing');
    m.dispose();
    twin.dispose();
  });

  it('with a signal aborted before fit starts: rejects before any work, the weights untouched', async () => {
    const m = make();
    m.build({ seed: 5 });
    const before = m.getWeights().map((w) => w.data);
    const error = await expectAbort(m.fit(x, labels, { ...options, signal: AbortSignal.abort() }));
    expect(error.message).toMatch(/before (it started|the first batch)/);
    expect(m.core.compiled!.optimizer.iterations).toBe(0);
    m.getWeights().forEach((w, i) => expect(Buffer.from(w.data.buffer).equals(Buffer.from(before[i].buffer))).toBe(true));
    m.dispose();
  });

  it('during an await between batches (an async callback): no further batch is trained', async () => {
    const controller = new AbortController();
    const m = make();
    let epoch = -1;
    const error = await expectAbort(
      m.fit(x, labels, {
        ...options,
        signal: controller.signal,
        callbacks: {
          onEpochBegin: (e) => void (epoch = e),
          // The abort arrives while fit waits for this hook of batch 4 to finish.
          onBatchBegin: async (b) => {
            if (epoch === 1 && b === 4) await new Promise((r) => setTimeout(() => r(controller.abort()), 5));
          },
        },
      }),
    );
    expect(error.message).toMatch(/fit aborted at epoch 1 before batch 4; the weights are those after the previous batch/);
    const last = 3;
    expectSameState(trainingState(m), await stateAfter(make, fitArrays, 1, last, steps, {}), 'aborted in onBatchBegin');
    m.dispose();
  });

  it('fitDataset: the model is as after the last completed batch', async () => {
    const batches = () =>
      (function* () {
        for (let b = 0; b < steps; b++) yield { x: x.subarray(b * batchSize * cols, (b + 1) * batchSize * cols), y: labels.subarray(b * batchSize, (b + 1) * batchSize) };
      })();
    const controller = new AbortController();
    const m = make();
    let epoch = -1;
    const error = await expectAbort(
      m.fitDataset(batches, {
        epochs: 5,
        seed: 5,
        signal: controller.signal,
        callbacks: { onEpochBegin: (e) => void (epoch = e), onBatchEnd: (b) => void (epoch === 1 && b === 20 && controller.abort()) },
      }),
    );
    expect(epochAndBatch(error.message)).toEqual([1, 20]);
    expectSameState(trainingState(m), await stateAfter(make, (t, o) => t.fitDataset(batches, o), 1, 20, steps, { seed: 5 }), 'fitDataset');
    m.dispose();
  });
});
