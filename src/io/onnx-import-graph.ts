// What the ONNX import's op converters share (onnx-graph.ts is the exporter's graph): the graph (constants, who consumes each value,
// which nodes were converted), checked access to a node's attributes and constant inputs, the
// value flowing down the chain with its layout, and the dendrite layers being built. Every
// refusal names the node, its op and the attribute or input at fault.
import { ModelFileError } from '../errors.js';
import { layerFromConfig } from '../layers/index.js';
import type { LayerConfig } from '../layers/layer.js';
import type { LoadedTensor, SavedLayer } from './model-file.js';
import { ATTR, DT_FLOAT, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor, dtypeName } from './onnx-read.js';

/**
 * The tensor between two nodes. `shape` is dendrite's per-sample shape (channels last); `layout`
 * says how ONNX sees the same values: 'flat' (features), 'nchw' (ONNX [c, h, w], stored [h, w, c]),
 * 'nhwc' (ONNX [h, w, c], as stored: after tf2onnx's transpose back), 'pooled' (ONNX [c, 1, 1]
 * after a global pooling, stored [c]).
 */
export interface Value {
  name: string;
  layout: 'flat' | 'nchw' | 'nhwc' | 'pooled';
  shape: number[];
  /** Flat only: the [c, h, w] map this was flattened from in ONNX's order, when that differs from ours. */
  chw?: [number, number, number];
  /** Known to be ≥ 0 (after Relu, Sigmoid, ...): zero padding then cannot win a max pooling. */
  nonNegative: boolean;
}

/** What every converter gets: the graph, the model being built, the opset, checked attributes. */
export interface Ctx {
  g: Graph;
  b: Builder;
  opset: number;
  /** The batch size when the graph's input fixes it (PyTorch exports without dynamic axes). */
  batch?: number;
  attrs(n: OnnxNode, known: readonly string[]): Attrs;
}

/** One ONNX op: adds layers for node `n`, which consumes `v`, and returns the value it produces. */
export type Converter = (c: Ctx, n: OnnxNode, v: Value) => Value;

/** Where flat feature `i` of ours (h, w, c order) sits in ONNX's (c, h, w) order. */
export function onnxIndex(v: Value, i: number): number {
  if (!v.chw) return i;
  const [c, h, w] = v.chw;
  const ch = i % c;
  const pixel = (i - ch) / c;
  return ch * h * w + pixel;
}

export const where = (n: OnnxNode) => `ONNX node "${n.name.slice(0, 100)}" (${n.opType.slice(0, 40)})`;

export function refuse(n: OnnxNode, problem: string): ModelFileError {
  return new ModelFileError(`${where(n)}: ${problem}`);
}

/** Refuse a value whose layout is not one of `layouts`: `what` says what the op takes. */
export function need(v: Value, layouts: Value['layout'][], n: OnnxNode, what: string): void {
  if (!layouts.includes(v.layout)) {
    const got = v.layout === 'flat' ? 'a (batch, features) matrix' : v.layout === 'pooled' ? 'a globally pooled (batch, c, 1, 1) map' : `an ${v.layout.toUpperCase()} feature map`;
    throw refuse(n, `${what}, got ${got}`);
  }
}

/** The graph being converted. */
export class Graph {
  readonly constants = new Map<string, OnnxTensor>();
  private readonly users = new Map<string, OnnxNode[]>();
  readonly done = new Set<OnnxNode>();
  readonly outputs: Set<string>;

  constructor(readonly model: OnnxModel) {
    for (const t of model.initializers) this.constants.set(t.name, t);
    for (const n of model.nodes) {
      if (n.opType === 'Constant' && n.domain === '') {
        this.constants.set(n.outputs[0] ?? '', constantValue(n));
        this.done.add(n);
        continue;
      }
      for (const i of new Set(n.inputs)) {
        if (i === '') continue;
        const list = this.users.get(i);
        if (list) list.push(n);
        else this.users.set(i, [n]);
      }
    }
    this.outputs = new Set(model.outputs.map((o) => o.name));
  }

  consumers(value: string): OnnxNode[] {
    return this.users.get(value) ?? [];
  }

  /** The one node consuming `value` if it is an `op` and `value` is not also a graph output. */
  sole(value: string, op: string): OnnxNode | undefined {
    const u = this.consumers(value);
    return u.length === 1 && u[0].opType === op && !this.outputs.has(value) ? u[0] : undefined;
  }

  /** True if input `name` is a one-element float constant within 1e-6 (relative) of `target`. */
  scalar(name: string | undefined, target: number): boolean {
    const t = name === undefined ? undefined : this.constants.get(name);
    return !!t && t.dataType === DT_FLOAT && t.values?.length === 1 && Math.abs(t.values[0] - target) <= 1e-6 * Math.abs(target);
  }

  /** True if `name` is a constant holding exactly the integers `want` (for matching patterns). */
  intsAre(name: string | undefined, want: number[]): boolean {
    const v = name === undefined ? undefined : this.constants.get(name)?.values;
    return Array.isArray(v) && v.length === want.length && want.every((x, i) => v[i] === x);
  }

  /** Input `i` of the node as a constant (initializer or Constant node), or undefined if omitted. */
  constant(n: OnnxNode, i: number, what: string): OnnxTensor | undefined {
    const name = n.inputs[i];
    if (name === undefined || name === '') return undefined;
    const t = this.constants.get(name);
    if (!t) throw refuse(n, `its ${what} "${name.slice(0, 80)}" (input ${i}) is computed in the graph; dendrite needs it as a constant (an initializer)`);
    return t;
  }

  /** A float constant input, with its dims checked by `dims` (given the tensor, true when right). */
  floats(n: OnnxNode, i: number, what: string, expected: string, dims: (d: number[]) => boolean): Float32Array {
    const t = this.constant(n, i, what);
    if (!t) throw refuse(n, `its ${what} (input ${i}) is missing`);
    if (t.dataType !== DT_FLOAT) throw refuse(n, `its ${what} "${t.name.slice(0, 80)}" is ${dtypeName(t.dataType)}; dendrite reads float32 weights`);
    if (!dims(t.dims)) throw refuse(n, `its ${what} "${t.name.slice(0, 80)}" has shape [${t.dims}], expected ${expected}`);
    const bad = (t.values as Float32Array).findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw refuse(n, `its ${what} "${t.name.slice(0, 80)}" holds ${t.values![bad]} at index ${bad}`);
    return t.values as Float32Array;
  }

  /** An integer constant input (shapes, pads), or undefined if omitted. */
  ints(n: OnnxNode, i: number, what: string): number[] | undefined {
    const t = this.constant(n, i, what);
    if (!t) return undefined;
    if (!Array.isArray(t.values) || !t.values.every(Number.isSafeInteger)) throw refuse(n, `its ${what} must be an int64 tensor, got ${dtypeName(t.dataType)}`);
    return t.values;
  }
}

/** A Constant node's value as a tensor (value, value_float(s), value_int(s)). */
function constantValue(n: OnnxNode): OnnxTensor {
  const a = n.attributes[0];
  const name = n.outputs[0] ?? '';
  if (n.attributes.length !== 1) return { name, dims: [], dataType: 0 };
  if (a.name === 'value' && a.t) return { ...a.t, name };
  if (a.name === 'value_float' && a.f !== undefined) return { name, dims: [], dataType: DT_FLOAT, values: Float32Array.of(a.f) };
  if (a.name === 'value_floats') return { name, dims: [a.floats.length], dataType: DT_FLOAT, values: Float32Array.from(a.floats) };
  if (a.name === 'value_int' && a.i !== undefined) return { name, dims: [], dataType: 7, values: [a.i] };
  if (a.name === 'value_ints') return { name, dims: [a.ints.length], dataType: 7, values: a.ints };
  return { name, dims: [], dataType: 0 }; // sparse or string: refused where used
}

/** A node's attributes, checked against the names its converter understands. */
export class Attrs {
  private readonly byName = new Map<string, OnnxAttribute>();

  constructor(
    private readonly n: OnnxNode,
    known: readonly string[],
  ) {
    for (const a of n.attributes) {
      if (!known.includes(a.name)) {
        throw refuse(n, `attribute "${a.name.slice(0, 60)}" is not supported${known.length ? ` (dendrite reads ${known.join(', ')})` : ''}`);
      }
      this.byName.set(a.name, a);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  private get(name: string, type: number, present: (a: OnnxAttribute) => boolean): OnnxAttribute | undefined {
    const a = this.byName.get(name);
    if (a && ((a.type !== 0 && a.type !== type) || !present(a))) {
      const names = ['undefined', 'float', 'int', 'string', 'tensor', 'graph', 'floats', 'ints'];
      throw refuse(this.n, `attribute ${name} is of type ${names[a.type] ?? a.type}; expected ${names[type]}`);
    }
    return a;
  }

  int(name: string, fallback: number): number {
    const v = this.get(name, ATTR.INT, (a) => a.i !== undefined)?.i ?? fallback;
    if (!Number.isSafeInteger(v)) throw refuse(this.n, `attribute ${name}=${v} is not a valid integer`);
    return v;
  }

  float(name: string, fallback: number): number {
    const v = this.get(name, ATTR.FLOAT, (a) => a.f !== undefined)?.f ?? fallback;
    if (!Number.isFinite(v)) throw refuse(this.n, `attribute ${name}=${v} is not finite`);
    return v;
  }

  string(name: string, fallback: string): string {
    return this.get(name, ATTR.STRING, (a) => a.s !== undefined)?.s ?? fallback;
  }

  /** A float-list attribute (Upsample-7's scales); the caller checks the values. */
  floats(name: string): number[] | undefined {
    return this.get(name, ATTR.FLOATS, () => true)?.floats;
  }

  ints(name: string, fallback?: number[]): number[] | undefined {
    const v = this.get(name, ATTR.INTS, () => true)?.ints ?? fallback;
    if (v && !v.every(Number.isSafeInteger)) throw refuse(this.n, `attribute ${name} holds a value that is not a valid integer`);
    return v;
  }
}

/** The dendrite model under construction: layers with unique names, and their weights. */
export class Builder {
  readonly layers: SavedLayer[] = [];
  readonly tensors = new Map<string, LoadedTensor>();
  private readonly counts = new Map<string, number>();

  /** A layer from its options (checked by its constructor: the saved config is complete, defaults filled in). */
  add(type: string, options: Record<string, unknown>, weights: Record<string, LoadedTensor> = {}): SavedLayer {
    const made = layerFromConfig({ type, ...options } as LayerConfig);
    const k = this.counts.get(made.baseName) ?? 0;
    this.counts.set(made.baseName, k + 1);
    made.name = k ? `${made.baseName}_${k}` : made.baseName; // Keras' names: conv2d, conv2d_1, ...
    const layer = made.getConfig() as unknown as SavedLayer;
    this.layers.push(layer);
    for (const [w, t] of Object.entries(weights)) this.tensors.set(`${layer.name}/${w}`, t);
    return layer;
  }

  /** An activation: fused into the layer before when that is linear (a dense or convolution), else a layer of its own. */
  activation(spec: unknown): void {
    const last = this.layers[this.layers.length - 1];
    if (last && ['dense', 'conv2d', 'depthwiseConv2d'].includes(last.type) && last.activation === 'linear') last.activation = spec;
    else this.add('activation', { activation: spec });
  }
}
