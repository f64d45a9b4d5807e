// readCsv (src/data/csv.ts), the CSV reader behind `dendrite train --csv`: RFC 4180 quoting,
// header detection, label columns, class mapping, normalisation statistics (hand-computed), and
// errors that name the line.
import { describe, expect, it } from 'vitest';
import { DataError, ValueError } from '../src/errors.js';
import { fitNormalization, normalize, readCsv } from '../src/data/csv.js';
import * as api from '../src/api.js';

const rows = (m: { data: ArrayLike<number>; shape: [number, number] }) =>
  Array.from({ length: m.shape[0] }, (_, r) => Array.from(m.data).slice(r * m.shape[1], (r + 1) * m.shape[1]));

describe('readCsv', () => {
  it('reads a header, features and string labels (classes in sorted order)', () => {
    const d = readCsv('p,q,kind\n1,2,b\n3,4,a\n5,6,b\n');
    expect(d.features).toEqual(['p', 'q']);
    expect(d.label).toBe('kind');
    expect(d.classes).toEqual(['a', 'b']);
    expect(Array.from(d.y!)).toEqual([1, 0, 1]);
    expect(rows(d.x)).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(d.x.data).toBeInstanceOf(Float32Array);
  });

  it('quoted fields: delimiters, doubled quotes, line breaks, spaces around', () => {
    const d = readCsv('a,b,label\r\n1,2,"x, ""quoted""\r\nand more"\r\n3,4, "plain" \r\n', { labelType: 'class' });
    expect(d.classes).toEqual(['plain', 'x, "quoted"\r\nand more']);
    expect(Array.from(d.y!)).toEqual([1, 0]);
  });

  it('detects the header: none when the first row is numeric where the second is', () => {
    const d = readCsv('1,2,0\n3,4,1\n');
    expect(d.features).toEqual(['column 1', 'column 2']);
    expect(d.x.shape).toEqual([2, 2]);
    expect(Array.from(d.y!)).toEqual([0, 1]);
    expect(readCsv('1,2,0\n3,4,1\n', { header: true }).x.shape).toEqual([1, 2]);
    // String labels in a headerless file are not mistaken for a header.
    expect(readCsv('1,2,cat\n3,4,dog\n').x.shape).toEqual([2, 2]);
  });

  it('label column by name, index, negative index, the usual names, or none', () => {
    const text = 'label,a,b\n0,1,2\n1,3,4\n';
    expect(readCsv(text).features).toEqual(['a', 'b']); // "label" found by name
    expect(readCsv(text, { labelColumn: 'b' }).features).toEqual(['label', 'a']);
    expect(readCsv(text, { labelColumn: 1 }).features).toEqual(['label', 'b']);
    expect(readCsv(text, { labelColumn: -1 }).label).toBe('b');
    expect(readCsv(text, { labelColumn: '2' }).label).toBe('b');
    const none = readCsv(text, { labelColumn: null });
    expect(none.y).toBeUndefined();
    expect(none.x.shape).toEqual([2, 3]);
    expect(readCsv('a,b,c\n1,2,3\n').label).toBe('c'); // else the last column
  });

  it('features picked by name keep the requested order', () => {
    const d = readCsv('a,b,c,label\n1,2,3,0\n', { features: ['c', 'a'] });
    expect(rows(d.x)).toEqual([[3, 1]]);
  });

  it('label types: integer ids, numeric targets, names, known classes', () => {
    expect(readCsv('a,y\n1,2\n2,0\n').y).toBeInstanceOf(Int32Array);
    const reg = readCsv('a,y\n1,2.5\n2,-1\n');
    expect(reg.y).toBeInstanceOf(Float32Array);
    expect(Array.from(reg.y!)).toEqual([2.5, -1]);
    expect(readCsv('a,y\n1,2\n2,0\n', { labelType: 'number' }).y).toBeInstanceOf(Float32Array);
    const named = readCsv('a,y\n1,10\n2,9\n3,10\n', { labelType: 'class' });
    expect(named.classes).toEqual(['9', '10']); // numbers sort numerically
    expect(Array.from(named.y!)).toEqual([1, 0, 1]);
    expect(Array.from(readCsv('a,y\n1,dog\n2,cat\n', { classes: ['dog', 'cat'] }).y!)).toEqual([0, 1]);
  });

  it('delimiters: detected (; and tab) or given', () => {
    expect(rows(readCsv('a|b|label\n1|2|0\n', { delimiter: '|' }).x)).toEqual([[1, 2]]);
    expect(rows(readCsv('a;b;label\n1.5;2;0\n').x)).toEqual([[1.5, 2]]);
    expect(rows(readCsv('a\tb\tlabel\n1\t2\t0\n').x)).toEqual([[1, 2]]);
  });

  it('skips blank lines and a byte-order mark; reads bytes as UTF-8', () => {
    const d = readCsv(new TextEncoder().encode('\uFEFFa,b,label\n\n1,2,0\n\n3,4,1\n\n'));
    expect(d.features).toEqual(['a', 'b']);
    expect(d.x.shape).toEqual([2, 2]);
  });

  it('errors name the file and the line', () => {
    const err = (text: string, o = {}) => {
      try {
        readCsv(text, { name: 'f.csv', ...o });
      } catch (e) {
        expect(e).toBeInstanceOf(DataError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err('a,b,label\n1,2,0\n1,x,0\n')).toBe('f.csv: line 3: column "b" is "x", not a number');
    expect(err('a,b,label\n1,2,0\n1,Infinity,0\n')).toBe('f.csv: line 3: column "b" is "Infinity", not a number');
    expect(err('a,b,label\n1,2,0\n1,2\n')).toBe('f.csv: line 3: expected 3 fields like the first row, got 2');
    expect(err('a,b,label\n"1",2,"0\n')).toBe('f.csv: line 2: a quoted field is never closed');
    expect(err('a,b,label\n"1"x,2,0\n')).toBe('f.csv: line 2: unexpected text after a closing quote');
    expect(err('')).toBe('f.csv: is empty: expected a header or data rows');
    expect(err('a,b\n1,2\n', { labelColumn: 'c' })).toBe('f.csv: has no column "c"; columns: a, b');
    expect(err('1,2\n3,4\n', { labelColumn: 'c' })).toMatch(/needs a header row/);
    expect(err('a,y\n1,dog\n2,emu\n', { classes: ['dog'] })).toBe('f.csv: line 3: label "emu" is not one of the model\'s classes: dog');
    expect(err('a,y\n1,2\n2,x\n', { labelType: 'number' })).toBe('f.csv: line 3: label "x" is not a number');
    expect(() => readCsv('a,b\n', { delimiter: '"' })).toThrow(ValueError);
  });

  it('refuses a header that names a column twice (which column would "f1" mean?)', () => {
    expect(() => readCsv('f1,f1,label\n1,2,0\n3,4,1\n', { name: 'f.csv' })).toThrow(
      new DataError('f.csv: the header names column "f1" twice (columns 1 and 2); each column needs its own name'),
    );
    expect(() => readCsv('a, b ,b,label\n1,2,3,0\n', { name: 'f.csv' })).toThrow(/column "b" twice \(columns 2 and 3\)/);
    // Without a header the generated names are distinct: no error.
    expect(readCsv('1,1,0\n3,4,1\n').features).toEqual(['column 1', 'column 2']);
  });

  it('reads decimal numerals only: 0x1F, 0b11, 0o7 are refused, not read as 31, 3, 7', () => {
    for (const cell of ['0x1F', '0b11', '0o7', '-0X10']) {
      expect(() => readCsv(`a,b,label\n1,2,0\n1,${cell},1\n`, { name: 'f.csv' })).toThrow(
        new DataError(`f.csv: line 3: column "b" is ${cell}, not a decimal number (hexadecimal, binary and octal numerals are not read)`),
      );
    }
    const d = readCsv('a,b,label\n+1.5,-.25,0\n1e3,2.,1\n007,1E-2,1\n');
    expect(rows(d.x)).toEqual([[1.5, -0.25], [1000, 2], [7, Math.fround(0.01)]]);
    expect(() => readCsv('a,label\n1_000,0\n2,1\n')).toThrow(/"1_000", not a number/);
    // A hexadecimal-looking label is a class name, never the number 31.
    expect(readCsv('a,label\n1,0x1F\n2,zz\n').classes).toEqual(['0x1F', 'zz']);
  });
});

describe('normalisation', () => {
  // Column 0: 1, 2, 3, 6 → min 1, max 6, mean 3, population variance (4+1+0+9)/4 = 3.5.
  // Column 1: constant 5 → spread 0, so scale 1 (the column becomes 0, not NaN).
  const text = 'a,b,label\n1,5,0\n2,5,1\n3,5,0\n6,5,1\n';

  it('minmax maps each column to [0, 1]', () => {
    const d = readCsv(text, { normalize: 'minmax' });
    expect(d.normalization).toEqual({ method: 'minmax', offset: [1, 5], scale: [5, 1] });
    expect(rows(d.x).map((r) => r[0])).toEqual([0, 0.2, 0.4, 1].map((v) => Math.fround(v)));
    expect(rows(d.x).map((r) => r[1])).toEqual([0, 0, 0, 0]);
  });

  it('standard gives mean 0 and variance 1', () => {
    const d = readCsv(text, { normalize: 'standard' });
    expect(d.normalization!.offset).toEqual([3, 5]);
    expect(d.normalization!.scale[0]).toBeCloseTo(Math.sqrt(3.5), 12);
    expect(d.normalization!.scale[1]).toBe(1);
    rows(d.x).forEach((r, i) => expect(r[0]).toBeCloseTo(([1, 2, 3, 6][i] - 3) / Math.sqrt(3.5), 6));
  });

  it('saved statistics re-apply to new rows exactly as fitted', () => {
    const fitted = readCsv(text, { normalize: 'standard' });
    const again = readCsv('a,b,label\n6,5,1\n', { normalize: fitted.normalization });
    expect(rows(again.x)[0]).toEqual(rows(fitted.x)[3]);
  });

  it('fitNormalization / normalize work on any matrix, including scaled bytes', () => {
    const m = { data: new Uint8Array([0, 255, 51, 102]), shape: [2, 2] as [number, number], scale: 1 / 255 };
    const n = fitNormalization(m, 'minmax');
    expect(n.offset).toEqual([0, 0.4]);
    expect(n.scale[0]).toBeCloseTo(0.2, 12);
    expect(rows(normalize(m, n)).map((r) => r.map((v) => Number(v.toFixed(5))))).toEqual([[0, 1], [1, 0]]);
    expect(() => normalize(m, { method: 'minmax', offset: [0], scale: [1] })).toThrow(ValueError);
    expect(() => fitNormalization(m, 'zscore' as never)).toThrow(ValueError);
  });
});

it('is part of the public API', () => {
  expect(api.readCsv).toBe(readCsv);
  expect(api.normalize).toBe(normalize);
  expect(api.fitNormalization).toBe(fitNormalization);
  expect(typeof api.readCsvHeader).toBe('function');
});
