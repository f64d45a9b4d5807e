// The helpers around a model — confusionMatrix, Tensor2D.row, toTfjs / saveTfjs and the file paths
// of save / load — fed what a hostile or careless caller passes: a named error saying what was
// expected, never a heap exhaustion, a raw TypeError / RangeError or a quietly wrong answer.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Tensor2D, ValueError, confusionMatrix, dense, loadModel, loadTfjs, saveModel, saveTfjs, sequential, toTfjs } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dendrite-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The ValueError `f` throws, or a failure naming what it did instead. */
async function valueError(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(ValueError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('confusionMatrix', () => {
  it('numClasses must be an integer in [1, 4096]: 1e9, 1.5, NaN, "3", 0 are refused before any allocation', async () => {
    for (const n of [1e9, 4097, 1.5, NaN, '3', 0, -2, Infinity, null]) {
      expect(await valueError(() => confusionMatrix([0, 1], [1, 0], n as number))).toBe(
        `confusionMatrix: numClasses must be an integer in [1, 4096], got ${typeof n === 'string' ? '"3"' : String(n)}`,
      );
    }
    expect(confusionMatrix([0, 1], [1, 0], 4096)).toHaveLength(4096);
  });

  it('ids that would size the matrix (1e9, 1.5, "2", NaN) are refused when numClasses is inferred', async () => {
    expect(await valueError(() => confusionMatrix([0, 1e9], [0, 0]))).toBe('confusionMatrix: label 1 is 1000000000, expected an integer in [0, 4095] (at most 4096 classes)');
    expect(await valueError(() => confusionMatrix([0, 1.5], [0, 0]))).toMatch(/label 1 is 1\.5/);
    expect(await valueError(() => confusionMatrix([0, 1], [0, '2' as unknown as number]))).toMatch(/prediction 1 is "2"/);
    expect(await valueError(() => confusionMatrix([NaN], [0]))).toMatch(/label 0 is NaN/);
    expect(await valueError(() => confusionMatrix(null as never, [0]))).toMatch(/labels must be an array of class ids, got null/);
    expect(await valueError(() => confusionMatrix([0], 7 as never))).toMatch(/predictions must be class ids or a matrix of scores, got 7/);
  });

  it('agrees with a plain count over random ids', () => {
    const t = Array.from({ length: 200 }, (_, i) => (i * 7) % 5);
    const p = Array.from({ length: 200 }, (_, i) => (i * 3 + (i >> 2)) % 5);
    const ref = Array.from({ length: 5 }, (_, a) => Array.from({ length: 5 }, (_, b) => t.filter((v, i) => v === a && p[i] === b).length));
    expect(confusionMatrix(t, p)).toEqual(ref);
    expect(confusionMatrix(Int32Array.from(t), Int32Array.from(p), 7).map((r) => r.slice(0, 5)).slice(0, 5)).toEqual(ref);
  });
});

describe('Tensor2D.row', () => {
  const t = new Tensor2D(Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]);
  it('takes an integer in [0, rows): 1.5 would mix two rows, 99 would be empty', async () => {
    expect(Array.from(t.row(2))).toEqual([5, 6]);
    for (const r of [1.5, 99, 3, -1, NaN, '1']) {
      expect(await valueError(() => t.row(r as number))).toBe(`row index must be an integer in [0, 2], got ${r === '1' ? '"1"' : String(r)}`);
    }
  });
});

describe('TF.js export and file paths', () => {
  const model = () => sequential([dense({ units: 2, activation: 'softmax', inputShape: [3] })]);

  it('toTfjs / saveTfjs take a model', async () => {
    for (const m of [null, undefined, {}, 'model.dnd']) {
      expect(await valueError(() => toTfjs(m as never))).toMatch(/^toTfjs takes a model, got /);
      expect(await valueError(() => saveTfjs(m as never, join(dir, 'tfjs')))).toMatch(/^toTfjs takes a model, got /);
    }
    expect(await valueError(() => toTfjs(model(), null as never))).toBe('toTfjs options must be an object, got null');
  });

  it('a path with a NUL character is a ValueError naming it, and nothing is written', async () => {
    const nul = join(dir, 'a\0b.dnd');
    const message = (what: string, p: string) => `${what} ${JSON.stringify(p)} has a NUL character, which no file system accepts`;
    expect(await valueError(() => model().save(nul))).toBe(message('save path', nul));
    expect(await valueError(() => saveModel(model(), nul))).toBe(message('save path', nul));
    expect(await valueError(() => loadModel(nul))).toBe(message('load path', nul));
    expect(await valueError(() => saveTfjs(model(), join(dir, 'x\0y')))).toBe(message('saveTfjs directory', join(dir, 'x\0y')));
    expect(await valueError(() => loadTfjs(join(dir, 'x\0y', 'model.json')))).toBe(message('load path', join(dir, 'x\0y', 'model.json')));
    expect(await valueError(() => loadModel(`file://${dir}/a%00b.dnd`))).toMatch(/has a NUL character/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
