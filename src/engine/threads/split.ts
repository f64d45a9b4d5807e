// How kernels are split over threads. Only ever over rows or output columns (or elements, for
// element-wise kernels): every output element is computed by exactly the code and in exactly the
// order a single call would use (assembly/gemm.ts's summation-order contract; the element-wise
// kernels' results do not depend on an element's position), so results are bit-identical for any
// thread count. Work below about 6-8 µs stays on the calling thread: a job with spinning workers
// costs about a microsecond of coordination, and a small kernel's data is in the caller's cache.
import type { Kernels } from '../kernels.js';
import type { ThreadPool } from './pool.js';

/** Single-core GEMM speed (flops per ns) used to estimate a product's time. */
const GFLOPS = 40;
/** Element-wise kernels below this much estimated work (ns) run on the calling thread. */
const SPLIT_NS = 8_000;

type Raw = (...args: number[]) => number;

/** GEMM layouts: 0 nn (with bias), 1 nt, 2 tn. */
export type Layout = 0 | 1 | 2;

/** Chunks per thread: more than one, so a descheduled thread holds up a small share of the work. */
const GEMM_CHUNKS_PER_THREAD = 2;
const ELEMENT_CHUNKS_PER_THREAD = 4;

/**
 * Run one GEMM over the caller and the pool's workers: chunks of output columns (whole 8-wide
 * tiles) when n ≥ m, else of rows (whole 4-row tiles). A column range moves C, B and the bias;
 * a row range moves C and A. Each thread packs into its own scratch.
 */
export function splitGemm(
  pool: ThreadPool, fn: number, layout: Layout,
  c: number, a: number, b: number, bias: number, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: number,
): void {
  const x = pool.base, st = pool.stride;
  // Argument positions: nn (c, a, b, bias, m, n, k, ldc, lda, ldb, flags, pack); nt and tn lack bias.
  const o = layout === 0 ? 1 : 0;
  x[0] = c; x[1] = a; x[2] = b;
  if (o) x[3] = bias;
  x[3 + o] = m; x[4 + o] = n; x[5 + o] = k; x[6 + o] = ldc; x[7 + o] = lda; x[8 + o] = ldb; x[9 + o] = flags; x[10 + o] = pack;
  if (!o) x[11] = 0;
  x[12] = x[13] = 0;
  st.fill(0);
  const byCols = n >= m;
  if (byCols) {
    st[0] = 4;
    st[2] = layout === 1 ? 4 * ldb : 4;
    if (o && bias) st[3] = 4;
  } else {
    st[0] = 4 * ldc;
    st[1] = layout === 2 ? 4 : 4 * lda;
  }
  // Small m (batch-1 inference) streams B once, from whichever core's cache holds it: one chunk per
  // thread, which the caller (chunk 0) and the spinning worker (chunk 1) take the same way each call.
  const chunks = (pool.workers + 1) * (m <= 16 ? 1 : GEMM_CHUNKS_PER_THREAD);
  pool.run(fn, byCols ? n : m, byCols ? 8 : 4, byCols ? 4 + o : 3 + o, 10 + o, chunks, (2 * m * n * k) / GFLOPS);
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
  adamax_update: optimizer(4, 4, 1.2),
  nadam_update: optimizer(4, 4, 1.5),
  weight_decay: optimizer(1, 1, 0.2),
  scale_f32: optimizer(1, 1, 0.2),
  clip_f32: optimizer(1, 1, 0.2),
  nonfinite_index: { count: 1, cols: -1, ptrs: [0], ns: 0.2, firstIndex: true },
  gather_u8_f32: { count: 3, cols: 4, ptrs: [0], perUnit4: [2], ns: 0.6 },
};
for (const [name, ns] of [['relu', 0.1], ['leaky_relu', 0.1], ['elu', 1], ['selu', 1], ['sigmoid', 1], ['tanh', 1], ['gelu', 3], ['swish', 1], ['softplus', 1.5], ['softmax', 2]] as const) {
  SPLITS[`${name}_forward`] = { count: 2, cols: 3, ptrs: [0, 1], ns };
  SPLITS[`${name}_backward`] = { count: 4, cols: 5, ptrs: [0, 1, 2, 3], ns };
}

/**
 * A kernel that splits itself over the pool when there is one and the call is big enough, else
 * calls straight through. Fourteen explicit parameters (the most any of them takes), so a call allocates nothing.
 */
export function splitKernel(name: string, spec: SplitSpec, raw: Raw, pool: () => ThreadPool | undefined): Raw {
  const { count, cols, ptrs, ns, firstIndex } = spec;
  const per4 = spec.perUnit4 ?? [];
  const unit = cols < 0 ? 16 : 1; // element chunks fall on 64-byte boundaries
  // Byte stride per unit of each argument (0: not a pointer that moves), set per call.
  const stride = new Float64Array(14);
  let fn = -1;
  let fnPool: ThreadPool | undefined;
  // The call's own arguments, kept as given: the calling thread runs its chunks with them, so a
  // computed scalar (a learning rate) is not boxed again per chunk.
  let v0 = 0, v1 = 0, v2 = 0, v3 = 0, v4 = 0, v5 = 0, v6 = 0, v7 = 0, v8 = 0, v9 = 0, v10 = 0, v11 = 0, v12 = 0, v13 = 0;
  let start = 0, length = 0;
  const at = (i: number, v: number): number => (i === count ? length : stride[i] !== 0 ? v + start * stride[i] : v);
  const local = (s: number, len: number): number => {
    start = s;
    length = len;
    return raw(at(0, v0), at(1, v1), at(2, v2), at(3, v3), at(4, v4), at(5, v5), at(6, v6), at(7, v7), at(8, v8), at(9, v9), at(10, v10), at(11, v11), at(12, v12), at(13, v13));
  };
  return (a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number, a8: number, a9: number, a10: number, a11: number, a12: number, a13: number): number => {
    const p = pool();
    if (!p) return raw(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13);
    const x = p.base;
    x[0] = a0; x[1] = a1; x[2] = a2; x[3] = a3; x[4] = a4; x[5] = a5;
    x[6] = a6; x[7] = a7; x[8] = a8; x[9] = a9; x[10] = a10; x[11] = a11; x[12] = a12; x[13] = a13;
    const units = x[count];
    const width = cols < 0 ? 1 : x[cols];
    if (units * width * ns < SPLIT_NS) return raw(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13);
    if (fnPool !== p) {
      fnPool = p;
      fn = p.fn(name);
    }
    v0 = a0; v1 = a1; v2 = a2; v3 = a3; v4 = a4; v5 = a5; v6 = a6; v7 = a7; v8 = a8; v9 = a9; v10 = a10; v11 = a11; v12 = a12; v13 = a13;
    stride.fill(0);
    for (let j = 0; j < ptrs.length; j++) if (x[ptrs[j]] !== 0) stride[ptrs[j]] = 4 * width;
    for (let j = 0; j < per4.length; j++) stride[per4[j]] = 4;
    p.stride.set(stride);
    p.run(fn, units, unit, count, -1, (p.workers + 1) * ELEMENT_CHUNKS_PER_THREAD, units * width * ns, local);
    if (!firstIndex) return 0;
    // The first chunk that found something has the first index overall.
    for (let c = 0; c < p.chunks; c++) {
      const r = p.result(c);
      if (r >= 0) return p.chunkStart(c) + r;
    }
    return -1;
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
