// optim kernels: one update rule per optimizer, applied element-wise over a flat region of n
// parameters p(n), their gradients g(n) and the optimizer's state vectors (each n, same layout as
// p). Parameters and state are updated in place; g is read only. Semantics follow Keras 3
// (keras/src/optimizers/*.py), including the order of f32 operations, so that every element equals
// a scalar f32 evaluation of the formula written beside each kernel. Step-dependent scalars (bias
// corrections, lr schedules, lr·weightDecay) are computed once per step by the engine.
//   SGD (+ momentum, Nesterov)  Sutskever et al. 2013, http://proceedings.mlr.press/v28/sutskever13.html
//   Adam                        Kingma & Ba 2014, https://arxiv.org/abs/1412.6980
//   AdamW                       Loshchilov & Hutter 2017, https://arxiv.org/abs/1711.05101
//   RMSprop (+ centered)        Hinton, Lecture 6e; Graves 2013, https://arxiv.org/abs/1308.0850
//   Adagrad                     Duchi et al. 2011, https://jmlr.org/papers/v12/duchi11a.html
// Pointers are byte addresses, n an element count; main loop 4 lanes at a time, then a scalar tail.

/** SGD: momentum == 0: p -= lr·g; else v = momentum·v − lr·g, p += v (nesterov: p += momentum·v − lr·g). */
export function sgd_update(p: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, nesterov: i32): void {
  const n4 = n & ~3;
  const vlr = f32x4.splat(lr);
  if (momentum == 0) {
    for (let i = 0; i < n4; i += 4) {
      const o = <usize>i << 2;
      v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.mul(vlr, v128.load(g + o))));
    }
    for (let i = n4; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(p + o, load<f32>(p + o) - lr * load<f32>(g + o));
    }
    return;
  }
  const vmu = f32x4.splat(momentum);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const lg = f32x4.mul(vlr, v128.load(g + o));
    const vn = f32x4.sub(f32x4.mul(vmu, v128.load(v + o)), lg);
    v128.store(v + o, vn);
    const step = nesterov ? f32x4.sub(f32x4.mul(vmu, vn), lg) : vn;
    v128.store(p + o, f32x4.add(v128.load(p + o), step));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const lg = lr * load<f32>(g + o);
    const vn = momentum * load<f32>(v + o) - lg;
    store<f32>(v + o, vn);
    const step = nesterov ? momentum * vn - lg : vn;
    store<f32>(p + o, load<f32>(p + o) + step);
  }
}

// Adam's moment and parameter update for one element (scalar twin of the SIMD body below).
@inline function adam_scalar(p: usize, g: usize, m: usize, v: usize, o: usize,
                             alpha: f32, c1: f32, c2: f32, eps: f32): void {
  const gi = load<f32>(g + o);
  const mi = load<f32>(m + o);
  const vi = load<f32>(v + o);
  const mn = mi + (gi - mi) * c1;
  const vn = vi + (gi * gi - vi) * c2;
  store<f32>(m + o, mn);
  store<f32>(v + o, vn);
  store<f32>(p + o, load<f32>(p + o) - (mn * alpha) / (Mathf.sqrt(vn) + eps));
}

// The Adam step over [0, n) with c1 = 1 − β1, c2 = 1 − β2; shared by adam_update and adamw_update.
@inline function adam_body(p: usize, g: usize, m: usize, v: usize, n: i32,
                           alpha: f32, c1: f32, c2: f32, eps: f32): void {
  const n4 = n & ~3;
  const va = f32x4.splat(alpha);
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  const veps = f32x4.splat(eps);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = v128.load(m + o);
    const vi = v128.load(v + o);
    const mn = f32x4.add(mi, f32x4.mul(f32x4.sub(gi, mi), vc1));
    const vn = f32x4.add(vi, f32x4.mul(f32x4.sub(f32x4.mul(gi, gi), vi), vc2));
    v128.store(m + o, mn);
    v128.store(v + o, vn);
    const upd = f32x4.div(f32x4.mul(mn, va), f32x4.add(f32x4.sqrt(vn), veps));
    v128.store(p + o, f32x4.sub(v128.load(p + o), upd));
  }
  for (let i = n4; i < n; i++) adam_scalar(p, g, m, v, <usize>i << 2, alpha, c1, c2, eps);
}

/** Adam: m += (g−m)(1−β1); v += (g²−v)(1−β2); p −= (m·alpha)/(√v + eps); alpha = lr·√(1−β2^t)/(1−β1^t). */
export function adam_update(p: usize, g: usize, m: usize, v: usize, n: i32,
                            alpha: f32, beta1: f32, beta2: f32, eps: f32): void {
  adam_body(p, g, m, v, n, alpha, <f32>1 - beta1, <f32>1 - beta2, eps);
}

/** AdamW: p −= p·decay (decay = lr·weightDecay), then the Adam step of adam_update. */
export function adamw_update(p: usize, g: usize, m: usize, v: usize, n: i32,
                             alpha: f32, beta1: f32, beta2: f32, eps: f32, decay: f32): void {
  // Keras applies the decay to the whole variable before the Adam step: one pass each keeps the
  // rounding identical to p.assign_sub(p·decay) followed by adam_update.
  const n4 = n & ~3;
  const vd = f32x4.splat(decay);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const pi = v128.load(p + o);
    v128.store(p + o, f32x4.sub(pi, f32x4.mul(pi, vd)));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    store<f32>(p + o, pi - pi * decay);
  }
  adam_body(p, g, m, v, n, alpha, <f32>1 - beta1, <f32>1 - beta2, eps);
}

// centered: mg = ρ·mg + (1−ρ)g and the denominator is ms − mg²; momentum > 0: mom = μ·mom + inc, p −= mom.
/** RMSprop: ms = ρ·ms + (1−ρ)g²; inc = lr·g/√(ms + eps); p −= inc (centered / momentum variants above). */
export function rmsprop_update(p: usize, g: usize, ms: usize, mom: usize, mg: usize, n: i32,
                               lr: f32, rho: f32, momentum: f32, eps: f32, centered: i32): void {
  const c = <f32>1 - rho;
  const useMom = momentum > 0;
  const n4 = n & ~3;
  const vlr = f32x4.splat(lr);
  const vrho = f32x4.splat(rho);
  const vc = f32x4.splat(c);
  const vmu = f32x4.splat(momentum);
  const veps = f32x4.splat(eps);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const msn = f32x4.add(f32x4.mul(vrho, v128.load(ms + o)), f32x4.mul(vc, f32x4.mul(gi, gi)));
    v128.store(ms + o, msn);
    let den = msn;
    if (centered) {
      const mgn = f32x4.add(f32x4.mul(vrho, v128.load(mg + o)), f32x4.mul(vc, gi));
      v128.store(mg + o, mgn);
      den = f32x4.sub(msn, f32x4.mul(mgn, mgn));
    }
    let inc = f32x4.div(f32x4.mul(vlr, gi), f32x4.sqrt(f32x4.add(den, veps)));
    if (useMom) {
      inc = f32x4.add(f32x4.mul(vmu, v128.load(mom + o)), inc);
      v128.store(mom + o, inc);
    }
    v128.store(p + o, f32x4.sub(v128.load(p + o), inc));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const msn = rho * load<f32>(ms + o) + c * (gi * gi);
    store<f32>(ms + o, msn);
    let den = msn;
    if (centered) {
      const mgn = rho * load<f32>(mg + o) + c * gi;
      store<f32>(mg + o, mgn);
      den = msn - mgn * mgn;
    }
    let inc = (lr * gi) / Mathf.sqrt(den + eps);
    if (useMom) {
      inc = momentum * load<f32>(mom + o) + inc;
      store<f32>(mom + o, inc);
    }
    store<f32>(p + o, load<f32>(p + o) - inc);
  }
}

/** Adagrad: acc += g²; p −= lr·g/√(acc + eps). */
export function adagrad_update(p: usize, g: usize, acc: usize, n: i32, lr: f32, eps: f32): void {
  const n4 = n & ~3;
  const vlr = f32x4.splat(lr);
  const veps = f32x4.splat(eps);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const an = f32x4.add(v128.load(acc + o), f32x4.mul(gi, gi));
    v128.store(acc + o, an);
    const upd = f32x4.div(f32x4.mul(vlr, gi), f32x4.sqrt(f32x4.add(an, veps)));
    v128.store(p + o, f32x4.sub(v128.load(p + o), upd));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const an = load<f32>(acc + o) + gi * gi;
    store<f32>(acc + o, an);
    store<f32>(p + o, load<f32>(p + o) - (lr * gi) / Mathf.sqrt(an + eps));
  }
}

// ---- added for the training controls: Adamax, Nadam, weight decay, clipping, regularisation ----
//   Adamax, Nadam  Kingma & Ba 2014 §7.1; Dozat 2016, https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ
//   Clipping       Pascanu et al. 2013, https://arxiv.org/abs/1211.5063 (Keras clipnorm / clipvalue / global_clipnorm)

/** Adamax: m += (g−m)(1−β1); u = max(β2·u, |g|); p −= (lr·m)/(c·(u + eps)), c = 1 − β1^t. */
export function adamax_update(p: usize, g: usize, m: usize, u: usize, n: i32,
                              lr: f32, beta1: f32, beta2: f32, eps: f32, c: f32): void {
  const c1 = <f32>1 - beta1;
  const n4 = n & ~3;
  const vlr = f32x4.splat(lr), vc1 = f32x4.splat(c1), vb2 = f32x4.splat(beta2);
  const veps = f32x4.splat(eps), vc = f32x4.splat(c);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = v128.load(m + o);
    const mn = f32x4.add(mi, f32x4.mul(f32x4.sub(gi, mi), vc1));
    const un = f32x4.max(f32x4.mul(vb2, v128.load(u + o)), f32x4.abs(gi));
    v128.store(m + o, mn);
    v128.store(u + o, un);
    const upd = f32x4.div(f32x4.mul(vlr, mn), f32x4.mul(vc, f32x4.add(un, veps)));
    v128.store(p + o, f32x4.sub(v128.load(p + o), upd));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = load<f32>(m + o);
    const mn = mi + (gi - mi) * c1;
    const un = max<f32>(beta2 * load<f32>(u + o), Mathf.abs(gi));
    store<f32>(m + o, mn);
    store<f32>(u + o, un);
    store<f32>(p + o, load<f32>(p + o) - (lr * mn) / (c * (un + eps)));
  }
}

/**
 * Nadam (Keras 3): m += (g−m)(1−β1); v += (g²−v)(1−β2); mhat = (u1·m)/d1 + (c0·g)/d0;
 * vhat = v/vc; p −= (mhat·lr)/(√vhat + eps). The step's scalars: u1 = μ_{t+1}, d1 = 1 − Πμ_{..t+1},
 * c0 = 1 − μ_t, d0 = 1 − Πμ_{..t}, vc = 1 − β2^t, with μ_t = β1(1 − ½·0.96^t).
 */
export function nadam_update(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32,
                             eps: f32, u1: f32, d1: f32, c0: f32, d0: f32, vc: f32): void {
  const c1 = <f32>1 - beta1, c2 = <f32>1 - beta2;
  const n4 = n & ~3;
  const vlr = f32x4.splat(lr), vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2), veps = f32x4.splat(eps);
  const vu1 = f32x4.splat(u1), vd1 = f32x4.splat(d1), vc0 = f32x4.splat(c0), vd0 = f32x4.splat(d0), vvc = f32x4.splat(vc);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = v128.load(m + o);
    const vi = v128.load(v + o);
    const mn = f32x4.add(mi, f32x4.mul(f32x4.sub(gi, mi), vc1));
    const vn = f32x4.add(vi, f32x4.mul(f32x4.sub(f32x4.mul(gi, gi), vi), vc2));
    v128.store(m + o, mn);
    v128.store(v + o, vn);
    const mh = f32x4.add(f32x4.div(f32x4.mul(vu1, mn), vd1), f32x4.div(f32x4.mul(vc0, gi), vd0));
    const vh = f32x4.div(vn, vvc);
    const upd = f32x4.div(f32x4.mul(mh, vlr), f32x4.add(f32x4.sqrt(vh), veps));
    v128.store(p + o, f32x4.sub(v128.load(p + o), upd));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = load<f32>(m + o);
    const vi = load<f32>(v + o);
    const mn = mi + (gi - mi) * c1;
    const vn = vi + (gi * gi - vi) * c2;
    store<f32>(m + o, mn);
    store<f32>(v + o, vn);
    const mh = (u1 * mn) / d1 + (c0 * gi) / d0;
    const vh = vn / vc;
    store<f32>(p + o, load<f32>(p + o) - (mh * lr) / (Mathf.sqrt(vh) + eps));
  }
}

/** Decoupled weight decay (Keras `weight_decay` on any optimizer): p −= p·decay, decay = lr·weightDecay. */
export function weight_decay(p: usize, n: i32, decay: f32): void {
  const n4 = n & ~3;
  const vd = f32x4.splat(decay);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const pi = v128.load(p + o);
    v128.store(p + o, f32x4.sub(pi, f32x4.mul(pi, vd)));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    store<f32>(p + o, pi - pi * decay);
  }
}

/** x(n) *= s (global-norm clipping applies the scale clip/max(norm, clip) with this). */
export function scale_f32(x: usize, n: i32, s: f32): void {
  const n4 = n & ~3;
  const vs = f32x4.splat(s);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.mul(v128.load(x + o), vs));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, load<f32>(x + o) * s);
  }
}

/** x(n) = min(max(x, lo), hi) (Keras clipvalue: lo = −v, hi = v; NaN stays NaN). */
export function clip_f32(x: usize, n: i32, lo: f32, hi: f32): void {
  const n4 = n & ~3;
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.min(f32x4.max(v128.load(x + o), vlo), vhi));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, min<f32>(max<f32>(load<f32>(x + o), lo), hi));
  }
}

/**
 * Keras clipnorm for one tensor x(n): with s = Σx² (f64) > 0, x = (x·clip)/max(√s, clip);
 * unchanged when s = 0. Returns √s.
 */
export function clip_by_norm(x: usize, n: i32, clip: f32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  const norm = Math.sqrt(s);
  if (!(s > 0)) return norm;
  const d = max<f32>(<f32>norm, clip);
  const n4 = n & ~3;
  const vc = f32x4.splat(clip), vd = f32x4.splat(d);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.div(f32x4.mul(v128.load(x + o), vc), vd));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, (load<f32>(x + o) * clip) / d);
  }
  return norm;
}

/**
 * L1/L2 penalty of weights w(n): returns l1·Σ|w| + l2·Σw² (f64); when grad != 0 also
 * grad(n) += l1·sign(w) + 2·l2·w (sign(0) = 0).
 */
export function l1l2_penalty(grad: usize, w: usize, n: i32, l1: f32, l2: f32): f64 {
  let a: f64 = 0, q: f64 = 0;
  const tl1 = l1, tl2 = <f32>2 * l2;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    a += Math.abs(<f64>wi);
    q += <f64>wi * <f64>wi;
    if (grad != 0) {
      const sg: f32 = wi > 0 ? 1 : wi < 0 ? -1 : 0;
      store<f32>(grad + o, load<f32>(grad + o) + (tl1 * sg + tl2 * wi));
    }
  }
  return <f64>l1 * a + <f64>l2 * q;
}
