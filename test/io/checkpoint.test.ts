// Checkpoints: training resumed from a file reproduces the uninterrupted run bit for bit, for every
// optimizer (their state vectors, Adam's step count), the shuffle stream (epochs trained) and the
// generator; and what a checkpoint holds, read back with the independent parser.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activation, adagrad, adam, adamw, batchNormalization, dense, dropout, layerNormalization, loadModel, modelFromBytes, ModelFileError,
  rmsprop, sequential, sgd, StateError,
  type Optimizer, type Sequential,
} from '../../src/index.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { parseSafetensors } from '../helpers/safetensors.js';

/** Three noisy blobs in 4-D, seeded: enough rows (50) that a batch of 8 leaves a ragged tail. */
function blobs(rows = 50) {
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const x = Array.from({ length: rows }, (_, r) => [0, 1, 2, 3].map((j) => ((r % 3) === j % 3 ? 1 : 0) + rand()));
  const y = Array.from({ length: rows }, (_, r) => r % 3);
  return { x, y };
}

function makeModel(optimizer: Optimizer): Sequential {
  const m = sequential([
    dense({ units: 8, activation: 'tanh', inputShape: [4] }),
    dense({ units: 6, activation: 'relu' }),
    dense({ units: 3, activation: 'softmax' }),
  ]);
  m.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const bytesOf = (m: Sequential) => m.getWeights().map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength));
const sameBits = (a: Sequential, b: Sequential) => bytesOf(a).every((w, i) => w.equals(bytesOf(b)[i]));

const optimizers: [string, () => Optimizer][] = [
  ['sgd + momentum', () => sgd({ learningRate: 0.05, momentum: 0.9 })],
  ['sgd + nesterov', () => sgd({ learningRate: 0.05, momentum: 0.8, nesterov: true })],
  ['adam', () => adam({ learningRate: 0.01 })],
  ['adamw', () => adamw({ learningRate: 0.01, weightDecay: 0.01 })],
  ['rmsprop centered + momentum', () => rmsprop({ learningRate: 0.005, momentum: 0.5, centered: true })],
  ['adagrad', () => adagrad({ learningRate: 0.05 })],
];

describe('checkpoint resume is bit-exact', () => {
  const { x, y } = blobs();
  const fitOptions = { batchSize: 8, validationSplit: 0.2 };

  it.each(optimizers)('%s: 4 epochs straight = 2 + save + load + 2', async (_, make) => {
    const straight = makeModel(make());
    const h4 = await straight.fit(x, y, { ...fitOptions, epochs: 4, seed: 21 });

    const first = makeModel(make());
    await first.fit(x, y, { ...fitOptions, epochs: 2, seed: 21 });
    const file = first.toBytes({ includeOptimizer: true });
    first.dispose();
    const resumed = modelFromBytes(file);
    expect(resumed.epochsTrained).toBe(2);
    const h2 = await resumed.fit(x, y, { ...fitOptions, epochs: 4, initialEpoch: 2 });

    expect(sameBits(straight, resumed)).toBe(true);
    expect(h2.epoch).toEqual([2, 3]);
    expect(h2.history.loss).toEqual(h4.history.loss.slice(2)); // same batches, same order, same values
    expect(resumed.core.compiled!.optimizer.iterations).toBe(straight.core.compiled!.optimizer.iterations);
    straight.dispose();
    resumed.dispose();
  });

  it('dropout masks and batch-norm moving statistics resume too (adam, 3 + 3 epochs)', async () => {
    const mixed = () => {
      const m = sequential([
        dense({ units: 10, activation: 'relu', inputShape: [4] }), dropout({ rate: 0.3 }), batchNormalization({ momentum: 0.8 }),
        dense({ units: 6 }), layerNormalization(), activation({ activation: 'gelu' }), dropout({ rate: 0.2 }), dense({ units: 3, activation: 'softmax' }),
      ]);
      m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const straight = mixed();
    await straight.fit(x, y, { batchSize: 8, epochs: 6, seed: 5 });
    const first = mixed();
    await first.fit(x, y, { batchSize: 8, epochs: 3, seed: 5 });
    const resumed = modelFromBytes(first.toBytes({ includeOptimizer: true }));
    await resumed.fit(x, y, { batchSize: 8, epochs: 3 });
    expect(sameBits(straight, resumed)).toBe(true);
    for (const m of [straight, first, resumed]) m.dispose();
  });

  it('a plain save (no optimizer state) does not resume exactly: the test can fail', async () => {
    const straight = makeModel(adam({ learningRate: 0.01 }));
    await straight.fit(x, y, { ...fitOptions, epochs: 4, seed: 21 });
    const first = makeModel(adam({ learningRate: 0.01 }));
    await first.fit(x, y, { ...fitOptions, epochs: 2, seed: 21 });
    const plain = modelFromBytes(first.toBytes());
    expect(plain.epochsTrained).toBe(0);
    await plain.fit(x, y, { ...fitOptions, epochs: 2, seed: 21 });
    expect(sameBits(straight, plain)).toBe(false);
    for (const m of [straight, first, plain]) m.dispose();
  });

  it('resumes through a file on disk, and a checkpoint saved twice in a row is identical', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dendrite-ckpt-'));
    try {
      const straight = makeModel(rmsprop({ learningRate: 0.01 }));
      await straight.fit(x, y, { batchSize: 5, epochs: 3, seed: 8 });
      const first = makeModel(rmsprop({ learningRate: 0.01 }));
      await first.fit(x, y, { batchSize: 5, epochs: 1, seed: 8 });
      const path = join(dir, 'run.dnd');
      const result = await first.save(path, { includeOptimizer: true });
      expect(result.bytes).toBe(first.toBytes({ includeOptimizer: true }).length);
      const again = await loadModel(path);
      expect(Buffer.from(again.toBytes({ includeOptimizer: true })).equals(Buffer.from(first.toBytes({ includeOptimizer: true })))).toBe(true);
      await again.fit(x, y, { batchSize: 5, epochs: 2 });
      expect(sameBits(straight, again)).toBe(true);
      for (const m of [straight, first, again]) m.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('what a checkpoint holds', () => {
  let model: Sequential;
  beforeAll(async () => {
    const { x, y } = blobs();
    model = makeModel(adam({ learningRate: 0.01 }));
    await model.fit(x, y, { batchSize: 10, epochs: 3, seed: 2 ** 50 + 3 });
  });
  afterAll(() => model.dispose());

  it('optimizer/<slot> tensors of paramCount f32 and a checkpoint record, read by an independent parser', () => {
    const file = parseSafetensors(model.toBytes({ includeOptimizer: true }));
    const n = model.countParams();
    expect(n).toBe(4 * 8 + 8 + (8 * 6 + 6) + (6 * 3 + 3)); // 115
    expect(file.names.slice(-2)).toEqual(['optimizer/0', 'optimizer/1']);
    for (const slot of ['optimizer/0', 'optimizer/1']) {
      expect(file.tensors.get(slot)!.shape).toEqual([n]);
      expect(file.tensors.get(slot)!.dtype).toBe('F32');
    }
    // Adam's second moment is an average of squares: never negative, and not all zero after training.
    const v = file.tensors.get('optimizer/1')!.data;
    expect(v.every((e) => e >= 0)).toBe(true);
    expect(v.some((e) => e > 0)).toBe(true);
    const state = JSON.parse(file.metadata.checkpoint);
    expect(state).toEqual({ iterations: 3 * 5, epochsTrained: 3, seed: String(2 ** 50 + 3), counter: '0' });
    // The weights part is the same as a plain file's.
    const plain = parseSafetensors(model.toBytes());
    expect(plain.metadata.checkpoint).toBeUndefined();
    expect(file.names.slice(0, -2)).toEqual(plain.names);
  });

  it('a compiled but untrained model saves its initial optimizer state (adagrad starts at 0.1)', () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    m.compile({ optimizer: adagrad({ initialAccumulatorValue: 0.1 }), loss: 'mse' });
    const file = parseSafetensors(m.toBytes({ includeOptimizer: true }));
    expect(Array.from(file.tensors.get('optimizer/0')!.data)).toEqual(new Array(8).fill(Math.fround(0.1)));
    m.dispose();
  });

  it('sgd without momentum has no state vectors; an uncompiled model cannot make a checkpoint', () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    expect(() => m.toBytes({ includeOptimizer: true })).toThrow(StateError);
    m.compile({ optimizer: sgd(), loss: 'mse' });
    const file = parseSafetensors(m.toBytes({ includeOptimizer: true }));
    expect(file.names).toEqual(['dense/kernel', 'dense/bias']);
    expect(JSON.parse(file.metadata.checkpoint).iterations).toBe(0);
    m.dispose();
  });

  it('rejects optimizer state of the wrong size or count, and checkpoint records out of range', () => {
    const good = model.toBytes({ includeOptimizer: true });
    const parsed = parseSafetensors(good);
    const rebuild = (edit: (t: Map<string, { shape: number[]; data: Float32Array }>, meta: Record<string, string>) => void) => {
      const tensors = new Map([...parsed.tensors].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
      const meta = { ...parsed.metadata };
      edit(tensors, meta);
      return encodeFile(tensors, meta);
    };
    const n = model.countParams();
    const expectError = (bytes: Uint8Array, message: RegExp) => {
      expect(() => modelFromBytes(bytes)).toThrow(ModelFileError);
      expect(() => modelFromBytes(bytes)).toThrow(message);
    };
    expectError(rebuild((t) => t.set('optimizer/1', { shape: [n - 1], data: new Float32Array(n - 1) })), /tensor "optimizer\/1" has shape \[114\] but the config needs \[115\]/);
    expectError(rebuild((t) => t.delete('optimizer/1')), /lacks tensor "optimizer\/1" \(shape \[115\]\)/);
    expectError(rebuild((t) => t.set('optimizer/2', { shape: [n], data: new Float32Array(n) })), /tensors its config does not use: optimizer\/2/);
    expectError(rebuild((_, m) => delete m.checkpoint), /does not use \(optimizer state without checkpoint metadata\)/);
    const state = JSON.parse(parsed.metadata.checkpoint);
    const withState = (patch: object) => rebuild((_, m) => (m.checkpoint = JSON.stringify({ ...state, ...patch })));
    expectError(withState({ iterations: -1 }), /checkpoint\.iterations must be an integer in \[0, 2147483648\], got -1/);
    expectError(withState({ epochsTrained: 1.5 }), /checkpoint\.epochsTrained must be an integer in \[0, /);
    expectError(withState({ seed: 2 }), /checkpoint\.seed must be a decimal string/);
    expectError(withState({ counter: '18446744073709551616' }), /checkpoint\.counter must be a decimal string of a 64-bit/);
    expectError(rebuild((_, m) => (m.checkpoint = '[1]')), /checkpoint must be an object, got \[1\]/);
    expectError(rebuild((_, m) => (m.checkpoint = '{')), /checkpoint in the metadata is not valid JSON/);
    const config = JSON.parse(parsed.metadata.config);
    delete config.compile;
    expectError(rebuild((_, m) => (m.config = JSON.stringify(config))), /checkpoint but no compile settings/);
    // The largest legal values load.
    const max = modelFromBytes(withState({ seed: '18446744073709551615', counter: '18446744073709551615' }));
    expect(max.core.rng!.seed).toBe(2n ** 64n - 1n);
    max.dispose();
  });
});

function encodeFile(tensors: Map<string, { shape: number[]; data: Float32Array }>, metadata: Record<string, string>): Uint8Array {
  return encodeSafetensors([...tensors].map(([name, t]) => ({ name, ...t })), metadata);
}
