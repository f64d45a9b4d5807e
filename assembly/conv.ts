// conv kernels: 2-D convolution, channels last (NHWC), kernel stored (kh, kw, in, out) as Keras, so
// that it is a (K, out) row-major matrix with K = kh·kw·in. The geometry of a convolution is a
// descriptor of 16 i32 at `desc` (layout in desc.ts; written by src/engine/conv-plan.ts):
// input (h, w, c), output (oh, ow, co), kernel (kh, kw), strides, dilations, padding before (top,
// left; TF's 'same' puts the odd extra on the bottom/right) and the depth multiplier. 1-D is h = 1.
//
// The GEMM path (the TypeScript side orchestrates it over batch tiles; see src/engine/conv.ts):
//   forward  col = im2col(x) (rows·ow, K);  y = col·W (+ bias, relu: gemm_nn's epilogue)
//   dX       dcol = dY·Wᵀ (gemm_nt);        dx = col2im(dcol)
//   dW       col = im2col(x);               dW += colᵀ·dY (gemm_tn, accumulated over the tiles)
// Inference (conv_pool_forward): a convolution followed by 2×2 max pooling in one pass, no im2col
// and no full-size output: the 4 pixels of a pooling window are the 4 rows of a 4x8 register tile
// whose A values are read from x through a table of tap offsets (an implicit im2col), then bias,
// relu and the window's max are taken in registers. It sums in gemm_nn's order (k-blocks of KC,
// mul then add), so its outputs are the bits of im2col + GEMM + pool_forward.
//
// Row kernels: every kernel here ends in (start, count), a range of "rows" — (image, output row)
// pairs, or for col2im (image, input row) pairs — numbered from the images at the given pointers;
// each row is written by exactly one call and computed in the same order whatever the range, so the
// thread split (src/engine/threads/rows.ts) gives bit-identical results for any thread count.
// Pointers are byte addresses, sizes element counts; outputs are WRITTEN; nothing is allocated.

import { D_C, D_CO, D_DH, D_DW, D_H, D_KH, D_KW, D_OH, D_OW, D_PL, D_PT, D_SH, D_SW, D_W, add_f32, copy_f32, field, madd, pool_max, pool_train, zero_f32 } from './desc';

/**
 * col(rows·ow, K) for rows [start, start + count) of x(n, h, w, c): col row (r·ow + j) holds the
 * receptive field of output pixel (r, j), K = kh·kw·c in (ki, kj, ci) order, zeros where padded.
 */
export function conv_im2col(col: usize, x: usize, desc: usize, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), OH = field(desc, D_OH), OW = field(desc, D_OW);
  const KH = field(desc, D_KH), KW = field(desc, D_KW), SH = field(desc, D_SH), SW = field(desc, D_SW);
  const DH = field(desc, D_DH), DW = field(desc, D_DW), PT = field(desc, D_PT), PL = field(desc, D_PL);
  const K = KH * KW * C;
  const rowBytes = <usize>W * C << 2, imgBytes = <usize>H * rowBytes, cBytes = <usize>C << 2;
  for (let r = start; r < start + count; r++) {
    const img = r / OH, o = r - img * OH;
    const xi = x + <usize>img * imgBytes;
    let dst = col + (<usize>r * OW * K << 2);
    for (let j = 0; j < OW; j++) {
      const iw0 = j * SW - PL;
      for (let ki = 0; ki < KH; ki++) {
        const ih = o * SH - PT + ki * DH;
        if (ih < 0 || ih >= H) {
          zero_f32(dst, KW * C);
          dst += <usize>KW * cBytes;
          continue;
        }
        const xr = xi + <usize>ih * rowBytes;
        if (DW == 1 && iw0 >= 0 && iw0 + KW <= W) {
          // The kw taps of one kernel row are contiguous in x.
          copy_f32(dst, xr + (<usize>iw0 * cBytes), KW * C);
          dst += <usize>KW * cBytes;
          continue;
        }
        for (let kj = 0; kj < KW; kj++, dst += cBytes) {
          const iw = iw0 + kj * DW;
          if (iw < 0 || iw >= W) zero_f32(dst, C);
          else copy_f32(dst, xr + (<usize>iw * cBytes), C);
        }
      }
    }
  }
}

/**
 * dx(n, h, w, c) for input rows [start, start + count) (pairs (image, ih)) from dcol(n·oh·ow, K):
 * each dx element is the sum of the dcol entries that im2col copied it to, in the order kernel row,
 * output column, kernel column.
 */
export function conv_col2im(dx: usize, dcol: usize, desc: usize, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), OH = field(desc, D_OH), OW = field(desc, D_OW);
  const KH = field(desc, D_KH), KW = field(desc, D_KW), SH = field(desc, D_SH), SW = field(desc, D_SW);
  const DH = field(desc, D_DH), DW = field(desc, D_DW), PT = field(desc, D_PT), PL = field(desc, D_PL);
  const K = KH * KW * C;
  const rowBytes = <usize>W * C << 2, cBytes = <usize>C << 2;
  for (let r = start; r < start + count; r++) {
    const img = r / H, ih = r - img * H;
    const dxr = dx + <usize>r * rowBytes;
    zero_f32(dxr, W * C);
    for (let ki = 0; ki < KH; ki++) {
      const t = ih + PT - ki * DH;
      if (t < 0 || t % SH != 0) continue;
      const o = t / SH;
      if (o >= OH) continue;
      const drow = dcol + (<usize>(img * OH + o) * OW * K << 2) + (<usize>ki * KW * C << 2);
      for (let j = 0; j < OW; j++) {
        const src = drow + (<usize>j * K << 2);
        const iw0 = j * SW - PL;
        for (let kj = 0; kj < KW; kj++) {
          const iw = iw0 + kj * DW;
          if (iw >= 0 && iw < W) add_f32(dxr + <usize>iw * cBytes, src + <usize>kj * cBytes, C);
        }
      }
    }
  }
}

// ---- inference: convolution + bias + relu + 2×2 max pooling -----------------------------------

/** gemm.ts's k-block: it fixes the summation order, so it must be the same here. */
const KC: i32 = 256;

/**
 * The weights as conv_pool_forward reads them, at dst (16-aligned): the byte offset in x of each
 * tap k = (ki, kj, ci) from a window's first pixel (K i32, padded to 16 bytes), then w(K, co) in
 * panels of 8 columns (K·8 floats each). co must be a multiple of 8.
 */
export function conv_pool_pack(dst: usize, w: usize, desc: usize): void {
  const W = field(desc, D_W), C = field(desc, D_C), CO = field(desc, D_CO);
  const KH = field(desc, D_KH), KW = field(desc, D_KW), DH = field(desc, D_DH), DW = field(desc, D_DW);
  const K = KH * KW * C;
  let p = dst;
  for (let ki = 0; ki < KH; ki++) {
    for (let kj = 0; kj < KW; kj++) {
      for (let ci = 0; ci < C; ci++, p += 4) store<i32>(p, ((ki * DH * W + kj * DW) * C + ci) << 2);
    }
  }
  p = dst + ((<usize>K * 4 + 15) & ~15);
  for (let j = 0; j < CO; j += 8) {
    for (let k = 0, src = w + (<usize>j << 2); k < K; k++, p += 32, src += <usize>CO << 2) {
      v128.store(p, v128.load(src));
      v128.store(p, v128.load(src, 16), 16);
    }
  }
}

/**
 * y(n, ⌊oh/2⌋, ⌊ow/2⌋, co) = 2×2 max pooling (stride 2, valid) of conv(x) + bias [relu: flags & 2]
 * for pooled rows [start, start + count) (pairs (image, pooled row)); `wp` from conv_pool_pack;
 * bias = 0 means none. The convolution has no padding (every tap is inside x). Training (z != 0,
 * oh and ow even): the convolution's output is also stored at z(n, oh, ow, co), and the pooling's
 * argmax at idx (pool_forward's).
 */
export function conv_pool_forward(y: usize, x: usize, wp: usize, bias: usize, desc: usize, flags: i32, z: usize, idx: usize, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), CO = field(desc, D_CO);
  const SH = field(desc, D_SH), SW = field(desc, D_SW);
  const K = field(desc, D_KH) * field(desc, D_KW) * C, PH = field(desc, D_OH) >> 1, PW = field(desc, D_OW) >> 1;
  // Taps contiguous in x: a kernel row's kw·c (no dilation across the row) or c. Runs of 8 or more
  // are walked with a pointer (as fast as the GEMM); shorter ones (the first layer's in = 1) read
  // each tap's offset from the table, which costs less than starting a run every few taps.
  let run = field(desc, D_DW) == 1 ? field(desc, D_KW) * C : C;
  if (run < 8) run = 1;
  const d1 = <usize>SW * C << 2, d2 = <usize>SH * W * C << 2;
  const bp0 = wp + ((<usize>K * 4 + 15) & ~15), relu = (flags & 2) != 0;
  const OW = field(desc, D_OW), cs = <usize>CO << 2, rs = <usize>OW * cs;
  for (let r = start; r < start + count; r++) {
    const img = r / PH, ph = r - img * PH;
    const xr = x + (<usize>img * H * W * C << 2) + <usize>ph * 2 * d2;
    const yr = <usize>r * PW * CO << 2;
    const zr = z + <usize>(img * field(desc, D_OH) + 2 * ph) * rs, e0 = 2 * ph * OW * CO;
    // One weight panel at a time, over the row's windows: it stays in L1 while they pass.
    for (let j = 0; j < CO; j += 8) {
      const bp = bp0 + (<usize>j * K << 2), bj = bias ? bias + (<usize>j << 2) : 0;
      for (let q = 0; q < PW; q++) {
        const o = yr + (<usize>(q * CO + j) << 2), a = xr + <usize>q * 2 * d1;
        const zq = z ? zr + <usize>q * 2 * cs + (<usize>j << 2) : 0, e = e0 + 2 * q * CO + j;
        if (K <= KC) pool_tile(false, y + o, a, d1, d2, wp, bp, K, run, bj, relu, zq, idx + o, e, cs, rs);
        else pool_tile(true, y + o, a, d1, d2, wp, bp, K, run, bj, relu, zq, idx + o, e, cs, rs);
      }
    }
  }
}

// The window's 4 pixels (a, a + d1; a + d2, a + d2 + d1) × 8 channels: per k-block of KC,
// acc = ((0 + a0·b0) + a1·b1) + …, the blocks added in order (MULTI: more than one), then + bias,
// relu, and the max over the pixels in pool_forward's order (the first maximum wins). Training
// (z != 0): pool_train also stores the pixels at z and the argmax (element offset ei + …) at idx.
@inline function pool_tile(MULTI: bool, out: usize, a: usize, d1: usize, d2: usize, offs: usize, bp: usize, K: i32, run: i32, bias: usize, relu: bool,
                           z: usize, idx: usize, ei: i32, cs: usize, rs: usize): void {
  const zero = f32x4.splat(0), d3 = d1 + d2;
  let s00 = zero, s01 = zero, s10 = zero, s11 = zero, s20 = zero, s21 = zero, s30 = zero, s31 = zero;
  for (let k0 = 0; k0 < K; k0 += KC) {
    let c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
    const k1 = min(K, k0 + KC);
    let b = bp + (<usize>k0 << 5);
    // The two loops share their body: one loop over runs of any length, run = 1 included, took
    // twice as long on the first layer (35 against 16.5 µs per image: a loop entry per tap).
    // A K = 9 tile with the 9 taps unrolled and their offsets in locals was slower still: the CNN's
    // batch-256 predict fell from 9,500 to 8,960 samples/s (V8 spills the extra locals).
    if (run > 1) {
      for (let k = k0; k < k1; ) {
        // A run of taps [k, e) contiguous in x from p.
        const e = min(k1, k - k % run + run);
        let p = a + <usize>load<i32>(offs + (<usize>k << 2));
        for (const end = b + (<usize>(e - k) << 5); b < end; b += 32, p += 4) {
          const b0 = v128.load(b), b1 = v128.load(b, 16);
          let av = v128.load32_splat(p);
          c00 = madd(av, b0, c00);
          c01 = madd(av, b1, c01);
          av = v128.load32_splat(p + d1);
          c10 = madd(av, b0, c10);
          c11 = madd(av, b1, c11);
          av = v128.load32_splat(p + d2);
          c20 = madd(av, b0, c20);
          c21 = madd(av, b1, c21);
          av = v128.load32_splat(p + d3);
          c30 = madd(av, b0, c30);
          c31 = madd(av, b1, c31);
        }
        k = e;
      }
    } else {
      for (let o = offs + (<usize>k0 << 2), end = offs + (<usize>k1 << 2); o < end; o += 4, b += 32) {
        const p = a + <usize>load<i32>(o);
        const b0 = v128.load(b), b1 = v128.load(b, 16);
        let av = v128.load32_splat(p);
        c00 = madd(av, b0, c00);
        c01 = madd(av, b1, c01);
        av = v128.load32_splat(p + d1);
        c10 = madd(av, b0, c10);
        c11 = madd(av, b1, c11);
        av = v128.load32_splat(p + d2);
        c20 = madd(av, b0, c20);
        c21 = madd(av, b1, c21);
        av = v128.load32_splat(p + d3);
        c30 = madd(av, b0, c30);
        c31 = madd(av, b1, c31);
      }
    }
    if (!MULTI || k0 == 0) {
      s00 = c00; s01 = c01; s10 = c10; s11 = c11; s20 = c20; s21 = c21; s30 = c30; s31 = c31;
    } else {
      s00 = f32x4.add(s00, c00); s01 = f32x4.add(s01, c01); s10 = f32x4.add(s10, c10); s11 = f32x4.add(s11, c11);
      s20 = f32x4.add(s20, c20); s21 = f32x4.add(s21, c21); s30 = f32x4.add(s30, c30); s31 = f32x4.add(s31, c31);
    }
  }
  if (z) {
    const dc = <i32>(cs >> 2), dr = <i32>(rs >> 2);
    pool_train(s00, s10, s20, s30, bias, relu, z, cs, rs, out, idx, ei, dc, dr);
    pool_train(s01, s11, s21, s31, bias ? bias + 16 : 0, relu, z + 16, cs, rs, out + 16, idx + 16, ei + 4, dc, dr);
    return;
  }
  v128.store(out, pool_max(s00, s10, s20, s30, bias, relu));
  v128.store(out, pool_max(s01, s11, s21, s31, bias ? bias + 16 : 0, relu), 16);
}
