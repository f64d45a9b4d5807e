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
// A direct forward kernel (4 pixels × 8 channels register tile, no im2col) measured no faster on the
// tutorial CNN's first layer (in = 1: 16.0 against 16.5 GFLOP/s for im2col + GEMM, one thread) and
// half as fast on its second; it was removed (commit e6af5d4 on branch i15k has it) to keep the wasm small.
//
// Row kernels: every kernel here ends in (start, count), a range of "rows" — (image, output row)
// pairs, or for col2im (image, input row) pairs — numbered from the images at the given pointers;
// each row is written by exactly one call and computed in the same order whatever the range, so the
// thread split (src/engine/threads/rows.ts) gives bit-identical results for any thread count.
// Pointers are byte addresses, sizes element counts; outputs are WRITTEN; nothing is allocated.

import { D_C, D_DH, D_DW, D_H, D_KH, D_KW, D_OH, D_OW, D_PL, D_PT, D_SH, D_SW, D_W, add_f32, copy_f32, field, zero_f32 } from './desc';

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
