// Normalisation kernels (assembly/norm.ts) against plain f64 TypeScript twins; the backward passes
// against central finite differences of the twin's forward.
import { describe, expect, it } from 'vitest';
import { expectClose, loadKernels, randomArray } from '../helpers/wasm';

const h = loadKernels();
const { k } = h;
const SHAPES: [number, number][] = [[1, 1], [2, 3], [3, 4], [5, 7], [8, 16], [16, 9], [4, 33], [33, 5]];

/** f64 twin of batch norm in training: per column mean / biased variance over the m rows. */
function bnRef(x: Float32Array, m: number, n: number, gamma: ArrayLike<number> | null, beta: ArrayLike<number> | null, eps: number) {
  const y = new Float64Array(m * n), xhat = new Float64Array(m * n), mean = new Float64Array(n), invstd = new Float64Array(n), vr = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let r = 0; r < m; r++) s += x[r * n + j];
    mean[j] = s / m;
    let q = 0;
    for (let r = 0; r < m; r++) q += (x[r * n + j] - mean[j]) ** 2;
    vr[j] = q / m;
    invstd[j] = 1 / Math.sqrt(vr[j] + eps);
    for (let r = 0; r < m; r++) {
      const i = r * n + j;
      xhat[i] = (x[i] - mean[j]) * invstd[j];
      y[i] = (gamma ? gamma[j] : 1) * xhat[i] + (beta ? beta[j] : 0);
    }
  }
  return { y, xhat, mean, invstd, vr };
}

/** f64 twin of layer norm: per row statistics over the n columns. */
function lnRef(x: ArrayLike<number>, m: number, n: number, gamma: ArrayLike<number> | null, beta: ArrayLike<number> | null, eps: number) {
  const y = new Float64Array(m * n), xhat = new Float64Array(m * n), invstd = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += x[r * n + j];
    const mu = s / n;
    let q = 0;
    for (let j = 0; j < n; j++) q += (x[r * n + j] - mu) ** 2;
    invstd[r] = 1 / Math.sqrt(q / n + eps);
    for (let j = 0; j < n; j++) {
      const i = r * n + j;
      xhat[i] = (x[i] - mu) * invstd[r];
      y[i] = (gamma ? gamma[j] : 1) * xhat[i] + (beta ? beta[j] : 0);
    }
  }
  return { y, xhat, invstd };
}

/** Central differences of L(v) = Σ dy·f(v) with respect to every element of v. */
function fdGrad(v: ArrayLike<number>, dy: ArrayLike<number>, f: (v: Float64Array) => ArrayLike<number>, step = 1e-4): Float64Array {
  const base = Float64Array.from(v);
  const out = new Float64Array(base.length);
  const L = (w: Float64Array) => {
    const y = f(w);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += dy[i] * y[i];
    return s;
  };
  for (let i = 0; i < base.length; i++) {
    const p = base.slice(), q = base.slice();
    p[i] += step;
    q[i] -= step;
    out[i] = (L(p) - L(q)) / (2 * step);
  }
  return out;
}

describe('batchnorm_train / batchnorm_infer', () => {
  it.each(SHAPES)('forward matches the f64 twin, m=%i n=%i, and moves the statistics', (m, n) => {
    h.reset();
    const x = randomArray(m * n, m * 31 + n, -2, 3);
    const gamma = randomArray(n, 5, 0.5, 1.5), beta = randomArray(n, 6);
    const mm0 = randomArray(n, 7), mv0 = randomArray(n, 8, 0.5, 2);
    const eps = 1e-3, mom = 0.9;
    const [px, pg, pb, pmm, pmv] = [x, gamma, beta, mm0, mv0].map((a) => h.put(a));
    const y = h.alloc(m * n * 4), xh = h.alloc(m * n * 4), mean = h.alloc(n * 4), inv = h.alloc(n * 4);
    k.batchnorm_train(y, xh, mean, inv, px, pg, pb, pmm, pmv, m, n, mom, eps);
    const r = bnRef(x, m, n, gamma, beta, eps);
    const what = `m=${m} n=${n}`;
    expectClose(h.f32(y, m * n), r.y, 1e-5, 1e-4, `y ${what}`);
    expectClose(h.f32(xh, m * n), r.xhat, 1e-5, 1e-4, `xhat ${what}`);
    expectClose(h.f32(mean, n), r.mean, 1e-6, 1e-5, `mean ${what}`);
    expectClose(h.f32(inv, n), r.invstd, 1e-5, 1e-4, `invstd ${what}`);
    expectClose(h.f32(pmm, n), Array.from(mm0, (v, j) => v * mom + r.mean[j] * (1 - mom)), 1e-6, 1e-5, `moving mean ${what}`);
    expectClose(h.f32(pmv, n), Array.from(mv0, (v, j) => v * mom + r.vr[j] * (1 - mom)), 1e-6, 1e-5, `moving var ${what}`);
    // Inference uses only the moving statistics.
    const yi = h.alloc(m * n * 4);
    k.batchnorm_infer(yi, px, pg, pb, pmm, pmv, m, n, eps);
    const mmv = h.f32(pmm, n).slice(), mvv = h.f32(pmv, n).slice();
    const ref = Array.from(x, (v, i) => gamma[i % n] * ((v - mmv[i % n]) / Math.sqrt(mvv[i % n] + eps)) + beta[i % n]);
    expectClose(h.f32(yi, m * n), ref, 1e-5, 1e-4, `inference ${what}`);
  });

  it('without scale and centre (gamma = beta = 0 pointers) and without moving statistics', () => {
    h.reset();
    const m = 6, n = 5, x = randomArray(m * n, 3);
    const y = h.alloc(m * n * 4), xh = h.alloc(m * n * 4), mean = h.alloc(n * 4), inv = h.alloc(n * 4);
    k.batchnorm_train(y, xh, mean, inv, h.put(x), 0, 0, 0, 0, m, n, 0.99, 1e-3);
    expectClose(h.f32(y, m * n), bnRef(x, m, n, null, null, 1e-3).y, 1e-5, 1e-4, 'plain');
  });

  it.each(SHAPES)('backward matches finite differences, m=%i n=%i', (m, n) => {
    h.reset();
    const x = randomArray(m * n, m + 17 * n, -1, 2), gamma = randomArray(n, 2, 0.5, 1.5), beta = randomArray(n, 3);
    const dy = randomArray(m * n, 4);
    const eps = 0.01;
    const [px, pg, pb, pdy] = [x, gamma, beta, dy].map((a) => h.put(a));
    const y = h.alloc(m * n * 4), xh = h.alloc(m * n * 4), mean = h.alloc(n * 4), inv = h.alloc(n * 4);
    k.batchnorm_train(y, xh, mean, inv, px, pg, pb, 0, 0, m, n, 0.99, eps);
    const dx = h.alloc(m * n * 4), dg = h.alloc(n * 4), db = h.alloc(n * 4);
    k.batchnorm_backward(dx, dg, db, pdy, xh, inv, pg, m, n);
    const what = `m=${m} n=${n}`;
    const f32x = Float64Array.from(x);
    expectClose(h.f32(dx, m * n), fdGrad(f32x, dy, (v) => bnRefF64(v, m, n, gamma, beta, eps)), 2e-3, 2e-3, `dx ${what}`);
    expectClose(h.f32(dg, n), fdGrad(gamma, dy, (g) => bnRefF64(f32x, m, n, g, beta, eps)), 2e-3, 2e-3, `dgamma ${what}`);
    expectClose(h.f32(db, n), fdGrad(beta, dy, (b) => bnRefF64(f32x, m, n, gamma, b, eps)), 2e-3, 2e-3, `dbeta ${what}`);
    // Only dx: the parameter gradients are skipped without changing dx.
    const dx2 = h.alloc(m * n * 4);
    k.batchnorm_backward(dx2, 0, 0, pdy, xh, inv, pg, m, n);
    expect(Array.from(h.f32(dx2, m * n))).toEqual(Array.from(h.f32(dx, m * n)));
  });
});

/** bnRef's y on f64 inputs (finite differences need steps finer than f32). */
function bnRefF64(x: Float64Array, m: number, n: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps: number): Float64Array {
  const y = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let r = 0; r < m; r++) s += x[r * n + j];
    const mu = s / m;
    let q = 0;
    for (let r = 0; r < m; r++) q += (x[r * n + j] - mu) ** 2;
    const inv = 1 / Math.sqrt(q / m + eps);
    for (let r = 0; r < m; r++) y[r * n + j] = gamma[j] * (x[r * n + j] - mu) * inv + beta[j];
  }
  return y;
}

describe('layernorm_forward / layernorm_backward', () => {
  it.each(SHAPES)('forward matches the f64 twin, m=%i n=%i', (m, n) => {
    h.reset();
    const x = randomArray(m * n, 7 * m + n, -3, 2), gamma = randomArray(n, 11, 0.5, 1.5), beta = randomArray(n, 12);
    const y = h.alloc(m * n * 4), xh = h.alloc(m * n * 4), inv = h.alloc(m * 4);
    k.layernorm_forward(y, xh, inv, h.put(x), h.put(gamma), h.put(beta), m, n, 1e-3);
    const r = lnRef(x, m, n, gamma, beta, 1e-3);
    expectClose(h.f32(y, m * n), r.y, 1e-5, 1e-4, `y m=${m} n=${n}`);
    expectClose(h.f32(xh, m * n), r.xhat, 1e-5, 1e-4, `xhat m=${m} n=${n}`);
    expectClose(h.f32(inv, m), r.invstd, 1e-5, 1e-4, `invstd m=${m} n=${n}`);
  });

  it.each(SHAPES)('backward matches finite differences, m=%i n=%i', (m, n) => {
    h.reset();
    const x = randomArray(m * n, m + 3 * n, -1, 2), gamma = randomArray(n, 21, 0.5, 1.5), beta = randomArray(n, 22), dy = randomArray(m * n, 23);
    const eps = 0.01;
    const [px, pg, pb, pdy] = [x, gamma, beta, dy].map((a) => h.put(a));
    const y = h.alloc(m * n * 4), xh = h.alloc(m * n * 4), inv = h.alloc(m * 4);
    k.layernorm_forward(y, xh, inv, px, pg, pb, m, n, eps);
    const dx = h.alloc(m * n * 4), dg = h.alloc(n * 4), db = h.alloc(n * 4);
    k.layernorm_backward(dx, dg, db, pdy, xh, inv, pg, m, n);
    const what = `m=${m} n=${n}`;
    const x64 = Float64Array.from(x);
    expectClose(h.f32(dx, m * n), fdGrad(x64, dy, (v) => lnRef(v, m, n, gamma, beta, eps).y), 2e-3, 2e-3, `dx ${what}`);
    expectClose(h.f32(dg, n), fdGrad(gamma, dy, (g) => lnRef(x64, m, n, g, beta, eps).y), 2e-3, 2e-3, `dgamma ${what}`);
    expectClose(h.f32(db, n), fdGrad(beta, dy, (b) => lnRef(x64, m, n, gamma, b, eps).y), 2e-3, 2e-3, `dbeta ${what}`);
    // Without gamma: the gradient of the unscaled normalisation.
    const dx0 = h.alloc(m * n * 4);
    k.layernorm_forward(y, xh, inv, px, 0, 0, m, n, eps);
    k.layernorm_backward(dx0, 0, 0, pdy, xh, inv, 0, m, n);
    expectClose(h.f32(dx0, m * n), fdGrad(x64, dy, (v) => lnRef(v, m, n, null, null, eps).y), 2e-3, 2e-3, `dx unscaled ${what}`);
  });
});
