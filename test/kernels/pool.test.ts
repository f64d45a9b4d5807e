// Pooling kernels (assembly/pool.ts) through src/engine/conv.ts: max (with argmax) and average
// pooling 1-D / 2-D / global, forward and backward against f64 twins over padding × strides ×
// window sizes and channel counts around the 4-lane tiles, backward against central finite
// differences; 1 and 2 threads, baseline and threads builds.
import { describe, expect, it } from 'vitest';
import { convPass, poolBackward, poolForward } from '../../src/engine/conv.js';
import { type Geometry, type Padding, globalPoolGeometry, poolGeometry } from '../../src/engine/conv-plan.js';
import type { Engine } from '../../src/engine/engine.js';
import { ValueError } from '../../src/errors.js';
import { expectClose, randomArray } from '../helpers/wasm.js';
import { descOf, fdGrad, inSize, outSize, poolBackRef, poolRef, put, sameBits, useEngines } from './spatial-ref.js';

const E = useEngines();

/** Distinct values (spaced 2/len apart) so that a max is never a near-tie for finite differences. */
function distinct(len: number, seed: number): Float32Array {
  const r = randomArray(len, seed);
  const order = Array.from(r.keys()).sort((a, b) => r[a] - r[b] || a - b);
  const out = new Float32Array(len);
  order.forEach((i, rank) => (out[i] = (rank / len) * 2 - 1));
  return out;
}

function runPool(e: Engine, g: Geometry, n: number, kind: 'max' | 'avg', x: Float32Array, dy: Float32Array) {
  const p = convPass(g, descOf(e, g), n);
  const px = put(e, x), pdy = put(e, dy);
  const py = e.allocFloats(outSize(g, n)), idx = e.allocFloats(outSize(g, n)), pdx = e.allocFloats(inSize(g, n));
  poolForward(e, p, kind, py, idx, px, n);
  poolBackward(e, p, kind, pdx, pdy, idx, n);
  const r = { y: e.readF32(py, outSize(g, n)), idx: e.i32.slice(idx >>> 2, (idx >>> 2) + outSize(g, n)), dx: e.readF32(pdx, inSize(g, n)) };
  for (const ptr of [p.desc, px, pdy, py, idx, pdx]) e.release(ptr);
  return r;
}

type Case = [h: number, w: number, c: number, ph: number, pw: number, n: number];
const CASES: Case[] = [[4, 4, 1, 2, 2, 2], [5, 7, 3, 2, 2, 2], [7, 6, 4, 3, 3, 2], [9, 9, 5, 3, 2, 1], [6, 8, 8, 2, 3, 2], [1, 11, 9, 1, 3, 2], [5, 5, 12, 5, 5, 2]];

describe('max and average pooling against the f64 twin and finite differences', () => {
  for (const [h, w, c, ph, pw, n] of CASES) {
    for (const padding of ['valid', 'same'] as Padding[]) {
      for (const strides of [undefined, [1, 1], [2, 1], [3, 3]] as ([number, number] | undefined)[]) {
        for (const kind of ['max', 'avg'] as const) {
          const name = `${kind} [${h}, ${w}, ${c}] pool ${ph}×${pw} ${padding} strides ${strides ?? 'default'}`;
          it(name, () => {
            const g = poolGeometry([h, w, c], { poolSize: [ph, pw], strides, padding });
            const x = distinct(inSize(g, n), h + c), dy = randomArray(outSize(g, n), w);
            const r = runPool(E.base, g, n, kind, x, dy);
            const ref = poolRef(g, n, kind, x);
            expectClose(r.y, ref.y, 1e-6, 1e-6, `y ${name}`);
            if (kind === 'max') expect(Array.from(r.idx)).toEqual(Array.from(ref.idx));
            expectClose(r.dx, poolBackRef(g, n, kind, x, dy), 1e-6, 1e-6, `dx ${name}`);
            expectClose(r.dx, fdGrad(x, dy, (v) => poolRef(g, n, kind, v).y, 1e-4), 1e-4, 1e-4, `dx vs finite differences ${name}`);
          });
        }
      }
    }
  }

  it('max pooling: ties go to the first cell in (row, column) order, NaN is skipped, all -∞ gives index -1, inside windows (4-lane fast path) and not', () => {
    // One 2×2 window over a 2×2 image; channels: ties, all -∞, NaN among numbers, equal maxima after -0 / 0.
    const cells = [[1, -Infinity, NaN, 0], [1, -Infinity, 2, -0], [1, -Infinity, NaN, 5], [1, -Infinity, 3, 5]];
    const want = { y: [1, -Infinity, 3, 5], cell: [0, -1, 3, 2] };
    for (const c of [4, 5]) { // c = 5: not a multiple of 4, the general loop
      const g = poolGeometry([2, 2, c], { poolSize: [2, 2] });
      const x = new Float32Array(4 * c);
      cells.forEach((v, cell) => v.forEach((value, ch) => (x[cell * c + ch] = value)));
      const r = runPool(E.base, g, 1, 'max', x, new Float32Array(c));
      expect(Array.from(r.y.subarray(0, 4)), `c = ${c}`).toEqual(want.y);
      expect(Array.from(r.idx.subarray(0, 4)), `c = ${c}`).toEqual(want.cell.map((cell, ch) => (cell < 0 ? -1 : cell * c + ch)));
    }
  });

  it("'same' average pooling divides by the count of valid cells (Keras), not the window size", () => {
    const g = poolGeometry([3, 3, 1], { poolSize: [2, 2], strides: [2, 2], padding: 'same' });
    const r = runPool(E.base, g, 1, 'avg', Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), new Float32Array(4));
    // Windows: {1,2,4,5}, {3,6}, {7,8}, {9}.
    expect(Array.from(r.y)).toEqual([3, 4.5, 7.5, 9]);
  });

  it('global pooling is the window of the whole input', () => {
    for (const kind of ['max', 'avg'] as const) {
      const g = globalPoolGeometry([5, 6, 7]);
      expect([g.oh, g.ow, g.co]).toEqual([1, 1, 7]);
      const n = 3, x = distinct(inSize(g, n), 2), dy = randomArray(outSize(g, n), 3);
      const r = runPool(E.base, g, n, kind, x, dy);
      for (let b = 0; b < n; b++) {
        for (let c = 0; c < 7; c++) {
          const vals = Array.from({ length: 30 }, (_, p) => x[(b * 30 + p) * 7 + c]);
          const want = kind === 'max' ? Math.max(...vals) : vals.reduce((s, v) => s + v, 0) / 30;
          expect(Math.abs(r.y[b * 7 + c] - want)).toBeLessThan(1e-6);
        }
      }
      expectClose(r.dx, fdGrad(x, dy, (v) => poolRef(g, n, kind, v).y, 1e-4), 1e-4, 1e-4, `global ${kind} dx`);
    }
  });

  it('refuses a pool window larger than a valid input', () => {
    expect(() => poolGeometry([2, 5, 1], { poolSize: [3, 3] })).toThrow(ValueError);
  });
});

describe('pooling threads and builds', () => {
  for (const kind of ['max', 'avg'] as const) {
    for (const padding of ['valid', 'same'] as Padding[]) {
      it(`${kind} ${padding}: 1 and 2 threads, baseline and threads builds give the same bits`, () => {
        expect(E.two.info().threads).toBe(2);
        const g = poolGeometry([26, 26, 32], { poolSize: [3, 3], strides: [2, 2], padding });
        const n = 8, x = randomArray(inSize(g, n), 7), dy = randomArray(outSize(g, n), 8);
        const want = runPool(E.one, g, n, kind, x, dy);
        for (const e of [E.two, E.base]) {
          const r = runPool(e, g, n, kind, x, dy);
          sameBits(r.y, want.y, 'y');
          sameBits(r.dx, want.dx, 'dx');
        }
      });
    }
  }
});
