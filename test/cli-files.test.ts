// The CLI and the file system, and options out of range (issue 17, item 7): an unwritable --out
// is found before training, not after it; stale temp files of a killed save are cleaned by the
// next save; --epochs -1, --batch-size 0, --seed -5, --validation-split 1 are usage errors that
// stop before "Training on"; predict warns when rows lie far outside the training range.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeFlowersCsv } from './helpers/cli.js';
import { dense, sequential } from '../src/index.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'dendrite-cli-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => runCli(dir, args);
const base = ['train', '--csv', 'ok.csv', '--layers', '4:relu,3:softmax', '--epochs', '1', '--progress', 'line'];

let features: number[][] = [];
beforeAll(() => void ({ features } = writeFlowersCsv(join(dir, 'ok.csv'), 60, 1)));

describe('options out of range are usage errors, before any training', () => {
  it.each([
    [['--epochs', '-1'], /--epochs must be at least 1, got -1/],
    [['--epochs', '0'], /--epochs must be at least 1, got 0/],
    [['--batch-size', '0'], /--batch-size must be at least 1, got 0/],
    [['--seed', '-5'], /--seed must be in \[0, 9007199254740991\], got -5/],
    [['--validation-split', '1'], /--validation-split must be in \[0, 1\), got 1/],
    [['--validation-split', '-0.1'], /--validation-split must be in \[0, 1\), got -0\.1/],
    [['--lr', '-0.01'], /--lr must be at least 0, got -0\.01/],
  ])('train %j', (flags, pattern) => {
    const r = run(...base, ...(flags as string[]), '--out', '');
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(pattern);
    expect(r.err).toMatch(/usage: dendrite train/);
    expect(r.out).not.toMatch(/Training on/);
  });

  it('predict --batch-size 0', () => {
    expect(run('predict', 'x.dnd', '--csv', 'ok.csv', '--batch-size', '0').code).toBe(2);
  });
});

describe('--out is checked before training', () => {
  it.each([
    ['/proc/x.dnd', /cannot save to "\/proc\/x\.dnd": no file can be created in "\/proc"/],
    ['no-such-folder/m.dnd', /cannot save to "no-such-folder\/m\.dnd": the folder "no-such-folder" does not exist/],
    ['folder.dnd', /cannot save to "folder\.dnd": it is a directory, not a regular file/],
    ['sub/', /cannot save to "sub\/": it names a folder, not a file/],
  ])('--out %s', (out, pattern) => {
    mkdirSync(join(dir, 'folder.dnd'), { recursive: true });
    mkdirSync(join(dir, 'sub'), { recursive: true });
    const r = run(...base, '--out', out);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(pattern);
    expect(r.out).not.toMatch(/Training on|Epoch 1/);
  });

  it('a save removes temp files of the same target that a killed save left', () => {
    const stale = '.m.dnd.2147483646-0123456789abcdef.tmp'; // a pid no Linux process has
    writeFileSync(join(dir, stale), 'partial');
    const r = run(...base, '--out', 'm.dnd');
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(dir)).toContain('m.dnd');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('predict warns about rows far outside the training range', () => {
  it('from the saved normalisation: raw-scale rows warn, ordinary rows do not', () => {
    const r = run(...base, '--normalize', 'minmax', '--out', 'norm.dnd');
    expect(r.code, r.err).toBe(0);
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(features.slice(0, 2)));
    writeFileSync(join(dir, 'far.json'), JSON.stringify([features[0], features[1].map((v) => v * 100)]));
    const ok = run('predict', 'norm.dnd', '--json', 'ok.json');
    expect(ok.code, ok.err).toBe(0);
    expect(ok.err).toBe('');
    const far = run('predict', 'norm.dnd', '--json', 'far.json');
    expect(far.code, far.err).toBe(0);
    expect(far.err).toMatch(/warning: 1 of 2 row\(s\) lie far outside the inputs the model was trained on \(features min-max scaled to \[0, 1\] by the saved statistics; row 1 feature 0 is \d+/);
    expect(far.out.trim().split('\n')).toHaveLength(3); // the predictions are still given
  });
});

describe('the CLI record in a model file', () => {
  it('nested 5,000 deep is one named error, not a stack overflow', () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    m.build({ seed: 1 });
    const { metadata, tensors } = decodeSafetensors(m.toBytes());
    m.dispose();
    const deep = `{"normalization":${'['.repeat(5000)}1${']'.repeat(5000)}}`;
    writeFileSync(join(dir, 'deep.dnd'), encodeSafetensors([...tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })), { ...metadata, 'dendrite.cli': deep }));
    const r = run('summary', 'deep.dnd');
    expect(r.code, r.err).toBe(1);
    expect(r.err.trim()).toMatch(/^dendrite: deep\.dnd: the CLI record \("dendrite\.cli"\) nests values more than 16 levels deep/);
  });
});
