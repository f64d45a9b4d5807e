// The safetensors container and the atomic file writes: exact round trips, the layout Python's
// reader needs (checked by an independent parser here, and by Python itself when it is installed),
// and hostile files — each must be a ModelFileError with a useful message, never a crash or hang.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ModelFileError, ValueError } from '../src/errors.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { readFileBytes } from '../src/io/file-read.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../src/io/safetensors.js';
import { parseSafetensors } from './helpers/safetensors.js';
import { mulberry32 } from './helpers/fuzz.js';

// ---- helpers ----------------------------------------------------------------------------------

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const f32 = (...v: number[]) => new Float32Array(v);

/** A file from a header (object, or raw JSON text) and a data section of `data` zero bytes or given bytes. */
function file(header: unknown, data: number | Uint8Array = 0): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

/** A file whose first 8 bytes are the given u64 header length, followed by `rest`. */
function withLength(n: bigint, rest = new Uint8Array(16)): Uint8Array {
  const out = new Uint8Array(8 + rest.length);
  new DataView(out.buffer).setBigUint64(0, n, true);
  out.set(rest, 8);
  return out;
}

function expectFileError(bytes: Uint8Array, message: RegExp, options?: { maxHeaderBytes?: number }): void {
  let error: unknown;
  try {
    decodeSafetensors(bytes, options);
  } catch (e) {
    error = e;
  }
  expect(error, `expected a ModelFileError matching ${message}`).toBeInstanceOf(ModelFileError);
  expect((error as Error).message).toMatch(message);
}

const entry = (shape: unknown, offsets: unknown, dtype: unknown = 'F32') => ({ dtype, shape, data_offsets: offsets });

const special = f32(0, -0, 1, -1, Infinity, -Infinity, 1e-45, -1e-45, 1.1754942e-38, 1.17549435e-38, 3.4028235e38, 0.1);
const sample: NamedTensor[] = [
  { name: 'dense/kernel', shape: [3, 4], data: special },
  { name: 'dense/bias', shape: [4], data: f32(0.5, -0.25, 1e-40, -0) },
  { name: 'scalar', shape: [], data: f32(Math.PI) },
  { name: 'empty', shape: [2, 0, 3], data: f32() },
  { name: 'écrit ✓', shape: [1, 1], data: f32(-7) },
];
const sampleMetadata = { format: 'dendrite', version: '1', config: '{"layers":[{"units":4}]}', ünï: '' };

// ---- encode / decode --------------------------------------------------------------------------

describe('encodeSafetensors / decodeSafetensors', () => {
  it('round-trips values bit for bit, shapes, names and order', () => {
    const { metadata, tensors } = decodeSafetensors(encodeSafetensors(sample, sampleMetadata));
    expect(metadata).toEqual(sampleMetadata);
    expect([...tensors.keys()]).toEqual(sample.map((t) => t.name));
    for (const t of sample) {
      const got = tensors.get(t.name)!;
      expect(got.dtype).toBe('F32');
      expect(got.shape).toEqual(t.shape);
      expect(bits(got.data)).toEqual(bits(t.data));
      expect(got.data.byteOffset).toBe(0);
    }
    expect(Object.is(tensors.get('dense/kernel')!.data[1], -0)).toBe(true);
  });

  it('reads tensors from views with any byte offset and returns copies', () => {
    const backing = new Float32Array(10).map((_, i) => i + 0.5);
    const bytes = encodeSafetensors([{ name: 'w', shape: [2, 3], data: backing.subarray(3, 9) }]);
    // A Node Buffer at an odd offset of a larger allocation, as readFile or a pool might give.
    const host = Buffer.alloc(bytes.length + 3);
    host.set(bytes, 3);
    const view = host.subarray(3);
    const w = decodeSafetensors(view).tensors.get('w')!;
    expect(Array.from(w.data)).toEqual([3.5, 4.5, 5.5, 6.5, 7.5, 8.5]);
    view.fill(0xff);
    expect(Array.from(w.data)).toEqual([3.5, 4.5, 5.5, 6.5, 7.5, 8.5]);
    expect(w.data.buffer.byteLength).toBe(24);
  });

  it('round-trips metadata and names that are special to JavaScript objects', () => {
    const metadata = Object.fromEntries([['__proto__', 'p'], ['constructor', 'c'], ['toString', ''], ['0', 'zero']]);
    const tensors = ['__proto__', 'constructor', 'hasOwnProperty', '0', ' '].map((name, i) => ({ name, shape: [1], data: f32(i) }));
    const back = decodeSafetensors(encodeSafetensors(tensors, metadata));
    expect(Object.entries(back.metadata).sort()).toEqual(Object.entries(metadata).sort());
    expect(Object.getPrototypeOf(back.metadata)).toBe(Object.prototype);
    expect([...back.tensors].map(([name, t]) => [name, t.data[0]])).toEqual(tensors.map((t, i) => [t.name, i]));
  });

  it('writes no __metadata__ key without metadata, and an empty file for no tensors', () => {
    const bytes = encodeSafetensors([]);
    expect(new TextDecoder().decode(bytes.subarray(8)).trim()).toBe('{}');
    expect(decodeSafetensors(bytes)).toEqual({ metadata: {}, tensors: new Map() });
  });

  it('pads the header with spaces so the data section starts on an 8-byte boundary', () => {
    for (let n = 1; n <= 17; n++) {
      const bytes = encodeSafetensors([{ name: 'x'.repeat(n), shape: [1], data: f32(1) }], n % 2 ? { k: 'v'.repeat(n) } : undefined);
      const headerLength = new DataView(bytes.buffer).getUint32(0, true);
      expect(headerLength % 8).toBe(0);
      const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
      expect(text.trimEnd().endsWith('}')).toBe(true);
      expect(text.slice(text.trimEnd().length)).toMatch(/^ {0,7}$/);
      expect(bytes.length).toBe(8 + headerLength + 4);
    }
  });

  it('agrees with an independent parser on the exact layout', () => {
    const bytes = encodeSafetensors(sample, sampleMetadata);
    const parsed = parseSafetensors(bytes); // asserts the tiling and total length itself
    expect(parsed.keys).toEqual(['__metadata__', ...sample.map((t) => t.name)]);
    expect(parsed.metadata).toEqual(sampleMetadata);
    let expected = 0;
    for (const t of sample) {
      const got = parsed.tensors.get(t.name)!;
      expect(got.dtype).toBe('F32');
      expect(got.shape).toEqual(t.shape);
      expect(got.offsets).toEqual([expected, expected + 4 * t.data.length]);
      expect(got.words).toEqual(bits(t.data));
      expected += 4 * t.data.length;
    }
    expect(bytes.length).toBe(parsed.dataStart + expected);
  });

  it('rejects bad arguments to encode with ValueError', () => {
    const t = (name: string, shape: number[], data: Float32Array = f32(1)) => ({ name, shape, data });
    const bad: [NamedTensor[], Record<string, string> | undefined, RegExp][] = [
      [[t('', [1])], undefined, /non-empty/],
      [[t('__metadata__', [1])], undefined, /reserved/],
      [[t('a', [1]), t('a', [1])], undefined, /duplicate tensor name "a"/],
      [[t('a', [2, 2])], undefined, /shape \[2,2\] has 4 elements, data has 1/],
      [[t('a', [-1])], undefined, /non-negative integers/],
      [[t('a', [0.5, 2])], undefined, /non-negative integers/],
      [[{ name: 'a', shape: [1], data: [1] as unknown as Float32Array }], undefined, /Float32Array, got \[1\]/],
      [[{ name: 'a', shape: [1], data: new Float64Array(1) as unknown as Float32Array }], undefined, /got a Float64Array/],
      [[t('a\uD800', [1])], undefined, /lone UTF-16 surrogate/],
      [[], { k: 1 as unknown as string }, /metadata "k" must be a string, got 1/],
      [[], { k: '\uDC00x' }, /lone UTF-16 surrogate/],
      [[], ['x'] as unknown as Record<string, string>, /metadata must be an object/],
    ];
    for (const [tensors, metadata, message] of bad) {
      expect(() => encodeSafetensors(tensors, metadata)).toThrow(ValueError);
      expect(() => encodeSafetensors(tensors, metadata)).toThrow(message);
    }
  });
});

// ---- hostile files ----------------------------------------------------------------------------

describe('decodeSafetensors on hostile files', () => {
  const valid = encodeSafetensors(
    [
      { name: 'a', shape: [2], data: f32(1, 2) },
      { name: 'b', shape: [1, 1], data: f32(3) },
    ],
    { v: '1' },
  );

  it('rejects the file truncated at every byte, and with a trailing byte', () => {
    for (let k = 0; k < valid.length; k++) {
      expect(() => decodeSafetensors(valid.subarray(0, k)), `truncated to ${k} bytes`).toThrow(ModelFileError);
    }
    expectFileError(valid.subarray(0, 5), /file is 5 bytes, too short/);
    expectFileError(valid.subarray(0, 20), /header length \d+ but only 12 bytes follow/);
    expectFileError(valid.subarray(0, valid.length - 1), /run past the 11-byte data section/);
    const longer = new Uint8Array(valid.length + 1);
    longer.set(valid);
    expectFileError(longer, /tensors end at data offset 12 but the data section is 13 bytes/);
  });

  it('rejects absurd header lengths without allocating them', () => {
    expectFileError(withLength(2n ** 40n), /header length 1099511627776 exceeds the limit of 16777216 bytes/);
    expectFileError(withLength(2n ** 64n - 1n), /header length 18446744073709551615 exceeds/);
    expectFileError(withLength(2n ** 32n), /header length 4294967296 exceeds/);
    expectFileError(withLength(0n), /header length is 0/);
    expectFileError(withLength(17n), /header length 17 but only 16 bytes follow/);
    expectFileError(valid, /exceeds the limit of 8 bytes/, { maxHeaderBytes: 8 });
    expect(() => decodeSafetensors(valid, { maxHeaderBytes: -1 })).toThrow(ValueError);
  });

  it('rejects headers that are not a UTF-8 JSON object', () => {
    expectFileError(file('{"a": '), /not valid JSON/);
    expectFileError(file('not json'), /not valid JSON/);
    const invalidUtf8 = file('{"x":1}');
    invalidUtf8[10] = 0xc3; // a lead byte followed by '"' instead of a continuation byte
    expectFileError(invalidUtf8, /not valid UTF-8/);
    expectFileError(file('\uFEFF{}'), /not valid JSON/); // a BOM is not JSON whitespace
    expectFileError(file('[]'), /must be a JSON object, got \[\]/);
    expectFileError(file('null'), /must be a JSON object, got null/);
    expectFileError(file('"{}"'), /must be a JSON object, got "\{\}"/);
    expectFileError(file('12'), /must be a JSON object, got 12/);
    expectFileError(file('['.repeat(100_000) + ']'.repeat(100_000)), /JSON|object/);
  });

  it('rejects unsupported and malformed dtypes, naming the supported one', () => {
    expectFileError(file({ w: entry([1], [0, 2], 'F16') }, 2), /tensor "w": dtype "F16" is not supported \(supported: "F32"\)/);
    expectFileError(file({ w: entry([1], [0, 8], 'I64') }, 8), /dtype "I64" is not supported/);
    expectFileError(file({ w: entry([1], [0, 4], 'f32') }, 4), /dtype "f32" is not supported/);
    expectFileError(file({ w: entry([1], [0, 4], 4) }, 4), /tensor "w": dtype must be a string, got 4/);
  });

  it('rejects entries that are not exactly {dtype, shape, data_offsets}', () => {
    expectFileError(file({ w: [1, 2] }, 0), /tensor "w": expected \{dtype, shape, data_offsets\}, got \[1, 2\]/);
    expectFileError(file({ w: 'F32' }, 0), /got "F32"/);
    expectFileError(file({ w: { dtype: 'F32', shape: [0] } }, 0), /expected exactly the keys/);
    expectFileError(file({ w: { ...entry([1], [0, 4]), extra: 1 } }, 4), /expected exactly the keys/);
    expectFileError(file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"__proto__":{}}}', 4), /expected exactly the keys/);
    expectFileError(file({ '': entry([1], [0, 4]) }, 4), /empty name/);
  });

  it('rejects bad shapes: negative, fractional, huge, not numbers', () => {
    expectFileError(file({ w: entry([-1], [0, 4]) }, 4), /tensor "w": shape\[0\] must be a non-negative integer, got -1/);
    expectFileError(file({ w: entry([2, 0.5], [0, 4]) }, 4), /shape\[1\] must be a non-negative integer, got 0.5/);
    expectFileError(file({ w: entry(['1'], [0, 4]) }, 4), /shape\[0\] .* got "1"/);
    expectFileError(file({ w: entry([[1]], [0, 4]) }, 4), /shape\[0\] .* got \[1\]/);
    expectFileError(file({ w: entry([null], [0, 4]) }, 4), /got null/);
    expectFileError(file({ w: entry(2, [0, 8]) }, 8), /shape must be an array, got 2/);
    expectFileError(file('{"w":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}', 4), /shape\[0\] .* got 1e\+300/);
    expectFileError(file('{"w":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,4]}}', 4), /shape\[0\]/);
    expectFileError(file({ w: entry([2 ** 53], [0, 4]) }, 4), /shape\[0\]/);
    const big = 2 ** 52;
    expectFileError(file({ w: entry([big, big, big], [0, 4]) }, 4), /needs more than 2\^53 bytes, data_offsets \[0, 4\] hold 4/);
    expectFileError(file({ w: entry(Array(40).fill(2 ** 40), [0, 4]) }, 4), /needs more than 2\^53 bytes/);
    // Zero elements however large the other dimensions: an empty tensor, not an overflow.
    const empty = decodeSafetensors(file({ w: entry([2 ** 40, 0, 2 ** 40], [0, 0]) }, 0)).tensors.get('w')!;
    expect(empty.data.length).toBe(0);
  });

  it('rejects a shape that does not match its bytes', () => {
    expectFileError(file({ w: entry([3], [0, 8]) }, 8), /tensor "w": F32 shape \[3\] needs 12 bytes, data_offsets \[0, 8\] hold 8/);
    expectFileError(file({ w: entry([], [0, 0]) }, 0), /shape \[\] needs 4 bytes/);
    expectFileError(file({ w: entry([1], [0, 3]) }, 3), /needs 4 bytes, data_offsets \[0, 3\] hold 3/);
  });

  it('rejects bad offsets: malformed, reversed, out of range', () => {
    expectFileError(file({ w: entry([1], [0]) }, 4), /data_offsets must be two non-negative integers, got \[0\]/);
    expectFileError(file({ w: entry([1], [0, 4, 8]) }, 8), /two non-negative integers/);
    expectFileError(file({ w: entry([1], [-4, 0]) }, 4), /two non-negative integers, got \[-4, 0\]/);
    expectFileError(file({ w: entry([1], [0.5, 4.5]) }, 5), /two non-negative integers/);
    expectFileError(file({ w: entry([1], ['0', '4']) }, 4), /two non-negative integers/);
    expectFileError(file({ w: entry([1], { begin: 0, end: 4 }) }, 4), /got an object/);
    expectFileError(file({ w: entry([0], [4, 0]) }, 4), /\[4, 0\] begin after they end/);
    expectFileError(file({ w: entry([1], [4, 8]) }, 4), /tensor "w": data_offsets \[4, 8\] run past the 4-byte data section/);
    expectFileError(file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,1e300]}}', 4), /two non-negative integers/);
  });

  it('rejects overlaps, gaps and an uncovered tail', () => {
    const two = (a: number[], b: number[], data: number) => file({ a: entry([(a[1]! - a[0]!) / 4], a), b: entry([(b[1]! - b[0]!) / 4], b) }, data);
    expectFileError(two([0, 8], [4, 12], 12), /tensors "a" \[0, 8\] and "b" \[4, 12\] overlap/);
    expectFileError(two([0, 8], [0, 8], 8), /overlap/);
    expectFileError(two([0, 4], [8, 12], 12), /4 unclaimed bytes at data offset 4, before tensor "b" \[8, 12\]/);
    expectFileError(two([4, 8], [8, 12], 12), /4 unclaimed bytes at data offset 0/);
    expectFileError(two([0, 4], [4, 8], 12), /tensors end at data offset 8 but the data section is 12 bytes/);
    expectFileError(file({}, 4), /tensors end at data offset 0 but the data section is 4 bytes/);
    // An empty tensor placed inside another one still overlaps it.
    expectFileError(file({ a: entry([2], [0, 8]), z: entry([0], [4, 4]) }, 8), /"a" \[0, 8\] and "z" \[4, 4\] overlap/);
    // Out of name order is fine: tiling is checked by offset, and the map follows the file.
    const ok = decodeSafetensors(file({ b: entry([1], [4, 8]), a: entry([1], [0, 4]), e: entry([0], [8, 8]) }, 8));
    expect([...ok.tensors.keys()]).toEqual(['a', 'b', 'e']);
  });

  it('handles duplicate-looking keys: JSON keeps the last, and the tiling catches what is lost', () => {
    // "\u0061" is "a": the first entry is dropped by JSON.parse, leaving its bytes unclaimed.
    expectFileError(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"\\u0061":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), /unclaimed bytes at data offset 0/);
    // Keys that differ only invisibly are different tensors.
    const ok = decodeSafetensors(file({ a: entry([1], [0, 4]), 'a\u0000': entry([1], [4, 8]), 'a\u200b': entry([1], [8, 12]) }, 12));
    expect(ok.tensors.size).toBe(3);
    // "__proto__" as an own key is a tensor like any other, and can't reach the prototype.
    const proto = decodeSafetensors(file('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4));
    expect([...proto.tensors.keys()]).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).dtype).toBeUndefined();
  });

  it('rejects metadata that is not an object of strings', () => {
    expectFileError(file({ __metadata__: { epoch: 3 } }), /__metadata__ "epoch" must be a string, got 3/);
    expectFileError(file({ __metadata__: { a: 'x', b: null } }), /__metadata__ "b" must be a string, got null/);
    expectFileError(file({ __metadata__: { c: { nested: 'x' } } }), /"c" must be a string, got an object/);
    expectFileError(file({ __metadata__: { d: ['x'] } }), /"d" must be a string, got \["x"\]/);
    expectFileError(file({ __metadata__: ['x'] }), /__metadata__ must be an object of strings, got \["x"\]/);
    expectFileError(file({ __metadata__: 'x' }), /__metadata__ must be an object of strings, got "x"/);
    expectFileError(file({ __metadata__: null }), /__metadata__ must be an object of strings, got null/);
  });

  it('shortens names in messages', () => {
    const name = 'n'.repeat(100_000);
    let message = '';
    try {
      decodeSafetensors(file({ [name]: entry([1], [0, 4], 'F16') }, 4));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^tensor "n{64}…": dtype "F16"/);
    expect(message.length).toBeLessThan(200);
  });

  it('survives 2,000 seeded random mutations with a clean decode or a ModelFileError', { timeout: 30_000 }, () => {
    const base = encodeSafetensors(sample, sampleMetadata);
    const headerEnd = 8 + new DataView(base.buffer).getUint32(0, true);
    const random = mulberry32(20240611);
    const int = (n: number) => Math.floor(random() * n);
    const outcomes = { decoded: 0, rejected: 0 };
    for (let trial = 0; trial < 2000; trial++) {
      let bytes = Array.from(base);
      for (let m = 1 + int(3); m > 0; m--) {
        const at = int(bytes.length + 1);
        switch (int(6)) {
          case 0: if (at < bytes.length) bytes[at] = bytes[at]! ^ (1 << int(8)); break;
          case 1: if (at < bytes.length) bytes[at] = int(256); break;
          case 2: bytes.splice(at, 0, int(256)); break;
          case 3: bytes.splice(at, 1 + int(4)); break;
          case 4: bytes = bytes.slice(0, at); break;
          default: { // a digit in the header: keeps the JSON valid, stresses shapes and offsets
            const digits = bytes.map((b, i) => (i < headerEnd && b >= 0x30 && b <= 0x39 ? i : -1)).filter((i) => i >= 0);
            if (digits.length) bytes[digits[int(digits.length)]!] = 0x30 + int(10);
          }
        }
      }
      const input = Uint8Array.from(bytes);
      let decoded;
      try {
        decoded = decodeSafetensors(input);
      } catch (e) {
        if (!(e instanceof ModelFileError)) throw new Error(`trial ${trial}: ${String(e)}`);
        outcomes.rejected++;
        continue;
      }
      outcomes.decoded++;
      const n = new DataView(input.buffer).getUint32(0, true);
      let total = 0;
      for (const t of decoded.tensors.values()) {
        expect(t.dtype).toBe('F32');
        expect(t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
        expect(t.data.length).toBe(t.shape.reduce((a, d) => a * d, 1));
        total += t.data.byteLength;
      }
      expect(total).toBe(input.length - 8 - n);
      for (const v of Object.values(decoded.metadata)) expect(typeof v).toBe('string');
    }
    expect(outcomes.decoded).toBeGreaterThan(20);
    expect(outcomes.rejected).toBeGreaterThan(1000);
  });
});

// ---- Python's safetensors, when installed (DENDRITE_PYTHON or python3 with safetensors + numpy) --

const python = process.env.DENDRITE_PYTHON ?? 'python3';
const hasPythonSafetensors =
  spawnSync(python, ['-c', 'import safetensors.numpy'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasPythonSafetensors)("Python's safetensors", () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dendrite-py-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const run = (script: string) => {
    const result = spawnSync(python, ['-c', script, dir], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return result.stdout;
  };

  it('reads what we write', async () => {
    await writeFile(join(dir, 'ours.safetensors'), encodeSafetensors(sample, sampleMetadata));
    const out = run(`
import json, sys
from safetensors import safe_open
with safe_open(sys.argv[1] + "/ours.safetensors", "np") as f:
    print(json.dumps({"meta": f.metadata(), "tensors": {k: {"shape": list(f.get_tensor(k).shape), "dtype": str(f.get_tensor(k).dtype), "bits": f.get_tensor(k).view("<u4").ravel().tolist()} for k in f.keys()}}))
`);
    const got = JSON.parse(out);
    expect(got.meta).toEqual(sampleMetadata);
    for (const t of sample) expect(got.tensors[t.name]).toEqual({ shape: t.shape, dtype: 'float32', bits: bits(t.data) });
  });

  it('writes what we read', async () => {
    run(`
import sys, numpy as np
from safetensors.numpy import save_file
save_file({"w": np.arange(6, dtype="<f4").reshape(2, 3) - 2.5, "b": np.array([-0.0, np.inf], dtype="<f4"), "s": np.array(7, dtype="<f4")},
          sys.argv[1] + "/theirs.safetensors", metadata={"k": "v"})
`);
    const { metadata, tensors } = decodeSafetensors(await readFileBytes(join(dir, 'theirs.safetensors')));
    expect(metadata).toEqual({ k: 'v' });
    expect(tensors.get('w')).toEqual({ dtype: 'F32', shape: [2, 3], data: f32(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5) });
    expect(bits(tensors.get('b')!.data)).toEqual(bits(f32(-0, Infinity)));
    expect(tensors.get('s')).toEqual({ dtype: 'F32', shape: [], data: f32(7) });
  });
});

// ---- writeFileAtomic / readFileBytes ----------------------------------------------------------

describe('writeFileAtomic / readFileBytes', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dendrite-io-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const fresh = async (name: string) => {
    const d = join(dir, name);
    await mkdir(d);
    return d;
  };

  it('writes a new file and leaves nothing else behind', async () => {
    const d = await fresh('new');
    const bytes = encodeSafetensors(sample);
    await writeFileAtomic(join(d, 'model.safetensors'), bytes);
    expect(await readdir(d)).toEqual(['model.safetensors']);
    expect(await readFileBytes(join(d, 'model.safetensors'))).toEqual(bytes);
  });

  it('replaces an existing file, keeping its permissions', async () => {
    const d = await fresh('replace');
    const target = join(d, 'model.safetensors');
    await writeFile(target, 'old contents');
    await chmod(target, 0o640);
    await writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    expect(Array.from(await readFile(target))).toEqual([1, 2, 3]);
    if (process.platform !== 'win32') expect((await stat(target)).mode & 0o777).toBe(0o640);
    expect(await readdir(d)).toEqual(['model.safetensors']);
  });

  it('lets concurrent writers race to one complete file', async () => {
    const d = await fresh('race');
    const target = join(d, 'model.safetensors');
    const versions = Array.from({ length: 8 }, (_, i) => new Uint8Array(10_000).fill(i));
    await Promise.all(versions.map((v) => writeFileAtomic(target, v)));
    const got = await readFile(target);
    expect(versions.some((v) => Buffer.from(v).equals(got))).toBe(true);
    expect(await readdir(d)).toEqual(['model.safetensors']);
  });

  it('refuses a missing directory by name (saves never create folders)', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'model.safetensors'), new Uint8Array(4))).rejects.toThrow(ValueError);
    await expect(writeFileAtomic(join(dir, 'missing', 'model.safetensors'), new Uint8Array(4))).rejects.toThrow(/the folder ".*missing" does not exist/);
  });

  it('never replaces a directory, and leaves nothing behind', async () => {
    const d = await fresh('rename-fails');
    const target = join(d, 'model.safetensors');
    await mkdir(target); // a non-empty directory can't be renamed over
    await writeFile(join(target, 'inside'), 'keep');
    await expect(writeFileAtomic(target, new Uint8Array(4))).rejects.toThrow();
    expect(await readdir(d)).toEqual(['model.safetensors']);
    expect(await readFile(join(target, 'inside'), 'utf8')).toBe('keep');
  });

  it('keeps the old target and removes the temp file when writing or syncing the temp file fails', async () => {
    const d = await fresh('write-fails');
    const target = join(d, 'model.safetensors');
    await writeFile(target, 'old contents');
    for (const method of ['writeFile', 'sync'] as const) {
      const real = await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises');
      vi.doMock('node:fs/promises', () => ({
        ...real,
        open: async (...args: Parameters<typeof real.open>) => {
          const handle = await real.open(...args);
          if (args[1] === 'wx') {
            // The temp file: fail this step, after a partial write in the case of sync.
            handle[method] = async () => {
              if (method === 'sync') await real.appendFile(args[0], 'partial');
              throw Object.assign(new Error('simulated EIO'), { code: 'EIO' });
            };
          }
          return handle;
        },
      }));
      try {
        await expect(writeFileAtomic(target, new Uint8Array([9, 9, 9]))).rejects.toThrow('simulated EIO');
      } finally {
        vi.doUnmock('node:fs/promises');
      }
      expect(await readFile(target, 'utf8')).toBe('old contents');
      expect(await readdir(d)).toEqual(['model.safetensors']);
    }
  });

  it('names the path when reading a missing file or a directory', async () => {
    const missing = join(dir, 'nope.safetensors');
    await expect(readFileBytes(missing)).rejects.toThrow(ModelFileError);
    await expect(readFileBytes(missing)).rejects.toThrow(`no such file: ${missing}`);
    await expect(readFileBytes(dir)).rejects.toThrow(new ModelFileError(`${dir} is a directory, not a model file`));
  });
});
