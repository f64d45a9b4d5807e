// Shared by the robustness tests: seeded data, small models, the whole training state of a model
// (weights, optimizer state and step count), and a "twin" run that stops via stopTraining right
// after a given batch — the reference for "the weights after the last good / completed batch".
import { expect } from 'vitest';
import type { Callbacks } from '../../src/hooks.js';
import { type Engine, type FitOptions, type Optimizer, type Sequential, dense, sequential } from '../../src/index.js';

/** A seeded generator, uniform in [-1, 1). */
export function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** `rows` rows of `cols` features; 3 classes from a linear rule, and a regression target. */
export function dataset(rows: number, cols: number, seed = 7) {
  const r = uniform(seed);
  const x = Float32Array.from({ length: rows * cols }, r);
  const labels = Int32Array.from({ length: rows }, (_, i) => (x[i * cols] + x[i * cols + 1] > 0 ? 1 : 0) + (x[i * cols + 2] > 0.5 ? 1 : 0));
  const targets = Float32Array.from({ length: rows }, (_, i) => 3 * x[i * cols] - x[i * cols + 1]);
  return { x, labels, targets, rows, cols };
}

/** cols → 16 relu → 16 relu → `out` (softmax for classes, linear for regression). */
export function mlp(cols: number, out: number, optimizer: Optimizer, engine?: Engine): Sequential {
  const m = sequential(
    [
      dense({ units: 16, activation: 'relu', inputShape: [cols] }),
      dense({ units: 16, activation: 'relu' }),
      dense({ units: out, activation: out > 1 ? 'softmax' : 'linear' }),
    ],
    { engine },
  );
  m.compile({ optimizer, loss: out > 1 ? 'sparseCategoricalCrossentropy' : 'mse' });
  return m;
}

/** Everything training continues from: every weight, the optimizer's state vectors and step count. */
export interface TrainingState {
  weights: Float32Array[];
  optimizer: Float32Array[];
  iterations: number;
}

export function trainingState(m: Sequential): TrainingState {
  return {
    weights: m.getWeights().map((w) => w.data),
    optimizer: m.core.optState.map((p) => m.core.engine.readF32(p, m.core.paramCount)),
    iterations: m.core.compiled!.optimizer.iterations,
  };
}

/** Bit-for-bit equality of float arrays (NaN payloads and -0 included), naming the first difference. */
export function expectSameBits(a: Float32Array[], b: Float32Array[], what: string): void {
  expect(a.length, `${what}: number of arrays`).toBe(b.length);
  a.forEach((x, i) => {
    const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
    const v = new Uint32Array(b[i].buffer, b[i].byteOffset, b[i].length);
    expect(u.length, `${what}[${i}] length`).toBe(v.length);
    const j = u.findIndex((bits, k) => bits !== v[k]);
    if (j >= 0) throw new Error(`${what}[${i}] element ${j}: ${x[j]} vs ${b[i][j]}`);
  });
}

export function expectSameState(a: TrainingState, b: TrainingState, what: string): void {
  expectSameBits(a.weights, b.weights, `${what} weights`);
  expectSameBits(a.optimizer, b.optimizer, `${what} optimizer state`);
  expect(a.iterations, `${what} optimizer step`).toBe(b.iterations);
}

/** A callback that sets stopTraining right after batch `batch` of epoch `epoch` completes. */
export function stopAfter(epoch: number, batch: number): Callbacks {
  let current = -1;
  return {
    onEpochBegin(e) {
      current = e;
    },
    onBatchEnd(b, logs) {
      if (current === epoch && b === batch) {
        if (!Number.isFinite(logs.loss)) throw new Error(`twin run: batch ${b} of epoch ${epoch} already failed`);
        this.model!.stopTraining = true;
      }
    },
    setModel(model: Sequential) {
      (this as { model?: Sequential }).model = model;
    },
  } as Callbacks & { model?: Sequential };
}

/**
 * The training state of a twin of a run (`make()` gives a fresh, identical model) stopped right
 * after (epoch, batch); batch -1 means "before epoch `epoch` began". Batches per epoch: `steps`.
 */
export async function stateAfter(make: () => Sequential, fit: (m: Sequential, o: FitOptions) => Promise<unknown>, epoch: number, batch: number, steps: number, o: FitOptions): Promise<TrainingState> {
  const m = make();
  if (batch < 0 && epoch === 0) {
    m.build({ seed: o.seed });
    m.ensureOptimizerState();
  } else if (batch < 0) {
    await fit(m, { ...o, epochs: epoch, callbacks: [stopAfter(epoch - 1, steps - 1)] });
  } else {
    await fit(m, { ...o, epochs: epoch + 1, callbacks: [stopAfter(epoch, batch)] });
  }
  const s = trainingState(m);
  m.dispose();
  return s;
}

/** "at epoch E, batch B" (or "before batch B") from a NumericError / AbortError message. */
export function epochAndBatch(message: string): [number, number] {
  const m = /epoch (\d+),? (?:before )?batch (\d+)/.exec(message);
  if (!m) throw new Error(`no epoch and batch in: ${message}`);
  return [Number(m[1]), Number(m[2])];
}
