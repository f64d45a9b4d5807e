// Reduction kernels against plain TypeScript twins. f32 column sums and the f64 sums follow the
// documented summation order, so they are compared bit for bit; an f64 sequential sum checks the
// accuracy too. Argmax and counts are compared exactly, with NaN / Inf and ties placed around the
// SIMD blocks and the scalar tail.
import { describe, expect, it } from 'vitest';
import { expectClose, loadKernels, randomArray } from '../helpers/wasm';

const h = loadKernels();
const { k } = h;
const f = Math.fround;
const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000];

// ---- twins ----
function colSumRef(x: Float32Array, m: number, n: number, out: Float32Array | null): Float32Array {
  const r = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s = f(s + x[i * n + j]);
    r[j] = out ? f(out[j] + s) : s;
  }
  return r;
}

/** The kernels' f64 order: 8 lane sums over the main part, combined pairwise, then the tail. */
function orderedSum(n: number, term: (i: number) => number): number {
  const n8 = n & ~7;
  const s = new Float64Array(8);
  for (let i = 0; i < n8; i++) s[i & 7] += term(i);
  let t = ((s[0] + s[2]) + (s[4] + s[6])) + ((s[1] + s[3]) + (s[5] + s[7]));
  for (let i = n8; i < n; i++) t += term(i);
  return t;
}

/** First index of the largest non-NaN value; 0 for an all-NaN row. */
function argmaxRef(x: ArrayLike<number>, off: number, n: number): number {
  let best = -Infinity;
  for (let j = 0; j < n; j++) if (x[off + j] > best) best = x[off + j];
  for (let j = 0; j < n; j++) if (x[off + j] === best) return j;
  return 0;
}

describe('col_sum', () => {
  const shapes: [number, number][] = [[0, 5], [1, 1], [3, 1], [2, 3], [5, 4], [4, 7], [7, 15], [3, 16],
    [9, 17], [128, 10], [13, 33], [64, 100], [2, 1000]];
  for (const [m, n] of shapes) {
    it(`m=${m} n=${n}: write and accumulate, bit-exact`, () => {
      h.reset();
      const x = randomArray(m * n, m * 31 + n, -10, 10);
      const out0 = randomArray(n, 5 + n);
      const px = h.put(x), po = h.put(out0);
      k.col_sum(po, px, m, n, 0, 0, Math.ceil(n / 16));
      const want = colSumRef(x, m, n, null);
      expect(h.f32(po, n)).toEqual(want);
      // against f64 accumulation: error bounded by m·ulp
      const f64 = Array.from({ length: n }, (_, j) => { let s = 0; for (let i = 0; i < m; i++) s += x[i * n + j]; return s; });
      expectClose(h.f32(po, n), f64, 1e-5 * Math.max(m, 1), 1e-6 * Math.max(m, 1), `col_sum f64 m=${m} n=${n}`);
      h.f32(po, n).set(out0);
      k.col_sum(po, px, m, n, 1, 0, Math.ceil(n / 16));
      expect(h.f32(po, n)).toEqual(colSumRef(x, m, n, out0));
    });
  }
  it('sums each group of 16 columns alone: any cut of the groups gives the same bits (the thread split)', () => {
    h.reset();
    const m = 37, n = 70, groups = Math.ceil(n / 16);
    const x = randomArray(m * n, 11, -3, 3), px = h.put(x), po = h.put(new Float32Array(n));
    k.col_sum(po, px, m, n, 0, 0, groups);
    const whole = h.f32(po, n).slice();
    for (let cut = 1; cut < groups; cut++) {
      h.f32(po, n).fill(NaN);
      k.col_sum(po, px, m, n, 0, cut, groups - cut);
      k.col_sum(po, px, m, n, 0, 0, cut);
      expect(h.f32(po, n), `cut at group ${cut}`).toEqual(whole);
    }
  });
  it('does not touch columns beyond n or rows beyond m', () => {
    h.reset();
    const m = 3, n = 5;
    const x = randomArray(m * n + 8, 2);
    const px = h.put(x), po = h.put(new Float32Array(n + 4).fill(7));
    k.col_sum(po, px, m, n, 0, 0, Math.ceil(n / 16));
    expect(Array.from(h.f32(po + 4 * n, 4))).toEqual([7, 7, 7, 7]);
    expect(h.f32(po, n)).toEqual(colSumRef(x, m, n, null));
  });
});

describe('f64 sums: sum_squares, sq_error_sum, abs_error_sum', () => {
  for (const n of SIZES) {
    it(`n=${n}`, () => {
      h.reset();
      // magnitudes spread over 2^±20, so that f64 sums round and the summation order shows
      const spread = (a: Float32Array) => a.map((v, i) => v * 2 ** (((i * 7) % 41) - 20));
      const x = spread(randomArray(n, 11 + n, -4, 4)), t = spread(randomArray(n, 97 + n, -4, 4));
      const px = h.put(x), pt = h.put(t);
      const ss = k.sum_squares(px, n);
      const se = k.sq_error_sum(px, pt, n);
      const ae = k.abs_error_sum(px, pt, n);
      expect(ss).toBe(orderedSum(n, (i) => x[i] * x[i]));
      expect(se).toBe(orderedSum(n, (i) => (x[i] - t[i]) * (x[i] - t[i])));
      expect(ae).toBe(orderedSum(n, (i) => Math.abs(x[i] - t[i])));
      let s1 = 0, s2 = 0, s3 = 0;
      for (let i = 0; i < n; i++) { s1 += x[i] * x[i]; s2 += (x[i] - t[i]) * (x[i] - t[i]); s3 += Math.abs(x[i] - t[i]); }
      expectClose([ss, se, ae], [s1, s2, s3], 1e-12, 1e-13, `sequential f64 n=${n}`);
    });
  }
  it('large values do not overflow (f64 accumulation) and NaN propagates', () => {
    h.reset();
    const x = new Float32Array(20).fill(3e38);
    expect(k.sum_squares(h.put(x), 20) / (20 * f(3e38) * f(3e38))).toBeCloseTo(1, 12);
    x[19] = NaN;
    expect(k.sum_squares(h.put(x), 20)).toBeNaN();
    x[19] = 0; x[3] = NaN;
    expect(k.sq_error_sum(h.put(x), h.put(new Float32Array(20)), 20)).toBeNaN();
  });
});

describe('nonfinite_index', () => {
  for (const n of SIZES.filter((s) => s > 0)) {
    it(`n=${n}: NaN / ±Inf at first, middle, last and around block edges`, () => {
      h.reset();
      const x = randomArray(n, 3 + n, -1e30, 1e30);
      const px = h.put(x);
      expect(k.nonfinite_index(px, n)).toBe(-1);
      const spots = new Set([0, n >> 1, n - 1, 15, 16, 17, n - 8, n - 9].filter((i) => i >= 0 && i < n));
      for (const pos of spots) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const v = h.f32(px, n);
          v[pos] = bad;
          expect(k.nonfinite_index(px, n), `pos ${pos} ${bad}`).toBe(pos);
          if (pos + 3 < n) { v[pos + 3] = NaN; expect(k.nonfinite_index(px, n)).toBe(pos); v[pos + 3] = x[pos + 3]; }
          v[pos] = x[pos];
        }
      }
      expect(k.nonfinite_index(px, n)).toBe(-1);
    });
  }
  it('finite extremes are finite; a bad value past n is not seen', () => {
    h.reset();
    const x = new Float32Array([3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -0, 0, NaN]);
    expect(k.nonfinite_index(h.put(x), 5)).toBe(-1);
    expect(k.nonfinite_index(h.put(x), 6)).toBe(5);
    expect(k.nonfinite_index(h.put(x), 0)).toBe(-1);
  });
});

describe('argmax and accuracy counts', () => {
  const shapes: [number, number][] = [[1, 1], [3, 2], [4, 3], [5, 4], [6, 5], [7, 7], [8, 8], [9, 9],
    [10, 10], [6, 15], [6, 16], [6, 17], [5, 33], [3, 1000]];
  for (const [m, n] of shapes) {
    it(`m=${m} n=${n}: argmax_rows, count_argmax_labels, count_argmax_match`, () => {
      h.reset();
      const x = randomArray(m * n, m + 7 * n, -5, 5);
      const t = randomArray(m * n, m + 13 * n, -5, 5);
      // ties (first wins), NaNs and infinities planted in some rows
      for (let r = 0; r < m; r++) {
        const o = r * n;
        if (r % 3 === 1 && n > 2) { x[o + n - 1] = 9; x[o + (n >> 1)] = 9; }
        if (r % 4 === 2) x[o + ((r * 5) % n)] = NaN;
        if (r % 5 === 3) x[o + n - 1] = Infinity;
        if (r % 7 === 5) t[o] = x[o] = 6;
      }
      const want = Array.from({ length: m }, (_, r) => argmaxRef(x, r * n, n));
      const px = h.put(x), pt = h.put(t), po = h.alloc(4 * m);
      k.argmax_rows(po, px, m, n);
      expect(Array.from(h.i32(po, m))).toEqual(want);
      // labels: the true argmax for even rows, something else for odd rows
      const labels = Int32Array.from(want, (a, r) => (r % 2 ? (a + 1) % Math.max(n, 2) : a));
      const wantLabels = labels.reduce((c, l, r) => c + (l === want[r] ? 1 : 0), 0);
      expect(k.count_argmax_labels(px, h.put(labels), m, n)).toBe(wantLabels);
      const wantMatch = want.reduce((c, a, r) => c + (a === argmaxRef(t, r * n, n) ? 1 : 0), 0);
      expect(k.count_argmax_match(px, pt, m, n)).toBe(wantMatch);
      expect(k.count_argmax_match(px, px, m, n)).toBe(m);
    });
  }
  it('special rows: all NaN → 0, all −Inf → 0, NaN first, max in the tail, tie across lanes', () => {
    h.reset();
    const rows = [
      [NaN, NaN, NaN, NaN, NaN], [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
      [NaN, 1, 2, 3, 2], [0, 0, 0, 0, 1], [0, 5, 0, 0, 5], [-1, -2, -3, -0.5, -1],
    ];
    const x = Float32Array.from(rows.flat()), po = h.alloc(4 * rows.length);
    k.argmax_rows(po, h.put(x), rows.length, 5);
    expect(Array.from(h.i32(po, rows.length))).toEqual([0, 0, 3, 4, 1, 3]);
  });
});

describe('count_binary_match', () => {
  for (const n of SIZES) {
    it(`n=${n}`, () => {
      h.reset();
      const x = randomArray(n, 5 + n, 0, 1);
      const t = Float32Array.from(randomArray(n, 9 + n, 0, 1), (v) => (v > 0.5 ? 1 : 0));
      if (n > 2) { x[1] = 0.5; t[1] = 0; x[2] = NaN; t[2] = 0; }  // at the threshold → 0; NaN → 0
      if (n > 3) t[3] = 0.7;                                    // a non-binary target never matches
      for (const th of [0.5, 0.25]) {
        let want = 0;
        for (let i = 0; i < n; i++) want += (x[i] > f(th) ? 1 : 0) === t[i] ? 1 : 0;
        expect(k.count_binary_match(h.put(x), h.put(t), n, th), `threshold ${th}`).toBe(want);
      }
    });
  }
});
