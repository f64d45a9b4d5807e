// Callbacks: each built-in one against a hand-traced sequence of epochs (driven directly, with a
// stand-in model), then end to end in fit; the hook order; stopping from any hook.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  csvLogger,
  dense,
  earlyStopping,
  jsonLinesLogger,
  learningRateScheduler,
  loadModel,
  modelCheckpoint,
  NumericError,
  reduceLROnPlateau,
  sequential,
  sgd,
  terminateOnNaN,
  ValueError,
  type Logs,
  type Sequential,
} from '../../src/index.js';
import { rows } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'dendrite-callbacks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for the model: weights are the epoch number they were taken at. */
function fakeModel(lr = 1) {
  let epoch = -1;
  const opt = { learningRate: lr };
  const model = {
    stopTraining: false,
    restored: undefined as number | undefined,
    core: { compiled: { optimizer: opt, metrics: [{ name: 'accuracy', direction: 'max' }] } },
    getWeights: () => [{ name: 'w', shape: [1], data: new Float32Array([epoch]) }],
    setWeights: (w: { data: Float32Array }[]) => void (model.restored = w[0].data[0]),
    at: (e: number) => void (epoch = e),
  };
  return model;
}

/** Feed values of `key` to a callback epoch by epoch; returns the epoch at which it stopped training (or -1). */
function drive(cb: { setModel(m: Sequential): void; onTrainBegin?(l: Logs): void; onEpochEnd?(e: number, l: Logs): void | Promise<void>; onTrainEnd?(l: Logs): void }, model: ReturnType<typeof fakeModel>, key: string, values: number[]): number {
  cb.setModel(model as unknown as Sequential);
  cb.onTrainBegin?.({});
  let stopped = -1;
  for (const [e, v] of values.entries()) {
    model.at(e);
    void cb.onEpochEnd?.(e, { [key]: v });
    if (model.stopTraining) {
      stopped = e;
      break;
    }
  }
  cb.onTrainEnd?.({});
  return stopped;
}

describe('earlyStopping', () => {
  it('patience 2 on valLoss: the wait reaches 2 at epoch 3', () => {
    // best 1 (e0), 0.9 (e1); e2 0.95 wait 1; e3 0.94 wait 2 → stop.
    expect(drive(earlyStopping({ patience: 2 }), fakeModel(), 'valLoss', [1, 0.9, 0.95, 0.94, 0.5])).toBe(3);
  });

  it('minDelta: improvements smaller than it do not count', () => {
    // 1 → 0.95 (< 0.1 better) wait 1 → 0.89 (better than 1 by 0.11) resets → 0.85 wait 1 → 0.84 wait 2 → stop at 4.
    expect(drive(earlyStopping({ patience: 2, minDelta: 0.1 }), fakeModel(), 'valLoss', [1, 0.95, 0.89, 0.85, 0.84, 0.1])).toBe(4);
  });

  it('mode auto maximises accuracy; never stops at epoch 0; Keras spelling of the monitor', () => {
    expect(drive(earlyStopping({ monitor: 'val_accuracy', patience: 0 }), fakeModel(), 'valAccuracy', [0.5, 0.6, 0.55])).toBe(2);
    expect(drive(earlyStopping({ monitor: 'valAccuracy', patience: 0, mode: 'min' }), fakeModel(), 'valAccuracy', [0.5, 0.6])).toBe(1);
  });

  it('baseline: the wait restarts only once the baseline is beaten', () => {
    // baseline 0.5: e0 0.8 best (wait stays 1), e1 0.7 best (wait 2) → patience 2 reached at e1? no: an improvement returns before the check.
    // e2 0.75 not better → wait 3 ≥ 2 → stop at 2.
    expect(drive(earlyStopping({ patience: 2, baseline: 0.5 }), fakeModel(), 'valLoss', [0.8, 0.7, 0.75, 0.1])).toBe(2);
  });

  it('restoreBestWeights restores the best epoch at the end of training', () => {
    const model = fakeModel();
    drive(earlyStopping({ patience: 1, restoreBestWeights: true }), model, 'valLoss', [1, 0.5, 0.7, 0.8]);
    expect(model.restored).toBe(1);
  });

  it('an unknown monitor in auto mode is an error; a missing one warns and is ignored', () => {
    expect(() => drive(earlyStopping({ monitor: 'valF1' }), fakeModel(), 'valF1', [1])).toThrow(/cannot tell whether "valF1" should go up or down/);
    expect(drive(earlyStopping({ monitor: 'valLoss', patience: 0 }), fakeModel(), 'loss', [1, 2, 3])).toBe(-1);
  });

  it('in fit: stops after `patience` epochs without improvement and restores the best epoch\'s weights', async () => {
    const m = sequential([dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse' });
    const scores = [0.1, 0.5, 0.4, 0.45, 0.3, 0.9];
    const weights: Float32Array[] = [];
    // A callback placed before earlyStopping adds the monitored value to the epoch's logs.
    const scorer = { onEpochEnd: (e: number, logs: Logs) => void ((logs.score = scores[e]), weights.push(m.getWeights()[0].data)) };
    const es = earlyStopping({ monitor: 'score', mode: 'max', patience: 2, restoreBestWeights: true });
    const h = await m.fit([[1], [2]], [[2], [4]], { epochs: 6, batchSize: 1, seed: 1, callbacks: [scorer, es] });
    // best 0.5 at epoch 1; epochs 2 and 3 do not improve → stop at 3.
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    expect(h.history.score).toEqual([0.1, 0.5, 0.4, 0.45]);
    expect([es.stoppedEpoch, es.bestEpoch, es.best]).toEqual([3, 1, 0.5]);
    expect(Array.from(m.getWeights()[0].data)).toEqual(Array.from(weights[1]));
    expect(Array.from(weights[3])).not.toEqual(Array.from(weights[1]));
  });
});

describe('reduceLROnPlateau', () => {
  it('factor 0.5, patience 1, cooldown 1, minLr 0.2, hand-traced', () => {
    const model = fakeModel(1);
    const cb = reduceLROnPlateau({ factor: 0.5, patience: 1, cooldown: 1, minLr: 0.2 });
    const lrs: number[] = [];
    cb.setModel(model as unknown as Sequential);
    cb.onTrainBegin();
    // e0 1.0 best; e1 1.0 no improvement (minDelta 1e-4) wait 1 → lr 0.5, cooldown 1;
    // e2 1.0 cooldown → 0, wait 0, no wait increase (in cooldown at the check? counter now 0 → wait 1 → lr 0.25, cooldown 1);
    // e3 1.0 cooldown → 0, wait → 1 → lr max(0.125, 0.2) = 0.2; e4: lr 0.2 is not > minLr → stays.
    for (const [e, v] of [1, 1, 1, 1, 1].entries()) {
      const logs: Logs = { valLoss: v };
      cb.onEpochEnd(e, logs);
      lrs.push(model.core.compiled.optimizer.learningRate);
      expect(logs.learningRate).toBeDefined();
    }
    expect(lrs).toEqual([1, 0.5, 0.25, 0.2, 0.2]);
    expect(() => reduceLROnPlateau({ factor: 1 })).toThrow(/factor >= 1/);
  });

  it('an improvement resets the wait', () => {
    const model = fakeModel(1);
    const cb = reduceLROnPlateau({ factor: 0.1, patience: 2, monitor: 'loss' });
    cb.setModel(model as unknown as Sequential);
    cb.onTrainBegin();
    for (const [e, v] of [1, 1, 0.5, 0.6, 0.7].entries()) cb.onEpochEnd(e, { loss: v });
    expect(model.core.compiled.optimizer.learningRate).toBeCloseTo(0.1, 12);
  });
});

describe('learningRateScheduler, terminateOnNaN', () => {
  it('sets the rate per epoch and records it in the history', async () => {
    const m = sequential([dense({ units: 1, inputShape: [1] })]);
    const opt = sgd({ learningRate: 0.1 });
    m.compile({ optimizer: opt, loss: 'mse' });
    const seen: number[] = [];
    const h = await m.fit([[1], [2]], [[1], [2]], {
      epochs: 3,
      seed: 1,
      callbacks: [learningRateScheduler((epoch, lr) => (epoch === 0 ? 0.05 : lr / 2)), { onEpochBegin: () => void seen.push(opt.learningRate) }],
    });
    expect(seen).toEqual([0.05, 0.025, 0.0125]);
    expect(h.history.learningRate).toEqual(seen);
  });

  it('terminateOnNaN ends training gracefully where fit would reject, keeping the last good weights', async () => {
    const make = () => {
      const m = sequential([dense({ units: 1, inputShape: [1] })]);
      m.compile({ optimizer: sgd({ learningRate: 1e20 }), loss: 'mse' });
      return m;
    };
    const x = [[1e10], [2e10]], y = [[1], [2]];
    await expect(make().fit(x, y, { epochs: 5, batchSize: 1, seed: 1, shuffle: false })).rejects.toThrow(NumericError);
    const m = make();
    const stop = terminateOnNaN();
    const h = await m.fit(x, y, { epochs: 5, batchSize: 1, seed: 1, shuffle: false, callbacks: [stop] });
    expect(stop.stoppedBatch).toBeDefined();
    expect(h.epoch.length).toBe(1);
    expect(m.getWeights().every((w) => w.data.every(Number.isFinite))).toBe(true);
  });
});

describe('modelCheckpoint', () => {
  it('saveBestOnly calls save only when the monitored value improves', async () => {
    const saved: number[] = [];
    const cb = modelCheckpoint({ save: (_m, epoch) => void saved.push(epoch), monitor: 'valAccuracy', saveBestOnly: true });
    cb.setModel(fakeModel() as unknown as Sequential);
    cb.onTrainBegin();
    for (const [e, v] of [0.5, 0.7, 0.6, 0.7, 0.8].entries()) await cb.onEpochEnd(e, { valAccuracy: v });
    expect(saved).toEqual([0, 1, 4]);
  });

  it('writes loadable files named from the template every epoch', async () => {
    const m = sequential([dense({ units: 2, inputShape: [2], activation: 'softmax' })]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const path = join(dir, 'ck-{epoch:02d}-{loss:.3f}.dnd');
    const h = await m.fit([[0, 1], [1, 0]], [0, 1], { epochs: 2, seed: 1, callbacks: modelCheckpoint({ path }) });
    const last = join(dir, `ck-02-${h.history.loss[1].toFixed(3)}.dnd`);
    const loaded = await loadModel(last);
    expect(Array.from(loaded.getWeights()[0].data)).toEqual(Array.from(m.getWeights()[0].data));
    expect(() => modelCheckpoint({} as never)).toThrow(ValueError);
  });
});

describe('loggers', () => {
  it('csvLogger writes a header and one row per epoch; jsonLinesLogger one object per line', async () => {
    const m = sequential([dense({ units: 1, inputShape: [2] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const lines: string[] = [];
    const csv = join(dir, 'log.csv');
    const h = await m.fit(rows(8, 2, 1), rows(8, 1, 2), {
      epochs: 3, seed: 2, validationSplit: 0.25,
      callbacks: [csvLogger({ path: csv }), jsonLinesLogger({ write: (l) => void lines.push(l) })],
    });
    const text = readFileSync(csv, 'utf8').trim().split('\n');
    expect(text[0]).toBe('epoch,loss,mae,valLoss,valMae');
    expect(text.length).toBe(4);
    expect(text[2].split(',').map(Number)).toEqual([1, h.history.loss[1], h.history.mae[1], h.history.valLoss[1], h.history.valMae[1]]);
    expect(lines.map((l) => JSON.parse(l))).toEqual(h.epoch.map((e) => ({ epoch: e, ...Object.fromEntries(Object.entries(h.history).map(([k, v]) => [k, v[e]])) })));
    // append: no second header
    await m.fit(rows(8, 2, 1), rows(8, 1, 2), { epochs: 1, callbacks: csvLogger({ path: csv, append: true }) });
    expect(readFileSync(csv, 'utf8').trim().split('\n').length).toBe(5);
  });
});

describe('custom callbacks', () => {
  it('hooks run in Keras order and may be async', async () => {
    const m = sequential([dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const calls: string[] = [];
    await m.fit([[1], [2], [3]], [[1], [2], [3]], {
      epochs: 2, batchSize: 2, seed: 1,
      callbacks: {
        onTrainBegin: () => void calls.push('trainBegin'),
        onEpochBegin: async (e) => void calls.push(`epochBegin ${e}`),
        onBatchBegin: (b) => void calls.push(`batchBegin ${b}`),
        onBatchEnd: (b, logs) => void calls.push(`batchEnd ${b} ${logs.size}`),
        onEpochEnd: (e) => void calls.push(`epochEnd ${e}`),
        onTrainEnd: () => void calls.push('trainEnd'),
      },
    });
    expect(calls).toEqual([
      'trainBegin',
      'epochBegin 0', 'batchBegin 0', 'batchEnd 0 2', 'batchBegin 1', 'batchEnd 1 1', 'epochEnd 0',
      'epochBegin 1', 'batchBegin 0', 'batchEnd 0 2', 'batchBegin 1', 'batchEnd 1 1', 'epochEnd 1',
      'trainEnd',
    ]);
  });

  it.each(['onTrainBegin', 'onEpochBegin', 'onBatchBegin', 'onBatchEnd', 'onEpochEnd'])('%s can stop training', async (hook) => {
    const m = sequential([dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    let batches = 0;
    const h = await m.fit([[1], [2], [3], [4]], [[1], [2], [3], [4]], {
      epochs: 3, batchSize: 1, seed: 1,
      callbacks: [{ [hook]: () => void (m.stopTraining = true) }, { onBatchEnd: () => void batches++ }],
    });
    const expected = { onTrainBegin: [0, 0], onEpochBegin: [1, 0], onBatchBegin: [1, 1], onBatchEnd: [1, 1], onEpochEnd: [1, 4] }[hook]!;
    expect([h.epoch.length, batches]).toEqual(expected);
  });
});
