// The built-in Fashion-MNIST CNN recipe within a CI budget: trained on a 10,000-image subset of the
// official training split for 3 epochs it must pass 0.82 test accuracy on 2,000 test images (the
// full recipe's ≈ 0.92 on the whole split is a manual run: examples/cnn/recipe.mjs). Skipped without the dataset.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { datasets, fashionMnistCnn, fashionMnistCnnFit } from '../../src/index.js';

const DEBIAN = '/usr/share/datasets/fashion-mnist';
const haveData = existsSync(DEBIAN) || !!process.env.DENDRITE_DATA;

/** The first n rows of a dataset split ([n, 784] rows feed the [28, 28, 1] model as they are). */
function head<T extends { x: { data: Uint8Array | Float32Array; shape: number[] }; y: ArrayLike<number> & { subarray?: unknown } }>(split: T, n: number) {
  const x = { ...split.x, data: split.x.data.subarray(0, n * 784), shape: [n, 784] };
  return { x, y: (split.y as unknown as Uint8Array).subarray(0, n) };
}

describe('Fashion-MNIST CNN recipe', () => {
  it.skipIf(!haveData)('learns a 10,000-image subset to >= 0.82 test accuracy', async () => {
    const { train, test } = await datasets.fashionMnist({ download: false });
    const model = fashionMnistCnn();
    expect(model.countParams()).toBe(225_418); // the tutorial CNN's 225,034 + two batch norms (4 × 32 and 4 × 64)
    const sub = head(train as never, 10000), held = head(test as never, 2000);
    const started = performance.now();
    const history = await model.fit(sub.x as never, sub.y, { epochs: 3, batchSize: fashionMnistCnnFit.batchSize, seed: 42 });
    const seconds = (performance.now() - started) / 1000;
    const { accuracy } = model.evaluate(held.x as never, held.y);
    console.log(`fashion-mnist CNN subset: 3 epochs × 10000 images in ${seconds.toFixed(1)} s (${Math.round(30000 / seconds)} samples/s, machine shared), test accuracy ${accuracy.toFixed(4)}`);
    expect(history.history.loss[2]).toBeLessThan(history.history.loss[0]);
    expect(accuracy).toBeGreaterThanOrEqual(0.82);
    model.dispose();
  });
});

describe('fashionMnistCnn options', () => {
  const lrConfig = (m: ReturnType<typeof fashionMnistCnn>) => (m.core.compiled!.optimizer.getConfig().config as { learningRate: unknown }).learningRate;

  it('decays Adam along a cosine over epochs × ceil(trainSamples / batchSize) steps by default', () => {
    const m = fashionMnistCnn();
    expect(fashionMnistCnnFit).toEqual({ epochs: 15, batchSize: 128 });
    expect(lrConfig(m)).toMatchObject({ name: 'cosineDecay', config: { initialLearningRate: 0.002, decaySteps: 15 * Math.ceil(60000 / 128), alpha: 0 } });
    const sub = fashionMnistCnn({ trainSamples: 54000, epochs: 3, batchSize: 64, learningRate: 0.002 });
    expect(lrConfig(sub)).toMatchObject({ config: { initialLearningRate: 0.002, decaySteps: 3 * Math.ceil(54000 / 64) } });
    const constant = fashionMnistCnn({ schedule: 'constant' });
    expect(lrConfig(constant)).toBe(0.002);
    for (const model of [m, sub, constant]) model.dispose();
  });

  it('refuses bad options by name', () => {
    expect(() => fashionMnistCnn({ schedule: 'cosin' as never })).toThrow(/schedule must be 'cosine' or 'constant', got "cosin"/);
    expect(() => fashionMnistCnn({ epochs: 0 })).toThrow(/epochs must be a positive integer, got 0/);
    expect(() => fashionMnistCnn({ trainSamples: 1.5 })).toThrow(/trainSamples must be a positive integer/);
    expect(() => fashionMnistCnn({ epoch: 3 } as never)).toThrow(/epoch.*epochs/);
  });
});
