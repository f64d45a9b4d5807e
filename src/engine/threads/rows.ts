// How the row kernels (ROW_KERNELS in kernels.ts: convolution, pooling, …) split over threads. Such a
// kernel ends in (start, count), a range of units — rows (image, output or input row), images or
// channels — each of which it computes alone and in a fixed order, so any cut of the range gives
// the same bits. The chunks are ranges of whole `unit`s; only `start` moves (by 1 per unit). A kernel
// in ROW_SCRATCH gets each thread's own GEMM pack scratch in that argument (the caller keeps its own).
import { ROW_KERNELS, ROW_SCRATCH, type RowKernel } from '../kernels.js';
import type { ThreadPool } from './pool.js';

/** Chunks per thread: more than one, so a descheduled thread holds up a small share of the work. */
const CHUNKS_PER_THREAD = 2;

/** Names the workers must know. */
export const ROW_KERNEL_NAMES = Object.keys(ROW_KERNELS) as RowKernel[];

/**
 * Run row kernel `name` over units [0, total) on the caller and the pool's workers; a0.. are its
 * arguments before (start, count) and `work` the estimated single-core time (ns).
 */
export function splitRows(pool: ThreadPool, name: RowKernel, total: number, unit: number, work: number,
                          a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number): void {
  const lead = ROW_KERNELS[name];
  const x = pool.base, st = pool.stride;
  x[0] = a0; x[1] = a1; x[2] = a2; x[3] = a3; x[4] = a4; x[5] = a5; x[6] = a6; x[7] = a7;
  x[lead] = 0;
  x[lead + 1] = total;
  st.fill(0);
  st[lead] = 1;
  pool.run(pool.fn(name), total, unit, lead + 1, ROW_SCRATCH[name] ?? -1, (pool.workers + 1) * CHUNKS_PER_THREAD, work);
}
