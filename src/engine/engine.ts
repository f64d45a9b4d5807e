// One engine = one WebAssembly instance over one linear memory. The TypeScript side owns every
// allocation (Heap); kernels get byte pointers. Typed-array views over the memory are re-created
// in exactly one place (refreshViews): memory.grow detaches an ordinary ArrayBuffer, and gives a
// shared memory a new, longer SharedArrayBuffer (the old one stays valid but short).
//
// Threads (optional): a threads build imports a shared memory; setThreads(n) starts n - 1 workers
// on the same module and memory (threads/pool.ts), and the big kernels split over rows or output
// columns (threads/split.ts), so results are bit-identical for any thread count. The thread code
// is registered by the entries that can use it (threads/enable.ts), so the others do not carry it.
import { instantiateSync } from '@assemblyscript/loader';
import { StateError, ValueError } from '../errors.js';
import { Heap } from './heap.js';
import { ROW_KERNELS, type Kernels, type RowKernel } from './kernels.js';
import type { ThreadPool } from './threads/pool.js';
import type { splitRows } from './threads/rows.js';
import type { Layout, splitGemm, splittingKernels } from './threads/split.js';

/** GEMMs below this many flops (≈ 6 µs on one core) run on the calling thread. */
const GEMM_SPLIT_FLOPS = 250_000;
/** Row kernels below this much estimated work (ns) run on the calling thread. */
const ROWS_SPLIT_NS = 8_000;

/** The thread code, registered by the entries that can use it (threads/enable.ts). */
export interface Threading {
  start: typeof ThreadPool.start;
  splitGemm: typeof splitGemm;
  splitRows: typeof splitRows;
  splittingKernels: typeof splittingKernels;
  /** Element-wise kernels that split themselves. */
  splittable: string[];
}
let threading: Threading | undefined;

/** Called by threads/enable.ts. */
export function enableThreads(t: Threading): void {
  threading = t;
}

export interface EngineOptions {
  /**
   * Threads the kernels may use, the calling thread included. Default 1. More needs a threads build
   * (shared memory), workers, and a calling thread that may block (Node, Deno, a Web Worker of a
   * cross-origin isolated page); it is capped at the number of cores. Workers start in the
   * background: until they are up the engine runs single-threaded (`await engine.setThreads(n)`
   * waits for them). `info().threadsReason` says why there are fewer than asked.
   */
  threads?: number;
  /**
   * Refuse a build whose results differ from the baseline's (relaxed SIMD): same seed ⇒ same bits
   * in every runtime. Loaders (init) use it to pick the baseline build. Default false.
   */
  deterministic?: boolean;
  /** Where the kernel-thread script (build/threads-worker.js) is; default: beside this bundle. */
  threadsWorker?: URL | string;
  /**
   * Let the engine check, as it runs, that the threads pay: on a busy machine (more runnable threads
   * than cores) it then works on the calling thread alone, trying the threads again now and then.
   * Default true; false always splits (e.g. to measure scaling). Results are the same bits.
   */
  adaptiveThreads?: boolean;
}

export interface EngineInfo {
  /** Which kernel build is running: the baseline SIMD128 one, or relaxed SIMD (fused multiply-add, other bits). */
  build: 'simd128' | 'relaxed-simd';
  /** The memory is shared (a threads build), so worker threads can join. */
  sharedMemory: boolean;
  /** Threads in use, the calling thread included (1 = the calling thread only). */
  threads: number;
  /** Why there are not more threads. */
  threadsReason: string;
  /** GEMM tile variant: 'splat' (A splatted from memory) or 'vector' (for runtimes that bounds-check memory). */
  gemmVariant: 'splat' | 'vector';
  /** Bytes of wasm memory reserved, and handed out to models and data. */
  memoryBytes: number;
  usedBytes: number;
}

/** Microseconds a worker spins without work before it sleeps (covers the gaps inside a training step). */
const WORKER_SPIN_MICROS = 2000;

export class Engine {
  readonly memory: WebAssembly.Memory;
  /** The kernels; the big element-wise ones split themselves over the threads. */
  readonly k: Kernels;
  private readonly heap: Heap;
  private readonly module: WebAssembly.Module;
  private readonly raw: Record<string, unknown>;
  private readonly flags: number;
  private readonly variant: number;
  private readonly splittable: string[];
  private readonly threadsWorker?: URL | string;
  private readonly adaptive: boolean;
  private pool?: ThreadPool;
  private readonly threading?: Threading;
  private gemmFn = [-1, -1, -1];
  private threadsReason: string;
  private pending?: Promise<EngineInfo>;
  f32!: Float32Array;
  i32!: Int32Array;
  u8!: Uint8Array;

  /** Instantiate from a compiled module or the wasm bytes (synchronous). */
  constructor(source: WebAssembly.Module | BufferSource, options: EngineOptions = {}) {
    if (options === null || typeof options !== 'object') throw new ValueError('Engine options must be an object, e.g. { threads: 2 }');
    this.module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
    const { memory, exports } = instantiate(this.module);
    this.memory = memory;
    this.raw = exports;
    const raw = exports as unknown as Kernels & { build_flags?: () => number; gemm_variant?: (v: number) => void };
    const init = (exports as { _initialize?: () => void })._initialize;
    if (init) init();
    this.flags = raw.build_flags?.() ?? 0;
    if (options.deterministic && this.flags & 2) {
      throw new ValueError('deterministic: true needs the baseline build (dendrite.wasm or dendrite-threads.wasm), got the relaxed-SIMD build');
    }
    this.variant = gemmVariantFor();
    raw.gemm_variant?.(this.variant);
    this.threading = threading;
    this.k = threading ? threading.splittingKernels(raw, () => this.pool) : raw;
    const names = ['gemm_nn', 'gemm_nt', 'gemm_tn', ...(threading?.splittable ?? [])];
    this.splittable = names.filter((n) => typeof (raw as unknown as Record<string, unknown>)[n] === 'function');
    this.threadsWorker = options.threadsWorker;
    this.adaptive = options.adaptiveThreads ?? true;
    this.threadsReason = cannotThread(this.flags, threading) || 'single-threaded unless asked: init({ threads: n }) or engine.setThreads(n)';
    this.refreshViews();
    this.heap = new Heap(this.memory, this.k.heap_base() >>> 0, () => this.refreshViews());
    if (options.threads !== undefined) {
      checkThreads(options.threads);
      if (options.threads > 1) void this.setThreads(options.threads);
    }
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
  }

  /** Reserve bytes (64-byte aligned). `what` names the buffer in an out-of-memory error. */
  alloc(bytes: number, what?: string): number {
    return this.heap.alloc(bytes, what);
  }

  /** Reserve room for `n` f32 (or i32) elements. */
  allocFloats(n: number, what?: string): number {
    return this.heap.alloc(n * 4, what);
  }

  release(ptr: number): void {
    this.heap.release(ptr);
  }

  /** Throw MemoryLimitError now if `bytes` more could never fit. */
  checkFits(bytes: number, what: string): void {
    this.heap.checkFits(bytes, what);
  }

  /** Copy f32 elements in. */
  writeF32(ptr: number, data: ArrayLike<number>): void {
    this.f32.set(data, ptr >>> 2);
  }

  /** Copy n f32 elements out. */
  readF32(ptr: number, n: number): Float32Array {
    return this.f32.slice(ptr >>> 2, (ptr >>> 2) + n);
  }

  // The three GEMM layouts go through the engine, not straight to the kernels, so that a large
  // product splits over the threads (rows or output columns only: bit-identical).

  /** C(m,n) = A(m,k)·B(k,n) [+ bias] [relu], see assembly/gemm.ts. */
  gemmNN(c: number, a: number, b: number, bias: number, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: number): void {
    if (this.pool && 2 * m * n * k >= GEMM_SPLIT_FLOPS) this.split(0, c, a, b, bias, m, n, k, ldc, lda, ldb, flags, pack);
    else this.k.gemm_nn(c, a, b, bias, m, n, k, ldc, lda, ldb, flags, pack);
  }

  /** C(m,n) = A(m,k)·B(n,k)ᵀ. */
  gemmNT(c: number, a: number, b: number, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: number): void {
    if (this.pool && 2 * m * n * k >= GEMM_SPLIT_FLOPS) this.split(1, c, a, b, 0, m, n, k, ldc, lda, ldb, flags, pack);
    else this.k.gemm_nt(c, a, b, m, n, k, ldc, lda, ldb, flags, pack);
  }

  /** C(m,n) = A(k,m)ᵀ·B(k,n). */
  gemmTN(c: number, a: number, b: number, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: number): void {
    if (this.pool && 2 * m * n * k >= GEMM_SPLIT_FLOPS) this.split(2, c, a, b, 0, m, n, k, ldc, lda, ldb, flags, pack);
    else this.k.gemm_tn(c, a, b, m, n, k, ldc, lda, ldb, flags, pack);
  }

  /** out(n) = column sums of x(m, n) (+ out when accumulate): the bias gradient, split over groups of 16 columns. */
  colSum(out: number, x: number, m: number, n: number, accumulate: number): void {
    // Work as an integer (≈ 0.25 ns per element read): a fractional one would be boxed every step.
    this.rows('col_sum', (n + 15) >> 4, 1, (m * n) >>> 2, out, x, m, n, accumulate);
  }

  /**
   * Run a row kernel (kernels.ts ROW_KERNELS: convolution, pooling, …) over units [0, total): a0.. are
   * its arguments before (start, count). Large calls (`work`: estimated single-core ns) split over
   * the threads in chunks of whole `unit`s; every unit is computed alone, so the bits do not change.
   */
  rows(name: RowKernel, total: number, unit: number, work: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0): void {
    if (total <= 0) return;
    if (this.pool && work >= ROWS_SPLIT_NS && total > unit) {
      this.threading!.splitRows(this.pool, name, total, unit, work, a0, a1, a2, a3, a4, a5, a6, a7);
      return;
    }
    const f = this.k[name] as unknown as (...args: number[]) => void;
    switch (ROW_KERNELS[name]) {
      case 3: return f(a0, a1, a2, 0, total);
      case 4: return f(a0, a1, a2, a3, 0, total);
      case 5: return f(a0, a1, a2, a3, a4, 0, total);
      case 6: return f(a0, a1, a2, a3, a4, a5, 0, total);
      default: return f(a0, a1, a2, a3, a4, a5, a6, a7, 0, total);
    }
  }

  private split(layout: Layout, c: number, a: number, b: number, bias: number, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: number): void {
    this.threading!.splitGemm(this.pool!, this.gemmFn[layout], layout, c, a, b, bias, m, n, k, ldc, lda, ldb, flags, pack);
  }

  /**
   * Use `n` threads (the calling thread included); resolves with info() once the workers run.
   * Capped at the number of cores; 1 stops the workers. Where threads are impossible it resolves
   * with threads: 1 and `threadsReason` saying why. Calls are applied in order.
   */
  setThreads(n: number): Promise<EngineInfo> {
    checkThreads(n);
    const next = (this.pending ?? Promise.resolve()).catch(() => undefined).then(() => this.applyThreads(n));
    this.pending = next;
    return next;
  }

  private async applyThreads(want: number): Promise<EngineInfo> {
    const reason = cannotThread(this.flags, this.threading);
    if (reason && want > 1) {
      this.stopThreads(reason);
      return this.info();
    }
    const cores = await coreCount();
    const n = Math.min(want, cores);
    const why = n < want ? `capped at the ${cores} core${cores === 1 ? '' : 's'} of this machine` : 'as asked';
    if (this.pool && this.pool.workers === n - 1) return this.info();
    this.stopThreads(n === 1 ? (want === 1 ? 'single-threaded, as asked' : why) : '');
    if (n === 1) return this.info();
    try {
      const script = await threadsScript(this.threadsWorker);
      const host = { module: this.module, exports: this.raw, memory: this.memory, variant: this.variant, adaptive: this.adaptive, alloc: (b: number, w: string) => this.alloc(b, w), release: (p: number) => this.release(p) };
      const packBytes = this.k.gemm_pack_bytes(1 << 20, 1 << 20, 1 << 20);
      const pool = await this.threading!.start(host, n - 1, script, this.splittable, packBytes, WORKER_SPIN_MICROS);
      this.gemmFn = [pool.fn('gemm_nn'), pool.fn('gemm_nt'), pool.fn('gemm_tn')];
      this.pool = pool;
      this.threadsReason = why;
    } catch (e) {
      this.threadsReason = `worker threads failed to start: ${(e as Error).message}`;
    }
    return this.info();
  }

  private stopThreads(reason: string): void {
    this.pool?.close();
    this.pool = undefined;
    if (reason) this.threadsReason = reason;
  }

  info(): EngineInfo {
    return {
      build: this.flags & 2 ? 'relaxed-simd' : 'simd128',
      sharedMemory: (this.flags & 1) !== 0,
      threads: this.pool ? this.pool.workers + 1 : 1,
      threadsReason: this.pool?.backedOff ? `${this.threadsReason}; the calling thread now works alone: on this busy machine the threads measured slower (retried now and then)` : this.threadsReason,
      gemmVariant: this.variant ? 'vector' : 'splat',
      memoryBytes: this.memory.buffer.byteLength,
      usedBytes: this.heap.usedBytes,
    };
  }
}

function checkThreads(n: unknown): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new ValueError(`threads must be a positive integer, got ${String(n)}`);
}

/** Instantiate with the memory the module imports: ordinary, or shared (threads builds). */
function instantiate(module: WebAssembly.Module): { memory: WebAssembly.Memory; exports: Record<string, unknown> } {
  let memory = new WebAssembly.Memory({ initial: 64 });
  try {
    return { memory, exports: instantiateSync<Record<string, unknown>>(module, { env: { memory } }).exports };
  } catch (e) {
    if (!(e instanceof WebAssembly.LinkError)) throw e;
  }
  // A threads build: shared memory needs a maximum; ask for all of wasm32's 4 GiB, else 1 GiB.
  try {
    memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
  } catch {
    memory = new WebAssembly.Memory({ initial: 64, maximum: 16384, shared: true });
  }
  return { memory, exports: instantiateSync<Record<string, unknown>>(module, { env: { memory } }).exports };
}

/**
 * Deno and workerd bounds-check every memory access (no guard pages), which makes loads cost more
 * than shuffles; V8 in Node and browsers does not. The GEMM variant that loads A as one vector is
 * +24 % in Deno (30 → 38 GFLOP/s) and -8 % in Node (bench/gemm.mjs); both give the same bits.
 */
function gemmVariantFor(): number {
  const g = globalThis as { Deno?: unknown; navigator?: { userAgent?: string } };
  return g.Deno !== undefined || g.navigator?.userAgent === 'Cloudflare-Workers' ? 1 : 0;
}

/** Why this engine cannot run worker threads here, or '' if it can. */
function cannotThread(flags: number, threading: Threading | undefined): string {
  if (!threading) return 'this entry of dendrite carries no thread code (the edge and inline entries; Node, Deno and browser entries do)';
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available (browsers: the page must be cross-origin isolated, with COOP/COEP headers)';
  if (!(flags & 1)) return 'this build has no shared memory (the threads builds are dendrite-threads*.wasm, which Node, Deno and isolated pages load by default)';
  const g = globalThis as { process?: { versions?: { node?: string } } };
  if (typeof Worker !== 'function' && !g.process?.versions?.node) return 'this runtime has no workers';
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
  } catch {
    return "this thread may not block (a page's main thread): run the engine in a Web Worker, e.g. with fitInWorker";
  }
  return '';
}

async function coreCount(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  try {
    const os = await import('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  } catch {
    return 1;
  }
}

/** build/threads-worker.js: beside the bundle, or (running from source) in ../../build/. */
async function threadsScript(given?: URL | string): Promise<URL> {
  if (given !== undefined) return new URL(given, import.meta.url);
  const beside = new URL('./threads-worker.js', import.meta.url);
  if (beside.protocol !== 'file:') return beside;
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  for (const url of [beside, new URL('../../build/threads-worker.js', import.meta.url)]) if (existsSync(fileURLToPath(url))) return url;
  throw new StateError(`build/threads-worker.js not found beside ${import.meta.url}; run "npm run build"`);
}

// The default engine is created on first use from bytes supplied by the runtime entry (Node reads
// the file beside the module; other runtimes register a compiled module), with the options of
// init().
let defaultEngine: Engine | undefined;
let defaultSource: (() => WebAssembly.Module | BufferSource) | undefined;
let defaultOptions: EngineOptions = {};

/** Called by a runtime entry: how to get the wasm when the default engine is first needed. */
export function setEngineSource(source: () => WebAssembly.Module | BufferSource): void {
  defaultSource = source;
}

/** Options for the default engine (init() passes its own); threads also apply to one already running. */
export function setDefaultEngineOptions(options: EngineOptions): void {
  defaultOptions = { ...options };
}

/** The default engine, if it exists yet. */
export function existingEngine(): Engine | undefined {
  return defaultEngine;
}

/** The engine models use unless given another. */
export function getEngine(): Engine {
  if (!defaultEngine) {
    if (!defaultSource) {
      throw new StateError('no WebAssembly module registered: import dendrite through its package entry (e.g. "dendrite")');
    }
    defaultEngine = new Engine(defaultSource(), defaultOptions);
  }
  return defaultEngine;
}
