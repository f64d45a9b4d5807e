// docs/training.md's Transfer learning section runs: it shows examples/transfer/transfer.mjs
// verbatim, and running the example (node, importing 'dendrite' from the built package; npm test
// builds first) prints the summary the page shows, an accuracy within 0.02 of the page's and well
// above chance and above the same head on a random frozen base, and that the frozen base and the reloaded model's predictions are unchanged.
// Skipped without Fashion-MNIST.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const page = readFileSync(join(root, 'docs', 'training.md'), 'utf8');
const example = join(root, 'examples', 'transfer', 'transfer.mjs');
const haveData = existsSync('/usr/share/datasets/fashion-mnist') || !!process.env.DENDRITE_DATA;

describe('docs/training.md, Transfer learning', () => {
  it('the PyTorch-trained base it loads predicts as torch did (fashion-base.json, 1e-4)', async () => {
    const { fromOnnx } = await import('../../src/index.js');
    const fixture = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'onnx', 'fashion-base.json'), 'utf8'));
    const model = fromOnnx(readFileSync(join(root, 'test', 'fixtures', 'onnx', 'fashion-base.onnx')));
    // One channel: NCHW bytes are NHWC bytes.
    const got = model.predict({ data: Float32Array.from(fixture.pixels, (v: number) => v / 255), shape: [4, 28, 28, 1] }).data;
    fixture.outputs.flat().forEach((v: number, i: number) => expect(Math.abs(got[i] - v), `output ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(v))));
    model.dispose();
  });

  it('shows the example verbatim', () => {
    expect(page.includes('```js\n' + readFileSync(example, 'utf8') + '```')).toBe(true);
  });

  it.skipIf(!haveData)('the example prints what the page shows', () => {
    const r = spawnSync(process.execPath, [example], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, DENDRITE_OFFLINE: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const command = '$ node examples/transfer/transfer.mjs\n';
    const shown = page.slice(page.indexOf(command) + command.length);
    const block = shown.slice(0, shown.indexOf('```'));
    const table = (text: string) => text.split('\n').filter((l) => /\(\w+\)\s+\[null/.test(l) || /params:/.test(l));
    expect(table(r.stdout)).toEqual(table(block));
    expect(table(block).length).toBe(10);
    const acc = (text: string) => Number(/test accuracy: ([\d.]+)/.exec(text)![1]);
    expect(Math.abs(acc(r.stdout) - acc(block))).toBeLessThanOrEqual(0.02);
    expect(acc(r.stdout)).toBeGreaterThan(0.8);
    // What the base learned carries over: the trained base beats the same head on a random one.
    const yardstick = Number(/frozen random base: ([\d.]+)/.exec(r.stdout)![1]);
    expect(acc(r.stdout)).toBeGreaterThan(yardstick + 0.02);
    expect(r.stdout).toContain('frozen base unchanged: true');
    expect(r.stdout).toContain('reloaded model predicts the same: true');
  });
});
