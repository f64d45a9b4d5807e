// A convolutional network on Fashion-MNIST: the TensorFlow.js tutorial's CNN, written out layer by
// layer, trained on the first 5,000 training images for one epoch and scored on 1,000 test images.
// The loader's [n, 784] rows feed the [28, 28, 1] input as they are (no copy, no reshape).
// Run: node examples/cnn/fashion-cnn.mjs   (page: docs/convolutions.md)
// Needs the dataset: apt-get install dataset-fashion-mnist (or see the README's Data section).
import { adam, conv2d, datasets, dense, flatten, maxPooling2d, sequential } from 'dendrite';

const { train, test } = await datasets.fashionMnist();
const first = (split, n) => ({ x: { ...split.x, data: split.x.data.subarray(0, n * 784), shape: [n, 784] }, y: split.y.subarray(0, n) });
const small = first(train, 5000), held = first(test, 1000);

const model = sequential([
  conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
  maxPooling2d({ poolSize: 2 }),
  conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
  maxPooling2d({ poolSize: 2 }),
  flatten(),
  dense({ units: 128, activation: 'relu' }),
  dense({ units: 10, activation: 'softmax' }),
]);
model.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
model.summary();

await model.fit(small.x, small.y, { epochs: 1, batchSize: 64, seed: 42 });
const { accuracy } = model.evaluate(held.x, held.y);
console.log(`test accuracy after one epoch on 5,000 images: ${accuracy.toFixed(3)}`);
const probabilities = model.predict({ data: held.x.data.subarray(0, 784), shape: [1, 28, 28, 1], scale: held.x.scale });
console.log(`test image 0: class ${held.y[0]}, predicted ${probabilities.argMax()[0]}`);
model.dispose();
