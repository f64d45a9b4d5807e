// activation kernels: y = f(z) element-wise over an (m, n) row-major f32 matrix (m rows = batch,
// n columns = features), and the backward pass dz = dy ⊙ f'(z). softmax works per row of n.
//
// Conventions (every activation has the same two signatures, so the engine can call any of them):
//   NAME_forward(y, z, m, n, alpha)            y(m,n) = f(z(m,n))           — written, not accumulated
//   NAME_backward(dz, dy, z, y, m, n, alpha)   dz(m,n) = dy(m,n) ⊙ f'(z)    — written, not accumulated
// Pointers are byte addresses, m and n element counts. `alpha` is read only by leaky_relu (Keras
// default 0.3) and elu (default 1.0). dz may alias dy, and y may alias z (in-place forward): every
// element is read before its slot is written. relu_backward reads y alone (z may be the same buffer,
// overwritten by an in-place forward); the others take f' from z, which is the more accurate form
// (σ' = e/(1+e)² with e = exp(−|z|) keeps full relative precision where y(1−y) rounds to 0).
// Everything element-wise runs on v128: piecewise-linear kernels directly, the others through the f32x4
// exp/expm1/log1p below (≤ 2 ulp); gelu works in f64x2 (our own erf), softmax in scalar f64 per row.

// ---- helpers: loop bounds, partial vectors, f32x4 exp / expm1 / log1p -------------------------------
// Element-wise kernels run four lanes at a time; the last 1–3 elements go through the same vector code
// (loadTail/storeTail), so an element's result never depends on its position in the buffer.
// exp: n = round(x·log2 e), r = x − n·ln2 (Cody–Waite split, n·LN2_HI exact), e^r − 1 = r + r²·Q(r) on
// |r| ≤ ln2/2 with Q fitted for this file, then scaled by 2ⁿ built in the exponent bits (as two
// factors, so results down to subnormals and up to overflow come out right). Measured against f64
// over [−87, 88]: exp ≤ 0.98 ulp, expm1 ≤ 1.6 ulp; log1p on [0, 1] ≤ 2 ulp.

/** Bytes covered by an (m, n) f32 matrix. */
@inline function bytesOf(m: i32, n: i32): usize {
  return (<usize>m * <usize>n) << 2;
}

/** The last `bytes` (4, 8 or 12) of a buffer as a vector, zero-padded. */
@inline function loadTail(p: usize, bytes: usize): v128 {
  let v = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(p));
  if (bytes > 4) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (bytes > 8) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores the first `bytes` / 4 lanes of v. */
@inline function storeTail(p: usize, v: v128, bytes: usize): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (bytes > 4) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (bytes > 8) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693359375; // 9 significant bits: n·LN2_HI is exact for |n| < 2¹⁵
const LN2_LO: f32 = -2.12194440e-4; // ln 2 − LN2_HI
const SIGN: v128 = i32x4(0x80000000, 0x80000000, 0x80000000, 0x80000000);

@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}

// Rounding to an integer without nearest/trunc_sat (long sequences in V8): adding 1.5·2²³ rounds
// x·log2 e to the nearest integer n (ties to even) and leaves n in the low mantissa bits.
const ROUND: f32 = 12582912; // 1.5·2²³, bit pattern 0x4B400000

/** e^r − 1 for |r| ≤ ln2/2. */
@inline function expm1Reduced(r: v128): v128 {
  let q = f32x4.add(f32x4.mul(splat(0.0013933643931522965), r), splat(0.008363175205886364));
  q = f32x4.add(f32x4.mul(q, r), splat(0.04166646674275398));
  q = f32x4.add(f32x4.mul(q, r), splat(0.16666576266288757));
  q = f32x4.add(f32x4.mul(q, r), splat(0.5));
  return f32x4.add(r, f32x4.mul(f32x4.mul(r, r), q));
}

/** 2ⁿ for integer lanes n in [−126, 127] (n = −127 gives +0). */
@inline function pow2(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

/** e^x per lane: overflows to +∞ above 88.72, subnormal below −87.3, 0 below −103.9; NaN stays NaN. */
@inline function exp4(x: v128): v128 {
  // pmin/pmax are single instructions; with x first, a NaN x passes through both
  const c = f32x4.pmin(f32x4.pmax(x, splat(-104)), splat(89));
  const t = f32x4.add(f32x4.mul(c, splat(LOG2E)), splat(ROUND));
  const nf = f32x4.sub(t, splat(ROUND));
  const r = f32x4.sub(f32x4.sub(c, f32x4.mul(nf, splat(LN2_HI))), f32x4.mul(nf, splat(LN2_LO)));
  const n = i32x4.sub(t, splat(ROUND)), n1 = i32x4.shr_s(n, 1); // integer n from the bits of t
  return f32x4.mul(f32x4.mul(f32x4.add(splat(1), expm1Reduced(r)), pow2(n1)), pow2(i32x4.sub(n, n1)));
}

/** e^x − 1 per lane, accurate near 0 (−1 below −88, +∞ above 88.7). */
@inline function expm1_4(x: v128): v128 {
  const c = f32x4.pmin(f32x4.pmax(x, splat(-88)), splat(88));
  const t = f32x4.add(f32x4.mul(c, splat(LOG2E)), splat(ROUND));
  const nf = f32x4.sub(t, splat(ROUND));
  const r = f32x4.sub(f32x4.sub(c, f32x4.mul(nf, splat(LN2_HI))), f32x4.mul(nf, splat(LN2_LO)));
  const s = pow2(i32x4.sub(t, splat(ROUND)));
  return f32x4.add(f32x4.mul(s, expm1Reduced(r)), f32x4.sub(s, splat(1))); // 2ⁿ(e^r − 1) + (2ⁿ − 1)
}

/** log(1 + u) for u in [0, 1]: 2·atanh(s), s = u/(2 + u) ≤ 1/3, as 2(s + s³·R(s²)). */
@inline function log1p4(u: v128): v128 {
  const s = f32x4.div(u, f32x4.add(splat(2), u)), t = f32x4.mul(s, s);
  let r = f32x4.add(f32x4.mul(splat(0.13433773815631866), t), splat(0.14116978645324707));
  r = f32x4.add(f32x4.mul(r, t), splat(0.2000383585691452));
  r = f32x4.add(f32x4.mul(r, t), splat(0.33333319425582886));
  return f32x4.mul(splat(2), f32x4.add(s, f32x4.mul(f32x4.mul(s, t), r)));
}

/** σ(z) = 1/(1 + e^−z) per lane, from e = exp(−|z|): never overflows, keeps precision for z ≪ 0. */
@inline function sigmoid4(z: v128): v128 {
  const e = exp4(v128.or(z, SIGN));
  const r = f32x4.div(splat(1), f32x4.add(splat(1), e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(z, splat(0)));
}

// ---- sigmoid: σ(z); σ' = σ(z)·σ(−z) = e/(1+e)², e = exp(−|z|) ---------------------------------

/** y = σ(z), stable for large |z|. */
export function sigmoid_forward(y: usize, z: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(y + i, sigmoid4(v128.load(z + i)));
  if (i < end) storeTail(y + i, sigmoid4(loadTail(z + i, end - i)), end - i);
}

/** σ'(z) = e/(1+e)², e = exp(−|z|), without the cancellation of σ(1 − σ). */
@inline function dsigmoid4(z: v128): v128 {
  const e = exp4(v128.or(z, SIGN)), d = f32x4.add(splat(1), e);
  return f32x4.div(e, f32x4.mul(d, d));
}

/** dz = dy · e/(1+e)² with e = exp(−|z|) (= σ(z)(1−σ(z)) without cancellation). */
export function sigmoid_backward(dz: usize, dy: usize, z: usize, y: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(dz + i, f32x4.mul(v128.load(dy + i), dsigmoid4(v128.load(z + i))));
  if (i < end) storeTail(dz + i, f32x4.mul(loadTail(dy + i, end - i), dsigmoid4(loadTail(z + i, end - i))), end - i);
}

// ---- tanh: tanh|z| = −t/(2 + t), t = expm1(−2|z|); tanh' = 4e/(1+e)², e = exp(−2|z|) ------------

/** tanh per lane (the expm1 form keeps full precision near 0). */
@inline function tanh4(z: v128): v128 {
  const t = expm1_4(v128.or(f32x4.add(z, z), SIGN));
  const a = f32x4.abs(f32x4.div(t, f32x4.add(splat(2), t)));
  return v128.or(a, v128.and(z, SIGN));
}

/** y = tanh(z). */
export function tanh_forward(y: usize, z: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(y + i, tanh4(v128.load(z + i)));
  if (i < end) storeTail(y + i, tanh4(loadTail(z + i, end - i)), end - i);
}

/** tanh'(z) = 4e/(1+e)², e = exp(−2|z|). */
@inline function dtanh4(z: v128): v128 {
  const e = exp4(v128.or(f32x4.add(z, z), SIGN)), d = f32x4.add(splat(1), e);
  return f32x4.div(f32x4.mul(splat(4), e), f32x4.mul(d, d));
}

/** dz = dy · 4e/(1+e)² with e = exp(−2|z|) (= 1 − tanh²z without cancellation). */
export function tanh_backward(dz: usize, dy: usize, z: usize, y: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(dz + i, f32x4.mul(v128.load(dy + i), dtanh4(v128.load(z + i))));
  if (i < end) storeTail(dz + i, f32x4.mul(loadTail(dy + i, end - i), dtanh4(loadTail(z + i, end - i))), end - i);
}

// ---- relu: max(z, 0); backward from y alone (y > 0 ⇔ z > 0) -----------------------------------

/** y = max(z, 0) (NaN propagates); y may be z. */
export function relu_forward(y: usize, z: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  const zero = splat(0);
  let i: usize = 0;
  for (; i + 64 <= end; i += 64) {
    const a = v128.load(z + i, 0), b = v128.load(z + i, 16), c = v128.load(z + i, 32), d = v128.load(z + i, 48);
    v128.store(y + i, f32x4.max(a, zero), 0);
    v128.store(y + i, f32x4.max(b, zero), 16);
    v128.store(y + i, f32x4.max(c, zero), 32);
    v128.store(y + i, f32x4.max(d, zero), 48);
  }
  for (; i + 16 <= end; i += 16) v128.store(y + i, f32x4.max(v128.load(z + i), zero));
  for (; i < end; i += 4) store<f32>(y + i, max<f32>(load<f32>(z + i), 0));
}

/** dz = y > 0 ? dy : 0 — reads y only, so it works after an in-place forward (z == y). */
export function relu_backward(dz: usize, dy: usize, z: usize, y: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  const zero = splat(0);
  let i: usize = 0;
  for (; i + 32 <= end; i += 32) {
    const g0 = v128.load(dy + i, 0), g1 = v128.load(dy + i, 16);
    const m0 = f32x4.gt(v128.load(y + i, 0), zero), m1 = f32x4.gt(v128.load(y + i, 16), zero);
    v128.store(dz + i, v128.and(g0, m0), 0);
    v128.store(dz + i, v128.and(g1, m1), 16);
  }
  for (; i + 16 <= end; i += 16) {
    v128.store(dz + i, v128.and(v128.load(dy + i), f32x4.gt(v128.load(y + i), zero)));
  }
  for (; i < end; i += 4) store<f32>(dz + i, load<f32>(y + i) > 0 ? load<f32>(dy + i) : 0);
}

// ---- leaky_relu: z > 0 ? z : alpha·z; f' = z > 0 ? 1 : alpha (alpha at 0, like TF) -------------

/** y = z > 0 ? z : alpha·z. */
export function leaky_relu_forward(y: usize, z: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  const zero = splat(0), va = splat(alpha);
  let i: usize = 0;
  for (; i + 32 <= end; i += 32) {
    const a = v128.load(z + i, 0), b = v128.load(z + i, 16);
    v128.store(y + i, v128.bitselect(a, f32x4.mul(a, va), f32x4.gt(a, zero)), 0);
    v128.store(y + i, v128.bitselect(b, f32x4.mul(b, va), f32x4.gt(b, zero)), 16);
  }
  for (; i + 16 <= end; i += 16) {
    const a = v128.load(z + i);
    v128.store(y + i, v128.bitselect(a, f32x4.mul(a, va), f32x4.gt(a, zero)));
  }
  for (; i < end; i += 4) {
    const v = load<f32>(z + i);
    store<f32>(y + i, v > 0 ? v : alpha * v);
  }
}

/** dz = z > 0 ? dy : alpha·dy. */
export function leaky_relu_backward(dz: usize, dy: usize, z: usize, y: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  const zero = splat(0), va = splat(alpha);
  let i: usize = 0;
  for (; i + 32 <= end; i += 32) {
    const g0 = v128.load(dy + i, 0), g1 = v128.load(dy + i, 16);
    const m0 = f32x4.gt(v128.load(z + i, 0), zero), m1 = f32x4.gt(v128.load(z + i, 16), zero);
    v128.store(dz + i, v128.bitselect(g0, f32x4.mul(g0, va), m0), 0);
    v128.store(dz + i, v128.bitselect(g1, f32x4.mul(g1, va), m1), 16);
  }
  for (; i + 16 <= end; i += 16) {
    const g = v128.load(dy + i);
    v128.store(dz + i, v128.bitselect(g, f32x4.mul(g, va), f32x4.gt(v128.load(z + i), zero)));
  }
  for (; i < end; i += 4) {
    const g = load<f32>(dy + i);
    store<f32>(dz + i, load<f32>(z + i) > 0 ? g : alpha * g);
  }
}

// ---- elu: z > 0 ? z : alpha·(e^z − 1); f' = z > 0 ? 1 : alpha·e^z ------------------------------
// selu is elu with Keras' fixed α and an output scale (Klambauer et al. 2017): one pair of helpers
// serves both, with (scale, scale·α) = (1, alpha) for elu.

const SELU_SCALE: f32 = 1.0507009873554805;
const SELU_SA: f32 = <f32>(1.6732632423543772 * 1.0507009873554805); // scale·α

/** z > 0 ? scale·z : sa·expm1(z) per lane. */
@inline function elu4(z: v128, scale: v128, sa: v128): v128 {
  return v128.bitselect(f32x4.mul(scale, z), f32x4.mul(sa, expm1_4(z)), f32x4.gt(z, splat(0)));
}

/** dy·(z > 0 ? scale : sa·e^z) per lane. */
@inline function delu4(g: v128, z: v128, scale: v128, sa: v128): v128 {
  return f32x4.mul(g, v128.bitselect(scale, f32x4.mul(sa, exp4(z)), f32x4.gt(z, splat(0))));
}

/** y = z > 0 ? z : alpha·expm1(z). */
export function elu_forward(y: usize, z: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n), one = splat(1), a = splat(alpha);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(y + i, elu4(v128.load(z + i), one, a));
  if (i < end) storeTail(y + i, elu4(loadTail(z + i, end - i), one, a), end - i);
}

/** dz = z > 0 ? dy : dy·alpha·e^z. */
export function elu_backward(dz: usize, dy: usize, z: usize, y: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n), one = splat(1), a = splat(alpha);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(dz + i, delu4(v128.load(dy + i), v128.load(z + i), one, a));
  if (i < end) storeTail(dz + i, delu4(loadTail(dy + i, end - i), loadTail(z + i, end - i), one, a), end - i);
}

/** y = scale·(z > 0 ? z : α·expm1(z)), α = 1.67326…, scale = 1.05070… (alpha ignored). */
export function selu_forward(y: usize, z: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n), sc = splat(SELU_SCALE), sa = splat(SELU_SA);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(y + i, elu4(v128.load(z + i), sc, sa));
  if (i < end) storeTail(y + i, elu4(loadTail(z + i, end - i), sc, sa), end - i);
}

/** dz = dy·scale·(z > 0 ? 1 : α·e^z). */
export function selu_backward(dz: usize, dy: usize, z: usize, y: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n), sc = splat(SELU_SCALE), sa = splat(SELU_SA);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(dz + i, delu4(v128.load(dy + i), v128.load(z + i), sc, sa));
  if (i < end) storeTail(dz + i, delu4(loadTail(dy + i, end - i), loadTail(z + i, end - i), sc, sa), end - i);
}

// ---- gelu (exact): z·Φ(z), Φ(z) = ½ erfc(−z/√2); f' = Φ(z) + z·φ(z) ------------------------------
// There is no erf in AssemblyScript. Ours runs in f64, two lanes at a time, with two pieces fitted for
// this file (Chebyshev interpolation, converted to monomials; max relative error measured with mpmath):
//   |x| < 0.65:  erf(x) = x·P(x²)                                      rel. error ≤ 1.2e-15
//   x ≥ 0.65:    erfc(x) = e^{−x²}·Q(w)/(x+3),  w = (x − 4.3)/(x + 3)   rel. error ≤ 1.1e-13
// The tail form keeps full relative precision of Φ(z) for z ≪ 0 (where 1 + erf would cancel), and
// shares e^{−z²/2} with φ in the backward pass. z² of an f32 z is exact in f64, so nothing is lost
// before the exp either; e^x uses the same reduction as exp4, with a degree-11 Taylor polynomial.

const SQRT1_2: f64 = 0.7071067811865476; // 1/√2
const INV_SQRT_2PI: f64 = 0.3989422804014327; // 1/√(2π)
const LN2_HI64: f64 = 6.93147180369123816490e-01; // high bits of ln 2: n·LN2_HI64 exact for |n| < 2¹¹
const LN2_LO64: f64 = 1.90821492927058770002e-10;
const ROUND64: f64 = 6755399441055744; // 1.5·2⁵²

@inline function splat64(x: f64): v128 {
  return f64x2.splat(x);
}

/** a + b·c per f64 lane (one Horner step). */
@inline function fma64(a: f64, b: v128, c: v128): v128 {
  return f64x2.add(splat64(a), f64x2.mul(b, c));
}

/** e^x per f64 lane for x ≤ 0 (clamped at −700, where the result is far below f32 range anyway). */
@inline function exp2x(x: v128): v128 {
  const c = f64x2.pmax(x, splat64(-700));
  const t = f64x2.add(f64x2.mul(c, splat64(1.4426950408889634)), splat64(ROUND64));
  const nf = f64x2.sub(t, splat64(ROUND64));
  const r = f64x2.sub(f64x2.sub(c, f64x2.mul(nf, splat64(LN2_HI64))), f64x2.mul(nf, splat64(LN2_LO64)));
  let p = fma64(1.0 / 39916800, r, splat64(1.0 / 479001600)); // Σ r^k/k!, k ≤ 11 (error < 7e-15)
  p = fma64(1.0 / 3628800, r, p);
  p = fma64(1.0 / 362880, r, p);
  p = fma64(1.0 / 40320, r, p);
  p = fma64(1.0 / 5040, r, p);
  p = fma64(1.0 / 720, r, p);
  p = fma64(1.0 / 120, r, p);
  p = fma64(1.0 / 24, r, p);
  p = fma64(1.0 / 6, r, p);
  p = fma64(0.5, r, p);
  p = fma64(1.0, r, p);
  p = fma64(1.0, r, p);
  const n = i64x2.sub(t, splat64(ROUND64)); // the integer n sits in the low bits of t
  return f64x2.mul(p, i64x2.shl(i64x2.add(n, i64x2.splat(1023)), 52));
}

/** Φ(z) per f64 lane, given g = e^{−z²/2}. */
@inline function phi2(z: v128, g: v128): v128 {
  const x = f64x2.mul(f64x2.abs(z), splat64(SQRT1_2)), s = f64x2.mul(x, x);
  // |x| < 0.65: Φ = ½ + ½·(z/√2)·P(x²)
  let p = fma64(-1.4707638760062925e-05, s, splat64(1.363126690995316e-06));
  p = fma64(0.0001204610644456233, s, p);
  p = fma64(-0.0008548097190455224, s, p);
  p = fma64(0.005223974233696701, s, p);
  p = fma64(-0.02686617036079806, s, p);
  p = fma64(0.11283791669736228, s, p);
  p = fma64(-0.376126389031625, s, p);
  p = fma64(1.1283791670955114, s, p);
  const small = fma64(0.5, f64x2.mul(splat64(0.5 * SQRT1_2), z), p);
  // x ≥ 0.65: ½ erfc(x) = ½·g·Q(w)/(x + 3), then Φ = z > 0 ? 1 − that : that
  const inv = f64x2.div(splat64(1), f64x2.add(x, splat64(3))), w = f64x2.mul(f64x2.sub(x, splat64(4.3)), inv);
  let q = fma64(-2.470558422977604e-08, w, splat64(-1.485394977062638e-08));
  q = fma64(1.8534393951998734e-07, w, q);
  q = fma64(2.6519285705675094e-07, w, q);
  q = fma64(-1.7743664653861449e-06, w, q);
  q = fma64(-1.3672023848126527e-06, w, q);
  q = fma64(1.772540739041939e-05, w, q);
  q = fma64(-9.634427776099036e-06, w, q);
  q = fma64(-0.0001706907522875787, w, q);
  q = fma64(0.0005111585945899465, w, q);
  q = fma64(0.0006092774121788936, w, q);
  q = fma64(-0.009867016904229597, w, q);
  q = fma64(0.04363747135853287, w, q);
  q = fma64(-0.12985435701527215, w, q);
  q = fma64(0.3010134184848638, w, q);
  q = fma64(-0.5754651951119918, w, q);
  q = fma64(0.9337701570932848, w, q);
  const tail = f64x2.mul(f64x2.mul(splat64(0.5), g), f64x2.mul(q, inv));
  const big = v128.bitselect(f64x2.sub(splat64(1), tail), tail, f64x2.gt(z, splat64(0)));
  return v128.bitselect(small, big, f64x2.lt(x, splat64(0.65)));
}

/** e^{−z²/2} per f64 lane (z² of a widened f32 is exact). */
@inline function gauss2(z: v128): v128 {
  return exp2x(f64x2.mul(splat64(-0.5), f64x2.mul(z, z)));
}

/** Standard normal CDF Φ(z) = ½ erfc(−z/√2) in f64 (gelu's code path): relative error ≲ 1e-13 for z ≥ −37. */
export function normal_cdf(z: f64): f64 {
  const v = splat64(z);
  return f64x2.extract_lane(phi2(v, gauss2(v)), 0);
}

/** Applies gelu (deriv = false) or gelu' to four f32 lanes, in f64. */
@inline function gelu4(v: v128, deriv: bool): v128 {
  const lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
  const glo = gauss2(lo), ghi = gauss2(hi);
  const plo = phi2(lo, glo), phi = phi2(hi, ghi);
  const rlo = deriv ? f64x2.add(plo, f64x2.mul(lo, f64x2.mul(glo, splat64(INV_SQRT_2PI)))) : f64x2.mul(lo, plo);
  const rhi = deriv ? f64x2.add(phi, f64x2.mul(hi, f64x2.mul(ghi, splat64(INV_SQRT_2PI)))) : f64x2.mul(hi, phi);
  return i32x4.shuffle(f32x4.demote_f64x2_zero(rlo), f32x4.demote_f64x2_zero(rhi), 0, 1, 4, 5);
}

/** y = z·Φ(z), the exact (erf) gelu; computed in f64. */
export function gelu_forward(y: usize, z: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(y + i, gelu4(v128.load(z + i), false));
  if (i < end) storeTail(y + i, gelu4(loadTail(z + i, end - i), false), end - i);
}

/** dz = dy·(Φ(z) + z·φ(z)), φ(z) = e^{−z²/2}/√(2π); computed in f64. */
export function gelu_backward(dz: usize, dy: usize, z: usize, y: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(dz + i, f32x4.mul(v128.load(dy + i), gelu4(v128.load(z + i), true)));
  if (i < end) storeTail(dz + i, f32x4.mul(loadTail(dy + i, end - i), gelu4(loadTail(z + i, end - i), true)), end - i);
}

// ---- swish (silu): z·σ(z); f' = σ(z)·(1 + z·σ(−z)) ---------------------------------------------

/** y = z·σ(z). */
export function swish_forward(y: usize, z: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) {
    const v = v128.load(z + i);
    v128.store(y + i, f32x4.mul(v, sigmoid4(v)));
  }
  if (i < end) {
    const v = loadTail(z + i, end - i);
    storeTail(y + i, f32x4.mul(v, sigmoid4(v)), end - i);
  }
}

/** swish'(z) = σ(z)·(1 + z·σ(−z)), both σ from one exp(−|z|) (σ(−z) = 1 − σ(z) without cancellation). */
@inline function dswish4(z: v128): v128 {
  const e = exp4(v128.or(z, SIGN));
  const r = f32x4.div(splat(1), f32x4.add(splat(1), e)), er = f32x4.mul(e, r);
  const pos = f32x4.ge(z, splat(0));
  const s = v128.bitselect(r, er, pos), c = v128.bitselect(er, r, pos);
  return f32x4.mul(s, f32x4.add(splat(1), f32x4.mul(z, c)));
}

/** dz = dy·σ(z)·(1 + z·σ(−z)). */
export function swish_backward(dz: usize, dy: usize, z: usize, y: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(dz + i, f32x4.mul(v128.load(dy + i), dswish4(v128.load(z + i))));
  if (i < end) storeTail(dz + i, f32x4.mul(loadTail(dy + i, end - i), dswish4(loadTail(z + i, end - i))), end - i);
}

// ---- softplus: log(1 + e^z) = max(z, 0) + log1p(e^−|z|); f' = σ(z) ------------------------------

/** softplus per lane, in the form that neither overflows nor loses the small tail. */
@inline function softplus4(z: v128): v128 {
  return f32x4.add(f32x4.max(z, splat(0)), log1p4(exp4(v128.or(z, SIGN))));
}

/** y = max(z, 0) + log1p(exp(−|z|)). */
export function softplus_forward(y: usize, z: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(y + i, softplus4(v128.load(z + i)));
  if (i < end) storeTail(y + i, softplus4(loadTail(z + i, end - i)), end - i);
}

/** dz = dy·σ(z). */
export function softplus_backward(dz: usize, dy: usize, z: usize, y: usize, m: i32, n: i32, alpha: f32): void {
  const end = bytesOf(m, n);
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) v128.store(dz + i, f32x4.mul(v128.load(dy + i), sigmoid4(v128.load(z + i))));
  if (i < end) storeTail(dz + i, f32x4.mul(loadTail(dy + i, end - i), sigmoid4(loadTail(z + i, end - i))), end - i);
}

// ---- softmax, per row of n: y_j = e^{z_j − max} / Σ_k e^{z_k − max} -----------------------------
// f64 inside a row (the output layer is narrow, so this is cheap): z_j − max is exact in f64, where an
// f32 subtraction would cost a relative error of |z_j − max|·2⁻²⁴ in y_j.

/** y(m,n) = softmax of each row of z (row max subtracted; exponentials and sum in f64). */
export function softmax_forward(y: usize, z: usize, m: i32, n: i32, alpha: f32): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < m; r++) {
    const zr = z + <usize>r * rowBytes, yr = y + <usize>r * rowBytes;
    let mx = load<f32>(zr);
    for (let j: usize = 4; j < rowBytes; j += 4) mx = max<f32>(mx, load<f32>(zr + j));
    const mx64 = <f64>mx;
    let sum: f64 = 0;
    for (let j: usize = 0; j < rowBytes; j += 4) {
      const e = Math.exp(<f64>load<f32>(zr + j) - mx64);
      store<f32>(yr + j, <f32>e); // parked in y: ½ ulp (y_j ≤ e underflows if e does)
      sum += e;
    }
    const inv = 1.0 / sum;
    for (let j: usize = 0; j < rowBytes; j += 4) store<f32>(yr + j, <f32>(<f64>load<f32>(yr + j) * inv));
  }
}

// Backward: dz_j = y_j·(dy_j·Σ_{k≠j} y_k − Σ_{k≠j} dy_k·y_k), the same thing when Σ_k y_k = 1, but
// without forming 1 − y_j from an f32 y_j ≈ 1: the sums over k ≠ j are taken in f64, directly for the
// row's largest y (the only one that can be near 1) and as (row sum − own term) for the others, whose
// Σ_{k≠j} y_k ≥ max y ≥ 1/n cannot cancel. A saturated row thus keeps its tiny, exact gradient.

/** dz_j = y_j·(dy_j − Σ_k dy_k·y_k) per row; reads y only (z unused). */
export function softmax_backward(dz: usize, dy: usize, z: usize, y: usize, m: i32, n: i32, alpha: f32): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < m; r++) {
    const yr = y + <usize>r * rowBytes, gr = dy + <usize>r * rowBytes, dr = dz + <usize>r * rowBytes;
    let top: usize = 0;
    for (let j: usize = 4; j < rowBytes; j += 4) if (load<f32>(yr + j) > load<f32>(yr + top)) top = j;
    let sRest: f64 = 0, tRest: f64 = 0; // Σ y_k and Σ dy_k·y_k over k ≠ top
    for (let j: usize = 0; j < rowBytes; j += 4) {
      if (j == top) continue;
      const yj = <f64>load<f32>(yr + j);
      sRest += yj;
      tRest += <f64>load<f32>(gr + j) * yj;
    }
    const yTop = <f64>load<f32>(yr + top), gTop = <f64>load<f32>(gr + top);
    const s = sRest + yTop, t = tRest + gTop * yTop;
    for (let j: usize = 0; j < rowBytes; j += 4) {
      const yj = <f64>load<f32>(yr + j), gj = <f64>load<f32>(gr + j);
      const d = j == top ? gj * sRest - tRest : gj * (s - yj) - (t - gj * yj);
      store<f32>(dr + j, <f32>(yj * d));
    }
  }
}
