// depthwise kernels: depthwise 2-D convolution, NHWC, kernel stored (kh, kw, in, depthMultiplier)
// as Keras, so output channel q = c·dm + m reads input channel c = q / dm and w[ki, kj, q] with
// w viewed as (kh, kw, in·dm). Direct kernels (no GEMM shape fits them); geometry from a descriptor
// (desc.ts; co = in·dm). Taps outside the input (padding) are skipped.
//   forward        y(n, oh, ow, co) = Σ_(ki,kj) x·w [+ bias] [relu]    rows = (image, output row)
//   backward_input dx(n, h, w, c)  = Σ_(ki,kj,m) dy·w                   rows = (image, input row)
//   backward_filter dw(kh, kw, co) = Σ_(image, oh, ow) x·dy             units = output channels
// Each output element is summed in one fixed order (the order listed) from 0, whatever range a call
// covers, so splitting rows or channels over threads gives the same bits. The filter gradient sums
// over the whole batch: it is split over channels only, never over images. Outputs are WRITTEN.
// Channels go 4 at a time (one f32x4) when dm = 1, else one at a time in lane 0 of the same code
// (lane 0 of an f32x4 operation is the f32 operation: the same bits), which keeps the module small.
import { D_C, D_DH, D_DM, D_DW, D_H, D_KH, D_KW, D_OH, D_OW, D_PL, D_PT, D_SH, D_SW, D_W, field, madd } from './desc';

/** 4 floats at p (wide), or the float at p in lane 0. */
@inline function ld(p: usize, wide: bool): v128 {
  return wide ? v128.load(p) : f32x4.splat(load<f32>(p));
}

@inline function st(p: usize, v: v128, wide: bool): void {
  if (wide) v128.store(p, v);
  else store<f32>(p, f32x4.extract_lane(v, 0));
}

/** Forward for output rows [start, start + count); flags & 2: relu last; bias = 0: none. */
export function depthwise_forward(y: usize, x: usize, w: usize, bias: usize, desc: usize, flags: i32, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), OH = field(desc, D_OH), OW = field(desc, D_OW);
  const KH = field(desc, D_KH), KW = field(desc, D_KW), SH = field(desc, D_SH), SW = field(desc, D_SW);
  const DH = field(desc, D_DH), DW = field(desc, D_DW), PT = field(desc, D_PT), PL = field(desc, D_PL), DM = field(desc, D_DM);
  const CO = C * DM;
  const relu = (flags & 2) != 0;
  const vec = DM == 1 ? CO & ~3 : 0;
  for (let r = start; r < start + count; r++) {
    const img = r / OH, o = r - img * OH;
    const xi = x + (<usize>img * H * W * C << 2);
    for (let j = 0; j < OW; j++) {
      const yp = y + (<usize>(r * OW + j) * CO << 2);
      for (let q = 0; q < CO;) {
        const wide = q < vec;
        let acc = f32x4.splat(0);
        for (let ki = 0; ki < KH; ki++) {
          const ih = o * SH - PT + ki * DH;
          if (ih < 0 || ih >= H) continue;
          for (let kj = 0; kj < KW; kj++) {
            const iw = j * SW - PL + kj * DW;
            if (iw < 0 || iw >= W) continue;
            const xv = ld(xi + (<usize>((ih * W + iw) * C + q / DM) << 2), wide);
            acc = madd(xv, ld(w + (<usize>((ki * KW + kj) * CO + q) << 2), wide), acc);
          }
        }
        if (bias) acc = f32x4.add(acc, ld(bias + (<usize>q << 2), wide));
        if (relu) acc = f32x4.max(acc, f32x4.splat(0));
        st(yp + (<usize>q << 2), acc, wide);
        q += wide ? 4 : 1;
      }
    }
  }
}

/** Input gradient for input rows [start, start + count) (pairs (image, ih)). */
export function depthwise_backward_input(dx: usize, dy: usize, w: usize, desc: usize, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), OH = field(desc, D_OH), OW = field(desc, D_OW);
  const KH = field(desc, D_KH), KW = field(desc, D_KW), SH = field(desc, D_SH), SW = field(desc, D_SW);
  const DH = field(desc, D_DH), DW = field(desc, D_DW), PT = field(desc, D_PT), PL = field(desc, D_PL), DM = field(desc, D_DM);
  const CO = C * DM;
  const vec = DM == 1 ? C & ~3 : 0;
  for (let r = start; r < start + count; r++) {
    const img = r / H, ih = r - img * H;
    const dyi = dy + (<usize>img * OH * OW * CO << 2);
    for (let iw = 0; iw < W; iw++) {
      const dxp = dx + (<usize>(r * W + iw) * C << 2);
      for (let c = 0; c < C;) {
        const wide = c < vec;
        let acc = f32x4.splat(0);
        for (let ki = 0; ki < KH; ki++) {
          const t = ih + PT - ki * DH;
          if (t < 0 || t % SH != 0 || t / SH >= OH) continue;
          const o = t / SH;
          for (let kj = 0; kj < KW; kj++) {
            const u = iw + PL - kj * DW;
            if (u < 0 || u % SW != 0 || u / SW >= OW) continue;
            const p = o * OW + u / SW;
            for (let m = 0; m < DM; m++) {
              const q = c * DM + m;
              acc = madd(ld(dyi + (<usize>(p * CO + q) << 2), wide), ld(w + (<usize>((ki * KW + kj) * CO + q) << 2), wide), acc);
            }
          }
        }
        st(dxp + (<usize>c << 2), acc, wide);
        c += wide ? 4 : 1;
      }
    }
  }
}

/**
 * Filter gradient dw(kh, kw, co) for output channels [start, start + count) over a batch of n
 * images: each dw element sums x·dy over (image, oh, ow) in order, from 0. One pass over the batch;
 * the channel range's (kh·kw·count) accumulators stay in L1.
 */
export function depthwise_backward_filter(dw: usize, x: usize, dy: usize, desc: usize, n: i32, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), OH = field(desc, D_OH), OW = field(desc, D_OW);
  const KH = field(desc, D_KH), KW = field(desc, D_KW), SH = field(desc, D_SH), SW = field(desc, D_SW);
  const DH = field(desc, D_DH), DW = field(desc, D_DW), PT = field(desc, D_PT), PL = field(desc, D_PL), DM = field(desc, D_DM);
  const CO = C * DM;
  const end = start + count;
  const vecEnd = DM == 1 ? start + (count & ~3) : start;
  for (let t = 0; t < KH * KW; t++) {
    const row = dw + (<usize>t * CO << 2);
    for (let q = start; q < end; q++) store<f32>(row + (<usize>q << 2), 0);
  }
  for (let img = 0; img < n; img++) {
    const xi = x + (<usize>img * H * W * C << 2);
    for (let o = 0; o < OH; o++) {
      for (let j = 0; j < OW; j++) {
        const dyp = dy + (<usize>((img * OH + o) * OW + j) * CO << 2);
        for (let ki = 0; ki < KH; ki++) {
          const ih = o * SH - PT + ki * DH;
          if (ih < 0 || ih >= H) continue;
          for (let kj = 0; kj < KW; kj++) {
            const iw = j * SW - PL + kj * DW;
            if (iw < 0 || iw >= W) continue;
            const xp = xi + (<usize>(ih * W + iw) * C << 2);
            const dwp = dw + (<usize>(ki * KW + kj) * CO << 2);
            for (let q = start; q < end;) {
              const wide = q < vecEnd;
              const b = <usize>q << 2;
              st(dwp + b, madd(ld(xp + (<usize>(q / DM) << 2), wide), ld(dyp + b, wide), ld(dwp + b, wide)), wide);
              q += wide ? 4 : 1;
            }
          }
        }
      }
    }
  }
}
