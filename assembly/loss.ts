// loss kernels: the value and, fused in the same pass, the gradient of a batch loss.
//
// Every kernel takes an (m, n) row-major f32 input (m rows = batch, n columns = outputs) and returns, in
// f64, the SUM over rows of w_r·loss_r, where w_r is the row's sample weight (`weights`: f32 per row,
// 0 = none, i.e. all 1). The engine divides by the batch size. Per-row losses follow Keras:
// mse, mae, huber and the binary cross-entropies are the MEAN over the n columns; the categorical
// cross-entropies the SUM over columns.
// If grad != 0, grad(m,n) is WRITTEN (not accumulated) with ∂(scale·Σ_r w_r·loss_r)/∂input, input =
// predictions or logits; the engine passes scale = 1/batch, so the 1/batch factor is applied once,
// here. grad never aliases an input. probs (where taken, 0 = skip) receives σ(z) or softmax(z).
// Labels (sparse losses) are i32 class ids in [0, n), checked by the engine. Arithmetic is scalar
// f64 throughout: accurate values and deterministic sums, cheap for the usual narrow output layer
// (the log/exp losses cost ~15–25 ns per element: ~2 ms for a 128×784 autoencoder batch).

/** Keras' backend epsilon: probabilities are clipped to [EPS, 1 − EPS] before the log. */
const EPS: f64 = 1e-7;

/** Row r's sample weight w_r (1 when there are no weights). */
@inline function rowWeight(weights: usize, r: i32): f64 {
  return weights != 0 ? <f64>load<f32>(weights + (<usize>r << 2)) : 1.0;
}

/** The f32 at byte offset `off` from p, widened to f64. */
@inline function at(p: usize, off: usize): f64 {
  return <f64>load<f32>(p + off);
}

/** σ(z) = 1/(1 + e^−z), from e = exp(−|z|) so it never overflows. */
@inline function sigmoidFrom(z: f64, e: f64): f64 {
  return z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

// ---- regression: mean over columns --------------------------------------------------------------

/** Mean squared error: loss_r = mean_j (p − t)²; grad = scale·w·2(p − t)/n. */
export function mse(grad: usize, pred: usize, target: usize, m: i32, n: i32, scale: f32, weights: usize): f64 {
  const rowBytes = <usize>n << 2;
  let total: f64 = 0;
  for (let r = 0; r < m; r++) {
    const off = <usize>r * rowBytes, w = rowWeight(weights, r);
    const g = (2.0 * <f64>scale * w) / <f64>n;
    let s: f64 = 0;
    for (let j: usize = 0; j < rowBytes; j += 4) {
      const e = at(pred, off + j) - at(target, off + j);
      s += e * e;
      if (grad != 0) store<f32>(grad + off + j, <f32>(g * e));
    }
    total += (w * s) / <f64>n;
  }
  return total;
}

/** Mean absolute error: loss_r = mean_j |p − t|; grad = scale·w·sign(p − t)/n (0 where p = t). */
export function mae(grad: usize, pred: usize, target: usize, m: i32, n: i32, scale: f32, weights: usize): f64 {
  const rowBytes = <usize>n << 2;
  let total: f64 = 0;
  for (let r = 0; r < m; r++) {
    const off = <usize>r * rowBytes, w = rowWeight(weights, r);
    const g = (<f64>scale * w) / <f64>n;
    let s: f64 = 0;
    for (let j: usize = 0; j < rowBytes; j += 4) {
      const e = at(pred, off + j) - at(target, off + j);
      s += Math.abs(e);
      if (grad != 0) store<f32>(grad + off + j, <f32>(e > 0 ? g : e < 0 ? -g : 0));
    }
    total += (w * s) / <f64>n;
  }
  return total;
}

/** Huber: per element ½e² if |e| ≤ δ else δ|e| − ½δ² (e = p − t), mean over columns; grad = clip(e, ±δ)·scale·w/n. */
export function huber(grad: usize, pred: usize, target: usize, m: i32, n: i32, scale: f32, weights: usize, delta: f32): f64 {
  const rowBytes = <usize>n << 2;
  const d = <f64>delta;
  let total: f64 = 0;
  for (let r = 0; r < m; r++) {
    const off = <usize>r * rowBytes, w = rowWeight(weights, r);
    const g = (<f64>scale * w) / <f64>n;
    let s: f64 = 0;
    for (let j: usize = 0; j < rowBytes; j += 4) {
      const e = at(pred, off + j) - at(target, off + j), a = Math.abs(e);
      s += a <= d ? 0.5 * e * e : d * a - 0.5 * d * d;
      if (grad != 0) store<f32>(grad + off + j, <f32>(g * (a <= d ? e : e > 0 ? d : -d)));
    }
    total += (w * s) / <f64>n;
  }
  return total;
}

// ---- binary cross-entropy: mean over columns -----------------------------------------------------

/** BCE on probabilities, p clipped to [1e-7, 1 − 1e-7] (Keras); grad = scale·w·(p − t)/(p(1 − p))/n, 0 where clipped. */
export function bce(grad: usize, pred: usize, target: usize, m: i32, n: i32, scale: f32, weights: usize): f64 {
  const rowBytes = <usize>n << 2;
  let total: f64 = 0;
  for (let r = 0; r < m; r++) {
    const off = <usize>r * rowBytes, w = rowWeight(weights, r);
    const g = (<f64>scale * w) / <f64>n;
    let s: f64 = 0;
    for (let j: usize = 0; j < rowBytes; j += 4) {
      const raw = at(pred, off + j), t = at(target, off + j);
      const p = min(max(raw, EPS), 1.0 - EPS);
      s -= t * Math.log(p) + (1.0 - t) * Math.log(1.0 - p);
      if (grad != 0) {
        // the clip has zero gradient outside [EPS, 1 − EPS] (as in TF's clip_by_value)
        const inside = raw >= EPS && raw <= 1.0 - EPS;
        store<f32>(grad + off + j, inside ? <f32>((g * (p - t)) / (p * (1.0 - p))) : 0);
      }
    }
    total += (w * s) / <f64>n;
  }
  return total;
}

/** BCE from logits, max(z,0) − z·t + log1p(e^−|z|) (stable); grad = scale·w·(σ(z) − t)/n; probs ← σ(z). */
export function bce_logits(grad: usize, z: usize, target: usize, m: i32, n: i32, scale: f32, weights: usize, probs: usize): f64 {
  const rowBytes = <usize>n << 2;
  let total: f64 = 0;
  for (let r = 0; r < m; r++) {
    const off = <usize>r * rowBytes, w = rowWeight(weights, r);
    const g = (<f64>scale * w) / <f64>n;
    let s: f64 = 0;
    for (let j: usize = 0; j < rowBytes; j += 4) {
      const zj = at(z, off + j), t = at(target, off + j);
      const e = Math.exp(-Math.abs(zj));
      s += max(zj, 0.0) - zj * t + Math.log1p(e);
      if (grad != 0 || probs != 0) {
        const p = sigmoidFrom(zj, e);
        if (grad != 0) store<f32>(grad + off + j, <f32>(g * (p - t)));
        if (probs != 0) store<f32>(probs + off + j, <f32>p);
      }
    }
    total += (w * s) / <f64>n;
  }
  return total;
}

// ---- categorical cross-entropy on probabilities: sum over columns --------------------------------
// Keras: q = p / Σ_k p_k, c = clip(q, EPS, 1 − EPS), loss = −Σ_j t_j·log c_j. Gradient through both:
// with g_j = ∂loss/∂q_j = −t_j/q_j where q_j is inside the clip range (else 0),
// ∂loss/∂p_k = (g_k − Σ_j g_j·q_j)/S = (g_k + Σ_{j inside} t_j)/S,  S = Σ_k p_k.
// A row of zeros (S = 0, e.g. a relu output layer gone dead) has no q; Keras and TF.js return NaN.
// Here every q counts as clipped: the loss is the clip's bound −Σ t·log EPS, the gradient 0.

/** CCE on probabilities (rows normalised to sum 1, clipped, −Σ t·log p); grad through the normalisation and clip. */
export function cce(grad: usize, pred: usize, target: usize, m: i32, n: i32, scale: f32, weights: usize): f64 {
  const rowBytes = <usize>n << 2;
  let total: f64 = 0;
  for (let r = 0; r < m; r++) {
    const off = <usize>r * rowBytes, w = rowWeight(weights, r);
    let sum: f64 = 0;
    for (let j: usize = 0; j < rowBytes; j += 4) sum += at(pred, off + j);
    const inv = sum != 0 ? 1.0 / sum : 0.0; // an all-zero row: every q clipped, zero gradient (Keras: NaN)
    let s: f64 = 0, tIn: f64 = 0; // loss, Σ t_j over unclipped j
    for (let j: usize = 0; j < rowBytes; j += 4) {
      const q = at(pred, off + j) * inv, t = at(target, off + j);
      s -= t * Math.log(min(max(q, EPS), 1.0 - EPS));
      if (q >= EPS && q <= 1.0 - EPS) tIn += t;
    }
    if (grad != 0) {
      const g = <f64>scale * w * inv;
      for (let j: usize = 0; j < rowBytes; j += 4) {
        const q = at(pred, off + j) * inv, t = at(target, off + j);
        const gj = q >= EPS && q <= 1.0 - EPS ? -t / q : 0.0;
        store<f32>(grad + off + j, <f32>(g * (gj + tIn)));
      }
    }
    total += w * s;
  }
  return total;
}

/** Sparse CCE on probabilities: exactly cce with a one-hot target (label i32 per row in [0, n)). */
export function sparse_cce(grad: usize, pred: usize, labels: usize, m: i32, n: i32, scale: f32, weights: usize): f64 {
  const rowBytes = <usize>n << 2;
  let total: f64 = 0;
  for (let r = 0; r < m; r++) {
    const off = <usize>r * rowBytes, w = rowWeight(weights, r);
    const lab = <usize>load<i32>(labels + (<usize>r << 2)) << 2;
    let sum: f64 = 0;
    for (let j: usize = 0; j < rowBytes; j += 4) sum += at(pred, off + j);
    const inv = sum != 0 ? 1.0 / sum : 0.0; // an all-zero row: every q clipped, zero gradient (Keras: NaN)
    const q = at(pred, off + lab) * inv;
    const inside = q >= EPS && q <= 1.0 - EPS;
    total -= w * Math.log(min(max(q, EPS), 1.0 - EPS));
    if (grad != 0) {
      // ∂/∂p_k = (g_k + 1)/S for an unclipped label (g_label = −1/q, others 0); all 0 if it is clipped
      const g = <f64>scale * w * inv;
      for (let j: usize = 0; j < rowBytes; j += 4) {
        const v = !inside ? 0.0 : j == lab ? 1.0 - 1.0 / q : 1.0;
        store<f32>(grad + off + j, <f32>(g * v));
      }
    }
  }
  return total;
}

// ---- softmax + cross-entropy from logits, fused: sum over columns --------------------------------
// lse = max + log Σ_k e^{z_k − max}; loss = Σ_j t_j·(lse − z_j), each (lse − z_j) = (max − z_j) + log Σ
// formed without cancellation, so logits of ±1e4 stay finite. softmax_j = e^{z_j − max}/Σ.

/** max_k z_k over the row at byte offset `off`. */
@inline function rowMaxOf(z: usize, off: usize, rowBytes: usize): f64 {
  let mx = at(z, off);
  for (let j: usize = 4; j < rowBytes; j += 4) mx = max(mx, at(z, off + j));
  return mx;
}

/** Σ_k e^{z_k − mx} over the row (≥ 1 when mx is the row max). */
@inline function expSum(z: usize, off: usize, rowBytes: usize, mx: f64): f64 {
  let s: f64 = 0;
  for (let j: usize = 0; j < rowBytes; j += 4) s += Math.exp(at(z, off + j) - mx);
  return s;
}

/** Fused softmax + CE from logits: loss_r = Σ_j t_j·(lse − z_j); grad = scale·w·(softmax·Σt − t); probs ← softmax(z). */
export function softmax_cce(grad: usize, z: usize, target: usize, m: i32, n: i32, scale: f32, weights: usize, probs: usize): f64 {
  const rowBytes = <usize>n << 2;
  let total: f64 = 0;
  for (let r = 0; r < m; r++) {
    const off = <usize>r * rowBytes, w = rowWeight(weights, r);
    const mx = rowMaxOf(z, off, rowBytes), sum = expSum(z, off, rowBytes, mx), logSum = Math.log(sum), inv = 1.0 / sum;
    let s: f64 = 0, tSum: f64 = 0;
    for (let j: usize = 0; j < rowBytes; j += 4) {
      const t = at(target, off + j);
      if (t != 0) s += t * ((mx - at(z, off + j)) + logSum); // skip t = 0: 0·∞ would be NaN
      tSum += t;
    }
    if (grad != 0 || probs != 0) {
      const g = <f64>scale * w;
      for (let j: usize = 0; j < rowBytes; j += 4) {
        const p = Math.exp(at(z, off + j) - mx) * inv;
        if (grad != 0) store<f32>(grad + off + j, <f32>(g * (p * tSum - at(target, off + j))));
        if (probs != 0) store<f32>(probs + off + j, <f32>p);
      }
    }
    total += w * s;
  }
  return total;
}

/** Fused softmax + sparse CE from logits: loss_r = lse − z_label; grad = scale·w·(softmax − onehot); probs ← softmax(z). */
export function softmax_sparse_cce(grad: usize, z: usize, labels: usize, m: i32, n: i32, scale: f32, weights: usize, probs: usize): f64 {
  const rowBytes = <usize>n << 2;
  let total: f64 = 0;
  for (let r = 0; r < m; r++) {
    const off = <usize>r * rowBytes, w = rowWeight(weights, r);
    const lab = <usize>load<i32>(labels + (<usize>r << 2)) << 2;
    const mx = rowMaxOf(z, off, rowBytes), sum = expSum(z, off, rowBytes, mx), inv = 1.0 / sum;
    total += w * ((mx - at(z, off + lab)) + Math.log(sum));
    if (grad != 0 || probs != 0) {
      const g = <f64>scale * w;
      for (let j: usize = 0; j < rowBytes; j += 4) {
        const p = Math.exp(at(z, off + j) - mx) * inv;
        if (grad != 0) store<f32>(grad + off + j, <f32>(g * (j == lab ? p - 1.0 : p)));
        if (probs != 0) store<f32>(probs + off + j, <f32>p);
      }
    }
  }
  return total;
}
