// Transfer learning: a CNN trained by PyTorch on Fashion-MNIST's classes 0-6 (clothes; the ONNX
// fixture made by test/fixtures/onnx/make_trained.py) comes in, loses its dense head, keeps its
// convolutional base frozen, and gets a new head for the three classes it never saw: sandal,
// sneaker, ankle boot, from the 314 such images among the first 1,000 training images. The same
// head on a frozen base of random weights is the yardstick. The model is then saved, loaded again
// and checked: the frozen base is bit for bit as loaded, the reloaded model predicts the same.
// Run: node examples/transfer/transfer.mjs   (page: docs/training.md, Transfer learning)
// Needs the dataset: apt-get install dataset-fashion-mnist (or see the README's Data section).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adam, conv2d, datasets, dense, flatten, fromOnnx, loadModel, maxPooling2d, sequential } from 'dendrite';

const classes = [5, 7, 9]; // Fashion-MNIST ids of the new task's classes 0, 1, 2
const { train, test } = await datasets.fashionMnist({ download: false });
/** The rows of the first n images whose label is one of `classes`, relabelled 0, 1, 2. */
function subset(split, n) {
  const keep = [...split.y.subarray(0, n).keys()].filter((i) => classes.includes(split.y[i]));
  const data = new Uint8Array(keep.length * 784);
  keep.forEach((row, k) => data.set(split.x.data.subarray(row * 784, (row + 1) * 784), k * 784));
  return { x: { ...split.x, data, shape: [keep.length, 784] }, y: Uint8Array.from(keep, (row) => classes.indexOf(split.y[row])) };
}
const small = subset(train, 1000), held = subset(test, 10000);
const sha = (weights) => createHash('sha256').update(Buffer.concat(weights.map((w) => new Uint8Array(w.data.buffer)))).digest('hex');

/** Freeze every layer of `model`, add the new head, train it; returns the test accuracy. */
async function newHead(model) {
  for (const layer of model.layers) layer.trainable = false;
  model.add(dense({ units: 16, activation: 'relu' }));
  model.add(dense({ units: classes.length, activation: 'softmax' }));
  model.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(small.x, small.y, { epochs: 5, batchSize: 32, seed: 42, verbose: 0 });
  return model.evaluate(held.x, held.y).accuracy;
}

const model = fromOnnx(readFileSync(new URL('../../test/fixtures/onnx/fashion-base.onnx', import.meta.url)));
model.pop(); // the 7-class output layer
model.pop(); // the hidden dense layer
const base = sha(model.getWeights());
const accuracy = await newHead(model);
model.summary({ showTrainable: true });

const untrained = sequential([
  conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), maxPooling2d({ poolSize: 2 }),
  conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }), maxPooling2d({ poolSize: 2 }), flatten(),
]);
const yardstick = await newHead(untrained);
console.log(`${small.y.length} training images, ${held.y.length} test images; test accuracy: ${accuracy.toFixed(3)} ` +
  `(frozen random base: ${yardstick.toFixed(3)}; chance: 0.333)`);
console.log(`frozen base unchanged: ${sha(model.getWeights().slice(0, 4)) === base}`);

const dir = mkdtempSync(join(tmpdir(), 'dendrite-transfer-'));
await model.save(join(dir, 'transfer.dnd'));
const again = await loadModel(join(dir, 'transfer.dnd'));
const [before, after] = [model.predict(held.x).data, again.predict(held.x).data];
const same = before.length === after.length && before.every((v, i) => Object.is(v, after[i]));
console.log(`reloaded model predicts the same: ${same}`);
rmSync(dir, { recursive: true, force: true });
for (const m of [model, untrained, again]) m.dispose();
