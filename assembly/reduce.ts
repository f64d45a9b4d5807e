// reduce kernels: column sums (the bias gradient), squared norms (global-norm clipping), a NaN/Inf
// scan, per-row argmax and the accuracy / error counts that metrics accumulate in wasm so that JS
// reads a few scalars per batch. x(m, n) is row-major, batch-first (m rows, n columns); labels are
// i32; pointers are byte addresses, sizes element counts.
// Summation orders are fixed (they depend only on the sizes), so results are deterministic:
//   col_sum        f32, rows in order 0..m-1 per column, starting from 0, then added to out.
//   f64 sums       8 running sums s0..s7 (element i of the main part goes to s[i mod 8]),
//                  combined as ((s0+s2)+(s4+s6)) + ((s1+s3)+(s5+s7)), then the tail (n mod 8
//                  elements) added in order. Each term is computed in f64 from the f32 inputs.
//   argmax         first index of the largest non-NaN value; NaNs are ignored, an all-NaN row gives 0.

/**
 * out(n) = Σ_rows x(m, n), rows summed in order; accumulate != 0: out(n) += that sum. For the column
 * groups [start, start + count) of 16 (a row kernel: each column is summed alone, so any split of
 * the groups gives the same bits).
 */
export function col_sum(out: usize, x: usize, m: i32, n: i32, accumulate: i32, start: i32, count: i32): void {
  const stride = <usize>n << 2, end = min(n, (start + count) * 16);
  let j = start * 16;
  for (; j + 16 <= end; j += 16) {
    let px = x + (<usize>j << 2);
    let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
    for (let r = 0; r < m; r++) {
      s0 = f32x4.add(s0, v128.load(px));
      s1 = f32x4.add(s1, v128.load(px, 16));
      s2 = f32x4.add(s2, v128.load(px, 32));
      s3 = f32x4.add(s3, v128.load(px, 48));
      px += stride;
    }
    const po = out + (<usize>j << 2);
    if (accumulate) {
      s0 = f32x4.add(v128.load(po), s0);
      s1 = f32x4.add(v128.load(po, 16), s1);
      s2 = f32x4.add(v128.load(po, 32), s2);
      s3 = f32x4.add(v128.load(po, 48), s3);
    }
    v128.store(po, s0);
    v128.store(po, s1, 16);
    v128.store(po, s2, 32);
    v128.store(po, s3, 48);
  }
  for (; j + 4 <= end; j += 4) {
    let px = x + (<usize>j << 2);
    let s = f32x4.splat(0);
    for (let r = 0; r < m; r++) {
      s = f32x4.add(s, v128.load(px));
      px += stride;
    }
    const po = out + (<usize>j << 2);
    if (accumulate) s = f32x4.add(v128.load(po), s);
    v128.store(po, s);
  }
  for (; j < end; j++) {
    let px = x + (<usize>j << 2);
    let s: f32 = 0;
    for (let r = 0; r < m; r++) {
      s += load<f32>(px);
      px += stride;
    }
    const po = out + (<usize>j << 2);
    store<f32>(po, accumulate ? load<f32>(po) + s : s);
  }
}

// Lanes 2,3 of an f32x4 moved to lanes 0,1 (for f64x2.promote_low_f32x4).
@inline function high_half(v: v128): v128 {
  return v128.shuffle<f32>(v, v, 2, 3, 2, 3);
}

// Combine the 4 f64x2 partial sums in the documented order.
@inline function combine(a0: v128, a1: v128, a2: v128, a3: v128): f64 {
  const s = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** Σ x(n)², accumulated in f64 (squares of f32 values are exact in f64). */
export function sum_squares(x: usize, n: i32): f64 {
  const n8 = n & ~7;
  let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (let i = 0; i < n8; i += 8) {
    const p = x + (<usize>i << 2);
    const u = v128.load(p);
    const w = v128.load(p, 16);
    const u0 = f64x2.promote_low_f32x4(u), u1 = f64x2.promote_low_f32x4(high_half(u));
    const w0 = f64x2.promote_low_f32x4(w), w1 = f64x2.promote_low_f32x4(high_half(w));
    a0 = f64x2.add(a0, f64x2.mul(u0, u0));
    a1 = f64x2.add(a1, f64x2.mul(u1, u1));
    a2 = f64x2.add(a2, f64x2.mul(w0, w0));
    a3 = f64x2.add(a3, f64x2.mul(w1, w1));
  }
  let s = combine(a0, a1, a2, a3);
  for (let i = n8; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

// One f64x2 term of the error sums: (x−t)² or |x−t| over two promoted lanes.
@inline function err2(xv: v128, tv: v128, squared: bool): v128 {
  const d = f64x2.sub(f64x2.promote_low_f32x4(xv), f64x2.promote_low_f32x4(tv));
  return squared ? f64x2.mul(d, d) : f64x2.abs(d);
}

// Σ (x−t)² (squared) or Σ |x−t| over count elements, in f64, in the documented order.
@inline function error_sum(x: usize, t: usize, count: i32, squared: bool): f64 {
  const n8 = count & ~7;
  let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (let i = 0; i < n8; i += 8) {
    const o = <usize>i << 2;
    const xu = v128.load(x + o), xw = v128.load(x + o, 16);
    const tu = v128.load(t + o), tw = v128.load(t + o, 16);
    a0 = f64x2.add(a0, err2(xu, tu, squared));
    a1 = f64x2.add(a1, err2(high_half(xu), high_half(tu), squared));
    a2 = f64x2.add(a2, err2(xw, tw, squared));
    a3 = f64x2.add(a3, err2(high_half(xw), high_half(tw), squared));
  }
  let s = combine(a0, a1, a2, a3);
  for (let i = n8; i < count; i++) {
    const o = <usize>i << 2;
    const d = <f64>load<f32>(x + o) - <f64>load<f32>(t + o);
    s += squared ? d * d : Math.abs(d);
  }
  return s;
}

/** Σ (x−t)² over count elements, in f64 (metrics mse / rmse). */
export function sq_error_sum(x: usize, t: usize, count: i32): f64 {
  return error_sum(x, t, count, true);
}

/** Σ |x−t| over count elements, in f64 (metric mae). */
export function abs_error_sum(x: usize, t: usize, count: i32): f64 {
  return error_sum(x, t, count, false);
}

/** Index of the first NaN or ±Inf in x(n), or −1 if all are finite. */
export function nonfinite_index(x: usize, n: i32): i32 {
  // A float is non-finite iff its exponent bits are all ones.
  const e = i32x4.splat(0x7f800000);
  const n16 = n & ~15;
  let i = 0;
  for (; i < n16; i += 16) {
    const p = x + (<usize>i << 2);
    const b0 = i32x4.eq(v128.and(v128.load(p), e), e);
    const b1 = i32x4.eq(v128.and(v128.load(p, 16), e), e);
    const b2 = i32x4.eq(v128.and(v128.load(p, 32), e), e);
    const b3 = i32x4.eq(v128.and(v128.load(p, 48), e), e);
    if (v128.any_true(v128.or(v128.or(b0, b1), v128.or(b2, b3)))) break;
  }
  // Either the block holding the first hit, or the tail.
  for (; i < n; i++) {
    if ((load<u32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) return i;
  }
  return -1;
}

// First index of the largest non-NaN value of row p(n); 0 if the row is empty or all NaN.
function row_argmax(p: usize, n: i32): i32 {
  const n4 = n & ~3;
  // Pass 1: the maximum, ignoring NaN (a NaN never compares greater).
  let vb = f32x4.splat(-Infinity);
  for (let j = 0; j < n4; j += 4) {
    const v = v128.load(p + (<usize>j << 2));
    vb = v128.bitselect(v, vb, f32x4.gt(v, vb));
  }
  let best = f32x4.extract_lane(vb, 0);
  const b1 = f32x4.extract_lane(vb, 1), b2 = f32x4.extract_lane(vb, 2), b3 = f32x4.extract_lane(vb, 3);
  if (b1 > best) best = b1;
  if (b2 > best) best = b2;
  if (b3 > best) best = b3;
  for (let j = n4; j < n; j++) {
    const v = load<f32>(p + (<usize>j << 2));
    if (v > best) best = v;
  }
  // Pass 2: its first occurrence.
  const vm = f32x4.splat(best);
  let j = 0;
  for (; j < n4; j += 4) {
    if (v128.any_true(f32x4.eq(v128.load(p + (<usize>j << 2)), vm))) break;
  }
  for (; j < n; j++) {
    if (load<f32>(p + (<usize>j << 2)) == best) return j;
  }
  return 0;
}

/** out(m) i32 = argmax of each row of x(m, n); first max wins, NaN ignored. */
export function argmax_rows(out: usize, x: usize, m: i32, n: i32): void {
  const stride = <usize>n << 2;
  for (let r = 0; r < m; r++) store<i32>(out + (<usize>r << 2), row_argmax(x + <usize>r * stride, n));
}

/** Number of rows r of x(m, n) with argmax(x_r) == labels[r] (labels i32, m). */
export function count_argmax_labels(x: usize, labels: usize, m: i32, n: i32): i32 {
  const stride = <usize>n << 2;
  let c = 0;
  for (let r = 0; r < m; r++) {
    if (row_argmax(x + <usize>r * stride, n) == load<i32>(labels + (<usize>r << 2))) c++;
  }
  return c;
}

/** Number of rows r with argmax(x_r) == argmax(t_r), x and t both (m, n). */
export function count_argmax_match(x: usize, t: usize, m: i32, n: i32): i32 {
  const stride = <usize>n << 2;
  let c = 0;
  for (let r = 0; r < m; r++) {
    const o = <usize>r * stride;
    if (row_argmax(x + o, n) == row_argmax(t + o, n)) c++;
  }
  return c;
}

/** Number of elements with (x > threshold ? 1 : 0) == t, over count elements (Keras binaryAccuracy). */
export function count_binary_match(x: usize, t: usize, count: i32, threshold: f32): i32 {
  const n4 = count & ~3;
  const vth = f32x4.splat(threshold);
  const one = f32x4.splat(1);
  let acc = i32x4.splat(0);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const pred = v128.and(f32x4.gt(v128.load(x + o), vth), one);  // 1.0 or +0.0
    acc = i32x4.sub(acc, f32x4.eq(pred, v128.load(t + o)));       // eq lanes are −1
  }
  let c = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) +
          i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (let i = n4; i < count; i++) {
    const o = <usize>i << 2;
    const pred: f32 = load<f32>(x + o) > threshold ? 1 : 0;
    if (pred == load<f32>(t + o)) c++;
  }
  return c;
}

// ---- added for the training metrics: top-k, confusion counts (precision / recall), AUC -------
// Truth follows Keras: a target value is positive when it is non-zero (cast to bool); a class-id
// target stands for its one-hot row. A prediction is positive when it is > threshold.

// Whether x_label is among the k largest of row p(n), ties counted in (tf.math.in_top_k): fewer
// than k values are strictly greater. A non-finite x_label is never in the top k.
@inline function in_top_k(p: usize, n: i32, label: i32, k: i32): bool {
  const v = load<f32>(p + (<usize>label << 2));
  if (!isFinite(v)) return false;
  let greater = 0;
  for (let j = 0; j < n; j++) if (load<f32>(p + (<usize>j << 2)) > v) greater++;
  return greater < k;
}

/** Rows r of x(m, n) whose labels[r] (i32) is among the k largest values (ties count). */
export function count_top_k_labels(x: usize, labels: usize, m: i32, n: i32, k: i32): i32 {
  const stride = <usize>n << 2;
  let c = 0;
  for (let r = 0; r < m; r++) {
    const lab = load<i32>(labels + (<usize>r << 2));
    if (<u32>lab < <u32>n && in_top_k(x + <usize>r * stride, n, lab, k)) c++;
  }
  return c;
}

/** Rows r where argmax(t_r) is among the k largest values of x_r; x and t both (m, n). */
export function count_top_k_match(x: usize, t: usize, m: i32, n: i32, k: i32): i32 {
  const stride = <usize>n << 2;
  let c = 0;
  for (let r = 0; r < m; r++) {
    const o = <usize>r * stride;
    if (in_top_k(x + o, n, row_argmax(t + o, n), k)) c++;
  }
  return c;
}

// Adds one element's outcome to out(4) f64 = [tp, fp, tn, fn].
@inline function confusion_add(out: usize, pred: bool, truth: bool): void {
  const slot: usize = truth ? (pred ? 0 : 24) : (pred ? 8 : 16);
  store<f64>(out + slot, load<f64>(out + slot) + 1);
}

/** out(4) f64 += [tp, fp, tn, fn] over count elements: predicted x > threshold, true t != 0. */
export function confusion_counts(out: usize, x: usize, t: usize, count: i32, threshold: f32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    confusion_add(out, load<f32>(x + o) > threshold, load<f32>(t + o) != 0);
  }
}

/** As confusion_counts with the one-hot rows of labels(m) i32 as targets of x(m, n). */
export function confusion_counts_labels(out: usize, x: usize, labels: usize, m: i32, n: i32, threshold: f32): void {
  for (let r = 0; r < m; r++) {
    const lab = load<i32>(labels + (<usize>r << 2));
    const row = x + <usize>r * (<usize>n << 2);
    for (let j = 0; j < n; j++) confusion_add(out, load<f32>(row + (<usize>j << 2)) > threshold, j == lab);
  }
}

// AUC by histogram (Keras' evenly-spaced thresholds, T of them: −ε, 1/(T−1), ..., 1+ε): element
// with prediction p (σ(p) for logits, then clipped to [0, 1]) goes to bucket b = max(⌈p·(T−1)⌉ − 1, 0)
// of hist(2T) f64: positives in [0, T), negatives in [T, 2T). Then tp at threshold i is the sum of
// positive buckets b ≥ i (fp likewise), computed by the caller once per epoch.
@inline function auc_add(hist: usize, p: f32, truth: bool, T: i32, logits: i32): void {
  if (logits) p = p >= 0 ? <f32>1 / (<f32>1 + Mathf.exp(-p)) : Mathf.exp(p) / (<f32>1 + Mathf.exp(p));
  p = min<f32>(max<f32>(p, 0), 1);
  let b = <i32>Mathf.ceil(p * <f32>(T - 1)) - 1;
  if (!(b >= 0)) b = 0;  // also NaN
  const slot = hist + ((<usize>(truth ? b : T + b)) << 3);
  store<f64>(slot, load<f64>(slot) + 1);
}

/** hist(2T) f64 += bucket counts of x(count) against targets t (non-zero = positive). */
export function auc_histogram(hist: usize, x: usize, t: usize, count: i32, T: i32, logits: i32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    auc_add(hist, load<f32>(x + o), load<f32>(t + o) != 0, T, logits);
  }
}

/** As auc_histogram with the one-hot rows of labels(m) i32 as targets of x(m, n). */
export function auc_histogram_labels(hist: usize, x: usize, labels: usize, m: i32, n: i32, T: i32, logits: i32): void {
  for (let r = 0; r < m; r++) {
    const lab = load<i32>(labels + (<usize>r << 2));
    const row = x + <usize>r * (<usize>n << 2);
    for (let j = 0; j < n; j++) auc_add(hist, load<f32>(row + (<usize>j << 2)), j == lab, T, logits);
  }
}
