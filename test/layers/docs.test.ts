// docs/convolutions.md runs: it shows examples/cnn/fashion-cnn.mjs verbatim, and running the
// example (node, importing 'dendrite' from the built package; npm test builds first) prints the
// summary the page shows and an accuracy within 0.02 of the page's. Skipped without Fashion-MNIST.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const page = readFileSync(join(root, 'docs', 'convolutions.md'), 'utf8');
const haveData = existsSync('/usr/share/datasets/fashion-mnist') || !!process.env.DENDRITE_DATA;

describe('docs/convolutions.md', () => {
  it('shows the example verbatim and lists every layer the API exports', async () => {
    const code = readFileSync(join(root, 'examples', 'cnn', 'fashion-cnn.mjs'), 'utf8');
    expect(page.includes('```js\n' + code + '```')).toBe(true);
    const api = await import('../../src/index.js');
    for (const name of ['conv2d', 'conv1d', 'depthwiseConv2d', 'separableConv2d', 'maxPooling2d', 'averagePooling2d', 'maxPooling1d', 'averagePooling1d',
      'globalAveragePooling2d', 'globalMaxPooling2d', 'globalAveragePooling1d', 'globalMaxPooling1d', 'flatten', 'reshape', 'fashionMnistCnn',
      'zeroPadding2d', 'zeroPadding1d', 'upSampling2d', 'spatialDropout1d', 'spatialDropout2d']) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
      expect(page, name).toMatch(new RegExp('`' + name + '[`(]')); // `conv2d` or `fashionMnistCnn(options)`
    }
  });

  it.skipIf(!haveData)('the example prints what the page shows', () => {
    const r = spawnSync(process.execPath, [join(root, 'examples', 'cnn', 'fashion-cnn.mjs')], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, DENDRITE_OFFLINE: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const shown = page.slice(page.indexOf('$ node examples/cnn/fashion-cnn.mjs\n') + 36);
    const block = shown.slice(0, shown.indexOf('```'));
    const table = (text: string) => text.split('\n').filter((l) => /\(\w+\)\s+\[null/.test(l) || l.startsWith('Total params'));
    expect(table(r.stdout)).toEqual(table(block));
    const acc = (text: string) => Number(/test accuracy after one epoch on 5,000 images: ([\d.]+)/.exec(text)![1]);
    expect(Math.abs(acc(r.stdout) - acc(block))).toBeLessThanOrEqual(0.02);
    expect(acc(r.stdout)).toBeGreaterThan(0.65);
  });
});
