// spatial kernels: upsampling (nearest or bilinear) and zero padding, NHWC, forward and backward;
// geometry from a descriptor (desc.ts). Upsampling uses (kh, kw) as the row and column factors:
// oh = h·kh, ow = w·kw, and dm = 2 for bilinear. Zero padding uses (pt, pl) before and oh, ow for
// the padded size.
//
// Bilinear is Keras 3's (tf.image.resize, half-pixel centres): output row o reads input rows lo and
// hi with weight f on hi, t = (o + 0.5)·(1/kh) − 0.5 in f32, lo = max(⌊t⌋, 0), hi = min(⌈t⌉, h − 1),
// f = t − ⌊t⌋ (columns alike); y = top + (bottom − top)·fy with top = a + (b − a)·fx, as TF.
// Forward kernels take rows (image, output row), backward ones rows (image, input row); each
// element is written by one call, so threads split them freely. Outputs are WRITTEN.
import { D_C, D_DM, D_H, D_KH, D_KW, D_OH, D_OW, D_PL, D_PT, D_W, copy_f32, field, zero_f32 } from './desc';

/** y(n, h·kh, w·kw, c): y[i, j] = x[i / kh, j / kw], output rows [start, start + count). */
export function upsample_forward(y: usize, x: usize, desc: usize, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), OH = field(desc, D_OH), OW = field(desc, D_OW);
  const KH = field(desc, D_KH), KW = field(desc, D_KW);
  const cBytes = <usize>C << 2;
  if (field(desc, D_DM) == 2) {
    bilinear_forward(y, x, H, W, C, OH, OW, KH, KW, start, count);
    return;
  }
  for (let r = start; r < start + count; r++) {
    const img = r / OH, o = r - img * OH;
    const xr = x + (<usize>(img * H + o / KH) * W * C << 2);
    let yp = y + (<usize>r * OW * C << 2);
    for (let j = 0; j < OW; j++, yp += cBytes) copy_f32(yp, xr + <usize>(j / KW) * cBytes, C);
  }
}

/** dx(n, h, w, c) = Σ_(a < kh, b < kw) dy[i·kh + a, j·kw + b] in (a, b) order, input rows [start, start + count). */
export function upsample_backward(dx: usize, dy: usize, desc: usize, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), OW = field(desc, D_OW);
  const KH = field(desc, D_KH), KW = field(desc, D_KW);
  if (field(desc, D_DM) == 2) {
    bilinear_backward(dx, dy, H, W, C, OW, KH, KW, start, count);
    return;
  }
  const vec = C & ~3;
  for (let r = start; r < start + count; r++) {
    const img = r / H, i = r - img * H;
    for (let j = 0; j < W; j++) {
      const dxp = dx + (<usize>(r * W + j) * C << 2);
      let c = 0;
      for (; c < vec; c += 4) {
        let s = f32x4.splat(0);
        for (let a = 0; a < KH; a++) {
          const row = dy + (<usize>((img * H * KH + i * KH + a) * OW + j * KW) * C << 2);
          for (let b = 0; b < KW; b++) s = f32x4.add(s, v128.load(row + (<usize>(b * C + c) << 2)));
        }
        v128.store(dxp + (<usize>c << 2), s);
      }
      for (; c < C; c++) {
        let s: f32 = 0;
        for (let a = 0; a < KH; a++) {
          const row = dy + (<usize>((img * H * KH + i * KH + a) * OW + j * KW) * C << 2);
          for (let b = 0; b < KW; b++) s += load<f32>(row + (<usize>(b * C + c) << 2));
        }
        store<f32>(dxp + (<usize>c << 2), s);
      }
    }
  }
}

// The source of output index o for factor k over n inputs: lo | hi << 16 and the weight f of hi.
let srcHi: i32 = 0, srcF: f32 = 0;
@inline function source(o: i32, k: i32, n: i32): i32 {
  const t = (<f32>o + 0.5) * (<f32>1 / <f32>k) - 0.5, fl = Mathf.floor(t);
  srcF = t - fl;
  srcHi = min(<i32>Mathf.ceil(t), n - 1);
  return max(<i32>fl, 0);
}

function bilinear_forward(y: usize, x: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32, start: i32, count: i32): void {
  for (let r = start; r < start + count; r++) {
    const img = r / OH;
    const lo = source(r - img * OH, KH, H), hi = srcHi, fy = srcF;
    const top = x + (<usize>(img * H + lo) * W * C << 2), bot = x + (<usize>(img * H + hi) * W * C << 2);
    let yp = y + (<usize>r * OW * C << 2);
    for (let j = 0; j < OW; j++) {
      const l = <usize>(source(j, KW, W) * C) << 2, h = <usize>(srcHi * C) << 2, fx = srcF;
      for (let c = 0; c < C; c++, yp += 4) {
        const o = <usize>c << 2;
        const a = load<f32>(top + l + o), t = a + (load<f32>(top + h + o) - a) * fx;
        const b = load<f32>(bot + l + o), u = b + (load<f32>(bot + h + o) - b) * fx;
        store<f32>(yp, t + (u - t) * fy);
      }
    }
  }
}

/** dx row (img, i) = Σ over the output rows that read input row i of their weights times dy, in output order. */
function bilinear_backward(dx: usize, dy: usize, H: i32, W: i32, C: i32, OW: i32, KH: i32, KW: i32, start: i32, count: i32): void {
  for (let r = start; r < start + count; r++) {
    const img = r / H, i = r - img * H;
    const dxr = dx + (<usize>r * W * C << 2);
    zero_f32(dxr, W * C);
    // Output rows o with t in (i − 1, i + 1]: o < (i + 2)·kh.
    for (let o = max(0, (i - 1) * KH); o < min(H, i + 2) * KH; o++) {
      const lo = source(o, KH, H), fy = srcF;
      const wy: f32 = lo == i ? (srcHi == i ? 1 : 1 - fy) : srcHi == i ? fy : 0;
      if (wy == 0) continue;
      let dp = dy + (<usize>((img * H * KH + o) * OW) * C << 2);
      for (let j = 0; j < OW; j++) {
        const l = dxr + (<usize>(source(j, KW, W) * C) << 2), h = dxr + (<usize>(srcHi * C) << 2), fx = srcF;
        for (let c = 0; c < C; c++, dp += 4) {
          const o4 = <usize>c << 2, g = load<f32>(dp) * wy;
          store<f32>(l + o4, load<f32>(l + o4) + g * (1 - fx));
          store<f32>(h + o4, load<f32>(h + o4) + g * fx);
        }
      }
    }
  }
}

/** y(n, oh, ow, c) = x shifted by (pt, pl), zeros around it; output rows [start, start + count). */
export function zeropad_forward(y: usize, x: usize, desc: usize, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), OH = field(desc, D_OH), OW = field(desc, D_OW);
  const PT = field(desc, D_PT), PL = field(desc, D_PL);
  for (let r = start; r < start + count; r++) {
    const img = r / OH, o = r - img * OH;
    const yr = y + (<usize>r * OW * C << 2);
    const ih = o - PT;
    if (ih < 0 || ih >= H) {
      zero_f32(yr, OW * C);
      continue;
    }
    zero_f32(yr, PL * C);
    copy_f32(yr + (<usize>PL * C << 2), x + (<usize>(img * H + ih) * W * C << 2), W * C);
    zero_f32(yr + (<usize>(PL + W) * C << 2), (OW - PL - W) * C);
  }
}

/** dx(n, h, w, c) = dy at the shifted position; input rows [start, start + count). */
export function zeropad_backward(dx: usize, dy: usize, desc: usize, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), OH = field(desc, D_OH), OW = field(desc, D_OW);
  const PT = field(desc, D_PT), PL = field(desc, D_PL);
  for (let r = start; r < start + count; r++) {
    const img = r / H, i = r - img * H;
    copy_f32(dx + (<usize>r * W * C << 2), dy + (<usize>(((img * OH + i + PT) * OW) + PL) * C << 2), W * C);
  }
}
