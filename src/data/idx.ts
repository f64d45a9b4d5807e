// IDX: the MNIST family's array format (http://yann.lecun.com/exdb/mnist/, "file formats").
//   bytes 0-1  0x00 0x00            magic
//   byte  2    type code            0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
//   byte  3    ndim                 number of dimensions (≥ 1)
//   then ndim big-endian u32 sizes, then the values, row-major, multi-byte ones big-endian.
// Files are never trusted: the header is checked and the declared size must equal the bytes
// present before anything is allocated. No node: imports, so this runs in every runtime.

import { checkObject } from '../check.js';
import { DataError, ValueError } from '../errors.js';

/** Element type of an IDX array, named after the typed array that holds it. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array an IDX array is decoded into (native endianness). */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX array: `data` holds prod(shape) values, row-major. */
export interface IdxArray {
  data: IdxData;
  shape: number[];
  dtype: IdxDtype;
}

/** Options of `parseIdx` and `readIdx`. */
export interface IdxOptions {
  /** Name used in error messages, e.g. the file path. Default `'IDX data'`. */
  name?: string;
  /**
   * Largest data size (bytes, after decompression) accepted. A header declaring more is rejected
   * before anything is allocated, which also stops gzip bombs. Default 1 GiB (Fashion-MNIST's
   * largest file holds 47 MB).
   */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 2 ** 30;

const TYPES: Record<number, { dtype: IdxDtype; size: number }> = {
  0x08: { dtype: 'uint8', size: 1 },
  0x09: { dtype: 'int8', size: 1 },
  0x0b: { dtype: 'int16', size: 2 },
  0x0c: { dtype: 'int32', size: 4 },
  0x0d: { dtype: 'float32', size: 4 },
  0x0e: { dtype: 'float64', size: 8 },
};

interface IdxHeader {
  dtype: IdxDtype;
  size: number; // bytes per element
  shape: number[];
  headerBytes: number; // 4 + 4·ndim
  dataBytes: number; // prod(shape) · size
}

const hex = (b: number) => '0x' + b.toString(16).padStart(2, '0');

/** Checks and reads the header; throws if `bytes` is shorter than the header it announces. */
function readHeader(bytes: Uint8Array, name: string, maxBytes: number): IdxHeader {
  if (bytes.length < 4) {
    throw new DataError(`${name}: truncated IDX header: expected at least 4 bytes, got ${bytes.length}`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(
      `${name}: not an IDX file: expected magic 0x00 0x00, got ${hex(bytes[0]!)} ${hex(bytes[1]!)}`,
    );
  }
  const type = TYPES[bytes[2]!];
  if (!type) {
    throw new DataError(
      `${name}: unknown IDX type code ${hex(bytes[2]!)}: expected one of 0x08 0x09 0x0b 0x0c 0x0d 0x0e`,
    );
  }
  const ndim = bytes[3]!;
  if (ndim < 1) throw new DataError(`${name}: IDX header declares 0 dimensions, expected at least 1`);
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${name}: truncated IDX header: ${ndim} dimensions need ${headerBytes} bytes, got ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  // A float product cannot overflow into a wrong small number: it only grows, so the limit catches it.
  const dataBytes = shape.reduce((p, d) => p * d, type.size);
  if (dataBytes > maxBytes) {
    throw new DataError(
      `${name}: IDX shape [${shape.join(', ')}] of ${type.dtype} declares ${dataBytes} bytes, ` +
        `more than the limit of ${maxBytes} (maxBytes)`,
    );
  }
  return { ...type, shape, headerBytes, dataBytes };
}

function sizeMismatch(name: string, h: IdxHeader, got: string): DataError {
  return new DataError(
    `${name}: IDX shape [${h.shape.join(', ')}] of ${h.dtype} needs ${h.dataBytes} data bytes ` +
      `after the ${h.headerBytes}-byte header, got ${got}`,
  );
}

/** Decodes big-endian values into a native typed array (a DataView read per element). */
function decode(bytes: Uint8Array, h: IdxHeader): IdxData {
  const at = h.headerBytes;
  const n = h.dataBytes / h.size;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, h.dataBytes);
  const fill = <T extends IdxData>(out: T, get: (offset: number) => number): T => {
    for (let i = 0; i < n; i++) out[i] = get(i * h.size);
    return out;
  };
  switch (h.dtype) {
    case 'uint8': // copy so the result owns its buffer and never aliases the caller's bytes
      return bytes.slice(at, at + h.dataBytes);
    case 'int8':
      return new Int8Array(bytes.slice(at, at + h.dataBytes).buffer);
    case 'int16':
      return fill(new Int16Array(n), (o) => view.getInt16(o, false));
    case 'int32':
      return fill(new Int32Array(n), (o) => view.getInt32(o, false));
    case 'float32':
      return fill(new Float32Array(n), (o) => view.getFloat32(o, false));
    case 'float64':
      return fill(new Float64Array(n), (o) => view.getFloat64(o, false));
  }
}

function checkOptions(options: IdxOptions): { name: string; maxBytes: number } {
  checkObject(options, 'IDX options', ['name', 'maxBytes']);
  const { name = 'IDX data', maxBytes = DEFAULT_MAX_BYTES } = options;
  if (!(maxBytes >= 0)) throw new ValueError(`IDX maxBytes must be a number ≥ 0, got ${maxBytes}`);
  return { name, maxBytes };
}

/** Decodes raw (uncompressed) IDX bytes; throws `DataError` naming the problem if malformed. */
export function parseIdx(bytes: Uint8Array, options: IdxOptions = {}): IdxArray {
  const { name, maxBytes } = checkOptions(options);
  const h = readHeader(bytes, name, maxBytes);
  const got = bytes.length - h.headerBytes;
  if (got !== h.dataBytes) throw sizeMismatch(name, h, `${got}`);
  return { data: decode(bytes, h), shape: h.shape, dtype: h.dtype };
}

/** True when `bytes` starts with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decodes IDX bytes, gunzipping first if they start with the gzip magic. */
export async function readIdx(bytes: Uint8Array, options: IdxOptions = {}): Promise<IdxArray> {
  const { name, maxBytes } = checkOptions(options);
  const raw = isGzip(bytes) ? await gunzipIdx(bytes, name, maxBytes) : bytes;
  return parseIdx(raw, { name, maxBytes });
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/**
 * Gunzips with the standard DecompressionStream. The IDX header is read from the first chunk, so the
 * output is allocated once at its declared size and a stream longer than declared is cut off early.
 * A shorter stream is returned as is: parseIdx then reports the size mismatch.
 */
async function gunzipIdx(gz: Uint8Array, name: string, maxBytes: number): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new DataError(`${name}: is gzip-compressed, and this runtime has no DecompressionStream`);
  }
  // Blob takes only ArrayBuffer-backed views; a view of shared memory is copied first
  const input = gz.buffer instanceof ArrayBuffer ? (gz as Uint8Array<ArrayBuffer>) : gz.slice();
  const reader = new Blob([input]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  let head: Uint8Array = new Uint8Array(0); // bytes received before the header is complete
  let out: Uint8Array | undefined; // allocated once the header says how long the file is
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await readChunk(() => reader.read(), name);
      if (done) break;
      if (!out) {
        head = concat(head, value);
        if (head.length < 4 || head.length < 4 + 4 * head[3]!) continue;
        const h = readHeader(head, name, maxBytes);
        out = new Uint8Array(h.headerBytes + h.dataBytes);
        if (head.length > out.length) {
          throw sizeMismatch(name, h, `more (stopped at ${head.length - h.headerBytes})`);
        }
        out.set(head);
        filled = head.length;
      } else {
        if (filled + value.length > out.length) {
          const h = readHeader(out, name, maxBytes);
          throw sizeMismatch(name, h, `more (stopped at ${filled + value.length - h.headerBytes})`);
        }
        out.set(value, filled);
        filled += value.length;
      }
    }
  } catch (e) {
    await reader.cancel().catch(() => {}); // free the decompressor; the first error is the one to report
    throw e;
  }
  return out ? out.subarray(0, filled) : head;
}

/** Turns the decompressor's TypeError into a DataError naming the file. */
async function readChunk<T>(read: () => Promise<T>, name: string): Promise<T> {
  try {
    return await read();
  } catch (e) {
    throw new DataError(`${name}: corrupt gzip data: ${e instanceof Error ? e.message : String(e)}`);
  }
}
