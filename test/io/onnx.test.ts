// ONNX export, run by ONNX Runtime (onnxruntime-node, CPU): every activation predicts what
// dendrite predicts (max abs diff <= 1e-5) at several batch sizes through one session (the batch
// dimension is symbolic), and the file's structure is what docs/files.md documents.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { activation, batchNormalization, dense, dropout, layerNormalization, sequential, toOnnx, ValueError, type Sequential } from '../../src/index.js';
import { varint } from '../../src/io/protobuf.js';
import { fields, get, text } from './onnx-fields.js';

function inputs(rows: number, cols: number, seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: rows * cols }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 6 - 3);
}

async function runOnnx(bytes: Uint8Array, x: Float32Array, rows: number, cols: number, names = { input: 'input', output: 'output' }): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [names.input]: new ort.Tensor('float32', x, [rows, cols]) });
  const y = out[names.output];
  expect(y.dims[0]).toBe(rows);
  await session.release();
  return y.data as Float32Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const activations = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leakyRelu', 'elu', 'selu', 'softplus', 'gelu', 'swish', 'silu',
  { name: 'leakyRelu', alpha: 0.01 }, { name: 'elu', alpha: 0.4 }] as const;

describe('ONNX Runtime runs the export and predicts the same', () => {
  it.each(activations.map((a) => [typeof a === 'string' ? a : `${a.name} α=${a.alpha}`, a]))('%s', async (_, activation) => {
    const m = sequential([
      dense({ units: 9, activation: activation as never, inputShape: [5], kernelInitializer: 'heNormal', biasInitializer: 'randomNormal' }),
      dense({ units: 6, activation: 'tanh', useBias: false }),
      dense({ units: 4, activation: activation as never, biasInitializer: { name: 'constant', config: { value: 0.3 } } }),
    ]);
    m.build({ seed: 11 });
    const bytes = toOnnx(m);
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['output']);
    for (const rows of [1, 7, 64]) {
      const x = inputs(rows, 5, rows);
      const out = await session.run({ input: new ort.Tensor('float32', x, [rows, 5]) });
      expect(out.output.dims).toEqual([rows, 4]);
      const diff = maxAbsDiff(m.predict({ data: x, shape: [rows, 5] }).data, out.output.data as Float32Array);
      expect(diff, `rows ${rows}`).toBeLessThanOrEqual(1e-5);
    }
    await session.release();
    m.dispose();
  });

  it('a single linear layer, custom input / output names, and a trained classifier', async () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    m.build({ seed: 1 });
    const x = inputs(4, 3);
    const y = await runOnnx(toOnnx(m, { inputName: 'pixels', outputName: 'logits' }), x, 4, 3, { input: 'pixels', output: 'logits' });
    expect(maxAbsDiff(m.predict({ data: x, shape: [4, 3] }).data, y)).toBeLessThanOrEqual(1e-6);

    const clf = trained();
    const x2 = inputs(50, 4, 3);
    const probs = await runOnnx(toOnnx(await clf), x2, 50, 4);
    const want = (await clf).predict({ data: x2, shape: [50, 4] });
    expect(maxAbsDiff(want.data, probs)).toBeLessThanOrEqual(1e-5);
    (await clf).dispose();
    m.dispose();
  });

  it('batch / layer normalisation (with and without gamma, beta), dropout and activation layers, trained', async () => {
    const m = sequential([
      dense({ units: 8, activation: 'relu', inputShape: [5] }),
      batchNormalization({ momentum: 0.6 }),
      dropout({ rate: 0.4 }),
      dense({ units: 6 }),
      layerNormalization({ epsilon: 0.02 }),
      activation({ activation: 'gelu' }),
      batchNormalization({ center: false, scale: false }),
      layerNormalization({ scale: false }),
      activation({ activation: { name: 'elu', alpha: 0.3 } }),
      dense({ units: 3, activation: 'softmax' }),
      dropout({ rate: 0.1 }), // last: the output is an Identity of the softmax
    ]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const xt = inputs(40, 5, 4);
    await m.fit({ data: xt, shape: [40, 5] }, Array.from({ length: 40 }, (_, i) => (xt[5 * i] > 0 ? 2 : i % 2)), { epochs: 3, batchSize: 8, seed: 3 });
    const x = inputs(17, 5, 8);
    const y = await runOnnx(toOnnx(m), x, 17, 5);
    expect(maxAbsDiff(m.predict({ data: x, shape: [17, 5] }).data, y)).toBeLessThanOrEqual(1e-5);
    m.dispose();
  });

  it('rejects bad options with ValueError', () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    expect(() => toOnnx(m, { inputName: '' })).toThrow(ValueError);
    expect(() => toOnnx(m, { inputName: 'x', outputName: 'x' })).toThrow(/must differ/);
    expect(() => toOnnx({} as Sequential)).toThrow(ValueError);
    m.dispose();
  });
});

async function trained(): Promise<Sequential> {
  const m = sequential([dense({ units: 16, activation: 'gelu', inputShape: [4] }), dense({ units: 3, activation: 'softmax' })]);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const x = inputs(60, 4, 7);
  await m.fit({ data: x, shape: [60, 4] }, Array.from({ length: 60 }, (_, i) => (x[4 * i] > 0 ? 1 : 0) + (x[4 * i + 1] > 1 ? 1 : 0)), { epochs: 5, seed: 2 });
  return m;
}

describe('the ModelProto, read back field by field', () => {

  it('IR version 8, opset 17, Gemm then Relu, initializers with (in, units) kernels, symbolic batch', () => {
    const m = sequential([dense({ units: 3, activation: 'relu', inputShape: [2], name: 'h' })]);
    m.build({ seed: 1 });
    const model = fields(toOnnx(m));
    expect(get(model, 1)).toEqual([8n]);
    expect(text(get(model, 2)[0])).toBe('dendrite');
    const opset = fields(get(model, 8)[0] as Uint8Array);
    expect(get(opset, 2)).toEqual([17n]);
    const graph = fields(get(model, 7)[0] as Uint8Array);
    const nodes = get(graph, 1).map((n) => fields(n as Uint8Array));
    expect(nodes.map((n) => text(get(n, 4)[0]))).toEqual(['Gemm', 'Relu']);
    expect(get(nodes[0], 1).map(text)).toEqual(['input', 'h/kernel', 'h/bias']);
    const inits = get(graph, 5).map((t) => fields(t as Uint8Array));
    expect(inits.map((t) => [text(get(t, 8)[0]), get(t, 1)])).toEqual([['h/kernel', [2n, 3n]], ['h/bias', [3n]]]);
    const kernel = get(inits[0], 9)[0] as Uint8Array;
    expect(Array.from(new Float32Array(kernel.slice().buffer))).toEqual(Array.from(m.getWeights()[0].data));
    const input = fields(get(graph, 11)[0] as Uint8Array);
    const shape = fields(get(fields(get(fields(get(input, 2)[0] as Uint8Array), 1)[0] as Uint8Array), 2)[0] as Uint8Array);
    const dims = get(shape, 1).map((d) => fields(d as Uint8Array));
    expect(text(get(dims[0], 2)[0])).toBe('batch');
    expect(get(dims[1], 1)).toEqual([2n]);
    m.dispose();
  });

  it('varints match the protobuf encoding examples', () => {
    expect(Array.from(varint(1))).toEqual([1]);
    expect(Array.from(varint(150))).toEqual([0x96, 0x01]);
    expect(Array.from(varint(300))).toEqual([0xac, 0x02]);
    expect(Array.from(varint(2n ** 64n - 1n))).toEqual([...Array(9).fill(0xff), 0x01]);
    expect(() => varint(-1)).toThrow(RangeError);
  });
});
