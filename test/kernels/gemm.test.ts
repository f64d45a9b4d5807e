// GEMM kernels against a plain TypeScript twin with f64 accumulation, XNNPACK style: m, n and k swept
// around the 4x8 tile (1..T-1, T, T+1, multiples, primes) and around the k-block (256), column block
// (512) and row block (128); leading dimensions wider than the rows; every flag. Every element of C
// is checked, and so are the padding columns and rows around it (must be untouched) and a canary
// after the pack scratch. The determinism contract is checked bit for bit: against an f32 twin that
// follows the documented summation order, and against the same C computed as two calls over row
// halves and over column halves.
import { describe, expect, it } from 'vitest';
import { loadKernels, randomArray } from '../helpers/wasm';

const h = loadKernels();
const { k: kern } = h;
const f = Math.fround;
const KC = 256; // the kernels' k-block (fixes the summation order)

type Layout = 'nn' | 'nt' | 'tn';
const LAYOUTS: Layout[] = ['nn', 'nt', 'tn'];
const ACCUMULATE = 1, RELU = 2;

interface Problem {
  layout: Layout;
  m: number; n: number; k: number;
  lda: number; ldb: number; ldc: number;
  a: Float32Array; b: Float32Array; bias: Float32Array | null;
  c0: Float32Array; // C before the call (accumulated into, and padding that must survive)
  flags: number;
}

// op(A)[i][p] and op(B)[p][j] for each layout: A is (m,k) for nn/nt and (k,m) for tn; B is (k,n) for nn/tn and (n,k) for nt.
const aAt = (q: Problem, i: number, p: number) => (q.layout === 'tn' ? q.a[p * q.lda + i] : q.a[i * q.lda + p]);
const bAt = (q: Problem, p: number, j: number) => (q.layout === 'nt' ? q.b[j * q.ldb + p] : q.b[p * q.ldb + j]);

function problem(layout: Layout, m: number, n: number, k: number, flags = 0, withBias = false, pad = 0, seed = 1): Problem {
  const [ar, ac] = layout === 'tn' ? [k, m] : [m, k];
  const [br, bc] = layout === 'nt' ? [n, k] : [k, n];
  const lda = ac + pad, ldb = bc + (pad ? pad + 2 : 0), ldc = n + (pad ? pad + 1 : 0);
  return {
    layout, m, n, k, lda, ldb, ldc, flags,
    a: randomArray(Math.max(1, ar * lda), seed),
    b: randomArray(Math.max(1, br * ldb), seed + 1),
    bias: withBias ? randomArray(n, seed + 2) : null,
    c0: randomArray((m + 1) * ldc, seed + 3, -2, 2), // one spare row below C
  };
}

/** The plain twin: f64 sums, then C0 (when accumulating), bias, relu. */
function reference(q: Problem): Float64Array {
  const r = new Float64Array(q.m * q.n);
  for (let i = 0; i < q.m; i++) {
    for (let j = 0; j < q.n; j++) {
      let s = 0;
      for (let p = 0; p < q.k; p++) s += aAt(q, i, p) * bAt(q, p, j);
      if (q.flags & ACCUMULATE) s += q.c0[i * q.ldc + j];
      if (q.bias) s += q.bias[j];
      if (q.flags & RELU) s = Math.max(s, 0);
      r[i * q.n + j] = s;
    }
  }
  return r;
}

/** The documented f32 order, bit for bit: per k-block acc = 0 + a·b + …; C = acc or C + acc; + bias; relu. */
function orderedTwin(q: Problem, i: number, j: number): number {
  let c = q.c0[i * q.ldc + j];
  let pc = 0;
  do {
    const kc = Math.min(KC, q.k - pc);
    let acc = 0;
    for (let p = pc; p < pc + kc; p++) acc = f(acc + f(aAt(q, i, p) * bAt(q, p, j)));
    c = pc > 0 || q.flags & ACCUMULATE ? f(c + acc) : acc;
    pc += kc;
  } while (pc < q.k);
  if (q.bias) c = f(c + q.bias[j]);
  if (q.flags & RELU) c = Math.max(c, 0);
  return c;
}

interface Placed { c: number; a: number; b: number; bias: number; pack: number; packBytes: number }

/** Copies the problem into fresh wasm memory (C with its padding), with a canary after the pack scratch. */
function place(q: Problem): Placed {
  h.reset();
  const packBytes = kern.gemm_pack_bytes(q.m, q.n, q.k);
  const pack = h.alloc(packBytes + 64);
  h.f32(pack + packBytes, 16).fill(12345);
  return { c: h.put(q.c0), a: h.put(q.a), b: h.put(q.b), bias: q.bias ? h.put(q.bias) : 0, pack, packBytes };
}

/** One kernel call on a sub-block of C: rows [i0, i0+m), columns [j0, j0+n). */
function call(q: Problem, p: Placed, i0 = 0, m = q.m, j0 = 0, n = q.n): void {
  const c = p.c + 4 * (i0 * q.ldc + j0);
  const a = p.a + 4 * (q.layout === 'tn' ? i0 : i0 * q.lda);
  const b = p.b + 4 * (q.layout === 'nt' ? j0 * q.ldb : j0);
  if (q.layout === 'nn') kern.gemm_nn(c, a, b, p.bias ? p.bias + 4 * j0 : 0, m, n, q.k, q.ldc, q.lda, q.ldb, q.flags, p.pack);
  else if (q.layout === 'nt') kern.gemm_nt(c, a, b, m, n, q.k, q.ldc, q.lda, q.ldb, q.flags, p.pack);
  else kern.gemm_tn(c, a, b, m, n, q.k, q.ldc, q.lda, q.ldb, q.flags, p.pack);
}

const describeProblem = (q: Problem) =>
  `${q.layout} ${q.m}x${q.n}x${q.k} ld ${q.lda}/${q.ldb}/${q.ldc} flags ${q.flags}${q.bias ? ' bias' : ''}`;

/** Runs the kernel and checks every element of C (tolerance max(atol, rtol·|ref|)), the padding and the canary. */
function check(q: Problem): void {
  const p = place(q);
  call(q, p);
  const ref = reference(q);
  const got = h.f32(p.c, q.c0.length);
  const atol = 1e-6 * Math.max(q.k, 4), rtol = 1e-5;
  for (let i = 0; i <= q.m; i++) {
    for (let j = 0; j < q.ldc; j++) {
      const g = got[i * q.ldc + j];
      if (i === q.m || j >= q.n) {
        if (!Object.is(g, q.c0[i * q.ldc + j])) throw new Error(`${describeProblem(q)}: padding C[${i}][${j}] overwritten: ${g}`);
        continue;
      }
      const r = ref[i * q.n + j];
      if (!(Math.abs(g - r) <= Math.max(atol, rtol * Math.abs(r)))) {
        throw new Error(`${describeProblem(q)}: C[${i}][${j}] ref ${r} got ${g}`);
      }
    }
  }
  const canary = h.f32(p.pack + p.packBytes, 16);
  if (canary.some((v) => v !== 12345)) throw new Error(`${describeProblem(q)}: wrote past gemm_pack_bytes = ${p.packBytes}`);
}

const M_SWEEP = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17];
const N_SWEEP = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33];
const K_SWEEP = [1, 2, 3, 4, 7, 8, 17, 64, 129];

describe.each(LAYOUTS)('gemm_%s', (layout) => {
  it.each(K_SWEEP)('sweeps m and n around the 4x8 tile, k = %i', (k) => {
    let seed = k;
    for (const m of M_SWEEP) {
      for (const n of N_SWEEP) {
        check(problem(layout, m, n, k, 0, false, 0, ++seed));
        check(problem(layout, m, n, k, 0, false, 3, ++seed)); // leading dimensions wider than the rows
      }
    }
  });

  it('accumulates (flags & 1) into C, with and without padding', () => {
    for (const [m, n, k] of [[1, 1, 1], [3, 10, 7], [4, 8, 16], [9, 17, 33], [17, 33, 129]]) {
      check(problem(layout, m, n, k, ACCUMULATE, false, 0, m + n));
      check(problem(layout, m, n, k, ACCUMULATE, false, 5, m + n + 1));
    }
  });

  it('crosses the k-block, row block and column block (k > 256, m > 128, n > 512)', () => {
    for (const [m, n, k, flags] of [
      [5, 9, 257, 0], [6, 12, 300, ACCUMULATE], [3, 7, 513, 0], [2, 20, 600, ACCUMULATE],
      [133, 20, 40, 0], [261, 9, 5, ACCUMULATE], [6, 523, 9, 0], [9, 1030, 3, ACCUMULATE], [3, 515, 260, 0],
    ]) {
      check(problem(layout, m, n, k, flags, false, 1, m * n + k));
    }
  });

  it('handles k = 0 (C = 0, or C unchanged when accumulating)', () => {
    for (const [m, n] of [[1, 1], [5, 9], [4, 8]]) {
      check(problem(layout, m, n, 0, 0, false, 2, m));
      check(problem(layout, m, n, 0, ACCUMULATE, false, 2, m));
    }
  });

  it('follows the documented f32 summation order bit for bit', () => {
    for (const [m, n, k, flags] of [[1, 5, 3, 0], [1, 70, 300, ACCUMULATE], [4, 8, 256, 0], [16, 40, 260, 0], [7, 13, 257, ACCUMULATE], [18, 27, 600, 0], [3, 9, 530, ACCUMULATE]]) {
      const q = problem(layout, m, n, k, flags, false, 2, m + k);
      const p = place(q);
      call(q, p);
      const got = h.f32(p.c, q.c0.length);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const want = orderedTwin(q, i, j);
          if (!Object.is(got[i * q.ldc + j], want)) throw new Error(`${describeProblem(q)}: C[${i}][${j}] ordered twin ${want} got ${got[i * q.ldc + j]}`);
        }
      }
    }
  });

  it('gives bit-identical C when rows or columns are split across calls', () => {
    for (const [m, n, k, flags, mSplit, nSplit] of [
      // splits at non-multiples of the tile; row halves on either side of m = 16 (B read in place
      // for m ≤ 16, packed above); a single row (1x16 tile) against the 4-row tiles; n across 512.
      [37, 45, 300, 0, 17, 21], [33, 21, 300, 0, 16, 9], [9, 19, 70, ACCUMULATE, 3, 5],
      [4, 530, 20, 0, 1, 515], [130, 71, 260, ACCUMULATE, 129, 33],
    ]) {
      const q = problem(layout, m, n, k, flags, false, 3, m + n);
      const p = place(q);
      call(q, p);
      const whole = Float32Array.from(h.f32(p.c, q.c0.length));
      for (const halves of [
        [[0, mSplit, 0, n], [mSplit, m - mSplit, 0, n]],
        [[0, m, 0, nSplit], [0, m, nSplit, n - nSplit]],
      ]) {
        const p2 = place(q);
        for (const [i0, mm, j0, nn] of halves) call(q, p2, i0, mm, j0, nn);
        const split = h.f32(p2.c, q.c0.length);
        for (let e = 0; e < whole.length; e++) {
          if (!Object.is(split[e], whole[e])) {
            throw new Error(`${describeProblem(q)}: split ${JSON.stringify(halves)} differs at C[${Math.floor(e / q.ldc)}][${e % q.ldc}]: ${whole[e]} vs ${split[e]}`);
          }
        }
      }
    }
  });

  it('never reads past its operands (each placed flush against the end of memory)', () => {
    for (const [m, n, k] of [[1, 37, 9], [3, 5, 7], [13, 11, 6], [21, 19, 13], [1, 3, 1]]) {
      const q = problem(layout, m, n, k, 0, layout === 'nn', 0, m + n + k);
      for (const operand of ['a', 'b', 'bias'] as const) {
        const data = q[operand];
        if (!data) continue;
        const p = place(q);
        h.memory.grow(Math.ceil(data.byteLength / 65536) + 1);
        const end = h.memory.buffer.byteLength - data.byteLength;
        h.f32(end, data.length).set(data);
        call(q, { ...p, [operand]: end }); // an over-read would trap
      }
      check(q);
    }
  });

  it('computes the reference MLP 784-256-128-10 shapes at batch 128 and batch 1', () => {
    // [m, n, k] as the dense layers call this layout.
    const shapes = {
      nn: [[128, 256, 784], [128, 128, 256], [128, 10, 128], [1, 256, 784], [1, 128, 256], [1, 10, 128]],
      nt: [[128, 128, 10], [128, 256, 128], [128, 784, 256], [1, 128, 10]],
      tn: [[128, 10, 128], [256, 128, 128], [784, 256, 128], [10, 128, 1]],
    }[layout];
    for (const [m, n, k] of shapes) check(problem(layout, m, n, k, 0, false, 0, n));
  });
});

describe('gemm_nn epilogue', () => {
  it('adds the bias and applies relu last, alone and with accumulation', () => {
    for (const [m, n, k] of [[1, 1, 1], [1, 10, 128], [2, 3, 5], [4, 8, 8], [5, 13, 17], [13, 33, 300], [17, 9, 64]]) {
      for (const flags of [0, ACCUMULATE, RELU, ACCUMULATE | RELU]) {
        check(problem('nn', m, n, k, flags, true, 0, m + n + flags));
        check(problem('nn', m, n, k, flags, true, 3, m + n + flags + 7));
      }
      check(problem('nn', m, n, k, RELU, false, 1, m + k));
    }
  });

  it('gives C = relu(bias) when k = 0', () => {
    check(problem('nn', 3, 11, 0, RELU, true, 1, 4));
  });

  it('is bit-identical under row and column splits with bias and relu', () => {
    const q = problem('nn', 23, 29, 280, ACCUMULATE | RELU, true, 2, 99);
    const p = place(q);
    call(q, p);
    const whole = Float32Array.from(h.f32(p.c, q.c0.length));
    const p2 = place(q);
    call(q, p2, 0, 2, 0, 13); call(q, p2, 0, 2, 13, 16); call(q, p2, 2, 21, 0, 29);
    expect(Array.from(h.f32(p2.c, q.c0.length))).toEqual(Array.from(whole));
  });
});

describe('gemm_pack_bytes', () => {
  it('is a 64-byte multiple bounded by the blocks, whatever m', () => {
    for (const [m, n, k] of [[1, 1, 1], [128, 256, 784], [1, 256, 784], [4096, 4096, 4096], [7, 3, 0]]) {
      const bytes = kern.gemm_pack_bytes(m, n, k);
      expect(bytes % 64).toBe(0);
      expect(bytes).toBe(kern.gemm_pack_bytes(1, n, k));
      expect(bytes).toBeLessThanOrEqual(1 << 20);
    }
  });
});
