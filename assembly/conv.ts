// conv kernels: 2-D convolution, channels last (NHWC), kernel stored (kh, kw, in, out) as Keras, so
// that it is a (K, out) row-major matrix with K = kh·kw·in. The geometry of a convolution is a
// descriptor of 16 i32 at `desc` (layout: the D_* constants below; written by src/engine/conv-plan.ts):
// input (h, w, c), output (oh, ow, co), kernel (kh, kw), strides, dilations, padding before (top,
// left; TF's 'same' puts the odd extra on the bottom/right) and the depth multiplier. 1-D is h = 1.
//
// The GEMM path (the TypeScript side orchestrates it over batch tiles; see src/engine/conv.ts):
//   forward  col = im2col(x) (rows·ow, K);  y = col·W (+ bias, relu: gemm_nn's epilogue)
//   dX       dcol = dY·Wᵀ (gemm_nt);        dx = col2im(dcol)
//   dW       col = im2col(x);               dW += colᵀ·dY (gemm_tn, accumulated over the tiles)
// conv2d_direct computes the forward without im2col (small input-channel counts, where the column
// matrix is thin and packing it costs more than it saves).
//
// Row kernels: every kernel here ends in (start, count), a range of "rows" — (image, output row)
// pairs, or for col2im (image, input row) pairs — numbered from the images at the given pointers;
// each row is written by exactly one call and computed in the same order whatever the range, so the
// thread split (src/engine/threads/rows.ts) gives bit-identical results for any thread count.
// Pointers are byte addresses, sizes element counts; outputs are WRITTEN; nothing is allocated.

import { D_C, D_CO, D_DH, D_DW, D_H, D_KH, D_KW, D_OH, D_OW, D_PL, D_PT, D_SH, D_SW, D_W, add_f32, copy_f32, field, madd, madd1, zero_f32 } from './desc';

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

@inline function finish(v: v128, bias: usize, co: usize, relu: bool): v128 {
  if (bias) v = f32x4.add(v, v128.load(bias + co));
  if (relu) v = f32x4.max(v, f32x4.splat(0));
  return v;
}

/**
 * Direct forward: y(n, oh, ow, co) = conv(x, w) [+ bias] [relu if flags & 2] for output rows
 * [start, start + count). Each output is summed over the taps in (ki, kj, ci) order from 0, then
 * + bias, then relu: gemm_nn's order for K ≤ 256, so it gives the im2col path's bits there.
 */
export function conv2d_direct(y: usize, x: usize, w: usize, bias: usize, desc: usize, flags: i32, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), OH = field(desc, D_OH), OW = field(desc, D_OW);
  const KW = field(desc, D_KW), SW = field(desc, D_SW), DW = field(desc, D_DW), PL = field(desc, D_PL), C = field(desc, D_C);
  const relu = (flags & 2) != 0;
  for (let r = start; r < start + count; r++) {
    const img = r / OH, o = r - img * OH;
    const yr = y + (<usize>r * OW * field(desc, D_CO) << 2);
    const xi = x + (<usize>img * H * W * C << 2);
    // Output columns whose taps all fall inside the row: 4 at a time; the rest one by one.
    let jA = 0;
    while (jA < OW && jA * SW - PL < 0) jA++;
    let jB = OW;
    while (jB > jA && (jB - 1) * SW - PL + (KW - 1) * DW >= W) jB--;
    let j = 0;
    for (; j < jA; j++) direct_pixel(yr, xi, w, bias, desc, o, j, relu);
    const jEnd = jA + ((jB - jA) & ~3);
    direct_run(yr, xi, w, bias, desc, o, jA, jEnd, relu);
    for (j = jEnd; j < OW; j++) direct_pixel(yr, xi, w, bias, desc, o, j, relu);
  }
}

// Interior output pixels [j0, j1) of row o (a multiple of 4 of them: every tap inside the row),
// 4 at a time × 8, then 4, then 1 output channels. The taps of one kernel row are runs of
// contiguous x values: kw·c of them without column dilation, else kw runs of c.
function direct_run(yr: usize, xi: usize, w: usize, bias: usize, desc: usize, o: i32, j0: i32, j1: i32, relu: bool): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), CO = field(desc, D_CO);
  const KH = field(desc, D_KH), KW = field(desc, D_KW), SH = field(desc, D_SH), SW = field(desc, D_SW);
  const DH = field(desc, D_DH), DW = field(desc, D_DW), PT = field(desc, D_PT), PL = field(desc, D_PL);
  const ps = <usize>SW * C << 2; // bytes between the 4 pixels' taps
  const runLen = DW == 1 ? KW * C : C, runs = DW == 1 ? 1 : KW;
  const runStep = <usize>DW * C << 2;
  const wStep = <usize>CO << 2, yStride = <usize>CO << 2;
  // Kernel rows inside the input: ih = o·sh − pt + ki·dh in [0, h).
  const top = o * SH - PT;
  const kiLo = top >= 0 ? 0 : (-top + DH - 1) / DH, kiHi = top >= H ? 0 : min(KH, (H - 1 - top) / DH + 1);
  for (let j = j0; j < j1; j += 4) {
    const y0 = yr + <usize>j * yStride;
    const xcol = xi + (<usize>(j * SW - PL) * C << 2);
    let co = 0;
    for (; co + 8 <= CO; co += 8) {
      const z = f32x4.splat(0);
      let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
      for (let ki = kiLo; ki < kiHi; ki++) {
        let xp = xcol + (<usize>(o * SH - PT + ki * DH) * W * C << 2);
        let wp = w + ((<usize>ki * KW * C * CO + co) << 2);
        for (let r = 0; r < runs; r++, xp += runStep) {
          let xc = xp;
          for (let t = 0; t < runLen; t++, xc += 4, wp += wStep) {
            const b0 = v128.load(wp), b1 = v128.load(wp, 16);
            let a = v128.load32_splat(xc);
            c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
            a = v128.load32_splat(xc + ps);
            c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
            a = v128.load32_splat(xc + (ps << 1));
            c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
            a = v128.load32_splat(xc + ps * 3);
            c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
          }
        }
      }
      const cb = <usize>co << 2;
      let yp = y0 + cb;
      v128.store(yp, finish(c00, bias, cb, relu)); v128.store(yp, finish(c01, bias, cb + 16, relu), 16);
      yp += yStride;
      v128.store(yp, finish(c10, bias, cb, relu)); v128.store(yp, finish(c11, bias, cb + 16, relu), 16);
      yp += yStride;
      v128.store(yp, finish(c20, bias, cb, relu)); v128.store(yp, finish(c21, bias, cb + 16, relu), 16);
      yp += yStride;
      v128.store(yp, finish(c30, bias, cb, relu)); v128.store(yp, finish(c31, bias, cb + 16, relu), 16);
    }
    for (; co + 4 <= CO; co += 4) {
      const z = f32x4.splat(0);
      let c0 = z, c1 = z, c2 = z, c3 = z;
      for (let ki = kiLo; ki < kiHi; ki++) {
        let xp = xcol + (<usize>(o * SH - PT + ki * DH) * W * C << 2);
        let wp = w + ((<usize>ki * KW * C * CO + co) << 2);
        for (let r = 0; r < runs; r++, xp += runStep) {
          let xc = xp;
          for (let t = 0; t < runLen; t++, xc += 4, wp += wStep) {
            const b0 = v128.load(wp);
            c0 = madd(v128.load32_splat(xc), b0, c0);
            c1 = madd(v128.load32_splat(xc + ps), b0, c1);
            c2 = madd(v128.load32_splat(xc + (ps << 1)), b0, c2);
            c3 = madd(v128.load32_splat(xc + ps * 3), b0, c3);
          }
        }
      }
      const cb = <usize>co << 2;
      v128.store(y0 + cb, finish(c0, bias, cb, relu));
      v128.store(y0 + yStride + cb, finish(c1, bias, cb, relu));
      v128.store(y0 + (yStride << 1) + cb, finish(c2, bias, cb, relu));
      v128.store(y0 + yStride * 3 + cb, finish(c3, bias, cb, relu));
    }
    if (co < CO) for (let p = 0; p < 4; p++) direct_scalar(yr, xi, w, bias, desc, o, j + p, co, relu);
  }
}

// One output pixel (any position: taps outside the input are skipped), all output channels.
function direct_pixel(yr: usize, xi: usize, w: usize, bias: usize, desc: usize, o: i32, j: i32, relu: bool): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), CO = field(desc, D_CO);
  const KH = field(desc, D_KH), KW = field(desc, D_KW), SH = field(desc, D_SH), SW = field(desc, D_SW);
  const DH = field(desc, D_DH), DW = field(desc, D_DW), PT = field(desc, D_PT), PL = field(desc, D_PL);
  const yp = yr + (<usize>j * CO << 2);
  let co = 0;
  for (; co + 4 <= CO; co += 4) {
    let acc = f32x4.splat(0);
    for (let ki = 0; ki < KH; ki++) {
      const ih = o * SH - PT + ki * DH;
      if (ih < 0 || ih >= H) continue;
      for (let kj = 0; kj < KW; kj++) {
        const iw = j * SW - PL + kj * DW;
        if (iw < 0 || iw >= W) continue;
        const xc = xi + (<usize>(ih * W + iw) * C << 2);
        let wp = w + ((<usize>((ki * KW + kj) * C) * CO + co) << 2);
        for (let ci = 0; ci < C; ci++, wp += <usize>CO << 2) acc = madd(v128.load32_splat(xc + (<usize>ci << 2)), v128.load(wp), acc);
      }
    }
    const cb = <usize>co << 2;
    v128.store(yp + cb, finish(acc, bias, cb, relu));
  }
  if (co < CO) direct_scalar(yr, xi, w, bias, desc, o, j, co, relu);
}

// Output channels [co0, CO) of one output pixel, one at a time (the tail of CO mod 4).
function direct_scalar(yr: usize, xi: usize, w: usize, bias: usize, desc: usize, o: i32, j: i32, co0: i32, relu: bool): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), CO = field(desc, D_CO);
  const KH = field(desc, D_KH), KW = field(desc, D_KW), SH = field(desc, D_SH), SW = field(desc, D_SW);
  const DH = field(desc, D_DH), DW = field(desc, D_DW), PT = field(desc, D_PT), PL = field(desc, D_PL);
  for (let co = co0; co < CO; co++) {
    let acc: f32 = 0;
    for (let ki = 0; ki < KH; ki++) {
      const ih = o * SH - PT + ki * DH;
      if (ih < 0 || ih >= H) continue;
      for (let kj = 0; kj < KW; kj++) {
        const iw = j * SW - PL + kj * DW;
        if (iw < 0 || iw >= W) continue;
        const xc = xi + (<usize>(ih * W + iw) * C << 2);
        const wp = w + ((<usize>((ki * KW + kj) * C) * CO + co) << 2);
        for (let ci = 0; ci < C; ci++) acc = madd1(load<f32>(xc + (<usize>ci << 2)), load<f32>(wp + (<usize>ci * CO << 2)), acc);
      }
    }
    if (bias) acc = acc + load<f32>(bias + (<usize>co << 2));
    if (relu) acc = max(acc, <f32>0);
    store<f32>(yr + (<usize>(j * CO + co) << 2), acc);
  }
}
