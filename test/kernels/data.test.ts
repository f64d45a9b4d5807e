// Data kernels against plain TypeScript twins: gathers of u8 rows (widened to f32 and scaled) and
// of 4-byte rows by an index vector, over sizes around the 16-byte SIMD block, and one-hot targets.
import { describe, expect, it } from 'vitest';
import { loadKernels, randomArray } from '../helpers/wasm';

const h = loadKernels();
const { k } = h;
const f = Math.fround;
const COLS = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 784];

/** A dataset of `count` u8 rows of `cols` bytes and a shuffled-looking index vector of `rows` entries. */
function dataset(count: number, cols: number, rows: number) {
  const src = Uint8Array.from({ length: count * cols }, (_, i) => (i * 37 + (i >> 3) * 11) & 255);
  const idx = Int32Array.from({ length: rows }, (_, r) => (r * 7 + 3) % count);
  return { src, idx };
}

describe('gather_u8_f32', () => {
  it('widening is exact for all 256 values, with and without scale', () => {
    h.reset();
    const src = Uint8Array.from({ length: 256 + 256 }, (_, i) => (i < 256 ? i : 511 - i));  // 0..255, 255..0
    const ps = h.put(src), pi = h.put(new Int32Array([0, 1])), po = h.alloc(4 * 512);
    for (const scale of [1, 1 / 255, 0.5, -3]) {
      k.gather_u8_f32(po, ps, pi, 2, 256, scale);
      const got = h.f32(po, 512);
      for (let i = 0; i < 512; i++) {
        if (got[i] !== f(src[i] * f(scale))) throw new Error(`scale ${scale} i ${i}: ${got[i]} != ${f(src[i] * f(scale))}`);
      }
    }
    k.gather_u8_f32(po, ps, pi, 2, 256, 1);
    expect(Array.from(h.f32(po, 256))).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });

  for (const cols of COLS) {
    it(`cols=${cols}: gathers rows by index, bit-exact, and writes nothing past the batch`, () => {
      h.reset();
      const count = 13, rows = 9;
      const { src, idx } = dataset(count, cols, rows);
      const ps = h.put(src), pi = h.put(idx), po = h.put(new Float32Array(rows * cols + 4).fill(-1));
      const scale = f(1 / 255);
      k.gather_u8_f32(po, ps, pi, rows, cols, scale);
      const want = new Float32Array(rows * cols + 4).fill(-1);
      for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) want[r * cols + j] = f(src[idx[r] * cols + j] * scale);
      expect(h.f32(po, rows * cols + 4)).toEqual(want);
    });
  }
});

describe('gather_rows32', () => {
  for (const cols of [1, 3, 4, 5, 10, 17, 784]) {
    it(`cols=${cols}: f32 and i32 rows`, () => {
      h.reset();
      const count = 11, rows = 7;
      const srcF = randomArray(count * cols, cols, -5, 5);
      const srcI = Int32Array.from({ length: count * cols }, (_, i) => i * 1000003 - 7);
      const idx = Int32Array.from({ length: rows }, (_, r) => (r * 5 + 2) % count);
      idx[rows - 1] = idx[0];  // repeated indices are fine
      const pi = h.put(idx);
      const poF = h.put(new Float32Array(rows * cols + 4).fill(-1)), poI = h.put(new Int32Array(rows * cols + 4).fill(-1));
      k.gather_rows32(poF, h.put(srcF), pi, rows, cols);
      k.gather_rows32(poI, h.put(srcI), pi, rows, cols);
      const wantF = new Float32Array(rows * cols + 4).fill(-1), wantI = new Int32Array(rows * cols + 4).fill(-1);
      for (let r = 0; r < rows; r++) {
        wantF.set(srcF.subarray(idx[r] * cols, (idx[r] + 1) * cols), r * cols);
        wantI.set(srcI.subarray(idx[r] * cols, (idx[r] + 1) * cols), r * cols);
      }
      expect(h.f32(poF, rows * cols + 4)).toEqual(wantF);
      expect(h.i32(poI, rows * cols + 4)).toEqual(wantI);
    });
  }
  it('rows = 0 and cols = 0 write nothing', () => {
    h.reset();
    const po = h.put(new Float32Array([5, 6]));
    k.gather_rows32(po, h.put(new Float32Array([1, 2])), h.put(new Int32Array([0])), 0, 2);
    k.gather_rows32(po, h.put(new Float32Array([1, 2])), h.put(new Int32Array([0])), 1, 0);
    expect(Array.from(h.f32(po, 2))).toEqual([5, 6]);
  });
});

describe('one_hot', () => {
  for (const [m, n] of [[1, 1], [3, 2], [5, 10], [7, 17], [128, 10]]) {
    it(`m=${m} n=${n}, out-of-range labels give zero rows`, () => {
      h.reset();
      const labels = Int32Array.from({ length: m }, (_, r) => (r * 7) % n);
      if (m > 2) { labels[1] = n; labels[2] = -1; }
      const po = h.put(new Float32Array(m * n + 3).fill(9));
      k.one_hot(po, h.put(labels), m, n);
      const want = new Float32Array(m * n + 3);
      want.fill(9, m * n);
      labels.forEach((l, r) => { if (l >= 0 && l < n) want[r * n + l] = 1; });
      expect(h.f32(po, m * n + 3)).toEqual(want);
    });
  }
});
