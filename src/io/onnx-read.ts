// ONNX files read into plain objects (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto): the
// messages and fields the importer uses, decoded by the bounded protobuf reader. Tensors are
// checked here, before their values are copied: at most 8 dimensions, non-negative safe sizes,
// data held in the file (external data and segments are refused) and exactly as many values as
// the dimensions say. Float tensors become Float32Arrays; integer tensors (shapes, pads, axes) are
// short lists of numbers.
import { ModelFileError } from '../errors.js';
import { type Decoded, type Schema, decodeMessage } from './protobuf-read.js';

export const DT_FLOAT = 1;
const DT_INT32 = 6;
const DT_INT64 = 7;
const DT_BOOL = 9;
/** Bytes per value of the integer types read (bool is stored like int32 outside raw data). */
const INT_SIZES: Record<number, number> = { [DT_INT32]: 4, [DT_INT64]: 8, [DT_BOOL]: 1 };
const DT_NAMES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16',
  11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};
const MAX_RANK = 8;
/** Integer tensors are shapes, pads and axes: a few values. */
const MAX_INTS = 4096;

const DIM: Schema = { 1: ['value', 'int'], 2: ['param', 'string'] };
const TENSOR_TYPE: Schema = { 1: ['elemType', 'int'], 2: ['shape', 'message', { 1: ['dims', 'messages', DIM] }] };
const VALUE_INFO: Schema = { 1: ['name', 'string'], 2: ['type', 'message', { 1: ['tensor', 'message', TENSOR_TYPE] }] };
const TENSOR: Schema = {
  1: ['dims', 'ints'], 2: ['dataType', 'int'], 3: ['segment', 'bytes'], 4: ['floatData', 'floats'], 5: ['int32Data', 'ints'],
  7: ['int64Data', 'ints'], 8: ['name', 'string'], 9: ['rawData', 'bytes'], 13: ['externalData', 'messages'], 14: ['dataLocation', 'int'],
};
const ATTRIBUTE: Schema = {
  1: ['name', 'string'], 20: ['type', 'int'], 2: ['f', 'float'], 3: ['i', 'int'], 4: ['s', 'bytes'], 5: ['t', 'message', TENSOR],
  7: ['floats', 'floats'], 8: ['ints', 'ints'],
};
const NODE: Schema = {
  1: ['inputs', 'strings'], 2: ['outputs', 'strings'], 3: ['name', 'string'], 4: ['opType', 'string'], 7: ['domain', 'string'],
  5: ['attributes', 'messages', ATTRIBUTE],
};
const GRAPH: Schema = {
  1: ['nodes', 'messages', NODE], 2: ['name', 'string'], 5: ['initializers', 'messages', TENSOR], 11: ['inputs', 'messages', VALUE_INFO],
  12: ['outputs', 'messages', VALUE_INFO], 15: ['sparseInitializers', 'messages'],
};
const MODEL: Schema = { 1: ['irVersion', 'int'], 2: ['producer', 'string'], 7: ['graph', 'message', GRAPH], 8: ['opsets', 'messages', { 1: ['domain', 'string'], 2: ['version', 'int'] }] };

/** A constant tensor: an initializer or a Constant node's value. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Float tensors' values; integer tensors' values as numbers; undefined for other types. */
  values?: Float32Array | number[];
}

/** ONNX's attribute types (AttributeProto.AttributeType) that the importer reads. */
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** A graph input or output: element type and dimensions (a number, or a symbolic name, or unknown). */
export interface OnnxValue {
  name: string;
  elemType?: number;
  dims?: (number | string | undefined)[];
}

export interface OnnxModel {
  irVersion: number;
  producer: string;
  /** Version of the default ('ai.onnx') operator set. */
  opset: number;
  graphName: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
}

/** Decode and check an ONNX file's ModelProto. */
export function readOnnx(bytes: Uint8Array): OnnxModel {
  const m = decodeMessage(bytes, MODEL, 'ONNX model');
  const g = m.graph as Decoded | undefined;
  if (!g) throw new ModelFileError('not an ONNX model: the file has no graph (ModelProto field 7)');
  if ((g.sparseInitializers as unknown[]).length) throw new ModelFileError('the ONNX graph has sparse initializers; dendrite reads dense ones only');
  const opsets = m.opsets as Decoded[];
  const own = opsets.find((o) => o.domain === undefined || o.domain === '' || o.domain === 'ai.onnx');
  if (!own || !Number.isSafeInteger(own.version)) throw new ModelFileError('the ONNX model imports no version of the default operator set (ai.onnx)');
  return {
    irVersion: (m.irVersion as number | undefined) ?? 0,
    producer: (m.producer as string | undefined) ?? '',
    opset: own.version as number,
    graphName: (g.name as string | undefined) ?? '',
    nodes: (g.nodes as Decoded[]).map((n, i) => node(n, i)),
    initializers: (g.initializers as Decoded[]).map((t, i) => tensor(t, `initializer ${i}`)),
    inputs: (g.inputs as Decoded[]).map(value),
    outputs: (g.outputs as Decoded[]).map(value),
  };
}

function node(n: Decoded, index: number): OnnxNode {
  const name = (n.name as string | undefined) || `#${index}`;
  return {
    name,
    opType: (n.opType as string | undefined) ?? '',
    domain: (n.domain as string | undefined) ?? '',
    inputs: n.inputs as string[],
    outputs: n.outputs as string[],
    attributes: (n.attributes as Decoded[]).map((a) => ({
      name: (a.name as string | undefined) ?? '',
      type: (a.type as number | undefined) ?? 0,
      f: a.f as number | undefined,
      i: a.i as number | undefined,
      s: a.s === undefined ? undefined : new TextDecoder().decode(a.s as Uint8Array),
      t: a.t === undefined ? undefined : tensor(a.t as Decoded, `node "${name}" attribute "${a.name}"`),
      floats: a.floats as number[],
      ints: a.ints as number[],
    })),
  };
}

function value(v: Decoded): OnnxValue {
  const t = (v.type as Decoded | undefined)?.tensor as Decoded | undefined;
  const shape = t?.shape as Decoded | undefined;
  return {
    name: (v.name as string | undefined) ?? '',
    elemType: t?.elemType as number | undefined,
    dims: shape && (shape.dims as Decoded[]).map((d) => (d.value as number | undefined) ?? (d.param as string | undefined)),
  };
}

/** A tensor's dims and values, checked against each other before the values are copied. */
function tensor(t: Decoded, fallback: string): OnnxTensor {
  const name = (t.name as string | undefined) || fallback;
  const where = `ONNX tensor "${name.slice(0, 80)}"`;
  const dims = t.dims as number[];
  const dataType = (t.dataType as number | undefined) ?? 0;
  if ((t.externalData as unknown[]).length || t.dataLocation === 1) {
    throw new ModelFileError(`${where} keeps its data in an external file; dendrite reads self-contained .onnx files (save without external data)`);
  }
  if (t.segment !== undefined) throw new ModelFileError(`${where} is a segment of a larger tensor; dendrite reads whole tensors`);
  if (dims.length > MAX_RANK || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ModelFileError(`${where} has dims [${dims.slice(0, MAX_RANK + 1).join(', ')}]; expected at most ${MAX_RANK} non-negative sizes`);
  }
  const count = dims.reduce((a, d) => a * d, 1);
  const out: OnnxTensor = { name, dims, dataType };
  const raw = t.rawData as Uint8Array | undefined;
  const have = (n: number, size: number) => {
    if (!Number.isInteger(n)) throw new ModelFileError(`${where} has ${n * size} bytes of raw data, not a whole number of ${size}-byte values`);
    if (n !== count) throw new ModelFileError(`${where} has dims [${dims.join(', ')}] (${count} values) but holds ${n}${size ? ` (${n * size} bytes)` : ''}`);
  };
  if (dataType === DT_FLOAT) {
    if (raw) {
      have(raw.length / 4, 4);
      out.values = new Float32Array(count);
      new Uint8Array(out.values.buffer).set(raw); // little-endian, as every host dendrite runs on
    } else {
      have((t.floatData as number[]).length, 0);
      out.values = Float32Array.from(t.floatData as number[]);
    }
  } else if (Object.hasOwn(INT_SIZES, dataType)) {
    if (count > MAX_INTS) throw new ModelFileError(`${where} is an integer tensor of ${count} values; dendrite reads integer tensors (shapes, pads) of at most ${MAX_INTS}`);
    const size = INT_SIZES[dataType];
    if (raw) {
      have(raw.length / size, size);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
      out.values = Array.from({ length: count }, (_, i) => (size === 8 ? Number(view.getBigInt64(i * 8, true)) : size === 4 ? view.getInt32(i * 4, true) : raw[i]));
    } else {
      out.values = (dataType === DT_INT64 ? t.int64Data : t.int32Data) as number[];
      have(out.values.length, 0);
    }
  }
  return out;
}

/** A data type's name, for messages. */
export function dtypeName(type: number | undefined): string {
  return (type !== undefined && DT_NAMES[type]) || `type ${type}`;
}
