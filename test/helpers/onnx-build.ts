// Hand-built ONNX files for the import tests, written with dendrite's own protobuf writer
// (src/io/protobuf.ts): nodes with attributes, float and int64 initializers, one input and one
// output with fixed or symbolic dims, the opset of your choice.
import { fromOnnx, ModelFileError } from '../../src/index.js';
import { Message } from '../../src/io/protobuf.js';

/** An attribute value: an integer, { f } for a float, { floats } for a float list, an int list, a string, or a tensor. */
export type AttrValue = number | { f: number } | { floats: number[] } | number[] | string | Message;

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs?: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, AttrValue>;
}

export interface GraphSpec {
  nodes: NodeSpec[];
  initializers?: Message[];
  /** The input's dims (a string is symbolic, e.g. 'batch'). */
  input?: (number | string)[];
  inputName?: string;
  outputName?: string;
  extraInputs?: string[];
  extraOutputs?: string[];
  opset?: number;
}

/** A float32 tensor (raw little-endian data), or int64 when `int64` is set. */
export function tensor(name: string, dims: number[], values: ArrayLike<number>, int64 = false): Message {
  const t = new Message();
  for (const d of dims) t.varint(1, d);
  t.varint(2, int64 ? 7 : 1).string(8, name);
  const data = int64 ? new BigInt64Array(Array.from(values, (v) => BigInt(v))) : Float32Array.from(values);
  return t.bytesField(9, new Uint8Array(data.buffer));
}

/** Seeded values in [-1, 1), so tests can make weights of any size. */
export function values(n: number, seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31) - 1);
}

function attribute(name: string, v: AttrValue): Message {
  const a = new Message().string(1, name);
  if (v instanceof Message) return a.message(5, v).varint(20, 4);
  if (typeof v === 'string') return a.bytesField(4, new TextEncoder().encode(v)).varint(20, 3);
  if (Array.isArray(v)) {
    for (const i of v) a.varint(8, i < 0 ? BigInt.asUintN(64, BigInt(i)) : i);
    return a.varint(20, 7);
  }
  if (typeof v === 'object' && 'floats' in v) {
    for (const f of v.floats) a.float(7, f);
    return a.varint(20, 6);
  }
  if (typeof v === 'object') return a.float(2, v.f).varint(20, 1);
  return a.varint(3, v < 0 ? BigInt.asUintN(64, BigInt(v)) : v).varint(20, 2);
}

/** A float tensor's name and type; without dims, of unknown shape (the outputs here). */
function valueInfo(name: string, dims?: (number | string)[]): Message {
  const type = new Message().varint(1, 1);
  if (dims) {
    const shape = new Message();
    for (const d of dims) shape.message(1, typeof d === 'string' ? new Message().string(2, d) : new Message().varint(1, d));
    type.message(2, shape);
  }
  return new Message().string(1, name).message(2, new Message().message(1, type));
}

/** The ModelProto bytes of a graph. */
export function onnxModel(spec: GraphSpec): Uint8Array {
  const graph = new Message();
  spec.nodes.forEach((n, i) => {
    const m = new Message();
    for (const x of n.inputs) m.string(1, x);
    for (const y of n.outputs ?? [`${n.name ?? `n${i}`}_out`]) m.string(2, y);
    m.string(3, n.name ?? `n${i}`).string(4, n.op);
    if (n.domain !== undefined) m.string(7, n.domain);
    for (const [k, v] of Object.entries(n.attrs ?? {})) m.message(5, attribute(k, v));
    graph.message(1, m);
  });
  graph.string(2, 'test_graph');
  for (const t of spec.initializers ?? []) graph.message(5, t);
  graph.message(11, valueInfo(spec.inputName ?? 'input', spec.input ?? ['batch', 4]));
  for (const x of spec.extraInputs ?? []) graph.message(11, valueInfo(x, ['batch', 4]));
  graph.message(12, valueInfo(spec.outputName ?? 'output'));
  for (const y of spec.extraOutputs ?? []) graph.message(12, valueInfo(y));
  return new Message()
    .varint(1, 8)
    .string(2, 'test')
    .message(7, graph)
    .message(8, new Message().string(1, '').varint(2, spec.opset ?? 13))
    .bytes();
}

/** NCHW → NHWC for a batch of images. */
export function toNhwc(x: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) out[((i * h + y) * w + z) * c + ch] = x[((i * c + ch) * h + y) * w + z];
    }
  }
  return out;
}

/**
 * What tf2onnx writes for a small Keras CNN: the NHWC input (batch, 6, 6, 2) transposed to NCHW,
 * Conv (SAME_UPPER) + Relu + MaxPool, transposed back to NHWC, Reshape [-1, 27], MatMul + Add
 * (the bias first, as Add may have it), Softmax.
 */
export function tf2onnxGraph(): Uint8Array {
  const w = (name: string, dims: number[], seed: number) => tensor(name, dims, values(dims.reduce((a, d) => a * d, 1), seed));
  return onnxModel({
    input: ['batch', 6, 6, 2],
    initializers: [w('K', [3, 2, 3, 3], 1), w('KB', [3], 2), w('M', [27, 4], 3), w('MB', [4], 4), tensor('S', [2], [-1, 27], true)],
    nodes: [
      { op: 'Transpose', inputs: ['input'], outputs: ['t'], attrs: { perm: [0, 3, 1, 2] } },
      { op: 'Conv', inputs: ['t', 'K', 'KB'], outputs: ['c'], attrs: { auto_pad: 'SAME_UPPER', strides: [1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Transpose', inputs: ['p'], outputs: ['back'], attrs: { perm: [0, 2, 3, 1] } },
      { op: 'Reshape', inputs: ['back', 'S'], outputs: ['flat'] },
      { op: 'MatMul', inputs: ['flat', 'M'], outputs: ['mm'] },
      { op: 'Add', inputs: ['MB', 'mm'], outputs: ['logits'] },
      { op: 'Softmax', inputs: ['logits'], outputs: ['output'], attrs: { axis: -1 } },
    ],
  });
}

/** The message of the ModelFileError fromOnnx throws for `bytes` (anything else fails the test). */
export function refusal(bytes: Uint8Array): string {
  try {
    fromOnnx(bytes).dispose();
  } catch (e) {
    if (!(e instanceof ModelFileError)) throw e;
    return e.message;
  }
  throw new Error('the file was not refused');
}
