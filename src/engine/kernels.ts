// Typed view of the wasm module's exports (assembly/*.ts). Pointers are byte addresses, sizes are
// element counts; i64 arguments (seeds, counters) are BigInt.
type Ptr = number;

/** Activation kernels share one signature so layers can call them through a table. */
export type ActivationForward = (y: Ptr, z: Ptr, m: number, n: number, alpha: number) => void;
export type ActivationBackward = (dz: Ptr, dy: Ptr, z: Ptr, y: Ptr, m: number, n: number, alpha: number) => void;

/** Losses return Σ_rows (weight·loss_row) and write scale·∂/∂input into grad when grad != 0. */
export type LossKernel = (grad: Ptr, pred: Ptr, target: Ptr, m: number, n: number, scale: number, weights: Ptr) => number;
export type FusedLossKernel = (grad: Ptr, z: Ptr, target: Ptr, m: number, n: number, scale: number, weights: Ptr, probs: Ptr) => number;

// One interface per kernel family, in the order of assembly/index.ts; the Kernels type is their
// intersection. The activation table's index signature (`*_forward` / `*_backward`) lives only in
// ActivationKernels, so other families' kernels with such names (batch norm, dropout) keep their
// own signatures: in the intersection, property access picks the right overload.

/** The module itself (assembly/index.ts). */
interface ModuleKernels {
  heap_base(): number;
}

/** assembly/gemm.ts */
interface GemmKernels {
  gemm_nn(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: Ptr): void;
  gemm_nt(c: Ptr, a: Ptr, b: Ptr, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: Ptr): void;
  gemm_tn(c: Ptr, a: Ptr, b: Ptr, m: number, n: number, k: number, ldc: number, lda: number, ldb: number, flags: number, pack: Ptr): void;
  gemm_pack_bytes(m: number, n: number, k: number): number;
}

/** assembly/activation.ts */
interface ActivationKernels {
  [activation: `${string}_forward`]: ActivationForward;
  [activationGrad: `${string}_backward`]: ActivationBackward;
}

/** assembly/loss.ts */
interface LossKernels {
  mse: LossKernel;
  mae: LossKernel;
  huber(grad: Ptr, pred: Ptr, target: Ptr, m: number, n: number, scale: number, weights: Ptr, delta: number): number;
  bce: LossKernel;
  cce: LossKernel;
  sparse_cce: LossKernel;
  bce_logits: FusedLossKernel;
  softmax_cce: FusedLossKernel;
  softmax_sparse_cce: FusedLossKernel;
}

/** assembly/optim.ts: update rules, then weight decay, clipping and penalties. */
interface OptimKernels {
  sgd_update(p: Ptr, g: Ptr, v: Ptr, n: number, lr: number, momentum: number, nesterov: number): void;
  adam_update(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, alpha: number, beta1: number, beta2: number, eps: number): void;
  adamw_update(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, alpha: number, beta1: number, beta2: number, eps: number, decay: number): void;
  rmsprop_update(p: Ptr, g: Ptr, ms: Ptr, mom: Ptr, mg: Ptr, n: number, lr: number, rho: number, momentum: number, eps: number, centered: number): void;
  adagrad_update(p: Ptr, g: Ptr, acc: Ptr, n: number, lr: number, eps: number): void;
  adamax_update(p: Ptr, g: Ptr, m: Ptr, u: Ptr, n: number, lr: number, beta1: number, beta2: number, eps: number, c: number): void;
  nadam_update(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number, eps: number, u1: number, d1: number, c0: number, d0: number, vc: number): void;
  weight_decay(p: Ptr, n: number, decay: number): void;
  scale_f32(x: Ptr, n: number, s: number): void;
  clip_f32(x: Ptr, n: number, lo: number, hi: number): void;
  clip_by_norm(x: Ptr, n: number, clip: number): number;
  l1l2_penalty(grad: Ptr, w: Ptr, n: number, l1: number, l2: number): number;
}

/** assembly/reduce.ts: column sums, norms, NaN scan, and the metric tallies. */
interface ReduceKernels {
  sum_squares(x: Ptr, n: number): number;
  nonfinite_index(x: Ptr, n: number): number;
  argmax_rows(out: Ptr, x: Ptr, m: number, n: number): void;
  count_argmax_labels(x: Ptr, labels: Ptr, m: number, n: number): number;
  count_argmax_match(x: Ptr, t: Ptr, m: number, n: number): number;
  count_binary_match(x: Ptr, t: Ptr, count: number, threshold: number): number;
  sq_error_sum(x: Ptr, t: Ptr, count: number): number;
  abs_error_sum(x: Ptr, t: Ptr, count: number): number;
  count_top_k_labels(x: Ptr, labels: Ptr, m: number, n: number, k: number): number;
  count_top_k_match(x: Ptr, t: Ptr, m: number, n: number, k: number): number;
  confusion_counts(out: Ptr, x: Ptr, t: Ptr, count: number, threshold: number): void;
  confusion_counts_labels(out: Ptr, x: Ptr, labels: Ptr, m: number, n: number, threshold: number): void;
  auc_histogram(hist: Ptr, x: Ptr, t: Ptr, count: number, T: number, logits: number): void;
  auc_histogram_labels(hist: Ptr, x: Ptr, labels: Ptr, m: number, n: number, T: number, logits: number): void;
}

/** assembly/random.ts */
interface RandomKernels {
  rand_uniform(out: Ptr, n: number, seed: bigint, counter: bigint, lo: number, hi: number): void;
  rand_normal(out: Ptr, n: number, seed: bigint, counter: bigint, mean: number, stddev: number): void;
  rand_truncated_normal(out: Ptr, n: number, seed: bigint, counter: bigint, mean: number, stddev: number): void;
  shuffle_i32(arr: Ptr, n: number, seed: bigint, counter: bigint): void;
  iota_i32(arr: Ptr, n: number): void;
}

/** assembly/data.ts */
interface DataKernels {
  gather_u8_f32(out: Ptr, src: Ptr, idx: Ptr, rows: number, cols: number, scale: number): void;
  gather_rows32(out: Ptr, src: Ptr, idx: Ptr, rows: number, cols: number): void;
  one_hot(out: Ptr, labels: Ptr, m: number, n: number): void;
}

/** assembly/norm.ts */
interface NormKernels {
  batchnorm_train(y: Ptr, xhat: Ptr, mean: Ptr, invstd: Ptr, x: Ptr, gamma: Ptr, beta: Ptr, mmean: Ptr, mvar: Ptr, m: number, n: number, momentum: number, eps: number): void;
  batchnorm_infer(y: Ptr, x: Ptr, gamma: Ptr, beta: Ptr, mmean: Ptr, mvar: Ptr, m: number, n: number, eps: number): void;
  batchnorm_backward(dx: Ptr, dgamma: Ptr, dbeta: Ptr, dy: Ptr, xhat: Ptr, invstd: Ptr, gamma: Ptr, m: number, n: number): void;
  layernorm_forward(y: Ptr, xhat: Ptr, invstd: Ptr, x: Ptr, gamma: Ptr, beta: Ptr, m: number, n: number, eps: number): void;
  layernorm_backward(dx: Ptr, dgamma: Ptr, dbeta: Ptr, dy: Ptr, xhat: Ptr, invstd: Ptr, gamma: Ptr, m: number, n: number): void;
}

/** assembly/dropout.ts */
interface DropoutKernels {
  dropout_forward(y: Ptr, mask: Ptr, x: Ptr, n: number, rate: number, seed: bigint, step: number, stream: number, first: number): void;
  broadcast_mul(y: Ptr, x: Ptr, mask: Ptr, n: number, maskRow: number, desc: Ptr, axes: number): void;
}

/**
 * assembly/conv.ts, depthwise.ts, pool.ts, spatial.ts: the spatial kernels. Their geometry is a
 * descriptor in wasm memory (src/engine/conv-plan.ts writes it) and each ends in (start, count), a
 * range of rows (image, output or input row), images or channels: a row kernel, which the engine
 * runs through Engine.rows so that it splits over the threads (ROW_KERNELS).
 */
interface ConvKernels {
  conv_im2col(col: Ptr, x: Ptr, desc: Ptr, start: number, count: number): void;
  conv_col2im(dx: Ptr, dcol: Ptr, desc: Ptr, start: number, count: number): void;
  depthwise_forward(y: Ptr, x: Ptr, w: Ptr, bias: Ptr, desc: Ptr, flags: number, start: number, count: number): void;
  depthwise_backward_input(dx: Ptr, dy: Ptr, w: Ptr, desc: Ptr, start: number, count: number): void;
  depthwise_backward_filter(dw: Ptr, x: Ptr, dy: Ptr, desc: Ptr, n: number, start: number, count: number): void;
  pool_forward(y: Ptr, idx: Ptr, x: Ptr, desc: Ptr, avg: number, start: number, count: number): void;
  maxpool_backward(dx: Ptr, dy: Ptr, idx: Ptr, desc: Ptr, start: number, count: number): void;
  avgpool_backward(dx: Ptr, dy: Ptr, desc: Ptr, start: number, count: number): void;
  upsample_forward(y: Ptr, x: Ptr, desc: Ptr, start: number, count: number): void;
  upsample_backward(dx: Ptr, dy: Ptr, desc: Ptr, start: number, count: number): void;
  zeropad_forward(y: Ptr, x: Ptr, desc: Ptr, start: number, count: number): void;
  zeropad_backward(dx: Ptr, dy: Ptr, desc: Ptr, start: number, count: number): void;
  conv_pool_forward(y: Ptr, x: Ptr, wp: Ptr, bias: Ptr, desc: Ptr, flags: number, z: Ptr, idx: Ptr, start: number, count: number): void;
  conv_pool_winograd(y: Ptr, x: Ptr, wp: Ptr, desc: Ptr, flags: number, scratch: Ptr, start: number, count: number): void;
  conv_winograd_forward(y: Ptr, x: Ptr, wp: Ptr, desc: Ptr, flags: number, scratch: Ptr, py: Ptr, idx: Ptr, start: number, count: number): void;
  /** assembly/reduce.ts: column sums (bias gradients) over groups of 16 columns. */
  col_sum(out: Ptr, x: Ptr, m: number, n: number, accumulate: number, start: number, count: number): void;
}

/** assembly/conv.ts, winograd.ts: the weights' layouts for conv_pool_forward and the Winograd kernels (not row kernels). */
interface ConvPackKernels {
  conv_pool_pack(dst: Ptr, w: Ptr, desc: Ptr): void;
  conv_winograd_pack(dst: Ptr, w: Ptr, bias: Ptr, desc: Ptr): void;
  conv_winograd_scratch_bytes(c: number): number;
}

/** The row kernels and how many arguments each takes before (start, count). */
export const ROW_KERNELS = {
  conv_im2col: 3,
  conv_col2im: 3,
  depthwise_forward: 6,
  depthwise_backward_input: 4,
  depthwise_backward_filter: 5,
  pool_forward: 5,
  maxpool_backward: 4,
  avgpool_backward: 3,
  upsample_forward: 3,
  upsample_backward: 3,
  zeropad_forward: 3,
  zeropad_backward: 3,
  conv_pool_forward: 8,
  conv_pool_winograd: 6,
  conv_winograd_forward: 8,
  col_sum: 5,
} as const satisfies Record<keyof ConvKernels, number>;

/** Row kernels with a scratch argument that must be each thread's own (its GEMM pack scratch): which argument. */
export const ROW_SCRATCH: Partial<Record<RowKernel, number>> = { conv_pool_winograd: 5, conv_winograd_forward: 5 };
export type RowKernel = keyof typeof ROW_KERNELS;

export type Kernels = ModuleKernels & GemmKernels & ActivationKernels & LossKernels & OptimKernels & ReduceKernels & RandomKernels &
  DataKernels & NormKernels & DropoutKernels & ConvKernels & ConvPackKernels;

/** GEMM flag bits. */
export const ACCUMULATE = 1;
export const RELU = 2;
