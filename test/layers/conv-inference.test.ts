// A convolution and the 2×2 max pooling after it run as one pass (Conv2D.forwardFused,
// assembly/conv.ts conv_pool_forward, winograd.ts conv_pool_winograd / conv_winograd_forward): which
// pairs the model fuses, and that predict and evaluate give the bits of the two separate passes,
// direct and Winograd alike, on 1 and 2 threads; predict's passes of predictRows rows give the bits of
// one pass; training's fused pass (which also keeps the convolution's output and the argmax) trains
// the bits of the separate passes.
import { describe, expect, it } from 'vitest';
import { type Engine, conv2d, dense, fashionMnistCnn, flatten, getEngine, maxPooling2d, sequential, type Sequential } from '../../src/index.js';
import { useEngines } from '../kernels/spatial-ref.js';
import { rows } from '../training/helpers.js';

const images = (n: number, seed: number) => ({ data: Float32Array.from(rows(n, 784, seed).flat()), shape: [n, 784] });
const labels = (n: number) => Int32Array.from({ length: n }, (_, i) => (i * 3) % 10);

/** f() with the fused inference passes turned off (what the layers compute one by one). */
function unfused<T>(m: Sequential, f: () => T): T {
  const saved = m.layers.map((l) => l.fusedNext);
  m.layers.forEach((l) => (l.fusedNext = undefined));
  try {
    return f();
  } finally {
    m.layers.forEach((l, i) => (l.fusedNext = saved[i]));
  }
}

/** predict (batch 1 and 300) and evaluate give the same bits fused and unfused. */
function expectFusedBits(m: Sequential): void {
  for (const n of [1, 300]) {
    const x = images(n, n);
    expect(Buffer.from(m.predict(x).data.buffer).equals(Buffer.from(unfused(m, () => m.predict(x).data).buffer))).toBe(true);
  }
  const x = images(40, 3), y = labels(40);
  expect(unfused(m, () => m.evaluate(x, y))).toEqual(m.evaluate(x, y));
}

const E = useEngines();

describe('convolution + max pooling in one inference pass', () => {

  it('fuses both convolutions of the recipe CNN with their pooling, and only pairs it can run exactly', () => {
    const m = fashionMnistCnn();
    m.build({ seed: 1 });
    expect(m.layers.map((l) => l.type)).toEqual(['Conv2D', 'MaxPooling2D', 'BatchNormalization', 'Conv2D', 'MaxPooling2D', 'BatchNormalization', 'Flatten', 'Dropout', 'Dense', 'Dropout', 'Dense']);
    expect(m.layers.map((l) => l.fusedNext?.name ?? null)).toEqual([m.layers[1].name, null, null, m.layers[4].name, null, null, null, null, null, null, null]);
    const other = sequential([
      conv2d({ filters: 8, kernelSize: 3, padding: 'same', inputShape: [10, 10, 2] }), maxPooling2d(), // padded: no
      conv2d({ filters: 12, kernelSize: 3, activation: 'relu' }), maxPooling2d(), // 12 filters: no
      conv2d({ filters: 8, kernelSize: 1, activation: 'tanh' }), maxPooling2d({ poolSize: 1 }), // tanh: no
      flatten(), dense({ units: 2 }),
    ]);
    other.build({ seed: 1 });
    expect(other.layers.every((l) => l.fusedNext === undefined)).toBe(true);
    m.dispose();
    other.dispose();
  });

  it('predict and evaluate give the bits of the separate passes where the fused pass is direct, at batch 1 and 300', () => {
    // The tutorial CNN's first pair only (one input channel: the direct pass), then a 5×5 kernel (direct too).
    const m = sequential([
      conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), maxPooling2d(),
      conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }), maxPooling2d(),
      flatten(), dense({ units: 10, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    m.build({ seed: 2 });
    expect(m.layers.map((l) => l.fusedNext?.name ?? null)).toEqual([m.layers[1].name, null, m.layers[3].name, null, null, null]);
    expectFusedBits(m);
    m.dispose();
  });

  it('the recipe CNN (direct, then Winograd; batch norm after each pooling) predicts and evaluates with the bits of the separate passes, at batch 1 and 300', () => {
    const m = fashionMnistCnn();
    m.build({ seed: 2 });
    expectFusedBits(m);
    m.dispose();
  });

  it('predict runs a CNN in passes of 16 rows (an MLP in one), with the bits of one pass over the batch', () => {
    const m = fashionMnistCnn();
    m.build({ seed: 5 });
    expect(m.core.predictRows).toBe(16);
    const x = images(40, 8);
    const split = m.predict(x, { batchSize: 256 }).data, whole = m.predictOnBatch(x).data;
    expect(Buffer.from(split.buffer).equals(Buffer.from(whole.buffer))).toBe(true);
    const mlp = sequential([dense({ units: 256, activation: 'relu', inputShape: [784] }), dense({ units: 128, activation: 'relu' }), dense({ units: 10 })]);
    mlp.build({ seed: 1 });
    expect(mlp.core.predictRows).toBeGreaterThanOrEqual(256);
    m.dispose();
    mlp.dispose();
  });

  it('gives the same bits on 1 and 2 threads, and training after predict is unchanged', () => {
    const one = fashionMnistCnn(), split = fashionMnistCnn({ engine: E.two }), plain = fashionMnistCnn();
    for (const m of [one, split, plain]) m.build({ seed: 4 });
    const x = images(33, 5);
    expect(Buffer.from(split.predict(x).data.buffer).equals(Buffer.from(one.predict(x).data.buffer))).toBe(true);
    const xb = images(16, 6), yb = labels(16);
    one.trainOnBatch(xb, yb);
    plain.trainOnBatch(xb, yb); // no predict before it
    const w = (m: Sequential) => m.getWeights().map((t) => Buffer.from(t.data.buffer).toString('base64'));
    expect(w(one)).toEqual(w(plain));
    for (const m of [one, split, plain]) m.dispose();
  });
});

describe('convolution + max pooling in one training pass', () => {
  const odd = (engine?: Engine) => sequential([
    conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), maxPooling2d(), // direct, 26×26: fused
    conv2d({ filters: 16, kernelSize: 3 }), maxPooling2d(), // Winograd, 11×11 (odd: its last row and column are whole tiles): fused
    conv2d({ filters: 8, kernelSize: 1, activation: 'relu' }), maxPooling2d(), // direct, 5×5 (odd): fused in inference only
    flatten(), dense({ units: 10, activation: 'softmax' }),
  ], engine ? { engine } : undefined);

  it('fuses the pairs whose pass yields the whole convolution output', () => {
    const m = odd();
    m.build({ seed: 1 });
    expect(m.layers.map((l) => l.fusedNext !== undefined)).toEqual([true, false, true, false, true, false, false, false]);
    expect(m.layers.map((l) => l.fusedInTraining)).toEqual([true, false, true, false, false, false, false, false]);
    m.dispose();
  });

  /** Weights after 3 training steps from seed 7, fused (or not), as base64 bit patterns. */
  function trained(make: () => Sequential, fused: boolean): string[] {
    const m = make();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    m.build({ seed: 7 });
    const run = () => {
      for (let s = 0; s < 3; s++) m.trainOnBatch(images(24, 10 + s), labels(24));
      return m.getWeights().map((t) => Buffer.from(t.data.buffer).toString('base64'));
    };
    const w = fused ? run() : unfused(m, run);
    m.dispose();
    return w;
  }

  it('trains the bits of the separate passes, and skips pool_forward where every pair fuses', () => {
    const recipe = () => fashionMnistCnn();
    let pools = 0;
    const k = getEngine().k, pool = k.pool_forward;
    k.pool_forward = (...a: Parameters<typeof pool>) => (pools++, pool(...a));
    try {
      const fused = trained(recipe, true);
      expect(pools).toBe(0);
      expect(fused).toEqual(trained(recipe, false));
      expect(pools).toBeGreaterThan(0);
    } finally {
      k.pool_forward = pool;
    }
    expect(trained(odd, true)).toEqual(trained(odd, false));
  });

  it('gives the same bits on 2 threads', () => {
    expect(trained(() => fashionMnistCnn({ engine: E.two }), true)).toEqual(trained(fashionMnistCnn, false));
    expect(trained(() => odd(E.two), true)).toEqual(trained(odd, false));
  });
});
