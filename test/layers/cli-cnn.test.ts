// `dendrite train --model cnn` on the built CLI: 784-value rows become 28 × 28 × 1 images for the
// recipe CNN (the tutorial CNN with batch norm and dropout, Adam from the recipe's 0.002); --model is checked (its names, not with --layers, not with --resume, square rows).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeFlowersCsv } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dendrite-cli-cnn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => runCli(dir, args);

beforeAll(() => {
  // 40 "images" of 784 pixels in 2 classes: bright top half (class 0) or bright bottom half (class 1).
  const rows = ['label,' + Array.from({ length: 784 }, (_, i) => `p${i}`).join(',')];
  for (let r = 0; r < 40; r++) rows.push(`${r % 2},` + Array.from({ length: 784 }, (_, i) => ((i < 392) === (r % 2 === 0) ? 0.9 : 0.1)).join(','));
  writeFileSync(join(dir, 'images.csv'), rows.join('\n') + '\n');
  writeFlowersCsv(join(dir, 'flowers.csv'), 30, 1);
});

describe('dendrite train --model cnn', () => {
  it('trains the recipe CNN on 784-value rows as 28 × 28 × 1 images, with Adam from 0.002 (another rate or optimizer when asked)', () => {
    const r = run('train', '--csv', 'images.csv', '--model', 'cnn', '--epochs', '1', '--batch-size', '8', '--progress', 'line', '--out', 'cnn.dnd');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/conv2d \(Conv2D\)\s+\[null, 26, 26, 32\]\s+320/);
    expect(r.out).toMatch(/max_pooling2d \(MaxPooling2D\)\s+\[null, 13, 13, 32\]\s+0\s+batch_normalization \(BatchNormalization\)\s+\[null, 13, 13, 32\]\s+128\s+conv2d_1/);
    expect(r.out).toMatch(/max_pooling2d_1 \(MaxPooling2D\)\s+\[null, 5, 5, 64\]\s+0\s+batch_normalization_1 \(BatchNormalization\)\s+\[null, 5, 5, 64\]\s+256\s+flatten/);
    expect(r.out).toMatch(/flatten \(Flatten\)\s+\[null, 1600\]\s+0\s+dropout \(Dropout\)\s+\[null, 1600\]\s+0\s+dense \(Dense\)\s+\[null, 128\]\s+204,928\s+relu\s+dropout_1 \(Dropout\)\s+\[null, 128\]/);
    expect(r.out).toMatch(/dense_1 \(Dense\)\s+\[null, 2\]\s+258/);
    // the recipe's 225,418 with a 2-class output (258 weights, not 1,290); the batch norms' moving statistics: 2 × (32 + 64)
    expect(r.out).toMatch(new RegExp(`Total params: ${(225_418 - 1_290 + 258).toLocaleString('en-US')}\\s+Trainable params: ${(225_418 - 1_290 + 258 - 192).toLocaleString('en-US')}\\s+Non-trainable params: 192`));
    const summary = run('summary', 'cnn.dnd');
    expect(summary.code, summary.err).toBe(0);
    expect(summary.out).toMatch(/max_pooling2d_1 \(MaxPooling2D\)\s+\[null, 5, 5, 64\]/);
    expect(summary.out).toMatch(/adam \(learning rate cosineDecay from 0\.002 over/);
    for (const [flags, want] of [[['--lr', '0.0005'], /adam \(learning rate cosineDecay from 0\.0005 over/], [['--optimizer', 'sgd'], /sgd \(learning rate cosineDecay from 0\.01 over/]] as const) {
      const other = run('train', '--csv', 'images.csv', '--model', 'cnn', '--epochs', '1', '--batch-size', '20', '--progress', 'line', '--out', 'other.dnd', ...flags);
      expect(other.code, other.err).toBe(0);
      expect(run('summary', 'other.dnd').out).toMatch(want);
    }
    const mlp = run('train', '--csv', 'images.csv', '--epochs', '1', '--batch-size', '20', '--progress', 'line', '--out', 'mlp.dnd');
    expect(mlp.code, mlp.err).toBe(0);
    expect(run('summary', 'mlp.dnd').out).toMatch(/adam \(learning rate cosineDecay from 0\.001 over/);
  });

  it('trains 15 epochs by default (the recipe\'s), 10 for mlp', () => {
    const cnn = run('train', '--csv', 'images.csv', '--model', 'cnn', '--batch-size', '20', '--progress', 'line', '--out', '');
    expect(cnn.code, cnn.err).toBe(0);
    expect(cnn.out).toMatch(/, 15 epochs/);
    expect(cnn.out).toMatch(/Epoch 15\/15/);
    const mlp = run('train', '--csv', 'images.csv', '--batch-size', '20', '--progress', 'line', '--out', '');
    expect(mlp.code, mlp.err).toBe(0);
    expect(mlp.out).toMatch(/, 10 epochs/);
  });

  it('refuses what it cannot build', () => {
    expect(run('train', '--csv', 'images.csv', '--model', 'rnn').err).toMatch(/--model must be mlp or cnn, got "rnn"/);
    expect(run('train', '--csv', 'images.csv', '--model', 'cnn', '--layers', '2:softmax').err).toMatch(/--model cnn sets the layers/);
    const r = run('train', '--csv', 'flowers.csv', '--model', 'cnn', '--epochs', '1');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/smaller than the window|not s × s/);
  });
});
