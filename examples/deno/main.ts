// dendrite in Deno: XOR and a small MLP (the latter in a Web Worker), saved, loaded, predicting.
//   deno run --allow-read --allow-write examples/deno/main.ts [dir]
// From the repository, `dendrite` resolves through package.json; in your own project use
// `import ... from 'npm:dendrite'`. The wasm is read from beside the bundle (hence --allow-read).
import { adam, dense, fitInWorker, loadModel, sequential } from 'dendrite';

const dir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: 'dendrite-' });

// 1. XOR on the main thread.
const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const xor = sequential([dense({ units: 8, activation: 'tanh', inputShape: [2] }), dense({ units: 1, activation: 'sigmoid' })]);
xor.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
await xor.fit(X, [0, 1, 1, 0], { epochs: 300, batchSize: 4, seed: 7 });
console.log('XOR:', Array.from(xor.predict(X).data, (p) => p.toFixed(3)).join(' '));

// 2. A small MLP on two rings (class 1 inside radius 0.5), trained in a Web Worker.
const n = 1000;
let s = 12345;
const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const x = new Float32Array(2 * n);
const y = new Int32Array(n);
for (let i = 0; i < n; i++) {
  x[2 * i] = rand();
  x[2 * i + 1] = rand();
  y[i] = Math.hypot(x[2 * i], x[2 * i + 1]) < 0.5 ? 1 : 0;
}
const mlp = sequential([
  dense({ units: 32, activation: 'relu', inputShape: [2] }),
  dense({ units: 16, activation: 'relu' }),
  dense({ units: 2, activation: 'softmax' }),
]);
mlp.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const job = fitInWorker(mlp, x, y, {
  epochs: 30,
  batchSize: 32,
  seed: 11,
  onProgress(e) {
    if (e.type === 'epoch' && (e.epoch + 1) % 10 === 0) console.log(`epoch ${e.epoch + 1}: loss ${e.logs.loss.toFixed(4)}, ${Math.round(e.samplesPerSec)} samples/s`);
  },
});
const { seconds } = await job.result;
const accuracy = mlp.evaluate(x, y).accuracy;
console.log(`MLP trained in a worker in ${seconds.toFixed(2)} s: accuracy ${accuracy.toFixed(3)}`);

// 3. Save, load, predict.
const xorPath = `${dir}/xor.dnd`;
const mlpPath = `${dir}/rings.dnd`;
await xor.save(xorPath);
await mlp.save(mlpPath);
const xorLoaded = await loadModel(xorPath);
const mlpLoaded = await loadModel(mlpPath);
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const result = {
  xor: Array.from(xorLoaded.predict(X).data),
  xorReloadedSame: same(xor.predict(X).data, xorLoaded.predict(X).data),
  mlpAccuracy: accuracy,
  mlpReloadedAccuracy: mlpLoaded.evaluate(x, y).accuracy,
  mlpReloadedSame: same(mlp.predict(x).data, mlpLoaded.predict(x).data),
  saved: [xorPath, mlpPath],
};
console.log(`loaded from ${dir}: predictions identical ${result.xorReloadedSame && result.mlpReloadedSame}`);
console.log(JSON.stringify(result));
