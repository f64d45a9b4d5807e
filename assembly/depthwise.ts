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
import { D_C, D_CO, D_DH, D_DM, D_DW, D_H, D_KH, D_KW, D_OH, D_OW, D_PL, D_PT, D_SH, D_SW, D_W, field, madd, madd1 } from './desc';

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
      for (let q = 0; q < vec; q += 4) {
        let acc = f32x4.splat(0);
        for (let ki = 0; ki < KH; ki++) {
          const ih = o * SH - PT + ki * DH;
          if (ih < 0 || ih >= H) continue;
          for (let kj = 0; kj < KW; kj++) {
            const iw = j * SW - PL + kj * DW;
            if (iw < 0 || iw >= W) continue;
            acc = madd(v128.load(xi + (<usize>((ih * W + iw) * C + q) << 2)), v128.load(w + (<usize>((ki * KW + kj) * CO + q) << 2)), acc);
          }
        }
        if (bias) acc = f32x4.add(acc, v128.load(bias + (<usize>q << 2)));
        if (relu) acc = f32x4.max(acc, f32x4.splat(0));
        v128.store(yp + (<usize>q << 2), acc);
      }
      for (let q = vec; q < CO; q++) {
        const c = q / DM;
        let acc: f32 = 0;
        for (let ki = 0; ki < KH; ki++) {
          const ih = o * SH - PT + ki * DH;
          if (ih < 0 || ih >= H) continue;
          for (let kj = 0; kj < KW; kj++) {
            const iw = j * SW - PL + kj * DW;
            if (iw < 0 || iw >= W) continue;
            acc = madd1(load<f32>(xi + (<usize>((ih * W + iw) * C + c) << 2)), load<f32>(w + (<usize>((ki * KW + kj) * CO + q) << 2)), acc);
          }
        }
        if (bias) acc = acc + load<f32>(bias + (<usize>q << 2));
        if (relu) acc = max(acc, <f32>0);
        store<f32>(yp + (<usize>q << 2), acc);
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
      for (let c = 0; c < vec; c += 4) {
        let acc = f32x4.splat(0);
        for (let ki = 0; ki < KH; ki++) {
          const t = ih + PT - ki * DH;
          if (t < 0 || t % SH != 0 || t / SH >= OH) continue;
          const o = t / SH;
          for (let kj = 0; kj < KW; kj++) {
            const u = iw + PL - kj * DW;
            if (u < 0 || u % SW != 0 || u / SW >= OW) continue;
            const p = o * OW + u / SW;
            acc = madd(v128.load(dyi + (<usize>(p * CO + c) << 2)), v128.load(w + (<usize>((ki * KW + kj) * CO + c) << 2)), acc);
          }
        }
        v128.store(dxp + (<usize>c << 2), acc);
      }
      for (let c = vec; c < C; c++) {
        let acc: f32 = 0;
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
              acc = madd1(load<f32>(dyi + (<usize>(p * CO + q) << 2)), load<f32>(w + (<usize>((ki * KW + kj) * CO + q) << 2)), acc);
            }
          }
        }
        store<f32>(dxp + (<usize>c << 2), acc);
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
            let q = start;
            for (; q < vecEnd; q += 4) {
              const b = <usize>q << 2;
              v128.store(dwp + b, madd(v128.load(xp + b), v128.load(dyp + b), v128.load(dwp + b)));
            }
            for (; q < end; q++) {
              const b = <usize>q << 2;
              store<f32>(dwp + b, madd1(load<f32>(xp + (<usize>(q / DM) << 2)), load<f32>(dyp + b), load<f32>(dwp + b)));
            }
          }
        }
      }
    }
  }
}
