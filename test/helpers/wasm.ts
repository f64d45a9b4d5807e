// A bare harness for kernel tests: instantiates build/dendrite.wasm on a fresh memory with a bump
// allocator, so each kernel can be checked against its plain TypeScript twin without the engine.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const wasmPath = process.env.DENDRITE_WASM ?? fileURLToPath(new URL("../../build/dendrite.wasm", import.meta.url));

export interface KernelHarness {
  /** The module's exports (kernels take byte pointers and element counts). */
  k: Record<string, any>;
  memory: WebAssembly.Memory;
  /** Reserve `bytes` (64-byte aligned); memory grows as needed. */
  alloc(bytes: number): number;
  /** Copy a typed array into fresh wasm memory and return its pointer. */
  put(a: Float32Array | Int32Array | Uint8Array): number;
  f32(ptr: number, n: number): Float32Array;
  i32(ptr: number, n: number): Int32Array;
  u8(ptr: number, n: number): Uint8Array;
  /** Forget every allocation (memory keeps its size). */
  reset(): void;
}

export function loadKernels(): KernelHarness {
  const memory = new WebAssembly.Memory({ initial: 16 });
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const k = instance.exports as Record<string, any>;
  if (typeof k._initialize === 'function') k._initialize();
  // A standalone build of one kernel file (DENDRITE_WASM) has no heap_base: start past 64 KiB of static data.
  const base = ((((typeof k.heap_base === "function" ? k.heap_base() : 65536) as number) >>> 0) + 63) & ~63;
  let top = base;
  const h: KernelHarness = {
    k,
    memory,
    alloc(bytes) {
      const ptr = top;
      top = (top + bytes + 63) & ~63;
      const need = top - memory.buffer.byteLength;
      if (need > 0) memory.grow(Math.ceil(need / 65536));
      return ptr;
    },
    put(a) {
      const ptr = h.alloc(a.byteLength);
      new Uint8Array(memory.buffer, ptr, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return ptr;
    },
    f32: (ptr, n) => new Float32Array(memory.buffer, ptr, n),
    i32: (ptr, n) => new Int32Array(memory.buffer, ptr, n),
    u8: (ptr, n) => new Uint8Array(memory.buffer, ptr, n),
    reset() {
      top = base;
    },
  };
  return h;
}

/** Deterministic test data: a small LCG, so failures reproduce. */
export function randomArray(n: number, seed = 1, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

/** Element-wise comparison with tolerance max(atol, rtol·|ref|); reports the first offender. */
export function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, atol: number, rtol: number, what = ''): void {
  if (got.length !== ref.length) throw new Error(`${what}: length ${got.length} != ${ref.length}`);
  for (let i = 0; i < ref.length; i++) {
    const tol = Math.max(atol, rtol * Math.abs(ref[i]));
    if (!(Math.abs(got[i] - ref[i]) <= tol)) {
      throw new Error(`${what}: element ${i}: ref ${ref[i]}, got ${got[i]} (tol ${tol})`);
    }
  }
}
