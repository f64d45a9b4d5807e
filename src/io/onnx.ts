// ONNX export (https://onnx.ai/onnx/intro/concepts.html): the model as one ModelProto, written by
// our own protobuf writer. Opset 17 (IR version 8), which ONNX Runtime ≥ 1.12 and most other
// runtimes read. The graph has one input "input" shaped as the model's samples, channels last as
// dendrite takes them ([batch, features], [batch, h, w, c], [batch, steps, c]), and one output
// "output" shaped as predict() returns it, the batch dimension symbolic ("batch"); the weights are
// float32 initializers named as in the model file. A dense layer is Gemm (kernel (in, units) as B,
// no transpose; MatMul + Add on inputs of rank > 2) followed by its activation's ops; gelu is the
// exact form built from Erf, swish is x·Sigmoid(x); batch / layer normalisation are the
// BatchNormalization (moving statistics) and LayerNormalization ops; dropout is the identity. The
// spatial layers are in onnx-spatial.ts: they run channels first between two Transposes
// (onnx-graph.ts), so Flatten and Reshape see Keras' order and no weight is permuted.
import { checkObject, describe } from '../check.js';
import { ValueError } from '../errors.js';
import { Sequential } from '../model/sequential.js';
import { modelConfig } from './model-file.js';
import { Graph, type LayerContext, type LayerOps, type Value, activation } from './onnx-graph.js';
import { spatialOps } from './onnx-spatial.js';
import { Message } from './protobuf.js';

export const ONNX_OPSET = 17;
const IR_VERSION = 8;
const FLOAT = 1; // TensorProto.DataType.FLOAT

/** Options of `toOnnx`. */
export interface ToOnnxOptions {
  /** Name of the graph's input. Default 'input'. */
  inputName?: string;
  /** Name of the graph's output. Default 'output'. */
  outputName?: string;
}

/** Dense on [N, in] is Gemm; on [N, ..., in] (Keras' last axis) MatMul, then Add of the bias. */
const dense: LayerOps = (c) => {
  const x = c.g.channelsLast(c.x), { g, l } = c;
  let z: Value;
  if (x.rank === 2) z = g.op('Gemm', l.useBias ? [x.name, c.w('kernel'), c.w('bias')] : [x.name, c.w('kernel')], x, `${l.name}_z`);
  else {
    z = g.op('MatMul', [x.name, c.w('kernel')], x, `${l.name}_z`);
    if (l.useBias) z = g.op('Add', [z.name, c.w('bias')], x, `${l.name}_z`);
  }
  return activation(g, l.activation ?? 'linear', z);
};

/** BatchNormalization over the channel axis (axis 1 of ONNX's op: channels first for rank > 2), with the moving statistics as predict() uses them. */
const batchNormalization: LayerOps = (c) => {
  const x = c.g.channelsFirst(c.x);
  const [scale, bias] = normParams(c);
  return c.g.op('BatchNormalization', [x.name, scale, bias, c.w('moving_mean'), c.w('moving_variance')], x, `${c.l.name}_out`, { epsilon: { f: c.l.epsilon as number } });
};

/** LayerNormalization over the last axis (the op's default; opset 17), channels last. */
const layerNormalization: LayerOps = (c) => {
  const x = c.g.channelsLast(c.x);
  const [scale, bias] = normParams(c);
  return c.g.op('LayerNormalization', [x.name, scale, bias], x, `${c.l.name}_out`, { epsilon: { f: c.l.epsilon as number } });
};

/** gamma and beta, or ones and zeros for a layer without them (the ONNX ops need both inputs). */
function normParams(c: LayerContext): [string, string] {
  const width = c.layer.inShape[c.layer.inShape.length - 1], name = c.l.name;
  const scale = c.l.scale ? c.w('gamma') : c.g.initializer(`${name}/gamma_ones`, [width], new Float32Array(width).fill(1));
  const bias = c.l.center ? c.w('beta') : c.g.initializer(`${name}/beta_zeros`, [width], new Float32Array(width));
  return [scale, bias];
}

/** Ops per saved layer type. */
const layerOps: Record<string, LayerOps> = {
  dense,
  dropout: (c) => c.x, // the identity at inference
  activation: (c) => activation(c.g, c.l.activation, c.x),
  batchNormalization,
  layerNormalization,
  ...spatialOps,
};

/** @internal Saved layer types the export writes (a test checks that every layer type is among them). */
export const onnxLayerTypes = Object.keys(layerOps);

/** The model as an ONNX file (ModelProto bytes): opset 17, dynamic batch, same predictions as predict(). */
export function toOnnx(model: Sequential, options: ToOnnxOptions = {}): Uint8Array {
  if (!(model instanceof Sequential)) throw new ValueError(`toOnnx takes a model, got ${describe(model)}`);
  checkObject(options, 'toOnnx options', ['inputName', 'outputName']);
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  for (const [what, v] of [['inputName', inputName], ['outputName', outputName]]) {
    if (typeof v !== 'string' || v === '') throw new ValueError(`${what} must be a non-empty string, got ${describe(v)}`);
  }
  if (inputName === outputName) throw new ValueError(`inputName and outputName must differ, both are ${JSON.stringify(inputName)}`);
  const weights = new Map(model.getWeights().map((w) => [w.name, w]));
  const config = modelConfig(model);
  for (const l of config.layers) {
    if (!Object.hasOwn(layerOps, l.type)) throw new ValueError(`layer "${l.name}" (${l.type}) has no ONNX export; supported: ${Object.keys(layerOps).join(', ')}`);
  }
  const g = new Graph();
  const inShape = config.inputShape;
  let x: Value = { name: inputName, rank: inShape.length + 1, channelsFirst: false };
  config.layers.forEach((l, i) => {
    const weight = (name: string) => weights.get(`${l.name}/${name}`)!;
    const w = (name: string) => {
      const t = weight(name);
      return g.initializer(t.name, t.shape, t.data);
    };
    try {
      x = layerOps[l.type]({ g, l, layer: model.layers[i] as LayerContext['layer'], w, weight, x });
    } catch (e) {
      throw e instanceof ValueError ? new ValueError(`layer "${l.name}" (${l.type}): ${e.message}`) : e;
    }
  });
  g.finish(g.channelsLast(x), outputName);

  const graph = g.encodeInto(new Message(), config.name);
  graph.message(11, valueInfo(inputName, inShape));
  graph.message(12, valueInfo(outputName, model.layers.length ? model.layers[model.layers.length - 1].outShape : inShape));
  return new Message()
    .varint(1, IR_VERSION)
    .string(2, 'dendrite')
    .string(3, '0.1.0')
    .string(6, `${config.name}: exported by dendrite`)
    .message(7, graph)
    .message(8, new Message().string(1, '').varint(2, ONNX_OPSET))
    .bytes();
}

/** A float tensor value of shape (batch, ...shape) with a symbolic batch dimension. */
function valueInfo(name: string, shape: readonly number[]): Message {
  const dims = new Message().message(1, new Message().string(2, 'batch'));
  for (const d of shape) dims.message(1, new Message().varint(1, d));
  const tensor = new Message().varint(1, FLOAT).message(2, dims);
  return new Message().string(1, name).message(2, new Message().message(1, tensor));
}
