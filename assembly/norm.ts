// norm kernels: batch normalisation (statistics of each column over the m rows of a batch) and
// layer normalisation (statistics of each row over its n columns), forward and backward. x(m, n)
// is row-major, batch-first; gamma, beta and the moving statistics are (n). gamma = 0 means "no
// scale" (1), beta = 0 "no centre" (0). Outputs are WRITTEN, never accumulated. Semantics follow
// Keras 3: biased variance (divide by m or n), invstd = 1/√(var+eps), xhat = (x − mean)·invstd,
// y = gamma·xhat + beta; moving = moving·momentum + batch·(1 − momentum).
// Backward (Ioffe & Szegedy 2015, https://arxiv.org/abs/1502.03167, §3), with the statistics
// taken over K values (K = m for batch norm, n for layer norm) and dxh = ∂L/∂xhat:
//   dx = invstd/K · (K·dxh − Σ dxh − xhat·Σ(dxh·xhat))
// Sums are f32 in a fixed order (rows 0..m−1 for a column, columns 0..n−1 for a row), so results
// are deterministic. Pointers are byte addresses, sizes element counts.

// ---- batch normalisation: column statistics --------------------------------------------------
// Columns go 4 at a time (one f32x4 lane each) down the rows, then a scalar tail of n mod 4.

/** γ_j (1 when there is no scale). */
@inline function gammaAt(gamma: usize, o: usize): f32 {
  return gamma != 0 ? load<f32>(gamma + o) : 1;
}

@inline function betaAt(beta: usize, o: usize): f32 {
  return beta != 0 ? load<f32>(beta + o) : 0;
}

@inline function gamma4(gamma: usize, o: usize): v128 {
  return gamma != 0 ? v128.load(gamma + o) : f32x4.splat(1);
}

@inline function beta4(beta: usize, o: usize): v128 {
  return beta != 0 ? v128.load(beta + o) : f32x4.splat(0);
}

/**
 * Training forward: batch mean(n) and invstd(n), xhat(m, n), y(m, n) = gamma·xhat + beta; the
 * moving statistics mmean(n), mvar(n) move toward the batch's (skipped when mmean is 0).
 */
export function batchnorm_train(y: usize, xhat: usize, mean: usize, invstd: usize, x: usize,
                                gamma: usize, beta: usize, mmean: usize, mvar: usize,
                                m: i32, n: i32, momentum: f32, eps: f32): void {
  const stride = <usize>n << 2;
  const fm = <f32>m;
  const c = <f32>1 - momentum;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    let s = f32x4.splat(0);
    for (let r = 0; r < m; r++) s = f32x4.add(s, v128.load(x + <usize>r * stride + o));
    const mu = f32x4.div(s, f32x4.splat(fm));
    let q = f32x4.splat(0);
    for (let r = 0; r < m; r++) {
      const d = f32x4.sub(v128.load(x + <usize>r * stride + o), mu);
      q = f32x4.add(q, f32x4.mul(d, d));
    }
    const vr = f32x4.div(q, f32x4.splat(fm));
    const inv = f32x4.div(f32x4.splat(1), f32x4.sqrt(f32x4.add(vr, f32x4.splat(eps))));
    v128.store(mean + o, mu);
    v128.store(invstd + o, inv);
    if (mmean != 0) {
      const vm = f32x4.splat(momentum), vc = f32x4.splat(c);
      v128.store(mmean + o, f32x4.add(f32x4.mul(v128.load(mmean + o), vm), f32x4.mul(mu, vc)));
      v128.store(mvar + o, f32x4.add(f32x4.mul(v128.load(mvar + o), vm), f32x4.mul(vr, vc)));
    }
    const g = gamma4(gamma, o), b = beta4(beta, o);
    for (let r = 0; r < m; r++) {
      const ro = <usize>r * stride + o;
      const h = f32x4.mul(f32x4.sub(v128.load(x + ro), mu), inv);
      v128.store(xhat + ro, h);
      v128.store(y + ro, f32x4.add(f32x4.mul(g, h), b));
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    let s: f32 = 0;
    for (let r = 0; r < m; r++) s += load<f32>(x + <usize>r * stride + o);
    const mu = s / fm;
    let q: f32 = 0;
    for (let r = 0; r < m; r++) {
      const d = load<f32>(x + <usize>r * stride + o) - mu;
      q += d * d;
    }
    const vr = q / fm;
    const inv = <f32>1 / Mathf.sqrt(vr + eps);
    store<f32>(mean + o, mu);
    store<f32>(invstd + o, inv);
    if (mmean != 0) {
      store<f32>(mmean + o, load<f32>(mmean + o) * momentum + mu * c);
      store<f32>(mvar + o, load<f32>(mvar + o) * momentum + vr * c);
    }
    const g = gammaAt(gamma, o), b = betaAt(beta, o);
    for (let r = 0; r < m; r++) {
      const ro = <usize>r * stride + o;
      const h = (load<f32>(x + ro) - mu) * inv;
      store<f32>(xhat + ro, h);
      store<f32>(y + ro, g * h + b);
    }
  }
}

/** Inference forward: y(m, n) = gamma·(x − mmean)/√(mvar + eps) + beta, moving statistics only. */
export function batchnorm_infer(y: usize, x: usize, gamma: usize, beta: usize, mmean: usize, mvar: usize,
                                m: i32, n: i32, eps: f32): void {
  const stride = <usize>n << 2;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const mu = v128.load(mmean + o);
    const inv = f32x4.div(f32x4.splat(1), f32x4.sqrt(f32x4.add(v128.load(mvar + o), f32x4.splat(eps))));
    const g = gamma4(gamma, o), b = beta4(beta, o);
    for (let r = 0; r < m; r++) {
      const ro = <usize>r * stride + o;
      v128.store(y + ro, f32x4.add(f32x4.mul(g, f32x4.mul(f32x4.sub(v128.load(x + ro), mu), inv)), b));
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const mu = load<f32>(mmean + o);
    const inv = <f32>1 / Mathf.sqrt(load<f32>(mvar + o) + eps);
    const g = gammaAt(gamma, o), b = betaAt(beta, o);
    for (let r = 0; r < m; r++) {
      const ro = <usize>r * stride + o;
      store<f32>(y + ro, g * ((load<f32>(x + ro) - mu) * inv) + b);
    }
  }
}

/**
 * Backward of batchnorm_train: dgamma(n) = Σ_rows dy·xhat and dbeta(n) = Σ_rows dy (each skipped
 * when its pointer is 0); dx(m, n) = gamma·invstd/m · (m·dy − Σdy − xhat·Σ(dy·xhat)) when dx != 0.
 */
export function batchnorm_backward(dx: usize, dgamma: usize, dbeta: usize, dy: usize, xhat: usize,
                                   invstd: usize, gamma: usize, m: i32, n: i32): void {
  const stride = <usize>n << 2;
  const fm = <f32>m;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    let sd = f32x4.splat(0), sdh = f32x4.splat(0);
    for (let r = 0; r < m; r++) {
      const ro = <usize>r * stride + o;
      const d = v128.load(dy + ro);
      sd = f32x4.add(sd, d);
      sdh = f32x4.add(sdh, f32x4.mul(d, v128.load(xhat + ro)));
    }
    if (dgamma != 0) v128.store(dgamma + o, sdh);
    if (dbeta != 0) v128.store(dbeta + o, sd);
    if (dx == 0) continue;
    // dxh = gamma·dy, so Σdxh = gamma·sd and Σ dxh·xhat = gamma·sdh.
    const k = f32x4.div(f32x4.mul(gamma4(gamma, o), v128.load(invstd + o)), f32x4.splat(fm));
    const vm = f32x4.splat(fm);
    for (let r = 0; r < m; r++) {
      const ro = <usize>r * stride + o;
      const t = f32x4.sub(f32x4.sub(f32x4.mul(vm, v128.load(dy + ro)), sd), f32x4.mul(v128.load(xhat + ro), sdh));
      v128.store(dx + ro, f32x4.mul(k, t));
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    let sd: f32 = 0, sdh: f32 = 0;
    for (let r = 0; r < m; r++) {
      const ro = <usize>r * stride + o;
      const d = load<f32>(dy + ro);
      sd += d;
      sdh += d * load<f32>(xhat + ro);
    }
    if (dgamma != 0) store<f32>(dgamma + o, sdh);
    if (dbeta != 0) store<f32>(dbeta + o, sd);
    if (dx == 0) continue;
    const k = (gammaAt(gamma, o) * load<f32>(invstd + o)) / fm;
    for (let r = 0; r < m; r++) {
      const ro = <usize>r * stride + o;
      store<f32>(dx + ro, k * ((fm * load<f32>(dy + ro) - sd) - load<f32>(xhat + ro) * sdh));
    }
  }
}

// ---- layer normalisation: row statistics ------------------------------------------------------
// Each row is summed 4 columns at a time into one f32x4 (lanes combined as (l0+l1)+(l2+l3)), then
// the n mod 4 tail in order.

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Forward: per row r, invstd(m)[r], xhat(m, n), y(m, n) = gamma·xhat + beta (same in training and inference). */
export function layernorm_forward(y: usize, xhat: usize, invstd: usize, x: usize, gamma: usize, beta: usize,
                                  m: i32, n: i32, eps: f32): void {
  const n4 = n & ~3;
  const fn = <f32>n;
  for (let r = 0; r < m; r++) {
    const row = <usize>r * (<usize>n << 2);
    const px = x + row;
    let s4 = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) s4 = f32x4.add(s4, v128.load(px + (<usize>j << 2)));
    let s = hsum(s4);
    for (let j = n4; j < n; j++) s += load<f32>(px + (<usize>j << 2));
    const mu = s / fn;
    const vmu = f32x4.splat(mu);
    let q4 = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const d = f32x4.sub(v128.load(px + (<usize>j << 2)), vmu);
      q4 = f32x4.add(q4, f32x4.mul(d, d));
    }
    let q = hsum(q4);
    for (let j = n4; j < n; j++) {
      const d = load<f32>(px + (<usize>j << 2)) - mu;
      q += d * d;
    }
    const inv = <f32>1 / Mathf.sqrt(q / fn + eps);
    store<f32>(invstd + (<usize>r << 2), inv);
    const vinv = f32x4.splat(inv);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const h = f32x4.mul(f32x4.sub(v128.load(px + o), vmu), vinv);
      v128.store(xhat + row + o, h);
      v128.store(y + row + o, f32x4.add(f32x4.mul(gamma4(gamma, o), h), beta4(beta, o)));
    }
    for (let j = n4; j < n; j++) {
      const o = <usize>j << 2;
      const h = (load<f32>(px + o) - mu) * inv;
      store<f32>(xhat + row + o, h);
      store<f32>(y + row + o, gammaAt(gamma, o) * h + betaAt(beta, o));
    }
  }
}

/**
 * Backward of layernorm_forward: dgamma(n) = Σ_rows dy·xhat, dbeta(n) = Σ_rows dy (skipped when 0);
 * dx(m, n) = invstd/n · (n·dxh − Σdxh − xhat·Σ(dxh·xhat)) per row, dxh = gamma·dy, when dx != 0.
 */
export function layernorm_backward(dx: usize, dgamma: usize, dbeta: usize, dy: usize, xhat: usize,
                                   invstd: usize, gamma: usize, m: i32, n: i32): void {
  const n4 = n & ~3;
  const fn = <f32>n;
  const stride = <usize>n << 2;
  // Parameter gradients: column sums over rows in order.
  if (dgamma != 0 || dbeta != 0) {
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 2;
      if (dgamma != 0) store<f32>(dgamma + o, 0);
      if (dbeta != 0) store<f32>(dbeta + o, 0);
    }
    for (let r = 0; r < m; r++) {
      const row = <usize>r * stride;
      for (let j = 0; j < n4; j += 4) {
        const o = <usize>j << 2;
        const d = v128.load(dy + row + o);
        if (dgamma != 0) v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d, v128.load(xhat + row + o))));
        if (dbeta != 0) v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d));
      }
      for (let j = n4; j < n; j++) {
        const o = <usize>j << 2;
        const d = load<f32>(dy + row + o);
        if (dgamma != 0) store<f32>(dgamma + o, load<f32>(dgamma + o) + d * load<f32>(xhat + row + o));
        if (dbeta != 0) store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
      }
    }
  }
  if (dx == 0) return;
  const vn = f32x4.splat(fn);
  for (let r = 0; r < m; r++) {
    const row = <usize>r * stride;
    let s4 = f32x4.splat(0), h4 = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const d = f32x4.mul(gamma4(gamma, o), v128.load(dy + row + o));
      s4 = f32x4.add(s4, d);
      h4 = f32x4.add(h4, f32x4.mul(d, v128.load(xhat + row + o)));
    }
    let s = hsum(s4), sh = hsum(h4);
    for (let j = n4; j < n; j++) {
      const o = <usize>j << 2;
      const d = gammaAt(gamma, o) * load<f32>(dy + row + o);
      s += d;
      sh += d * load<f32>(xhat + row + o);
    }
    const k = load<f32>(invstd + (<usize>r << 2)) / fn;
    const vk = f32x4.splat(k), vs = f32x4.splat(s), vsh = f32x4.splat(sh);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const d = f32x4.mul(gamma4(gamma, o), v128.load(dy + row + o));
      const t = f32x4.sub(f32x4.sub(f32x4.mul(vn, d), vs), f32x4.mul(v128.load(xhat + row + o), vsh));
      v128.store(dx + row + o, f32x4.mul(vk, t));
    }
    for (let j = n4; j < n; j++) {
      const o = <usize>j << 2;
      const d = gammaAt(gamma, o) * load<f32>(dy + row + o);
      store<f32>(dx + row + o, k * ((fn * d - s) - load<f32>(xhat + row + o) * sh));
    }
  }
}
