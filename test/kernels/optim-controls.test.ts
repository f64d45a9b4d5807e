// The optimizer kernels of the training controls (assembly/optim.ts): Adamax, Nadam, weight
// decay, clipping, L1/L2 penalties. Each against a scalar f32 twin (Math.fround at every operation,
// in the kernel's order) that the SIMD body must match bit for bit, plus hand-computed steps.
import { describe, expect, it } from 'vitest';
import { loadKernels, randomArray } from '../helpers/wasm';

const h = loadKernels();
const { k } = h;
const f = Math.fround;
const SIZES = [1, 3, 4, 5, 8, 9, 17, 1000];

function put(...arrays: Float32Array[]) {
  const ptrs = arrays.map((a) => h.put(a));
  return { ptrs, read: (i: number) => h.f32(ptrs[i], arrays[i].length).slice() };
}

function expectBits(got: Float32Array, ref: Float32Array, what: string): void {
  for (let i = 0; i < ref.length; i++) {
    if (!Object.is(got[i], ref[i])) throw new Error(`${what}: element ${i} of ${ref.length}: ref ${ref[i]}, got ${got[i]}`);
  }
}

describe('adamax_update', () => {
  const twin = (p: Float32Array, g: Float32Array, m: Float32Array, u: Float32Array, lr: number, b1: number, b2: number, eps: number, c: number) => {
    const c1 = f(1 - f(b1));
    for (let i = 0; i < p.length; i++) {
      m[i] = f(m[i] + f(f(g[i] - m[i]) * c1));
      u[i] = Math.max(f(f(b2) * u[i]), Math.abs(g[i]));
      p[i] = f(p[i] - f(f(f(lr) * m[i]) / f(f(c) * f(u[i] + f(eps)))));
    }
  };
  it.each(SIZES)('matches its scalar twin bit for bit over 3 steps, n=%i', (n) => {
    h.reset();
    const p = randomArray(n, n), m = new Float32Array(n), u = new Float32Array(n);
    const { ptrs, read } = put(p, m, u);
    const [rp, rm, ru] = [p.slice(), m.slice(), u.slice()];
    for (let t = 1; t <= 3; t++) {
      const g = randomArray(n, n * 7 + t);
      const c = f(1 - 0.9 ** t);
      k.adamax_update(ptrs[0], h.put(g), ptrs[1], ptrs[2], n, 0.002, 0.9, 0.999, 1e-7, c);
      twin(rp, g, rm, ru, 0.002, 0.9, 0.999, 1e-7, c);
    }
    expectBits(read(0), rp, `p n=${n}`);
    expectBits(read(1), rm, `m n=${n}`);
    expectBits(read(2), ru, `u n=${n}`);
  });

  it('first step by hand: m = 0.1·g, u = |g|, p −= lr·m/((1−β1)(|g|+eps)) = lr·sign(g)', () => {
    h.reset();
    const { ptrs, read } = put(new Float32Array([1, -1]), new Float32Array(2), new Float32Array(2));
    k.adamax_update(ptrs[0], h.put(new Float32Array([0.5, -2])), ptrs[1], ptrs[2], 2, 0.01, 0.9, 0.999, 0, f(1 - 0.9));
    const p = read(0);
    expect(p[0]).toBeCloseTo(1 - 0.01, 6);
    expect(p[1]).toBeCloseTo(-1 + 0.01, 6);
  });
});

describe('nadam_update', () => {
  const twin = (p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, a: number[]) => {
    const [lr, b1, b2, eps, u1, d1, c0, d0, vc] = a.map(f);
    const c1 = f(1 - b1), c2 = f(1 - b2);
    for (let i = 0; i < p.length; i++) {
      m[i] = f(m[i] + f(f(g[i] - m[i]) * c1));
      v[i] = f(v[i] + f(f(f(g[i] * g[i]) - v[i]) * c2));
      const mh = f(f(f(u1 * m[i]) / d1) + f(f(c0 * g[i]) / d0));
      const vh = f(v[i] / vc);
      p[i] = f(p[i] - f(f(mh * lr) / f(f(Math.sqrt(vh)) + eps)));
    }
  };
  it.each(SIZES)('matches its scalar twin bit for bit, n=%i', (n) => {
    h.reset();
    const p = randomArray(n, n + 1), m = new Float32Array(n), v = new Float32Array(n);
    const { ptrs, read } = put(p, m, v);
    const [rp, rm, rv] = [p.slice(), m.slice(), v.slice()];
    const args = [0.001, 0.9, 0.999, 1e-7, 0.8, 0.3, 0.15, 0.2, 0.001];
    for (let t = 1; t <= 2; t++) {
      const g = randomArray(n, n * 3 + t);
      k.nadam_update(ptrs[0], h.put(g), ptrs[1], ptrs[2], n, ...args);
      twin(rp, g, rm, rv, args);
    }
    expectBits(read(0), rp, `p n=${n}`);
    expectBits(read(1), rm, `m n=${n}`);
    expectBits(read(2), rv, `v n=${n}`);
  });
});

describe('weight_decay, scale_f32, clip_f32', () => {
  it.each(SIZES)('element-wise rules, n=%i', (n) => {
    h.reset();
    const x = randomArray(n, n + 5, -3, 3);
    const { ptrs, read } = put(x, x, x);
    k.weight_decay(ptrs[0], n, 0.01);
    k.scale_f32(ptrs[1], n, 0.5);
    k.clip_f32(ptrs[2], n, -1, 1);
    expectBits(read(0), x.map((v) => f(v - f(v * f(0.01)))), 'decay');
    expectBits(read(1), x.map((v) => f(v * 0.5)), 'scale');
    expectBits(read(2), x.map((v) => Math.min(Math.max(v, -1), 1)), 'clip');
  });
});

describe('clip_by_norm', () => {
  it.each(SIZES)('scales to norm `clip` when above it and leaves it otherwise, n=%i', (n) => {
    h.reset();
    const x = randomArray(n, n + 9, -2, 2);
    const norm = Math.sqrt(x.reduce((s, v) => s + v * v, 0));
    const { ptrs, read } = put(x, x);
    const clip = norm / 2;
    expect(k.clip_by_norm(ptrs[0], n, clip)).toBeCloseTo(norm, 10);
    const d = f(Math.max(f(norm), f(clip)));
    expectBits(read(0), x.map((v) => f(f(v * f(clip)) / d)), 'clipped');
    const after = Math.sqrt(read(0).reduce((s, v) => s + v * v, 0));
    expect(after).toBeCloseTo(clip, 5);
    k.clip_by_norm(ptrs[1], n, norm * 2);
    const untouched = read(1);
    // (x·c)/c: equal to x up to one rounding of the product.
    untouched.forEach((v, i) => expect(Math.abs(v - x[i])).toBeLessThanOrEqual(Math.abs(x[i]) * 2 ** -23));
  });

  it('a zero tensor stays zero (no 0/0)', () => {
    h.reset();
    const p = h.put(new Float32Array(5));
    expect(k.clip_by_norm(p, 5, 1)).toBe(0);
    expect(Array.from(h.f32(p, 5))).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('l1l2_penalty', () => {
  it('value l1·Σ|w| + l2·Σw², gradient += l1·sign(w) + 2·l2·w (hand-computed)', () => {
    h.reset();
    const w = new Float32Array([0.5, -2, 0, 1]);
    const g = h.put(new Float32Array([1, 1, 1, 1]));
    const value = k.l1l2_penalty(g, h.put(w), 4, 0.1, 0.01);
    // l1: 0.1·3.5 = 0.35; l2: 0.01·(0.25 + 4 + 0 + 1) = 0.0525
    expect(value).toBeCloseTo(0.4025, 6);
    const got = h.f32(g, 4);
    [1 + 0.1 + 0.01, 1 - 0.1 - 0.04, 1, 1 + 0.1 + 0.02].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
    // grad 0: only the value.
    expect(k.l1l2_penalty(0, h.put(w), 4, 0, 1)).toBeCloseTo(5.25, 6);
  });
});
