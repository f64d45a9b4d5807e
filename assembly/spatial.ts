// spatial kernels: nearest-neighbour upsampling and zero padding, NHWC, forward and backward;
// geometry from a descriptor (desc.ts). Upsampling uses (kh, kw) as the row and column factors:
// oh = h·kh, ow = w·kw. Zero padding uses (pt, pl) before and oh, ow for the padded size.
// Forward kernels take rows (image, output row), backward ones rows (image, input row); each
// element is written by one call, so threads split them freely. Outputs are WRITTEN.
import { D_C, D_H, D_KH, D_KW, D_OH, D_OW, D_PL, D_PT, D_W, copy_f32, field, zero_f32 } from './desc';

/** y(n, h·kh, w·kw, c): y[i, j] = x[i / kh, j / kw], output rows [start, start + count). */
export function upsample_forward(y: usize, x: usize, desc: usize, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), OH = field(desc, D_OH), OW = field(desc, D_OW);
  const KH = field(desc, D_KH), KW = field(desc, D_KW);
  const cBytes = <usize>C << 2;
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
