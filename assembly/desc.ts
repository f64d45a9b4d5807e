// The geometry descriptor shared by the spatial kernels (conv.ts, depthwise.ts, pool.ts,
// spatial.ts), and their small copy helpers. Not re-exported by index.ts: nothing here is a kernel.
// A descriptor is 16 i32 (64 bytes) written by src/engine/conv-plan.ts: input (h, w, c), output
// (oh, ow, co), window (kh, kw), strides (sh, sw), dilations (dh, dw), padding before (top, left)
// and the depth multiplier (depthwise only).

// Descriptor fields (i32 index; byte offset = 4·index).
export const D_H = 0, D_W = 1, D_C = 2, D_OH = 3, D_OW = 4, D_CO = 5, D_KH = 6, D_KW = 7;
export const D_SH = 8, D_SW = 9, D_DH = 10, D_DW = 11, D_PT = 12, D_PL = 13, D_DM = 14;

@inline export function field(desc: usize, i: i32): i32 {
  return load<i32>(desc + (<usize>i << 2));
}

/** dst[0..n) = src[0..n) (f32). */
export function copy_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

export function zero_f32(dst: usize, n: i32): void {
  let i = 0;
  const z = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** dst[0..n) += src[0..n) (f32). */
export function add_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}


/** acc + a·b: mul then add (gemm.ts's reference order); the relaxed build fuses them. */
@inline export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * Training's convolution + 2×2 max pooling, for 4 channels of one window: the window's pixels
 * p0..p3 ((0, 0), (0, 1), (1, 0), (1, 1)) with gemm's store_vec (+ bias, relu) stored into the
 * convolution's output at z, z + cs, z + rs, z + rs + cs (bytes), and pool_forward's max over them
 * and its argmax (the element offsets e, e + dc, e + dr, e + dr + dc within the image, + the lane)
 * at out and idx: the bits of the convolution then pool_forward.
 */
@inline export function pool_train(p0: v128, p1: v128, p2: v128, p3: v128, bias: usize, relu: bool, z: usize, cs: usize, rs: usize, out: usize, idx: usize, e: i32, dc: i32, dr: i32): void {
  if (bias) {
    const b = v128.load(bias);
    p0 = f32x4.add(p0, b); p1 = f32x4.add(p1, b); p2 = f32x4.add(p2, b); p3 = f32x4.add(p3, b);
  }
  if (relu) {
    const zero = f32x4.splat(0);
    p0 = f32x4.max(p0, zero); p1 = f32x4.max(p1, zero); p2 = f32x4.max(p2, zero); p3 = f32x4.max(p3, zero);
  }
  v128.store(z, p0);
  v128.store(z + cs, p1);
  v128.store(z + rs, p2);
  v128.store(z + rs + cs, p3);
  const at0 = i32x4.add(i32x4.splat(e), i32x4(0, 1, 2, 3));
  let best = f32x4.splat(-Infinity), at = i32x4.splat(-1), gt = f32x4.gt(p0, best);
  best = v128.bitselect(p0, best, gt); at = v128.bitselect(at0, at, gt);
  gt = f32x4.gt(p1, best);
  best = v128.bitselect(p1, best, gt); at = v128.bitselect(i32x4.add(at0, i32x4.splat(dc)), at, gt);
  gt = f32x4.gt(p2, best);
  best = v128.bitselect(p2, best, gt); at = v128.bitselect(i32x4.add(at0, i32x4.splat(dr)), at, gt);
  gt = f32x4.gt(p3, best);
  best = v128.bitselect(p3, best, gt); at = v128.bitselect(i32x4.add(at0, i32x4.splat(dr + dc)), at, gt);
  v128.store(out, best);
  v128.store(idx, at);
}

// gemm's store_vec (+ bias, relu) on each of a 2×2 window's pixels, then pool_forward's max over
// them (conv.ts and winograd.ts fuse convolution and pooling with it).
@inline export function pool_max(p0: v128, p1: v128, p2: v128, p3: v128, bias: usize, relu: bool): v128 {
  if (bias) {
    const b = v128.load(bias);
    p0 = f32x4.add(p0, b); p1 = f32x4.add(p1, b); p2 = f32x4.add(p2, b); p3 = f32x4.add(p3, b);
  }
  if (relu) {
    const z = f32x4.splat(0);
    p0 = f32x4.max(p0, z); p1 = f32x4.max(p1, z); p2 = f32x4.max(p2, z); p3 = f32x4.max(p3, z);
  }
  let best = f32x4.splat(-Infinity);
  best = v128.bitselect(p0, best, f32x4.gt(p0, best));
  best = v128.bitselect(p1, best, f32x4.gt(p1, best));
  best = v128.bitselect(p2, best, f32x4.gt(p2, best));
  return v128.bitselect(p3, best, f32x4.gt(p3, best));
}
