// Benchmark child for TensorFlow.js: node bench/tfjs.mjs --backend wasm|cpu [--quick]
// The same GEMM shapes (tf.matMul with transposeA / transposeB), training run (tf.layers model,
// model.fit) and inference timings as bench/dendrite.mjs, from the same weights and data.
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { MLP, crossEntropy, data, gemmShapes, gemmTable, inference, initialWeights, randomFloats, report, trainingRate } from './workload.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const quick = process.argv.includes('--quick');
const backend = arg('backend', 'wasm');
const steps = Number(arg('steps', quick ? 16 : 64));

if (backend === 'wasm') {
  // In Node the .wasm files are read from a path prefix (a directory ending in '/').
  const dir = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/\\]*$/, '');
  setWasmPaths(dir);
}
await tf.setBackend(backend);
await tf.ready();
const features = backend === 'wasm'
  ? { simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') }
  : {};
const label = `tfjs-${backend}`;

console.error(`${label}: GEMM`);
// tfjs-cpu needs seconds per call at n = 1024; the quick run skips what it cannot do quickly.
const shapes = gemmShapes(quick).filter(([, , m, n, k]) => !(quick && backend === 'cpu' && m * n * k > 128 ** 3));
const gemm = gemmTable(shapes, (layout, m, n, k) => {
  const [ar, ac] = layout === 'tn' ? [k, m] : [m, k];
  const [br, bc] = layout === 'nt' ? [n, k] : [k, n];
  const a = tf.tensor2d(randomFloats(ar * ac, 1), [ar, ac]), b = tf.tensor2d(randomFloats(br * bc, 2), [br, bc]);
  return { call: () => tf.matMul(a, b, layout === 'tn', layout === 'nt').dispose(), dispose: () => (a.dispose(), b.dispose()) };
}, quick ? 20 : 40, quick ? 1 : 3);

console.error(`${label}: training`);
const d = await data(steps * MLP.batch);
const [i0, h1, h2, out] = MLP.sizes;
const xs = tf.tensor2d(d.x, [d.y.length, i0]);
const ys = tf.tensor2d(Float32Array.from(d.y), [d.y.length, 1]);
const predictWith = (model) => (x, rows) => tf.tidy(() => model.predict(tf.tensor2d(x, [rows, i0])).dataSync());

/** One training run from the shared initial weights, through tf.layers' own fit. */
async function trainOnce() {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: h1, activation: 'relu', inputShape: [i0] }),
      tfl.layers.dense({ units: h2, activation: 'relu' }),
      tfl.layers.dense({ units: out, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(MLP.learningRate, 0.9, 0.999, 1e-7), loss: 'sparseCategoricalCrossentropy' });
  const w = initialWeights();
  model.setWeights(w.map((v, i) => (i % 2 ? tf.tensor1d(v) : tf.tensor2d(v, [MLP.sizes[i / 2], MLP.sizes[i / 2 + 1]]))));
  const stamps = [];
  const t0 = performance.now();
  await model.fit(xs, ys, {
    epochs: 1, batchSize: MLP.batch, shuffle: false, verbose: 0,
    callbacks: { onBatchBegin: async (b) => void (b === 0 && stamps.push(performance.now())), onBatchEnd: async () => void stamps.push(performance.now()) },
  });
  const wallMs = performance.now() - t0;
  const finalLoss = crossEntropy(predictWith(model)(d.testX, 1000), d.testY);
  return { model, train: { ...trainingRate(stamps, MLP.batch, 5), finalLoss, wallMs } };
}

// Best of a few runs, as for dendrite (tfjs-cpu: one, its run takes ~15 s).
let best;
for (let round = 0; round < (quick || backend === 'cpu' ? 1 : 3); round++) {
  const run = await trainOnce();
  if (!best || run.train.samplesPerSec > best.train.samplesPerSec) best = run;
}
const { model, train } = best;
const predict = predictWith(model);

console.error(`${label}: inference`);
const x1 = d.testX.slice(0, 784), x256 = d.testX.slice(0, 256 * 784);
const infer = inference(() => predict(x1, 1), () => predict(x256, 256), quick ? 300 : backend === 'cpu' ? 1000 : 2000);
report({ data: d.source, results: [{ library: label, label, features, gemm, train, infer }] });
