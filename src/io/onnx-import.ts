// ONNX import: a sequential ONNX graph (what torch.onnx.export and tf2onnx write for MLPs and
// CNNs) as a dendrite model. The graph is walked from its one input to its one output; each node,
// or each known multi-node pattern (exact GELU built from Erf, swish, PyTorch's
// x.view(x.size(0), -1) and F.interpolate(x, size=...), which read x's shape), must be the only
// consumer of the value before it, and every node must be on that chain. NCHW images become NHWC:
// kernels are transposed, and the dense layer after a Flatten gets its rows permuted from ONNX's
// c-h-w order to our h-w-c, so the model predicts what the original does on the same images laid
// out NHWC. The resulting config and weights then pass the same checks as a native file
// (model-file.ts assembleModel).
import { DendriteError, ModelFileError, ValueError } from '../errors.js';
import { describe } from '../check.js';
import type { Sequential } from '../model/sequential.js';
import { type LoadedTensor, type ModelConfig, type ModelLoadOptions, assembleModel, checkConfig } from './model-file.js';
import { Attrs, Builder, type Ctx, Graph, type Value, refuse, where } from './onnx-import-graph.js';
import { converters, flattenTo } from './onnx-ops.js';
import { resizeToSize } from './onnx-resize.js';
import { DT_FLOAT, type OnnxModel, type OnnxNode, dtypeName, readOnnx } from './onnx-read.js';
import { type LoadSource, readSource } from './storage.js';

/** Operator-set versions whose ops the converters know (PyTorch writes 7–17, tf2onnx 9–18). */
const OPSETS = [7, 22];

/** A dendrite model from the bytes of an .onnx file; every problem is a ModelFileError. */
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, options: ModelLoadOptions = {}): Sequential {
  const data = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  if (!(data instanceof Uint8Array)) throw new ValueError(`fromOnnx takes the bytes of an .onnx file (Uint8Array or ArrayBuffer), got ${describe(bytes)}`);
  const { config, tensors } = convert(readOnnx(data));
  return assembleModel(checkConfig(config), tensors, undefined, options);
}

/** Load an .onnx file: a path, file:// or http(s) URL, a File / Blob, or its bytes. */
export async function loadOnnx(source: LoadSource, options: ModelLoadOptions = {}): Promise<Sequential> {
  return fromOnnx(await readSource(source), options);
}

function convert(model: OnnxModel): { config: ModelConfig; tensors: Map<string, LoadedTensor> } {
  if (model.opset < OPSETS[0] || model.opset > OPSETS[1]) {
    throw new ModelFileError(`the ONNX model uses operator set ${model.opset}; dendrite imports opsets ${OPSETS[0]} to ${OPSETS[1]}`);
  }
  const g = new Graph(model);
  const b = new Builder();
  const { value: first, batch } = input(g);
  const c: Ctx = { g, b, opset: model.opset, batch, attrs: (n, known) => new Attrs(n, known) };
  let v = first;
  for (let users = g.consumers(v.name); users.length; users = g.consumers(v.name)) v = step(c, v, users);
  const out = model.outputs.map((o) => o.name);
  if (out.length !== 1) throw new ModelFileError(`the ONNX graph has ${out.length} outputs (${list(out)}); dendrite imports graphs with one`);
  if (v.name !== out[0]) throw new ModelFileError(`the chain of nodes from input "${first.name}" ends at "${v.name}", not at the graph's output "${out[0]}"`);
  const stray = model.nodes.find((n) => !g.done.has(n));
  if (stray) throw refuse(stray, `is not on the chain from input "${first.name}" to output "${out[0]}"; dendrite imports sequential graphs`);
  if (v.chw) throw new ModelFileError('the graph ends with a flattened NCHW feature map, whose order dendrite (which flattens NHWC) cannot reproduce');
  if (!b.layers.length) throw new ModelFileError('the ONNX graph computes nothing dendrite has a layer for (it is the identity)');
  b.layers[0].inputShape = first.shape;
  const name = model.graphName && model.graphName.length <= 100 ? model.graphName : 'onnx_model';
  return { config: { name, inputShape: first.shape, layers: b.layers }, tensors: b.tensors };
}

/** The graph's one real input (initializers may be listed as inputs too), as the first value. */
function input(g: Graph): { value: Value; batch?: number } {
  const inputs = g.model.inputs.filter((i) => !g.constants.has(i.name));
  if (inputs.length !== 1) throw new ModelFileError(`the ONNX graph has ${inputs.length} inputs besides its initializers (${list(inputs.map((i) => i.name))}); dendrite imports graphs with one`);
  const x = inputs[0];
  const what = `the graph's input "${x.name.slice(0, 80)}"`;
  if (x.elemType !== DT_FLOAT) throw new ModelFileError(`${what} is ${dtypeName(x.elemType)}; dendrite takes float32 inputs`);
  const dims = x.dims ?? [];
  const rest = dims.slice(1);
  if ((dims.length !== 2 && dims.length !== 4) || !rest.every((d) => typeof d === 'number' && d >= 1 && d <= 2 ** 31)) {
    throw new ModelFileError(`${what} has shape [${dims.map((d) => d ?? '?')}]; dendrite imports (batch, features) or (batch, c, h, w) inputs with fixed sizes after the batch`);
  }
  const batch = typeof dims[0] === 'number' && dims[0] >= 1 ? dims[0] : undefined;
  const [a, b, c] = rest as number[];
  if (dims.length === 2) return { value: { name: x.name, layout: 'flat', shape: [a], nonNegative: false }, batch };
  // tf2onnx keeps Keras' NHWC input and transposes it to NCHW first.
  const users = g.consumers(x.name);
  const perm = users.length === 1 && users[0].opType === 'Transpose' ? users[0].attributes.find((t) => t.name === 'perm')?.ints : undefined;
  const nhwc = perm?.length === 4 && [0, 3, 1, 2].every((p, i) => perm[i] === p);
  const value: Value = nhwc ? { name: x.name, layout: 'nhwc', shape: [a, b, c], nonNegative: false } : { name: x.name, layout: 'nchw', shape: [b, c, a], nonNegative: false };
  return { value, batch };
}

/** Convert the node (or pattern) that consumes `v`. */
function step(c: Ctx, v: Value, users: OnnxNode[]): Value {
  const cycle = users.find((u) => c.g.done.has(u));
  if (cycle) throw refuse(cycle, `its input "${v.name.slice(0, 80)}" comes after it: the graph has a cycle`);
  const matched = gelu(c, v, users) ?? swish(c, v, users) ?? viewFlatten(c, v, users) ?? resizeToSize(c, v, users);
  if (matched) return matched;
  if (users.length > 1) {
    throw new ModelFileError(`ONNX value "${v.name.slice(0, 80)}" feeds ${users.length} nodes (${list(users.map(where))}); dendrite imports sequential graphs, one chain from input to output`);
  }
  const n = users[0];
  if (n.domain !== '' && n.domain !== 'ai.onnx') throw refuse(n, `op domain "${n.domain.slice(0, 60)}" is not supported: dendrite reads the standard ai.onnx ops`);
  const converter = Object.hasOwn(converters, n.opType) ? converters[n.opType] : undefined;
  if (!converter) {
    throw refuse(n, `op ${n.opType.slice(0, 40)} is not supported; dendrite imports ${Object.keys(converters).join(', ')}, Add as the bias after MatMul, and the exact GELU (Erf) and swish patterns`);
  }
  if (n.inputs[0] !== v.name) throw refuse(n, `takes "${v.name.slice(0, 80)}" as input ${n.inputs.indexOf(v.name)}; dendrite needs the data as the first input`);
  for (let i = 1; i < n.inputs.length; i++) c.g.constant(n, i, 'input');
  if (n.outputs.length < 1) throw refuse(n, 'has no output');
  c.g.done.add(n);
  try {
    return converter(c, n, v);
  } catch (e) {
    // A layer's constructor refusing what the node asks for (e.g. a rate out of range).
    if (e instanceof DendriteError && !(e instanceof ModelFileError)) throw refuse(n, e.message);
    throw e;
  }
}

/** Exact GELU, x · ½ · (1 + erf(x / √2)), in the orders torch and dendrite's export write it. */
function gelu(c: Ctx, v: Value, users: OnnxNode[]): Value | undefined {
  const x = v.name;
  const g = c.g;
  const scale = users.find((n) => (n.opType === 'Div' && n.inputs[0] === x && g.scalar(n.inputs[1], Math.SQRT2)) || (n.opType === 'Mul' && g.scalar(other(n, x), Math.SQRT1_2)));
  const erf = scale && g.sole(scale.outputs[0], 'Erf');
  const add = erf && g.sole(erf.outputs[0], 'Add');
  const rest = users.filter((n) => n !== scale);
  if (!add || !g.scalar(other(add, erf.outputs[0]), 1) || rest.length !== 1 || rest[0].opType !== 'Mul') return undefined;
  const m = rest[0];
  const after = g.sole(add.outputs[0], 'Mul');
  let tail: OnnxNode[] | undefined; // the two Muls, the last one giving the result
  if (after === m) {
    const end = g.sole(m.outputs[0], 'Mul'); // (x · (1 + erf)) · ½, as torch writes it
    if (end && g.scalar(other(end, m.outputs[0]), 0.5)) tail = [m, end];
  } else if (after && g.scalar(other(after, add.outputs[0]), 0.5) && other(m, x) === after.outputs[0]) {
    tail = [after, m]; // x · ((1 + erf) · ½), as dendrite's export writes it
  } else if (after && g.scalar(other(m, x), 0.5) && other(after, add.outputs[0]) === m.outputs[0]) {
    tail = [m, after]; // (x · ½) · (1 + erf)
  }
  return tail && pattern(c, v, [scale, erf, add, ...tail], 'gelu', tail[1]);
}

/** swish (SiLU): x · sigmoid(x). */
function swish(c: Ctx, v: Value, users: OnnxNode[]): Value | undefined {
  const s = users.find((n) => n.opType === 'Sigmoid');
  const m = s && c.g.sole(s.outputs[0], 'Mul');
  if (users.length !== 2 || !m || !users.includes(m) || other(m, v.name) !== s.outputs[0]) return undefined;
  return pattern(c, v, [s, m], 'swish', m);
}

/** PyTorch's x.view(x.size(0), -1): Shape → Gather(0) → Unsqueeze(0) → Concat with [-1] → Reshape. */
function viewFlatten(c: Ctx, v: Value, users: OnnxNode[]): Value | undefined {
  const g = c.g;
  const shape = users.find((n) => n.opType === 'Shape' && n.attributes.length === 0);
  const reshape = users.find((n) => n.opType === 'Reshape' && n.inputs[0] === v.name);
  const gather = shape && g.sole(shape.outputs[0], 'Gather');
  const unsqueeze = gather && g.sole(gather.outputs[0], 'Unsqueeze');
  const concat = unsqueeze && g.sole(unsqueeze.outputs[0], 'Concat');
  if (users.length !== 2 || !reshape || !concat || reshape.inputs[1] !== concat.outputs[0]) return undefined;
  const attr = (n: OnnxNode, name: string) => n.attributes.find((a) => a.name === name);
  const features = v.shape.reduce((a, d) => a * d, 1);
  const axes = attr(unsqueeze, 'axes')?.ints;
  const axesZero = axes ? axes.length === 1 && axes[0] === 0 : g.intsAre(unsqueeze.inputs[1], [0]);
  const tail = concat.inputs[1];
  const ok = g.intsAre(gather.inputs[1], [0]) && (attr(gather, 'axis')?.i ?? 0) === 0 && axesZero && attr(concat, 'axis')?.i === 0 &&
    concat.inputs[0] === unsqueeze.outputs[0] && (g.intsAre(tail, [-1]) || g.intsAre(tail, [features])) && concat.inputs.length === 2;
  if (!ok) return undefined;
  for (const n of [shape, gather, unsqueeze, concat, reshape]) g.done.add(n);
  return flattenTo(c, v, reshape.outputs[0]);
}

/** Mark a pattern's nodes converted and add its activation. */
function pattern(c: Ctx, v: Value, nodes: (OnnxNode | undefined)[], activation: string, end: OnnxNode): Value {
  for (const n of nodes) if (n) c.g.done.add(n);
  c.b.activation(activation);
  return { ...v, name: end.outputs[0], nonNegative: false };
}

/** The other input of a two-input node that takes `name`. */
function other(n: OnnxNode | undefined, name: string): string | undefined {
  if (!n || n.inputs.length !== 2) return undefined;
  return n.inputs[0] === name ? n.inputs[1] : n.inputs[1] === name ? n.inputs[0] : undefined;
}

function list(names: string[]): string {
  return names.slice(0, 4).map((s) => (s.startsWith('ONNX node') ? s.slice(10) : JSON.stringify(s.slice(0, 60)))).join(', ') + (names.length > 4 ? ', …' : '');
}
