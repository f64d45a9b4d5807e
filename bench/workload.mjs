// What every library in the benchmark is given, so that their numbers compare: the shapes, the
// data, the initial weights and the way time is measured. Used by bench/dendrite.mjs and
// bench/tfjs.mjs (one child process per library and build, started by bench/index.mjs).
import { adam, conv2d, datasets, dense, flatten, maxPooling2d, sequential } from '../build/index.js';

/** The reference MLP: 784-256-128-10, relu/relu/softmax, batch 128, Adam(1e-3). */
export const MLP = { sizes: [784, 256, 128, 10], batch: 128, learningRate: 1e-3 };

/**
 * The TF.js tutorial CNN the CNN sections measure (conv 32 3×3 relu, max pool 2, conv 64 3×3 relu,
 * max pool 2, flatten, dense 128 relu, dense 10 softmax on [28, 28, 1]; 225,034 weights), compiled
 * with Adam(1e-3) and sparse categorical cross-entropy. Not fashionMnistCnn: the recipe has
 * batch norm and dropout on top, and the bench's figures stay comparable with TF.js' tutorial.
 */
export function tutorialCnn(engine) {
  const m = sequential([
    conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), maxPooling2d({ poolSize: 2 }),
    flatten(), dense({ units: 128, activation: 'relu' }), dense({ units: 10, activation: 'softmax' }),
  ], { engine });
  m.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** GEMM shapes: [label, layout, m, n, k]; the MLP's are the calls its layers make at batch 128. */
export function gemmShapes(quick) {
  const shapes = [];
  for (const s of quick ? [128, 256] : [128, 256, 512, 1024]) for (const l of ['nn', 'nt', 'tn']) shapes.push([`${s}³`, l, s, s, s]);
  shapes.push(
    ['mlp fwd 1', 'nn', 128, 256, 784], ['mlp fwd 2', 'nn', 128, 128, 256], ['mlp fwd 3', 'nn', 128, 10, 128],
    ['mlp dX 2', 'nt', 128, 256, 128], ['mlp dX 1', 'nt', 128, 784, 256],
    ['mlp dW 3', 'tn', 128, 10, 128], ['mlp dW 2', 'tn', 256, 128, 128], ['mlp dW 1', 'tn', 784, 256, 128],
  );
  return shapes;
}

/** Deterministic values in [-0.5, 0.5) (mulberry32), so every library multiplies the same matrices. */
export function randomFloats(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 - 0.5;
  }
  return out;
}

/** Glorot-uniform kernels (in, units) and zero biases, the same for every library: [w1, b1, w2, b2, w3, b3]. */
export function initialWeights() {
  const w = [];
  const [i0, ...rest] = MLP.sizes;
  let fanIn = i0;
  rest.forEach((units, l) => {
    const limit = Math.sqrt(6 / (fanIn + units));
    w.push(randomFloats(fanIn * units, 1000 + l).map((v) => 2 * v * limit), new Float32Array(units));
    fanIn = units;
  });
  return w;
}

/**
 * Training rows (f32 in [0, 1], the same values for every library) and a 1000-row test set, from
 * Fashion-MNIST when it is installed, else synthetic (a fixed random teacher network's labels).
 */
export async function data(trainRows) {
  try {
    const { train, test } = await datasets.fashionMnist({ download: false });
    const f32 = (m, rows) => Float32Array.from(m.data.subarray(0, rows * 784), (v) => v / 255);
    return {
      source: 'Fashion-MNIST',
      x: f32(train.x, trainRows), y: Int32Array.from(train.y.subarray(0, trainRows)),
      testX: f32(test.x, 1000), testY: Int32Array.from(test.y.subarray(0, 1000)),
    };
  } catch {
    const x = randomFloats((trainRows + 1000) * 784, 7).map((v) => v + 0.5);
    const teacher = randomFloats(784 * 10, 8);
    const y = new Int32Array(trainRows + 1000);
    for (let r = 0; r < y.length; r++) {
      let best = 0, bestV = -Infinity;
      for (let c = 0; c < 10; c++) {
        let s = 0;
        for (let i = 0; i < 784; i++) s += x[r * 784 + i] * teacher[i * 10 + c];
        if (s > bestV) (bestV = s), (best = c);
      }
      y[r] = best;
    }
    return { source: 'synthetic (Fashion-MNIST not found)', x: x.subarray(0, trainRows * 784), y: y.subarray(0, trainRows), testX: x.subarray(trainRows * 784), testY: y.subarray(trainRows) };
  }
}

/** Mean cross-entropy of softmax outputs probs (rows, 10) against labels, computed the same way for everyone. */
export function crossEntropy(probs, labels) {
  let s = 0;
  for (let r = 0; r < labels.length; r++) s -= Math.log(Math.max(probs[r * 10 + labels[r]], 1e-7));
  return s / labels.length;
}

/**
 * Milliseconds per call of fn: the best of short trials (each ≈ trialMs, at least one call) over
 * budgetMs, the first trial being a warm-up. The best is what the code can do: the machine is
 * shared, and a busy moment only ever makes a trial slower. A call slower than the budget is timed
 * once (tfjs-cpu's and tfjs-wasm's transposed products at n = 1024 take seconds).
 */
export function bestTime(fn, budgetMs = 150, trialMs = 3) {
  let t = performance.now();
  fn();
  const once = Math.max(performance.now() - t, 1e-3);
  if (once > budgetMs) return once;
  const reps = Math.max(1, Math.round(trialMs / once));
  let best = Infinity;
  const start = performance.now();
  for (let trial = 0; trial < 4 || performance.now() - start < budgetMs; trial++) {
    t = performance.now();
    for (let r = 0; r < reps; r++) fn();
    if (trial > 0) best = Math.min(best, (performance.now() - t) / reps);
  }
  return best;
}

/**
 * GFLOP/s per shape: `setup(layout, m, n, k)` returns { call, dispose }; every shape is timed in
 * each of `rounds` rounds (bestTime with `budgetMs`), best kept, so a busy spell on a shared machine
 * spoils a round of a shape, not its result. A shape slower than the budget is timed once.
 */
export function gemmTable(shapes, setup, budgetMs, rounds = 3) {
  const rows = shapes.map(([name, layout, m, n, k]) => ({ key: `${name} ${layout}`, flops: 2 * m * n * k, ms: Infinity, slow: false, ...setup(layout, m, n, k) }));
  // Warm-up: the kernels are shared by every shape, and tier up from the baseline compiler as they run.
  for (const start = performance.now(); performance.now() - start < 100; ) rows[0].call();
  for (let r = 0; r < rounds; r++) {
    for (const row of rows) {
      if (row.slow) continue;
      const ms = bestTime(row.call, budgetMs);
      row.ms = Math.min(row.ms, ms);
      row.slow = ms > budgetMs;
    }
  }
  const out = {};
  for (const row of rows) {
    row.dispose();
    out[row.key] = row.flops / (row.ms * 1e6);
  }
  return out;
}

/** The median of an array of numbers. */
export function median(a) {
  const s = Float64Array.from(a).sort();
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Training throughput from the time stamps at each batch end: batch / median step, and batch / mean step (steps after `warm`). */
export function trainingRate(stamps, batch, warm) {
  const steps = [];
  for (let i = warm + 1; i < stamps.length; i++) steps.push(stamps[i] - stamps[i - 1]);
  const mean = (stamps[stamps.length - 1] - stamps[warm]) / steps.length;
  return { samplesPerSec: (batch * 1000) / median(steps), meanSamplesPerSec: (batch * 1000) / mean, steps: stamps.length };
}

/**
 * Inference: batch-1 latency (µs, the median of `calls` predictions) and batch-256 throughput
 * (samples/s, from the median of ≥ 20 calls), each the best of 3 rounds so that a busy spell on a
 * shared machine does not decide the number.
 */
export function inference(predict1, predict256, calls) {
  for (let i = 0; i < Math.min(300, calls); i++) predict1();
  for (let i = 0; i < 5; i++) predict256();
  let latencyUs = Infinity, throughput256 = 0;
  for (let round = 0; round < 3; round++) {
    const lat = [];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      predict1();
      lat.push(performance.now() - t);
    }
    latencyUs = Math.min(latencyUs, median(lat) * 1000);
    const big = [];
    const start = performance.now();
    for (let i = 0; i < 20 || (performance.now() - start < 150 && i < 100); i++) {
      const t = performance.now();
      predict256();
      big.push(performance.now() - t);
    }
    throughput256 = Math.max(throughput256, 256000 / median(big));
  }
  return { latencyUs, calls, throughput256 };
}

/**
 * Inference of two libraries measured turn about (A/B), so that both see the same load on a shared
 * machine: each round times `calls` batch-1 predictions (median) and ≥ 8 batch-256 ones (median)
 * of each, the order alternating by round; the ratios (ours / theirs) are taken per round. Returns
 * the medians over `rounds` of our and their latency (µs), throughput (samples/s) and the ratios.
 */
export function interleavedInference(ours, theirs, calls, rounds) {
  const lat = (p1) => {
    const t = [];
    for (let i = 0; i < calls; i++) {
      const s = performance.now();
      p1();
      t.push(performance.now() - s);
    }
    return median(t) * 1000;
  };
  const thr = (p256) => {
    const t = [];
    for (let i = 0, start = performance.now(); i < 8 || (performance.now() - start < 150 && i < 50); i++) {
      const s = performance.now();
      p256();
      t.push(performance.now() - s);
    }
    return 256000 / median(t);
  };
  for (const [p1, p256] of [ours, theirs]) {
    for (let i = 0; i < Math.min(300, calls); i++) p1();
    for (let i = 0; i < 5; i++) p256();
  }
  const r = { latencyUs: [], theirLatencyUs: [], latencyRatio: [], throughput256: [], theirThroughput256: [], throughputRatio: [] };
  for (let round = 0; round < rounds; round++) {
    const [a, b] = round % 2 ? [theirs, ours] : [ours, theirs];
    const la = lat(a[0]), lb = lat(b[0]), ta = thr(a[1]), tb = thr(b[1]);
    const [lo, lt, to, tt] = round % 2 ? [lb, la, tb, ta] : [la, lb, ta, tb];
    r.latencyUs.push(lo), r.theirLatencyUs.push(lt), r.latencyRatio.push(lo / lt);
    r.throughput256.push(to), r.theirThroughput256.push(tt), r.throughputRatio.push(to / tt);
  }
  return { ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)])), rounds, calls, perRound: r };
}

/** Children report by printing this marker and one JSON line. */
export function report(result) {
  console.log(`@@RESULT ${JSON.stringify(result)}`);
}
