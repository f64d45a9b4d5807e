// The Keras semantics of issue 13, each checked from outside as a Keras user would meet it:
// initialEpoch, validationSplit's row count, cross-entropy targets (one-hot, soft, smoothed),
// losses on outputs that cannot carry them, unknown option keys, coercions, float32 limits and
// leakyRelu's default. Every refused call leaves the model as it was (predict is unchanged).
import { describe, expect, it, vi } from 'vitest';
import {
  ShapeError, ValueError, activation, adam, batchNormalization, dense, dropout, earlyStopping, exponentialDecay, initializers, l2,
  activationValues, layerNormalization, losses, modelCheckpoint, modelFromBytes, readCsv, reduceLROnPlateau, sequential, sgd, toOnnx, toTfjs,
  type Sequential,
} from '../src/index.js';
import { thrownBy } from './helpers/thrown.js';

/** Deterministic rows in [-1, 1). */
function rows(n: number, cols: number, seed = 1): number[][] {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: n }, () => Array.from({ length: cols }, next));
}
const ids = (n: number, classes: number) => Array.from({ length: n }, (_, i) => (i * 7) % classes);
const oneHot = (labels: number[], classes: number) => labels.map((c) => Array.from({ length: classes }, (_, j) => (j === c ? 1 : 0)));

function classifier(loss: unknown = 'sparseCategoricalCrossentropy', metrics: string[] = [], out = 3): Sequential {
  const m = sequential([dense({ units: 5, activation: 'tanh', inputShape: [4] }), dense({ units: out, activation: out === 1 ? 'sigmoid' : 'softmax' })]);
  m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: loss as never, metrics: metrics as never });
  m.build({ seed: 3 });
  return m;
}
const flat = (m: Sequential) => m.getWeights().flatMap((w) => Array.from(w.data));
const x = rows(24, 4);
const y = ids(24, 3);

/** The call is refused with `type` and `message`, and the model predicts exactly as before. */
async function refused(m: Sequential, call: () => unknown, type: new (...a: never[]) => Error, message: RegExp): Promise<void> {
  const before = Array.from(m.predict(x).data);
  const thrown = await thrownBy(call);
  expect(thrown, 'expected an error').toBeInstanceOf(type);
  expect((thrown as Error).message).toMatch(message);
  expect(Array.from(m.predict(x).data)).toEqual(before);
}

describe('initialEpoch: epochs is the index of the final epoch (Keras)', () => {
  it('fit({ epochs: 4, initialEpoch: 2 }) trains epochs 2 and 3, printed as "Epoch 3/4"', async () => {
    const m = classifier();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const h = await m.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 8, verbose: 1, shuffle: false });
    const lines = log.mock.calls.map((c) => String(c[0]));
    log.mockRestore();
    expect(h.epoch).toEqual([2, 3]);
    expect(h.history.loss).toHaveLength(2);
    expect(lines.map((l) => l.slice(0, 9))).toEqual(['Epoch 3/4', 'Epoch 4/4']);
    expect(m.core.compiled!.optimizer.iterations).toBe(2 * 3);
  });

  it('callbacks see params.epochs = epochs', async () => {
    const m = classifier();
    let params: { epochs?: number } = {};
    await m.fit(x, y, { epochs: 3, initialEpoch: 1, callbacks: { setParams: (p: { epochs: number }) => (params = p) } as never });
    expect(params.epochs).toBe(3);
  });

  it('initialEpoch >= epochs trains nothing', async () => {
    for (const [epochs, initialEpoch] of [[2, 2], [2, 5]]) {
      const m = classifier();
      const before = flat(m);
      const h = await m.fit(x, y, { epochs, initialEpoch });
      expect(h.epoch).toEqual([]);
      expect(flat(m)).toEqual(before);
      const d = await m.fitDataset([[x, y]], { epochs, initialEpoch });
      expect(d.epoch).toEqual([]);
      expect(flat(m)).toEqual(before);
    }
  });

  it('fitDataset({ epochs: 3, initialEpoch: 1 }) trains epochs 1 and 2', async () => {
    const m = classifier();
    const h = await m.fitDataset(() => [[x.slice(0, 12), y.slice(0, 12)], [x.slice(12), y.slice(12)]], { epochs: 3, initialEpoch: 1 });
    expect(h.epoch).toEqual([1, 2]);
    expect(m.core.compiled!.optimizer.iterations).toBe(4);
  });

  it('a 2-epoch checkpoint resumed with { epochs: 4, initialEpoch: 2 } equals the straight 4-epoch run bit for bit', async () => {
    const opts = { batchSize: 5, validationSplit: 0.25, seed: 9 };
    const straight = classifier('sparseCategoricalCrossentropy', ['accuracy']);
    const h4 = await straight.fit(x, y, { ...opts, epochs: 4 });
    const first = classifier('sparseCategoricalCrossentropy', ['accuracy']);
    await first.fit(x, y, { ...opts, epochs: 2 });
    const resumed = modelFromBytes(first.toBytes({ includeOptimizer: true }));
    const h2 = await resumed.fit(x, y, { ...opts, seed: undefined, epochs: 4, initialEpoch: 2 });
    expect(h2.epoch).toEqual([2, 3]);
    expect(h2.history.loss).toEqual(h4.history.loss.slice(2));
    expect(h2.history.valAccuracy).toEqual(h4.history.valAccuracy.slice(2));
    expect(flat(resumed)).toEqual(flat(straight));
  });
});

describe('validationSplit trains on floor(n·(1 − s)) rows (Keras 3, TF.js)', () => {
  it.each([[101, 0.1, 90], [5, 0.1, 4], [10, 0.25, 7], [3, 0.2, 2]])('%i rows, split %f: %i train', async (n, s, train) => {
    const m = classifier();
    const xs = rows(n, 4, n);
    const ys = ids(n, 3);
    let batches = 0;
    const h = await m.fit(xs, ys, { validationSplit: s, batchSize: 1, shuffle: false, callbacks: { onBatchEnd: () => void batches++ } });
    expect(batches).toBe(train);
    // The validation loss is evaluate() on the held-out tail.
    const tail = m.evaluate(xs.slice(train), ys.slice(train));
    expect(h.history.valLoss[0]).toBeCloseTo(tail.loss, 6);
  });
});

describe('categorical cross-entropy targets', () => {
  const probs = (m: Sequential) => {
    const p = m.predict(x);
    return Array.from({ length: x.length }, (_, r) => Array.from(p.data.slice(r * 3, r * 3 + 3)));
  };
  const ce = (t: number[][], p: number[][]) =>
    t.reduce((s, row, r) => s - row.reduce((a, v, j) => a + v * Math.log(Math.min(Math.max(p[r][j], 1e-7), 1 - 1e-7)), 0), 0) / t.length;

  it('one-hot targets with metrics mse / mae / accuracy train, and the metrics are computed on the rows', async () => {
    const m = classifier('categoricalCrossentropy', ['mse', 'mae', 'accuracy']);
    const t = oneHot(y, 3);
    const h = await m.fit(x, t, { epochs: 2, batchSize: 8 });
    expect(h.history.mse).toHaveLength(2);
    const logs = m.evaluate(x, t);
    const p = probs(m);
    const mse = t.flat().reduce((s, v, i) => s + (v - p.flat()[i]) ** 2, 0) / (x.length * 3);
    const mae = t.flat().reduce((s, v, i) => s + Math.abs(v - p.flat()[i]), 0) / (x.length * 3);
    expect(logs.mse).toBeCloseTo(mse, 6);
    expect(logs.mae).toBeCloseTo(mae, 6);
    expect(logs.loss).toBeCloseTo(ce(t, p), 5);
  });

  it('class ids with an mse metric are refused before the first step', async () => {
    const m = classifier('categoricalCrossentropy', ['mse']);
    await refused(m, () => m.fit(x, y, { epochs: 1 }), ValueError, /metric mse needs target rows/);
    await refused(m, () => m.fit(x, oneHot(y, 3), { validationData: [x, y] }), ValueError, /validationData y holds class ids/);
    await refused(m, () => m.fitDataset([[x, oneHot(y, 3)]], { validationData: [x, y] }), ValueError, /validationData y holds class ids/);
  });

  it('soft labels (rows of non-negative values) train with categoricalCrossentropy, also fromLogits', async () => {
    const soft = x.map((_, r) => [0.7, 0.2, 0.1].map((v, j) => (j === r % 3 ? v : (1 - v) / 2)));
    const m = classifier('categoricalCrossentropy');
    await m.fit(x, soft, { epochs: 2, batchSize: 8 });
    expect(m.evaluate(x, soft).loss).toBeCloseTo(ce(soft, probs(m)), 5);
    const logits = sequential([dense({ units: 3, inputShape: [4] })]);
    logits.compile({ optimizer: 'sgd', loss: losses.categoricalCrossentropy({ fromLogits: true }) });
    await logits.fit(x, soft, { epochs: 1 });
    const z = logits.predict(x).data;
    const ref = soft.reduce((s, t, r) => {
      const row = [0, 1, 2].map((j) => z[r * 3 + j]);
      const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
      return s + t.reduce((a, v, j) => a + v * (lse - row[j]), 0);
    }, 0) / soft.length;
    expect(logits.evaluate(x, soft).loss).toBeCloseTo(ref, 5);
  });

  it('binaryCrossentropy takes soft targets in [0, 1]', async () => {
    const m = classifier('binaryCrossentropy', [], 1);
    const t = x.map((_, r) => [(r % 5) / 4]);
    await m.fit(x, t, { epochs: 1 });
    const p = Array.from(m.predict(x).data);
    const ref = t.reduce((s, [v], r) => s - (v * Math.log(p[r]) + (1 - v) * Math.log(1 - p[r])), 0) / t.length;
    expect(m.evaluate(x, t).loss).toBeCloseTo(ref, 5);
  });

  it('a bad target row names the loss actually used', async () => {
    const bad = oneHot(y, 3);
    bad[4] = [1.5, -0.5, 0];
    const m = classifier('categoricalCrossentropy');
    await refused(m, () => m.fit(x, bad), ValueError, /y row 4, column 1 is -0.5: categoricalCrossentropy takes/);
    const s = classifier('sparseCategoricalCrossentropy');
    await refused(s, () => s.fit(x, bad), ValueError, /y row 4 is not one-hot: sparseCategoricalCrossentropy/);
    const b = classifier('binaryCrossentropy', [], 1);
    await refused(b, () => b.fit(x, x.map(() => [2])), ValueError, /binaryCrossentropy takes values in \[0, 1\]/);
  });

  it('labelSmoothing smooths inside the loss as Keras: t·(1 − s) + s/K (categorical), + s/2 (binary)', () => {
    const s = 0.2;
    const m = classifier(losses.categoricalCrossentropy({ labelSmoothing: s }), ['mse']);
    const t = oneHot(y, 3);
    const smooth = t.map((row) => row.map((v) => v * (1 - s) + s / 3));
    const logs = m.evaluate(x, y); // class ids become one-hot rows
    expect(logs.loss).toBeCloseTo(ce(smooth, probs(m)), 5);
    expect(m.evaluate(x, t).loss).toBe(logs.loss);
    // metrics see the targets as given, not smoothed
    const p = probs(m).flat();
    expect(logs.mse).toBeCloseTo(t.flat().reduce((a, v, i) => a + (v - p[i]) ** 2, 0) / p.length, 6);

    const b = classifier(losses.binaryCrossentropy({ labelSmoothing: s }), [], 1);
    const tb = x.map((_, r) => [r % 2]);
    const pb = Array.from(b.predict(x).data);
    const ref = tb.reduce((a, [v], r) => {
      const u = v * (1 - s) + s / 2;
      return a - (u * Math.log(pb[r]) + (1 - u) * Math.log(1 - pb[r]));
    }, 0) / tb.length;
    expect(b.evaluate(x, tb).loss).toBeCloseTo(ref, 5);
    expect(() => losses.sparseCategoricalCrossentropy({ labelSmoothing: 0.1 } as never)).toThrow(/unknown option "labelSmoothing"/);
    expect(() => losses.categoricalCrossentropy({ labelSmoothing: 1.5 })).toThrow(/labelSmoothing must be a number in \[0, 1\]/);
  });
});

describe('losses on outputs that cannot carry them are refused at compile', () => {
  it('categorical cross-entropy on a linear or relu output: use softmax or fromLogits', () => {
    for (const act of ['linear', 'relu'] as const) {
      const m = sequential([dense({ units: 3, activation: act, inputShape: [4] })]);
      for (const loss of ['categoricalCrossentropy', 'sparseCategoricalCrossentropy']) {
        expect(() => m.compile({ optimizer: 'sgd', loss: loss as never })).toThrow(/needs probabilities.*'softmax'.*fromLogits: true/);
      }
      m.compile({ optimizer: 'sgd', loss: losses.categoricalCrossentropy({ fromLogits: true }) });
    }
    const viaLayer = sequential([dense({ units: 3, inputShape: [4] }), activation({ activation: 'softmax' }), dropout({ rate: 0.1 })]);
    viaLayer.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const normed = sequential([dense({ units: 3, activation: 'softmax', inputShape: [4] }), batchNormalization({})]);
    expect(() => normed.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' })).toThrow(ValueError);
  });

  it('binaryCrossentropy on a linear output clips to [1e-7, 1 − 1e-7] as Keras, so the loss stays finite', () => {
    const m = sequential([dense({ units: 1, inputShape: [4], kernelInitializer: 'ones' })]);
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const t = x.map((_, r) => [r % 2]);
    const p = Array.from(m.predict(x).data).map((v) => Math.min(Math.max(v, 1e-7), 1 - 1e-7));
    const ref = t.reduce((a, [v], r) => a - (v * Math.log(p[r]) + (1 - v) * Math.log(1 - p[r])), 0) / t.length;
    expect(m.evaluate(x, t).loss).toBeCloseTo(ref, 4);
  });

  it('a model file saved before the refusal keeps its weights: it loads uncompiled', () => {
    const m = sequential([dense({ units: 3, inputShape: [4] })]);
    m.compile({ optimizer: 'sgd', loss: losses.categoricalCrossentropy({ fromLogits: true }) });
    m.build({ seed: 1 });
    const bytes = m.toBytes({ includeOptimizer: true });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    // As an older version wrote it: the same loss on probabilities (one character of a name traded to keep the length).
    const old = header.replace('\\"fromLogits\\":true', '\\"fromLogits\\":false').replace(/(\\"name\\":\\"[^\\"]*)[^\\"](\\")/, '$1$2');
    expect(old).not.toBe(header);
    expect(old.length).toBe(header.length);
    const file = bytes.slice();
    file.set(new TextEncoder().encode(old), 8);
    const loaded = modelFromBytes(file);
    expect(loaded.compiled).toBeUndefined();
    expect(Array.from(loaded.predict(x).data)).toEqual(Array.from(m.predict(x).data));
  });

  it('sparseCategoricalCrossentropy on one unit is refused (it would score every id 0)', () => {
    const m = sequential([dense({ units: 1, activation: 'sigmoid', inputShape: [4] })]);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' })).toThrow(ShapeError);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' })).toThrow(/binaryCrossentropy/);
  });
});

describe('unknown option keys are refused, naming the closest valid one', () => {
  const m = classifier();
  const cases: [string, () => unknown, RegExp][] = [
    ['fit batch_size', () => m.fit(x, y, { batch_size: 8 } as never), /fit options: unknown option "batch_size" \(did you mean "batchSize"\?\)/],
    ['fit epoch', () => m.fit(x, y, { epoch: 5 } as never), /did you mean "epochs"/],
    ['fitDataset steps_per_epoch', () => m.fitDataset([[x, y]], { steps_per_epoch: 2 } as never), /did you mean "stepsPerEpoch"/],
    ['evaluate batch_size', () => m.evaluate(x, y, { batch_size: 2 } as never), /did you mean "batchSize"/],
    ['predict batch', () => m.predict(x, { batch: 2 } as never), /unknown option "batch"/],
    ['trainOnBatch', () => m.trainOnBatch(x, y, { class_weight: {} } as never), /did you mean "classWeight"/],
    ['compile metric', () => m.compile({ optimizer: 'sgd', loss: 'mse', metric: ['mse'] } as never), /did you mean "metrics"/],
  ];
  it.each(cases)('%s', async (_, call, message) => refused(m, call, ValueError, message));

  const constructors: [string, () => unknown, RegExp][] = [
    ['dense activaton', () => dense({ units: 2, activaton: 'relu' } as never), /did you mean "activation"/],
    ['dropout rte', () => dropout({ rte: 0.1 } as never), /did you mean "rate"/],
    ['batchNormalization', () => batchNormalization({ momentun: 0.9 } as never), /did you mean "momentum"/],
    ['layerNormalization', () => layerNormalization({ epsilon: 1e-3, axis: 1 } as never), /unknown option "axis"/],
    ['activation spec', () => dense({ units: 2, activation: { name: 'leakyRelu', alph: 0.1 } as never }), /did you mean "alpha"/],
    ['adam learning_rate', () => adam({ learning_rate: 5 } as never), /adam\(\): unknown option "learning_rate" \(did you mean "learningRate"\?\)/],
    ['sgd', () => sgd({ nestrov: true } as never), /did you mean "nesterov"/],
    ['saved optimizer config', () => m.compile({ optimizer: { name: 'adam', config: { beta_1: 0.8 } } as never, loss: 'mse' }), /did you mean "beta1"/],
    ['initializer', () => initializers.randomNormal({ std: 1 } as never), /unknown option "std"/],
    ['regularizer', () => l2({ l1: 0.1 } as never), /did you mean "l2"/],
    ['schedule', () => exponentialDecay({ initialLearningRate: 1, decaySteps: 2, decayRate: 0.5, stairCase: true } as never), /did you mean "staircase"/],
    ['earlyStopping', () => earlyStopping({ patients: 2 } as never), /did you mean "patience"/],
    ['reduceLROnPlateau', () => reduceLROnPlateau({ min_lr: 0 } as never), /did you mean "minLr"/],
    ['modelCheckpoint', () => modelCheckpoint({ path: 'x.dnd', save_best_only: true } as never), /did you mean "saveBestOnly"/],
    ['metric options', () => classifier('sparseCategoricalCrossentropy', [{ name: 'auc', num_thresholds: 10 }] as never), /did you mean "numThresholds"/],
    ['loss options', () => losses.categoricalCrossentropy({ from_logits: true } as never), /did you mean "fromLogits"/],
    ['loss name', () => m.compile({ optimizer: 'sgd', loss: 'categorical_crossentropi' as never }), /did you mean "categoricalCrossentropy"/],
    ['sequential', () => sequential([], { nam: 'x' } as never), /did you mean "name"/],
    ['summary', () => m.summary({ print: false, formulas: true } as never), /did you mean "formula"/],
    ['toBytes', () => m.toBytes({ include_optimizer: true } as never), /did you mean "includeOptimizer"/],
    ['modelFromBytes', () => modelFromBytes(m.toBytes(), { engin: undefined } as never), /did you mean "engine"/],
    ['toTfjs', () => toTfjs(m, { weightPath: 'w.bin' } as never), /did you mean "weightsPath"/],
    ['toOnnx', () => toOnnx(m, { input_name: 'x' } as never), /did you mean "inputName"/],
    ['readCsv', () => readCsv('a,b\n1,2\n', { delimeter: ',' } as never), /did you mean "delimiter"/],
    ['activationValues', () => activationValues('relu', [1], { engin: undefined } as never), /did you mean "engine"/],
  ];
  it.each(constructors)('%s', (_, call, message) => {
    expect(call).toThrow(ValueError);
    expect(call).toThrow(message);
  });
});

describe('no silent coercions', () => {
  const m = classifier();
  it.each([[''], [' 1 '], ['0x1'], ['1e0'], ['-1']])('classWeight key %j is refused', async (key) =>
    refused(m, () => m.fit(x, y, { classWeight: { [key]: 2 } }), ValueError, /classWeight key .* is not a class id/));

  it('classWeight as a Map is used, not ignored', async () => {
    const a = classifier();
    const b = classifier();
    const ha = await a.fit(x, y, { classWeight: new Map([[1, 3]]) as never, shuffle: false });
    const hb = await b.fit(x, y, { classWeight: { 1: 3 }, shuffle: false });
    expect(ha.history.loss).toEqual(hb.history.loss);
    expect(a.evaluate(x, y, { classWeight: new Map([[1, 3]]) as never }).loss).not.toBe(a.evaluate(x, y).loss);
  });

  it.each([['"0.5"', '0.5'], ['null', null], ['true', true]])('setWeights refuses %s in a number[]', async (_, bad) => {
    const w = m.getWeights().map((t) => Array.from(t.data) as unknown[]);
    w[1][0] = bad;
    await refused(m, () => m.setWeights(w as never), ValueError, /not a number/);
  });

  it("l2(0.001), Keras' positional form, is l2 = 0.001 (it was silently 0.01)", () => {
    expect(l2(1e-3).l2).toBe(1e-3);
    expect(l2({ l2: 1e-3 }).l2).toBe(1e-3);
  });

  it('metric keys that would clash with History entries are refused', () => {
    expect(() => classifier('sparseCategoricalCrossentropy', [{ name: 'accuracy', key: 'loss' }] as never)).toThrow(/metric key "loss"/);
    expect(() => classifier('sparseCategoricalCrossentropy', [{ name: 'accuracy', key: '__proto__' }] as never)).toThrow(/metric key "__proto__"/);
    expect(() => classifier('sparseCategoricalCrossentropy', ['accuracy', 'accuracy'])).toThrow(/two metrics are named "accuracy"/);
  });
});

describe('hyper-parameters beyond float32 are refused where given', () => {
  const big = 1e39;
  const cases: [string, () => unknown][] = [
    ['learningRate', () => adam({ learningRate: big })],
    ['weightDecay', () => adam({ weightDecay: big })],
    ['constant value', () => initializers.constant({ value: big })],
    ['randomNormal stddev', () => initializers.randomNormal({ stddev: big })],
    ['activation alpha', () => dense({ units: 1, activation: { name: 'leakyRelu', alpha: big } })],
    ['huber delta', () => losses.huber({ delta: big })],
    ['batchNormalization epsilon', () => batchNormalization({ epsilon: big })],
    ['l2', () => l2({ l2: big })],
    ['l2 positional', () => l2(big)],
  ];
  it.each(cases)('%s', (_, call) => expect(call).toThrow(/float32|must be a number in/));

  it('class and sample weights, and a matrix scale', async () => {
    const m = classifier();
    await refused(m, () => m.fit(x, y, { classWeight: { 0: big } }), ValueError, /float32/);
    await refused(m, () => m.fit(x, y, { sampleWeight: x.map(() => big) }), ValueError, /float32/);
    await refused(m, () => m.fit({ data: new Uint8Array(96), shape: [24, 4], scale: big }, y), ValueError, /float32/);
  });
});

describe("leakyRelu's default slope", () => {
  const input = [[-2, -1, 1, 2]];
  const oneUnit = (spec: unknown) => {
    const m = sequential([dense({ units: 4, inputShape: [4], activation: spec as never, kernelInitializer: 'zeros' })]);
    m.build({ seed: 1 });
    m.setWeights([[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], [0, 0, 0, 0]]);
    return m;
  };
  it("is 0.2 for the 'leakyRelu' activation, as Keras 3's leaky_relu", () => {
    expect(Array.from(oneUnit('leakyRelu').predict(input).data)).toEqual([-0.4, -0.2, 1, 2].map(Math.fround));
  });

  it('model files keep the alpha they were saved with; old files with a bare name load with 0.3', () => {
    const m = oneUnit('leakyRelu');
    const again = modelFromBytes(m.toBytes());
    expect(Array.from(again.predict(input).data)).toEqual(Array.from(m.predict(input).data));
    // An old file wrote the bare name for its default 0.3: rewrite the header as it would have been.
    const bytes = oneUnit({ name: 'leakyRelu', alpha: 0.3 }).toBytes();
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    const spec = '{\\"name\\":\\"leakyRelu\\",\\"alpha\\":0.3}';
    expect(header).toContain(spec);
    const old = header.replace(spec, '\\"leakyRelu\\"'.padEnd(spec.length, ' '));
    const file = bytes.slice();
    file.set(new TextEncoder().encode(old), 8);
    const loaded = modelFromBytes(file);
    expect(Array.from(loaded.predict(input).data)).toEqual([-0.6, -0.3, 1, 2].map(Math.fround));
  });
});
