// The built CLI as a user runs it: a subprocess of build/cli.js (npm test builds first).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLearnableFashion } from './helpers/idx.js';

const cli = join(import.meta.dirname, '..', 'build', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'dendrite-cli-'));
writeLearnableFashion(dir, 600, 200);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, DENDRITE_OFFLINE: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('dendrite CLI', () => {
  it('trains, reports per-epoch lines and test accuracy, and saves a loadable model', () => {
    const out = join(dir, 'm.dnd');
    const r = run('train', '--data-dir', dir, '--epochs', '3', '--batch-size', '32', '--layers', '32:relu,10:softmax', '--lr', '0.01', '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Total params: 25,450');
    const epochs = r.out.split('\n').filter((l) => /^Epoch +\d\/3 +loss [\d.]+ +accuracy [\d.]+ +val loss [\d.]+ +val accuracy [\d.]+ +[\d.]+s +\d+ samples\/s$/.test(l));
    expect(epochs).toHaveLength(3);
    const acc = Number(/Test accuracy: ([\d.]+)/.exec(r.out)?.[1]);
    expect(acc).toBeGreaterThan(0.8);
    expect(existsSync(out)).toBe(true);
    const s = run('summary', out, '--formula');
    expect(s.code).toBe(0);
    expect(s.out).toContain('32 × (784 + 1)');
    const e = run('evaluate', out, '--data-dir', dir);
    expect(e.code).toBe(0);
    expect(Number(/accuracy ([\d.]+)/.exec(e.out)?.[1])).toBeCloseTo(acc, 4);
  });

  it('--version and --help', () => {
    expect(run('--version').out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(run('train', '--help').out).toContain('--batch-size');
  });

  it('a bad flag or command prints usage and exits 2', () => {
    for (const args of [['train', '--bogus'], ['frobnicate'], ['train', '--epochs', 'many']]) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain('usage: dendrite');
    }
  });

  it('missing data or a bad file: one line, exit 1, no stack trace', () => {
    const missing = run('train', '--data-dir', join(dir, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toMatch(/Fashion-MNIST/);
    const bad = run('summary', join(dir, 'train-labels-idx1-ubyte.gz'));
    expect(bad.code).toBe(1);
    expect(bad.err).not.toMatch(/\n\s+at /);
    const epochs = run('train', '--data-dir', dir, '--epochs', '0');
    expect(epochs.code).toBe(2); // out of range: a usage error, before any data is read
    expect(epochs.err).toMatch(/--epochs must be at least 1, got 0/);
  });
});
