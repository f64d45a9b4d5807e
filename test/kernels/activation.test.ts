// Activation kernels against plain TypeScript twins (f64), and every backward against central
// finite differences of the forward: of the f64 twin over all values (extremes included), and of
// the f32 kernel itself where f32 allows (moderate z, away from kinks).
import { beforeAll, describe, expect, it } from 'vitest';
import { type KernelHarness, loadKernels, randomArray } from '../helpers/wasm';

// ---- f64 reference -----------------------------------------------------------------------------

/** erfc by a different route than the kernel: Taylor series of erf for x < 1, else the Laplace
 *  continued fraction erfc(x) = e^{−x²}/√π · 1/(x + ½/(x + 1/(x + 3⁄2/(x + …)))) (400 terms:
 *  relative error < 1e-15 from x = 0.8 on, checked against mpmath below). */
export function refErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - refErfc(-x);
  if (x < 1) {
    // erf(x) = 2/√π · e^{−x²} · Σ_k 2^k x^{2k+1} / (1·3·…·(2k+1)), all terms positive
    let term = x, sum = x;
    for (let k = 1; term > 1e-17 * sum; k++) {
      term *= (2 * x * x) / (2 * k + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  let f = x;
  for (let k = 400; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}
const refPhi = (z: number) => 0.5 * refErfc(-z / Math.SQRT2);
const refPdf = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
const sig = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

const SELU_A = 1.6732632423543772, SELU_S = 1.0507009873554805;

interface Act {
  name: string;
  alpha: number;
  f?: (z: number, a: number) => number; // element-wise forward
  df?: (z: number, a: number) => number; // element-wise derivative
  kink?: boolean; // non-differentiable at 0: finite differences skip |z| < 2h
  /** Size of the terms summed in f' where they can cancel (default |f'|): f32 error scales with it. */
  mag?: (z: number, a: number) => number;
}
const ACTS: Act[] = [
  { name: 'sigmoid', alpha: 0, f: sig, df: (z) => sig(z) * sig(-z) },
  { name: 'tanh', alpha: 0, f: Math.tanh, df: (z) => 1 / Math.cosh(z) ** 2 },
  { name: 'relu', alpha: 0, f: (z) => Math.max(z, 0), df: (z) => (z > 0 ? 1 : 0), kink: true },
  { name: 'leaky_relu', alpha: 0.3, f: (z, a) => (z > 0 ? z : a * z), df: (z, a) => (z > 0 ? 1 : a), kink: true },
  { name: 'leaky_relu', alpha: 0.01, f: (z, a) => (z > 0 ? z : a * z), df: (z, a) => (z > 0 ? 1 : a), kink: true },
  { name: 'elu', alpha: 1, f: (z, a) => (z > 0 ? z : a * Math.expm1(z)), df: (z, a) => (z > 0 ? 1 : a * Math.exp(z)), kink: true },
  { name: 'elu', alpha: 0.7, f: (z, a) => (z > 0 ? z : a * Math.expm1(z)), df: (z, a) => (z > 0 ? 1 : a * Math.exp(z)), kink: true },
  {
    name: 'selu', alpha: 0, kink: true,
    f: (z) => SELU_S * (z > 0 ? z : SELU_A * Math.expm1(z)),
    df: (z) => SELU_S * (z > 0 ? 1 : SELU_A * Math.exp(z)),
  },
  { name: 'gelu', alpha: 0, f: (z) => z * refPhi(z), df: (z) => refPhi(z) + z * refPdf(z) },
  {
    name: 'swish', alpha: 0, f: (z) => z * sig(z), df: (z) => sig(z) + z * sig(z) * sig(-z),
    mag: (z) => sig(z) + Math.abs(z * sig(z) * sig(-z)), // f' = 0 near z = −1.28: f32 can't resolve it better
  },
  { name: 'softplus', alpha: 0, f: (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))), df: sig },
  { name: 'softmax', alpha: 0 },
];

function refSoftmaxRow(z: ArrayLike<number>, off: number, n: number, out: Float64Array): void {
  let mx = -Infinity;
  for (let j = 0; j < n; j++) mx = Math.max(mx, z[off + j]);
  let s = 0;
  for (let j = 0; j < n; j++) s += (out[j] = Math.exp(z[off + j] - mx));
  for (let j = 0; j < n; j++) out[j] /= s;
}

/** y = f(z) in f64 for a whole (m, n) matrix. */
function refForward(act: Act, z: ArrayLike<number>, m: number, n: number): Float64Array {
  const y = new Float64Array(m * n);
  if (act.f) for (let i = 0; i < m * n; i++) y[i] = act.f(z[i], act.alpha);
  else {
    const row = new Float64Array(n);
    for (let r = 0; r < m; r++) {
      refSoftmaxRow(z, r * n, n, row);
      y.set(row, r * n);
    }
  }
  return y;
}

/** Analytic dz = dy ⊙ f'(z) in f64 (softmax: y ⊙ (dy − ⟨dy, y⟩) per row, cancellation-free). */
function refBackward(act: Act, dy: ArrayLike<number>, z: ArrayLike<number>, m: number, n: number): Float64Array {
  const dz = new Float64Array(m * n);
  if (act.df) for (let i = 0; i < m * n; i++) dz[i] = dy[i] * act.df(z[i], act.alpha);
  else {
    const y = refForward(act, z, m, n);
    // y_j·(dy_j − Σ_k dy_k y_k) = y_j·Σ_{k≠j} y_k (dy_j − dy_k) since Σ y = 1; this form is exact
    // even when y_j rounds to 1
    for (let i = 0; i < m * n; i++) {
      const r0 = Math.floor(i / n) * n;
      let s = 0;
      for (let k = r0; k < r0 + n; k++) if (k !== i) s += y[k] * (dy[i] - dy[k]);
      dz[i] = y[i] * s;
    }
  }
  return dz;
}

/** Central differences of L(z) = Σ dy ⊙ f(z) in f64, with a per-element bound on their own error
 *  (truncation h²·f'''/6 is covered by the relative tolerance; cancellation is ~ε·|f|/h). */
function finiteDiff(act: Act, dy: ArrayLike<number>, z: ArrayLike<number>, m: number, n: number) {
  const fd = new Float64Array(m * n), noise = new Float64Array(m * n), valid = new Uint8Array(m * n);
  const zz = Float64Array.from(z);
  const row = new Float64Array(n);
  for (let i = 0; i < m * n; i++) {
    const h = 1e-5 * Math.max(1, Math.abs(z[i]));
    valid[i] = act.kink && Math.abs(z[i]) < 2 * h ? 0 : 1;
    if (act.f) {
      const fp = act.f(z[i] + h, act.alpha), fm = act.f(z[i] - h, act.alpha);
      fd[i] = (dy[i] * (fp - fm)) / (2 * h);
      noise[i] = (Math.abs(dy[i]) * 4e-16 * Math.max(Math.abs(fp), Math.abs(fm))) / h;
    } else {
      const r = Math.floor(i / n);
      const L = (d: number) => {
        zz[i] = z[i] + d;
        refSoftmaxRow(zz, r * n, n, row);
        zz[i] = z[i];
        let s = 0, a = 0;
        for (let j = 0; j < n; j++) (s += dy[r * n + j] * row[j]), (a += Math.abs(dy[r * n + j] * row[j]));
        return [s, a];
      };
      const [lp, ap] = L(h), [lm, am] = L(-h);
      fd[i] = (lp - lm) / (2 * h);
      noise[i] = (4e-16 * Math.max(ap, am) * n) / h;
    }
  }
  return { fd, noise, valid };
}

// ---- comparison ----------------------------------------------------------------------------------

/** Every element within max(atol, rtol·|ref|) + extra[i]; reports i, j, z, ref, got and m×n. */
function within(got: ArrayLike<number>, ref: ArrayLike<number>, z: ArrayLike<number>, m: number, n: number,
  atol: number, rtol: number, what: string, extra?: Float64Array, valid?: Uint8Array): void {
  for (let i = 0; i < m * n; i++) {
    if (valid && !valid[i]) continue;
    const tol = Math.max(atol, rtol * Math.abs(ref[i])) + (extra ? extra[i] : 0);
    if (!(Math.abs(got[i] - ref[i]) <= tol)) {
      throw new Error(`${what} ${m}x${n}: [${Math.floor(i / n)},${i % n}] z=${z[i]} ref=${ref[i]} got=${got[i]} tol=${tol}`);
    }
  }
}

// ---- data ----------------------------------------------------------------------------------------

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 17, 33];
const EXTREMES = [0, -0, 1e-8, -1e-8, 5, -5, 20, -20, 88, -88, 100, -100, 1, -1, 0.5, -0.5, 3, -3];

/** z(m,n): random in [−8, 8], every other element an extreme value (cycling, so all sizes see some). */
function inputs(m: number, n: number, seed: number): Float32Array {
  const z = randomArray(m * n, seed, -8, 8);
  for (let i = 0; i < m * n; i += 2) z[i] = EXTREMES[(i / 2 + seed) % EXTREMES.length];
  return z;
}

const tag = (a: Act) => `${a.name}${a.alpha ? `(α=${a.alpha})` : ''}`;

let h: KernelHarness;
beforeAll(() => {
  h = loadKernels();
});

/** Runs NAME_forward and NAME_backward on fresh buffers; dz may be placed on dy (in place). */
function run(act: Act, z: Float32Array, dy: Float32Array, m: number, n: number, inPlace = false) {
  h.reset();
  const pz = h.put(z), py = h.alloc(z.byteLength), pdy = h.put(dy);
  const pdz = inPlace ? pdy : h.alloc(z.byteLength);
  h.k[`${act.name}_forward`](py, pz, m, n, act.alpha);
  h.k[`${act.name}_backward`](pdz, pdy, pz, py, m, n, act.alpha);
  return { y: h.f32(py, m * n).slice(), dz: h.f32(pdz, m * n).slice() };
}

// ---- tests ---------------------------------------------------------------------------------------

describe('erf (through normal_cdf)', () => {
  it('the reference erfc matches mpmath values', () => {
    const known: [number, number][] = [
      [1e-8, 0.99999998871620833], [0.1, 0.8875370839817151], [0.5, 0.47950012218695346],
      [0.65, 0.35797067264432814], [1, 0.15729920705028513], [2, 0.0046777349810472658],
      [2.49, 0.00042928786773391291], [2.51, 0.00038570548172427978], [3, 2.2090496998585441e-5],
      [5, 1.5374597944280349e-12], [10, 2.0884875837625448e-45], [26, 5.6631924088561428e-296],
    ];
    for (const [x, v] of known) expect(Math.abs(refErfc(x) - v) / v, `erfc(${x})`).toBeLessThan(2e-14);
  });

  it('Φ(z) has relative error < 1e-12 on [−37, 8] (so erf has absolute error < 1e-12)', () => {
    for (let z = -37; z <= 8; z += 0.0137) {
      const ref = refPhi(z), got = h.k.normal_cdf(z) as number;
      if (!(Math.abs(got - ref) <= 1e-12 * ref)) throw new Error(`Φ(${z}): ref ${ref} got ${got}`);
    }
    expect(h.k.normal_cdf(0)).toBe(0.5);
    expect(h.k.normal_cdf(40)).toBe(1);
    expect(h.k.normal_cdf(-40)).toBeLessThan(1e-300); // true value 3.6e-350; f32 callers see 0
  });
});

describe.each(ACTS.map((a) => [tag(a), a] as const))('%s', (_, act) => {
  it('forward matches the f64 twin over all sizes and extreme values', () => {
    for (const m of SIZES) for (const n of SIZES) {
      const z = inputs(m, n, m * 31 + n);
      const { y } = run(act, z, new Float32Array(m * n), m, n);
      within(y, refForward(act, z, m, n), z, m, n, 1e-37, 5e-7, `${tag(act)} forward`);
    }
  });

  it('backward matches the analytic f64 derivative and central differences of the f64 forward', () => {
    for (const m of SIZES) for (const n of SIZES) {
      const z = inputs(m, n, m * 7 + n * 3);
      const dy = randomArray(m * n, m + 100 * n, -2, 2);
      const { dz } = run(act, z, dy, m, n);
      const cond = new Float64Array(m * n);
      if (act.mag) for (let i = 0; i < m * n; i++) cond[i] = 2e-6 * Math.abs(dy[i]) * act.mag(z[i], act.alpha);
      if (!act.f) {
        // softmax: dz_j = y_j·(dy_j·Σ_{k≠j} y_k − Σ_{k≠j} dy_k·y_k); each y carries f32 rounding
        const y = refForward(act, z, m, n);
        for (let i = 0; i < m * n; i++) {
          const r = Math.floor(i / n);
          let terms = 0;
          for (let k = r * n; k < r * n + n; k++) if (k !== i) terms += y[k] * (Math.abs(dy[i]) + Math.abs(dy[k]));
          cond[i] = 2e-6 * y[i] * terms;
        }
      }
      within(dz, refBackward(act, dy, z, m, n), z, m, n, 1e-37, 1e-6, `${tag(act)} backward vs analytic`, cond);
      const { fd, noise, valid } = finiteDiff(act, dy, z, m, n);
      for (let i = 0; i < m * n; i++) noise[i] += cond[i];
      within(dz, fd, z, m, n, 1e-37, 1e-5, `${tag(act)} backward vs finite differences`, noise, valid);
    }
  });

  it('backward matches central differences of the f32 kernel forward itself', () => {
    const m = 5, n = 9, hstep = 1e-2;
    const z = randomArray(m * n, 77, -4, 4);
    if (act.kink) for (let i = 0; i < z.length; i++) if (Math.abs(z[i]) < 3 * hstep) z[i] += 0.1;
    const dy = randomArray(m * n, 78, -1, 1);
    const { dz } = run(act, z, dy, m, n);
    const fd = new Float64Array(m * n);
    const zp = new Float32Array(z), zm = new Float32Array(z);
    for (let i = 0; i < m * n; i++) {
      // perturb one element at a time (softmax couples a row); step taken from the f32 values
      zp[i] = z[i] + hstep;
      zm[i] = z[i] - hstep;
      const yp = run(act, zp, dy, m, n).y, ym = run(act, zm, dy, m, n).y;
      let s = 0;
      for (let j = 0; j < m * n; j++) s += dy[j] * (yp[j] - ym[j]);
      fd[i] = s / (zp[i] - zm[i]);
      zp[i] = zm[i] = z[i];
    }
    within(dz, fd, z, m, n, 2e-4, 2e-3, `${tag(act)} backward vs f32 kernel differences`);
  });

  if (act.f) it('gives each element the same bits wherever it sits (vector body or tail)', () => {
    const len = 33, z = inputs(1, len, 9), dy = randomArray(len, 10, -1, 1);
    const full = run(act, z, dy, 1, len);
    for (let off = 0; off < 4; off++) {
      for (const k of [1, 2, 3, 5, 6, 7, len - off]) {
        const part = run(act, z.slice(off, off + k), dy.slice(off, off + k), 1, k);
        expect(Array.from(part.y), `y[${off}..${off + k})`).toEqual(Array.from(full.y.slice(off, off + k)));
        expect(Array.from(part.dz), `dz[${off}..${off + k})`).toEqual(Array.from(full.dz.slice(off, off + k)));
      }
    }
  });

  it('backward works in place (dz == dy), bit for bit', () => {
    const m = 7, n = 17;
    const z = inputs(m, n, 5), dy = randomArray(m * n, 6, -1, 1);
    const a = run(act, z, dy, m, n).dz, b = run(act, z, dy, m, n, true).dz;
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});

describe('relu with z and y on the same buffer', () => {
  it('forward in place, then backward from y alone', () => {
    const m = 9, n = 33;
    const z = inputs(m, n, 11), dy = randomArray(m * n, 12, -1, 1);
    h.reset();
    const pzy = h.put(z), pdy = h.put(dy), pdz = h.alloc(z.byteLength);
    h.k.relu_forward(pzy, pzy, m, n, 0);
    h.k.relu_backward(pdz, pdy, pzy, pzy, m, n, 0);
    const y = h.f32(pzy, m * n), dz = h.f32(pdz, m * n);
    for (let i = 0; i < m * n; i++) {
      expect(y[i]).toBe(Math.max(z[i], 0));
      expect(dz[i]).toBe(z[i] > 0 ? dy[i] : 0);
    }
    // z is not read: garbage there changes nothing
    const pjunk = h.put(randomArray(m * n, 13, -5, 5)), pdz2 = h.alloc(z.byteLength);
    h.k.relu_backward(pdz2, pdy, pjunk, pzy, m, n, 0);
    expect(Array.from(h.f32(pdz2, m * n))).toEqual(Array.from(h.f32(pdz, m * n)));
  });
});

describe('softmax rows', () => {
  it('sum to 1 and survive huge logits', () => {
    const m = 4, n = 10;
    const z = randomArray(m * n, 3, -1e4, 1e4);
    const { y } = run(ACTS.find((a) => a.name === 'softmax')!, z, new Float32Array(m * n), m, n);
    for (let r = 0; r < m; r++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += y[r * n + j];
      expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    }
    expect(y.every(Number.isFinite)).toBe(true);
  });
});
