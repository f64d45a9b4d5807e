// dendrite kernels: the module's whole export list. Each family lives in its own file; see the
// header of each for what it computes and its conventions (row-major, batch-first, byte pointers,
// element counts, which outputs are written and which are accumulated into).
export * from './gemm';
export * from './activation';
export * from './loss';
export * from './optim';
export * from './reduce';
export * from './random';
export * from './data';
export * from './norm';
export * from './dropout';
export * from './conv';
export * from './winograd';
export * from './depthwise';
export * from './pool';
export * from './spatial';

/** Which build this is: 1 = threads (shared memory), 2 = relaxed SIMD (fused multiply-add GEMM). */
export function build_flags(): i32 {
  return (ASC_FEATURE_THREADS ? 1 : 0) | (ASC_FEATURE_RELAXED_SIMD ? 2 : 0);
}

/** First byte after the module's static data: the TypeScript allocator starts here. */
export function heap_base(): usize {
  return __heap_base;
}
