// Convolution, depthwise convolution and pooling passes over a batch, on the kernels of
// assembly/conv.ts, depthwise.ts, pool.ts and spatial.ts. A conv2d is the packed GEMM over an im2col
// column matrix, done in tiles of whole images so the scratch stays within IM2COL_BUDGET
// (conv-plan.ts); the tiles depend on the geometry and batch only, so the results do not depend on
// the thread count: the GEMMs split over rows or output columns, the row kernels over rows, and no
// reduction (dW, the bias gradient) is ever split over the batch. Pointers are byte addresses;
// tensors are NHWC; kernels (kh, kw, in, out). Nothing is allocated.
// A 3×3 stride-1 convolution over 8 or more channels runs forward as Winograd F(2×2, 3×3)
// (assembly/winograd.ts), in training and inference alike; so does its input gradient, a convolution
// of dy with the kernel flipped, where the channel counts swapped suit Winograd; dW stays im2col + GEMM.
// A convolution that feeds a 2×2 max pooling runs both in one pass (conv2dPoolForward), with the
// same bits as the two passes: in inference straight to the pooled output, in training also keeping
// the convolution's output and the argmax for the backward pass.
import type { Geometry } from './conv-plan.js';
import { inputGradientGeometry, isPointwise, patchSize, poolPackBytes, tileImages, winograd } from './conv-plan.js';
import type { Engine } from './engine.js';
import { ACCUMULATE } from './kernels.js';

/** Estimated single-core speeds (for the thread split's "is it worth it"). */
const NS_PER_FLOP = 1 / 30;
const NS_PER_FLOAT = 0.5;

/** A convolution's geometry, the descriptor holding it in wasm memory (writeDesc), and how it runs. */
export interface ConvPass {
  g: Geometry;
  desc: number;
  /** Images per im2col tile (tileImages); the column scratch holds tile·oh·ow·kh·kw·c floats. */
  tile: number;
  /** The input gradient as a Winograd convolution of dy (winogradInputGradient), where it applies. */
  dx?: { g: Geometry; desc: number };
}

/** The pass for geometry g (descriptor at desc) over batches of up to `batch` images. */
export function convPass(g: Geometry, desc: number, batch: number): ConvPass {
  return { g, desc, tile: tileImages(g, batch) };
}

/** The geometry of g's input gradient if it runs as a Winograd convolution of dy (conv2dBackwardInput). */
export function winogradInputGradient(g: Geometry): Geometry | undefined {
  const q = inputGradientGeometry(g);
  return q && winograd(q) ? q : undefined;
}

/**
 * y(n, oh, ow, co) = conv(x, w) [+ bias] [relu: flags & RELU]; `col` of convScratchBytes, `pack` the
 * GEMM's. A convolution that conv-plan.ts winograd takes runs as Winograd F(2×2, 3×3) over the whole
 * batch (its weights and the calling thread's scratch in `col`); any other is im2col + GEMM.
 */
export function conv2dForward(e: Engine, p: ConvPass, y: number, x: number, w: number, bias: number, n: number, flags: number, col: number, pack: number): void {
  const { g, desc } = p;
  const K = patchSize(g), pix = g.oh * g.ow;
  if (winograd(g)) {
    winogradForward(e, g, desc, y, x, w, bias, n, flags, col);
    return;
  }
  const tile = p.tile, pointwise = isPointwise(g);
  for (let t0 = 0; t0 < n; t0 += tile) {
    const t = Math.min(tile, n - t0);
    const xt = x + t0 * g.h * g.w * g.c * 4, yt = y + t0 * pix * g.co * 4;
    if (!pointwise) e.rows('conv_im2col', t * g.oh, 1, t * pix * K * NS_PER_FLOAT, col, xt, desc);
    e.gemmNN(yt, pointwise ? xt : col, w, bias, t * pix, g.co, K, g.co, K, g.co, flags, pack);
  }
}

/**
 * conv_winograd_forward over n images of geometry g (descriptor at desc): w and bias packed into
 * `scratch`, the calling thread's own scratch after them; py and idx: training's fused pooling.
 */
function winogradForward(e: Engine, g: Geometry, desc: number, y: number, x: number, w: number, bias: number, n: number, flags: number, scratch: number, py = 0, idx = 0): void {
  e.k.conv_winograd_pack(scratch, w, bias, desc);
  e.rows('conv_winograd_forward', n * ((g.oh + 1) >> 1), 1, winogradWork(g, n), y, x, scratch, desc, flags, scratch + winogradPackBytes(g), py, idx);
}

/** Bytes of Winograd's transformed kernel and bias (conv_winograd_pack). */
const winogradPackBytes = (g: Geometry) => 64 * g.c * g.co + 4 * g.co;

/** Estimated single-core ns of a Winograd pass over n images: 16 of direct's 36 multiply-adds per output pair. */
const winogradWork = (g: Geometry, n: number) => 2 * n * (g.oh + 1) * (g.ow + 1) * g.c * g.co * 4 * NS_PER_FLOP;

/**
 * Bytes of layer scratch the passes need besides im2col + GEMM's: Winograd's packed kernel and the
 * calling thread's scratch, or else the fused pooling pass's packed kernel; and for a Winograd input
 * gradient, the flipped kernel, its packing and the thread's scratch.
 */
export function convScratchBytes(e: Engine, g: Geometry): number {
  const forward = winograd(g) ? winogradPackBytes(g) + e.k.conv_winograd_scratch_bytes(g.c) : poolPackBytes(g);
  const q = winogradInputGradient(g);
  return Math.max(forward, q ? flippedBytes(g) + winogradPackBytes(q) + e.k.conv_winograd_scratch_bytes(q.c) : 0);
}

/** Bytes of the flipped kernel (64-aligned). */
const flippedBytes = (g: Geometry) => Math.ceil(patchSize(g) * g.co * 4 / 64) * 64;

/** dst(kh, kw, co, c) = w(kh − 1 − i, kw − 1 − j, c, co): the kernel of the input gradient's convolution. */
function flipKernel(f32: Float32Array, dst: number, w: number, g: Geometry): void {
  const { kh, kw, c, co } = g;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const s = (w >>> 2) + ((kh - 1 - i) * kw + kw - 1 - j) * c * co, d = (dst >>> 2) + (i * kw + j) * co * c;
      for (let o = 0; o < co; o++) {
        for (let k = 0; k < c; k++) f32[d + o * c + k] = f32[s + k * co + o];
      }
    }
  }
}

/**
 * y(n, ⌊oh/2⌋, ⌊ow/2⌋, co) = 2×2 max pooling of conv2dForward's output, computed in one pass
 * (conv-plan.ts fusesPool says when it applies), bit-identical to conv2dForward then poolForward;
 * `scratch` of convScratchBytes bytes. Winograd convolutions fuse through conv_pool_winograd (a
 * pooling window is one Winograd tile), the others through conv_pool_forward (the window's 4 pixels
 * are the rows of the GEMM's 4×8 register tile). Training (z != 0; fusesPoolInTraining) also keeps
 * what the backward pass needs: the convolution's output z (conv2dForward's) and the argmax idx
 * (poolForward's).
 */
export function conv2dPoolForward(e: Engine, p: ConvPass, y: number, x: number, w: number, bias: number, n: number, flags: number, scratch: number, z = 0, idx = 0): void {
  const { g, desc } = p;
  const rows = n * (g.oh >> 1);
  if (winograd(g) && z) {
    winogradForward(e, g, desc, z, x, w, bias, n, flags, scratch, y, idx);
    return;
  }
  if (winograd(g)) {
    e.k.conv_winograd_pack(scratch, w, bias, desc);
    e.rows('conv_pool_winograd', rows, 1, winogradWork(g, n), y, x, scratch, desc, flags, scratch + winogradPackBytes(g));
    return;
  }
  e.k.conv_pool_pack(scratch, w, desc);
  e.rows('conv_pool_forward', rows, 1, rows * 8 * (g.ow >> 1) * patchSize(g) * g.co * NS_PER_FLOP, y, x, scratch, bias, desc, flags, z, idx);
}

/**
 * dx(n, h, w, c) = the input gradient of conv2dForward for dy(n, oh, ow, co) (pre-activation
 * gradient). Where the pass has a `dx` plan (a 3×3 stride-1 convolution whose channel counts
 * Winograd takes, swapped) it is the convolution of dy with the kernel flipped and transposed, by
 * Winograd F(2×2, 3×3), in `col` (convScratchBytes); otherwise dY·Wᵀ (GEMM) then col2im.
 */
export function conv2dBackwardInput(e: Engine, p: ConvPass, dx: number, dy: number, w: number, n: number, col: number, pack: number): void {
  const { g, desc } = p;
  if (p.dx) {
    flipKernel(e.f32, col, w, g);
    winogradForward(e, p.dx.g, p.dx.desc, dx, dy, col, 0, n, 0, col + flippedBytes(g));
    return;
  }
  const K = patchSize(g), pix = g.oh * g.ow;
  const tile = p.tile, pointwise = isPointwise(g);
  for (let t0 = 0; t0 < n; t0 += tile) {
    const t = Math.min(tile, n - t0);
    const dxt = dx + t0 * g.h * g.w * g.c * 4, dyt = dy + t0 * pix * g.co * 4;
    e.gemmNT(pointwise ? dxt : col, dyt, w, t * pix, K, g.co, K, g.co, g.co, 0, pack);
    if (!pointwise) e.rows('conv_col2im', t * g.h, 1, t * pix * K * NS_PER_FLOAT, dxt, col, desc);
  }
}

/**
 * dw(kh, kw, in, out) = Σ over the batch of im2col(x)ᵀ·dy (flags & ACCUMULATE: added to dw), and
 * db(out) = column sums of dy when db != 0. Tiles are summed in batch order.
 */
export function conv2dBackwardFilter(e: Engine, p: ConvPass, dw: number, db: number, x: number, dy: number, n: number, flags: number, col: number, pack: number): void {
  const { g, desc } = p;
  const K = patchSize(g), pix = g.oh * g.ow;
  const tile = p.tile, pointwise = isPointwise(g);
  for (let t0 = 0; t0 < n; t0 += tile) {
    const t = Math.min(tile, n - t0);
    const xt = x + t0 * g.h * g.w * g.c * 4, dyt = dy + t0 * pix * g.co * 4;
    if (!pointwise) e.rows('conv_im2col', t * g.oh, 1, t * pix * K * NS_PER_FLOAT, col, xt, desc);
    e.gemmTN(dw, pointwise ? xt : col, dyt, K, g.co, t * pix, g.co, K, g.co, t0 > 0 ? ACCUMULATE : flags & ACCUMULATE, pack);
  }
  if (db) e.colSum(db, dy, n * pix, g.co, flags & ACCUMULATE);
}

/** Depthwise forward: y(n, oh, ow, c·dm) [+ bias] [relu: flags & RELU]. */
export function depthwiseForward(e: Engine, p: ConvPass, y: number, x: number, w: number, bias: number, n: number, flags: number): void {
  const { g } = p;
  e.rows('depthwise_forward', n * g.oh, 1, 2 * n * g.oh * g.ow * g.co * g.kh * g.kw * NS_PER_FLOP * 4, y, x, w, bias, p.desc, flags);
}

/** Depthwise gradients: dx (skipped when 0), dw (written, split over channels only; skipped when 0: a frozen layer), db when != 0. */
export function depthwiseBackward(e: Engine, p: ConvPass, dx: number, dw: number, db: number, x: number, dy: number, w: number, n: number): void {
  const { g, desc } = p;
  const work = 2 * n * g.oh * g.ow * g.co * g.kh * g.kw * NS_PER_FLOP * 4;
  if (dx) e.rows('depthwise_backward_input', n * g.h, 1, work, dx, dy, w, desc);
  if (dw) e.rows('depthwise_backward_filter', g.co, 4, work, dw, x, dy, desc, n);
  if (db) e.colSum(db, dy, n * g.oh * g.ow, g.co, 0);
}

/** Pooling forward (max keeps each output's argmax in idx(n, oh, ow, c), i32). */
export function poolForward(e: Engine, p: ConvPass, kind: 'max' | 'avg', y: number, idx: number, x: number, n: number): void {
  const { g } = p;
  const work = n * g.oh * g.ow * g.c * g.kh * g.kw * NS_PER_FLOAT;
  e.rows('pool_forward', n * g.oh, 1, work, y, idx, x, p.desc, kind === 'max' ? 0 : 1);
}

/** Pooling backward: dx(n, h, w, c) from dy(n, oh, ow, c), split over images. */
export function poolBackward(e: Engine, p: ConvPass, kind: 'max' | 'avg', dx: number, dy: number, idx: number, n: number): void {
  const { g } = p;
  const work = n * (g.h * g.w + g.oh * g.ow * g.kh * g.kw) * g.c * NS_PER_FLOAT;
  if (kind === 'max') e.rows('maxpool_backward', n, 1, work, dx, dy, idx, p.desc);
  else e.rows('avgpool_backward', n, 1, work, dx, dy, p.desc);
}


/** Nearest upsampling or zero padding forward: y(n, oh, ow, c) from x(n, h, w, c). */
export function spatialForward(e: Engine, p: ConvPass, kind: 'upsample' | 'zeropad', y: number, x: number, n: number): void {
  const { g } = p;
  e.rows(kind === 'upsample' ? 'upsample_forward' : 'zeropad_forward', n * g.oh, 1, n * g.oh * g.ow * g.c * NS_PER_FLOAT, y, x, p.desc);
}

/** Their backward: dx(n, h, w, c) from dy(n, oh, ow, c). */
export function spatialBackward(e: Engine, p: ConvPass, kind: 'upsample' | 'zeropad', dx: number, dy: number, n: number): void {
  const { g } = p;
  e.rows(kind === 'upsample' ? 'upsample_backward' : 'zeropad_backward', n * g.h, 1, n * g.oh * g.ow * g.c * NS_PER_FLOAT, dx, dy, p.desc);
}
