// Which wasm build an entry loads when it finds the file itself (Node/Deno read it beside the
// bundle, browsers fetch it). Four builds of the same kernels (asconfig.json targets):
//   dendrite.wasm                   baseline SIMD128, ordinary memory: the reference, every runtime
//   dendrite-threads.wasm           the same code on a shared memory, so worker threads can join
//   dendrite-relaxed.wasm           relaxed SIMD: fused multiply-add in the GEMM, ≈ +15 %, other bits
//   dendrite-threads-relaxed.wasm   both
// The threads builds are taken wherever memory can be shared (Node, Deno, cross-origin isolated
// pages), whatever the thread count asked, so setThreads works later; the baseline and threads
// builds give the same bits. Relaxed SIMD is taken where the runtime has it (Node ≥ 22, Chromium,
// Deno, workerd; Node 20 with --experimental-wasm-relaxed-simd) unless `deterministic` is asked.
export interface BuildFeatures {
  /** SharedArrayBuffer and shared WebAssembly memories are usable (a cross-origin isolated page, Node, Deno). */
  sharedMemory: boolean;
  /** Load the relaxed-SIMD build (available here, and determinism not asked for). */
  relaxedSimd?: boolean;
}

/** File name (beside the entry's bundle) of the wasm build to load for these features. */
export function wasmFileFor(features: BuildFeatures): string {
  return `dendrite${features.sharedMemory ? '-threads' : ''}${features.relaxedSimd ? '-relaxed' : ''}.wasm`;
}

/** The build to load here: shared memory where possible, relaxed SIMD unless `deterministic`. */
export function buildFeatures(options: { deterministic?: boolean } = {}): BuildFeatures {
  return { sharedMemory: sharedMemoryAvailable(), relaxedSimd: !options.deterministic && relaxedSimdAvailable() };
}

/** Whether this global scope can share memory between threads. */
export function sharedMemoryAvailable(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (typeof SharedArrayBuffer !== 'function' || g.crossOriginIsolated === false) return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false; // no WebAssembly threads in this runtime
  }
}

// The smallest module using f32x4.relaxed_madd: WebAssembly.validate says if relaxed SIMD is there.
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]);

/** Whether this runtime runs relaxed-SIMD modules. */
export function relaxedSimdAvailable(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}
