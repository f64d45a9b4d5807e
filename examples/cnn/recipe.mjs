// The built-in Fashion-MNIST CNN recipe with its defaults: fashionMnistCnn() (the TF.js tutorial CNN
// with a batch norm after each pooling and dropout) trained with fashionMnistCnnFit (15 epochs,
// batch 128, Adam from 0.002 on a cosine schedule) on the whole training split, then scored on the
// whole test split. It prints the time: 532 s on one thread of a shared 2-core machine (seed 42: 0.9214;
// seed 7: 0.9254 in 657 s).
// Run: node examples/cnn/recipe.mjs [--seed N] [--threads N]   (page: docs/convolutions.md)
// Needs the dataset: apt-get install dataset-fashion-mnist (or see the README's Data section).
import { datasets, fashionMnistCnn, fashionMnistCnnFit, init } from 'dendrite';

const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i < 0 ? fallback : Number(process.argv[i + 1]); };
const seed = arg('seed', 42), threads = arg('threads', 1);
await init({ threads });

const { train, test } = await datasets.fashionMnist();
const model = fashionMnistCnn();
const started = performance.now();
await model.fit(train.x, train.y, { ...fashionMnistCnnFit, seed, verbose: 0 });
const seconds = (performance.now() - started) / 1000;
const { accuracy } = model.evaluate(test.x, test.y);
console.log(`fashionMnistCnn, ${fashionMnistCnnFit.epochs} epochs on ${train.y.length} images, seed ${seed}, ${threads} thread(s): ` +
  `${seconds.toFixed(0)} s, test accuracy ${accuracy.toFixed(4)}`);
model.dispose();
