// Structural fuzz of TF.js model.json files, as test/io/fuzz-structure.test.ts does for native
// files: seeded mutations of valid CNN model.json files (dendrite's exports and the TF.js-made
// fixture) — misspelt, deleted and added keys, values of another type, values nested 5,000 deep,
// huge sizes, other valid names (layer classes, paddings, data formats, activations) — against the
// promise that a file that loads is a model that predicts finite values and takes a finite training
// step, and that anything else is a ModelFileError, never another exception. Counts are printed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ModelFileError, averagePooling1d, batchNormalization, conv1d, conv2d, dense, depthwiseConv2d, dropout, flatten, fromTfjs, globalAveragePooling2d,
  maxPooling2d, reshape, separableConv2d, sequential, sgd, spatialDropout2d, toTfjs, type Sequential, upSampling2d, zeroPadding2d,
} from '../../src/index.js';
import { loadOrCount, mulberry32, structuralMutator } from '../helpers/fuzz.js';
import { modelWorks } from '../helpers/model-works.js';

/** Valid model.json texts with their weights: dendrite CNN exports and the TF.js fixture. */
function sources(): { json: string; bin: Uint8Array }[] {
  const builds: (() => Sequential)[] = [
    () => sequential([
      zeroPadding2d({ padding: 1, inputShape: [5, 5, 2] }), conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }), batchNormalization(),
      spatialDropout2d({ rate: 0.1 }), upSampling2d({ size: 2 }), maxPooling2d({ poolSize: 2 }),
      flatten(), dropout({ rate: 0.2 }), dense({ units: 3, activation: 'softmax' }),
    ]),
    () => sequential([
      depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, padding: 'same', inputShape: [6, 6, 2] }),
      separableConv2d({ filters: 3, kernelSize: 2, strides: 2, activation: { name: 'leakyRelu', alpha: 0.1 } }), globalAveragePooling2d(), dense({ units: 2, activation: 'softmax' }),
    ]),
    () => sequential([
      reshape({ targetShape: [8, 2], inputShape: [16] }), conv1d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }),
      averagePooling1d({ poolSize: 2 }), flatten(), dense({ units: 3, activation: 'softmax' }),
    ]),
  ];
  const out = builds.map((make) => {
    const m = make();
    m.build({ seed: 3 });
    m.compile({ optimizer: sgd({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    const { modelJson, weightData } = toTfjs(m);
    m.dispose();
    return { json: JSON.stringify(modelJson), bin: weightData };
  });
  const fixture = join(import.meta.dirname, '..', 'fixtures', 'tfjs-cnn');
  out.push({ json: readFileSync(join(fixture, 'model.json'), 'utf8'), bin: new Uint8Array(readFileSync(join(fixture, 'weights.bin'))) });
  return out;
}

describe('structural fuzz of TF.js model.json', () => {
  const files = sources();
  const labels = [0, 1, 2, 1];
  const rows = (m: Sequential) => labels.map((_, i) => Array.from({ length: m.inputDim }, (_, j) => Math.sin(1 + i * 7 + j)));

  it('every original file loads, predicts and trains', () => {
    for (const f of files) {
      const m = fromTfjs(f.json, f.bin);
      expect(modelWorks(m, rows(m), labels)).toBeUndefined();
      m.dispose();
    }
  });

  it('3,000 seeded structural mutations: each loads a working model or is a ModelFileError', { timeout: 120_000 }, () => {
    const random = mulberry32(29);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(a: readonly T[]): T => a[int(a.length)];
    const values = [0, -1, 1, 2, 0.5, 1e-45, 3.4e38, 1e39, 2 ** 31, 2 ** 53, null, true, false, '', [], {}, [3], [2, 2], [null, 1, 1, 3], [[1, 1], [1, 1]], '1'];
    const validNames = ['Conv2D', 'Conv1D', 'DepthwiseConv2D', 'SeparableConv2D', 'MaxPooling2D', 'AveragePooling1D', 'GlobalMaxPooling2D', 'Flatten', 'Reshape',
      'Dense', 'Dropout', 'BatchNormalization', 'ReLU', 'LeakyReLU', 'Softmax', 'InputLayer', 'ZeroPadding2D', 'UpSampling2D', 'SpatialDropout1D',
      'same', 'valid', 'causal', 'channels_last', 'channels_first', 'relu', 'linear', 'softmax', 'tanh', 'float32', 'int32', 'VarianceScaling', 'L1L2', 'optimizer'];
    const addedKeys = ['extra', 'axis', 'groups', 'data_format', 'noise_shape', 'kernel_constraint', 'dilation_rate'];
    // camelCase is read as the same key: a renamed key that still loads
    const { mutate, text: toText } = structuralMutator(random, { values, validNames, addedKeys, recase: (k) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) });

    const counts = { loaded: 0, refused: 0, other: 0, tooBigToRun: 0 };
    const failures: string[] = [];
    const trials = 3_000;
    for (let trial = 0; trial < trials; trial++) {
      const source = pick(files);
      const tree: any = JSON.parse(source.json);
      const how = Array.from({ length: 1 + int(2) }, () => mutate(tree)).join(', ');
      const text = toText(tree);
      const m = loadOrCount(() => fromTfjs(text, source.bin), ModelFileError, counts, failures, `trial ${trial} (${how})`);
      if (!m) continue;
      counts.loaded++;
      if (m.inputDim > 100_000) counts.tooBigToRun++; // a mutated input shape: loading it was the point
      else {
        const problem = modelWorks(m, rows(m), labels);
        if (problem) failures.push(`trial ${trial} (${how}): ${problem.slice(0, 300)}`);
      }
      m.dispose();
    }
    console.log(`TF.js structural fuzz: ${trials} mutations, ${counts.loaded} loaded (${counts.tooBigToRun} not run: input too big), ${counts.refused} refused, ${counts.other} other; ` +
      `${failures.length} failures`);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(counts.other).toBe(0);
    expect(counts.loaded).toBeGreaterThan(300);
  });
});
