// ONNX export of CNNs, run by ONNX Runtime (onnxruntime-node, CPU): every spatial layer and option
// (strides, 'valid' / 'same' on odd sizes, dilation, depth multiplier, pooling strides and
// padding) predicts what dendrite predicts, at batch 1, 7 and 64 through one session, on the
// model's own NHWC input. Tolerance: |onnx − dendrite| ≤ 1e-5 · max(1, |dendrite|) per element.
// Average pooling with 'same' is also checked against a plain reference (padding not counted).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  activation, averagePooling1d, averagePooling2d, batchNormalization, conv1d, conv2d, dense, depthwiseConv2d, dropout, fashionMnistCnn, flatten, globalAveragePooling1d,
  globalAveragePooling2d, globalMaxPooling1d, globalMaxPooling2d, type Layer, layerNormalization, layerTypes, maxPooling1d, maxPooling2d, modelToBytes, reshape,
  separableConv2d, sequential, type Sequential, spatialDropout1d, spatialDropout2d, toOnnx, upSampling2d, ValueError, zeroPadding1d, zeroPadding2d,
} from '../../src/index.js';
import { onnxLayerTypes } from '../../src/io/onnx.js';
import { runCli } from '../helpers/cli.js';
import { opsOf } from './onnx-fields.js';

/** Uniform values in [lo, hi) from a small LCG (no Math.random: failures reproduce). */
function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => lo + ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * (hi - lo));
}

/** Random biases and batch-norm parameters (they start as zeros and ones, which would hide a misplaced axis). */
function randomize(m: Sequential, seed: number): void {
  m.setWeights(m.getWeights().map((w, i) => {
    const kind = w.name.slice(w.name.lastIndexOf('/') + 1);
    if (kind === 'gamma' || kind === 'moving_variance') return uniform(w.data.length, seed + i, 0.5, 1.5);
    if (kind === 'bias' || kind === 'beta' || kind === 'moving_mean') return uniform(w.data.length, seed + i, -0.5, 0.5);
    return w.data;
  }));
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The largest |onnx − dendrite| / max(1, |dendrite|), with where it is. */
function worst(want: ArrayLike<number>, got: ArrayLike<number>): { err: number; at: number } {
  expect(got.length).toBe(want.length);
  let err = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i]));
    if (!(e <= err)) [err, at] = [e, i];
  }
  return { err, at };
}

/** Run the ONNX file (bytes or a path) at batch 1, 7 and 64 in one session, compare with m.predict; returns the worst error. */
async function agree(m: Sequential, inputShape: number[], file: Uint8Array | string = toOnnx(m)): Promise<number> {
  const session = typeof file === 'string' ? await ort.InferenceSession.create(file) : await ort.InferenceSession.create(file);
  const outShape = m.layers[m.layers.length - 1].outShape;
  let max = 0;
  try {
    for (const rows of [1, 7, 64]) {
      const x = uniform(rows * size(inputShape), rows);
      const out = (await session.run({ input: new ort.Tensor('float32', x, [rows, ...inputShape]) })).output;
      expect(out.dims).toEqual([rows, ...outShape]);
      const want = m.predict({ data: x, shape: [rows, ...inputShape] }).data;
      const { err, at } = worst(want, out.data as Float32Array);
      expect(err, `batch ${rows}: element ${at} is ${(out.data as Float32Array)[at]} in ONNX, ${want[at]} in dendrite`).toBeLessThanOrEqual(1e-5);
      max = Math.max(max, err);
    }
  } finally {
    await session.release();
  }
  return max;
}

type Case = [name: string, inputShape: number[], layers: () => Layer[]];

const cases: Case[] = [
  ['conv2d 3×3 valid relu, NHWC output', [8, 9, 3], () => [conv2d({ filters: 4, kernelSize: 3, activation: 'relu' })]],
  ['conv2d [3, 2] same strides [2, 3], odd sizes, gelu', [7, 9, 2], () => [conv2d({ filters: 5, kernelSize: [3, 2], strides: [2, 3], padding: 'same', activation: 'gelu' })]],
  ['conv2d 4×4 same stride 2 (even kernel: the extra padding after)', [9, 8, 2], () => [conv2d({ filters: 3, kernelSize: 4, strides: 2, padding: 'same' })]],
  ['conv2d dilation [2, 1] same, no bias, tanh', [7, 8, 2], () => [conv2d({ filters: 3, kernelSize: 3, dilationRate: [2, 1], padding: 'same', useBias: false, activation: 'tanh' })]],
  ['conv2d [2, 3] dilation 2 valid, softmax over channels', [9, 10, 3], () => [conv2d({ filters: 4, kernelSize: [2, 3], dilationRate: 2, activation: 'softmax' })]],
  ['conv2d 1×1, then 4×4 stride 2 valid, elu α 0.5', [8, 8, 3], () => [conv2d({ filters: 5, kernelSize: 1, activation: { name: 'elu', alpha: 0.5 } }), conv2d({ filters: 2, kernelSize: 4, strides: 2 })]],
  ['conv1d 3 same stride 2, then 2 dilation 3 valid leakyRelu', [11, 3], () => [
    conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
    conv1d({ filters: 2, kernelSize: 2, dilationRate: 3, padding: 'valid', activation: 'leakyRelu' }),
  ]],
  ['conv1d 4 same (even), softmax', [10, 2], () => [conv1d({ filters: 3, kernelSize: 4, padding: 'same', activation: 'softmax' })]],
  ['depthwiseConv2d 3×3 dm 1 valid relu', [7, 8, 3], () => [depthwiseConv2d({ kernelSize: 3, activation: 'relu' })]],
  ['depthwiseConv2d [3, 2] dm 3 same strides 2', [7, 9, 2], () => [depthwiseConv2d({ kernelSize: [3, 2], depthMultiplier: 3, strides: 2, padding: 'same' })]],
  ['depthwiseConv2d dilation 2 same, no bias, swish', [8, 7, 2], () => [depthwiseConv2d({ kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false, activation: 'swish' })]],
  ['separableConv2d 3×3 dm 2 same strides 2 relu', [9, 7, 3], () => [separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' })]],
  ['separableConv2d [2, 3] dilation [1, 2] valid, no bias', [6, 9, 2], () => [separableConv2d({ filters: 3, kernelSize: [2, 3], dilationRate: [1, 2], useBias: false })]],
  ['maxPooling2d 3 stride 2 same / averagePooling2d 3 stride 2 same (odd sizes)', [7, 9, 2], () => [
    conv2d({ filters: 3, kernelSize: 1 }), maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), conv2d({ filters: 2, kernelSize: 1 }), averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
  ]],
  ['max [2, 3] strides [1, 2] valid, then average 2×2 on odd sizes', [9, 11, 2], () => [maxPooling2d({ poolSize: [2, 3], strides: [1, 2] }), averagePooling2d()]],
  ['average [2, 3] strides [1, 2] valid, then max 2×2 on odd sizes', [9, 11, 2], () => [averagePooling2d({ poolSize: [2, 3], strides: [1, 2] }), maxPooling2d()]],
  ['pooling 3 stride 1 same, 2 stride 3 same', [7, 8, 3], () => [averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }), maxPooling2d({ poolSize: 2, strides: 3, padding: 'same' })]],
  ['pooling 1-D: 3 stride 2 same, 2 valid', [11, 3], () => [maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }), averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' }), averagePooling1d({ poolSize: 2, strides: 1 }), maxPooling1d()]],
  ['global average pooling 2-D after a conv, dense softmax', [6, 7, 3], () => [conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }), globalAveragePooling2d(), dense({ units: 3, activation: 'softmax' })]],
  ['global max pooling 2-D', [5, 6, 4], () => [globalMaxPooling2d()]],
  ['global pooling 1-D', [9, 3], () => [conv1d({ filters: 4, kernelSize: 3 }), globalMaxPooling1d()]],
  ['global average pooling 1-D', [9, 3], () => [globalAveragePooling1d()]],
  ['flatten after conv + pool, dense (Keras order)', [8, 7, 2], () => [conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }), maxPooling2d(), flatten(), dense({ units: 4 })]],
  ['reshape [h, w, c] → [steps, c] into conv1d, reshape [-1]', [6, 5, 2], () => [
    conv2d({ filters: 4, kernelSize: 3 }), reshape({ targetShape: [12, 4] }), conv1d({ filters: 3, kernelSize: 3 }), reshape({ targetShape: [-1] }), dense({ units: 2 }),
  ]],
  ['reshape rows into an image, then conv', [24], () => [reshape({ targetShape: [4, 3, 2] }), conv2d({ filters: 2, kernelSize: 2 }), flatten()]],
  ['batchNormalization on channels (2-D, 1-D, without center / scale)', [7, 6, 3], () => [
    conv2d({ filters: 4, kernelSize: 3 }), batchNormalization(), reshape({ targetShape: [20, 4] }), batchNormalization({ center: false, scale: false, epsilon: 0.01 }),
    conv1d({ filters: 2, kernelSize: 2 }), batchNormalization({ momentum: 0.5 }),
  ]],
  ['dropout (plain and with a noiseShape), activation layers (softmax over channels), layerNormalization and dense on NHWC', [6, 6, 2], () => [
    conv2d({ filters: 4, kernelSize: 3 }), dropout({ rate: 0.3 }), dropout({ rate: 0.5, noiseShape: [null, 1, null, 1] }), activation({ activation: 'softmax' }), maxPooling2d(), activation({ activation: 'selu' }),
    layerNormalization(), dense({ units: 3, activation: 'softmax' }),
  ]],
  ['dense on [steps, c] (MatMul), softmax on the last axis', [5, 3], () => [dense({ units: 4, activation: 'softmax' }), conv1d({ filters: 2, kernelSize: 2 })]],
  ['zeroPadding2d on the input (channels last) and after a conv (channels first)', [5, 4, 2], () => [
    zeroPadding2d({ padding: [[1, 2], [0, 3]] }), conv2d({ filters: 3, kernelSize: 3 }), zeroPadding2d(), maxPooling2d({ poolSize: 3, strides: 2 }), zeroPadding2d({ padding: [2, 1] }),
  ]],
  ['zeroPadding1d [2, 1] then conv1d, spatialDropout1d', [6, 3], () => [zeroPadding1d({ padding: [2, 1] }), spatialDropout1d({ rate: 0.3 }), conv1d({ filters: 2, kernelSize: 3 }), zeroPadding1d()]],
  ['upSampling2d [2, 3] on the input, size 2 after a conv, spatialDropout2d', [3, 4, 2], () => [
    upSampling2d({ size: [2, 3] }), conv2d({ filters: 3, kernelSize: 3, padding: 'same' }), spatialDropout2d({ rate: 0.5 }), upSampling2d(), flatten(),
  ]],
];

describe('ONNX Runtime runs exported CNNs and predicts what dendrite predicts', () => {
  it.each(cases)('%s', async (_name, inputShape, layers) => {
    const m = sequential(layers());
    m.build({ inputShape, seed: 5 });
    randomize(m, 9);
    await agree(m, inputShape);
    m.dispose();
  });

  it('the tutorial CNN, trained a few steps: one Transpose in, one before Flatten, weights as in the file', async () => {
    const m = sequential([
      conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), maxPooling2d({ poolSize: 2 }), flatten(),
      dense({ units: 128, activation: 'relu' }), dense({ units: 10, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = uniform(96 * 784, 3, 0, 1);
    await m.fit({ data: x, shape: [96, 28, 28, 1] }, Array.from({ length: 96 }, (_, i) => i % 10), { epochs: 2, batchSize: 32, seed: 1 });
    expect(m.countParams()).toBe(225_034);
    const bytes = toOnnx(m);
    expect(opsOf(bytes)).toEqual(['Transpose', 'Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Transpose', 'Flatten', 'Gemm', 'Relu', 'Gemm', 'Softmax']);
    await agree(m, [28, 28, 1]);
    m.dispose();
  });

  it('the recipe CNN (fashionMnistCnn: the tutorial CNN with batch norm and dropout), trained a few steps: a BatchNormalization after each MaxPool, no node for dropout, weights and moving statistics as in the file', async () => {
    const m = fashionMnistCnn();
    const x = uniform(96 * 784, 3, 0, 1);
    await m.fit({ data: x, shape: [96, 28, 28, 1] }, Array.from({ length: 96 }, (_, i) => i % 10), { epochs: 2, batchSize: 32, seed: 1 });
    expect(m.countParams()).toBe(225_418);
    const bytes = toOnnx(m);
    expect(opsOf(bytes)).toEqual(['Transpose', 'Conv', 'Relu', 'MaxPool', 'BatchNormalization', 'Conv', 'Relu', 'MaxPool', 'BatchNormalization', 'Transpose', 'Flatten', 'Gemm', 'Relu', 'Gemm', 'Softmax']);
    await agree(m, [28, 28, 1]);
    m.dispose();
  });

  it('average pooling with same padding averages only the cells inside the input (Keras), in ONNX as in dendrite', async () => {
    const [h, w, c, p, s] = [5, 4, 2, 3, 2];
    const m = sequential([averagePooling2d({ poolSize: p, strides: s, padding: 'same', inputShape: [h, w, c] })]);
    m.build();
    const x = uniform(h * w * c, 4);
    // Plain reference: TF's 'same' (output ⌈n/s⌉, padding split with the odd cell after), mean over the cells inside.
    const [oh, ow] = [Math.ceil(h / s), Math.ceil(w / s)];
    const [pt, pl] = [Math.floor(Math.max((oh - 1) * s + p - h, 0) / 2), Math.floor(Math.max((ow - 1) * s + p - w, 0) / 2)];
    const want = new Float32Array(oh * ow * c);
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let k = 0; k < c; k++) {
      let sum = 0, n = 0;
      for (let y = i * s - pt; y < i * s - pt + p; y++) for (let z = j * s - pl; z < j * s - pl + p; z++) {
        if (y >= 0 && y < h && z >= 0 && z < w) (sum += x[(y * w + z) * c + k]), n++;
      }
      want[(i * ow + j) * c + k] = sum / n;
    }
    const session = await ort.InferenceSession.create(toOnnx(m));
    const got = (await session.run({ input: new ort.Tensor('float32', x, [1, h, w, c]) })).output.data as Float32Array;
    await session.release();
    expect(worst(want, got).err).toBeLessThanOrEqual(1e-6);
    expect(worst(want, m.predict({ data: x, shape: [1, h, w, c] }).data).err).toBeLessThanOrEqual(1e-6);
    m.dispose();
  });

  it('upSampling2d repeats each pixel as Keras (nearest: output i reads input ⌊i / size⌋), in ONNX as in dendrite', async () => {
    const [h, w, c, sh, sw] = [3, 5, 2, 3, 2];
    const m = sequential([upSampling2d({ size: [sh, sw], inputShape: [h, w, c] })]);
    m.build();
    const x = uniform(h * w * c, 6);
    const want = new Float32Array(h * sh * w * sw * c);
    for (let i = 0; i < h * sh; i++) for (let j = 0; j < w * sw; j++) for (let k = 0; k < c; k++) {
      want[(i * w * sw + j) * c + k] = x[(Math.floor(i / sh) * w + Math.floor(j / sw)) * c + k];
    }
    const session = await ort.InferenceSession.create(toOnnx(m));
    const got = (await session.run({ input: new ort.Tensor('float32', x, [1, h, w, c]) })).output.data as Float32Array;
    await session.release();
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(Array.from(m.predict({ data: x, shape: [1, h, w, c] }).data)).toEqual(Array.from(want));
    m.dispose();
  });

  it('zero padding before pooling is made of values: the max over negative inputs and padding is 0 (ONNX Runtime\'s PadFusion must not fire)', async () => {
    const models: [number[], () => Layer[]][] = [
      [[5, 6, 2], () => [zeroPadding2d(), maxPooling2d({ poolSize: 3, strides: 2 })]], // padded channels last, then Transpose, MaxPool
      [[5, 6, 2], () => [conv2d({ filters: 2, kernelSize: 1, kernelInitializer: 'ones' }), zeroPadding2d({ padding: [[1, 2], [2, 1]] }), dropout({ rate: 0.1 }), maxPooling2d({ poolSize: 3, padding: 'same' })]],
      [[5, 6, 2], () => [conv2d({ filters: 2, kernelSize: 1, kernelInitializer: 'ones' }), zeroPadding2d(), averagePooling2d({ poolSize: 3, strides: 2 })]],
      [[7, 2], () => [zeroPadding1d({ padding: [2, 1] }), maxPooling1d({ poolSize: 3, strides: 2 })]],
    ];
    for (const [shape, layers] of models) {
      const m = sequential(layers());
      m.build({ inputShape: shape, seed: 1 });
      const x = uniform(size(shape), 2, -2, -1); // every value negative
      const want = m.predict({ data: x, shape: [1, ...shape] }).data;
      if (m.layers.at(-1)!.type.startsWith('Max')) expect(Math.max(...want), 'dendrite: the padding takes part').toBe(0);
      const session = await ort.InferenceSession.create(toOnnx(m));
      const got = (await session.run({ input: new ort.Tensor('float32', x, [1, ...shape]) })).output.data as Float32Array;
      await session.release();
      expect(worst(want, got).err).toBeLessThanOrEqual(1e-6);
      m.dispose();
    }
  });

  it('every layer type dendrite has is exportable', () => {
    expect(layerTypes.filter((t) => !onnxLayerTypes.includes(t))).toEqual([]);
  });

  it('a layer without an ONNX export is a ValueError naming it', () => {
    const m = sequential([conv2d({ filters: 2, kernelSize: 2, inputShape: [3, 3, 1], name: 'odd' })]);
    m.build({ seed: 1 });
    const layer = m.layers[0];
    layer.getConfig = () => ({ ...Object.getPrototypeOf(layer).getConfig.call(layer), type: 'mystery' });
    expect(() => toOnnx(m)).toThrow(ValueError);
    expect(() => toOnnx(m)).toThrow(/layer "odd" \(mystery\) has no ONNX export/);
    m.dispose();
  });
});

describe('dendrite convert model.dnd model.onnx (the built CLI)', () => {
  it('writes a CNN that ONNX Runtime runs to what predict returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dendrite-onnx-cnn-'));
    try {
      const m = sequential([
        conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 11, 2] }), batchNormalization(), maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
        separableConv2d({ filters: 8, kernelSize: 3, depthMultiplier: 2, activation: 'relu' }), averagePooling2d(), flatten(), dropout({ rate: 0.2 }), dense({ units: 5, activation: 'softmax' }),
      ]);
      m.build({ seed: 3 });
      randomize(m, 2);
      writeFileSync(join(dir, 'cnn.dnd'), modelToBytes(m));
      const r = runCli(dir, ['convert', 'cnn.dnd', 'cnn.onnx']);
      expect(r.code, r.err).toBe(0);
      await agree(m, [12, 11, 2], join(dir, 'cnn.onnx'));
      m.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
