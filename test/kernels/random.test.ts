// Random kernels: the stream definition (a BigInt twin of the generator), counter-based
// determinism (element i of a call at counter c is element 0 of a call at c + i; any split of a call
// gives the same values), ranges, moments of 100k draws within 5-sigma bounds, the truncation of
// the truncated normal, and Fisher–Yates shuffles that are permutations and uniform (chi-square).
import { describe, expect, it } from 'vitest';
import { loadKernels } from '../helpers/wasm';

const h = loadKernels();
const { k } = h;
const f = Math.fround;
const M64 = (1n << 64n) - 1n;
const GAMMA = 0x9e3779b97f4a7c15n;

// ---- BigInt twin of the generator (see the header of assembly/random.ts) ----
function mix(z: bigint): bigint {
  z &= M64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}
const bits = (seed: bigint, k: bigint) => mix(mix(seed) + k * GAMMA);

type Gen = 'rand_uniform' | 'rand_normal' | 'rand_truncated_normal';
function draw(gen: Gen, n: number, seed: bigint, counter: bigint, a: number, b: number): Float32Array {
  const p = h.alloc(4 * n);
  k[gen](p, n, seed, counter, a, b);
  return h.f32(p, n).slice();
}
function moments(x: Float32Array) {
  let s = 0;
  for (const v of x) s += v;
  const mean = s / x.length;
  let m2 = 0, m4 = 0;
  for (const v of x) { const d = v - mean; m2 += d * d; m4 += d * d * d * d; }
  const variance = m2 / (x.length - 1);
  return { mean, variance, kurtosis: m4 / x.length / (variance * variance) };
}
const bitsOf = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

describe('stream definition and determinism', () => {
  it('rand_uniform equals the BigInt twin bit for bit (golden stream)', () => {
    h.reset();
    for (const [seed, counter] of [[42n, 0n], [0n, 12345n], [-1n, -3n], [(1n << 63n) - 1n, 1n << 40n]]) {
      const got = draw('rand_uniform', 50, seed, counter, -0.25, 0.75);
      for (let i = 0; i < 50; i++) {
        const u = f(Number(bits(seed, (counter + BigInt(i)) & M64) >> 40n) / 16777216);
        expect(got[i], `seed ${seed} counter ${counter} i ${i}`).toBe(f(f(-0.25) + f(1 * u)));
      }
    }
  });

  it('rand_normal matches Box–Muller on the same bits (to f32 rounding)', () => {
    h.reset();
    const got = draw('rand_normal', 200, 7n, 99n, 0, 1);
    for (let i = 0; i < 200; i++) {
      const b = bits(7n, 99n + BigInt(i));
      const u1 = Number((b >> 24n) + 1n) / 2 ** 40, u2 = Number(b & 0xffffffn) / 2 ** 24;
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      expect(Math.abs(got[i] - z), `i ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(z)));
    }
  });

  for (const gen of ['rand_uniform', 'rand_normal', 'rand_truncated_normal'] as Gen[]) {
    it(`${gen}: same (seed, counter) ⇒ same bits; out[i] at c == out[0] at c + i; splits agree`, () => {
      h.reset();
      const [a, b] = gen === 'rand_uniform' ? [-3, 5] : [1.5, 0.5];
      const n = 1000, c = 123456789n;
      const x = draw(gen, n, 2024n, c, a, b);
      expect(bitsOf(draw(gen, n, 2024n, c, a, b))).toEqual(bitsOf(x));
      for (const i of [1, 2, 3, 4, 5, 17, 500, 999]) {
        expect(draw(gen, 1, 2024n, c + BigInt(i), a, b)[0], `i ${i}`).toBe(x[i]);
      }
      for (const cut of [1, 3, 4, 37, 999]) {
        const joined = new Float32Array(n);
        joined.set(draw(gen, cut, 2024n, c, a, b));
        joined.set(draw(gen, n - cut, 2024n, c + BigInt(cut), a, b), cut);
        expect(bitsOf(joined), `cut ${cut}`).toEqual(bitsOf(x));
      }
      // the counter wraps around 2^64: element 1 at counter −1 is element 0 at counter 0
      expect(draw(gen, 2, 5n, -1n, a, b)[1]).toBe(draw(gen, 1, 5n, 0n, a, b)[0]);
      // another seed, or a nearby counter, gives another stream
      const y = draw(gen, n, 2025n, c, a, b);
      expect(y.filter((v, i) => v === x[i]).length).toBeLessThan(5);
      const z = draw(gen, n, 2024n, c + 1n, a, b);
      expect(z.filter((v, i) => v === x[i]).length).toBeLessThan(5);
    });
  }
});

describe('distributions (100k draws, 5-sigma bounds)', () => {
  const N = 100_000;

  it('uniform: range, 24-bit grid, mean 1/2, variance 1/12, flat histogram', () => {
    h.reset();
    const x = draw('rand_uniform', N, 1n, 0n, 0, 1);
    const counts = new Array(10).fill(0);
    let bad = 0;
    for (const v of x) {
      if (!(v >= 0 && v < 1) || !Number.isInteger(v * 16777216)) bad++;
      else counts[Math.floor(v * 10)]++;
    }
    expect(bad).toBe(0);
    const { mean, variance } = moments(x);
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt((1 / 80 - 1 / 144) / N));
    const chi2 = counts.reduce((s, c) => s + (c - N / 10) ** 2 / (N / 10), 0);
    expect(chi2).toBeLessThan(35);  // 9 degrees of freedom: P(χ² > 35) ≈ 6e-5
    const y = draw('rand_uniform', N, 1n, 0n, -2, 3);
    expect(y.every((v) => v >= -2 && v < 3)).toBe(true);
  });

  it('uniform never returns hi, even where lo + (hi−lo)·u rounds up to it', () => {
    h.reset();
    // Near 2^24 floats are 2 apart: lo + 2u rounds to hi for u > 1/2, so everything must clamp to lo.
    const x = draw('rand_uniform', 1000, 3n, 0n, 16777216, 16777218);
    expect(x.every((v) => v === 16777216)).toBe(true);
    const one = f(1 + 2 ** -23);
    expect(draw('rand_uniform', 1000, 3n, 0n, 1, one).every((v) => v === 1)).toBe(true);
    expect(draw('rand_uniform', 1000, 3n, 0n, -1, 0).every((v) => v >= -1 && v < 0)).toBe(true);
  });

  it('normal: mean, variance, kurtosis 3, 68.3 % within 1σ', () => {
    h.reset();
    const [mu, sd] = [3, 2];
    const x = draw('rand_normal', N, 11n, 0n, mu, sd);
    const { mean, variance, kurtosis } = moments(x);
    expect(Math.abs(mean - mu)).toBeLessThan((5 * sd) / Math.sqrt(N));
    expect(Math.abs(variance - sd * sd)).toBeLessThan(5 * sd * sd * Math.sqrt(2 / N));
    expect(Math.abs(kurtosis - 3)).toBeLessThan(5 * Math.sqrt(24 / N));
    const within = x.filter((v) => Math.abs(v - mu) < sd).length / N;
    expect(Math.abs(within - 0.682689)).toBeLessThan(5 * Math.sqrt(0.6827 * 0.3173 / N));
    expect(x.every(Number.isFinite)).toBe(true);
  });

  it('truncated normal: never beyond 2σ, variance 0.7737σ², equals the normal draw where that is inside', () => {
    h.reset();
    const [mu, sd] = [-1, 0.05];
    const x = draw('rand_truncated_normal', N, 12n, 0n, mu, sd);
    const nrm = draw('rand_normal', N, 12n, 0n, mu, sd);
    const lo = f(mu - f(2 * sd)), hi = f(mu + f(2 * sd));
    let redrawn = 0;
    for (let i = 0; i < N; i++) {
      if (!(x[i] >= lo && x[i] <= hi)) throw new Error(`element ${i}: ${x[i]} outside [${lo}, ${hi}]`);
      if (Math.abs(nrm[i] - mu) < 1.99 * sd && x[i] !== nrm[i]) throw new Error(`element ${i}: ${x[i]} != normal ${nrm[i]}`);
      if (x[i] !== nrm[i]) redrawn++;
    }
    // P(|z| > 2) = 0.0455
    expect(Math.abs(redrawn / N - 0.0455)).toBeLessThan(5 * Math.sqrt(0.0455 * 0.9545 / N));
    const { mean, variance } = moments(x);
    const v = 1 - (4 * 0.05399096651) / 0.9544997361;  // 1 − 2·2·φ(2)/(Φ(2) − Φ(−2))
    expect(Math.abs(mean - mu)).toBeLessThan((5 * sd * Math.sqrt(v)) / Math.sqrt(N));
    expect(Math.abs(variance / (sd * sd) - v)).toBeLessThan(0.015);
  });
});

describe('shuffle_i32 and iota_i32', () => {
  it('iota over sizes', () => {
    h.reset();
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 1000]) {
      const p = h.put(new Int32Array(n + 1).fill(-7));
      k.iota_i32(p, n);
      expect(Array.from(h.i32(p, n + 1))).toEqual([...Array.from({ length: n }, (_, i) => i), -7]);
    }
  });

  it('is a deterministic permutation for every size', () => {
    h.reset();
    for (const n of [0, 1, 2, 3, 5, 8, 17, 100, 1000, 60000]) {
      const p = h.alloc(4 * n + 4);
      k.iota_i32(p, n);
      h.i32(p + 4 * n, 1)[0] = -7;
      k.shuffle_i32(p, n, 42n, 1000n);
      const a = h.i32(p, n).slice();
      const seen = new Uint8Array(n);
      for (const v of a) if (v >= 0 && v < n) seen[v] = 1;
      expect(seen.every((s) => s === 1), `n ${n}: not a permutation`).toBe(true);
      expect(h.i32(p + 4 * n, 1)[0]).toBe(-7);
      k.iota_i32(p, n);
      k.shuffle_i32(p, n, 42n, 1000n);
      expect(h.i32(p, n)).toEqual(a);
      if (n >= 100) expect(a.filter((v, i) => v === i).length).toBeLessThan(10);  // ≈ 1 fixed point expected
    }
  });

  it('matches the BigInt twin of Fisher–Yates (j = ⌊bits·(i+1)/2^64⌋)', () => {
    h.reset();
    const n = 50, seed = 9n, counter = 77n;
    const want = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Number((bits(seed, counter + BigInt(i)) * BigInt(i + 1)) >> 64n);
      [want[i], want[j]] = [want[j], want[i]];
    }
    const p = h.alloc(4 * n);
    k.iota_i32(p, n);
    k.shuffle_i32(p, n, seed, counter);
    expect(Array.from(h.i32(p, n))).toEqual(want);
  });

  it('is uniform: chi-square over positions (n = 8) and over the 6 permutations of 3', () => {
    h.reset();
    const n = 8, T = 16000, p = h.alloc(4 * n);
    const table = new Array(n * n).fill(0);
    let counter = 0n;
    for (let t = 0; t < T; t++) {
      k.iota_i32(p, n);
      k.shuffle_i32(p, n, 5n, counter);
      counter += BigInt(n);  // as the engine does
      const a = h.i32(p, n);
      for (let pos = 0; pos < n; pos++) table[a[pos] * n + pos]++;
    }
    const e = T / n;
    const chi2 = table.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    expect(chi2).toBeLessThan(49 + 6 * Math.sqrt(2 * 49));  // ≈ 49 degrees of freedom
    const perms = new Map<string, number>();
    const T3 = 30000;
    for (let t = 0; t < T3; t++) {
      k.iota_i32(p, 3);
      k.shuffle_i32(p, 3, 6n, BigInt(3 * t));
      const key = h.i32(p, 3).join('');
      perms.set(key, (perms.get(key) ?? 0) + 1);
    }
    expect(perms.size).toBe(6);
    const chi3 = [...perms.values()].reduce((s, c) => s + (c - T3 / 6) ** 2 / (T3 / 6), 0);
    expect(chi3).toBeLessThan(25);  // 5 degrees of freedom: P(χ² > 25) ≈ 1.4e-4
  });
});
