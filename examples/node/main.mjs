// dendrite in Node: XOR on the main thread, a small MLP in a worker thread (with progress, pause
// and resume), then save, load and predict.
//   npm run build && node examples/node/main.mjs [dir]
// From the repository `dendrite` resolves to this package itself (package.json "exports").
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adam, dense, fitInWorker, loadModel, sequential } from 'dendrite';

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'dendrite-'));

// 1. XOR on the main thread (the wasm is read from beside the bundle on first use).
const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const xor = sequential([dense({ units: 8, activation: 'tanh', inputShape: [2] }), dense({ units: 1, activation: 'sigmoid' })]);
xor.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
await xor.fit(X, [0, 1, 1, 0], { epochs: 300, batchSize: 4, seed: 7 });
console.log('XOR:', Array.from(xor.predict(X).data, (p) => p.toFixed(3)).join(' '));

// 2. Two rings (class 1 inside radius 0.5) in a worker thread; paused for 100 ms after epoch 1.
const { x, y } = rings(2000);
const mlp = sequential([
  dense({ units: 32, activation: 'relu', inputShape: [2] }),
  dense({ units: 16, activation: 'relu' }),
  dense({ units: 2, activation: 'softmax' }),
]);
mlp.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const events = { trainBegin: 0, batch: 0, epoch: 0, paused: 0, resumed: 0 };
const job = fitInWorker(mlp, x, y, {
  epochs: 20,
  batchSize: 32,
  seed: 11,
  validationSplit: 0.2,
  progressInterval: 0, // every batch
  onProgress(e) {
    events[e.type]++;
    if (e.type === 'epoch') {
      console.log(`epoch ${e.epoch + 1}: loss ${e.logs.loss.toFixed(4)}, valAccuracy ${e.logs.valAccuracy.toFixed(3)}, ${Math.round(e.samplesPerSec)} samples/s`);
      if (e.epoch === 0) job.pause();
    }
    if (e.type === 'paused') setTimeout(() => job.resume(), 100);
  },
});
const { history, seconds } = await job.result;
const accuracy = mlp.evaluate(x, y).accuracy;
console.log(`worker: ${history.epoch.length} epochs in ${seconds.toFixed(2)} s, accuracy ${accuracy.toFixed(3)}`);

// 3. Save, load, predict.
const path = join(dir, 'rings.dnd');
await mlp.save(path);
const loaded = await loadModel(path);
const a = mlp.predict(x).data;
const b = loaded.predict(x).data;
const same = a.every((v, i) => Object.is(v, b[i]));
console.log(`saved and reloaded ${path}: predictions identical ${same}`);
console.log(JSON.stringify({ xor: Array.from(xor.predict(X).data), accuracy, events, epochs: history.epoch.length, same, path }));

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
