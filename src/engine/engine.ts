// One engine = one WebAssembly instance over one linear memory. The TypeScript side owns every
// allocation (Heap); kernels get byte pointers. Typed-array views over the memory are re-created
// in exactly one place (refreshViews) because memory.grow detaches the old ArrayBuffer.
import { instantiateSync } from '@assemblyscript/loader';
import { StateError } from '../errors.js';
import { Heap } from './heap.js';
import type { Kernels } from './kernels.js';

export interface EngineInfo {
  /** Which kernel build is running. */
  build: 'simd128';
  /** Worker threads in use (1 = the calling thread only). */
  threads: number;
  /** Why there are not more threads. */
  threadsReason: string;
  /** Bytes of wasm memory reserved, and handed out to models and data. */
  memoryBytes: number;
  usedBytes: number;
}

export class Engine {
  readonly memory: WebAssembly.Memory;
  readonly k: Kernels;
  private readonly heap: Heap;
  f32!: Float32Array;
  i32!: Int32Array;
  u8!: Uint8Array;

  /** Instantiate from a compiled module or the wasm bytes (synchronous). */
  constructor(source: WebAssembly.Module | BufferSource) {
    this.memory = new WebAssembly.Memory({ initial: 64 });
    const { exports } = instantiateSync<Record<string, unknown>>(source as WebAssembly.Module, {
      env: { memory: this.memory },
    });
    this.k = exports as unknown as Kernels;
    const init = (exports as { _initialize?: () => void })._initialize;
    if (init) init();
    this.refreshViews();
    this.heap = new Heap(this.memory, this.k.heap_base() >>> 0, () => this.refreshViews());
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

  // The three GEMM layouts go through the engine, not straight to the kernels, so the engine can
  // split a large product over worker threads (rows or output columns only: bit-identical).

  /** C(m,n) = A(m,k)·B(k,n) [+ bias] [relu], see assembly/gemm.ts. */
  gemmNN(c: number, a: number, b: number, bias: number, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: number): void {
    this.k.gemm_nn(c, a, b, bias, m, n, k, ldc, lda, ldb, flags, pack);
  }

  /** C(m,n) = A(m,k)·B(n,k)ᵀ. */
  gemmNT(c: number, a: number, b: number, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: number): void {
    this.k.gemm_nt(c, a, b, m, n, k, ldc, lda, ldb, flags, pack);
  }

  /** C(m,n) = A(k,m)ᵀ·B(k,n). */
  gemmTN(c: number, a: number, b: number, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: number): void {
    this.k.gemm_tn(c, a, b, m, n, k, ldc, lda, ldb, flags, pack);
  }

  info(): EngineInfo {
    return {
      build: 'simd128',
      threads: 1,
      threadsReason: 'single-threaded build',
      memoryBytes: this.memory.buffer.byteLength,
      usedBytes: this.heap.usedBytes,
    };
  }
}

// The default engine is created on first use from bytes supplied by the runtime entry (Node reads
// the file beside the module; other runtimes register a compiled module).
let defaultEngine: Engine | undefined;
let defaultSource: (() => WebAssembly.Module | BufferSource) | undefined;

/** Called by a runtime entry: how to get the wasm when the default engine is first needed. */
export function setEngineSource(source: () => WebAssembly.Module | BufferSource): void {
  defaultSource = source;
}

/** The engine models use unless given another. */
export function getEngine(): Engine {
  if (!defaultEngine) {
    if (!defaultSource) {
      throw new StateError('no WebAssembly module registered: import dendrite through its package entry (e.g. "dendrite")');
    }
    defaultEngine = new Engine(defaultSource());
  }
  return defaultEngine;
}
