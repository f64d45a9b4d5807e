// Guarantee 2 (numerical failure): when the loss, a gradient or a weight becomes NaN or Infinity,
// training stops with a NumericError naming the epoch and batch and suggesting a lower learning
// rate, and the model is left exactly as it was after the previous batch (proved bit for bit
// against a twin run stopped there with stopTraining). With terminateOnNaN the fit resolves
// instead, with the same weights. The NaNs here come from inside the network (learning rates far
// too large), not from the input, which is checked before training.
import { describe, expect, it } from 'vitest';
import { type Sequential, NumericError, batchNormalization, dense, piecewiseConstantDecay, sequential, sgd, terminateOnNaN } from '../../src/index.js';
import { type TrainingState, dataset, epochAndBatch, expectSameBits, expectSameState, mlp, stateAfter, trainingState } from './helpers.js';

const { x, labels, targets, cols, rows } = dataset(256, 8);
const batchSize = 32;
const steps = rows / batchSize;

interface Scenario {
  name: string;
  make: () => Sequential;
  y: Float32Array | Int32Array;
  /** Which check fires, as the message says it. */
  what: RegExp;
  lr: number;
}

const scenarios: Scenario[] = [
  {
    // Softmax classifier with batch normalisation (whose moving statistics move in the forward
    // pass and must be restored too): the weights grow until the logits overflow.
    name: 'the loss (softmax + cross-entropy, batch normalisation)',
    make: () => {
      const m = sequential([
        dense({ units: 16, activation: 'relu', inputShape: [cols] }),
        batchNormalization(),
        dense({ units: 16, activation: 'relu' }),
        dense({ units: 3, activation: 'softmax' }),
      ]);
      m.compile({ optimizer: sgd({ learningRate: 50 }), loss: 'sparseCategoricalCrossentropy' });
      return m;
    },
    y: labels,
    what: /the loss became (NaN|-?Infinity)/,
    lr: 50,
  },
  {
    // Regression: the outputs stay finite while ∂L/∂W = Xᵀ·dY overflows.
    name: 'a gradient (mse regression)',
    make: () => mlp(cols, 1, sgd({ learningRate: 1 })),
    y: targets,
    what: /a gradient became NaN or Infinity/,
    lr: 1,
  },
  {
    // A finite gradient times an absurd learning rate overflows in the update itself: the rate
    // jumps from 0.01 to 1e37 after 10 steps (so the failure is mid-epoch), with momentum.
    name: 'a weight (the update overflows)',
    make: () => mlp(cols, 1, sgd({ learningRate: piecewiseConstantDecay({ boundaries: [10], values: [0.01, 1e37] }), momentum: 0.9 })),
    y: targets.map((t) => 100 * t),
    what: /a weight became NaN or Infinity/,
    lr: 1e37,
  },
];

const fitArrays = (y: Float32Array | Int32Array) => (m: Sequential, o: object) => m.fit(x, y, { batchSize, seed: 3, ...o });

describe.each(scenarios)('NaN or Infinity in $name', ({ make, y, what, lr }) => {
  const options = { epochs: 20, batchSize, seed: 3 };

  async function failedRun(): Promise<{ error: NumericError; state: TrainingState; model: Sequential }> {
    const m = make();
    const error = await m.fit(x, y, options).then(
      () => {
        throw new Error('training did not fail');
      },
      (e) => e,
    );
    return { error, state: trainingState(m), model: m };
  }

  it('fit rejects with NumericError naming epoch and batch, and suggesting a lower learning rate', async () => {
    const { error, model } = await failedRun();
    expect(error).toBeInstanceOf(NumericError);
    expect(error.message).toMatch(what);
    expect(error.message).toMatch(/at epoch \d+, batch \d+; the weights were not updated by that batch/);
    expect(error.message).toMatch(new RegExp(`lower learning rate \\(now ${String(lr).replace('+', '\\+')}\\)`));
    model.dispose();
  });

  it('the model is exactly as after the previous batch: weights and moving statistics; optimizer state and step unless the update itself overflowed', async () => {
    const { error, state, model } = await failedRun();
    model.dispose();
    const [epoch, batch] = epochAndBatch(error.message);
    expect(epoch * steps + batch, 'fails mid-run, not on the first batch').toBeGreaterThan(2);
    const twin = await stateAfter(make, fitArrays(y), epoch, batch - 1, steps, options);
    expect(state.weights.every((w) => w.every(Number.isFinite))).toBe(true);
    expectSameBits(state.weights, twin.weights, 'weights');
    // A loss or gradient failure is caught before the optimizer runs. An overflow in the update is
    // caught after it, when the optimizer has already taken in the (finite) gradient: the weights
    // are restored, its moments are not (docs/guarantees.md).
    if (/weight became/.test(error.message)) expect(state.iterations).toBe(twin.iterations + 1);
    else expectSameState(state, twin, 'training state');
  });

  it('with terminateOnNaN the fit resolves instead, with the same weights and the completed epochs', async () => {
    const { error, state, model } = await failedRun();
    model.dispose();
    const [epoch] = epochAndBatch(error.message);
    const m = make();
    const stop = terminateOnNaN();
    const warn = console.warn;
    console.warn = () => {};
    const h = await m.fit(x, y, { ...options, callbacks: [stop] }).finally(() => (console.warn = warn));
    expect(h.epoch.length).toBeLessThanOrEqual(epoch + 1);
    expect(h.epoch.slice(0, epoch)).toEqual(Array.from({ length: epoch }, (_, i) => i));
    expectSameState(trainingState(m), state, 'terminateOnNaN vs NumericError');
    m.dispose();
  });
});

describe('other entry points', () => {
  const make = scenarios[0].make;

  it('fitDataset: NumericError names epoch and batch; the weights are those of the twin stopped after the previous batch', async () => {
    // The same batches fit would give without shuffling, as a fresh iterable per epoch.
    const batches = () =>
      (function* () {
        for (let b = 0; b < steps; b++) yield [x.subarray(b * batchSize * cols, (b + 1) * batchSize * cols), labels.subarray(b * batchSize, (b + 1) * batchSize)] as [Float32Array, Int32Array];
      })();
    const m = make();
    const error = await m.fitDataset(batches, { epochs: 20, seed: 3 }).catch((e) => e);
    expect(error).toBeInstanceOf(NumericError);
    const [epoch, batch] = epochAndBatch(error.message);
    const twin = await stateAfter(make, (t, o) => t.fitDataset(batches, o), epoch, batch - 1, steps, { seed: 3 });
    expectSameState(trainingState(m), twin, 'fitDataset');
    m.dispose();
  });

  it('trainOnBatch: NumericError, and the weights are unchanged by that batch', () => {
    const m = mlp(cols, 1, sgd({ learningRate: 1e37 }));
    m.build({ seed: 1 });
    const before = m.getWeights().map((w) => w.data);
    expect(() => m.trainOnBatch(x.subarray(0, 4 * cols), targets.subarray(0, 4).map((t) => 100 * t))).toThrow(/a weight became NaN or Infinity at trainOnBatch.*lower learning rate/);
    expectSameBits(m.getWeights().map((w) => w.data), before, 'trainOnBatch weights');
    m.dispose();
  });
});
