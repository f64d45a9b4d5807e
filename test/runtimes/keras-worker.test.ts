// initialEpoch and unknown option keys in fitInWorker, through the built bundle and its worker
// (the same Keras semantics as fit: epochs is the final epoch index).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../../scripts/runtimes/process.mjs';
import type * as Dendrite from '../../src/api.js';

const d: typeof Dendrite = await import(join(root, 'build', 'index.js'));

function model() {
  const m = d.sequential([d.dense({ units: 4, activation: 'tanh', inputShape: [2] }), d.dense({ units: 2, activation: 'softmax' })]);
  m.compile({ optimizer: d.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  m.build({ seed: 3 });
  return m;
}
const x = Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]);
const y = x.map(([a, b]) => (a * b > 0 ? 1 : 0));

describe('fitInWorker follows Keras', () => {
  it('{ epochs: 3, initialEpoch: 1 } trains epochs 1 and 2, as fit does', async () => {
    const here = model();
    const h = await here.fit(x, y, { epochs: 3, initialEpoch: 1, batchSize: 8, seed: 2 });
    const there = model();
    const events: Dendrite.WorkerFitEvent[] = [];
    const r = await d.fitInWorker(there, x, y, { epochs: 3, initialEpoch: 1, batchSize: 8, seed: 2, onProgress: (e) => events.push(e) }).result;
    expect(r.history.epoch).toEqual([1, 2]);
    expect(h.epoch).toEqual([1, 2]);
    expect(r.history.history.loss).toEqual(h.history.loss);
    expect(events.filter((e) => e.type === 'epoch').map((e) => (e as { epoch: number }).epoch)).toEqual([1, 2]);
  });

  it('refuses an unknown option key on the calling thread, naming the closest', () => {
    const m = model();
    expect(() => d.fitInWorker(m, x, y, { batch_size: 8 } as never)).toThrow(/did you mean "batchSize"/);
    expect(() => d.fitInWorker(m, x, y, { verbose: 1 } as never)).toThrow(d.ValueError);
  });
});
