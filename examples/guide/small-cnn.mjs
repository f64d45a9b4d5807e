// A small convolutional network on a Fashion-MNIST subset, beside a dense network with about as
// many parameters trained the same way, and a picture of the first convolution's 8 filters before
// and after training (written to outDir, default docs/guide/img/).
// Run: node examples/guide/small-cnn.mjs [outDir]   (page: docs/guide/10-convolutions.md)
// Needs the dataset: apt-get install dataset-fashion-mnist (or see docs/library.md, Data).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adam, conv2d, datasets, dense, flatten, maxPooling2d, sequential } from 'dendrite';
import { filterGrid } from './plot.mjs';

const outDir = process.argv[2] ?? fileURLToPath(new URL('../../docs/guide/img/', import.meta.url));
const { train, test } = await datasets.fashionMnist();
const rows = 10_000; // the first 10,000 training images; all 10,000 test images
const x = { ...train.x, data: train.x.data.subarray(0, rows * 784), shape: [rows, 784] };
const y = train.y.subarray(0, rows);

// [n, 784] rows feed a [28, 28, 1] input as they are: pixel (r, c) is value r·28 + c either way.
const cnn = sequential([
  conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }), // → 24×24×8
  maxPooling2d({ poolSize: 2 }), //                                                    → 12×12×8
  conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }), //                       → 10×10×16
  maxPooling2d({ poolSize: 2 }), //                                                    → 5×5×16
  flatten(), //                                                                        → 400
  dense({ units: 10, activation: 'softmax' }),
]);
const mlp = sequential([
  dense({ units: 7, activation: 'relu', inputShape: [784] }),
  dense({ units: 10, activation: 'softmax' }),
]);
console.log(`cnn: 8 × (5·5·1 + 1) + 16 × (3·3·8 + 1) + 10 × (400 + 1) = ${cnn.countParams().toLocaleString('en-US')} parameters`);
console.log(`mlp: 7 × (784 + 1) + 10 × (7 + 1) = ${mlp.countParams().toLocaleString('en-US')} parameters`);

const results = {};
let before;
for (const [name, model] of [['cnn', cnn], ['mlp', mlp]]) {
  model.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  model.build({ seed: 42 });
  if (name === 'cnn') before = model.getWeights()[0]; // the first kernel, (5, 5, 1, 8), as initialised
  const started = performance.now();
  const history = await model.fit(x, y, { epochs: 3, batchSize: 64, seed: 42, validationData: [test.x, test.y] });
  results[name] = { ...history.history, seconds: (performance.now() - started) / 1000 };
}
console.log('\nepoch   cnn accuracy   cnn test   mlp accuracy   mlp test');
for (let e = 0; e < 3; e++) {
  const [c, m] = [results.cnn, results.mlp];
  console.log(`${String(e + 1).padStart(5)}   ${c.accuracy[e].toFixed(3)}          ${c.valAccuracy[e].toFixed(3)}      ${m.accuracy[e].toFixed(3)}          ${m.valAccuracy[e].toFixed(3)}`);
}
console.log(`seconds: cnn ${results.cnn.seconds.toFixed(1)}, mlp ${results.mlp.seconds.toFixed(1)}`);
console.log(`final test accuracy: cnn ${results.cnn.valAccuracy[2].toFixed(4)}, mlp ${results.mlp.valAccuracy[2].toFixed(4)}`);

const after = cnn.getWeights()[0];
const svg = filterGrid([{ label: 'as initialised (seed 42)', kernel: before }, { label: 'after 3 epochs on 10,000 images', kernel: after }], 10);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'cnn-filters.svg'), svg);
console.log(`\nwrote ${relative('.', join(outDir, 'cnn-filters.svg'))}`);
