// Trains the model the edge worker serves and saves it as examples/edge/model.dnd (Node):
//   node examples/edge/train.mjs [out.dnd]
// Two rings: class 1 inside radius 0.5 of the square [-1, 1]², a fixed seed, so the file is the
// same on every run.
import { sequential, dense, adam } from 'dendrite';

const out = process.argv[2] ?? new URL('./model.dnd', import.meta.url).pathname;
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

const model = sequential([
  dense({ units: 32, activation: 'relu', inputShape: [2] }),
  dense({ units: 16, activation: 'relu' }),
  dense({ units: 2, activation: 'softmax' }),
]);
model.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
await model.fit(x, y, { epochs: 30, batchSize: 32, seed: 11 });
await model.save(out);
console.log(`saved ${out}: accuracy ${model.evaluate(x, y).accuracy.toFixed(3)}`);
