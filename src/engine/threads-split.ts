// How kernels are split over threads. Only ever over rows or output columns (or elements, for
// element-wise kernels): every output element is computed by exactly the code and in exactly the
// order a single call would use (assembly/gemm.ts's summation-order contract; the element-wise
// kernels' results do not depend on an element's position), so results are bit-identical for any
// thread count. Work below about 20 µs stays on the calling thread: a round with spinning workers
// costs ~1-2 µs, and a small kernel's data is already in the caller's cache.
import type { Kernels } from './kernels.js';
import type { ThreadPool } from './threads.js';

/** GEMMs below this many flops (≈ 6 µs on one core) run on the calling thread. */
export const GEMM_SPLIT_FLOPS = 250_000;
/** Element-wise kernels below this much estimated work (ns) run on the calling thread. */
const SPLIT_NS = 8_000;

type Raw = (...args: number[]) => number;

/** GEMM layouts: 0 nn (with bias), 1 nt, 2 tn. */
export type Layout = 0 | 1 | 2;

/**
 * Run one GEMM over the caller and the pool's workers: output columns (multiples of the 8-wide
 * tile) when n ≥ m, else rows (multiples of the 4-row tile). Each worker uses its own pack scratch.
 */
export function splitGemm(
  pool: ThreadPool, fn: number, call: Raw, layout: Layout,
  c: number, a: number, b: number, bias: number, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: number,
): void {
  const byCols = n >= m;
  const unit = byCols ? 8 : 4;
  const total = byCols ? n : m;
  const units = Math.ceil(total / unit);
  const parts = Math.min(pool.workers + 1, units);
  for (let q = parts - 1; q >= 0; q--) {
    const s = Math.floor((q * units) / parts) * unit;
    const e = Math.min(total, Math.floor(((q + 1) * units) / parts) * unit);
    // The part's operands: a column range moves C, B (and the bias); a row range moves C and A.
    const cq = c + 4 * (byCols ? s : s * ldc);
    const aq = byCols ? a : a + 4 * (layout === 2 ? s : s * lda);
    const bq = byCols ? b + 4 * (layout === 1 ? s * ldb : s) : b;
    const biasq = bias && byCols ? bias + 4 * s : bias;
    const mq = byCols ? m : e - s;
    const nq = byCols ? e - s : n;
    if (q === 0) {
      if (layout === 0) call(cq, aq, bq, biasq, mq, nq, k, ldc, lda, ldb, flags, pack);
      else call(cq, aq, bq, mq, nq, k, ldc, lda, ldb, flags, pack);
      break;
    }
    const x = pool.args(q);
    x[0] = cq;
    x[1] = aq;
    x[2] = bq;
    let i = 3;
    if (layout === 0) x[i++] = biasq;
    x[i] = mq;
    x[i + 1] = nq;
    x[i + 2] = k;
    x[i + 3] = ldc;
    x[i + 4] = lda;
    x[i + 5] = ldb;
    x[i + 6] = flags;
    x[i + 7] = pool.packs[q];
    pool.run(q, fn);
  }
  for (let q = 1; q < parts; q++) pool.finish(q);
}

/**
 * How an element-wise kernel splits: `count` is the argument holding the number of units (elements
 * or rows), `cols` the one holding the row width (-1: units are single f32 elements), `ptrs` the
 * pointer arguments that advance with the units (4 bytes per element, or per row 4·cols bytes;
 * `perUnit4` lists those that advance 4 bytes per row instead, such as a gather's index), `ns` the
 * estimated cost of one element, and `firstIndex` marks a kernel returning the first index found
 * (or -1), combined across parts.
 */
interface SplitSpec {
  count: number;
  cols: number;
  ptrs: number[];
  perUnit4?: number[];
  ns: number;
  firstIndex?: boolean;
}

const optimizer = (ptrs: number, count: number, ns: number): SplitSpec => ({ count, cols: -1, ptrs: [...Array(ptrs).keys()], ns });

/** The element-wise kernels worth splitting, and how. Others always run on the calling thread. */
export const SPLITS: Record<string, SplitSpec> = {
  sgd_update: optimizer(3, 3, 0.3),
  adam_update: optimizer(4, 4, 1.2),
  adamw_update: optimizer(4, 4, 1.3),
  rmsprop_update: optimizer(5, 5, 1.2),
  adagrad_update: optimizer(3, 3, 1),
  nonfinite_index: { count: 1, cols: -1, ptrs: [0], ns: 0.2, firstIndex: true },
  gather_u8_f32: { count: 3, cols: 4, ptrs: [0], perUnit4: [2], ns: 0.6 },
};
for (const [name, ns] of [['relu', 0.1], ['leaky_relu', 0.1], ['elu', 1], ['selu', 1], ['sigmoid', 1], ['tanh', 1], ['gelu', 3], ['swish', 1], ['softplus', 1.5], ['softmax', 2]] as const) {
  SPLITS[`${name}_forward`] = { count: 2, cols: 3, ptrs: [0, 1], ns };
  SPLITS[`${name}_backward`] = { count: 4, cols: 5, ptrs: [0, 1, 2, 3], ns };
}

/**
 * A kernel that splits itself over the pool when there is one and the call is big enough, else
 * calls straight through. Twelve explicit parameters (the most any of them takes), so a call allocates nothing.
 */
export function splitKernel(name: string, spec: SplitSpec, raw: Raw, pool: () => ThreadPool | undefined): Raw {
  const { count, cols, ptrs, ns, firstIndex } = spec;
  const per4 = spec.perUnit4 ?? [];
  const unit = cols < 0 ? 16 : 1; // element splits fall on 64-byte boundaries
  let fn = -1;
  let fnPool: ThreadPool | undefined;
  const args = new Float64Array(12);
  return (a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number, a8: number, a9: number, a10: number, a11: number): number => {
    const p = pool();
    if (!p) return raw(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
    args[0] = a0; args[1] = a1; args[2] = a2; args[3] = a3; args[4] = a4;
    args[5] = a5; args[6] = a6; args[7] = a7; args[8] = a8; args[9] = a9; args[10] = a10; args[11] = a11;
    const units = args[count];
    const width = cols < 0 ? 1 : args[cols];
    if (units * width * ns < SPLIT_NS) return raw(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
    if (fnPool !== p) {
      fnPool = p;
      fn = p.fn(name);
    }
    const stride = 4 * width;
    const blocks = Math.ceil(units / unit);
    const parts = Math.min(p.workers + 1, blocks);
    let result = -1;
    // Parts 1.. go to the workers first, then the caller runs part 0 (in args itself, last).
    for (let q = parts - 1; q >= 0; q--) {
      const s = Math.min(units, Math.floor((q * blocks) / parts) * unit);
      const e = Math.min(units, Math.floor(((q + 1) * blocks) / parts) * unit);
      const x = q === 0 ? args : p.args(q);
      if (q > 0) for (let i = 0; i < 12; i++) x[i] = args[i];
      x[count] = e - s;
      for (let j = 0; j < ptrs.length; j++) if (args[ptrs[j]] !== 0) x[ptrs[j]] = args[ptrs[j]] + s * stride;
      for (let j = 0; j < per4.length; j++) x[per4[j]] = args[per4[j]] + s * 4;
      if (q > 0) p.run(q, fn);
      else result = raw(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11]);
    }
    // firstIndex: the caller's part comes first; a worker's index is relative to its start.
    for (let q = 1; q < parts; q++) {
      const r = p.finish(q);
      if (firstIndex && result < 0 && r >= 0) result = r + Math.min(units, Math.floor((q * blocks) / parts) * unit);
    }
    return result;
  };
}

/** The kernel table the engine hands out: the raw exports, with the SPLITS kernels wrapped. */
export function splittingKernels(raw: Kernels, pool: () => ThreadPool | undefined): Kernels {
  const k = { ...raw } as Record<string, unknown>;
  for (const [name, spec] of Object.entries(SPLITS)) {
    const f = k[name];
    if (typeof f === 'function') k[name] = splitKernel(name, spec, f as Raw, pool);
  }
  return k as unknown as Kernels;
}
