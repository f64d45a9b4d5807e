// Transfer learning: a CNN made by TensorFlow.js (the model.json + weights.bin fixture) comes in,
// loses its dense head, keeps its convolutional base frozen, and gets a new head trained on three
// Fashion-MNIST classes (T-shirt/top, pullover, bag) from the first 6,000 training images.
// Then it is scored on the first 2,000 test images, saved, loaded again, and checked: the frozen
// base is bit for bit as loaded, and the reloaded model predicts exactly the same.
// Run: node examples/transfer/transfer.mjs   (page: docs/training.md, Transfer learning)
// Needs the dataset: apt-get install dataset-fashion-mnist (or see the README's Data section).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adam, datasets, dense, loadModel, loadTfjs } from 'dendrite';

const classes = [0, 2, 8]; // Fashion-MNIST ids of the new task's classes 0, 1, 2
const { train, test } = await datasets.fashionMnist({ download: false });
/** The rows of the first n images whose label is one of `classes`, relabelled 0, 1, 2. */
function subset(split, n) {
  const keep = [...split.y.subarray(0, n).keys()].filter((i) => classes.includes(split.y[i]));
  const data = new Uint8Array(keep.length * 784);
  keep.forEach((row, k) => data.set(split.x.data.subarray(row * 784, (row + 1) * 784), k * 784));
  return { x: { ...split.x, data, shape: [keep.length, 784] }, y: Uint8Array.from(keep, (row) => classes.indexOf(split.y[row])) };
}
const small = subset(train, 6000), held = subset(test, 2000);

const model = await loadTfjs(fileURLToPath(new URL('../../test/fixtures/tfjs-cnn/model.json', import.meta.url)));
model.pop(); // dense2: the 10-class softmax
model.pop(); // dense1
for (const layer of model.layers) layer.trainable = false; // conv1, pool1, conv2, pool2, flatten
const sha = (weights) => createHash('sha256').update(Buffer.concat(weights.map((w) => new Uint8Array(w.data.buffer)))).digest('hex');
const base = sha(model.getWeights());

model.add(dense({ units: 32, activation: 'relu' }));
model.add(dense({ units: classes.length, activation: 'softmax' }));
model.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
model.summary({ showTrainable: true });
await model.fit(small.x, small.y, { epochs: 3, batchSize: 32, seed: 42 });
const { accuracy } = model.evaluate(held.x, held.y);
console.log(`${small.y.length} training images, ${held.y.length} test images; test accuracy: ${accuracy.toFixed(3)} (chance: 0.333)`);
console.log(`frozen base unchanged: ${sha(model.getWeights().slice(0, 4)) === base}`);

const dir = mkdtempSync(join(tmpdir(), 'dendrite-transfer-'));
await model.save(join(dir, 'transfer.dnd'));
const again = await loadModel(join(dir, 'transfer.dnd'));
const [before, after] = [model.predict(held.x).data, again.predict(held.x).data];
const same = before.length === after.length && before.every((v, i) => Object.is(v, after[i]));
console.log(`reloaded model predicts the same: ${same}`);
rmSync(dir, { recursive: true, force: true });
model.dispose();
again.dispose();
