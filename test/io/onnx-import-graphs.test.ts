// ONNX import of hand-built graphs: what tf2onnx writes (an NHWC input transposed to NCHW and
// back before a Reshape, MatMul + Add), the other forms of padding, Gemm's options, Dropout, Pad,
// and dendrite's own export — each predicts what ONNX Runtime computes on the same file — and
// every refused case, whose ModelFileError names the node, the op and the attribute.
import { describe, expect, it } from 'vitest';
import {
  activation, batchNormalization, dense, fromOnnx, layerTypes, sequential, toOnnx,
} from '../../src/index.js';
import { Message } from '../../src/io/protobuf.js';
import { type GraphSpec, type NodeSpec, onnxModel, refusal, tensor, tf2onnxGraph, values } from '../helpers/onnx-build.js';
import { both, maxAbsDiff } from '../helpers/onnx-ort.js';

const w = (name: string, dims: number[], seed = 1) => tensor(name, dims, values(dims.reduce((a, d) => a * d, 1), seed));
const shape = (name: string, v: number[]) => tensor(name, [v.length], v, true);

/** Conv → Relu → pool on a (2, 3, 7, 7) batch, the pool's attributes varied. */
function convPool(pool: NodeSpec, convAttrs: Record<string, NodeSpec['attrs'][string]> = {}, opset = 13): Uint8Array {
  return onnxModel({
    input: ['batch', 3, 7, 7],
    opset,
    initializers: [w('W', [4, 3, 3, 3]), w('B', [4], 2)],
    nodes: [
      { op: 'Conv', inputs: ['input', 'W', 'B'], outputs: ['c'], attrs: { kernel_shape: [3, 3], ...convAttrs } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { ...pool, inputs: ['r'], outputs: ['output'] },
    ],
  });
}

describe('hand-built graphs import and predict as ONNX Runtime does', () => {
  it('a tf2onnx-style graph: NHWC input, Transpose to NCHW and back, Reshape, MatMul + Add, Softmax', async () => {
    const bytes = tf2onnxGraph();
    const { ort: expected, ours } = await both(bytes, [5, 6, 6, 2], true);
    expect(maxAbsDiff(ours, expected)).toBeLessThanOrEqual(1e-5);
    expect(fromOnnx(bytes).layers.map((l) => l.getConfig().type)).toEqual(['conv2d', 'maxPooling2d', 'flatten', 'dense']);
  });

  it.each([
    ['SAME_UPPER average pooling (Keras same: pads left out of the average)', { op: 'AveragePool', attrs: { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_UPPER' } }],
    ['explicit same pads on a max pool', { op: 'MaxPool', attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }],
    ['ceil_mode=1 where it changes nothing', { op: 'MaxPool', attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } }],
    ['global max pooling', { op: 'GlobalMaxPool', attrs: {} }],
  ] as const)('%s', async (_, pool) => {
    const bytes = convPool({ ...pool, inputs: [] } as NodeSpec, { pads: [1, 1, 1, 1] });
    const { ort: expected, ours } = await both(bytes, [2, 3, 7, 7]);
    expect(maxAbsDiff(ours, expected)).toBeLessThanOrEqual(1e-5);
  });

  it('a dilated depthwise convolution, SAME_LOWER where it equals same, and Pad of zeros', async () => {
    const bytes = onnxModel({
      input: ['batch', 3, 9, 9],
      opset: 11,
      initializers: [w('D', [6, 1, 3, 3]), w('W', [2, 6, 3, 3], 5), shape('P', [0, 0, 0, 0, 0, 0, 0, 0])],
      nodes: [
        { op: 'Conv', inputs: ['input', 'D'], outputs: ['d'], attrs: { group: 3, dilations: [2, 2], pads: [2, 2, 2, 2] } },
        { op: 'Elu', inputs: ['d'], outputs: ['e'], attrs: { alpha: { f: 0.5 } } },
        { op: 'Pad', inputs: ['e', 'P'], outputs: ['p'], attrs: { mode: 'constant' } },
        { op: 'Conv', inputs: ['p', 'W'], outputs: ['output'], attrs: { auto_pad: 'SAME_LOWER', strides: [1, 1] } },
      ],
    });
    const { ort: expected, ours } = await both(bytes, [2, 3, 9, 9]);
    expect(maxAbsDiff(ours, expected)).toBeLessThanOrEqual(1e-5);
  });

  it("Gemm's alpha, beta, transB=0 and a (1, n) bias; Dropout with ratio and training_mode inputs; Identity; Flatten of a matrix", async () => {
    const bytes = onnxModel({
      input: ['batch', 4],
      initializers: [w('G', [4, 5]), w('C', [1, 5], 2), tensor('ratio', [], [0.25]), w('H', [3, 5], 3),
        new Message().varint(2, 9).string(8, 'eval').bytesField(9, Uint8Array.of(0))], // a bool scalar, false
      nodes: [
        { op: 'Gemm', inputs: ['input', 'G', 'C'], outputs: ['g'], attrs: { alpha: { f: 0.5 }, beta: { f: 2 } } },
        { op: 'Tanh', inputs: ['g'], outputs: ['t'] },
        { op: 'Dropout', inputs: ['t', 'ratio', 'eval'], outputs: ['d', 'mask'] },
        { op: 'Identity', inputs: ['d'], outputs: ['i'] },
        { op: 'Flatten', inputs: ['i'], outputs: ['f'] },
        { op: 'Gemm', inputs: ['f', 'H'], outputs: ['output'], attrs: { transB: 1 } },
      ],
    });
    const { ort: expected, ours } = await both(bytes, [6, 4]);
    expect(maxAbsDiff(ours, expected)).toBeLessThanOrEqual(1e-5);
    const m = fromOnnx(bytes);
    expect(m.layers.map((l) => l.getConfig())).toMatchObject([{ type: 'dense', activation: 'tanh' }, { type: 'dropout', rate: 0.25 }, { type: 'dense', useBias: false }]);
  });

  it('GELU in a third order, (x · ½) · (1 + erf(x · 1/√2)), and swish after it', async () => {
    const bytes = onnxModel({
      input: ['batch', 4],
      initializers: [w('W', [6, 4]), tensor('r2', [], [Math.SQRT1_2]), tensor('one', [], [1]), tensor('half', [], [0.5])],
      nodes: [
        { op: 'Gemm', inputs: ['input', 'W'], outputs: ['x'], attrs: { transB: 1 } },
        { op: 'Mul', inputs: ['r2', 'x'], outputs: ['s'] },
        { op: 'Erf', inputs: ['s'], outputs: ['e'] },
        { op: 'Add', inputs: ['one', 'e'], outputs: ['a'] },
        { op: 'Mul', inputs: ['x', 'half'], outputs: ['h'] },
        { op: 'Mul', inputs: ['a', 'h'], outputs: ['g'] },
        { op: 'Sigmoid', inputs: ['g'], outputs: ['sg'] },
        { op: 'Mul', inputs: ['sg', 'g'], outputs: ['output'] },
      ],
    });
    const { ort: expected, ours } = await both(bytes, [5, 4]);
    expect(maxAbsDiff(ours, expected)).toBeLessThanOrEqual(1e-5);
    expect(fromOnnx(bytes).layers.map((l) => l.getConfig())).toMatchObject([{ type: 'dense', activation: 'gelu' }, { type: 'activation', activation: 'swish' }]);
  });

  it("dendrite's own ONNX export comes back predicting the same (gelu, swish, leakyRelu, batch norm, softmax)", () => {
    const m = sequential([
      dense({ units: 8, activation: 'gelu', inputShape: [5], biasInitializer: 'randomNormal' }),
      dense({ units: 8, activation: 'swish' }),
      batchNormalization({ momentum: 0.9 }),
      activation({ activation: { name: 'leakyRelu', alpha: 0.1 } }),
      dense({ units: 3, activation: 'softmax' }),
    ]);
    m.build({ seed: 4 });
    const x = values(7 * 5, 8).map((v) => 3 * v);
    const back = fromOnnx(toOnnx(m));
    expect(maxAbsDiff(back.predict({ data: x, shape: [7, 5] }).data, m.predict({ data: x, shape: [7, 5] }).data)).toBeLessThanOrEqual(1e-6);
    expect(back.layers.map((l) => (l.getConfig() as { activation?: unknown }).activation)).toEqual(['gelu', 'swish', undefined, { name: 'leakyRelu', alpha: expect.closeTo(0.1, 6) }, 'softmax']);
  });
});

describe.runIf(layerTypes.includes('zeroPadding2d'))('pads that are neither valid nor same become a zeroPadding2d layer where zeros are exact', () => {
  it.each([
    ['average pooling that counts its pads', { op: 'AveragePool', attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 } }, 'averagePooling2d'],
    ['max pooling after Relu, padded before and after at stride 2', { op: 'MaxPool', attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 1, 1] } }, 'maxPooling2d'],
    ['a Pad of zeros before a valid convolution', { op: 'Pad', attrs: { mode: 'constant' }, pads: [0, 0, 1, 2, 0, 0, 2, 1] }, 'conv2d'],
  ] as const)('%s', async (_, spec, after) => {
    const pad = 'pads' in spec;
    const bytes = onnxModel({
      input: ['batch', 3, 6, 6],
      initializers: [w('W', [4, 3, 3, 3]), w('B', [4], 2), ...(pad ? [shape('P', spec.pads), w('W2', [2, 4, 3, 3], 3)] : [])],
      nodes: [
        { op: 'Conv', inputs: ['input', 'W', 'B'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        ...(pad
          ? [{ op: 'Pad', inputs: ['r', 'P'], outputs: ['p'], attrs: spec.attrs }, { op: 'Conv', inputs: ['p', 'W2'], outputs: ['output'] }]
          : [{ op: spec.op, inputs: ['r'], outputs: ['output'], attrs: spec.attrs }]),
      ] as NodeSpec[],
    });
    const { ort: expected, ours } = await both(bytes, [2, 3, 6, 6]);
    expect(maxAbsDiff(ours, expected)).toBeLessThanOrEqual(1e-5);
    expect(fromOnnx(bytes).layers.map((l) => l.getConfig().type).slice(-2)).toEqual(['zeroPadding2d', after]);
  });
});

// ---- refused ------------------------------------------------------------------------------------

const mlp = (nodes: NodeSpec[], extra: Partial<GraphSpec> = {}) =>
  onnxModel({ input: ['batch', 4], initializers: [w('W', [3, 4]), w('B', [3])], ...extra, nodes });
const gemm: NodeSpec = { op: 'Gemm', inputs: ['input', 'W', 'B'], outputs: ['g'], name: 'fc', attrs: { transB: 1 } };


describe('what the import refuses, naming node, op and attribute', () => {
  it.each<[string, () => Uint8Array, RegExp]>([
    ['an unknown op', () => mlp([gemm, { op: 'Abs', name: 'absolute', inputs: ['g'], outputs: ['output'] }]), /node "absolute" \(Abs\): op Abs is not supported; dendrite imports Gemm, MatMul/],
    ['a branch (residual connection)', () => mlp([gemm, { op: 'Relu', name: 'r', inputs: ['g'], outputs: ['r'] }, { op: 'Add', name: 'skip', inputs: ['g', 'r'], outputs: ['output'] }]),
      /value "g" feeds 2 nodes \("r" \(Relu\), "skip" \(Add\)\); dendrite imports sequential graphs/],
    ['an unknown attribute', () => mlp([{ ...gemm, outputs: ['output'], attrs: { transB: 1, broadcast: 1 } }]), /node "fc" \(Gemm\): attribute "broadcast" is not supported \(dendrite reads alpha, beta, transA, transB\)/],
    ['transA', () => mlp([{ ...gemm, outputs: ['output'], attrs: { transA: 1 } }]), /node "fc" \(Gemm\): attribute transA=1 is not supported/],
    ['softmax over the batch', () => mlp([gemm, { op: 'Softmax', name: 'sm', inputs: ['g'], outputs: ['output'], attrs: { axis: 0 } }]), /node "sm" \(Softmax\): attribute axis=0 is not supported/],
    ['Selu with other constants', () => mlp([gemm, { op: 'Selu', name: 's', inputs: ['g'], outputs: ['output'], attrs: { alpha: { f: 2 } } }]), /node "s" \(Selu\): attribute alpha=2 is not supported/],
    ['a weight computed in the graph', () => mlp([{ op: 'Relu', name: 'rw', inputs: ['W'], outputs: ['W2'] }, { ...gemm, inputs: ['input', 'W2', 'B'], outputs: ['output'] }]),
      /node "fc" \(Gemm\): its input "W2" \(input 1\) is computed in the graph; dendrite needs it as a constant/],
    ['a weight of the wrong shape', () => mlp([{ ...gemm, outputs: ['output'], attrs: { transB: 0 } }]), /node "fc" \(Gemm\): its weight B "W" has shape \[3,4\], expected \[4, units\]/],
    ['a NaN weight', () => onnxModel({ input: ['batch', 4], initializers: [tensor('W', [3, 4], [...values(11), NaN]), w('B', [3])], nodes: [{ ...gemm, outputs: ['output'] }] }),
      /node "fc" \(Gemm\): its weight B "W" holds NaN at index 11/],
    ['float16 weights', () => mlp([{ ...gemm, inputs: ['input', 'H', 'B'], outputs: ['output'] }], { initializers: [w('B', [3]), half('H', [3, 4])] }),
      /its weight B "H" is float16; dendrite reads float32 weights/],
    ['training-mode batch norm', () => mlp([gemm, { op: 'BatchNormalization', name: 'bn', inputs: ['g', 'B', 'B', 'B', 'B'], outputs: ['output'], attrs: { training_mode: 1 } }]),
      /node "bn" \(BatchNormalization\): attribute training_mode=1 is not supported/],
    ['a node outside the chain', () => mlp([{ ...gemm, outputs: ['output'] }, { op: 'Relu', name: 'stray', inputs: ['W'], outputs: ['z'] }]), /node "stray" \(Relu\): is not on the chain/],
    ['two inputs', () => mlp([{ ...gemm, outputs: ['output'] }], { extraInputs: ['mask'] }), /has 2 inputs besides its initializers \("input", "mask"\)/],
    ['two outputs', () => mlp([{ ...gemm, outputs: ['output'] }], { extraOutputs: ['more'] }), /has 2 outputs/],
    ['an op of another domain', () => mlp([{ ...gemm, outputs: ['output'], domain: 'com.microsoft' }]), /node "fc" \(Gemm\): op domain "com.microsoft" is not supported/],
    ['an old operator set', () => mlp([{ ...gemm, outputs: ['output'] }], { opset: 6 }), /operator set 6; dendrite imports opsets 7 to 22/],
    ['a non-flatten Reshape', () => onnxModel({
      input: ['batch', 3, 4, 4], initializers: [shape('S', [0, 3, -1])], nodes: [{ op: 'Reshape', name: 'rs', inputs: ['input', 'S'], outputs: ['output'] }],
    }), /node "rs" \(Reshape\): Reshape to \[0,3,-1\] is not supported: dendrite reads the flatten form/],
    ['another transpose', () => onnxModel({ input: ['batch', 3, 4, 4], nodes: [{ op: 'Transpose', name: 'tr', inputs: ['input'], outputs: ['output'], attrs: { perm: [0, 1, 3, 2] } }] }),
      /node "tr" \(Transpose\): attribute perm=\[0,1,3,2\] is not supported/],
    ['a grouped convolution', () => onnxModel({ input: ['batch', 4, 5, 5], initializers: [w('K', [4, 2, 3, 3])], nodes: [{ op: 'Conv', name: 'grouped', inputs: ['input', 'K'], outputs: ['output'], attrs: { group: 2 } }] }),
      /node "grouped" \(Conv\): attribute group=2 \(a grouped convolution\) is not supported/],
    ['ceil_mode that changes the size', () => convPool({ op: 'MaxPool', name: 'mp', attrs: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 } } as NodeSpec),
      /node "mp" \(MaxPool\): attribute ceil_mode=1 gives a larger output/],
    ['max pooling over zero padding of negative values', () => onnxModel({
      input: ['batch', 3, 6, 6], nodes: [{ op: 'MaxPool', name: 'mp', inputs: ['input'], outputs: ['output'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }],
    }), /node "mp" \(MaxPool\): attribute pads=\[1,1,1,1\] is neither 'valid' nor 'same'/],
    ['average pooling leaving out pads that are not same', () => onnxModel({
      input: ['batch', 3, 6, 6], nodes: [{ op: 'AveragePool', name: 'ap', inputs: ['input'], outputs: ['output'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }],
    }), /node "ap" \(AveragePool\): attribute pads=\[1,1,1,1\] is neither 'valid' nor 'same' \(Keras\) and count_include_pad=0/],
    ['reflection padding', () => onnxModel({ input: ['batch', 3, 6, 6], initializers: [shape('P', [0, 0, 1, 1, 0, 0, 1, 1])], nodes: [{ op: 'Pad', name: 'pad', inputs: ['input', 'P'], outputs: ['output'], attrs: { mode: 'reflect' } }] }),
      /node "pad" \(Pad\): attribute mode=reflect is not supported/],
    ['a flattened NCHW map as the output', () => onnxModel({ input: ['batch', 3, 2, 2], nodes: [{ op: 'Flatten', name: 'f', inputs: ['input'], outputs: ['output'] }] }),
      /ends with a flattened NCHW feature map/],
    ['strides with dilations', () => onnxModel({ input: ['batch', 3, 9, 9], initializers: [w('K', [2, 3, 3, 3])], nodes: [{ op: 'Conv', name: 'dil', inputs: ['input', 'K'], outputs: ['output'], attrs: { strides: [2, 2], dilations: [2, 2] } }] }),
      /node "dil" \(Conv\): attributes strides=\[2,2\] with dilations=\[2,2\] are not supported together/],
    ['pads wider than the window and the input', () => onnxModel({ input: ['batch', 3, 6, 6], initializers: [w('K', [2, 3, 3, 3])], nodes: [{ op: 'Conv', name: 'wide', inputs: ['input', 'K'], outputs: ['output'], attrs: { pads: [0, 9, 0, 0] } }] }),
      /node "wide" \(Conv\): pads \[0,9,0,0\] are wider than both the window \[3,3\] and the input \[6,6\]/],
    ['a 3-D input', () => onnxModel({ input: ['batch', 3, 9], nodes: [{ op: 'Relu', inputs: ['input'], outputs: ['output'] }] }), /input "input" has shape \[batch,3,9\]/],
  ])('%s', (_, make, message) => {
    expect(refusal(make())).toMatch(message);
  });
});

/** A float16 tensor (the values do not matter: it is refused by type). */
function half(name: string, [rows, cols]: number[]): Message {
  return new Message().varint(1, rows).varint(1, cols).varint(2, 10).string(8, name).bytesField(9, new Uint8Array(2 * rows * cols));
}
