// Multi-class image classification: Fashion-MNIST's 28×28 grey images of 10 kinds of clothing.
// Each image is flattened to 784 inputs; a softmax output gives one probability per class.
// Run: node examples/guide/fashion-mnist.mjs [epochs]   (page: docs/guide/08-fashion-mnist.md)
// Needs the dataset: apt-get install dataset-fashion-mnist (or see docs/library.md, Data).
import { adam, datasets, dense, sequential } from 'dendrite';

const epochs = Number(process.argv[2] ?? 3);
const { train, test, classNames } = await datasets.fashionMnist();
console.log(`train x ${JSON.stringify(train.x.shape)}, test x ${JSON.stringify(test.x.shape)}, pixels scaled by 1/255`);

// Flattening: row r, column c of image i is value i·784 + r·28 + c. Draw test image 0 from it
// (two pixel rows per text line, as characters are about twice as tall as they are wide).
const shades = ' .:-=+*#%@';
const pixel = (i, r, c) => test.x.data[i * 784 + r * 28 + c]; // 0..255
for (let r = 0; r < 28; r += 2) {
  let line = '';
  for (let c = 0; c < 28; c++) line += shades[Math.floor(((pixel(0, r, c) + pixel(0, r + 1, c)) / 512) * shades.length)];
  console.log(`  |${line}|`);
}
console.log(`  test image 0: ${classNames[test.y[0]]} (class ${test.y[0]})`);

const model = sequential([
  dense({ units: 128, activation: 'relu', inputShape: [784] }),
  dense({ units: 10, activation: 'softmax' }),
]);
model.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
console.log(`\n784-128-10: ${model.countParams().toLocaleString('en-US')} parameters; ${epochs} epochs of 60,000 images, batch 64`);
console.log('epoch   loss    accuracy   test accuracy   seconds');
let started = 0;
const history = await model.fit(train.x, train.y, {
  epochs,
  batchSize: 64,
  seed: 42,
  validationData: [test.x, test.y], // scored after every epoch, never trained on
  callbacks: {
    onEpochBegin: () => (started = performance.now()),
    onEpochEnd: (epoch, logs) =>
      console.log(`${String(epoch + 1).padStart(5)}   ${logs.loss.toFixed(3)}   ${logs.accuracy.toFixed(3)}      ${logs.valAccuracy.toFixed(3)}          ${((performance.now() - started) / 1000).toFixed(1)}`),
  },
});

// Predictions: the softmax row of an image sums to 1; its largest entry is the predicted class.
const probs = model.predict({ data: test.x.data.subarray(0, 5 * 784), shape: [5, 784], scale: test.x.scale });
const predicted = probs.argMax();
for (let i = 0; i < 5; i++) {
  const row = probs.row(i);
  const p = row[predicted[i]];
  console.log(`test image ${i}: predicted ${classNames[predicted[i]].padEnd(11)} (p = ${p.toFixed(2)}), true ${classNames[test.y[i]]}`);
}
console.log(`final test accuracy: ${history.history.valAccuracy[epochs - 1].toFixed(4)}`);
