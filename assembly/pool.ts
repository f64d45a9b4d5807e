// pool kernels: max and average pooling, NHWC, forward and backward; geometry from a descriptor
// (desc.ts: window kh × kw, strides, padding before; c = co). 1-D pooling is h = 1; global pooling
// is the window of the whole input (kh = h, kw = w, valid, one output pixel).
//   max forward   y = max over the window's cells inside the input (the first maximum in (ki, kj)
//                 order wins), idx(n, oh, ow, c) = its element offset within the image, (ih·w + iw)·c + ci
//                 (-1, and y = -∞, when no cell exceeds -∞: such an output passes no gradient)
//   max backward  dx = 0, then dx[idx] += dy for every output in order
//   avg forward   y = (Σ of the cells inside the input, in (ki, kj) order) / their count (Keras: 'same'
//                 padding divides by the count of valid cells, not the window size)
//   avg backward  dx = 0, then every valid cell of each window += dy / count, outputs in order
// pool_forward does both kinds and takes rows (image, output row); the backward kernels take whole images (windows of
// neighbouring rows overlap: an image is written by one call). Outputs are WRITTEN.
import { D_C, D_DH, D_DW, D_H, D_KH, D_KW, D_OH, D_OW, D_PL, D_PT, D_SH, D_SW, D_W, field, zero_f32 } from './desc';

/** Cells of window (o, j) inside the input. */
function valid_count(desc: usize, o: i32, j: i32): i32 {
  const H = field(desc, D_H), W = field(desc, D_W), KH = field(desc, D_KH), KW = field(desc, D_KW);
  const SH = field(desc, D_SH), SW = field(desc, D_SW), DH = field(desc, D_DH), DW = field(desc, D_DW);
  const PT = field(desc, D_PT), PL = field(desc, D_PL);
  let rows = 0, cols = 0;
  for (let ki = 0; ki < KH; ki++) {
    const ih = o * SH - PT + ki * DH;
    if (ih >= 0 && ih < H) rows++;
  }
  for (let kj = 0; kj < KW; kj++) {
    const iw = j * SW - PL + kj * DW;
    if (iw >= 0 && iw < W) cols++;
  }
  return rows * cols;
}

/**
 * Pooling forward for output rows [start, start + count): max when avg = 0 (with idx), else the
 * average over the valid cells (idx unused). One kernel for both keeps the module small.
 */
export function pool_forward(y: usize, idx: usize, x: usize, desc: usize, avg: i32, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), OH = field(desc, D_OH), OW = field(desc, D_OW);
  const KH = field(desc, D_KH), KW = field(desc, D_KW), SH = field(desc, D_SH), SW = field(desc, D_SW);
  const DH = field(desc, D_DH), DW = field(desc, D_DW), PT = field(desc, D_PT), PL = field(desc, D_PL);
  const vec = C & ~3;
  const lanes = i32x4(0, 1, 2, 3);
  for (let r = start; r < start + count; r++) {
    const img = r / OH, o = r - img * OH;
    const xi = x + (<usize>img * H * W * C << 2);
    for (let j = 0; j < OW; j++) {
      const out = <usize>(r * OW + j) * C << 2;
      const ih0 = o * SH - PT, iw0 = j * SW - PL;
      if (!avg && vec == C && ih0 >= 0 && iw0 >= 0 && ih0 + (KH - 1) * DH < H && iw0 + (KW - 1) * DW < W) {
        max_inside(y + out, idx + out, xi, (ih0 * W + iw0) * C, C, KH, KW, DH * W * C, DW * C);
        continue;
      }
      const n = avg ? <f32>valid_count(desc, o, j) : 1;
      for (let c = 0; c < C; c += c < vec ? 4 : 1) {
        const wide = c < vec;
        let best = f32x4.splat(avg ? 0 : -Infinity), at = i32x4.splat(-1);
        for (let ki = 0; ki < KH; ki++) {
          const ih = o * SH - PT + ki * DH;
          if (ih < 0 || ih >= H) continue;
          for (let kj = 0; kj < KW; kj++) {
            const iw = j * SW - PL + kj * DW;
            if (iw < 0 || iw >= W) continue;
            const e = (ih * W + iw) * C + c;
            const p = xi + (<usize>e << 2);
            const v = wide ? v128.load(p) : f32x4.splat(load<f32>(p));
            if (avg) {
              best = f32x4.add(best, v);
            } else {
              const gt = f32x4.gt(v, best);
              best = v128.bitselect(v, best, gt);
              at = v128.bitselect(i32x4.add(i32x4.splat(e), lanes), at, gt);
            }
          }
        }
        if (avg) best = f32x4.div(best, f32x4.splat(n));
        const q = out + (<usize>c << 2);
        if (wide) {
          v128.store(y + q, best);
          if (!avg) v128.store(idx + q, at);
        } else {
          store<f32>(y + q, f32x4.extract_lane(best, 0));
          if (!avg) store<i32>(idx + q, i32x4.extract_lane(at, 0));
        }
      }
    }
  }
}

// Max pooling of a window wholly inside the image, c a multiple of 4: the general loop's compares in
// the same (ki, kj) order, without its bounds checks. e0 is the window's first element in the image,
// dr and dc the element steps between its rows and columns.
@inline function max_inside(y: usize, idx: usize, xi: usize, e0: i32, C: i32, KH: i32, KW: i32, dr: i32, dc: i32): void {
  const lanes = i32x4(0, 1, 2, 3);
  for (let c = 0; c < C; c += 4) {
    let best = f32x4.splat(-Infinity), at = i32x4.splat(-1);
    for (let ki = 0, er = e0 + c; ki < KH; ki++, er += dr) {
      for (let kj = 0, e = er; kj < KW; kj++, e += dc) {
        const v = v128.load(xi + (<usize>e << 2));
        const gt = f32x4.gt(v, best);
        best = v128.bitselect(v, best, gt);
        at = v128.bitselect(i32x4.add(i32x4.splat(e), lanes), at, gt);
      }
    }
    v128.store(y + (<usize>c << 2), best);
    v128.store(idx + (<usize>c << 2), at);
  }
}

/** Max pooling backward for images [start, start + count). */
export function maxpool_backward(dx: usize, dy: usize, idx: usize, desc: usize, start: i32, count: i32): void {
  const imgIn = field(desc, D_H) * field(desc, D_W) * field(desc, D_C);
  const imgOut = field(desc, D_OH) * field(desc, D_OW) * field(desc, D_C);
  for (let img = start; img < start + count; img++) {
    const dxi = dx + (<usize>img * imgIn << 2);
    zero_f32(dxi, imgIn);
    const o0 = <usize>img * imgOut << 2;
    for (let i = 0; i < imgOut; i++) {
      const o = o0 + (<usize>i << 2);
      const e = load<i32>(idx + o);
      if (e < 0) continue;
      const p = dxi + (<usize>e << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dy + o));
    }
  }
}

/** Average pooling backward for images [start, start + count). */
export function avgpool_backward(dx: usize, dy: usize, desc: usize, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), OH = field(desc, D_OH), OW = field(desc, D_OW);
  const KH = field(desc, D_KH), KW = field(desc, D_KW), SH = field(desc, D_SH), SW = field(desc, D_SW);
  const DH = field(desc, D_DH), DW = field(desc, D_DW), PT = field(desc, D_PT), PL = field(desc, D_PL);
  const vec = C & ~3;
  for (let img = start; img < start + count; img++) {
    const dxi = dx + (<usize>img * H * W * C << 2);
    zero_f32(dxi, H * W * C);
    for (let o = 0; o < OH; o++) {
      for (let j = 0; j < OW; j++) {
        const dyp = dy + (<usize>((img * OH + o) * OW + j) * C << 2);
        const n = <f32>valid_count(desc, o, j);
        for (let ki = 0; ki < KH; ki++) {
          const ih = o * SH - PT + ki * DH;
          if (ih < 0 || ih >= H) continue;
          for (let kj = 0; kj < KW; kj++) {
            const iw = j * SW - PL + kj * DW;
            if (iw < 0 || iw >= W) continue;
            const p = dxi + (<usize>(ih * W + iw) * C << 2);
            let c = 0;
            for (; c < vec; c += 4) {
              const b = <usize>c << 2;
              v128.store(p + b, f32x4.add(v128.load(p + b), f32x4.div(v128.load(dyp + b), f32x4.splat(n))));
            }
            for (; c < C; c++) {
              const b = <usize>c << 2;
              store<f32>(p + b, load<f32>(p + b) + load<f32>(dyp + b) / n);
            }
          }
        }
      }
    }
  }
}
