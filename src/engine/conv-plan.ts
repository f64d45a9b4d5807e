// Geometry of the spatial kernels (assembly/desc.ts): output sizes and padding as Keras / TF compute
// them, the 64-byte descriptor the kernels read, and the im2col scratch a convolution needs. Pure
// arithmetic on per-sample shapes, channels last: [h, w, c] (1-D: [length, c], the h = 1 case).
import { ValueError } from '../errors.js';

export type Padding = 'valid' | 'same';

/** One descriptor: the field order of assembly/desc.ts. */
export interface Geometry {
  h: number; w: number; c: number;
  oh: number; ow: number; co: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  /** Padding before (top, left) and after (bottom, right); TF puts the odd extra after. */
  pt: number; pl: number; pb: number; pr: number;
  /** Depth multiplier (depthwise); 1 otherwise. */
  dm: number;
}

export const DESC_BYTES = 64;

/**
 * Im2col scratch per convolution call, in bytes: the batch is cut into tiles of whole images whose
 * column matrix fits in this (at least one image). Measured on the tutorial CNN (bench/conv.mjs):
 * tiles of 1–4 MB run as fast as the whole batch, and stay in the L2/L3 cache.
 */
export const IM2COL_BUDGET = 2 << 20;

/** Output length and padding of one spatial axis (TF's rule; 'same' puts the odd extra after). */
export function axis(size: number, k: number, stride: number, dilation: number, padding: Padding): { out: number; before: number; after: number } {
  const span = (k - 1) * dilation + 1;
  if (padding === 'valid') {
    const out = size >= span ? Math.floor((size - span) / stride) + 1 : 0;
    return { out, before: 0, after: 0 };
  }
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

export interface WindowOptions {
  kernelSize: [number, number];
  strides?: [number, number];
  dilationRate?: [number, number];
  padding?: Padding;
}

function window(input: readonly number[], o: WindowOptions, co: (c: number) => number, dm: number, what: string): Geometry {
  const [h, w, c] = input;
  const [kh, kw] = o.kernelSize;
  const [sh, sw] = o.strides ?? [1, 1];
  const [dh, dw] = o.dilationRate ?? [1, 1];
  const padding = o.padding ?? 'valid';
  for (const [name, v] of [['kernel size', kh], ['kernel size', kw], ['stride', sh], ['stride', sw], ['dilation rate', dh], ['dilation rate', dw]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new ValueError(`${what}: ${name} must be a positive integer, got ${String(v)}`);
  }
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) throw new ValueError(`${what}: strides > 1 with a dilation rate > 1 is not supported (Keras refuses it too), got strides [${sh}, ${sw}] and dilationRate [${dh}, ${dw}]`);
  const y = axis(h, kh, sh, dh, padding), x = axis(w, kw, sw, dw, padding);
  if (y.out < 1 || x.out < 1) {
    throw new ValueError(`${what}: the input [${h}, ${w}, ${c}] is smaller than the window [${(kh - 1) * dh + 1}, ${(kw - 1) * dw + 1}] (kernel size × dilation) with padding 'valid'`);
  }
  return { h, w, c, oh: y.out, ow: x.out, co: co(c), kh, kw, sh, sw, dh, dw, pt: y.before, pl: x.before, pb: y.after, pr: x.after, dm };
}

/** conv2d: input [h, w, c] → [oh, ow, filters]. */
export function convGeometry(input: readonly number[], o: WindowOptions & { filters: number }): Geometry {
  return window(input, o, () => o.filters, 1, 'conv2d');
}

/** conv1d: input [length, c] → [out, filters], as a conv2d of height 1. */
export function conv1dGeometry(input: readonly number[], o: { filters: number; kernelSize: number; strides?: number; dilationRate?: number; padding?: Padding }): Geometry {
  return window([1, input[0], input[1]], { kernelSize: [1, o.kernelSize], strides: [1, o.strides ?? 1], dilationRate: [1, o.dilationRate ?? 1], padding: o.padding }, () => o.filters, 1, 'conv1d');
}

/** depthwiseConv2d: input [h, w, c] → [oh, ow, c·depthMultiplier]. */
export function depthwiseGeometry(input: readonly number[], o: WindowOptions & { depthMultiplier?: number }): Geometry {
  const dm = o.depthMultiplier ?? 1;
  return window(input, o, (c) => c * dm, dm, 'depthwiseConv2d');
}

/** max/average pooling 2d: strides default to the pool size (Keras). */
export function poolGeometry(input: readonly number[], o: { poolSize: [number, number]; strides?: [number, number]; padding?: Padding }): Geometry {
  return window(input, { kernelSize: o.poolSize, strides: o.strides ?? o.poolSize, padding: o.padding }, (c) => c, 1, 'pooling');
}

/** Global pooling: the window is the whole input, one output pixel. */
export function globalPoolGeometry(input: readonly number[]): Geometry {
  return window(input, { kernelSize: [input[0], input[1]] }, (c) => c, 1, 'global pooling');
}

/** upSampling2d (nearest): [h, w, c] → [h·size[0], w·size[1], c]. */
export function upsampleGeometry(input: readonly number[], size: [number, number]): Geometry {
  const [h, w, c] = input;
  return { h, w, c, oh: h * size[0], ow: w * size[1], co: c, kh: size[0], kw: size[1], sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0, dm: 1 };
}

/** zeroPadding2d: [[top, bottom], [left, right]]. */
export function zeroPadGeometry(input: readonly number[], pad: [[number, number], [number, number]]): Geometry {
  const [h, w, c] = input;
  const [[pt, pb], [pl, pr]] = pad;
  return { h, w, c, oh: h + pt + pb, ow: w + pl + pr, co: c, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, pt, pl, pb, pr, dm: 1 };
}

/** Write g as the kernels' descriptor at byte address ptr (DESC_BYTES). */
export function writeDesc(i32: Int32Array, ptr: number, g: Geometry): void {
  i32.set([g.h, g.w, g.c, g.oh, g.ow, g.co, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.dm, 0], ptr >>> 2);
}

/** Inner size of a convolution's GEMM: kh·kw·c. */
export const patchSize = (g: Geometry): number => g.kh * g.kw * g.c;

/** A 1×1 convolution with stride 1 and no padding: x itself is the column matrix (no im2col). */
export const isPointwise = (g: Geometry): boolean => g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0 && g.pb === 0 && g.pr === 0;

/** Images per im2col tile (the batch is done in tiles so that scratch stays within IM2COL_BUDGET). */
export function tileImages(g: Geometry, batch: number): number {
  const perImage = g.oh * g.ow * patchSize(g) * 4;
  return Math.max(1, Math.min(batch, Math.floor(IM2COL_BUDGET / perImage)));
}

/** Bytes of column scratch a convolution over `batch` images needs (forward, dX and dW share it). */
export function colScratchBytes(g: Geometry, batch: number): number {
  return isPointwise(g) ? 0 : tileImages(g, batch) * g.oh * g.ow * patchSize(g) * 4;
}

/**
 * Whether conv_pool_forward can run convolution g followed by max pooling pool: a convolution with
 * no padding and filters a multiple of 8, then 2×2 windows, stride 2, 'valid', over its output.
 */
export function fusesPool(g: Geometry, pool: Geometry): boolean {
  const unpadded = (q: Geometry) => q.pt === 0 && q.pl === 0 && q.pb === 0 && q.pr === 0;
  return unpadded(g) && g.co % 8 === 0 && g.dm === 1 && unpadded(pool) && pool.kh === 2 && pool.kw === 2 && pool.sh === 2 && pool.sw === 2 &&
    pool.dh === 1 && pool.dw === 1 && pool.h === g.oh && pool.w === g.ow && pool.c === g.co;
}

/**
 * Whether training can run them in one pass too (conv2dPoolForward with z): the convolution's whole
 * output must come out of it, so either Winograd (which computes a last odd row or column from whole
 * tiles) or an even output (conv_pool_forward computes the pooled windows only).
 */
export const fusesPoolInTraining = (g: Geometry, pool: Geometry): boolean => fusesPool(g, pool) && (winograd(g) || (g.oh % 2 === 0 && g.ow % 2 === 0));

/**
 * Whether a convolution's forward pass runs as Winograd F(2×2, 3×3) (assembly/winograd.ts), in
 * training and inference, alone or fused with its pooling: 3×3, stride 1, no dilation, any padding,
 * filters a multiple of 8, input channels a multiple of 4 from 8 to 1024 (below 8 the transforms
 * cost more than they save; up to 1024 a thread's scratch fits in its GEMM pack scratch), and the
 * transformed kernel (16·c·co floats) at most 16 MiB.
 */
export function winograd(g: Geometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && g.dm === 1 &&
    g.co % 8 === 0 && g.c % 4 === 0 && g.c >= 8 && g.c <= 1024 && 16 * g.c * g.co <= 1 << 22;
}

/** Bytes of conv_pool_pack's output: the tap offsets (K i32, 16-aligned), then the kernel (K, co). */
export function poolPackBytes(g: Geometry): number {
  const K = patchSize(g);
  return Math.ceil(K / 4) * 16 + K * g.co * 4;
}
