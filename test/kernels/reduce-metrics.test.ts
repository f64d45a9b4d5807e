// Metric kernels of assembly/reduce.ts (top-k, confusion counts, AUC histogram) against plain
// TypeScript twins written from the Keras definitions.
import { describe, expect, it } from 'vitest';
import { loadKernels, randomArray } from '../helpers/wasm';

const h = loadKernels();
const { k } = h;

/** tf.math.in_top_k: fewer than k values strictly greater than the target's; non-finite target → false. */
function inTopK(row: ArrayLike<number>, label: number, kk: number): boolean {
  const v = row[label];
  if (!Number.isFinite(v)) return false;
  let greater = 0;
  for (let j = 0; j < row.length; j++) if (row[j] > v) greater++;
  return greater < kk;
}

describe('count_top_k_labels / count_top_k_match', () => {
  it.each([[1, 1, 1], [5, 3, 1], [7, 10, 3], [16, 10, 5], [9, 4, 4]])('m=%i n=%i k=%i', (m, n, kk) => {
    h.reset();
    // Quantised values so that ties occur.
    const x = randomArray(m * n, m * n + kk).map((v) => Math.round(v * 3) / 3);
    const labels = Int32Array.from({ length: m }, (_, r) => (r * 7) % n);
    const onehot = new Float32Array(m * n);
    labels.forEach((l, r) => (onehot[r * n + l] = 1));
    let ref = 0;
    for (let r = 0; r < m; r++) if (inTopK(x.subarray(r * n, (r + 1) * n), labels[r], kk)) ref++;
    const px = h.put(x);
    expect(k.count_top_k_labels(px, h.put(labels), m, n, kk)).toBe(ref);
    expect(k.count_top_k_match(px, h.put(onehot), m, n, kk)).toBe(ref);
  });

  it('ties straddling the boundary count as in the top k; NaN targets never do', () => {
    h.reset();
    const x = new Float32Array([0.5, 0.5, 0.5, 0.1, NaN, 0.2]);
    expect(k.count_top_k_labels(h.put(x), h.put(new Int32Array([2, 1])), 2, 3, 1)).toBe(1);
  });
});

describe('confusion_counts / confusion_counts_labels', () => {
  it('tp, fp, tn, fn by hand', () => {
    h.reset();
    const out = h.put(new Float64Array(4) as never);
    const x = new Float32Array([0.9, 0.2, 0.6, 0.5, 0.1]);
    const t = new Float32Array([1, 1, 0, 1, 0]);
    k.confusion_counts(out, h.put(x), h.put(t), 5, 0.5);
    // 0.9/1 tp, 0.2/1 fn, 0.6/0 fp, 0.5/1 fn (not > 0.5), 0.1/0 tn
    expect(Array.from(new Float64Array(h.memory.buffer, out, 4))).toEqual([1, 1, 1, 2]);
  });

  it('labels act as one-hot rows and counts accumulate', () => {
    h.reset();
    const m = 6, n = 4;
    const x = randomArray(m * n, 3, 0, 1);
    const labels = Int32Array.from({ length: m }, (_, r) => r % n);
    const onehot = new Float32Array(m * n);
    labels.forEach((l, r) => (onehot[r * n + l] = 1));
    const a = h.put(new Float64Array(4) as never), b = h.put(new Float64Array(4) as never);
    const px = h.put(x);
    k.confusion_counts(a, px, h.put(onehot), m * n, 0.3);
    k.confusion_counts_labels(b, px, h.put(labels), m, n, 0.3);
    k.confusion_counts_labels(b, px, h.put(labels), m, n, 0.3);
    const va = Array.from(new Float64Array(h.memory.buffer, a, 4)), vb = Array.from(new Float64Array(h.memory.buffer, b, 4));
    expect(vb).toEqual(va.map((v) => 2 * v));
    expect(va.reduce((s, v) => s + v, 0)).toBe(m * n);
  });
});

describe('auc_histogram', () => {
  /** Keras' thresholds and counts computed directly: tp_i = #(positive, p > th_i). */
  function direct(p: number[], t: number[], T: number) {
    const eps = 1e-7;
    const th = Array.from({ length: T }, (_, i) => (i === 0 ? -eps : i === T - 1 ? 1 + eps : i / (T - 1)));
    const tp = th.map((v) => p.filter((q, j) => t[j] !== 0 && Math.fround(q) > Math.fround(v)).length);
    const fp = th.map((v) => p.filter((q, j) => t[j] === 0 && Math.fround(q) > Math.fround(v)).length);
    return { tp, fp };
  }

  it.each([[3, 10], [200, 50], [11, 101]])('reverse cumulative buckets equal the direct threshold counts, T=%i, n=%i', (T, n) => {
    h.reset();
    // include exact threshold values, 0 and 1
    const p = Array.from(randomArray(n, T + n, 0, 1));
    p[0] = 0; p[1] = 1; p[2] = 1 / (T - 1); p[3] = 0.5;
    const t = p.map((_, i) => (i % 3 === 0 ? 1 : 0));
    const hist = h.put(new Float64Array(2 * T) as never);
    k.auc_histogram(hist, h.put(Float32Array.from(p)), h.put(Float32Array.from(t)), n, T, 0);
    const bins = Array.from(new Float64Array(h.memory.buffer, hist, 2 * T));
    const tp = new Array(T).fill(0), fp = new Array(T).fill(0);
    for (let i = T - 1, sp = 0, sn = 0; i >= 0; i--) {
      sp += bins[i]; sn += bins[T + i];
      tp[i] = sp; fp[i] = sn;
    }
    const ref = direct(p, t, T);
    expect(tp).toEqual(ref.tp);
    expect(fp).toEqual(ref.fp);
  });

  it('logits go through σ; labels act as one-hot rows', () => {
    h.reset();
    const T = 20, m = 5, n = 3;
    const z = randomArray(m * n, 8, -4, 4);
    const probs = Float32Array.from(z, (v) => 1 / (1 + Math.exp(-v)));
    const labels = Int32Array.from([0, 2, 1, 1, 0]);
    const onehot = new Float32Array(m * n);
    labels.forEach((l, r) => (onehot[r * n + l] = 1));
    const a = h.put(new Float64Array(2 * T) as never), b = h.put(new Float64Array(2 * T) as never);
    k.auc_histogram(a, h.put(probs), h.put(onehot), m * n, T, 0);
    k.auc_histogram_labels(b, h.put(z), h.put(labels), m, n, T, 1);
    expect(Array.from(new Float64Array(h.memory.buffer, b, 2 * T))).toEqual(Array.from(new Float64Array(h.memory.buffer, a, 2 * T)));
  });
});
