// winograd kernels: the forward pass of a 3×3 convolution (stride 1, no dilation) by Winograd's
// minimal filtering F(2×2, 3×3) (Lavin & Gray, 2015): each 2×2 tile of outputs is computed from the
// 4×4 input patch under it with 16 multiplications per (input, output) channel pair instead of 36.
// conv_winograd_forward writes the convolution (any padding: patches at the border are copied with
// their zeros; a last odd row or column of outputs is stored from a whole tile); conv_pool_winograd
// fuses a 2×2 max pooling after an unpadded one (the pooling window is one tile) and gives the bits of
// conv_winograd_forward then pool_forward.
//   Y = Aᵀ [ U ⊙ V ] A,   U = G g Gᵀ (per kernel, packed once per call),   V = Bᵀ d B (per patch)
//   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 -1 -1].
// For each of the 16 positions ξ of the tile, U ⊙ V summed over the input channels is a small GEMM
// (windows × c)·(c × co), run on the same 4x8 register tile as gemm.ts over blocks of BW windows.
// The sums differ from im2col + GEMM's by rounding only (a few ulps of the terms' magnitude). Every
// tile is computed alone and in a fixed order, so the results are the same for any thread count,
// block split and runtime (relaxed build aside, as everywhere).
// Pointers are byte addresses; x is NHWC, the kernel (3, 3, c, co) as Keras; nothing is allocated:
// `scratch` (conv_winograd_scratch_bytes) is the calling thread's own.

import { D_C, D_CO, D_H, D_OH, D_OW, D_PL, D_PT, D_W, copy_f32, field, madd, pool_max, pool_train, zero_f32 } from './desc';

/** Windows per block: their transformed patches (V) stay in L1 while each U panel passes over them. */
const BW: i32 = 8;

/** Bytes of a thread's scratch: V (16 positions × BW tiles × c), M (16 × BW × 8), a border patch (16 × c). */
export function conv_winograd_scratch_bytes(c: i32): i32 {
  return (16 * BW * c + 16 * BW * 8 + 16 * c) << 2;
}

/**
 * The weights as conv_pool_winograd reads them, at dst (16-aligned): U = G g Gᵀ in panels of 8
 * output channels, panel-major then position ξ then input channel (8 floats each: 64·c·co bytes),
 * then the bias (co floats; zeros when bias = 0). co must be a multiple of 8, c of 4.
 */
export function conv_winograd_pack(dst: usize, w: usize, bias: usize, desc: usize): void {
  const C = field(desc, D_C), CO = field(desc, D_CO);
  const tap = <usize>C * CO << 2, half = f32x4.splat(0.5);
  for (let c = 0; c < C; c++) {
    for (let j = 0; j < CO; j += 4) {
      const g = w + ((<usize>c * CO + j) << 2);
      // Row transforms g(r, ·)Gᵀ for r = 0..2 (3 → 4 values), kept as h{r}{k}.
      let a = v128.load(g), b = v128.load(g + tap), e = v128.load(g + 2 * tap);
      const h00 = a, h01 = f32x4.mul(half, f32x4.add(f32x4.add(a, b), e)), h02 = f32x4.mul(half, f32x4.add(f32x4.sub(a, b), e)), h03 = e;
      a = v128.load(g + 3 * tap); b = v128.load(g + 4 * tap); e = v128.load(g + 5 * tap);
      const h10 = a, h11 = f32x4.mul(half, f32x4.add(f32x4.add(a, b), e)), h12 = f32x4.mul(half, f32x4.add(f32x4.sub(a, b), e)), h13 = e;
      a = v128.load(g + 6 * tap); b = v128.load(g + 7 * tap); e = v128.load(g + 8 * tap);
      const h20 = a, h21 = f32x4.mul(half, f32x4.add(f32x4.add(a, b), e)), h22 = f32x4.mul(half, f32x4.add(f32x4.sub(a, b), e)), h23 = e;
      // Then G on the columns: U(i, k) at position ξ = 4i + k.
      const p = dst + ((<usize>(j >> 3) * 16 * C + c) << 5) + (<usize>(j & 4) << 2), xi = <usize>C << 5;
      pack_column(p, xi, h00, h10, h20, half);
      pack_column(p + xi, xi, h01, h11, h21, half);
      pack_column(p + 2 * xi, xi, h02, h12, h22, half);
      pack_column(p + 3 * xi, xi, h03, h13, h23, half);
    }
  }
  const bp = dst + (<usize>C * CO << 6);
  for (let j = 0; j < CO; j += 4) {
    v128.store(bp + (<usize>j << 2), bias ? v128.load(bias + (<usize>j << 2)) : f32x4.splat(0));
  }
}

// Column k of U: (a, ½(a + b + e), ½(a − b + e), e) at positions k, 4 + k, 8 + k, 12 + k.
@inline function pack_column(p: usize, xi: usize, a: v128, b: v128, e: v128, half: v128): void {
  v128.store(p, a);
  v128.store(p + 4 * xi, f32x4.mul(half, f32x4.add(f32x4.add(a, b), e)));
  v128.store(p + 8 * xi, f32x4.mul(half, f32x4.add(f32x4.sub(a, b), e)));
  v128.store(p + 12 * xi, e);
}

/**
 * y(n, ⌊oh/2⌋, ⌊ow/2⌋, co) = 2×2 max pooling (stride 2) of conv3×3(x) + bias [relu: flags & 2]
 * for pooled rows [start, start + count) (pairs (image, pooled row)); `wp` from conv_winograd_pack.
 */
export function conv_pool_winograd(y: usize, x: usize, wp: usize, desc: usize, flags: i32, scratch: usize, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), CO = field(desc, D_CO);
  const PH = field(desc, D_OH) >> 1, PW = field(desc, D_OW) >> 1, relu = (flags & 2) != 0;
  const V = scratch, M = scratch + (<usize>(16 * BW * C) << 2), bias = wp + (<usize>C * CO << 6);
  const end = (start + count) * PW;
  // Windows are numbered over the rows: window t's output is y + t·co floats.
  for (let t = start * PW; t < end; t += BW) {
    const n = min(BW, end - t), rounded = (n + 3) & ~3;
    for (let w = 0; w < rounded; w++) {
      // Windows past the range repeat the last one (computed, never stored).
      const tw = t + min(w, n - 1), r = tw / PW, q = tw - r * PW, img = r / PH, ph = r - img * PH;
      const patch = x + ((<usize>img * H * W + <usize>(2 * ph) * W + <usize>(2 * q)) * C << 2);
      transform_patch(V + (<usize>w * C << 2), patch, <usize>W * C << 2, C);
    }
    for (let j = 0; j < CO; j += 8) {
      multiply_block(M, V, wp + (<usize>(j >> 3) * 16 * C << 5), C, rounded);
      for (let w = 0; w < n; w++) {
        const out = y + (<usize>((t + w) * CO + j) << 2), bj = bias + (<usize>j << 2);
        for (let h: usize = 0; h < 32; h += 16) finish(true, M + (<usize>w << 5) + h, bj + h, relu, out + h, 0, 0, false, false, 0, 0, 0);
      }
    }
  }
}

/**
 * y(n, oh, ow, co) = conv3×3(x) + bias [relu: flags & 2] for tile rows [start, start + count)
 * (pairs (image, tile row), ⌈oh/2⌉ per image; tile row i holds output rows 2i and 2i + 1), with the
 * descriptor's padding; `wp` from conv_winograd_pack. Training's fused 2×2 max pooling (py != 0,
 * no padding): each whole tile is also a pooling window, whose max and argmax (pool_forward's) go to
 * py(n, ⌊oh/2⌋, ⌊ow/2⌋, co) and idx.
 */
export function conv_winograd_forward(y: usize, x: usize, wp: usize, desc: usize, flags: i32, scratch: usize, py: usize, idx: usize, start: i32, count: i32): void {
  const H = field(desc, D_H), W = field(desc, D_W), C = field(desc, D_C), CO = field(desc, D_CO);
  const OH = field(desc, D_OH), OW = field(desc, D_OW), PT = field(desc, D_PT), PL = field(desc, D_PL);
  const TH = (OH + 1) >> 1, TW = (OW + 1) >> 1, relu = (flags & 2) != 0;
  const V = scratch, M = scratch + (<usize>(16 * BW * C) << 2), P = M + (<usize>(16 * BW * 8) << 2);
  const bias = wp + (<usize>C * CO << 6), px = <usize>C << 2, rs = <usize>W * px, cs = <usize>CO << 2;
  const end = (start + count) * TW;
  for (let t = start * TW; t < end; t += BW) {
    const n = min(BW, end - t), rounded = (n + 3) & ~3;
    for (let w = 0; w < rounded; w++) {
      const tw = t + min(w, n - 1), r = tw / TW, img = r / TH;
      const ih = 2 * (r - img * TH) - PT, iw = 2 * (tw - r * TW) - PL;
      const xi = x + (<usize>img * H * W * C << 2);
      if (ih >= 0 && iw >= 0 && ih + 4 <= H && iw + 4 <= W) {
        transform_patch(V + (<usize>w * C << 2), xi + <usize>ih * rs + <usize>iw * px, rs, C);
      } else {
        // A border patch: its pixels inside x, zeros elsewhere, as a 4×4 image of its own.
        for (let a = 0; a < 4; a++) {
          for (let b = 0; b < 4; b++) {
            const dst = P + (<usize>(a * 4 + b) * px), h = ih + a, v = iw + b;
            if (h >= 0 && h < H && v >= 0 && v < W) copy_f32(dst, xi + <usize>h * rs + <usize>v * px, C);
            else zero_f32(dst, C);
          }
        }
        transform_patch(V + (<usize>w * C << 2), P, 4 * px, C);
      }
    }
    for (let j = 0; j < CO; j += 8) {
      multiply_block(M, V, wp + (<usize>(j >> 3) * 16 * C << 5), C, rounded);
      for (let w = 0; w < n; w++) {
        const tw = t + w, r = tw / TW, img = r / TH, oy = 2 * (r - img * TH), ox = 2 * (tw - r * TW);
        const out = y + ((<usize>((img * OH + oy) * OW + ox) * CO + j) << 2), bj = bias + (<usize>j << 2);
        const r1 = oy + 1 < OH, c1 = ox + 1 < OW, e = (oy * OW + ox) * CO + j;
        // Training's pooling: a whole tile is window (oy/2, ox/2) of the pooled output.
        const pooled = py != 0 && r1 && c1;
        const o = pooled ? <usize>(((img * (OH >> 1) + (oy >> 1)) * (OW >> 1) + (ox >> 1)) * CO + j) << 2 : 0;
        for (let h: usize = 0; h < 32; h += 16) {
          finish(false, M + (<usize>w << 5) + h, bj + h, relu, out + h, <usize>OW * cs, cs, r1, c1, pooled ? py + o + h : 0, idx + o + h, e + <i32>(h >> 2));
        }
      }
    }
  }
}

// V(ξ, ·) = (Bᵀ d B)(ξ) of the 4×4 patch at `patch` (row stride `rs` bytes), 4 channels at a time,
// into v + ξ·BW·c floats. Column by column of Bᵀd, so that only 4 of its rows are live at once.
function transform_patch(v: usize, patch: usize, rs: usize, C: i32): void {
  const xi = <usize>(BW * C) << 2;
  for (let c = 0; c < C; c += 4) {
    const d = patch + (<usize>c << 2), o = v + (<usize>c << 2), px = <usize>C << 2;
    // e(r) = (d B)(r, s) for each column s: d(r, ·) combined as B's column s says.
    store_column(o, xi, col(d, px, 0), col(d + rs, px, 0), col(d + 2 * rs, px, 0), col(d + 3 * rs, px, 0));
    store_column(o + xi, xi, col(d, px, 1), col(d + rs, px, 1), col(d + 2 * rs, px, 1), col(d + 3 * rs, px, 1));
    store_column(o + 2 * xi, xi, col(d, px, 2), col(d + rs, px, 2), col(d + 2 * rs, px, 2), col(d + 3 * rs, px, 2));
    store_column(o + 3 * xi, xi, col(d, px, 3), col(d + rs, px, 3), col(d + 2 * rs, px, 3), col(d + 3 * rs, px, 3));
  }
}

// V(i, s) = (Bᵀ e)(i) for column s's e(0..3), at positions s, 4 + s, 8 + s, 12 + s.
@inline function store_column(o: usize, xi: usize, e0: v128, e1: v128, e2: v128, e3: v128): void {
  v128.store(o, f32x4.sub(e0, e2));
  v128.store(o + 4 * xi, f32x4.add(e1, e2));
  v128.store(o + 8 * xi, f32x4.sub(e2, e1));
  v128.store(o + 12 * xi, f32x4.sub(e1, e3));
}

// (d(r, ·) B)(s) for the patch row at p (pixel stride px bytes): B's columns are (1,0,-1,0),
// (0,1,1,0), (0,-1,1,0), (0,1,0,-1).
@inline function col(p: usize, px: usize, s: i32): v128 {
  if (s == 0) return f32x4.sub(v128.load(p), v128.load(p + 2 * px));
  if (s == 1) return f32x4.add(v128.load(p + px), v128.load(p + 2 * px));
  if (s == 2) return f32x4.sub(v128.load(p + 2 * px), v128.load(p + px));
  return f32x4.sub(v128.load(p + px), v128.load(p + 3 * px));
}

// M(ξ, ·, 8 channels) for the block's `rounded` tiles and all 16 positions, from the U panel at u.
function multiply_block(M: usize, V: usize, u: usize, C: i32, rounded: i32): void {
  for (let xi = 0; xi < 16; xi++) {
    for (let w = 0; w < rounded; w += 4) {
      tile(M + (<usize>(xi * BW + w) << 5), V + (<usize>((xi * BW + w) * C) << 2), u + (<usize>(xi * C) << 5), C);
    }
  }
}

// M(ξ, w..w+3, 8 channels) = Σ_c V(ξ, w + i, c)·U(ξ, c, ·): a 4x8 register tile, c in order.
@inline function tile(m: usize, v: usize, u: usize, C: i32): void {
  const z = f32x4.splat(0), d1 = <usize>C << 2, d2 = d1 << 1, d3 = d1 + d2;
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  for (const e = u + (<usize>C << 5); u < e; u += 32, v += 4) {
    const b0 = v128.load(u), b1 = v128.load(u, 16);
    let a = v128.load32_splat(v);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(v + d1);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(v + d2);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(v + d3);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
  }
  v128.store(m, c00); v128.store(m, c01, 16);
  v128.store(m, c10, 32); v128.store(m, c11, 48);
  v128.store(m, c20, 64); v128.store(m, c21, 80);
  v128.store(m, c30, 96); v128.store(m, c31, 112);
}

// A tile's 2×2 outputs Aᵀ M A for 4 channels (M(ξ) at m + ξ·BW·8 floats), each + bias and relu
// (gemm's store_vec); then POOL: their max in pool_forward's order, at out; else each stored at
// out (+ cs for the second column, + rs for the second row) where it exists (c1, r1), and with po
// (training's pooling, a whole tile) pool_train's max and argmax (element offset e) at po and pidx.
@inline function finish(POOL: bool, m: usize, bias: usize, relu: bool, out: usize, rs: usize, cs: usize, r1: bool, c1: bool, po: usize, pidx: usize, e: i32): void {
  const xi = <usize>(BW * 8) << 2;
  // Per row i of M: s0 = M(i,0) + M(i,1) + M(i,2), s1 = M(i,1) − M(i,2) − M(i,3).
  let a = v128.load(m), b = v128.load(m + xi), c = v128.load(m + 2 * xi), d = v128.load(m + 3 * xi);
  const s00 = f32x4.add(f32x4.add(a, b), c), s01 = f32x4.sub(f32x4.sub(b, c), d);
  a = v128.load(m + 4 * xi); b = v128.load(m + 5 * xi); c = v128.load(m + 6 * xi); d = v128.load(m + 7 * xi);
  const s10 = f32x4.add(f32x4.add(a, b), c), s11 = f32x4.sub(f32x4.sub(b, c), d);
  a = v128.load(m + 8 * xi); b = v128.load(m + 9 * xi); c = v128.load(m + 10 * xi); d = v128.load(m + 11 * xi);
  const s20 = f32x4.add(f32x4.add(a, b), c), s21 = f32x4.sub(f32x4.sub(b, c), d);
  a = v128.load(m + 12 * xi); b = v128.load(m + 13 * xi); c = v128.load(m + 14 * xi); d = v128.load(m + 15 * xi);
  const s30 = f32x4.add(f32x4.add(a, b), c), s31 = f32x4.sub(f32x4.sub(b, c), d);
  const y00 = f32x4.add(f32x4.add(s00, s10), s20), y01 = f32x4.add(f32x4.add(s01, s11), s21);
  const y10 = f32x4.sub(f32x4.sub(s10, s20), s30), y11 = f32x4.sub(f32x4.sub(s11, s21), s31);
  if (POOL) {
    v128.store(out, pool_max(y00, y01, y10, y11, bias, relu));
  } else if (po) {
    v128.store(out, y00); v128.store(out + cs, y01); v128.store(out + rs, y10); v128.store(out + rs + cs, y11);
    pool_train(out, cs, rs, bias, relu, po, pidx, e, <i32>(cs >> 2), <i32>(rs >> 2));
  } else {
    const bv = v128.load(bias);
    v128.store(out, epilogue(y00, bv, relu));
    if (c1) v128.store(out + cs, epilogue(y01, bv, relu));
    if (r1) {
      v128.store(out + rs, epilogue(y10, bv, relu));
      if (c1) v128.store(out + rs + cs, epilogue(y11, bv, relu));
    }
  }
}

// + bias, then relu: pool_max's order for one pixel.
@inline function epilogue(v: v128, bias: v128, relu: bool): v128 {
  v = f32x4.add(v, bias);
  return relu ? f32x4.max(v, f32x4.splat(0)) : v;
}
