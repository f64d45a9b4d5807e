// A protocol-buffers reader for hostile input (https://protobuf.dev/programming-guides/encoding/),
// the counterpart of protobuf.ts (the writer). A message is decoded against a schema, a table of
// the fields we use: every varint, length and packed count is checked against the bytes that
// remain before anything is read or allocated, so what is allocated is bounded by the input's own
// size; fields not in the schema are skipped after the same checks (not parsed); nesting follows
// the schema only, never the data, so depth is bounded by the schema (and checked). Every problem
// is a ModelFileError saying where in the message it was and what was found.
import { ModelFileError } from '../errors.js';

/** How a field is read: one value (the last wins, as in protobuf) or a repeated one. */
export type Kind = 'int' | 'ints' | 'float' | 'floats' | 'string' | 'strings' | 'bytes' | 'message' | 'messages';
/** Field number → [name in the decoded object, kind, schema of a nested message]. */
export type Schema = Record<number, [name: string, kind: Kind, schema?: Schema]>;
/** A decoded message: values by the schema's names (repeated fields as arrays). */
export type Decoded = Record<string, unknown>;

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;
const MAX_DEPTH = 16;
const REPEATED = new Set<Kind>(['ints', 'floats', 'strings', 'messages']);

/** The wire type each kind expects (repeated numbers may also come packed, as LEN). */
const WIRE: Record<Kind, number> = { int: VARINT, ints: VARINT, float: I32, floats: I32, string: LEN, strings: LEN, bytes: LEN, message: LEN, messages: LEN };

/** Decode `bytes` as the message `schema` describes; `what` names it in errors (e.g. "ONNX model"). */
export function decodeMessage(bytes: Uint8Array, schema: Schema, what: string, depth = 0): Decoded {
  if (depth > MAX_DEPTH) throw new ModelFileError(`${what}: messages nested more than ${MAX_DEPTH} deep`);
  const r = new Cursor(bytes, what);
  const out: Decoded = {};
  for (const [, entry] of Object.entries(schema)) if (REPEATED.has(entry[1])) out[entry[0]] = [];
  while (r.pos < bytes.length) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (!(field >= 1 && field < 2 ** 29)) throw r.error(`field number ${field} (key ${key}) is not valid`);
    const entry = Object.hasOwn(schema, field) ? schema[field] : undefined;
    if (!entry) {
      r.skip(wire);
      continue;
    }
    const [name, kind, sub] = entry;
    const where = `${what}.${name}`;
    const packed = wire === LEN && (kind === 'ints' || kind === 'floats');
    if (wire !== WIRE[kind] && !packed) throw r.error(`field ${field} (${name}) has wire type ${wire}, expected ${WIRE[kind]}`);
    if (kind === 'int') out[name] = r.varint();
    else if (kind === 'float') out[name] = r.float32();
    else if (packed) r.packed(kind === 'floats', out[name] as number[]);
    else if (kind === 'ints') (out[name] as number[]).push(r.varint());
    else if (kind === 'floats') (out[name] as number[]).push(r.float32());
    else {
      const body = r.bytes();
      if (kind === 'bytes') out[name] = body;
      else if (kind === 'string' || kind === 'strings') {
        const text = new TextDecoder().decode(body);
        if (kind === 'string') out[name] = text;
        else (out[name] as string[]).push(text);
      } else {
        const m = decodeMessage(body, sub ?? {}, where, depth + 1);
        if (kind === 'message') out[name] = m;
        else (out[name] as Decoded[]).push(m);
      }
    }
  }
  return out;
}

/** A read position in one message's bytes; every read checks what remains first. */
class Cursor {
  pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly what: string,
  ) {}

  error(problem: string): ModelFileError {
    return new ModelFileError(`${this.what} is malformed at byte ${this.pos}: ${problem}`);
  }

  private need(n: number, of: string): void {
    const left = this.buf.length - this.pos;
    if (n > left) throw this.error(`${of} needs ${n} bytes but ${left} remain`);
  }

  /**
   * A varint as a signed 64-bit value (how ONNX's int64 and int32 fields are written: negatives
   * take ten bytes). Beyond ±2^53 the number is not exact: callers refuse what is not a safe integer.
   */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    // Eight to ten bytes: past 2^49, read exactly as 64-bit two's complement (-1 is ten bytes).
    let big = BigInt(value);
    for (let i = 7; i < 10; i++) {
      const b = this.byte();
      if (i === 9 && b > 1) throw this.error('a varint is longer than 64 bits');
      big |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return Number(BigInt.asIntN(64, big));
    }
    throw this.error('a varint is longer than 10 bytes');
  }

  private byte(): number {
    this.need(1, 'a varint');
    return this.buf[this.pos++];
  }

  float32(): number {
    this.need(4, 'a float');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  /** A length-delimited field's body (a view, no copy). */
  bytes(): Uint8Array {
    const n = this.varint();
    if (!Number.isSafeInteger(n) || n < 0) throw this.error(`length ${n} is not valid`);
    this.need(n, `a field of length ${n}`);
    return this.buf.subarray(this.pos, (this.pos += n));
  }

  /** A packed repeated field, floats (4 bytes each) or varints within its length, appended to `out`. */
  packed(floats: boolean, out: number[]): void {
    const body = this.bytes();
    if (floats && body.length % 4) throw this.error(`packed floats of ${body.length} bytes (not a multiple of 4)`);
    const inner = new Cursor(body, this.what);
    while (inner.pos < body.length) out.push(floats ? inner.float32() : inner.varint());
  }

  /** Step over a field this reader does not use, checking its framing. */
  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === I64) this.need(8, 'a 64-bit field'), (this.pos += 8);
    else if (wire === I32) this.need(4, 'a 32-bit field'), (this.pos += 4);
    else if (wire === LEN) this.bytes();
    else throw this.error(`wire type ${wire} is not one ONNX writes (groups or invalid)`);
  }
}
