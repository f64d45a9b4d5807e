// dendrite in a web page: `await init()` fetches build/dendrite.wasm (streaming compile), XOR
// trains on the page, then a small MLP trains in a Web Worker with progress, pause and cancel
// while the page stays responsive, and the same seed on the page gives bit-identical weights.
// In an app, import from 'dendrite' (a bundler picks the "browser" entry) instead of this path.
import { init, sequential, dense, adam, fitInWorker } from '../../build/browser.js';

const $ = (id) => document.getElementById(id);
const log = (line) => ($('log').textContent += `${line}\n`);
/** Everything measured, for a look in the console and for test/runtimes/chromium.test.ts. */
const results = (window.results = {});

const info = await init(); // or init({ wasm: '/static/dendrite.wasm' })
results.crossOriginIsolated = crossOriginIsolated;
results.engine = info;
$('status').textContent = `engine: ${info.build}, ${info.threads} thread(s)${crossOriginIsolated ? ', cross-origin isolated' : ''}`;

// 1. XOR on the page.
const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const xor = sequential([dense({ units: 8, activation: 'tanh', inputShape: [2] }), dense({ units: 1, activation: 'sigmoid' })]);
xor.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
await xor.fit(X, [0, 1, 1, 0], { epochs: 300, batchSize: 4, seed: 7 });
results.xor = Array.from(xor.predict(X).data);
log(`XOR on the page: ${results.xor.map((p) => p.toFixed(3)).join(' ')}`);

// 2. Two rings (inside / outside radius 0.5) in a Web Worker.
const { x, y } = rings(1000);
const makeModel = () => {
  const m = sequential([
    dense({ units: 32, activation: 'relu', inputShape: [2] }),
    dense({ units: 16, activation: 'relu' }),
    dense({ units: 2, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
};
const options = { epochs: 30, batchSize: 32, seed: 11 };
const inWorker = makeModel();
const events = { trainBegin: 0, batch: 0, epoch: 0, paused: 0, resumed: 0 };
let ticks = 0;
let maxGap = 0;
let last = performance.now();
const timer = setInterval(() => {
  const now = performance.now();
  maxGap = Math.max(maxGap, now - last);
  last = now;
  ticks++;
}, 10);
const job = fitInWorker(inWorker, x, y, {
  ...options,
  // Cross-origin isolated, the worker can run kernel threads (same bits for any count).
  threads: crossOriginIsolated ? 2 : 1,
  onProgress(e) {
    events[e.type]++;
    if (e.type === 'trainBegin') {
      results.workerThreads = e.threads;
      log(`worker: ${e.threads} kernel thread(s)${e.threads > 1 ? '' : ` (${e.threadsReason})`}`);
    }
    if (e.type === 'batch') $('progress').value = (e.epoch + e.batch / e.batchesPerEpoch) / options.epochs;
    if (e.type === 'epoch') log(`worker epoch ${e.epoch + 1}: loss ${e.logs.loss.toFixed(4)}, accuracy ${e.logs.accuracy.toFixed(3)}, ${Math.round(e.samplesPerSec)} samples/s`);
    if (e.type === 'paused') log('paused');
  },
});
$('pause').disabled = $('cancel').disabled = false;
$('pause').onclick = () => {
  if (job.status === 'paused') job.resume();
  else job.pause();
  $('pause').textContent = job.status === 'paused' ? 'resume' : 'pause';
};
$('cancel').onclick = () => job.cancel();
try {
  const { seconds } = await job.result;
  clearInterval(timer);
  results.worker = { accuracy: inWorker.evaluate(x, y).accuracy, events, seconds, ticks, maxGap };
  log(`worker: accuracy ${results.worker.accuracy.toFixed(3)} in ${seconds.toFixed(2)} s; the page ran ${ticks} timer ticks meanwhile (longest gap ${maxGap.toFixed(0)} ms)`);

  // 3. The same seed on the page: the same weights, bit for bit.
  const onPage = makeModel();
  await onPage.fit(x, y, options);
  const a = inWorker.getWeights();
  const b = onPage.getWeights();
  results.identical = a.every((w, i) => w.data.every((v, j) => Object.is(v, b[i].data[j])));
  log(`same seed on the page: ${results.identical ? 'bit-identical weights' : 'DIFFERENT weights'}`);
} catch (e) {
  clearInterval(timer);
  results.error = `${e.name}: ${e.message}`;
  log(results.error);
}
$('pause').disabled = $('cancel').disabled = true;
results.done = true;

/** n points in [-1, 1]², class 1 inside radius 0.5; a fixed LCG, so every run sees the same data. */
function rings(n) {
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = rand();
    x[2 * i + 1] = rand();
    y[i] = Math.hypot(x[2 * i], x[2 * i + 1]) < 0.5 ? 1 : 0;
  }
  return { x, y };
}
