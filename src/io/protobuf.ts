// A minimal protocol-buffers writer (https://protobuf.dev/programming-guides/encoding/), enough
// for ONNX's ModelProto: varints, 32-bit floats and length-delimited strings / bytes / nested
// messages; repeated fields are written one entry at a time, which every parser accepts. A
// message is a list of encoded fields, concatenated once when nested or finished.

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** An encoded message under construction: append fields, then `bytes()`. */
export class Message {
  private parts: Uint8Array[] = [];
  private length = 0;

  private push(part: Uint8Array): this {
    this.parts.push(part);
    this.length += part.length;
    return this;
  }

  /** int32 / int64 / enum / bool field, non-negative (ONNX's dims and counts; negatives never written). */
  varint(field: number, value: number | bigint): this {
    return this.push(concat([tag(field, WIRE_VARINT), varint(value)]));
  }

  /** float field (fixed 32-bit, little-endian). */
  float(field: number, value: number): this {
    const t = tag(field, WIRE_I32);
    const b = new Uint8Array(t.length + 4);
    b.set(t);
    new DataView(b.buffer).setFloat32(t.length, value, true);
    return this.push(b);
  }

  /** string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  /** bytes field. */
  bytesField(field: number, value: Uint8Array): this {
    return this.push(concat([tag(field, WIRE_LEN), varint(value.length), value]));
  }

  /** Nested message field. */
  message(field: number, m: Message): this {
    return this.bytesField(field, m.bytes());
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function tag(field: number, wire: number): Uint8Array {
  return varint(field * 8 + wire);
}

/** Base-128 varint of a non-negative integer (up to 2^64 − 1 as a bigint). */
export function varint(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  if (v < 0n) throw new RangeError(`varint of a negative value ${v}`);
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return Uint8Array.from(out);
}

/** The parts one after another in a new array. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
