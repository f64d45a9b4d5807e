// Shared by the training-control tests: TF.js on its CPU backend (the reference where it has the
// feature), deterministic data, and the training-mode gradient check.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';
import { sgd, type Sequential } from '../../src/index.js';

export { tf, tfl };

let ready: Promise<boolean> | undefined;
/** Select TF.js's CPU backend once. */
export function tfReady(): Promise<boolean> {
  return (ready ??= tf.setBackend('cpu'));
}

/** Deterministic values in [lo, hi) (LCG), as rows of `cols`. */
export function rows(n: number, cols: number, seed = 1, lo = -1, hi = 1): number[][] {
  let s = seed >>> 0 || 1;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * (hi - lo) + lo;
  return Array.from({ length: n }, () => Array.from({ length: cols }, next));
}

/** Copy our weights into a TF.js model, layer by layer (TF.js orders a model's weights differently). */
export function copyToTfjs(ours: Sequential, theirs: tfl.LayersModel): void {
  const ws = ours.getWeights();
  let i = 0;
  for (const layer of theirs.layers) {
    const n = layer.getWeights().length;
    layer.setWeights(ws.slice(i, i + n).map((w) => tf.tensor(w.data, w.shape)));
    i += n;
  }
  expect(i).toBe(ws.length);
}

/** TF.js weights, layer by layer, as flat arrays. */
export function tfjsWeights(theirs: tfl.LayersModel): Float32Array[] {
  return theirs.layers.flatMap((l) => l.getWeights().map((t) => t.dataSync() as Float32Array));
}

/**
 * One sparse-categorical training step of both models (ours built and compiled, TF.js compiled) from
 * the same weights, on x (n, ...shape) and class labels y: the losses and every weight agree.
 */
export async function expectSameStep(m: Sequential, t: tfl.LayersModel, x: Float32Array, shape: number[], y: Float32Array): Promise<void> {
  copyToTfjs(m, t);
  const n = y.length;
  const got = m.trainOnBatch({ data: x, shape: [n, ...shape] }, y);
  const loss = (await t.trainOnBatch(tf.tensor(x, [n, ...shape]), tf.tensor(y, [n, 1]))) as number;
  expect(got.loss).toBeCloseTo(loss, 5);
  const want = tfjsWeights(t);
  m.getWeights().forEach((w, i) => expectNear(w.data, want[i], 1e-6, 1e-4, w.name));
}

/** Element-wise |a − b| ≤ atol + rtol·|b|, naming the first offender. */
export function expectNear(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  expect(a.length, `${what} length`).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    const tol = atol + rtol * Math.abs(b[i]);
    if (!(Math.abs(a[i] - b[i]) <= tol)) throw new Error(`${what}[${i}]: got ${a[i]}, expected ${b[i]} (tol ${tol})`);
  }
}

/**
 * The training-mode gradient of every weight in training (model.trainableWeights), checked against
 * central differences of the training-mode loss at every `stride`-th element. The gradient is read
 * through one SGD step with learning rate 1 (w' = w − ∂L/∂w); the loss through trainOnBatch with
 * learning rate 0 (batch statistics, and the same dropout mask: the optimizer's step count is reset
 * before each call). Weights of frozen layers must not move in that step.
 */
export function checkTrainingGradients(m: Sequential, x: unknown, y: unknown, loss: unknown, h = 1e-2, stride = 1): void {
  const w0 = m.getWeights();
  const inTraining = new Set(m.trainableWeights.map((w) => w.name));
  const one = sgd({ learningRate: 1 });
  m.compile({ optimizer: one, loss: loss as never });
  m.trainOnBatch(x as never, y as never);
  const w1 = m.getWeights();
  const zero = sgd({ learningRate: 0 });
  m.compile({ optimizer: zero, loss: loss as never });
  const probe = (t: number, j: number, delta: number) => {
    m.setWeights(w0.map((w, i) => (i === t ? w.data.map((v, q) => (q === j ? v + delta : v)) : w.data)));
    zero.iterations = 0;
    return m.trainOnBatch(x as never, y as never).loss;
  };
  let checked = 0;
  for (let t = 0; t < w0.length; t++) {
    if (!inTraining.has(w0[t].name)) {
      // Moving statistics move in a training step; every other weight outside training must not.
      if (!w0[t].name.includes('/moving_')) expect(Array.from(w1[t].data), `${w0[t].name} is frozen`).toEqual(Array.from(w0[t].data));
      continue;
    }
    for (let j = 0; j < w0[t].data.length; j += stride) {
      const grad = w0[t].data[j] - w1[t].data[j];
      const fd = (probe(t, j, h) - probe(t, j, -h)) / (2 * h);
      expect(Math.abs(grad - fd), `${w0[t].name}[${j}]: model ${grad}, fd ${fd}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
      checked++;
    }
  }
  m.setWeights(w0);
  expect(checked).toBeGreaterThan(0);
}
