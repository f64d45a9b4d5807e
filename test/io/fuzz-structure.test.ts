// Structural fuzz of model files (issue 17): seeded mutations of the config and checkpoint JSON of
// valid files — misspelt, deleted and added keys, values of another type, values nested 5,000
// deep, huge sizes, other valid names (activations, optimizers, losses, layer types) — against the
// promise that a file that loads is a model that works: every loaded model predicts finite values
// and takes one finite training step. Anything else must be a ModelFileError, never another
// exception. The counts (loaded / refused / other) are printed for the issue's closing note.
import { describe, expect, it } from 'vitest';
import {
  activation, adagrad, adam, adamax, adamw, batchNormalization, dense, dropout, layerNormalization, ModelFileError, modelFromBytes, nadam,
  regularizers, rmsprop, schedules, sequential, sgd, type Sequential,
} from '../../src/index.js';
import { loadOrCount, mulberry32, reframe, split, structuralMutator } from '../helpers/fuzz.js';
import { modelWorks } from '../helpers/model-works.js';

const x = [[0.5, -1, 2], [1, 0, -0.5], [-1, 1, 0], [0, 0.3, 0.9]];
const labels = [0, 1, 2, 1];

/** Valid files covering every layer type, optimizer, schedule, regularizer, initializer config and metric form. */
async function sources(): Promise<Uint8Array[]> {
  const builds: [() => Sequential, unknown, string, unknown[]][] = [
    [() => sequential([dense({ units: 4, activation: 'relu', inputShape: [3], kernelRegularizer: regularizers.l2(0.01) }), dense({ units: 3, activation: 'softmax' })]),
      sgd({ momentum: 0.9, nesterov: true }), 'sparseCategoricalCrossentropy', ['accuracy', { name: 'sparseTopKCategoricalAccuracy', k: 2 }]],
    [() => sequential([dense({ units: 4, activation: { name: 'leakyRelu', alpha: 0.1 }, inputShape: [3], kernelInitializer: { name: 'randomNormal', config: { mean: 0, stddev: 0.1 } } }), batchNormalization(), dense({ units: 3 })]),
      adam({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.01, decaySteps: 10, decayRate: 0.9 }) }), 'meanSquaredError', ['mae']],
    [() => sequential([dense({ units: 5, activation: 'tanh', inputShape: [3], biasRegularizer: regularizers.l1l2({ l1: 0.01, l2: 0.01 }) }), layerNormalization(), dropout({ rate: 0.2 }), dense({ units: 3, activation: 'sigmoid' })]),
      rmsprop({ centered: true, momentum: 0.5 }), 'binaryCrossentropy', [{ name: 'auc', numThresholds: 50 }, 'precision']],
    [() => sequential([dense({ units: 4, activation: 'gelu', inputShape: [3], biasInitializer: { name: 'constant', config: { value: 0.1 } } }), activation({ activation: 'elu' }), dense({ units: 3, activation: 'softmax' })]),
      nadam({ clipNorm: 1 }), 'categoricalCrossentropy', ['categoricalAccuracy']],
    [() => sequential([dense({ units: 4, activation: 'swish', inputShape: [3] }), batchNormalization({ center: false }), dense({ units: 3 })]),
      adagrad({ globalClipNorm: 2 }), 'huber', ['mse']],
    [() => sequential([dense({ units: 4, activation: 'selu', inputShape: [3], kernelInitializer: { name: 'randomUniform', config: { minval: -0.2, maxval: 0.2 } } }), dense({ units: 3, activation: 'softmax' })]),
      adamw({ learningRate: schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 20, warmupTarget: 0.02, warmupSteps: 2 }) }), 'sparseCategoricalCrossentropy', []],
    [() => sequential([dense({ units: 4, activation: 'softplus', inputShape: [3] }), dense({ units: 3, activation: 'softmax' })]),
      adamax({ clipValue: 0.5, learningRate: schedules.piecewiseConstantDecay({ boundaries: [5], values: [0.01, 0.001] }) }), 'sparseCategoricalCrossentropy', ['accuracy']],
  ];
  const files: Uint8Array[] = [];
  for (const [make, optimizer, loss, metrics] of builds) {
    const m = make();
    m.compile({ optimizer: optimizer as never, loss: loss as never, metrics: metrics as never });
    const y = loss === 'sparseCategoricalCrossentropy' ? labels : labels.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)));
    await m.fit(x, y, { epochs: 2, batchSize: 2, seed: 1 });
    files.push(m.toBytes({ includeOptimizer: true }), m.toBytes());
    m.dispose();
  }
  return files;
}

describe('structural fuzz of model files', async () => {
  const files = await sources();

  it('every original file loads, predicts and trains', () => {
    for (const f of files) {
      const m = modelFromBytes(f);
      expect(modelWorks(m, x, labels)).toBeUndefined();
      m.dispose();
    }
  });

  it('10,000 seeded structural mutations: each loads a working model or is a ModelFileError', { timeout: 60_000 }, () => {
    const random = mulberry32(17);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(a: readonly T[]): T => a[int(a.length)];
    const values = [0, -0, -1, 1, 0.5, 1.5, 1e-45, 3.4e38, 1e39, 2 ** 28, 2 ** 31, 2 ** 53, null, true, false, '', 'relu', 'adam', [], {}, [3], { name: 'l2', l2: 1 }, '1'];
    const validNames = ['linear', 'softmax', 'sigmoid', 'relu', 'leakyRelu', 'dense', 'dropout', 'activation', 'batchNormalization', 'layerNormalization',
      'sgd', 'adam', 'adamw', 'nadam', 'adamax', 'rmsprop', 'adagrad', 'mse', 'mae', 'huber', 'bce', 'cce', 'scce', 'meanSquaredError',
      'zeros', 'ones', 'constant', 'glorotNormal', 'heUniform', 'randomNormal', 'l1', 'l1l2', 'exponentialDecay', 'cosineDecay', 'auc', 'precision', 'recall'];
    const { mutate, text } = structuralMutator(random, { values, validNames, addedKeys: ['extra', 'units', 'rate', 'alpha', 'config', 'trainable'], recase: (k) => k.toUpperCase() });

    const counts = { loaded: 0, refused: 0, other: 0 };
    const failures: string[] = [];
    const trials = 10_000;
    for (let trial = 0; trial < trials; trial++) {
      const { header, data } = split(pick(files));
      const meta = header.__metadata__;
      const tree: any = { config: JSON.parse(meta.config), checkpoint: meta.checkpoint ? JSON.parse(meta.checkpoint) : undefined };
      if (tree.checkpoint === undefined) delete tree.checkpoint;
      const how = Array.from({ length: 1 + int(2) }, () => mutate(tree)).join(', ');
      meta.config = text(tree.config);
      if (tree.checkpoint !== undefined) meta.checkpoint = text(tree.checkpoint);
      const m = loadOrCount(() => modelFromBytes(reframe(header, data)), ModelFileError, counts, failures, `trial ${trial} (${how})`);
      if (!m) continue;
      counts.loaded++;
      const problem = modelWorks(m, x, labels);
      if (problem) failures.push(`trial ${trial} (${how}): ${problem.slice(0, 300)}${process.env.FUZZ_DEBUG ? `\n${meta.config}\n${meta.checkpoint}` : ""}`);
      m.dispose();
    }
    console.log(`structural fuzz: ${trials} mutations, ${counts.loaded} loaded, ${counts.refused} refused, ${counts.other} other; ` +
      `${failures.length} loaded models failed predict or a training step`);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(counts.other).toBe(0);
    expect(counts.loaded).toBeGreaterThan(300); // the mutations must also make files that load
  });
});
