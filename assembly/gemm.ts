// gemm kernels: C(m,n) = op(A)·op(B) in the three layouts a dense layer needs.
//   gemm_nn  C = A·B     A (m,k), B (k,n)   forward Z = X·W (+ bias, relu fused)
//   gemm_nt  C = A·Bᵀ    A (m,k), B (n,k)   input gradient dX = dY·Wᵀ
//   gemm_tn  C = Aᵀ·B    A (k,m), B (k,n)   weight gradient dW = Xᵀ·dY
// Conventions: f32, row-major; pointers are byte addresses, sizes and leading dimensions (ldc, lda,
// ldb ≥ the row width) are element counts; no alignment needed. flags: 1 = accumulate (C += …),
// 2 = relu applied last (nn only); bias = 0 means none. `pack` is scratch of gemm_pack_bytes(m, n, k)
// bytes (one per thread); C must not overlap A, B or pack. Nothing is allocated.
// Splitting work (threads): rows [i0, i1) are the call with m = i1 - i0, c + 4·i0·ldc and a + 4·i0·lda
// (tn: a + 4·i0); columns [j0, j1) are n = j1 - j0, c + 4·j0, bias + 4·j0 and b + 4·j0 (nt: b + 4·j0·ldb).
//
// Method (GotoBLAS/XNNPACK): per column block of NC and k-block of KC, B is packed into panels of 8
// columns (8 floats per k step; the n % 8 tail as 4-wide panels, zero-padded) and op(A), MC rows at a
// time, into 4-row interleaved panels; a 4x8 register tile (8 f32x4 accumulators, mul then add; see Builds) runs
// each B panel, held in L1, against all the A panels, with 1..3-row and 4-column tiles for the edges.
// For m ≤ 16 (small batches, batch-1 inference) B is read in place rather than packed, and a single
// row runs a 1x16 tile.
//
// Determinism: every C element is computed the same way whatever m, n, ldc or sub-range of rows or
// columns a call covers: per k-block of KC, acc = ((0 + a0·b0) + a1·b1) + … (mul then add, no FMA),
// then C = acc for the first block (C + acc when accumulating) and C + acc for the next ones, then
// + bias, then relu. Tiles, tails and the in-place path all follow this order, so splitting rows or
// columns across calls (threads) gives bit-identical results.
//
// Builds (asconfig targets): the baseline is the reference above. The relaxed-SIMD build
// (ASC_FEATURE_RELAXED_SIMD) computes acc + a·b with f32x4.relaxed_madd, a fused multiply-add where
// the hardware has one: ≈ +15 % on x64, other bits, so it is excluded from the determinism promise.
// Variants (gemm_variant, per instance, chosen by the engine at start-up): 0 splats each A value
// from memory (v128.load32_splat: best where memory accesses are free, V8 in Node and Chromium);
// 1 loads the 4 interleaved A values of a k step as one vector and splats lanes from registers
// (3 memory accesses per k step instead of 6: in Deno, which bounds-checks every access, 30 → 38
// GFLOP/s on the MLP's shapes; in Node 42 → 39; bench/gemm.mjs with DENDRITE_VARIANT). Same bits.

/** k-block: fixed, because it fixes the summation order (part of the result). */
const KC: i32 = 256;
/** Column block: a KC x NC packed B block (512 KiB) stays in L2. */
const NC: i32 = 512;
/** Row block: a MC x KC packed A block (128 KiB) stays in L2 while each B panel sits in L1. */
const MC: i32 = 128;

// Store modes of a tile.
const ADD: i32 = 1; // C + acc (else acc)
const BIAS: i32 = 2; // + bias[j]
const RELU: i32 = 4; // max(·, 0)

/** Tile variant, see the header: 0 splat A from memory, 1 load A as one vector. */
let aVector = false;

/** Choose the tile variant of this instance (0 or 1, see the header); results are the same bits. */
export function gemm_variant(v: i32): void {
  aVector = v != 0;
}

/** Bytes of `pack` scratch that gemm_nn / gemm_nt / gemm_tn need for C(m,n) with inner size k (any m). */
export function gemm_pack_bytes(m: i32, n: i32, k: i32): i32 {
  const kc = min(max(k, 0), KC);
  const bBytes = kc * ((min(max(n, 0), NC) + 3) & ~3) * 4;
  return (bBytes + kc * MC * 4 + 63) & ~63;
}

/** C(m,n) = A(m,k)·B(k,n) [+ bias(n) if bias != 0]; flags & 1 accumulate into C, flags & 2 relu last. */
export function gemm_nn(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, ldc: i32, lda: i32, ldb: i32, flags: i32, pack: usize): void {
  gemm(0, c, a, b, bias, m, n, k, ldc, lda, ldb, flags, pack);
}

/** C(m,n) = A(m,k)·B(n,k)ᵀ; flags & 1 accumulate into C. */
export function gemm_nt(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, ldc: i32, lda: i32, ldb: i32, flags: i32, pack: usize): void {
  gemm(1, c, a, b, 0, m, n, k, ldc, lda, ldb, flags & 1, pack);
}

/** C(m,n) = A(k,m)ᵀ·B(k,n); flags & 1 accumulate into C. */
export function gemm_tn(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, ldc: i32, lda: i32, ldb: i32, flags: i32, pack: usize): void {
  gemm(2, c, a, b, 0, m, n, k, ldc, lda, ldb, flags & 1, pack);
}

// layout: 0 nn, 1 nt, 2 tn.
function gemm(layout: i32, c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, ldc: i32, lda: i32, ldb: i32, flags: i32, pack: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k < 0) k = 0;
  const ldcB = <usize>ldc << 2, ldaB = <usize>lda << 2, ldbB = <usize>ldb << 2;
  // Small m (≤ 16: small batches, batch-1 inference): B is read in place, as packing it would cost
  // about as much as the few row tiles that reuse it (nt's B is always packed: it needs transposing).
  const direct = layout != 1 && m <= 16;
  const ap = pack + <usize>(min(k, KC) * ((min(n, NC) + 3) & ~3) * 4); // A block after the B block
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    let pc = 0;
    do {
      const kc = min(KC, k - pc);
      let mode = pc > 0 || (flags & 1) ? ADD : 0;
      if (pc + kc >= k) mode |= (bias ? BIAS : 0) | (flags & 2 ? RELU : 0);
      // B block (kc, nc): panel of column j at bcol + j·bscale, step8/step4 bytes per k; the n % 4 tail at tailp.
      let bcol: usize, bscale: usize, step8: usize, step4: usize;
      const tail = nc & ~3;
      if (direct) {
        bcol = b + ((<usize>pc * ldb + jc) << 2);
        bscale = 4;
        step8 = step4 = ldbB;
        if (tail < nc) pack_n(pack, 16, bcol + (<usize>tail << 2), ldbB, nc - tail, kc);
      } else {
        if (layout == 1) pack_b_t(pack, b + ((<usize>jc * ldb + pc) << 2), ldbB, nc, kc);
        else pack_b_n(pack, b + ((<usize>pc * ldb + jc) << 2), ldbB, nc, kc);
        bcol = pack;
        bscale = <usize>kc << 2;
        step8 = 32;
        step4 = 16;
      }
      const tailp = direct ? pack : pack + <usize>tail * bscale;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        const cb = c + ((<usize>ic * ldc + jc) << 2), bb = bias + (<usize>jc << 2);
        let j = 0;
        if (mc == 1 && direct) {
          // One row (batch-1 inference): 16-column strips read op(A)'s row in place (no packing).
          const arow = layout == 2 ? a + ((<usize>pc * lda + ic) << 2) : a + ((<usize>ic * lda + pc) << 2);
          const astep: usize = layout == 2 ? ldaB : 4;
          for (; j + 16 <= nc; j += 16) {
            const o = <usize>j << 2;
            tile_1x16(cb + o, arow, astep, bcol + o, ldbB, kc, bb + o, mode);
          }
          if (j == nc) continue;
        }
        // A block (mc, kc) → 4-row panels of 16·kc bytes.
        for (let i = 0; i < mc; i += 4) {
          const dst = ap + (<usize>i * kc << 2), rows = min(4, mc - i);
          if (layout == 2) pack_n(dst, 16, a + ((<usize>pc * lda + ic + i) << 2), ldaB, rows, kc);
          else pack_t(dst, 16, a + ((<usize>(ic + i) * lda + pc) << 2), ldaB, rows, kc);
        }
        // Each B panel stays in L1 while the A panels stream past it.
        for (; j + 8 <= nc; j += 8) {
          const o = <usize>j << 2;
          cols_8(cb + o, ldcB, ap, mc, kc, bcol + <usize>j * bscale, step8, bb + o, mode);
        }
        if (nc - j >= 4) {
          const o = <usize>j << 2;
          cols_4(cb + o, ldcB, ap, mc, kc, bcol + <usize>j * bscale, step4, bb + o, 4, mode);
          j += 4;
        }
        if (j < nc) cols_4(cb + (<usize>j << 2), ldcB, ap, mc, kc, tailp, 16, bb + (<usize>j << 2), nc - j, mode);
      }
      pc += kc;
    } while (pc < k);
  }
}

// ---- packing -------------------------------------------------------------------------------

/** B (k,n) block → panels of 8 columns (32 bytes per k), the rest as 4-wide panels, zero-padded. */
function pack_b_n(dst: usize, src: usize, ld: usize, nc: i32, kc: i32): void {
  let j = 0;
  for (; j + 8 <= nc; j += 8) pack_n(dst + (<usize>j * kc << 2), 32, src + (<usize>j << 2), ld, 8, kc);
  for (; j < nc; j += 4) pack_n(dst + (<usize>j * kc << 2), 16, src + (<usize>j << 2), ld, min(4, nc - j), kc);
}

/** B (n,k) block, read as Bᵀ → the same panels as pack_b_n. */
function pack_b_t(dst: usize, src: usize, ld: usize, nc: i32, kc: i32): void {
  let j = 0;
  for (; j + 8 <= nc; j += 8) {
    const d = dst + (<usize>j * kc << 2), s = src + <usize>j * ld;
    pack_t(d, 32, s, ld, 4, kc);
    pack_t(d + 16, 32, s + (ld << 2), ld, 4, kc);
  }
  for (; j < nc; j += 4) pack_t(dst + (<usize>j * kc << 2), 16, src + <usize>j * ld, ld, min(4, nc - j), kc);
}

/** dst[p·dstStride + c] = src[p·ld + c] for cols = 8 or 4 columns, or 1..3 columns zero-padded to 4. */
function pack_n(dst: usize, dstStride: usize, src: usize, ld: usize, cols: i32, kc: i32): void {
  if (cols == 8) {
    for (let p = 0; p < kc; p++, dst += dstStride, src += ld) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
    }
  } else if (cols == 4) {
    for (let p = 0; p < kc; p++, dst += dstStride, src += ld) v128.store(dst, v128.load(src));
  } else {
    for (let p = 0; p < kc; p++, dst += dstStride, src += ld) {
      store<f32>(dst, load<f32>(src));
      store<f32>(dst, cols > 1 ? load<f32>(src, 4) : 0, 4);
      store<f32>(dst, cols > 2 ? load<f32>(src, 8) : 0, 8);
      store<f32>(dst, 0, 12);
    }
  }
}

/** dst[p·dstStride + r] = src[r·ld + p] for rows = 4, or 1..3 rows zero-padded to 4 (a transpose). */
function pack_t(dst: usize, dstStride: usize, src: usize, ld: usize, rows: i32, kc: i32): void {
  let p = 0;
  if (rows == 4) {
    const s1 = src + ld, s2 = s1 + ld, s3 = s2 + ld, step = dstStride << 2;
    for (; p + 4 <= kc; p += 4, dst += step) {
      const o = <usize>p << 2;
      const r0 = v128.load(src + o), r1 = v128.load(s1 + o), r2 = v128.load(s2 + o), r3 = v128.load(s3 + o);
      const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5), t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
      v128.store(dst, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
      v128.store(dst + dstStride, f32x4.shuffle(t0, t2, 2, 3, 6, 7));
      v128.store(dst + (dstStride << 1), f32x4.shuffle(t1, t3, 0, 1, 4, 5));
      v128.store(dst + dstStride * 3, f32x4.shuffle(t1, t3, 2, 3, 6, 7));
    }
  }
  for (; p < kc; p++, dst += dstStride) {
    const s = src + (<usize>p << 2);
    store<f32>(dst, load<f32>(s));
    store<f32>(dst, rows > 1 ? load<f32>(s + ld) : 0, 4);
    store<f32>(dst, rows > 2 ? load<f32>(s + (ld << 1)) : 0, 8);
    store<f32>(dst, rows > 3 ? load<f32>(s + ld * 3) : 0, 12);
  }
}

// ---- tiles ---------------------------------------------------------------------------------

// One B panel (8 columns, or 4 of which nr are stored) against the mc rows of the packed A block.
function cols_8(c: usize, ldc: usize, ap: usize, mc: i32, kc: i32, bp: usize, bstep: usize, bias: usize, mode: i32): void {
  const apStep = <usize>kc << 4, cStep = ldc << 2;
  let i = 0;
  if (aVector) {
    for (; i + 4 <= mc; i += 4, ap += apStep, c += cStep) tile_av(4, 8, c, ldc, ap, bp, bstep, kc, bias, 8, mode);
  } else {
    for (; i + 4 <= mc; i += 4, ap += apStep, c += cStep) tile(4, 8, c, ldc, ap, bp, bstep, kc, bias, 8, mode);
  }
  const mr = mc - i;
  if (mr == 3) tile(3, 8, c, ldc, ap, bp, bstep, kc, bias, 8, mode);
  else if (mr == 2) tile(2, 8, c, ldc, ap, bp, bstep, kc, bias, 8, mode);
  else if (mr == 1) tile(1, 8, c, ldc, ap, bp, bstep, kc, bias, 8, mode);
}

function cols_4(c: usize, ldc: usize, ap: usize, mc: i32, kc: i32, bp: usize, bstep: usize, bias: usize, nr: i32, mode: i32): void {
  const apStep = <usize>kc << 4, cStep = ldc << 2;
  let i = 0;
  for (; i + 4 <= mc; i += 4, ap += apStep, c += cStep) tile(4, 4, c, ldc, ap, bp, bstep, kc, bias, nr, mode);
  const mr = mc - i;
  if (mr == 3) tile(3, 4, c, ldc, ap, bp, bstep, kc, bias, nr, mode);
  else if (mr == 2) tile(2, 4, c, ldc, ap, bp, bstep, kc, bias, nr, mode);
  else if (mr == 1) tile(1, 4, c, ldc, ap, bp, bstep, kc, bias, nr, mode);
}

// The MR x NR register tile (MR ≤ 4 rows, NR = 8 or 4 columns of which nr are stored).
@inline function tile(MR: i32, NR: i32, c: usize, ldc: usize, ap: usize, bp: usize, bstep: usize, kc: i32, bias: usize, nr: i32, mode: i32): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  for (const end = ap + (<usize>kc << 4); ap < end; ap += 16, bp += bstep) {
    const b0 = v128.load(bp);
    const b1 = NR > 4 ? v128.load(bp, 16) : z;
    let av = v128.load32_splat(ap);
    c00 = madd(av, b0, c00);
    if (NR > 4) c01 = madd(av, b1, c01);
    if (MR > 1) {
      av = v128.load32_splat(ap, 4);
      c10 = madd(av, b0, c10);
      if (NR > 4) c11 = madd(av, b1, c11);
    }
    if (MR > 2) {
      av = v128.load32_splat(ap, 8);
      c20 = madd(av, b0, c20);
      if (NR > 4) c21 = madd(av, b1, c21);
    }
    if (MR > 3) {
      av = v128.load32_splat(ap, 12);
      c30 = madd(av, b0, c30);
      if (NR > 4) c31 = madd(av, b1, c31);
    }
  }
  store_row(NR, c, bias, c00, c01, nr, mode);
  if (MR > 1) store_row(NR, c + ldc, bias, c10, c11, nr, mode);
  if (MR > 2) store_row(NR, c + (ldc << 1), bias, c20, c21, nr, mode);
  if (MR > 3) store_row(NR, c + ldc * 3, bias, c30, c31, nr, mode);
}

// The same tile with the 4 packed A values of a k step loaded as one vector (variant 1), for the
// 4x8 tiles only: the edge tiles (MR < 4, and the 4-column tail) run a small share of the steps.
@inline function tile_av(MR: i32, NR: i32, c: usize, ldc: usize, ap: usize, bp: usize, bstep: usize, kc: i32, bias: usize, nr: i32, mode: i32): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  for (const end = ap + (<usize>kc << 4); ap < end; ap += 16, bp += bstep) {
    const b0 = v128.load(bp);
    const b1 = NR > 4 ? v128.load(bp, 16) : z;
    const a = v128.load(ap);
    let av = i32x4.shuffle(a, a, 0, 0, 0, 0);
    c00 = madd(av, b0, c00);
    if (NR > 4) c01 = madd(av, b1, c01);
    av = i32x4.shuffle(a, a, 1, 1, 1, 1);
    c10 = madd(av, b0, c10);
    if (NR > 4) c11 = madd(av, b1, c11);
    av = i32x4.shuffle(a, a, 2, 2, 2, 2);
    c20 = madd(av, b0, c20);
    if (NR > 4) c21 = madd(av, b1, c21);
    av = i32x4.shuffle(a, a, 3, 3, 3, 3);
    c30 = madd(av, b0, c30);
    if (NR > 4) c31 = madd(av, b1, c31);
  }
  store_row(NR, c, bias, c00, c01, nr, mode);
  store_row(NR, c + ldc, bias, c10, c11, nr, mode);
  store_row(NR, c + (ldc << 1), bias, c20, c21, nr, mode);
  store_row(NR, c + ldc * 3, bias, c30, c31, nr, mode);
}

// One row of A (in place, astep bytes per k) against 16 columns of B in place (direct mode,
// batch-1 inference): the 4x8 tile's order. Four accumulators, not eight: with eight, V8's scheduler hoists all the B loads of a k step
// and spills an accumulator, which puts a store-load round trip on its chain (1x32: 18 GFLOP/s,
// 1x16: 26 on 1x256x784).
function tile_1x16(c: usize, ap: usize, astep: usize, bp: usize, bstep: usize, kc: i32, bias: usize, mode: i32): void {
  const z = f32x4.splat(0);
  let c0 = z, c1 = z, c2 = z, c3 = z;
  for (let p = 0; p < kc; p++, ap += astep, bp += bstep) {
    const av = v128.load32_splat(ap);
    c0 = madd(av, v128.load(bp), c0);
    c1 = madd(av, v128.load(bp, 16), c1);
    c2 = madd(av, v128.load(bp, 32), c2);
    c3 = madd(av, v128.load(bp, 48), c3);
  }
  store_vec(c, bias, c0, mode);
  store_vec(c + 16, bias + 16, c1, mode);
  store_vec(c + 32, bias + 32, c2, mode);
  store_vec(c + 48, bias + 48, c3, mode);
}

/** acc + a·b: mul then add (the reference order); the relaxed build fuses them where the hardware can. */
@inline function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

@inline function store_row(NR: i32, c: usize, bias: usize, v0: v128, v1: v128, nr: i32, mode: i32): void {
  if (NR > 4) {
    store_vec(c, bias, v0, mode);
    store_vec(c + 16, bias + 16, v1, mode);
  } else if (nr == 4) {
    store_vec(c, bias, v0, mode);
  } else {
    store_lanes(c, bias, v0, nr, mode);
  }
}

@inline function store_vec(c: usize, bias: usize, v: v128, mode: i32): void {
  if (mode & ADD) v = f32x4.add(v128.load(c), v);
  if (mode & BIAS) v = f32x4.add(v, v128.load(bias));
  if (mode & RELU) v = f32x4.max(v, f32x4.splat(0));
  v128.store(c, v);
}

// The first nr (1..3) lanes of v, one by one, in store_vec's order.
function store_lanes(c: usize, bias: usize, v: v128, nr: i32, mode: i32): void {
  store_one(c, bias, f32x4.extract_lane(v, 0), mode);
  if (nr > 1) store_one(c + 4, bias + 4, f32x4.extract_lane(v, 1), mode);
  if (nr > 2) store_one(c + 8, bias + 8, f32x4.extract_lane(v, 2), mode);
}

@inline function store_one(c: usize, bias: usize, x: f32, mode: i32): void {
  if (mode & ADD) x = load<f32>(c) + x;
  if (mode & BIAS) x = x + load<f32>(bias);
  if (mode & RELU) x = max(x, <f32>0);
  store<f32>(c, x);
}
