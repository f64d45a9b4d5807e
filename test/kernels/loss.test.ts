// Loss kernels against plain TypeScript twins (f64), and every gradient against central finite
// differences of the loss value: of the f64 twin over all sizes, and of the kernel's own value.
import { beforeAll, describe, expect, it } from 'vitest';
import { type KernelHarness, loadKernels, randomArray } from '../helpers/wasm';

// ---- f64 reference: per-row losses (Keras definitions) -----------------------------------------

type Num = ArrayLike<number>;
const EPS = 1e-7;
const clip = (p: number) => Math.min(Math.max(p, EPS), 1 - EPS);
/** log σ(z), stable both ways (the kernel uses the other form, max(z,0) − z·t + log1p(e^−|z|)). */
const logSig = (z: number) => (z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z)));

/** Loss of one row: x = predictions or logits, t = targets (dense) or labels (sparse), row r. */
type RowLoss = (x: Num, t: Num, r: number, n: number) => number;

function meanOver(n: number, r: number, f: (j: number) => number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += f(r * n + j);
  return s / n;
}
const rowMse: RowLoss = (x, t, r, n) => meanOver(n, r, (i) => (x[i] - t[i]) ** 2);
const rowMae: RowLoss = (x, t, r, n) => meanOver(n, r, (i) => Math.abs(x[i] - t[i]));
const rowHuber = (d: number): RowLoss => (x, t, r, n) =>
  meanOver(n, r, (i) => {
    const a = Math.abs(x[i] - t[i]);
    return a <= d ? 0.5 * a * a : d * a - 0.5 * d * d;
  });
const rowBce: RowLoss = (x, t, r, n) =>
  meanOver(n, r, (i) => -(t[i] * Math.log(clip(x[i])) + (1 - t[i]) * Math.log(1 - clip(x[i]))));
const rowBceLogits: RowLoss = (x, t, r, n) => meanOver(n, r, (i) => -(t[i] * logSig(x[i]) + (1 - t[i]) * logSig(-x[i])));
const rowCce: RowLoss = (x, t, r, n) => {
  let s = 0, l = 0;
  for (let j = 0; j < n; j++) s += x[r * n + j];
  for (let j = 0; j < n; j++) l -= t[r * n + j] * Math.log(clip(x[r * n + j] / s));
  return l;
};
const rowSparseCce: RowLoss = (x, lab, r, n) => {
  let s = 0;
  for (let j = 0; j < n; j++) s += x[r * n + j];
  return -Math.log(clip(x[r * n + lab[r]] / s));
};
/** log-softmax of row r at column j. */
function logSoftmax(z: Num, r: number, n: number, j: number): number {
  let mx = -Infinity, s = 0;
  for (let k = 0; k < n; k++) mx = Math.max(mx, z[r * n + k]);
  for (let k = 0; k < n; k++) s += Math.exp(z[r * n + k] - mx);
  return z[r * n + j] - mx - Math.log(s);
}
const rowSoftmaxCce: RowLoss = (z, t, r, n) => {
  let l = 0;
  for (let j = 0; j < n; j++) if (t[r * n + j] !== 0) l -= t[r * n + j] * logSoftmax(z, r, n, j);
  return l;
};
const rowSoftmaxSparse: RowLoss = (z, lab, r, n) => -logSoftmax(z, r, n, lab[r]);

// ---- the losses and their test data -------------------------------------------------------------

interface Loss {
  name: string;
  row: RowLoss;
  sparse?: boolean; // labels (i32 per row) instead of an (m, n) target
  logits?: boolean; // takes a probs pointer (8th argument)
  delta?: number; // huber's 8th argument
  /** Inputs for an (m, n) batch: predictions or logits. */
  x: (m: number, n: number, seed: number) => Float32Array;
  /** Skip element i in finite differences (a kink within the step). */
  kink?: (x: number, t: number) => boolean;
}

const real = (m: number, n: number, s: number) => randomArray(m * n, s, -2, 2);
const probs01 = (m: number, n: number, s: number) => randomArray(m * n, s, 0.02, 0.98);
const positive = (m: number, n: number, s: number) => randomArray(m * n, s, 0.05, 1);
const LOGIT_EXTREMES = [0, -0, 1e-8, 5, -5, 20, -20, 88, -88, 100, -100];
const logits = (m: number, n: number, s: number) => {
  const z = randomArray(m * n, s, -6, 6);
  for (let i = 0; i < m * n; i += 3) z[i] = LOGIT_EXTREMES[(i / 3 + s) % LOGIT_EXTREMES.length];
  return z;
};

const LOSSES: Loss[] = [
  { name: 'mse', row: rowMse, x: real },
  { name: 'mae', row: rowMae, x: real, kink: (x, t) => Math.abs(x - t) < 1e-4 },
  { name: 'huber', row: rowHuber(1), delta: 1, x: real },
  { name: 'huber', row: rowHuber(Math.fround(0.3)), delta: 0.3, x: real },
  { name: 'bce', row: rowBce, x: probs01 },
  { name: 'bce_logits', row: rowBceLogits, logits: true, x: logits },
  { name: 'cce', row: rowCce, x: positive },
  { name: 'sparse_cce', row: rowSparseCce, sparse: true, x: positive },
  { name: 'softmax_cce', row: rowSoftmaxCce, logits: true, x: logits },
  { name: 'softmax_sparse_cce', row: rowSoftmaxSparse, sparse: true, logits: true, x: logits },
];
const tag = (l: Loss) => `${l.name}${l.delta !== undefined ? `(δ=${l.delta})` : ''}`;

/** Targets: soft labels in [0, 1] (bce), soft rows summing to 1 (categorical), reals (regression),
 *  with exact 0/1 entries mixed in; labels for the sparse losses. */
function targets(l: Loss, m: number, n: number, seed: number): Float32Array | Int32Array {
  if (l.sparse) return Int32Array.from({ length: m }, (_, r) => (r * 7 + seed) % n);
  if (l.name === 'mse' || l.name === 'mae' || l.name === 'huber') return real(m, n, seed + 1);
  const t = randomArray(m * n, seed + 1, 0, 1);
  if (l.name.includes('bce')) {
    for (let i = 0; i < m * n; i += 4) t[i] = (i >> 2) & 1;
    return t;
  }
  for (let r = 0; r < m; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += t[r * n + j];
    // one-hot rows, rows summing to 1, and rows summing to 1.5 (the gradient has a softmax·Σt term)
    for (let j = 0; j < n; j++) t[r * n + j] = r % 3 === 0 ? +(j === r % n) : (t[r * n + j] / s) * (r % 3 === 1 ? 1 : 1.5);
  }
  return t;
}

// ---- running a kernel ---------------------------------------------------------------------------

let h: KernelHarness;
beforeAll(() => {
  h = loadKernels();
});

interface Call {
  x: Float32Array;
  t: Float32Array | Int32Array;
  m: number;
  n: number;
  scale?: number;
  weights?: Float32Array;
  grad?: boolean;
  probs?: boolean;
}
function call(l: Loss, c: Call) {
  h.reset();
  const { m, n } = c;
  const px = h.put(c.x), pt = h.put(c.t);
  const pw = c.weights ? h.put(c.weights) : 0;
  const pg = c.grad === false ? 0 : h.alloc(4 * m * n);
  const pp = c.probs ? h.alloc(4 * m * n) : 0;
  const last = l.delta !== undefined ? [l.delta] : l.logits ? [pp] : [];
  const value = h.k[l.name](pg, px, pt, m, n, c.scale ?? 1, pw, ...last) as number;
  return {
    value,
    grad: pg ? h.f32(pg, m * n).slice() : undefined,
    probs: pp ? h.f32(pp, m * n).slice() : undefined,
  };
}

/** Reference Σ_r w_r·loss_r. */
function refTotal(l: Loss, x: Num, t: Num, m: number, n: number, w?: Num): number {
  let s = 0;
  for (let r = 0; r < m; r++) s += (w ? w[r] : 1) * l.row(x, t, r, n);
  return s;
}

/** Central differences of scale·Σ w_r·loss_r (only row r depends on x_i), with their noise bound. */
function finiteDiff(l: Loss, x: Float32Array, t: Num, m: number, n: number, scale: number, w?: Num) {
  const fd = new Float64Array(m * n), noise = new Float64Array(m * n), valid = new Uint8Array(m * n);
  const xx = Float64Array.from(x);
  for (let i = 0; i < m * n; i++) {
    const r = Math.floor(i / n), c = scale * (w ? w[r] : 1);
    const hh = 1e-6 * Math.max(1, Math.abs(x[i]));
    valid[i] = l.kink && !l.sparse && l.kink(x[i], t[i]) ? 0 : 1;
    xx[i] = x[i] + hh;
    const lp = l.row(xx, t, r, n);
    xx[i] = x[i] - hh;
    const lm = l.row(xx, t, r, n);
    xx[i] = x[i];
    fd[i] = (c * (lp - lm)) / (2 * hh);
    noise[i] = (Math.abs(c) * 4e-16 * Math.max(Math.abs(lp), Math.abs(lm), 1)) / hh;
  }
  return { fd, noise, valid };
}

function within(got: Num, ref: Num, m: number, n: number, atol: number, rtol: number, what: string,
  extra?: Float64Array, valid?: Uint8Array): void {
  for (let i = 0; i < m * n; i++) {
    if (valid && !valid[i]) continue;
    const tol = Math.max(atol, rtol * Math.abs(ref[i])) + (extra ? extra[i] : 0);
    if (!(Math.abs(got[i] - ref[i]) <= tol)) {
      throw new Error(`${what} ${m}x${n}: [${Math.floor(i / n)},${i % n}] ref=${ref[i]} got=${got[i]} tol=${tol}`);
    }
  }
}
const closeTo = (got: number, ref: number, rtol: number, what: string) => {
  if (!(Math.abs(got - ref) <= rtol * Math.max(Math.abs(ref), 1e-30))) throw new Error(`${what}: ref ${ref} got ${got}`);
};

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 17, 33];

// ---- tests --------------------------------------------------------------------------------------

describe.each(LOSSES.map((l) => [tag(l), l] as const))('%s', (_, l) => {
  it('value matches the f64 twin, gradient matches its central differences, over all sizes', () => {
    for (const m of SIZES) for (const n of SIZES) {
      const seed = m * 13 + n;
      const x = l.x(m, n, seed), t = targets(l, m, n, seed), scale = 1 / m;
      const { value, grad } = call(l, { x, t, m, n, scale });
      closeTo(value, refTotal(l, x, t, m, n), 1e-12, `${tag(l)} value ${m}x${n}`);
      const { fd, noise, valid } = finiteDiff(l, x, t, m, n, scale);
      within(grad!, fd, m, n, 1e-12 * scale, 2e-5, `${tag(l)} gradient vs finite differences`, noise, valid);
    }
  });

  it('gradient matches central differences of the kernel value itself', () => {
    const m = 4, n = 7, x = l.x(m, n, 5), t = targets(l, m, n, 5);
    const { grad } = call(l, { x, t, m, n, scale: 0.5 });
    const fd = new Float64Array(m * n), noise = new Float64Array(m * n), valid = new Uint8Array(m * n).fill(1);
    const xx = new Float32Array(x);
    for (let i = 0; i < m * n; i++) {
      const step = 1e-3 * Math.abs(x[i]) + 1e-4; // f32 steps: the exact one is read back from xx
      xx[i] = x[i] + step;
      const up = xx[i], lp = call(l, { x: xx, t, m, n, grad: false }).value;
      xx[i] = x[i] - step;
      const dn = xx[i], lm = call(l, { x: xx, t, m, n, grad: false }).value;
      xx[i] = x[i];
      fd[i] = (0.5 * (lp - lm)) / (up - dn);
      noise[i] = (1e-14 * Math.max(Math.abs(lp), 1)) / (up - dn);
      if (l.kink && !l.sparse && Math.abs(x[i] - t[i]) < 2 * (up - dn)) valid[i] = 0;
    }
    within(grad!, fd, m, n, 1e-10, 2e-3, `${tag(l)} gradient vs kernel differences`, noise, valid);
  });

  it('sample weights scale the value and each row of the gradient; scale scales the gradient only', () => {
    const m = 9, n = 5, x = l.x(m, n, 8), t = targets(l, m, n, 8);
    const w = randomArray(m, 9, 0, 2);
    w[2] = 0;
    w[5] = 1;
    const plain = call(l, { x, t, m, n, scale: 1 });
    const weighted = call(l, { x, t, m, n, scale: 0.25, weights: w });
    closeTo(weighted.value, refTotal(l, x, t, m, n, w), 1e-12, `${tag(l)} weighted value`);
    const expected = plain.grad!.map((g, i) => 0.25 * w[Math.floor(i / n)] * g);
    within(weighted.grad!, expected, m, n, 1e-30, 3e-7, `${tag(l)} weighted gradient`);
    expect(weighted.grad!.subarray(2 * n, 3 * n).every((g) => g === 0)).toBe(true); // ±0
  });

  it('evaluates without a gradient buffer (grad = 0) to the same value', () => {
    const m = 5, n = 3, x = l.x(m, n, 3), t = targets(l, m, n, 3);
    expect(call(l, { x, t, m, n, grad: false }).value).toBe(call(l, { x, t, m, n }).value);
  });
});

describe('Keras documentation examples', () => {
  // y_true = [[0, 1], [0, 0]], y_pred = [[1, 1], [1, 0]] (mse, mae) or [[0.6, 0.4], [0.4, 0.6]] (bce,
  // huber), from the docstrings of keras.losses.*; Keras reports batch means
  const yt = new Float32Array([0, 1, 0, 0]), yp = new Float32Array([0.6, 0.4, 0.4, 0.6]);
  const yp01 = new Float32Array([1, 1, 1, 0]);
  const byName = (name: string, delta?: number) => LOSSES.find((l) => l.name === name && (delta === undefined || l.delta === delta))!;
  it.each([
    ['mse', yp01, 0.5],
    ['mae', yp01, 0.5],
    ['bce', yp, 0.815],
  ] as const)('%s', (name, x, v) => {
    expect(call(byName(name), { x, t: yt, m: 2, n: 2 }).value / 2).toBeCloseTo(v, 3);
  });
  it('huber(δ=1) = 0.155', () => {
    expect(call(byName('huber', 1), { x: yp, t: yt, m: 2, n: 2 }).value / 2).toBeCloseTo(0.155, 3);
  });
  it('cce and sparse_cce = 1.177', () => {
    const p = new Float32Array([0.05, 0.95, 0, 0.1, 0.8, 0.1]);
    const onehot = new Float32Array([0, 1, 0, 0, 0, 1]);
    expect(call(byName('cce'), { x: p, t: onehot, m: 2, n: 3 }).value / 2).toBeCloseTo(1.177, 3);
    expect(call(byName('sparse_cce'), { x: p, t: new Int32Array([1, 2]), m: 2, n: 3 }).value / 2).toBeCloseTo(1.177, 3);
  });
});

describe('clipping and subgradients', () => {
  it('mae has a zero subgradient where pred equals target', () => {
    const x = new Float32Array([1, 2, 3, 4]), t = new Float32Array([1, 0, 3, 5]);
    expect(Array.from(call(LOSSES[1], { x, t, m: 1, n: 4 }).grad!)).toEqual([0, 0.25, 0, -0.25]);
  });

  it('bce clips probabilities to [1e-7, 1 − 1e-7], with zero gradient where clipped', () => {
    const bce = LOSSES.find((l) => l.name === 'bce')!;
    const x = new Float32Array([0, 1, 1e-9, 0.5, 1 - 2 ** -24]), t = new Float32Array([1, 0, 1, 1, 0]);
    const { value, grad } = call(bce, { x, t, m: 1, n: 5 });
    closeTo(value, rowBce(x, t, 0, 5), 1e-12, 'clipped bce');
    expect(Number.isFinite(value)).toBe(true);
    expect(Array.from(grad!)).toEqual([0, 0, 0, Math.fround(-0.4), 0]); // (½ − 1)/(½·½)/5
  });

  it('cce clips the normalised row, and the gradient only flows through unclipped entries', () => {
    const cce = LOSSES.find((l) => l.name === 'cce')!, sparse = LOSSES.find((l) => l.name === 'sparse_cce')!;
    const x = new Float32Array([0, 2, 1, 1]), t = new Float32Array([0.5, 0.5, 0, 0]); // q = [0, ½, ¼, ¼]
    const { value, grad } = call(cce, { x, t, m: 1, n: 4 });
    closeTo(value, rowCce(x, t, 0, 4), 1e-12, 'clipped cce');
    // g = [0, −0.5/0.5, 0, 0] (entry 0 clipped); ∂/∂p_k = (g_k + Σ_{unclipped} t)/S, S = 4
    expect(Array.from(grad!)).toEqual([0.125, -0.125, 0.125, 0.125]);
    // a clipped label: value −log(1e-7), no gradient at all
    const s = call(sparse, { x, t: new Int32Array([0]), m: 1, n: 4 });
    closeTo(s.value, -Math.log(1e-7), 1e-12, 'clipped sparse');
    expect(Array.from(s.grad!)).toEqual([0, 0, 0, 0]);
  });

  it('cce and sparse_cce on a row of zeros (a dead relu output): the clip bound and no gradient, where Keras gives NaN', () => {
    const cce = LOSSES.find((l) => l.name === 'cce')!, sparse = LOSSES.find((l) => l.name === 'sparse_cce')!;
    const x = new Float32Array(4), t = new Float32Array([0, 1, 0, 0]);
    const a = call(cce, { x, t, m: 1, n: 4 });
    closeTo(a.value, -Math.log(1e-7), 1e-12, 'zero-row cce');
    expect(Array.from(a.grad!)).toEqual([0, 0, 0, 0]);
    const b = call(sparse, { x, t: new Int32Array([1]), m: 1, n: 4 });
    closeTo(b.value, -Math.log(1e-7), 1e-12, 'zero-row sparse cce');
    expect(Array.from(b.grad!)).toEqual([0, 0, 0, 0]);
  });

  it('sparse_cce equals cce with one-hot targets', () => {
    const cce = LOSSES.find((l) => l.name === 'cce')!, sparse = LOSSES.find((l) => l.name === 'sparse_cce')!;
    const m = 17, n = 9, x = positive(m, n, 4), lab = targets(sparse, m, n, 4) as Int32Array;
    const onehot = new Float32Array(m * n).map((_, i) => +(lab[Math.floor(i / n)] === i % n));
    const a = call(sparse, { x, t: lab, m, n, scale: 0.1 }), b = call(cce, { x, t: onehot, m, n, scale: 0.1 });
    closeTo(a.value, b.value, 1e-14, 'value');
    within(a.grad!, b.grad!, m, n, 1e-30, 1e-6, 'gradient');
  });
});

describe('fused losses from logits', () => {
  const byName = (name: string) => LOSSES.find((l) => l.name === name)!;
  const [softmaxCce, softmaxSparse, bceLogits] = ['softmax_cce', 'softmax_sparse_cce', 'bce_logits'].map(byName);
  const [cce, bce] = ['cce', 'bce'].map(byName);

  it('stay finite for logits of ±1e4 and give the right limits', () => {
    const m = 4, n = 6, z = randomArray(m * n, 21, -1e4, 1e4);
    z[0] = 1e4;
    z[1] = -1e4;
    for (const l of [softmaxCce, softmaxSparse, bceLogits]) {
      const t = targets(l, m, n, 21);
      const { value, grad, probs } = call(l, { x: z, t, m, n, scale: 1 / m, probs: true });
      expect(Number.isFinite(value), l.name).toBe(true);
      expect(grad!.every(Number.isFinite) && probs!.every(Number.isFinite), l.name).toBe(true);
      closeTo(value, refTotal(l, z, t, m, n), 1e-12, `${l.name} value at ±1e4`);
    }
    // one saturated logit: −log softmax = 2e4 exactly, gradient −1 on the label, +1 on the winner
    const z2 = new Float32Array([1e4, -1e4]), r = call(softmaxSparse, { x: z2, t: new Int32Array([1]), m: 1, n: 2 });
    expect(r.value).toBe(2e4);
    expect(Array.from(r.grad!)).toEqual([1, -1]);
  });

  it('a −∞ logit with a zero target contributes nothing (no 0·∞)', () => {
    const z = new Float32Array([-Infinity, 1, 2]), t = new Float32Array([0, 0.25, 0.75]);
    const { value, grad } = call(softmaxCce, { x: z, t, m: 1, n: 3 });
    closeTo(value, rowSoftmaxCce(z, t, 0, 3), 1e-12, 'value');
    expect(grad!.every(Number.isFinite)).toBe(true);
  });

  it('probs receive softmax(z) / σ(z), and probs = 0 changes nothing else', () => {
    const m = 7, n = 9, z = logits(m, n, 31);
    for (const l of [softmaxCce, softmaxSparse, bceLogits]) {
      const t = targets(l, m, n, 31);
      const a = call(l, { x: z, t, m, n, probs: true }), b = call(l, { x: z, t, m, n });
      expect(a.value).toBe(b.value);
      expect(Array.from(a.grad!)).toEqual(Array.from(b.grad!));
      const ref = new Float64Array(m * n).map((_, i) =>
        l === bceLogits ? Math.exp(logSig(z[i])) : Math.exp(logSoftmax(z, Math.floor(i / n), n, i % n)));
      within(a.probs!, ref, m, n, 1e-37, 1e-6, `${l.name} probs`);
    }
  });

  it('softmax_cce agrees with cce(softmax(z)), and its gradient with the chain rule through softmax', () => {
    const m = 8, n = 10, z = randomArray(m * n, 41, -3, 3);
    for (const l of [softmaxCce, softmaxSparse]) {
      const t = targets(l, m, n, 41);
      const fused = call(l, { x: z, t, m, n, scale: 1 / m, probs: true });
      const p = fused.probs!;
      const unfused = call(l === softmaxCce ? cce : byName('sparse_cce'), { x: p, t, m, n, scale: 1 / m });
      closeTo(fused.value, unfused.value, 1e-5, `${l.name} vs unfused value`);
      // dz_j = p_j·(gp_j − Σ_k gp_k·p_k)
      const gp = unfused.grad!, chain = new Float64Array(m * n);
      for (let r = 0; r < m; r++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += gp[r * n + k] * p[r * n + k];
        for (let j = 0; j < n; j++) chain[r * n + j] = p[r * n + j] * (gp[r * n + j] - dot);
      }
      within(fused.grad!, chain, m, n, 1e-6 / m, 1e-4, `${l.name} vs chain rule`);
    }
  });

  it('bce_logits agrees with bce(σ(z))', () => {
    const m = 6, n = 5, z = randomArray(m * n, 51, -6, 6), t = targets(bceLogits, m, n, 51);
    const fused = call(bceLogits, { x: z, t, m, n, scale: 1 / m, probs: true });
    const p = fused.probs!, unfused = call(bce, { x: p, t, m, n, scale: 1 / m });
    closeTo(fused.value, unfused.value, 1e-5, 'value');
    const chain = unfused.grad!.map((g, i) => g * p[i] * (1 - p[i])); // σ' = σ(1 − σ)
    within(fused.grad!, chain, m, n, 1e-6 / m, 1e-4, 'gradient vs chain rule');
  });

  it('softmax_sparse_cce equals softmax_cce with one-hot targets', () => {
    const m = 33, n = 17, z = logits(m, n, 61), lab = targets(softmaxSparse, m, n, 61) as Int32Array;
    const onehot = new Float32Array(m * n).map((_, i) => +(lab[Math.floor(i / n)] === i % n));
    const a = call(softmaxSparse, { x: z, t: lab, m, n, scale: 0.5 }), b = call(softmaxCce, { x: z, t: onehot, m, n, scale: 0.5 });
    closeTo(a.value, b.value, 1e-14, 'value');
    within(a.grad!, b.grad!, m, n, 1e-30, 1e-6, 'gradient');
  });
});
