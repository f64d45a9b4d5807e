// The tutorial CNN (conv 32 3×3 relu, max pool 2, conv 64 3×3 relu, max pool 2, flatten, dense 128
// relu, dense 10 softmax on [28, 28, 1]; 225,034 weights): node bench/cnn.mjs [--quick]   (also a
// child of bench/index.mjs; --inference skips training). dendrite training samples/s at batch 128 with Adam on 1 and 2 threads
// (bit-identical weights checked), and batch-1 latency / batch-256 throughput of predict beside
// TF.js-wasm on the same weights in the same process, measured turn about (interleavedInference:
// medians over rounds of per-round ratios, as the machine may be shared); TF.js-wasm training is
// attempted (4.22 lacks Conv2DBackpropFilter on wasm) and its error recorded.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { Engine, getEngine, init } from '../build/index.js';
import { data, interleavedInference, median, report, tutorialCnn } from './workload.mjs';

const quick = process.argv.includes('--quick');
const inferenceOnly = process.argv.includes('--inference');
const steps = quick ? 6 : 30;
const batch = 128;
const d = await data(steps * batch);
const rows = d.y.length;
const x = { data: d.x, shape: [rows, 784] };
const y = Int32Array.from(d.y);
await init();
const engine = getEngine();

/** The median ms of a training step of m over `count` consecutive batches, the first `warm` not counted. */
function medianStep(m, count, warm) {
  const times = [];
  for (let s = 0; s < count; s++) {
    const xb = { data: d.x.subarray(s * batch * 784, (s + 1) * batch * 784), shape: [batch, 784] };
    const t = performance.now();
    m.trainOnBatch(xb, y.subarray(s * batch, (s + 1) * batch));
    if (s >= warm) times.push(performance.now() - t);
  }
  return median(times);
}

/** Training samples/s: the median of per-step times after 3 warm-up steps (trainOnBatch on consecutive batches). */
function train() {
  const m = tutorialCnn(engine);
  m.build({ seed: 1 });
  const samplesPerSec = (batch * 1000) / medianStep(m, steps, 3);
  const final = m.getWeights().map((w) => w.data);
  m.dispose();
  return { samplesPerSec, final };
}

/**
 * Thread scaling, measured turn about so that a shared machine's slow spells fall on both sides: on
 * an engine that always splits (adaptiveThreads false: the default engine may work alone for a
 * while when threads measure slower, which is its choice, not its scaling), rounds of 1 thread then
 * 2 threads, each the median step of `steps` after 4 warm-up steps (a new pool's wasm tiers up).
 * Returns the median of the per-round ratios and the rounds.
 */
async function scaling(rounds, steps) {
  const root = new URL('../build/', import.meta.url);
  const e = new Engine(new WebAssembly.Module(readFileSync(new URL('dendrite-threads.wasm', root))), { adaptiveThreads: false, threadsWorker: new URL('threads-worker.js', root) });
  const m = tutorialCnn(e);
  m.build({ seed: 1 });
  const block = async (threads) => {
    await e.setThreads(threads);
    return medianStep(m, steps + 4, 4);
  };
  const per = [];
  for (let r = 0; r < rounds; r++) {
    const one = await block(1), two = await block(2);
    per.push({ one, two, ratio: one / two });
  }
  await e.setThreads(1);
  m.dispose();
  return { ratio: median(per.map((p) => p.ratio)), rounds: per };
}

// TF.js-wasm (single-threaded SIMD in Node) on the weights dendrite initialises with seed 1.
const ref = tutorialCnn(engine);
ref.build({ seed: 1 });
console.error('cnn: tfjs-wasm');
setWasmPaths(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/\\]*$/, ''));
await tf.setBackend('wasm');
await tf.ready();
const T = tfl.layers;
const theirs = tfl.sequential({ layers: [
  T.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), T.maxPooling2d({ poolSize: 2 }),
  T.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), T.maxPooling2d({ poolSize: 2 }),
  T.flatten(), T.dense({ units: 128, activation: 'relu' }), T.dense({ units: 10, activation: 'softmax' }),
] });
theirs.setWeights(ref.getWeights().map((w) => tf.tensor(w.data, w.shape)));
ref.dispose();
const p1 = tf.tensor(d.testX.slice(0, 784), [1, 28, 28, 1]), p256 = tf.tensor(d.testX.slice(0, 256 * 784), [256, 28, 28, 1]);
const tfjs1 = () => tf.tidy(() => theirs.predict(p1).dataSync()), tfjs256 = () => tf.tidy(() => theirs.predict(p256).dataSync());

const result = { threads: {}, rows, tfjsWasm: {} };
const cores = availableParallelism();
let reference;
for (const threads of cores > 1 ? [1, 2] : [1]) {
  const running = await engine.setThreads(threads);
  console.error(`cnn: dendrite ${running.threads} thread(s)`);
  const runs = inferenceOnly ? [{ samplesPerSec: NaN, final: [] }] : [train(), ...(quick ? [] : [train()])];
  const best = runs.reduce((a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a));
  reference ??= best.final;
  const identical = best.final.every((w, i) => w.every((v, j) => Object.is(v, reference[i][j])));
  const m = tutorialCnn(engine);
  m.build({ seed: 1 });
  const x1 = { data: d.testX.slice(0, 784), shape: [1, 784] }, x256 = { data: d.testX.slice(0, 256 * 784), shape: [256, 784] };
  console.error(`cnn: inference beside tfjs-wasm, ${running.threads} thread(s)`);
  const infer = interleavedInference([() => m.predict(x1), () => m.predict(x256)], [tfjs1, tfjs256], quick ? 100 : 300, quick ? 3 : 9);
  result.threads[running.threads] = { train: best.samplesPerSec, identical, infer, reason: running.threadsReason };
  m.dispose();
}
await engine.setThreads(1);
if (!inferenceOnly && cores > 1) {
  console.error('cnn: thread scaling, turn about');
  result.scaling = await scaling(quick ? 2 : 7, Math.min(steps - 4, 12));
}

try {
  theirs.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const t = performance.now();
  await theirs.trainOnBatch(tf.tensor(d.x.subarray(0, batch * 784), [batch, 28, 28, 1]), tf.tensor(Float32Array.from(d.y.slice(0, batch)), [batch, 1]));
  result.tfjsWasm.train = (batch * 1000) / (performance.now() - t);
} catch (e) {
  result.tfjsWasm.trainError = e.message.split('\n')[0];
}

const lines = [];
const f = (v) => (v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1));
const t1 = result.threads[1].infer;
lines.push(`Tutorial CNN (225,034 weights), batch ${batch}, Adam 1e-3, ${steps} steps (median step after 3); predict batch-1 µs / batch-256 samples/s beside TF.js-wasm on the same weights, turn about, medians of ${t1.rounds} rounds (ratios per round)`);
for (const [t, r] of Object.entries(result.threads)) {
  const i = r.infer;
  lines.push(`  dendrite ${t}t: training ${f(r.train)} samples/s${t === '1' ? '' : ` (${(r.train / result.threads[1].train).toFixed(2)}x 1t), weights ${r.identical ? 'bit-identical to 1t' : 'NOT identical to 1t'}`}; batch-1 ${f(i.latencyUs)} µs (${i.latencyRatio.toFixed(2)}x tfjs-wasm ${f(i.theirLatencyUs)}), batch-256 ${f(i.throughput256)} samples/s (${i.throughputRatio.toFixed(2)}x tfjs-wasm ${f(i.theirThroughput256)})`);
}
if (result.scaling) {
  const r = result.scaling.rounds.map((p) => p.ratio.toFixed(2)).join(', ');
  lines.push(`  training scaling, 2 threads over 1 turn about (an engine that always splits): ${result.scaling.ratio.toFixed(2)}x, median of rounds ${r}`);
}
lines.push(`  tfjs-wasm training: ${result.tfjsWasm.train ? `${f(result.tfjsWasm.train)} samples/s (one step)` : `cannot (${result.tfjsWasm.trainError})`}`);
console.error(lines.join('\n'));
report({ results: [{ label: 'cnn', cnn: result, table: lines }] });
process.exit(0);
