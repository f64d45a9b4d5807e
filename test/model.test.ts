// End-to-end behaviour of the public API: parameter counts, convergence, determinism, memory,
// save/load, weights, and that the gradients the model trains with match finite differences.
import { describe, expect, it } from 'vitest';
import { adam, dense, getEngine, losses, modelFromBytes, sequential, sgd, type Sequential } from '../src/index.js';

function xorData() {
  return { x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [0, 1, 1, 0] };
}

/** Two interleaved spirals, `n` points each, labels 0/1 (seeded). */
function spirals(n: number, seed = 7) {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x: number[][] = [];
  const y: number[] = [];
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < n; i++) {
      const r = (i / n) * 5 + 0.2;
      const t = (i / n) * 3.5 * Math.PI + c * Math.PI;
      x.push([r * Math.cos(t) + (rand() - 0.5) * 0.2, r * Math.sin(t) + (rand() - 0.5) * 0.2].map((v) => v / 5));
      y.push(c);
    }
  }
  return { x, y };
}

function weightsOf(m: Sequential): Float32Array[] {
  return m.getWeights().map((w) => w.data);
}

describe('parameter counts', () => {
  it('3-6-6-1 has 73 parameters', () => {
    const m = sequential([dense({ units: 6, inputShape: [3], activation: 'relu' }), dense({ units: 6, activation: 'relu' }), dense({ units: 1 })]);
    expect(m.countParams()).toBe(6 * (3 + 1) + 6 * (6 + 1) + 1 * (6 + 1));
    expect(m.countParams()).toBe(73);
    const text = m.summary({ print: false, formula: true });
    expect(text).toContain('Total params: 73');
    expect(text).toContain('6 × (3 + 1)');
  });

  it('64 inputs through seven layers of 3', () => {
    const layers = Array.from({ length: 7 }, (_, i) => dense({ units: 3, activation: 'relu', ...(i === 0 ? { inputShape: [64] } : {}) }));
    const m = sequential(layers);
    expect(m.countParams()).toBe(3 * 65 + 6 * 3 * 4);
    expect(m.summary({ print: false })).toContain('Total params: 267');
  });

  it('the reference MLP has 235,146 parameters', () => {
    const m = sequential([dense({ units: 256, inputShape: [784] }), dense({ units: 128 }), dense({ units: 10 })]);
    expect(m.countParams()).toBe(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
    expect(m.summary({ print: false })).toContain('235,146');
  });
});

describe('training converges', () => {
  it('XOR with a tanh hidden layer', async () => {
    const m = sequential([dense({ units: 8, activation: 'tanh', inputShape: [2] }), dense({ units: 1, activation: 'sigmoid' })]);
    m.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const { x, y } = xorData();
    const h = await m.fit(x, y, { epochs: 300, batchSize: 4, seed: 1 });
    expect(h.history.loss[299]).toBeLessThan(0.05);
    expect(Array.from(m.predict(x).data, (p) => (p > 0.5 ? 1 : 0))).toEqual(y);
    expect(m.evaluate(x, y).accuracy).toBe(1);
    m.dispose();
  });

  it('two spirals with relu layers and softmax', async () => {
    const { x, y } = spirals(200);
    const m = sequential([
      dense({ units: 64, activation: 'relu', inputShape: [2] }),
      dense({ units: 64, activation: 'relu' }),
      dense({ units: 2, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 150, batchSize: 32, seed: 3 });
    expect(h.history.accuracy.at(-1)).toBeGreaterThan(0.97);
    expect(m.evaluate(x, y).accuracy).toBeGreaterThan(0.97);
    m.dispose();
  });

  it('a linear regression learns slope and intercept with SGD', async () => {
    const x = Array.from({ length: 64 }, (_, i) => [i / 32 - 1]);
    const y = x.map(([v]) => [3 * v - 0.5]);
    const m = sequential([dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse' });
    await m.fit(x, y, { epochs: 200, batchSize: 16, seed: 2 });
    const [w, b] = weightsOf(m);
    expect(w[0]).toBeCloseTo(3, 2);
    expect(b[0]).toBeCloseTo(-0.5, 2);
  });

  it('fit again continues from the current weights', async () => {
    const { x, y } = spirals(100);
    const m = sequential([dense({ units: 32, activation: 'relu', inputShape: [2] }), dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const first = await m.fit(x, y, { epochs: 20, batchSize: 20, seed: 5 });
    const before = m.evaluate(x, y).loss;
    const second = await m.fit(x, y, { epochs: 1, batchSize: 20 });
    expect(second.history.loss[0]).toBeLessThan(first.history.loss[0]);
    expect(Math.abs(second.history.loss[0] - before)).toBeLessThan(0.1);
  });

  it('reports validation metrics from validationSplit and validationData', async () => {
    const { x, y } = spirals(100);
    const m = sequential([dense({ units: 16, activation: 'relu', inputShape: [2] }), dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 2, batchSize: 16, validationSplit: 0.25, seed: 1 });
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'valAccuracy', 'valLoss']);
    const h2 = await m.fit(x, y, { epochs: 1, validationData: [x, y] });
    expect(h2.history.valLoss[0]).toBeCloseTo(m.evaluate(x, y).loss, 4);
  });
});

describe('determinism and memory', () => {
  async function trainOnce(seed: number) {
    const { x, y } = spirals(64);
    const m = sequential([dense({ units: 16, activation: 'relu', inputShape: [2] }), dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await m.fit(x, y, { epochs: 3, batchSize: 8, seed });
    const w = weightsOf(m);
    m.dispose();
    return w;
  }

  it('same seed gives bit-identical weights; another seed does not', async () => {
    const a = await trainOnce(11);
    const b = await trainOnce(11);
    const c = await trainOnce(12);
    a.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(b[i].buffer))).toBe(true));
    expect(Buffer.from(a[0].buffer).equals(Buffer.from(c[0].buffer))).toBe(false);
  });

  it('50 fit/predict/dispose cycles do not grow wasm memory', async () => {
    const { x, y } = spirals(64);
    const engine = getEngine();
    const cycle = async () => {
      const m = sequential([dense({ units: 32, activation: 'relu', inputShape: [2] }), dense({ units: 2, activation: 'softmax' })]);
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await m.fit(x, y, { epochs: 1, batchSize: 16, seed: 1 });
      m.predict(x);
      m.dispose();
    };
    await cycle();
    const bytes = engine.memory.buffer.byteLength;
    const used = engine.info().usedBytes;
    for (let i = 0; i < 50; i++) await cycle();
    expect(engine.memory.buffer.byteLength).toBe(bytes);
    expect(engine.info().usedBytes).toBe(used);
  });
});

describe('weights and files', () => {
  it('save → load is bit-exact in weights and predictions, and keeps compile settings', async () => {
    const { x, y } = spirals(50);
    const m = sequential([dense({ units: 8, activation: 'gelu', inputShape: [2] }), dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(x, y, { epochs: 2, seed: 4 });
    const loaded = modelFromBytes(m.toBytes());
    weightsOf(m).forEach((w, i) => expect(Buffer.from(weightsOf(loaded)[i].buffer).equals(Buffer.from(w.buffer))).toBe(true));
    expect(Buffer.from(loaded.predict(x).data.buffer).equals(Buffer.from(m.predict(x).data.buffer))).toBe(true);
    expect(loaded.evaluate(x, y)).toEqual(m.evaluate(x, y));
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
  });

  it('setWeights then getWeights round-trips, per model and shape-checked', () => {
    const m = sequential([dense({ units: 2, inputShape: [3] }), dense({ units: 1, useBias: false })]);
    const ws = m.getWeights();
    expect(ws.map((w) => w.shape)).toEqual([[3, 2], [2], [2, 1]]);
    const fresh = ws.map((w) => ({ ...w, data: w.data.map((_, i) => i + 0.5) }));
    m.setWeights(fresh);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(fresh.map((w) => Array.from(w.data)));
    // predict agrees with a hand computation: y = (x·W1 + b1)·W2
    const out = m.predict([[1, 2, 3]]).data[0];
    const [w1, b1, w2] = fresh.map((w) => w.data);
    const h = [0, 1].map((j) => 1 * w1[j] + 2 * w1[2 + j] + 3 * w1[4 + j] + b1[j]);
    expect(out).toBeCloseTo(h[0] * w2[0] + h[1] * w2[1], 4);
  });
});

/**
 * The gradient the model trains with, read back through one SGD step with learningRate 1 on the
 * full batch (w' = w − ∂L/∂w), against central differences of evaluate()'s loss.
 */
describe('model gradients match finite differences', () => {
  const cases: [string, string, unknown, number][] = [
    ['tanh', 'linear', 'mse', 1],
    ['sigmoid', 'sigmoid', 'binaryCrossentropy', 1],
    ['elu', 'softmax', 'categoricalCrossentropy', 3],
    ['gelu', 'softmax', 'sparseCategoricalCrossentropy', 3],
    ['softplus', 'linear', losses.sparseCategoricalCrossentropy({ fromLogits: true }), 3],
    ['swish', 'tanh', 'huber', 2],
    ['selu', 'linear', 'mae', 2],
    ['leakyRelu', 'sigmoid', losses.binaryCrossentropy({ fromLogits: false }), 1],
  ];
  it.each(cases)('hidden %s, output %s, loss %s', async (hidden, out, loss, units) => {
    const rows = 6;
    const x = Array.from({ length: rows }, (_, r) => [Math.sin(r + 1), Math.cos(2 * r), (r % 3) / 3 - 0.4]);
    const classes = Array.from({ length: rows }, (_, r) => r % units);
    const dense01 = Array.from({ length: rows }, (_, r) => Array.from({ length: units }, (_, c) => ((r + c) % 2 ? 0.8 : 0.1)));
    const y: number[] | number[][] = loss === 'sparseCategoricalCrossentropy' || typeof loss === 'object' && (loss as { kind: string }).kind === 'scce'
      ? classes
      : loss === 'categoricalCrossentropy'
        ? classes.map((c) => Array.from({ length: units }, (_, j) => (j === c ? 1 : 0)))
        : dense01;
    const m = sequential([dense({ units: 4, activation: hidden as never, inputShape: [3] }), dense({ units, activation: out as never })]);
    m.compile({ optimizer: sgd({ learningRate: 1 }), loss: loss as never });
    m.build({ seed: 9 });
    const w0 = m.getWeights();
    await m.fit(x, y, { epochs: 1, batchSize: rows, shuffle: false });
    const grads = m.getWeights().map((w, i) => w.data.map((v, j) => w0[i].data[j] - v));
    const h = 1e-2;
    for (let t = 0; t < w0.length; t++) {
      for (let j = 0; j < w0[t].data.length; j++) {
        const probe = (delta: number) => {
          m.setWeights(w0.map((w, i) => (i === t ? w.data.map((v, q) => (q === j ? v + delta : v)) : w.data)));
          return m.evaluate(x, y).loss;
        };
        const fd = (probe(h) - probe(-h)) / (2 * h);
        expect(Math.abs(grads[t][j] - fd), `${w0[t].name}[${j}]: model ${grads[t][j]}, fd ${fd}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
      }
    }
    m.dispose();
  });
});
