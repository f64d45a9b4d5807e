// Differential conformance: seeded random configurations (config.ts) trained in dendrite and in
// TF.js Layers 4.22 on its cpu backend from the same initial weights, shuffle off, then compared:
// the weights after training, every History entry (loss, metrics, validation values, epoch
// indices), evaluate and predict. SGD runs TF.js' optimizers; Adam, AdamW, RMSprop, Adagrad,
// Adamax and Nadam run the float64 Keras 3 rules of keras-rules.ts inside the TF.js model.
//
// Tolerance (float32 arithmetic with different summation orders, through a few dozen steps):
// |ours − theirs| ≤ ATOL + RTOL·|theirs| for weights, losses, mse / mae, evaluate and predict.
// Accuracy counts rows, so a near tie at the argmax or the threshold may differ: it may be off by
// one row's share of its epoch (1 / rows), no more.
// Stacks whose exact gradient vanishes (batch norm over one or two rows, layer norm over one or two
// units, a bias right before batch norm) are left out by config.ts: their float32 rounding noise,
// different in any two implementations, is what Adam-like rules then follow. Run with
// CONFORMANCE_SEEDS=1-1600, one configuration of 1600 still differs for that reason (seed 783: an
// MAE bias gradient that is +c and −c ten times each, which TF.js sums to 0 and we to 2 ulp, which
// Adamax with ε = 1e-7 turns into steps of 1e-4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sequential } from '../../src/index.js';
import { copyToTfjs, tf, tfReady, tfjsWeights, tfl } from '../training/helpers.js';
import { type Config, makeConfig, makeData } from './config.js';
import { dendriteModel, tfjsModel, tfjsTargets } from './twins.js';

const ATOL = 2e-4;
const RTOL = 2e-3;
/** Configurations per run: the seeds 1..COUNT (CONFORMANCE_SEEDS=a-b picks others). */
const COUNT = 400;
const [from, to] = (process.env.CONFORMANCE_SEEDS ?? `1-${COUNT}`).split('-').map(Number);
const seeds = Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  await tfReady();
});

let started = 0;
beforeAll(() => void (started = performance.now()));
afterAll(() => console.log(`conformance: ${seeds.length} configurations in ${((performance.now() - started) / 1000).toFixed(1)} s`));

describe('dendrite trains as TF.js Layers / Keras 3', () => {
  it.each(seeds)('configuration %i', async (seed) => {
    const c = makeConfig(seed);
    const ours = dendriteModel(c);
    const theirs = tfjsModel(c);
    try {
      copyToTfjs(ours, theirs);
      await compare(c, ours, theirs);
    } finally {
      ours.dispose();
      theirs.dispose();
    }
  });
});

async function compare(c: Config, ours: Sequential, theirs: tfl.Sequential): Promise<void> {
  const what = JSON.stringify(c);
  const d = makeData(c);
  const val = c.validation === 'data' ? makeData(c, Math.max(2, c.rows >> 1), 1) : undefined;
  const sample = c.weights === 'sample';
  const withW = (y: number[][], w: number[]) => tfjsTargets(c, y, w);
  const common = { epochs: c.epochs, initialEpoch: c.initialEpoch, batchSize: c.batchSize, shuffle: false };
  const hOurs = await ours.fit(d.x, c.loss === 'scce' ? d.y.map((r) => r[0]) : d.y, {
    ...common,
    ...(c.validation === 'split' ? { validationSplit: c.validationSplit } : {}),
    ...(val ? { validationData: sample ? [val.x, val.y, val.sampleWeight] : [val.x, val.y] } : {}),
    ...(c.weights === 'class' ? { classWeight: d.classWeight } : sample ? { sampleWeight: d.sampleWeight } : {}),
  } as never);
  const hTheirs = await theirs.fit(tf.tensor2d(d.x), tf.tensor2d(withW(d.y, d.sampleWeight)), {
    ...common,
    verbose: 0,
    ...(c.validation === 'split' ? { validationSplit: c.validationSplit } : {}),
    ...(val ? { validationData: [tf.tensor2d(val.x), tf.tensor2d(withW(val.y, val.sampleWeight))] } : {}),
    ...(c.weights === 'class' ? { classWeight: d.classWeight } : {}),
  });

  expect(hOurs.epoch, `epochs of ${what}`).toEqual(hTheirs.epoch);
  const trainRows = c.validation === 'split' ? Math.floor(c.rows * (1 - c.validationSplit)) : c.rows;
  for (const [key, values] of Object.entries(hOurs.history)) {
    const theirKey = key.startsWith('val') ? `val_${key[3].toLowerCase()}${key.slice(4)}` : key;
    const ref = hTheirs.history[theirKey] as number[];
    expect(ref, `TF.js history has ${theirKey}: ${what}`).toBeDefined();
    const rows = key.startsWith('val') ? (val ? val.x.length : c.rows - trainRows) : trainRows;
    near(values, ref, key, rows, what);
  }
  expect(Object.keys(hOurs.history).length, `history keys ${Object.keys(hOurs.history)} vs ${Object.keys(hTheirs.history)}`).toBe(Object.keys(hTheirs.history).length);

  ours.getWeights().forEach((w, i) => near(w.data, tfjsWeights(theirs)[i], `weight ${w.name}`, 0, what));
  const out = c.units[c.units.length - 1];
  const predicted = theirs.predict(tf.tensor2d(d.x)) as tf.Tensor;
  near(ours.predict(d.x).data, tf.slice(predicted, [0, 0], [-1, out]), 'predict', 0, what);

  const e = ours.evaluate(d.x, c.loss === 'scce' ? d.y.map((r) => r[0]) : d.y, sample ? { sampleWeight: d.sampleWeight } : {});
  const evaluated = theirs.evaluate(tf.tensor2d(d.x), tf.tensor2d(withW(d.y, d.sampleWeight)), { batchSize: 256 }) as tf.Scalar | tf.Scalar[];
  const eTheirs = (Array.isArray(evaluated) ? evaluated : [evaluated]).map((t) => t.dataSync()[0]);
  theirs.metricsNames.forEach((name, i) => near([e[name === 'loss' ? 'loss' : name]], [eTheirs[i]], `evaluate ${name}`, name === 'accuracy' ? c.rows : 0, what));
}

/** Element-wise within the tolerance; accuracy (rows > 0 and a key naming it) within one row. */
function near(a: ArrayLike<number>, b: ArrayLike<number> | tf.Tensor, key: string, rows: number, what: string): void {
  const ref = b instanceof tf.Tensor ? b.dataSync() : b;
  expect(a.length, `${key} length: ${what}`).toBe(ref.length);
  const count = key.toLowerCase().includes('accuracy') && rows > 0;
  for (let i = 0; i < ref.length; i++) {
    const tol = count ? 1 / rows + 1e-6 : ATOL + RTOL * Math.abs(ref[i]);
    if (!(Math.abs(a[i] - ref[i]) <= tol)) {
      throw new Error(`${key}[${i}]: dendrite ${a[i]}, TF.js ${ref[i]} (tolerance ${tol.toExponential(2)}) for ${what}`);
    }
  }
}
