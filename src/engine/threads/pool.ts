// Kernel threads over the engine's one shared memory. The calling thread posts a job on the board
// in wasm memory (layout.ts): a kernel, its arguments, and how they move per chunk of rows,
// output columns or elements. Then it claims and runs chunks like any worker, and waits until all
// are done. Nothing is posted per job and nothing is allocated: with the workers spinning a job
// costs about a microsecond of coordination, against ≈ 100 µs for postMessage and ≈ 65 µs for a
// plain Atomics.wait/notify round on our machines. Workers sleep in Atomics.wait after spinning
// `spinMicros` without work; a sleeping or descheduled worker costs speed, never correctness.
import {
  BOARD_BYTES, F_BASE, F_RESULTS, F_STRIDE, FN_EXIT, I_CALLER_WAITING, I_CHUNKS, I_CLAIM, I_COUNT_ARG, I_FINISHED, I_FN, I_PACK_ARG,
  I_STATUS, I_TOTAL, I_UNIT, I_UNITS, MAX_ARGS, MAX_CHUNKS, WORKER_LINE_BYTES, chunkStart, claimChunk, claimWord, runChunk, sleepingIndex, type WorkerStart,
} from './layout.js';

/** How long the calling thread spins on `finished` before it sleeps (ms). */
const CALLER_SPIN_MS = 0.05;
/**
 * Threads only where they pay. On a busy machine (more runnable threads than cores) splitting can
 * be slower than one thread: the workers' spinning takes CPU from the caller, and a job waits for
 * whichever thread the OS has descheduled. So the pool measures, per window (WINDOW_JOBS jobs or
 * WINDOW_MS of them, whichever comes first), the wall time per estimated single-core nanosecond of
 * work, with the workers ("together") and without them ("alone": one call over the whole range,
 * nothing published, so the workers fall asleep); it keeps the better mode and tries the other
 * now and then: after EXPLORE_FIRST windows, then twice as long each time the other mode loses
 * (up to EXPLORE_EVERY windows, ≈ 0.5 s while training), again soon whenever it wins. Results
 * are the same bits either way.
 */
const WINDOW_JOBS = 32;
const WINDOW_MS = 8;
const EXPLORE_FIRST = 4;
const EXPLORE_EVERY = 64;
/** Windows not measured at the start: code still warming up (tier-up) would make either mode look slow. */
const WARMUP_WINDOWS = 4;
/** The other mode must measure this much cheaper to take over (single slow windows happen). */
const HYSTERESIS = 1 / 0.9;

type Kernel = (...args: number[]) => number | undefined;

/** What the pool needs from its engine. */
export interface PoolHost {
  module: WebAssembly.Module;
  /** The calling thread's instance's exports (the chunks it claims run on these). */
  exports: Record<string, unknown>;
  memory: WebAssembly.Memory;
  /** Reserve bytes in the engine's heap (64-byte aligned). */
  alloc(bytes: number, what: string): number;
  release(ptr: number): void;
  variant: number;
  /** Measure whether the threads pay and run alone when they do not (see WINDOW_JOBS). */
  adaptive: boolean;
}

interface WorkerHandle {
  terminate(): void;
}

export class ThreadPool {
  /** Worker count (the calling thread is one more). */
  readonly workers: number;
  /** Base arguments of the next job (f64 view of the board): fill, then set strides and post. */
  readonly base: Float64Array;
  /** Byte stride per row / column / element of each argument of the next job. */
  readonly stride: Float64Array;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly fnIndex = new Map<string, number>();
  private readonly fns: Kernel[];
  private readonly args = new Float64Array(MAX_ARGS);
  private job = 0;
  private closed = false;
  /** Current mode (alone = the caller only), and the cost per mode: wall ns per estimated ns. */
  private alone = false;
  private readonly cost = [0, 0]; // [together, alone]; 0 = not measured yet
  private windowJobs = 0;
  private windowWall = 0;
  private windowWork = 0;
  private windows = 0;
  /** The first window after switching to the workers is not measured: they are waking up. */
  private settling = false;
  /** Exploring: this window tries the other mode; then `gap` windows until the next try. */
  private exploring = false;
  private gap = EXPLORE_FIRST;
  private since = 0;

  private constructor(
    private readonly host: PoolHost,
    private readonly board: number,
    private readonly handles: WorkerHandle[],
    names: string[],
    private readonly packs: number[],
  ) {
    this.workers = handles.length;
    const bytes = BOARD_BYTES + this.workers * WORKER_LINE_BYTES;
    this.i32 = new Int32Array(host.memory.buffer, board, bytes >> 2);
    this.f64 = new Float64Array(host.memory.buffer, board, bytes >> 3);
    this.base = this.f64.subarray(F_BASE, F_BASE + MAX_ARGS);
    this.stride = this.f64.subarray(F_STRIDE, F_STRIDE + MAX_ARGS);
    names.forEach((n, i) => this.fnIndex.set(n, i));
    this.fns = names.map((n) => host.exports[n] as Kernel);
  }

  /** Start `workers` threads running `script`; resolves once each has instantiated the module. */
  static async start(host: PoolHost, workers: number, script: URL, names: string[], packBytes: number, spinMicros: number): Promise<ThreadPool> {
    const bytes = BOARD_BYTES + workers * WORKER_LINE_BYTES;
    const board = host.alloc(bytes, 'thread job board');
    new Uint8Array(host.memory.buffer, board, bytes).fill(0);
    const packs: number[] = [];
    for (let w = 0; w < workers; w++) packs.push(host.alloc(packBytes, 'thread GEMM scratch'));
    const handles: WorkerHandle[] = [];
    try {
      await Promise.all(packs.map((pack, w) => spawn(script, { module: host.module, memory: host.memory, board, index: w + 1, pack, names, variant: host.variant, spinMicros }, handles)));
    } catch (e) {
      for (const h of handles) h.terminate();
      for (const p of [board, ...packs]) host.release(p);
      throw e;
    }
    return new ThreadPool(host, board, handles, names, packs);
  }

  /** Index of a kernel in the workers' table (-1 if not there). */
  fn(name: string): number {
    return this.fnIndex.get(name) ?? -1;
  }

  /**
   * Run kernel `fn` over `total` rows, columns or elements in chunks of whole `unit`s, with the
   * arguments in `base` moving by `stride` per row/column/element, args[countArg] = the chunk's
   * length and args[packArg] (if ≥ 0) = each thread's own GEMM scratch (the caller's is base's).
   * `work` estimates the job's single-core time (ns), for choosing whether threads pay. `local`, if
   * given, runs a chunk on the calling thread from the caller's own argument values.
   * Each chunk's result is then result(c).
   */
  run(fn: number, total: number, unit: number, countArg: number, packArg: number, chunks: number, work: number, local?: (start: number, length: number) => number): void {
    const { i32, f64 } = this;
    const units = Math.ceil(total / unit);
    const pack = packArg >= 0 ? f64[F_BASE + packArg] : 0;
    const kernel = this.fns[fn];
    const alone = this.alone;
    chunks = alone ? 1 : Math.max(1, Math.min(chunks, units, MAX_CHUNKS));
    i32[I_FN] = fn;
    i32[I_CHUNKS] = chunks;
    i32[I_COUNT_ARG] = countArg;
    i32[I_PACK_ARG] = packArg;
    i32[I_UNITS] = units;
    i32[I_UNIT] = unit;
    i32[I_TOTAL] = total;
    const t0 = performance.now();
    if (alone) {
      f64[F_RESULTS] = local ? local(0, total) : runChunk(i32, f64, 0, kernel, pack, this.args);
    } else {
      Atomics.store(i32, I_FINISHED, 0);
      this.job = (this.job + 1) & 0xffff;
      Atomics.store(i32, I_CLAIM, claimWord(this.job, chunks)); // publishes everything above
      for (let w = 1; w <= this.workers; w++) if (Atomics.load(i32, sleepingIndex(w))) Atomics.notify(i32, I_CLAIM);
      this.claimAll(chunks, kernel, pack, local);
      this.await(chunks);
    }
    if (this.host.adaptive) this.measure(performance.now() - t0, work);
    if (i32[I_STATUS] !== 0) {
      i32[I_STATUS] = 0;
      throw new Error(`dendrite: a kernel failed on a worker thread (see its console message)`);
    }
  }

  /** Account one job's wall time (ms) against its estimated single-core work (ns); switch modes per window. */
  private measure(ms: number, work: number): void {
    this.windowWall += ms * 1e6;
    this.windowWork += work;
    if (++this.windowJobs < WINDOW_JOBS && this.windowWall < WINDOW_MS * 1e6) return;
    const r = this.windowWall / this.windowWork;
    this.windowJobs = this.windowWall = this.windowWork = 0;
    if (this.windows++ < WARMUP_WINDOWS) return;
    if (this.settling) {
      this.settling = false;
      return;
    }
    const m = this.alone ? 1 : 0;
    this.cost[m] = this.cost[m] ? (this.cost[m] + r) / 2 : r;
    let next = true; // the first measurement was together: measure alone once
    if (this.cost[1]) {
      // Hysteresis: the mode running now stays unless the other one measured clearly better.
      const aloneBetter = this.alone ? this.cost[1] < this.cost[0] * HYSTERESIS : this.cost[1] * HYSTERESIS < this.cost[0];
      if (this.exploring) {
        // This window tried the other mode: if it won, look again soon; if not, wait twice as long.
        this.exploring = false;
        this.gap = aloneBetter === this.alone ? EXPLORE_FIRST : Math.min(2 * this.gap, EXPLORE_EVERY);
      }
      if (++this.since >= this.gap) {
        this.since = 0;
        this.exploring = true;
        next = !aloneBetter;
      } else {
        next = aloneBetter;
      }
    }
    // Waking sleeping workers and refilling their caches takes a window: not measured.
    this.settling = this.alone && !next;
    this.alone = next;
  }

  /** Whether jobs now run on the calling thread alone because the threads measured slower, for info(). */
  get backedOff(): boolean {
    return this.alone && this.cost[1] > 0 && this.cost[1] < this.cost[0];
  }

  /** Claim and run chunks of the current job until none is left. */
  private claimAll(chunks: number, kernel: Kernel, pack: number, local?: (start: number, length: number) => number): void {
    const { i32, f64 } = this;
    for (;;) {
      const c = claimChunk(i32, this.job, false);
      if (c < 0) return;
      if (local) {
        const start = this.chunkStart(c);
        f64[F_RESULTS + c] = local(start, this.chunkStart(c + 1) - start);
      } else {
        f64[F_RESULTS + c] = runChunk(i32, f64, c, kernel, pack, this.args);
      }
      Atomics.add(i32, I_FINISHED, 1);
    }
  }

  /** The result of chunk c of the last job, and where that chunk started. */
  result(c: number): number {
    return this.f64[F_RESULTS + c];
  }

  chunkStart(c: number): number {
    const i32 = this.i32;
    return chunkStart(c, i32[I_CHUNKS], i32[I_UNITS], i32[I_UNIT], i32[I_TOTAL]);
  }

  /** Chunks of the last job. */
  get chunks(): number {
    return this.i32[I_CHUNKS];
  }

  /** Wait until all chunks are finished: spin briefly, then sleep on `finished`. */
  private await(chunks: number): void {
    const i32 = this.i32;
    if (Atomics.load(i32, I_FINISHED) === chunks) return;
    const t0 = performance.now();
    for (let spins = 1; Atomics.load(i32, I_FINISHED) !== chunks; spins++) {
      if ((spins & 255) === 0 && performance.now() - t0 > CALLER_SPIN_MS) {
        Atomics.store(i32, I_CALLER_WAITING, 1);
        const now = Atomics.load(i32, I_FINISHED);
        if (now !== chunks) Atomics.wait(i32, I_FINISHED, now, 1000);
        Atomics.store(i32, I_CALLER_WAITING, 0);
      }
    }
  }

  /** Stop and forget the workers; the board and their scratch return to the heap. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const i32 = this.i32;
    i32[I_FN] = FN_EXIT;
    this.job = (this.job + 1) & 0xffff;
    Atomics.store(i32, I_CLAIM, claimWord(this.job, 0));
    Atomics.notify(i32, I_CLAIM);
    for (const h of this.handles) h.terminate();
    for (const p of [this.board, ...this.packs]) this.host.release(p);
  }
}

/** Start one worker and resolve when it reports ready. */
async function spawn(script: URL, start: WorkerStart, handles: WorkerHandle[]): Promise<void> {
  // Deno takes node:worker_threads too, whose unref() lets a program exit while its kernel
  // threads sleep; a Web Worker would keep Deno's event loop alive for ever.
  if (typeof Worker === 'function' && !('Deno' in globalThis)) {
    const w = new Worker(script, { type: 'module' });
    handles.push(w);
    await new Promise<void>((resolve, reject) => {
      w.addEventListener('message', () => resolve(), { once: true });
      w.addEventListener('error', (e) => {
        e.preventDefault();
        reject(new Error(`kernel thread failed to start: ${e.message || `could not load ${String(script)}`}`));
      });
      w.postMessage(start);
    });
    return;
  }
  const { Worker: NodeWorker } = await import('node:worker_threads');
  const w = new NodeWorker(script);
  handles.push({ terminate: () => void w.terminate() });
  await new Promise<void>((resolve, reject) => {
    w.once('message', () => {
      // Once running, a worker sleeping in Atomics.wait must not keep the process alive.
      w.unref();
      resolve();
    });
    w.once('error', (e) => reject(new Error(`kernel thread failed to start: ${e.message}`)));
    w.once('exit', (code) => reject(new Error(`kernel thread exited with code ${code} while starting`)));
    w.postMessage(start);
  });
}
