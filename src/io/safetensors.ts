// The native file container: the safetensors layout (https://github.com/huggingface/safetensors).
//
//   [u64 LE header length N][N bytes of UTF-8 JSON, space-padded so N % 8 == 0][tensor bytes]
//
// The header maps each tensor name to { dtype, shape, data_offsets: [begin, end] } (byte offsets
// into the data section) and may hold "__metadata__", an object of string values. Tensors lie in
// order, contiguous, with no gap, and the last one ends where the file ends: the layout Python's
// safetensors writes and insists on when it reads. Only F32 is supported, in both directions.
//
// Byte order: the file is little-endian, and so is a Float32Array on every host JS runs on in
// practice (x86, ARM, wasm), so tensors are copied byte for byte rather than swapped.
import { ModelFileError, ValueError } from '../errors.js';

/** A named f32 tensor to write: `data.length` must equal the product of `shape` (`[]` is a scalar). */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A tensor read from a file; `data` is a fresh copy, never a view of the file's bytes. */
export interface DecodedTensor {
  dtype: string;
  shape: number[];
  data: Float32Array;
}

/** What `decodeSafetensors` returns: tensors in file order (by data offset). */
export interface DecodedSafetensors {
  metadata: Record<string, string>;
  tensors: Map<string, DecodedTensor>;
}

/** Options of `decodeSafetensors`. */
export interface DecodeOptions {
  /** Largest JSON header accepted, in bytes (default 16 MiB); a bigger one is a ModelFileError. */
  maxHeaderBytes?: number;
}

const METADATA_KEY = '__metadata__';
const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'];
const DEFAULT_MAX_HEADER_BYTES = 16 * 1024 * 1024;
const F32_BYTES = 4;
// A lone surrogate would be written as a "\udXXX" escape, which Python's reader refuses.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Encode f32 tensors and optional string metadata as one safetensors file, tensors in the given
 * order. Throws `ValueError` for empty, duplicate or reserved (`__metadata__`) names, invalid
 * shapes, a shape that does not match `data.length`, or non-string metadata values.
 */
export function encodeSafetensors(
  tensors: readonly NamedTensor[],
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const fields: string[] = []; // JSON built by hand: a tensor named "__proto__" stays a plain key
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new ValueError(`metadata must be an object of strings, got ${describe(metadata)}`);
    }
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new ValueError(`metadata ${quote(key)} must be a string, got ${describe(value)}`);
      }
      checkText(`metadata key ${quote(key)}`, key);
      checkText(`metadata ${quote(key)}`, value);
    }
    fields.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }
  const seen = new Set<string>();
  let offset = 0;
  for (const { name, shape, data } of tensors) {
    if (typeof name !== 'string' || name === '') {
      throw new ValueError(`tensor names must be non-empty strings, got ${describe(name)}`);
    }
    if (name === METADATA_KEY) throw new ValueError(`"${METADATA_KEY}" is reserved, not a tensor name`);
    if (seen.has(name)) throw new ValueError(`duplicate tensor name ${quote(name)}`);
    seen.add(name);
    checkText(`tensor name ${quote(name)}`, name);
    if (!(data instanceof Float32Array)) {
      throw new ValueError(`tensor ${quote(name)}: data must be a Float32Array, got ${describe(data)}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ValueError(`tensor ${quote(name)}: shape must be non-negative integers, got ${describe(shape)}`);
    }
    const count = shape.reduce((n, d) => n * d, 1);
    if (count !== data.length) {
      throw new ValueError(
        `tensor ${quote(name)}: shape [${shape}] has ${count} elements, data has ${data.length}`,
      );
    }
    const offsets = `[${offset},${offset + data.byteLength}]`;
    fields.push(`${JSON.stringify(name)}:{"dtype":"F32","shape":[${shape}],"data_offsets":${offsets}}`);
    offset += data.byteLength;
  }

  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8; // keeps the data section 8-byte aligned
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true); // u64 LE: a header can't reach 4 GiB, high word stays 0
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength); // spaces
  let at = 8 + headerLength;
  for (const { data } of tensors) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

/** @internal A tensor's place in the data section. */
export interface Entry {
  name: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Decode a safetensors file of f32 tensors. Nothing in the file is trusted: the header length,
 * UTF-8, JSON structure, dtypes, shapes and offsets are all checked (offsets must tile the data
 * section exactly) before any tensor is allocated. Every problem is a `ModelFileError` naming it.
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeOptions = {}): DecodedSafetensors {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`expected a Uint8Array, got ${describe(bytes)}`);
  const low = headerLength(bytes, bytes.length - 8, options.maxHeaderBytes);
  const dataStart = 8 + low;
  const { metadata, entries } = checkHeader(parseHeader(bytes.subarray(8, dataStart)), bytes.length - dataStart);
  const tensors = new Map<string, DecodedTensor>();
  for (const { name, shape, begin, end } of entries) {
    const data = new Float32Array((end - begin) / F32_BYTES); // a copy: the file can be dropped
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { dtype: 'F32', shape, data });
  }
  return { metadata, tensors };
}

/**
 * @internal The header length in a file's first 8 bytes, checked against the `available` bytes
 * after them and the header limit (default 16 MiB). Lets a file reader stop after 8 bytes.
 */
export function headerLength(first: Uint8Array, available: number, maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES): number {
  if (!Number.isSafeInteger(maxHeaderBytes) || maxHeaderBytes < 0) {
    throw new ValueError(`maxHeaderBytes must be a non-negative integer, got ${describe(maxHeaderBytes)}`);
  }
  if (first.length < 8) {
    throw new ModelFileError(`file is ${first.length} bytes, too short for the 8-byte header length`);
  }
  const view = new DataView(first.buffer, first.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  if (high !== 0 || low > Math.min(available, maxHeaderBytes)) {
    const n = view.getBigUint64(0, true); // exact, for the message
    throw new ModelFileError(
      high !== 0 || low > maxHeaderBytes
        ? `header length ${n} exceeds the limit of ${maxHeaderBytes} bytes`
        : `header length ${n} but only ${available} bytes follow (truncated file?)`,
    );
  }
  if (low === 0) throw new ModelFileError('header length is 0; expected a JSON object');
  return low;
}

/**
 * @internal Metadata and tensor entries of a parsed header, checked against a data section of
 * `dataLength` bytes; `undefined` (a stream of unknown length) takes the length the entries describe.
 */
export function checkHeader(header: Record<string, unknown>, dataLength?: number): { metadata: Record<string, string>; entries: Entry[]; dataLength: number } {
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = readMetadata(value);
    else entries.push(readEntry(name, value, dataLength ?? Number.MAX_SAFE_INTEGER));
  }
  const length = dataLength ?? entries.reduce((n, e) => Math.max(n, e.end), 0);
  checkTiling(entries, length);
  return { metadata, entries, dataLength: length };
}

/** @internal The header's JSON object (UTF-8 and JSON checked). */
export function parseHeader(raw: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    throw new ModelFileError('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`header is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(header)) throw new ModelFileError(`header must be a JSON object, got ${describe(header)}`);
  return header;
}

function readMetadata(value: unknown): Record<string, string> {
  if (!isObject(value)) {
    throw new ModelFileError(`${METADATA_KEY} must be an object of strings, got ${describe(value)}`);
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new ModelFileError(`${METADATA_KEY} ${quote(key)} must be a string, got ${describe(v)}`);
    }
  }
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function readEntry(name: string, value: unknown, dataLength: number): Entry {
  if (name === '') throw new ModelFileError('a tensor has an empty name');
  const where = `tensor ${quote(name)}`;
  if (!isObject(value)) {
    throw new ModelFileError(`${where}: expected {dtype, shape, data_offsets}, got ${describe(value)}`);
  }
  const keys = Object.keys(value);
  if (keys.length !== ENTRY_KEYS.length || !ENTRY_KEYS.every((k) => keys.includes(k))) {
    throw new ModelFileError(`${where}: expected exactly the keys ${ENTRY_KEYS}, got ${describe(keys)}`);
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw new ModelFileError(`${where}: dtype must be a string, got ${describe(dtype)}`);
  if (dtype !== 'F32') throw new ModelFileError(`${where}: dtype ${quote(dtype)} is not supported (supported: "F32")`);
  if (!Array.isArray(shape)) throw new ModelFileError(`${where}: shape must be an array, got ${describe(shape)}`);
  shape.forEach((d: unknown, i) => {
    if (!isCount(d)) throw new ModelFileError(`${where}: shape[${i}] must be a non-negative integer, got ${describe(d)}`);
  });
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new ModelFileError(`${where}: data_offsets must be two non-negative integers, got ${describe(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new ModelFileError(`${where}: data_offsets [${begin}, ${end}] begin after they end`);
  if (end > dataLength) {
    throw new ModelFileError(`${where}: data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data section`);
  }
  // Zero first: a huge dimension times 0 is 0 elements, but in floating point Infinity·0 is NaN.
  const count = shape.includes(0) ? 0 : (shape as number[]).reduce((n, d) => n * d, 1);
  if (count * F32_BYTES !== end - begin) {
    const need = count <= Number.MAX_SAFE_INTEGER ? `${count * F32_BYTES} bytes` : 'more than 2^53 bytes';
    throw new ModelFileError(`${where}: F32 shape [${shape}] needs ${need}, data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { name, shape: shape as number[], begin, end };
}

/** Sorted by offset, the tensors must tile [0, dataLength) exactly: no overlap, gap or tail. */
function checkTiling(entries: Entry[], dataLength: number): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    const span = `${quote(e.name)} [${e.begin}, ${e.end}]`;
    if (e.begin < at) {
      throw new ModelFileError(`tensors ${quote(previous!.name)} [${previous!.begin}, ${at}] and ${span} overlap`);
    }
    if (e.begin > at) throw new ModelFileError(`${e.begin - at} unclaimed bytes at data offset ${at}, before tensor ${span}`);
    at = e.end;
    previous = e;
  }
  if (at !== dataLength) {
    throw new ModelFileError(`tensors end at data offset ${at} but the data section is ${dataLength} bytes`);
  }
}

function checkText(what: string, s: string): void {
  if (LONE_SURROGATE.test(s)) throw new ValueError(`${what} contains a lone UTF-16 surrogate`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** A short quoted form of a name from the file (which could be megabytes long). */
function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}

/** @internal A short description of a value from a file for a message; shallow, since the file may nest arbitrarily. */
export function describe(v: unknown, depth = 0): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) {
    return depth > 0 || v.length > 8 ? `an array of ${v.length}` : `[${v.map((x) => describe(x, 1)).join(', ')}]`;
  }
  if (typeof v === 'object' && v !== null) {
    const type = Object.getPrototypeOf(v)?.constructor?.name;
    return type === undefined || type === 'Object' ? 'an object' : `a ${type}`;
  }
  return String(v);
}
