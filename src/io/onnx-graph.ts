// The ONNX graph the exporter builds (https://onnx.ai/onnx/intro/concepts.html): nodes kept as
// plain records until the end (so the last value can be renamed to the graph's output),
// initializers, and the layout of every value. Values are laid out as Keras lays them out
// (channels last: [N, H, W, C], [N, L, C]) or channels first ([N, C, H, W], [N, C, L]), which is
// what ONNX's Conv, pooling, BatchNormalization and Resize need; `channelsFirst` / `channelsLast`
// insert a Transpose only where the layout changes, so a stack of convolutions and poolings is
// transposed once on the way in and once on the way out. The activations' ops live here too,
// since dense and spatial layers both end with them.
import type { Geometry } from '../engine/conv-plan.js';
import { ValueError } from '../errors.js';
import { Message } from './protobuf.js';

const FLOAT = 1; // TensorProto.DataType
const INT64 = 7;
const ATTR = { float: 1, int: 2, string: 3, ints: 7 } as const; // AttributeProto.AttributeType

/** A node attribute: a float, an int, a list of ints or a string. */
export type AttrValue = { f: number } | number | number[] | string;

/** A value of the graph: its name, rank (batch included) and whether it is channels first. */
export interface Value {
  name: string;
  rank: number;
  channelsFirst: boolean;
}

interface Node {
  op: string;
  inputs: string[];
  output: string;
  attrs: Record<string, AttrValue>;
  /** Optional outputs after the first (MaxPool's Indices). */
  more?: string[];
}

/** The graph under construction: nodes, initializers, fresh value names. */
export class Graph {
  private readonly nodes: Node[] = [];
  private readonly initializers: Message[] = [];
  private readonly named = new Set<string>();
  private count = 0;
  private constants = new Map<number, string>();
  /** Values that are the output of a zero Pad, or a Transpose of one (see zeroPadded). */
  private padded = new Set<string>();

  fresh(stem: string): string {
    return `${stem}_${this.count++}`;
  }

  /** One node; returns the name of its output (a fresh one from `stem`); `more` names optional further outputs. */
  node(op: string, inputs: string[], stem: string, attrs: Record<string, AttrValue> = {}, more?: string[]): string {
    const output = this.fresh(stem);
    this.nodes.push({ op, inputs, output, attrs, more });
    return output;
  }

  /** Record that `x` is zero-padded (the output of a Pad with zeros). */
  markPadded(x: Value): Value {
    this.padded.add(x.name);
    return x;
  }

  /**
   * True when `x` is a zero Pad's output, directly or through a Transpose. ONNX Runtime's PadFusion
   * (level-1 graph optimisation) folds such a Pad into a following MaxPool's pads, which MaxPool
   * treats as −∞, not 0: a window of negative values then returns its maximum instead of the
   * padding's 0. A MaxPool with its optional Indices output is left alone, so io/onnx-spatial.ts
   * gives one to a MaxPool that reads a padded value (the graph is correct ONNX either way).
   */
  zeroPadded(x: Value): boolean {
    return this.padded.has(x.name);
  }

  /** A node whose output keeps the rank and layout of `like`. */
  op(op: string, inputs: string[], like: Value, stem: string, attrs: Record<string, AttrValue> = {}): Value {
    return { ...like, name: this.node(op, inputs, stem, attrs) };
  }

  /** A float32 initializer (once per name: the first data given wins). */
  initializer(name: string, dims: readonly number[], data: Float32Array): string {
    if (!this.named.has(name)) this.tensor(name, dims, FLOAT, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return name;
  }

  /** An int64 initializer (shapes and pads given as inputs). */
  int64s(stem: string, values: readonly number[]): string {
    const name = this.fresh(stem);
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    return this.tensor(name, [values.length], INT64, new Uint8Array(data.buffer));
  }

  private tensor(name: string, dims: readonly number[], type: number, raw: Uint8Array): string {
    const t = new Message();
    for (const d of dims) t.varint(1, d);
    t.varint(2, type).string(8, name).bytesField(9, raw);
    this.initializers.push(t);
    this.named.add(name);
    return name;
  }

  /** A scalar float constant, shared by every node that needs the same value. */
  constant(value: number): string {
    let name = this.constants.get(value);
    if (!name) {
      name = this.initializer(`const_${this.constants.size}`, [], Float32Array.of(value));
      this.constants.set(value, name);
    }
    return name;
  }

  /** `x` channels first (a Transpose when it is channels last and has spatial axes). */
  channelsFirst(x: Value): Value {
    if (x.channelsFirst || x.rank <= 2) return x;
    const perm = [0, x.rank - 1, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 1)];
    return this.transposed(x, { name: this.node('Transpose', [x.name], 'to_nchw', { perm }), rank: x.rank, channelsFirst: true });
  }

  /** `x` channels last, Keras' layout (a Transpose when it is channels first). */
  channelsLast(x: Value): Value {
    if (!x.channelsFirst) return x;
    const perm = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2), 1];
    return this.transposed(x, { name: this.node('Transpose', [x.name], 'to_nhwc', { perm }), rank: x.rank, channelsFirst: false });
  }

  private transposed(x: Value, y: Value): Value {
    return this.zeroPadded(x) ? this.markPadded(y) : y;
  }

  /** Make `x` (channels last) the graph's output `name`: rename the node that makes it, or add an Identity. */
  finish(x: Value, name: string): void {
    const producer = this.nodes.find((n) => n.output === x.name);
    if (!producer) {
      this.nodes.push({ op: 'Identity', inputs: [x.name], output: name, attrs: {} });
      return;
    }
    producer.output = name;
    for (const n of this.nodes) n.inputs = n.inputs.map((i) => (i === x.name ? name : i));
  }

  /** GraphProto fields 1 (nodes) and 5 (initializers), appended to `graph`. */
  encodeInto(graph: Message, name: string): Message {
    this.nodes.forEach((n, i) => graph.message(1, encodeNode(n, i)));
    graph.string(2, name);
    for (const t of this.initializers) graph.message(5, t);
    return graph;
  }
}

function encodeNode(n: Node, index: number): Message {
  const m = new Message();
  for (const i of n.inputs) m.string(1, i);
  m.string(2, n.output);
  for (const o of n.more ?? []) m.string(2, o);
  m.string(3, `${n.op}_${index}`).string(4, n.op);
  for (const [name, v] of Object.entries(n.attrs)) {
    const a = new Message().string(1, name);
    if (typeof v === 'number') a.varint(3, v).varint(20, ATTR.int);
    else if (typeof v === 'string') a.string(4, v).varint(20, ATTR.string);
    else if (Array.isArray(v)) {
      for (const i of v) a.varint(8, i);
      a.varint(20, ATTR.ints);
    } else a.float(2, v.f).varint(20, ATTR.float);
    m.message(5, a);
  }
  return m;
}

/** The ops of an activation applied to `x` (softmax over the channel axis, as Keras' last axis). */
export function activation(g: Graph, spec: unknown, x: Value): Value {
  const name = typeof spec === 'string' ? spec : (spec as { name: string }).name;
  const alpha = typeof spec === 'object' && spec !== null ? (spec as { alpha?: number }).alpha : undefined;
  const op = (type: string, attrs: Record<string, AttrValue> = {}) => g.op(type, [x.name], x, name, attrs);
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return op('Relu');
    case 'sigmoid':
      return op('Sigmoid');
    case 'tanh':
      return op('Tanh');
    case 'softplus':
      return op('Softplus');
    case 'softmax':
      return op('Softmax', { axis: x.channelsFirst ? 1 : x.rank - 1 });
    case 'leakyRelu':
      return op('LeakyRelu', { alpha: { f: alpha ?? 0.2 } });
    case 'elu':
      return op('Elu', { alpha: { f: alpha ?? 1 } });
    case 'selu': // Keras' constants, as assembly/activation.ts uses them
      return op('Selu', { alpha: { f: 1.6732632423543772 }, gamma: { f: 1.0507009873554805 } });
    case 'gelu': {
      // x · ½ · (1 + erf(x / √2)), exact as dendrite's gelu (and TF.js', and torch's default)
      const erf = g.node('Erf', [g.node('Mul', [x.name, g.constant(Math.SQRT1_2)], 'gelu_scaled')], 'gelu_erf');
      const cdf = g.node('Mul', [g.node('Add', [erf, g.constant(1)], 'gelu_1p'), g.constant(0.5)], 'gelu_cdf');
      return g.op('Mul', [x.name, cdf], x, 'gelu');
    }
    case 'swish':
    case 'silu':
      return g.op('Mul', [x.name, g.node('Sigmoid', [x.name], 'swish_sigmoid')], x, name);
    default:
      throw new ValueError(`activation ${JSON.stringify(name)} has no ONNX export`);
  }
}

/** What the ops of one layer get: the graph, the layer's saved config and built instance, its weights and input. */
export interface LayerContext {
  g: Graph;
  /** The layer's saved config (type, name, options). */
  l: { type: string; name: string; [option: string]: unknown };
  /** The built layer (geometry, shapes). */
  layer: { inShape: number[]; outShape: number[]; geometry?: Geometry };
  /** A weight as its initializer, unchanged (e.g. a dense kernel): its name. */
  w: (name: string) => string;
  /** A weight's data and Keras shape, for ops that need it in another layout. */
  weight: (name: string) => { name: string; shape: number[]; data: Float32Array };
  x: Value;
}

/** The ops of one layer type; returns the layer's output value (its input, for an identity). */
export type LayerOps = (c: LayerContext) => Value;
