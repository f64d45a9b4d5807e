// The reference job within a CI-sized budget: 784-256-128-10 relu/relu/softmax with Adam on the
// official split must reach >= 0.87 test accuracy. Skipped, with a notice, without the dataset.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adam, cosineDecay, datasets, dense, sequential } from '../src/index.js';

const DEBIAN = '/usr/share/datasets/fashion-mnist';
const haveData = existsSync(DEBIAN) || !!process.env.DENDRITE_DATA;
if (!haveData) console.warn(`NOTICE: Fashion-MNIST not installed (${DEBIAN}); the reference-model test is skipped. apt-get install dataset-fashion-mnist`);

describe('Fashion-MNIST reference model', () => {
  it.skipIf(!haveData)('reaches >= 0.87 test accuracy', async () => {
    const { train, test } = await datasets.fashionMnist({ download: false });
    const model = sequential([
      dense({ units: 256, activation: 'relu', inputShape: [784] }),
      dense({ units: 128, activation: 'relu' }),
      dense({ units: 10, activation: 'softmax' }),
    ]);
    // The main job's recipe (Adam with its rate cosine-decayed over the run), in 5 epochs.
    const learningRate = cosineDecay({ initialLearningRate: 1e-3, decaySteps: 5 * Math.ceil(60000 / 128) });
    model.compile({ optimizer: adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const started = performance.now();
    const history = await model.fit(train.x, train.y, { epochs: 5, batchSize: 128, seed: 42 });
    const seconds = (performance.now() - started) / 1000;
    const { accuracy, loss } = model.evaluate(test.x, test.y);
    console.log(`fashion-mnist: 5 epochs in ${seconds.toFixed(1)} s (${Math.round((5 * 60000) / seconds)} samples/s), test accuracy ${accuracy.toFixed(4)}, loss ${loss.toFixed(4)}`);
    expect(history.history.loss[4]).toBeLessThan(history.history.loss[0]);
    expect(accuracy).toBeGreaterThanOrEqual(0.87);
    model.dispose();
  });
});
