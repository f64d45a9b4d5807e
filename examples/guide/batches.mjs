// Epochs, batch size and weight updates: the same model and data trained with batch 1, 32 and the
// full batch. One epoch is one pass over all rows; the weights change once per batch, so an epoch
// makes ceil(rows / batchSize) updates.
// Run: node examples/guide/batches.mjs   (page: docs/guide/06-epochs-and-batches.md)
import { dense, sequential, sgd } from 'dendrite';

// 1,024 points of a smooth surface y = sin(πx1)·x2 over [-1, 1]², seeded.
let seed = 5;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const x = Array.from({ length: 1024 }, () => [2 * rand() - 1, 2 * rand() - 1]);
const y = x.map(([x1, x2]) => Math.sin(Math.PI * x1) * x2);

const epochs = 20;
console.log(`${x.length} rows, ${epochs} epochs, sgd learning rate 0.1, model 2-16-1 (tanh)\n`);
console.log('batch size   updates/epoch   updates   seconds   final loss');
for (const batchSize of [1, 32, x.length]) {
  const model = sequential([dense({ units: 16, activation: 'tanh', inputShape: [2] }), dense({ units: 1 })]);
  model.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
  let updates = 0; // counted by a callback that runs after every batch, i.e. after every update
  const started = performance.now();
  await model.fit(x, y, { epochs, batchSize, seed: 1, callbacks: { onBatchEnd: () => updates++ } });
  const seconds = (performance.now() - started) / 1000;
  const { loss } = model.evaluate(x, y);
  console.log(
    `${String(batchSize).padStart(10)}${String(Math.ceil(x.length / batchSize)).padStart(16)}` +
      `${String(updates).padStart(10)}${seconds.toFixed(2).padStart(10)}${loss.toFixed(5).padStart(13)}`,
  );
}
