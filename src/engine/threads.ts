// Kernel threads over the engine's one shared memory. The calling thread splits a kernel's rows or
// output columns into parts, hands parts 1.. to workers through their job slots in wasm memory
// (threads-layout.ts), runs part 0 itself, then collects the others: it waits for a part a worker
// has taken, and runs any part no worker has taken yet itself (a sleeping or descheduled worker
// then costs nothing but its share of the speed-up). Nothing is posted per job and nothing is
// allocated: a round costs under a microsecond while the workers spin, against ≈ 100 µs for
// postMessage and ≈ 65 µs for a plain Atomics.wait/notify round on our machines. Workers sleep in
// Atomics.wait after spinning `spinMicros` without work.
import { FN_EXIT, F_ARGS, F_RESULT, I_CLAIM, I_DONE, I_FN, I_SEQ, I_SLEEPING, I_STATUS, I_WAITING, MAX_ARGS, SLOT_BYTES, type WorkerStart } from './threads-layout.js';

/** How long the calling thread spins on a worker's done flag before it sleeps (ms). */
const CALLER_SPIN_MS = 0.05;

/** What the pool needs from its engine. */
export interface PoolHost {
  module: WebAssembly.Module;
  /** The calling thread's own instance's exports (parts it takes back run on these). */
  exports: Record<string, unknown>;
  memory: WebAssembly.Memory;
  /** Reserve bytes in the engine's heap (64-byte aligned). */
  alloc(bytes: number, what: string): number;
  release(ptr: number): void;
  variant: number;
}

interface WorkerHandle {
  terminate(): void;
}

export class ThreadPool {
  /** Worker count (the calling thread is one more). */
  readonly workers: number;
  /** Per-worker GEMM pack scratch (byte addresses), index 1..workers; [0] is unused. */
  readonly packs: number[];
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly seq: Int32Array;
  private readonly argViews: Float64Array[] = [];
  private readonly fnIndex = new Map<string, number>();
  private readonly fns: ((...args: number[]) => number)[];
  private closed = false;

  private constructor(
    private readonly host: PoolHost,
    private readonly slots: number,
    private readonly handles: WorkerHandle[],
    readonly names: string[],
    packs: number[],
  ) {
    this.workers = handles.length;
    this.packs = packs;
    this.i32 = new Int32Array(host.memory.buffer, slots, (this.workers * SLOT_BYTES) >> 2);
    this.f64 = new Float64Array(host.memory.buffer, slots, (this.workers * SLOT_BYTES) >> 3);
    this.seq = new Int32Array(this.workers);
    names.forEach((n, i) => this.fnIndex.set(n, i));
    this.fns = names.map((n) => host.exports[n] as (...args: number[]) => number);
    for (let w = 1; w <= this.workers; w++) {
      const base = ((w - 1) * SLOT_BYTES) / 8 + F_ARGS;
      this.argViews[w] = this.f64.subarray(base, base + MAX_ARGS);
    }
  }

  /**
   * Start `workers` threads running `script` and resolve once each has instantiated the module.
   * `packBytes` of GEMM scratch are reserved per worker.
   */
  static async start(host: PoolHost, workers: number, script: URL, names: string[], packBytes: number, spinMicros: number): Promise<ThreadPool> {
    const slots = host.alloc(workers * SLOT_BYTES, 'thread job slots');
    new Uint8Array(host.memory.buffer, slots, workers * SLOT_BYTES).fill(0);
    const packs = [0];
    for (let w = 0; w < workers; w++) packs.push(host.alloc(packBytes, 'thread GEMM scratch'));
    const handles: WorkerHandle[] = [];
    try {
      const started = [];
      for (let w = 0; w < workers; w++) {
        const start: WorkerStart = { module: host.module, memory: host.memory, slot: slots + w * SLOT_BYTES, names, variant: host.variant, spinMicros };
        started.push(spawn(script, start, handles));
      }
      await Promise.all(started);
    } catch (e) {
      for (const h of handles) h.terminate();
      for (const p of [slots, ...packs]) host.release(p);
      throw e;
    }
    return new ThreadPool(host, slots, handles, names, packs);
  }

  /** Index of a kernel in the workers' table (-1 if not there). */
  fn(name: string): number {
    return this.fnIndex.get(name) ?? -1;
  }

  /** The args of worker w (1-based), to fill before run(w, fn): a view, not a copy. */
  args(w: number): Float64Array {
    return this.argViews[w];
  }

  /** Start fn on worker w (1-based) with the args written into args(w). */
  run(w: number, fn: number): void {
    const i = ((w - 1) * SLOT_BYTES) >> 2;
    const seq = (this.seq[w - 1] = (this.seq[w - 1] + 1) | 0);
    this.i32[i + I_FN] = fn;
    Atomics.store(this.i32, i + I_SEQ, seq);
    if (Atomics.load(this.i32, i + I_SLEEPING)) Atomics.notify(this.i32, i + I_SEQ);
  }

  /**
   * Finish worker w's current job and return its result: run it here if the worker has not taken
   * it yet, else wait for it (spinning briefly, then sleeping).
   */
  finish(w: number): number {
    const i = ((w - 1) * SLOT_BYTES) >> 2;
    const seq = this.seq[w - 1];
    const prev = (seq - 1) | 0;
    if (Atomics.compareExchange(this.i32, i + I_CLAIM, prev, seq) === prev) {
      const a = this.argViews[w];
      const r = this.fns[this.i32[i + I_FN]](a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]);
      return typeof r === 'number' ? r : 0;
    }
    const done = i + I_DONE;
    if (Atomics.load(this.i32, done) !== seq) {
      const t0 = performance.now();
      for (let spins = 1; Atomics.load(this.i32, done) !== seq; spins++) {
        if ((spins & 255) === 0 && performance.now() - t0 > CALLER_SPIN_MS) {
          Atomics.store(this.i32, i + I_WAITING, 1);
          const now = Atomics.load(this.i32, done);
          if (now !== seq) Atomics.wait(this.i32, done, now, 1000);
          Atomics.store(this.i32, i + I_WAITING, 0);
        }
      }
    }
    if (this.i32[i + I_STATUS] !== 0) throw new Error(`dendrite: a kernel failed on thread ${w} (see its console message)`);
    return this.f64[((w - 1) * SLOT_BYTES) / 8 + F_RESULT];
  }

  /** Stop and forget the workers; their scratch returns to the heap. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let w = 1; w <= this.workers; w++) this.run(w, FN_EXIT);
    for (const h of this.handles) h.terminate();
    for (const p of this.packs.slice(1)) this.host.release(p);
    this.host.release(this.slots);
  }
}

/** Start one worker and resolve when it reports ready. */
async function spawn(script: URL, start: WorkerStart, handles: WorkerHandle[]): Promise<void> {
  if (typeof Worker === 'function') {
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
