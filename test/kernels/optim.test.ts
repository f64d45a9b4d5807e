// Optimizer kernels: hand-derived steps (Keras 3 semantics) and a scalar f32 twin (Math.fround at
// every operation, same order as the kernel) that each SIMD kernel must match bit for bit.
import { describe, expect, it } from 'vitest';
import { expectClose, loadKernels, randomArray } from '../helpers/wasm';

const h = loadKernels();
const { k } = h;
const f = Math.fround;
const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 1000];

/** Bit-exact comparison (NaNs with equal bits compare equal); reports the first offender. */
function expectBits(got: Float32Array, ref: Float32Array, what: string): void {
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(ref.buffer, ref.byteOffset, ref.length);
  expect(got.length, what).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    if (a[i] !== b[i]) throw new Error(`${what}: element ${i} of ${ref.length}: ref ${ref[i]}, got ${got[i]}`);
  }
}

/** Copies of the arrays into wasm memory; returns their pointers and a reader. */
function upload(...arrays: Float32Array[]) {
  const ptrs = arrays.map((a) => h.put(a));
  return { ptrs, read: (i: number) => h.f32(ptrs[i], arrays[i].length).slice() };
}

// ---- scalar twins (one element at a time, f32 rounding at every operation) ----
type State = Float32Array[];
const ref = {
  sgd(p: Float32Array, g: Float32Array, v: Float32Array, lr: number, mu: number, nesterov: boolean) {
    for (let i = 0; i < p.length; i++) {
      if (mu === 0) { p[i] = f(p[i] - f(lr * g[i])); continue; }
      const lg = f(lr * g[i]);
      v[i] = f(f(mu * v[i]) - lg);
      p[i] = f(p[i] + (nesterov ? f(f(mu * v[i]) - lg) : v[i]));
    }
  },
  adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, alpha: number, b1: number, b2: number, eps: number) {
    const c1 = f(1 - b1), c2 = f(1 - b2);
    for (let i = 0; i < p.length; i++) {
      m[i] = f(m[i] + f(f(g[i] - m[i]) * c1));
      v[i] = f(v[i] + f(f(f(g[i] * g[i]) - v[i]) * c2));
      p[i] = f(p[i] - f(f(m[i] * alpha) / f(f(Math.sqrt(v[i])) + eps)));
    }
  },
  adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, alpha: number, b1: number, b2: number, eps: number, decay: number) {
    for (let i = 0; i < p.length; i++) p[i] = f(p[i] - f(p[i] * decay));
    ref.adam(p, g, m, v, alpha, b1, b2, eps);
  },
  rmsprop(p: Float32Array, g: Float32Array, ms: Float32Array, mom: Float32Array, mg: Float32Array,
          lr: number, rho: number, mu: number, eps: number, centered: boolean) {
    const c = f(1 - rho);
    for (let i = 0; i < p.length; i++) {
      ms[i] = f(f(rho * ms[i]) + f(c * f(g[i] * g[i])));
      let den = ms[i];
      if (centered) {
        mg[i] = f(f(rho * mg[i]) + f(c * g[i]));
        den = f(ms[i] - f(mg[i] * mg[i]));
      }
      let inc = f(f(lr * g[i]) / f(Math.sqrt(f(den + eps))));
      if (mu > 0) { mom[i] = f(f(mu * mom[i]) + inc); inc = mom[i]; }
      p[i] = f(p[i] - inc);
    }
  },
  adagrad(p: Float32Array, g: Float32Array, acc: Float32Array, lr: number, eps: number) {
    for (let i = 0; i < p.length; i++) {
      acc[i] = f(acc[i] + f(g[i] * g[i]));
      p[i] = f(p[i] - f(f(lr * g[i]) / f(Math.sqrt(f(acc[i] + eps)))));
    }
  },
};

/** Adam's alpha for step t, as the engine computes it (in f64, rounded once). */
const adamAlpha = (lr: number, b1: number, b2: number, t: number) =>
  f((lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t));

describe('optimizers: hand-computed steps', () => {
  it('sgd: plain, momentum, nesterov', () => {
    h.reset();
    // plain: p = 1 − 0.1·0.5 = 0.95
    let { ptrs, read } = upload(new Float32Array([1, 1]), new Float32Array([0.5, -0.5]));
    k.sgd_update(ptrs[0], ptrs[1], 0, 2, 0.1, 0, 0);
    expectClose(read(0), [0.95, 1.05], 1e-7, 0, 'sgd plain');
    // momentum 0.9, g = 0.5 twice: v1 = −0.05, p1 = 0.95; v2 = 0.9·(−0.05) − 0.05 = −0.095, p2 = 0.855
    ({ ptrs, read } = upload(new Float32Array([1]), new Float32Array([0.5]), new Float32Array(1)));
    k.sgd_update(ptrs[0], ptrs[1], ptrs[2], 1, 0.1, 0.9, 0);
    expectClose(read(0), [0.95], 1e-7, 0, 'sgd momentum step 1');
    k.sgd_update(ptrs[0], ptrs[1], ptrs[2], 1, 0.1, 0.9, 0);
    expectClose(read(0), [0.855], 1e-6, 0, 'sgd momentum step 2');
    expectClose(read(2), [-0.095], 1e-7, 0, 'sgd momentum velocity');
    // nesterov: step 1 p += 0.9·(−0.05) − 0.05 = −0.095 → 0.905; step 2 p += 0.9·(−0.095) − 0.05 → 0.7695
    ({ ptrs, read } = upload(new Float32Array([1]), new Float32Array([0.5]), new Float32Array(1)));
    k.sgd_update(ptrs[0], ptrs[1], ptrs[2], 1, 0.1, 0.9, 1);
    expectClose(read(0), [0.905], 1e-7, 0, 'nesterov step 1');
    k.sgd_update(ptrs[0], ptrs[1], ptrs[2], 1, 0.1, 0.9, 1);
    expectClose(read(0), [0.7695], 1e-6, 0, 'nesterov step 2');
  });

  it('adam: with a constant gradient every step moves each weight by ≈ lr·sign(g)', () => {
    // Step 1: m = 0.1g, v = 0.001g², alpha = lr·√0.001/0.1, so the move is
    // alpha·m/(√v + eps) = lr·√0.001·|g|·sign(g)/(√0.001·|g| + eps) ≈ lr·sign(g), except for tiny |g|
    // where eps shows: g = 1e-3 moves lr·3.1623e-5/(3.1623e-5 + 1e-7) = 0.996847·lr.
    // Step 2 with the same g: m = 0.19g, v = 0.001999g², alpha = lr·√0.001999/0.19 → again lr·sign(g).
    h.reset();
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7;
    const g = new Float32Array([2, -0.5, 1e-3, 0, 8]);
    const { ptrs, read } = upload(new Float32Array(5).fill(1), g, new Float32Array(5), new Float32Array(5));
    k.adam_update(ptrs[0], ptrs[1], ptrs[2], ptrs[3], 5, adamAlpha(lr, b1, b2, 1), b1, b2, eps);
    expectClose(read(0), [1 - lr, 1 + lr, 1 - 0.996847 * lr, 1, 1 - lr], 2e-7, 0, 'adam step 1');
    expectClose(read(2), [0.2, -0.05, 1e-4, 0, 0.8], 0, 1e-6, 'adam m after step 1');
    // 1 − β2 is formed in f32 from f32(0.999) = 0.99900001: 0.00099998713, 1.3e-5 below 0.001.
    expectClose(read(3), [0.004, 0.00025, 1e-9, 0, 0.064], 0, 2e-5, 'adam v after step 1');
    k.adam_update(ptrs[0], ptrs[1], ptrs[2], ptrs[3], 5, adamAlpha(lr, b1, b2, 2), b1, b2, eps);
    expectClose(read(0).subarray(0, 2), [1 - 2 * lr, 1 + 2 * lr], 4e-7, 0, 'adam step 2');
  });

  it('adamw: with g = 0 only the decay acts: p = 1 − lr·wd', () => {
    h.reset();
    // m = v = 0 stay 0, the Adam move is 0/(0 + eps) = 0; decay = lr·wd = 0.01·0.004 = 4e-5.
    const { ptrs, read } = upload(new Float32Array([1, -2, 0]), new Float32Array(3), new Float32Array(3), new Float32Array(3));
    k.adamw_update(ptrs[0], ptrs[1], ptrs[2], ptrs[3], 3, adamAlpha(0.01, 0.9, 0.999, 1), 0.9, 0.999, 1e-7, 4e-5);
    expectClose(read(0), [1 - 4e-5, -2 + 8e-5, 0], 1e-7, 0, 'adamw decay');
  });

  it('rmsprop: plain, centered, momentum', () => {
    h.reset();
    const lr = 0.01, rho = 0.9, eps = 1e-7;
    // plain, g = 2: ms = 0.1·4 = 0.4; inc = 0.02/√0.4000001 = 0.0316228 (= lr/√(1−ρ))
    let { ptrs, read } = upload(new Float32Array([1]), new Float32Array([2]), new Float32Array(1));
    k.rmsprop_update(ptrs[0], ptrs[1], ptrs[2], 0, 0, 1, lr, rho, 0, eps, 0);
    expectClose(read(0), [1 - 0.0316228], 2e-7, 0, 'rmsprop plain');
    expectClose(read(2), [0.4], 1e-7, 0, 'rmsprop ms');
    // centered: mg = 0.1·2 = 0.2, denom = 0.4 − 0.04 = 0.36, inc = 0.02/0.6 = 0.0333333
    ({ ptrs, read } = upload(new Float32Array([1]), new Float32Array([2]), new Float32Array(1), new Float32Array(1)));
    k.rmsprop_update(ptrs[0], ptrs[1], ptrs[2], 0, ptrs[3], 1, lr, rho, 0, eps, 1);
    expectClose(read(0), [1 - 0.0333333], 2e-7, 0, 'rmsprop centered');
    expectClose(read(3), [0.2], 1e-7, 0, 'rmsprop mg');
    // momentum 0.5, g = 2 twice: mom1 = 0.0316228; ms2 = 0.36 + 0.4 = 0.76, inc2 = 0.02/√0.76 = 0.0229416,
    // mom2 = 0.5·0.0316228 + 0.0229416 = 0.0387530; p2 = 1 − 0.0316228 − 0.0387530 = 0.9296242
    ({ ptrs, read } = upload(new Float32Array([1]), new Float32Array([2]), new Float32Array(1), new Float32Array(1)));
    k.rmsprop_update(ptrs[0], ptrs[1], ptrs[2], ptrs[3], 0, 1, lr, rho, 0.5, eps, 0);
    k.rmsprop_update(ptrs[0], ptrs[1], ptrs[2], ptrs[3], 0, 1, lr, rho, 0.5, eps, 0);
    expectClose(read(0), [0.9296242], 3e-7, 0, 'rmsprop momentum');
    expectClose(read(3), [0.038753], 3e-7, 0, 'rmsprop mom');
  });

  it('adagrad: acc = 0.1 + 4, p = 1 − 0.001·2/√4.1', () => {
    h.reset();
    // Keras' initial accumulator 0.1, lr 0.001, g = 2: move 0.002/2.0248457 = 0.00098773
    const { ptrs, read } = upload(new Float32Array([1]), new Float32Array([2]), new Float32Array([0.1]));
    k.adagrad_update(ptrs[0], ptrs[1], ptrs[2], 1, 0.001, 1e-7);
    expectClose(read(0), [1 - 0.00098773], 1e-7, 0, 'adagrad');
    expectClose(read(2), [4.1], 1e-6, 0, 'adagrad acc');
  });

  it('unused state pointers (0) are never written', () => {
    h.reset();
    const before = h.u8(0, 64).slice();
    const { ptrs } = upload(randomArray(16, 3), randomArray(16, 4), new Float32Array(16));
    k.sgd_update(ptrs[0], ptrs[1], 0, 16, 0.1, 0, 0);
    k.rmsprop_update(ptrs[0], ptrs[1], ptrs[2], 0, 0, 16, 0.01, 0.9, 0, 1e-7, 0);
    expect(h.u8(0, 64)).toEqual(before);
  });
});

describe('optimizers: SIMD kernel equals the scalar f32 twin bit for bit', () => {
  // Three steps from zero state with fresh gradients each step, so the state is realistic.
  const STEPS = 3;
  const grads = (n: number, s: number) => randomArray(n, 100 + s, -3, 3);

  for (const n of SIZES) {
    it(`n = ${n}`, () => {
      h.reset();
      const p0 = randomArray(n, 7 + n, -2, 2);

      const check = (name: string, nState: number, run: (pp: number, gp: number, sp: number[], step: number) => void,
                     twin: (p: Float32Array, g: Float32Array, st: State, step: number) => void) => {
        const p = p0.slice();
        const st: State = Array.from({ length: nState }, () => new Float32Array(n));
        const pp = h.put(p), sp = st.map((a) => h.put(a));
        for (let s = 1; s <= STEPS; s++) {
          const g = grads(n, s);
          run(pp, h.put(g), sp, s);
          twin(p, g, st, s);
          expectBits(h.f32(pp, n), p, `${name} n=${n} step ${s} params`);
          st.forEach((a, i) => expectBits(h.f32(sp[i], n), a, `${name} n=${n} step ${s} state ${i}`));
        }
      };

      for (const [mu, nest] of [[0, 0], [0.9, 0], [0.85, 1]]) {
        check(`sgd mu=${mu} nesterov=${nest}`, 1, (pp, gp, sp) => k.sgd_update(pp, gp, sp[0], n, 0.0123, mu, nest),
          (p, g, st) => ref.sgd(p, g, st[0], f(0.0123), f(mu), nest === 1));
      }
      const [b1, b2, eps] = [0.9, 0.999, 1e-7];
      check('adam', 2, (pp, gp, sp, s) => k.adam_update(pp, gp, sp[0], sp[1], n, adamAlpha(0.003, b1, b2, s), b1, b2, eps),
        (p, g, st, s) => ref.adam(p, g, st[0], st[1], adamAlpha(0.003, b1, b2, s), f(b1), f(b2), f(eps)));
      check('adamw', 2, (pp, gp, sp, s) => k.adamw_update(pp, gp, sp[0], sp[1], n, adamAlpha(0.003, b1, b2, s), b1, b2, eps, 0.003 * 0.004),
        (p, g, st, s) => ref.adamw(p, g, st[0], st[1], adamAlpha(0.003, b1, b2, s), f(b1), f(b2), f(eps), f(0.003 * 0.004)));
      for (const [mu, centered] of [[0, 0], [0, 1], [0.7, 0], [0.7, 1]]) {
        check(`rmsprop mu=${mu} centered=${centered}`, 3,
          (pp, gp, sp) => k.rmsprop_update(pp, gp, sp[0], sp[1], sp[2], n, 0.001, 0.9, mu, 1e-7, centered),
          (p, g, st) => ref.rmsprop(p, g, st[0], st[1], st[2], f(0.001), f(0.9), f(mu), f(1e-7), centered === 1));
      }
      check('adagrad', 1, (pp, gp, sp) => k.adagrad_update(pp, gp, sp[0], n, 0.01, 1e-7),
        (p, g, st) => ref.adagrad(p, g, st[0], f(0.01), f(1e-7)));
    });
  }
});
