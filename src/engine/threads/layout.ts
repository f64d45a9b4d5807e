// The job board the calling thread shares with its worker threads, inside the engine's shared wasm
// memory (so nothing is posted per job). One job at a time: a kernel and its arguments, cut into
// `chunks` ranges of rows, output columns or elements. Every thread, the caller included, claims
// chunks one at a time and runs them; so a worker that sleeps or that the OS has descheduled (a busy
// machine) only holds up the one chunk it has, never half of the work. The caller claims from the
// front, the workers from the back: on two threads each keeps to its own end of every range, so the
// rows a thread wrote in one job are mostly the rows it reads in the next (measured: an im2col
// over the batch split into 4 chunks claimed in turn ran 2.4× slower on 2 threads than on 1, the
// lines migrating between the cores' caches).
//
// Chunk c covers units [⌊c·units/chunks⌋, ⌊(c+1)·units/chunks⌋) of `unit` rows/columns/elements
// each, clamped to `total`; its arguments are base[i] + start·stride[i] (bytes for pointers, 0 for
// the rest), with args[countArg] = its length and args[packArg] = the running thread's own GEMM
// scratch. The caller computes base and strides (split.ts); the workers need no knowledge of
// any kernel.
//
// Layout (byte offsets from the board's start, 64-byte lines, 1024 + 64·workers bytes):
//     0  claim: (job & 0xffff) << 16 | end << 8 | front — chunks [front, end) are left; published by
//        the caller (front 0, end = chunks), claimed by CAS (front + 1, or end − 1 from the back)
//    64  fn, chunks, countArg, packArg, units, unit, total (i32)
//   128  finished (chunks done), callerWaiting, status (i32) — the caller waits on finished
//   192  base args (f64 × 14)      320  strides (f64 × 14)      512  results (f64 × MAX_CHUNKS)
//  1024  one line per worker: sleeping (i32), so the caller notifies only sleepers
// Every flag and counter is read and written with Atomics; their sequential consistency rules out a
// lost wake-up (each side raises its own flag before it re-reads the other's counter and waits).

export const MAX_ARGS = 14;
export const MAX_CHUNKS = 64;
export const BOARD_BYTES = 1024;
export const WORKER_LINE_BYTES = 64;

export const I_CLAIM = 0;
export const I_FN = 16;
export const I_CHUNKS = 17;
export const I_COUNT_ARG = 18;
export const I_PACK_ARG = 19;
export const I_UNITS = 20;
export const I_UNIT = 21;
export const I_TOTAL = 22;
export const I_FINISHED = 32;
export const I_CALLER_WAITING = 33;
/** 0 = ok, 1 = a chunk threw on a worker (the message went to its console). */
export const I_STATUS = 34;
export const F_BASE = 24;
export const F_STRIDE = 40;
export const F_RESULTS = 64;
/** i32 index of worker w's (1-based) sleeping flag. */
export const sleepingIndex = (w: number): number => (BOARD_BYTES + (w - 1) * WORKER_LINE_BYTES) >> 2;

/** The claim word that publishes job (taken modulo 2¹⁶) with all its chunks left. */
export const claimWord = (job: number, chunks: number): number => ((job & 0xffff) << 16) | (chunks << 8);

/** The job a claim word belongs to. */
export const jobOf = (claim: number): number => claim >>> 16;

/**
 * Claim a chunk of `job`: the first one left (the caller) or the last (`back`, the workers). Returns
 * its index, or -1 when none is left or a newer job is up.
 */
export function claimChunk(i32: Int32Array, job: number, back: boolean): number {
  for (;;) {
    const claim = Atomics.load(i32, I_CLAIM);
    const front = claim & 255, end = (claim >>> 8) & 255;
    if (jobOf(claim) !== job || front >= end) return -1;
    if (Atomics.compareExchange(i32, I_CLAIM, claim, back ? claim - 256 : claim + 1) === claim) return back ? end - 1 : front;
  }
}

/** fn value that makes the workers leave their loop. */
export const FN_EXIT = -1;

/** First row, column or element of chunk c (chunk c ends where chunk c + 1 starts). */
export function chunkStart(c: number, chunks: number, units: number, unit: number, total: number): number {
  return Math.min(total, Math.floor((c * units) / chunks) * unit);
}

type Kernel = (...args: number[]) => number | undefined;

/**
 * Run chunk c of the job on the board with this thread's kernel and pack scratch; `args` is the
 * thread's own scratch for the arguments (so nothing is allocated). Returns the kernel's result.
 */
export function runChunk(i32: Int32Array, f64: Float64Array, c: number, fn: Kernel, pack: number, args: Float64Array): number {
  const chunks = i32[I_CHUNKS], units = i32[I_UNITS], unit = i32[I_UNIT], total = i32[I_TOTAL];
  const start = chunkStart(c, chunks, units, unit, total);
  for (let i = 0; i < MAX_ARGS; i++) args[i] = f64[F_BASE + i] + start * f64[F_STRIDE + i];
  args[i32[I_COUNT_ARG]] = chunkStart(c + 1, chunks, units, unit, total) - start;
  const packArg = i32[I_PACK_ARG];
  if (packArg >= 0) args[packArg] = pack;
  const r = fn(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9], args[10], args[11], args[12], args[13]);
  return typeof r === 'number' ? r : 0;
}

/** What a worker is sent once, at start. */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte address of the job board. */
  board: number;
  /** This worker's number, 1.. (the calling thread is 0). */
  index: number;
  /** Byte address of this worker's GEMM pack scratch. */
  pack: number;
  /** Kernel export names; a job's fn is an index into this list. */
  names: string[];
  /** GEMM tile variant (gemm_variant), as on the calling thread. */
  variant: number;
  /** Microseconds to spin without work before sleeping in Atomics.wait. */
  spinMicros: number;
}
