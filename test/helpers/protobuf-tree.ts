// A lenient protobuf tree for fuzzing ONNX files: fields in order, length-delimited fields parsed
// as messages where ONNX has messages (so dims, types and attributes can be edited and the file
// re-encoded with consistent lengths), everything else kept as raw bytes. Also where each length
// prefix sits in the original bytes, for edits of the length fields themselves.
import { varint } from '../../src/io/protobuf.js';

export interface Field {
  field: number;
  wire: number;
  /** Varints as bigints; fixed-size and length-delimited fields as bytes. */
  value: bigint | Uint8Array;
  /** A parsed message (length-delimited fields of message type). */
  children?: Field[];
}

/** Message-typed fields, by message: ModelProto, GraphProto, NodeProto, ... */
const MESSAGES: Record<string, Record<number, string>> = {
  model: { 7: 'graph', 8: 'opset' },
  graph: { 1: 'node', 5: 'tensor', 11: 'value', 12: 'value' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor' },
  value: { 2: 'type' },
  type: { 1: 'tensorType' },
  tensorType: { 2: 'shape' },
  shape: { 1: 'dim' },
};

function readVarint(b: Uint8Array, at: number): [bigint, number] | undefined {
  let v = 0n;
  for (let i = 0; i < 10 && at < b.length; i++) {
    const x = b[at++];
    v |= BigInt(x & 0x7f) << BigInt(7 * i);
    if (x < 0x80) return [v, at];
  }
  return undefined;
}

/** Parse a message of kind `kind`; undefined if the bytes are not a well-formed message. */
export function parse(b: Uint8Array, kind = 'model'): Field[] | undefined {
  const out: Field[] = [];
  let at = 0;
  while (at < b.length) {
    const key = readVarint(b, at);
    if (!key) return undefined;
    at = key[1];
    const field = Number(key[0] >> 3n);
    const wire = Number(key[0] & 7n);
    if (wire === 0) {
      const v = readVarint(b, at);
      if (!v) return undefined;
      out.push({ field, wire, value: v[0] });
      at = v[1];
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (at + n > b.length) return undefined;
      out.push({ field, wire, value: b.slice(at, at + n) });
      at += n;
    } else if (wire === 2) {
      const len = readVarint(b, at);
      if (!len || len[1] + Number(len[0]) > b.length) return undefined;
      const body = b.slice(len[1], len[1] + Number(len[0]));
      const sub = MESSAGES[kind]?.[field];
      out.push({ field, wire, value: body, children: sub ? parse(body, sub) : undefined });
      at = len[1] + Number(len[0]);
    } else return undefined;
  }
  return out;
}

/** Encode a tree back to bytes (children win over the raw bytes they came from). */
export function encode(fields: Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    parts.push(varint(BigInt(f.field) * 8n + BigInt(f.wire)));
    if (f.wire === 0) parts.push(varint(f.value as bigint));
    else if (f.wire === 2) {
      const body = f.children ? encode(f.children) : (f.value as Uint8Array);
      parts.push(varint(body.length), body);
    } else parts.push(f.value as Uint8Array);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

/** Every field in the tree with the kind of message holding it. */
export function allFields(fields: Field[], kind = 'model', out: { f: Field; kind: string; parent: Field[] }[] = []) {
  for (const f of fields) {
    out.push({ f, kind, parent: fields });
    if (f.children) allFields(f.children, MESSAGES[kind][f.field], out);
  }
  return out;
}

/** Offsets of the length prefixes of every length-delimited field (recursively, in the parsed parts). */
export function lengthPrefixes(b: Uint8Array, base = 0, kind = 'model', out: { at: number; end: number; length: number }[] = []) {
  let at = 0;
  while (at < b.length) {
    const key = readVarint(b, at);
    if (!key) return out;
    at = key[1];
    const wire = Number(key[0] & 7n);
    if (wire === 0) at = readVarint(b, at)?.[1] ?? b.length;
    else if (wire === 1 || wire === 5) at += wire === 1 ? 8 : 4;
    else if (wire === 2) {
      const len = readVarint(b, at);
      if (!len) return out;
      out.push({ at: base + at, end: base + len[1], length: Number(len[0]) });
      const sub = MESSAGES[kind]?.[Number(key[0] >> 3n)];
      if (sub) lengthPrefixes(b.subarray(len[1], len[1] + Number(len[0])), base + len[1], sub, out);
      at = len[1] + Number(len[0]);
    } else return out;
  }
  return out;
}
