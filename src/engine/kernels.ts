// Typed view of the wasm module's exports (assembly/*.ts). Pointers are byte addresses, sizes are
// element counts; i64 arguments (seeds, counters) are BigInt.
type Ptr = number;

/** Activation kernels share one signature so layers can call them through a table. */
export type ActivationForward = (y: Ptr, z: Ptr, m: number, n: number, alpha: number) => void;
export type ActivationBackward = (dz: Ptr, dy: Ptr, z: Ptr, y: Ptr, m: number, n: number, alpha: number) => void;

/** Losses return Σ_rows (weight·loss_row) and write scale·∂/∂input into grad when grad != 0. */
export type LossKernel = (grad: Ptr, pred: Ptr, target: Ptr, m: number, n: number, scale: number, weights: Ptr) => number;
export type FusedLossKernel = (grad: Ptr, z: Ptr, target: Ptr, m: number, n: number, scale: number, weights: Ptr, probs: Ptr) => number;

export interface Kernels {
  heap_base(): number;

  gemm_nn(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: Ptr): void;
  gemm_nt(c: Ptr, a: Ptr, b: Ptr, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: Ptr): void;
  gemm_tn(c: Ptr, a: Ptr, b: Ptr, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: Ptr): void;
  gemm_pack_bytes(m: number, n: number, k: number): number;

  [activation: `${string}_forward`]: ActivationForward;
  [activationGrad: `${string}_backward`]: ActivationBackward;

  mse: LossKernel;
  mae: LossKernel;
  huber(grad: Ptr, pred: Ptr, target: Ptr, m: number, n: number, scale: number, weights: Ptr, delta: number): number;
  bce: LossKernel;
  cce: LossKernel;
  sparse_cce: LossKernel;
  bce_logits: FusedLossKernel;
  softmax_cce: FusedLossKernel;
  softmax_sparse_cce: FusedLossKernel;

  sgd_update(p: Ptr, g: Ptr, v: Ptr, n: number, lr: number, momentum: number, nesterov: number): void;
  adam_update(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, alpha: number, beta1: number, beta2: number, eps: number): void;
  adamw_update(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, alpha: number, beta1: number, beta2: number, eps: number, decay: number): void;
  rmsprop_update(p: Ptr, g: Ptr, ms: Ptr, mom: Ptr, mg: Ptr, n: number, lr: number, rho: number, momentum: number, eps: number, centered: number): void;
  adagrad_update(p: Ptr, g: Ptr, acc: Ptr, n: number, lr: number, eps: number): void;

  col_sum(out: Ptr, x: Ptr, m: number, n: number, accumulate: number): void;
  sum_squares(x: Ptr, n: number): number;
  nonfinite_index(x: Ptr, n: number): number;
  argmax_rows(out: Ptr, x: Ptr, m: number, n: number): void;
  count_argmax_labels(x: Ptr, labels: Ptr, m: number, n: number): number;
  count_argmax_match(x: Ptr, t: Ptr, m: number, n: number): number;
  count_binary_match(x: Ptr, t: Ptr, count: number, threshold: number): number;
  sq_error_sum(x: Ptr, t: Ptr, count: number): number;
  abs_error_sum(x: Ptr, t: Ptr, count: number): number;

  rand_uniform(out: Ptr, n: number, seed: bigint, counter: bigint, lo: number, hi: number): void;
  rand_normal(out: Ptr, n: number, seed: bigint, counter: bigint, mean: number, stddev: number): void;
  rand_truncated_normal(out: Ptr, n: number, seed: bigint, counter: bigint, mean: number, stddev: number): void;
  shuffle_i32(arr: Ptr, n: number, seed: bigint, counter: bigint): void;
  iota_i32(arr: Ptr, n: number): void;

  gather_u8_f32(out: Ptr, src: Ptr, idx: Ptr, rows: number, cols: number, scale: number): void;
  gather_rows32(out: Ptr, src: Ptr, idx: Ptr, rows: number, cols: number): void;
  one_hot(out: Ptr, labels: Ptr, m: number, n: number): void;
}

/** GEMM flag bits. */
export const ACCUMULATE = 1;
export const RELU = 2;
