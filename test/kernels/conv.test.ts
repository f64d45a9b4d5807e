// Convolution kernels (assembly/conv.ts, depthwise.ts) through src/engine/conv.ts: forward (im2col +
// GEMM, in one or several batch tiles), input and filter gradients against f64 twins over sizes
// around the tiles, every padding × stride × dilation; gradients against central finite differences
// of the forward; bit-identical on 1 and 2 threads and on the baseline and threads builds.
import { describe, expect, it } from 'vitest';
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, convPass, convScratchBytes, depthwiseBackward, depthwiseForward } from '../../src/engine/conv.js';
import { type Geometry, type Padding, axis, colScratchBytes, conv1dGeometry, convGeometry, depthwiseGeometry } from '../../src/engine/conv-plan.js';
import type { Engine } from '../../src/engine/engine.js';
import { RELU } from '../../src/engine/kernels.js';
import { ValueError } from '../../src/errors.js';
import { expectClose, randomArray } from '../helpers/wasm.js';
import {
  convBackFilterRef, convBackInputRef, convRef, descOf, fdGrad, inSize, outSize, put, sameBits, useEngines, weightSize,
} from './spatial-ref.js';

const E = useEngines();

type Shape = [h: number, w: number, c: number, co: number, kh: number, kw: number, n: number];
const COMBOS: [Padding, [number, number], [number, number]][] = [];
for (const padding of ['valid', 'same'] as const) {
  for (const [s, d] of [[[1, 1], [1, 1]], [[2, 2], [1, 1]], [[3, 3], [1, 1]], [[2, 1], [1, 1]], [[1, 1], [2, 2]], [[1, 1], [1, 3]]] as [[number, number], [number, number]][]) COMBOS.push([padding, s, d]);
}

interface Result { y: Float32Array; dx: Float32Array; dw: Float32Array; db: Float32Array }

/** Forward, dX and dW (+ db) of one convolution on engine e; `tile` overrides the plan's. */
function runConv(e: Engine, g: Geometry, n: number, x: Float32Array, w: Float32Array, bias: Float32Array, dy: Float32Array, o: { tile?: number; relu?: boolean } = {}): Result {
  const desc = descOf(e, g);
  const p = { ...convPass(g, desc, n), ...(o.tile ? { tile: o.tile } : {}) };
  const pack = e.alloc(e.k.gemm_pack_bytes(1 << 20, 1 << 20, 1 << 20));
  const col = e.alloc(Math.max(64, p.tile * g.oh * g.ow * g.kh * g.kw * g.c * 4, convScratchBytes(e, g)));
  const px = put(e, x), pw = put(e, w), pb = put(e, bias), pdy = put(e, dy);
  const py = e.allocFloats(outSize(g, n)), pdx = e.allocFloats(inSize(g, n)), pdw = e.allocFloats(w.length), pdb = e.allocFloats(g.co);
  conv2dForward(e, p, py, px, pw, pb, n, o.relu ? RELU : 0, col, pack);
  conv2dBackwardInput(e, p, pdx, pdy, pw, n, col, pack);
  conv2dBackwardFilter(e, p, pdw, pdb, px, pdy, n, 0, col, pack);
  const r = { y: e.readF32(py, outSize(g, n)), dx: e.readF32(pdx, inSize(g, n)), dw: e.readF32(pdw, w.length), db: e.readF32(pdb, g.co) };
  for (const ptr of [desc, pack, col, px, pw, pb, pdy, py, pdx, pdw, pdb]) e.release(ptr);
  return r;
}

function data(g: Geometry, n: number, seed: number, depthwise = false) {
  return {
    x: randomArray(inSize(g, n), seed),
    w: randomArray(weightSize(g, depthwise), seed + 1),
    bias: randomArray(g.co, seed + 2),
    dy: randomArray(outSize(g, n), seed + 3),
  };
}

const geometry = ([h, w, c, co, kh, kw]: Shape, padding: Padding, strides: [number, number], dilationRate: [number, number]) =>
  convGeometry([h, w, c], { filters: co, kernelSize: [kh, kw], strides, dilationRate, padding });

describe('conv-plan', () => {
  it('computes Keras / TF output sizes and same-padding splits (odd extra on the bottom/right)', () => {
    expect(axis(28, 3, 1, 1, 'valid')).toEqual({ out: 26, before: 0, after: 0 });
    expect(axis(28, 3, 1, 1, 'same')).toEqual({ out: 28, before: 1, after: 1 });
    expect(axis(28, 4, 1, 1, 'same')).toEqual({ out: 28, before: 1, after: 2 });
    expect(axis(7, 3, 2, 1, 'same')).toEqual({ out: 4, before: 1, after: 1 });
    expect(axis(8, 3, 2, 1, 'same')).toEqual({ out: 4, before: 0, after: 1 });
    expect(axis(10, 3, 1, 2, 'valid')).toEqual({ out: 6, before: 0, after: 0 });
    expect(axis(10, 3, 1, 2, 'same')).toEqual({ out: 10, before: 2, after: 2 });
    const g = convGeometry([13, 13, 32], { filters: 64, kernelSize: [3, 3] });
    expect([g.oh, g.ow, g.co]).toEqual([11, 11, 64]);
    expect(conv1dGeometry([20, 3], { filters: 5, kernelSize: 4, strides: 2, padding: 'same' })).toMatchObject({ h: 1, w: 20, oh: 1, ow: 10, pl: 1, pr: 1 });
    expect(depthwiseGeometry([9, 9, 3], { kernelSize: [3, 3], depthMultiplier: 2 }).co).toBe(6);
  });

  it('bounds the im2col scratch by tiling the batch (the tutorial CNN at batch 128 stays ≤ 2 MiB)', () => {
    const g = convGeometry([13, 13, 32], { filters: 64, kernelSize: [3, 3] });
    expect(colScratchBytes(g, 128)).toBeLessThanOrEqual(2 << 20);
    expect(colScratchBytes(g, 128)).toBeGreaterThan(0);
    expect(colScratchBytes(convGeometry([4, 4, 8], { filters: 3, kernelSize: [1, 1] }), 128)).toBe(0); // pointwise: x is the column matrix
  });

  it('refuses impossible geometries with a ValueError naming the values', () => {
    expect(() => convGeometry([2, 2, 1], { filters: 1, kernelSize: [3, 3] })).toThrow(ValueError);
    expect(() => convGeometry([2, 2, 1], { filters: 1, kernelSize: [3, 3] })).toThrow(/smaller than the window \[3, 3\]/);
    expect(() => convGeometry([9, 9, 1], { filters: 1, kernelSize: [3, 3], strides: [2, 2], dilationRate: [2, 2] })).toThrow(/strides > 1 with a dilation rate > 1/);
    expect(() => convGeometry([9, 9, 1], { filters: 1, kernelSize: [0, 3] })).toThrow(/kernel size must be a positive integer, got 0/);
  });
});

describe('conv2d forward, dX, dW against the f64 twin', () => {
  const SHAPES: Shape[] = [
    [5, 7, 1, 8, 3, 3, 3], [6, 6, 3, 5, 2, 3, 2], [9, 8, 5, 9, 3, 3, 2], [4, 5, 8, 16, 1, 1, 3],
    [7, 11, 4, 17, 5, 2, 2], [1, 13, 6, 4, 1, 3, 3], [8, 8, 9, 33, 3, 3, 2], [5, 5, 32, 7, 3, 3, 2],
  ];
  for (const shape of SHAPES) {
    for (const [padding, s, d] of COMBOS) {
      const name = `[${shape}] ${padding} strides ${s} dilation ${d}`;
      it(name, () => {
        let g: Geometry;
        try {
          g = geometry(shape, padding, s, d);
        } catch (e) {
          expect(e).toBeInstanceOf(ValueError); // window larger than the input: refused
          return;
        }
        const n = shape[6];
        const { x, w, bias, dy } = data(g, n, shape[0] * 7 + shape[3]);
        const K = g.kh * g.kw * g.c, tol = 2e-6 * K + 1e-5;
        for (const relu of [false, true]) {
          for (const tile of [1, 0]) {
            const r = runConv(E.base, g, n, x, w, bias, dy, { tile, relu });
            expectClose(r.y, convRef(g, n, false, x, w, bias, relu), tol, 1e-5, `y relu=${relu} tile=${tile} ${name}`);
            expectClose(r.dx, convBackInputRef(g, n, false, dy, w), tol, 1e-5, `dx ${name}`);
            expectClose(r.dw, convBackFilterRef(g, n, false, x, dy), 2e-6 * n * g.oh * g.ow + 1e-5, 1e-5, `dw ${name}`);
            const db = new Float64Array(g.co);
            for (let i = 0; i < dy.length; i++) db[i % g.co] += dy[i];
            expectClose(r.db, db, 1e-4, 1e-5, `db ${name}`);
          }
        }
      });
    }
  }
});

describe('conv2d gradients against central finite differences of the forward', () => {
  for (const [padding, s, d] of COMBOS) {
    it(`${padding} strides ${s} dilation ${d}`, () => {
      const g = geometry([6, 5, 2, 3, 3, 2, 0], padding, s, d);
      const n = 2;
      const { x, w, dy } = data(g, n, 11);
      const r = runConv(E.base, g, n, x, w, new Float32Array(g.co), dy);
      expectClose(r.dx, fdGrad(x, dy, (v) => convRef(g, n, false, v, w, null, false)), 1e-4, 1e-4, 'dx vs finite differences');
      expectClose(r.dw, fdGrad(w, dy, (v) => convRef(g, n, false, x, v, null, false)), 1e-4, 1e-4, 'dw vs finite differences');
    });
  }
});

describe('conv2d threads and builds', () => {
  it('really runs 2 threads', () => {
    expect(E.two.info().threads).toBe(2);
  });
  const SHAPES: Shape[] = [[24, 24, 1, 16, 3, 3, 8], [24, 22, 6, 20, 3, 3, 8], [16, 16, 8, 16, 1, 1, 8]];
  for (const shape of SHAPES) {
    for (const [padding, s, d] of COMBOS) {
      it(`1 and 2 threads, baseline and threads builds give the same bits: [${shape}] ${padding} strides ${s} dilation ${d}`, () => {
        const g = geometry(shape, padding, s, d);
        const n = shape[6];
        const { x, w, bias, dy } = data(g, n, 3);
        const ref = runConv(E.one, g, n, x, w, bias, dy, { tile: 3 });
        for (const [e, what] of [[E.two, '2 threads'], [E.base, 'baseline build']] as const) {
          const r = runConv(e, g, n, x, w, bias, dy, { tile: 3 });
          for (const k of ['y', 'dx', 'dw', 'db'] as const) sameBits(r[k], ref[k], `${k} ${what}`);
        }
      });
    }
  }
});

describe('depthwise conv2d', () => {
  function runDepthwise(e: Engine, g: Geometry, n: number, x: Float32Array, w: Float32Array, bias: Float32Array, dy: Float32Array, relu: boolean) {
    const desc = descOf(e, g);
    const p = convPass(g, desc, n);
    const px = put(e, x), pw = put(e, w), pb = put(e, bias), pdy = put(e, dy);
    const py = e.allocFloats(outSize(g, n)), pdx = e.allocFloats(inSize(g, n)), pdw = e.allocFloats(w.length), pdb = e.allocFloats(g.co);
    depthwiseForward(e, p, py, px, pw, pb, n, relu ? RELU : 0);
    depthwiseBackward(e, p, pdx, pdw, pdb, px, pdy, pw, n);
    const r = { y: e.readF32(py, outSize(g, n)), dx: e.readF32(pdx, inSize(g, n)), dw: e.readF32(pdw, w.length), db: e.readF32(pdb, g.co) };
    for (const ptr of [desc, px, pw, pb, pdy, py, pdx, pdw, pdb]) e.release(ptr);
    return r;
  }
  const SHAPES: [h: number, w: number, c: number, dm: number, kh: number, kw: number, n: number][] = [
    [5, 7, 1, 1, 3, 3, 2], [6, 6, 3, 2, 2, 3, 2], [9, 8, 8, 1, 3, 3, 2], [7, 5, 5, 3, 3, 1, 2], [4, 9, 12, 1, 5, 5, 3],
  ];
  for (const [h, wd, c, dm, kh, kw, n] of SHAPES) {
    for (const [padding, s, d] of COMBOS) {
      const name = `[${h}, ${wd}, ${c}] dm ${dm} kernel ${kh}×${kw} ${padding} strides ${s} dilation ${d}`;
      it(name, () => {
        let g: Geometry;
        try {
          g = depthwiseGeometry([h, wd, c], { kernelSize: [kh, kw], depthMultiplier: dm, strides: s, dilationRate: d, padding });
        } catch (e) {
          expect(e).toBeInstanceOf(ValueError);
          return;
        }
        const { x, w, bias, dy } = data(g, n, h * 5 + c, true);
        const r = runDepthwise(E.base, g, n, x, w, bias, dy, true);
        expectClose(r.y, convRef(g, n, true, x, w, bias, true), 1e-5, 1e-5, `y ${name}`);
        expectClose(r.dx, convBackInputRef(g, n, true, dy, w), 1e-5, 1e-5, `dx ${name}`);
        expectClose(r.dw, convBackFilterRef(g, n, true, x, dy), 1e-4, 1e-5, `dw ${name}`);
        const small = data(g, n, 4, true);
        const fd = runDepthwise(E.base, g, n, small.x, small.w, small.bias, small.dy, false);
        expectClose(fd.dx, fdGrad(small.x, small.dy, (v) => convRef(g, n, true, v, small.w, null, false)), 1e-4, 1e-4, `dx vs finite differences ${name}`);
        expectClose(fd.dw, fdGrad(small.w, small.dy, (v) => convRef(g, n, true, small.x, v, null, false)), 1e-4, 1e-4, `dw vs finite differences ${name}`);
      });
    }
  }

  it('1 and 2 threads, baseline and threads builds give the same bits', () => {
    for (const dm of [1, 2]) {
      const g = depthwiseGeometry([20, 18, 12], { kernelSize: [3, 3], depthMultiplier: dm, padding: 'same' });
      const n = 8;
      const { x, w, bias, dy } = data(g, n, 9, true);
      const ref = runDepthwise(E.one, g, n, x, w, bias, dy, true);
      for (const e of [E.two, E.base]) {
        const r = runDepthwise(e, g, n, x, w, bias, dy, true);
        for (const k of ['y', 'dx', 'dw', 'db'] as const) sameBits(r[k], ref[k], `${k} dm ${dm}`);
      }
    }
  });
});
