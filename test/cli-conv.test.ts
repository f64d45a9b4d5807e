// A small convolutional network from the command line, end to end on a Fashion-MNIST subset:
// `train --layers conv...` (the summary's shapes, accuracy well above chance), then `summary`,
// `evaluate`, `predict` (IDX images and the same pixels as CSV rows) and `convert` (dnd → TF.js →
// dnd) on the CNN file. Skipped, with a notice, without the dataset.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2d, dense, flatten, sequential, toTfjs } from '../src/index.js';
import { parseSimpleCsv, runCli } from './helpers/cli.js';
import { idx } from './helpers/idx.js';

const DEBIAN = '/usr/share/datasets/fashion-mnist';
const haveData = existsSync(DEBIAN);
if (!haveData) console.warn(`NOTICE: Fashion-MNIST not installed (${DEBIAN}); the CLI CNN test is skipped. apt-get install dataset-fashion-mnist`);

const dir = mkdtempSync(join(tmpdir(), 'dendrite-cli-conv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => runCli(dir, args);
const at = (f: string) => join(dir, f);

const LAYERS = 'conv:16:3:relu,maxpool,conv:16:3:relu:padding=same,maxpool:2,flatten,10:softmax';
const LIMIT = 2000;
const N = 100; // test images for predict
let trained: ReturnType<typeof run>;
let testAccuracy = NaN;
let labels: Uint8Array;

beforeAll(() => {
  if (!haveData) return;
  trained = run('train', '--layers', LAYERS, '--limit', String(LIMIT), '--epochs', '3', '--batch-size', '32', '--lr', '0.003', '--progress', 'line', '--out', 'cnn.dnd');
  testAccuracy = Number(/Test accuracy: ([\d.]+)/.exec(trained.out)?.[1]);
  // The first N test images and labels, as an IDX pair and as CSV rows of pixel / 255.
  const images = gunzipSync(readFileSync(join(DEBIAN, 't10k-images-idx3-ubyte.gz'))).subarray(16, 16 + N * 784);
  labels = gunzipSync(readFileSync(join(DEBIAN, 't10k-labels-idx1-ubyte.gz'))).subarray(8, 8 + N);
  writeFileSync(at('few-images.idx'), idx(0x08, [N, 28, 28], images));
  writeFileSync(at('few-labels.idx'), idx(0x08, [N], labels));
  const rows = Array.from({ length: N }, (_, r) => Array.from(images.subarray(r * 784, (r + 1) * 784), (p) => p / 255).join(','));
  writeFileSync(at('few.csv'), rows.join('\n') + '\n');
}, 120_000);

describe.skipIf(!haveData)('a CNN from the command line on Fashion-MNIST', () => {
  it('train: the summary has the convolutions\' shapes; test accuracy is far above chance (0.1)', () => {
    expect(trained.code, trained.err).toBe(0);
    const o = trained.out;
    expect(o).toMatch(/conv2d \(Conv2D\)\s+\[null, 26, 26, 16\]\s+160\s+relu/); // 16 × (3·3·1 + 1)
    expect(o).toMatch(/max_pooling2d \(MaxPooling2D\)\s+\[null, 13, 13, 16\]\s+0/);
    expect(o).toMatch(/conv2d_1 \(Conv2D\)\s+\[null, 13, 13, 16\]\s+2,320\s+relu/); // 'same' keeps 13 × 13; 16 × (3·3·16 + 1)
    expect(o).toMatch(/max_pooling2d_1 \(MaxPooling2D\)\s+\[null, 6, 6, 16\]/);
    expect(o).toMatch(/flatten \(Flatten\)\s+\[null, 576\]/);
    expect(o).toMatch(/dense \(Dense\)\s+\[null, 10\]\s+5,770\s+softmax/);
    expect(o).toContain(`Training on ${LIMIT * 0.9} rows of Fashion-MNIST training split (its first ${LIMIT} of 60000 rows; ${LIMIT * 0.1} held out`);
    expect(o).toContain(`(${LIMIT} images)`);
    expect(testAccuracy).toBeGreaterThan(0.6);
  });

  it('summary: the layers with their shapes, and the input shape in JSON', () => {
    const s = run('summary', 'cnn.dnd');
    expect(s.code, s.err).toBe(0);
    expect(s.out).toMatch(/conv2d_1 \(Conv2D\)\s+\[null, 13, 13, 16\]/);
    expect(s.out).toMatch(/Total params: 8,250/);
    expect(s.out).toMatch(/Compiled: +adam \(learning rate cosineDecay from 0\.003 over 171 steps, now 0\)/); // 3 × ⌈1800 / 32⌉
    const j = JSON.parse(run('summary', 'cnn.dnd', '--json').out);
    expect(j.inputShape).toEqual([null, 28, 28, 1]);
    expect(j.layers.map((l: { outputShape: number[] }) => l.outputShape)).toEqual([
      [null, 26, 26, 16], [null, 13, 13, 16], [null, 13, 13, 16], [null, 6, 6, 16], [null, 576], [null, 10],
    ]);
  });

  it('evaluate: the accuracy train reported on the same test rows', () => {
    const e = run('evaluate', 'cnn.dnd', '--limit', String(LIMIT), '--json');
    expect(e.code, e.err).toBe(0);
    const j = JSON.parse(e.out);
    expect(j.rows).toBe(LIMIT);
    expect(j.accuracy).toBeCloseTo(testAccuracy, 4);
    expect(j.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(LIMIT);
  });

  it('predict: IDX images and the same pixels as CSV rows give the same classes, mostly right', () => {
    const fromIdx = run('predict', 'cnn.dnd', '--images', 'few-images.idx');
    const fromCsv = run('predict', 'cnn.dnd', '--csv', 'few.csv', '--header', 'no');
    expect(fromIdx.code, fromIdx.err).toBe(0);
    expect(fromCsv.code, fromCsv.err).toBe(0);
    const a = parseSimpleCsv(fromIdx.out);
    const b = parseSimpleCsv(fromCsv.out);
    expect(a).toHaveLength(N);
    expect(b.map((r) => r.class_id)).toEqual(a.map((r) => r.class_id));
    b.forEach((r, i) => expect(Number(r.probability)).toBeCloseTo(Number(a[i].probability), 5));
    const right = a.filter((r, i) => Number(r.class_id) === labels[i]).length;
    expect(right / N).toBeGreaterThan(0.5);
    // Images of another size are refused, naming both shapes.
    writeFileSync(at('big.idx'), idx(0x08, [2, 32, 32], new Uint8Array(2048)));
    const big = run('predict', 'cnn.dnd', '--images', 'big.idx');
    expect(big.code).toBe(1);
    expect(big.err.trim()).toBe('dendrite: big.idx: has 32 × 32 images (1024 values), but the model takes samples of shape [28, 28, 1] (784 values)');
  });

  // The TF.js side of convolutions comes with the TF.js import/export work; until this build has
  // it, the round trip is skipped (and convert's own refusal is what a user gets).
  it.skipIf(!tfjsHasConv())('convert: dnd → TF.js → dnd predicts the same', () => {
    const out = run('convert', 'cnn.dnd', 'cnn-tfjs');
    expect(out.code, out.err).toBe(0);
    expect(existsSync(at('cnn-tfjs/model.json'))).toBe(true);
    const json = JSON.parse(readFileSync(at('cnn-tfjs/model.json'), 'utf8'));
    expect(JSON.stringify(json.modelTopology)).toMatch(/"Conv2D"[\s\S]*"MaxPooling2D"[\s\S]*"Flatten"/);
    const back = run('convert', 'cnn-tfjs/model.json', 'back.dnd');
    expect(back.code, back.err).toBe(0);
    const keep = (text: string) => parseSimpleCsv(text).map((r) => [r.class_id, r.probability]);
    const original = run('predict', 'cnn.dnd', '--images', 'few-images.idx').out;
    expect(keep(run('predict', 'back.dnd', '--images', 'few-images.idx').out)).toEqual(keep(original));
    expect(run('summary', 'back.dnd').out).toMatch(/conv2d_1 \(Conv2D\)\s+\[null, 13, 13, 16\]/);
  });
});

/** Whether this build's TF.js export takes a convolution. */
function tfjsHasConv(): boolean {
  try {
    toTfjs(sequential([conv2d({ filters: 1, kernelSize: 1, inputShape: [2, 2, 1] }), flatten(), dense({ units: 1 })]));
    return true;
  } catch {
    return false;
  }
}

describe('convert: a CNN trained on normalised CSV columns', () => {
  it('is refused for TF.js with the reason (per-feature statistics fit no convolution), not folded wrongly', () => {
    const rows = ['label,' + Array.from({ length: 16 }, (_, i) => `v${i}`).join(',')];
    for (let r = 0; r < 20; r++) rows.push(`${r % 2},` + Array.from({ length: 16 }, (_, i) => ((i < 8) === (r % 2 === 0) ? 9 : 1) + i).join(','));
    writeFileSync(at('norm.csv'), rows.join('\n') + '\n');
    const t = run('train', '--csv', 'norm.csv', '--normalize', 'standard', '--layers', 'conv:2:3:relu,flatten,2:softmax', '--epochs', '1', '--out', 'norm.dnd', '--quiet');
    expect(t.code, t.err).toBe(0);
    const c = run('convert', 'norm.dnd', 'norm-tfjs');
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/cannot fold the CSV normalisation into the first layer, conv2d \(Conv2D\): only a dense layer takes per-feature statistics/);
    expect(existsSync(at('norm-tfjs/model.json'))).toBe(false);
  });
});
