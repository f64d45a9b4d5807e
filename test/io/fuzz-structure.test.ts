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
import { mulberry32, reframe, slots, split } from '../helpers/fuzz.js';
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
    // Deep values are spliced into the JSON text (JSON.stringify itself recurses): a marker string
    // stands in the tree and is replaced by `[[[…leaf…]]]` or `{"a":{"a":…}}` afterwards.
    let deepText: string[] = [];
    const deep = (n: number, leaf: unknown, asArray: boolean) => {
      const [open, close] = asArray ? ['[', ']'] : ['{"a":', '}'];
      deepText.push(open.repeat(n) + (JSON.stringify(leaf) ?? 'null') + close.repeat(n));
      return `@@deep${deepText.length - 1}@@`;
    };
    const splice = (json: string) => json.replace(/"@@deep(\d+)@@"/g, (_, i: string) => deepText[Number(i)]);
    const values = [0, -0, -1, 1, 0.5, 1.5, 1e-45, 3.4e38, 1e39, 2 ** 28, 2 ** 31, 2 ** 53, null, true, false, '', 'relu', 'adam', [], {}, [3], { name: 'l2', l2: 1 }, '1'];
    const validNames = ['linear', 'softmax', 'sigmoid', 'relu', 'leakyRelu', 'dense', 'dropout', 'activation', 'batchNormalization', 'layerNormalization',
      'sgd', 'adam', 'adamw', 'nadam', 'adamax', 'rmsprop', 'adagrad', 'mse', 'mae', 'huber', 'bce', 'cce', 'scce', 'meanSquaredError',
      'zeros', 'ones', 'constant', 'glorotNormal', 'heUniform', 'randomNormal', 'l1', 'l1l2', 'exponentialDecay', 'cosineDecay', 'auc', 'precision', 'recall'];
    const typo = (k: string) => {
      const i = int(k.length + 1);
      switch (int(4)) {
        case 0: return k.slice(0, i) + String.fromCharCode(97 + int(26)) + k.slice(i + 1);
        case 1: return k.slice(0, i) + k.slice(i + 1);
        case 2: return k.toUpperCase();
        default: return `${k}_`;
      }
    };
    const mutate = (tree: any): string => {
      const [obj, key] = pick(slots(tree).filter(([o]) => o !== tree));
      const old = obj[key];
      switch (int(9)) {
        case 0: if (!Array.isArray(obj)) { obj[typo(String(key))] = old; delete obj[key]; return 'renamed key'; } break;
        case 1: if (!Array.isArray(obj)) { delete obj[key]; return 'deleted key'; } obj.splice(key as number, 1); return 'deleted entry';
        case 2: if (!Array.isArray(obj)) { obj[pick(['extra', 'units', 'rate', 'alpha', 'config', 'trainable', typo(String(key))])] = pick(values); return 'added key'; } break;
        case 3: obj[key] = structuredClone(pick(values)); return 'changed type';
        case 4: obj[key] = deep(pick([20, 5000]), old, random() < 0.5); return 'nested';
        case 5: if (typeof old === 'number') { obj[key] = pick([0, 2 ** 20, 2 ** 28, 2 ** 31, 2 ** 53, old * 1000, -old, old + 1]); return 'size'; } break;
        case 6: if (typeof old === 'string') { obj[key] = pick(validNames); return 'other valid name'; } break;
        case 7: if (Array.isArray(obj) && obj.length > 1) { obj.push(structuredClone(obj[0])); return 'duplicated entry'; } break;
        default: if (typeof old === 'boolean') { obj[key] = !old; return 'flipped flag'; }
      }
      obj[key] = structuredClone(pick(values));
      return 'changed type';
    };

    const counts = { loaded: 0, refused: 0, other: 0 };
    const failures: string[] = [];
    const trials = 10_000;
    for (let trial = 0; trial < trials; trial++) {
      const { header, data } = split(pick(files));
      const meta = header.__metadata__;
      const tree: any = { config: JSON.parse(meta.config), checkpoint: meta.checkpoint ? JSON.parse(meta.checkpoint) : undefined };
      if (tree.checkpoint === undefined) delete tree.checkpoint;
      const how = Array.from({ length: 1 + int(2) }, () => mutate(tree)).join(', ');
      meta.config = splice(JSON.stringify(tree.config) ?? 'null');
      if (tree.checkpoint !== undefined) meta.checkpoint = splice(JSON.stringify(tree.checkpoint) ?? 'null');
      deepText = [];
      let m: Sequential | undefined;
      try {
        m = modelFromBytes(reframe(header, data));
      } catch (e) {
        if (e instanceof ModelFileError) counts.refused++;
        else {
          counts.other++;
          failures.push(`trial ${trial} (${how}): load threw ${(e as Error).name}: ${(e as Error).message.slice(0, 200)}`);
        }
        continue;
      }
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
