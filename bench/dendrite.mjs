// Benchmark child for dendrite: node [--experimental-wasm-relaxed-simd] bench/dendrite.mjs
//   --build baseline|relaxed  --threads 1,2  [--quick]
// Runs the GEMM shapes, the inference timings and the training run for each thread count, and
// reports one result per thread count (workload.mjs: report). Started by bench/index.mjs.
import { readFileSync } from 'node:fs';
import { adam, dense, Engine, getEngine, init, sequential } from '../build/index.js';
import { MLP, crossEntropy, data, gemmShapes, gemmTable, inference, initialWeights, randomFloats, report, trainingRate } from './workload.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const quick = process.argv.includes('--quick');
const build = arg('build', 'baseline');
const threadCounts = arg('threads', '1').split(',').map(Number);
const steps = Number(arg('steps', quick ? 16 : 64));
const rounds = quick ? 1 : 5;

const info = await init({ deterministic: build === 'baseline' });
if ((build === 'relaxed') !== (info.build === 'relaxed-simd')) {
  throw new Error(`asked for the ${build} build, the engine runs ${info.build} (relaxed SIMD needs --experimental-wasm-relaxed-simd on Node 20)`);
}
const engine = getEngine();
// The GEMM table shows the kernels' own scaling: an engine of the same build that always splits.
// Training and inference run on the default engine, which uses its threads where they measure faster.
const gemmEngine = new Engine(new WebAssembly.Module(readFileSync(new URL(`../build/dendrite-threads${build === 'relaxed' ? '-relaxed' : ''}.wasm`, import.meta.url))), { adaptiveThreads: false });
const d = await data(steps * MLP.batch);
const weights = initialWeights();
const results = [];

// GEMM and inference per thread count; then training, in rounds that alternate the thread counts
// so that a busy spell on this shared machine hits all of them alike (best round kept per count).
for (const threads of threadCounts) {
  const running = await engine.setThreads(threads);
  await gemmEngine.setThreads(threads);
  const label = `dendrite ${build === 'relaxed' ? 'relaxed' : 'baseline'} ${running.threads}t`;
  console.error(`${label}: GEMM`);
  const gemm = gemmTable(gemmShapes(quick), gemmSetup, quick ? 20 : 40, quick ? 1 : 3);
  console.error(`${label}: inference`);
  const model = mlp();
  const x1 = d.testX.slice(0, 784), x256 = { data: d.testX.slice(0, 256 * 784), shape: [256, 784] };
  const infer = inference(() => model.predict(x1), () => model.predict(x256), quick ? 300 : 2000);
  model.dispose();
  results.push({ library: 'dendrite', label, build: running.build, threads: running.threads, threadsReason: running.threadsReason, gemm, infer });
}
let reference; // final weights of the first run: every other run must match them bit for bit
for (let round = 0; round < rounds; round++) {
  for (const [i, threads] of threadCounts.entries()) {
    const running = await engine.setThreads(threads);
    const r = results[i];
    console.error(`${r.label}: training, round ${round + 1} of ${rounds}`);
    const { final, ...run } = await train();
    reference ??= final;
    r.identical = (r.identical ?? true) && final.every((w, j) => w.every((v, q) => Object.is(v, reference[j][q])));
    if (!r.train || run.samplesPerSec > r.train.samplesPerSec) r.train = run;
    r.threadsReason = running.threadsReason;
  }
}
for (const r of results) {
  r.train.identicalToFirst = r.identical;
  delete r.identical;
}
report({ data: d.source, results });

/** One training run of `steps` batches from the initial weights: throughput, final loss, final weights. */
async function train() {
  const model = mlp();
  const stamps = [];
  const t0 = performance.now();
  await model.fit({ data: d.x, shape: [d.y.length, 784] }, d.y, {
    epochs: 1, batchSize: MLP.batch, shuffle: false,
    callbacks: { onBatchBegin: (b) => void (b === 0 && stamps.push(performance.now())), onBatchEnd: () => void stamps.push(performance.now()) },
  });
  const wallMs = performance.now() - t0;
  const finalLoss = crossEntropy(model.predict({ data: d.testX, shape: [1000, 784] }).data, d.testY);
  const final = model.getWeights().map((w) => w.data);
  model.dispose();
  return { ...trainingRate(stamps, MLP.batch, 5), finalLoss, wallMs, final };
}

function mlp() {
  const [i0, h1, h2, out] = MLP.sizes;
  const model = sequential([
    dense({ units: h1, activation: 'relu', inputShape: [i0] }),
    dense({ units: h2, activation: 'relu' }),
    dense({ units: out, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: adam({ learningRate: MLP.learningRate, epsilon: 1e-7 }), loss: 'sparseCategoricalCrossentropy' });
  model.build({ inputShape: [i0] });
  model.setWeights(weights);
  return model;
}

/** One product through the GEMM engine (which splits it over its threads), on fresh operands. */
function gemmSetup(layout, m, n, k) {
  const engine = gemmEngine;
  const [ar, ac] = layout === 'tn' ? [k, m] : [m, k];
  const [br, bc] = layout === 'nt' ? [n, k] : [k, n];
  const a = put(randomFloats(ar * ac, 1)), b = put(randomFloats(br * bc, 2)), c = engine.allocFloats(m * n);
  const pack = engine.alloc(engine.k.gemm_pack_bytes(m, n, k));
  const call =
    layout === 'nn' ? () => engine.gemmNN(c, a, b, 0, m, n, k, n, k, n, 0, pack)
    : layout === 'nt' ? () => engine.gemmNT(c, a, b, m, n, k, n, k, k, 0, pack)
    : () => engine.gemmTN(c, a, b, m, n, k, n, m, n, 0, pack);
  return { call, dispose: () => [a, b, c, pack].forEach((p) => engine.release(p)) };
}

function put(values, engine = gemmEngine) {
  const p = engine.allocFloats(values.length);
  engine.writeF32(p, values);
  return p;
}
