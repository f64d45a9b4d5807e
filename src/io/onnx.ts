// ONNX export (https://onnx.ai/onnx/intro/concepts.html): the model as one ModelProto, written by
// our own protobuf writer. Opset 17 (IR version 8), which ONNX Runtime ≥ 1.12 and most other
// runtimes read. The graph has one input "input" (batch, features) and one output "output"
// (batch, units), the batch dimension symbolic ("batch"), and the weights as float32
// initializers named as in the model file. A dense layer is Gemm (kernel (in, units) as B, no
// transpose) followed by its activation's ops; gelu is the exact form built from Erf, swish is
// x·Sigmoid(x); batch / layer normalisation are the BatchNormalization (moving statistics) and
// LayerNormalization ops; dropout is the identity. The output is what predict() returns.
import { checkObject, describe } from '../check.js';
import { ValueError } from '../errors.js';
import { Sequential } from '../model/sequential.js';
import { type SavedLayer, modelConfig } from './model-file.js';
import { Message } from './protobuf.js';

export const ONNX_OPSET = 17;
const IR_VERSION = 8;
const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_FLOAT = 1;
const ATTR_INT = 2;

/** Options of `toOnnx`. */
export interface ToOnnxOptions {
  /** Name of the graph's input. Default 'input'. */
  inputName?: string;
  /** Name of the graph's output. Default 'output'. */
  outputName?: string;
}

type Attr = [name: string, value: number, type: typeof ATTR_FLOAT | typeof ATTR_INT];

/** The graph under construction: nodes, initializers, fresh value names. */
class Graph {
  readonly nodes: Message[] = [];
  readonly initializers: Message[] = [];
  private count = 0;
  private constants = new Map<number, string>();

  fresh(stem: string): string {
    return `${stem}_${this.count++}`;
  }

  node(op: string, inputs: string[], output: string, attrs: Attr[] = []): string {
    const n = new Message();
    for (const i of inputs) n.string(1, i);
    n.string(2, output).string(3, `${op}_${this.count++}`).string(4, op);
    for (const [name, value, type] of attrs) {
      const a = new Message().string(1, name);
      if (type === ATTR_FLOAT) a.float(2, value);
      else a.varint(3, value);
      n.message(5, a.varint(20, type));
    }
    this.nodes.push(n);
    return output;
  }

  initializer(name: string, dims: number[], data: Float32Array): string {
    const t = new Message();
    for (const d of dims) t.varint(1, d);
    t.varint(2, FLOAT).string(8, name).bytesField(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.initializers.push(t);
    return name;
  }

  /** A scalar float constant, shared by every node that needs the same value. */
  constant(value: number): string {
    let name = this.constants.get(value);
    if (!name) {
      name = `const_${this.constants.size}`;
      this.initializer(name, [], Float32Array.of(value));
      this.constants.set(value, name);
    }
    return name;
  }
}

/** ops for an activation, applied to value `x`; returns the name of the result. */
function activation(g: Graph, spec: unknown, x: string, out: string): string {
  const name = typeof spec === 'string' ? spec : (spec as { name: string }).name;
  const alpha = typeof spec === 'object' && spec !== null ? (spec as { alpha?: number }).alpha : undefined;
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return g.node('Relu', [x], out);
    case 'sigmoid':
      return g.node('Sigmoid', [x], out);
    case 'tanh':
      return g.node('Tanh', [x], out);
    case 'softplus':
      return g.node('Softplus', [x], out);
    case 'softmax':
      return g.node('Softmax', [x], out, [['axis', 1, ATTR_INT]]);
    case 'leakyRelu':
      return g.node('LeakyRelu', [x], out, [['alpha', alpha ?? 0.2, ATTR_FLOAT]]);
    case 'elu':
      return g.node('Elu', [x], out, [['alpha', alpha ?? 1, ATTR_FLOAT]]);
    case 'selu': // Keras' constants, as assembly/activation.ts uses them
      return g.node('Selu', [x], out, [['alpha', 1.6732632423543772, ATTR_FLOAT], ['gamma', 1.0507009873554805, ATTR_FLOAT]]);
    case 'gelu': {
      // x · ½ · (1 + erf(x / √2)), exact as dendrite's gelu (and TF.js', and torch's default)
      const erf = g.node('Erf', [g.node('Mul', [x, g.constant(Math.SQRT1_2)], g.fresh('gelu_scaled'))], g.fresh('gelu_erf'));
      const cdf = g.node('Mul', [g.node('Add', [erf, g.constant(1)], g.fresh('gelu_1p')), g.constant(0.5)], g.fresh('gelu_cdf'));
      return g.node('Mul', [x, cdf], out);
    }
    case 'swish':
    case 'silu':
      return g.node('Mul', [x, g.node('Sigmoid', [x], g.fresh('swish_sigmoid'))], out);
    default:
      throw new ValueError(`activation ${JSON.stringify(name)} has no ONNX export`);
  }
}

/**
 * One entry per layer type: the ops for a layer, given its config, its weights' initializer names,
 * its input value and feature width, and the name its output should get (the ops may instead
 * return their input, for a layer that is the identity at inference).
 */
type LayerOps = (g: Graph, l: SavedLayer, w: (name: string) => string, x: string, out: string, width: number) => string;

const layerOps: Record<string, LayerOps> = {
  dense(g, l, w, x, out) {
    const inputs = [x, w('kernel')];
    if (l.useBias) inputs.push(w('bias'));
    const act = l.activation ?? 'linear';
    const z = g.node('Gemm', inputs, act === 'linear' ? out : g.fresh(`${l.name}_z`));
    return activation(g, act, z, out);
  },
  dropout: (_g, _l, _w, x) => x, // the identity at inference
  activation: (g, l, _w, x, out) => activation(g, l.activation, x, out),
  batchNormalization(g, l, w, x, out, width) {
    // Inference form: the moving statistics, as predict() uses them.
    const [scale, bias] = normParams(g, l, w, width);
    return g.node('BatchNormalization', [x, scale, bias, w('moving_mean'), w('moving_variance')], out, [['epsilon', l.epsilon as number, ATTR_FLOAT]]);
  },
  layerNormalization(g, l, w, x, out, width) {
    // Over the last axis (the op's default), opset 17.
    const [scale, bias] = normParams(g, l, w, width);
    return g.node('LayerNormalization', [x, scale, bias], out, [['epsilon', l.epsilon as number, ATTR_FLOAT]]);
  },
};

/** gamma and beta, or ones and zeros for a layer without them (the ONNX ops need both inputs). */
function normParams(g: Graph, l: SavedLayer, w: (name: string) => string, width: number): [string, string] {
  const scale = l.scale ? w('gamma') : g.initializer(`${l.name}/gamma_ones`, [width], new Float32Array(width).fill(1));
  const bias = l.center ? w('beta') : g.initializer(`${l.name}/beta_zeros`, [width], new Float32Array(width));
  return [scale, bias];
}

/** The model as an ONNX file (ModelProto bytes): opset 17, dynamic batch, same predictions as predict(). */
export function toOnnx(model: Sequential, options: ToOnnxOptions = {}): Uint8Array {
  if (!(model instanceof Sequential)) throw new ValueError(`toOnnx takes a model, got ${describe(model)}`);
  checkObject(options, 'toOnnx options', ['inputName', 'outputName']);
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  for (const [what, v] of [['inputName', inputName], ['outputName', outputName]]) {
    if (typeof v !== 'string' || v === '') throw new ValueError(`${what} must be a non-empty string, got ${describe(v)}`);
  }
  const weights = new Map(model.getWeights().map((w) => [w.name, w]));
  const config = modelConfig(model);
  const g = new Graph();
  for (const w of weights.values()) g.initializer(w.name, w.shape, w.data);
  let x = inputName;
  config.layers.forEach((l, i) => {
    const ops = Object.hasOwn(layerOps, l.type) ? layerOps[l.type] : undefined;
    if (!ops) throw new ValueError(`layer "${l.name}" (${l.type}) has no ONNX export; supported: ${Object.keys(layerOps).join(', ')}`);
    const last = i === config.layers.length - 1;
    x = ops(g, l, (name) => `${l.name}/${name}`, x, last ? outputName : g.fresh(`${l.name}_out`), model.layers[i].inputDim);
  });
  if (x !== outputName) g.node('Identity', [x], outputName); // a last layer that is the identity

  const graph = new Message();
  for (const n of g.nodes) graph.message(1, n);
  graph.string(2, config.name);
  for (const t of g.initializers) graph.message(5, t);
  graph.message(11, valueInfo(inputName, model.inputDim));
  graph.message(12, valueInfo(outputName, model.outputUnits));
  return new Message()
    .varint(1, IR_VERSION)
    .string(2, 'dendrite')
    .string(3, '0.1.0')
    .string(6, `${config.name}: exported by dendrite`)
    .message(7, graph)
    .message(8, new Message().string(1, '').varint(2, ONNX_OPSET))
    .bytes();
}

/** A float tensor value of shape (batch, width) with a symbolic batch dimension. */
function valueInfo(name: string, width: number): Message {
  const shape = new Message()
    .message(1, new Message().string(2, 'batch'))
    .message(1, new Message().varint(1, width));
  const tensor = new Message().varint(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensor));
}
