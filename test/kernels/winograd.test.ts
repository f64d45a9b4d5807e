// The Winograd F(2×2, 3×3) forward pass (assembly/winograd.ts conv_winograd_forward, through
// src/engine/conv.ts conv2dForward) of 3×3 stride-1 convolutions: against the f64 twin (convRef)
// within a few ulps of each output's scale, over 'valid' and 'same' padding, odd and even output
// sizes (a last odd row or column comes from a whole tile), border patches, channel counts around
// the 4-lane transforms and the 8-column panels, tiles per call around the block (8) and the register
// tile (4); bias and relu; the same bits on 1 and 2 threads, on the threads build, and for any cut
// of the tile rows. Which convolutions take it (conv-plan.ts winograd).
import { describe, expect, it } from 'vitest';
import { conv2dForward, convPass, convScratchBytes } from '../../src/engine/conv.js';
import { type Geometry, type Padding, convGeometry, winograd } from '../../src/engine/conv-plan.js';
import type { Engine } from '../../src/engine/engine.js';
import { RELU } from '../../src/engine/kernels.js';
import { randomArray } from '../helpers/wasm.js';
import { convRef, descOf, inSize, outSize, put, sameBits, useEngines, weightSize, withinScale } from './spatial-ref.js';

const E = useEngines();

/** [h, w, c, filters, images] */
type Case = [h: number, w: number, c: number, co: number, n: number];
const CASES: Case[] = [
  [13, 13, 32, 64, 2], // the tutorial CNN's second convolution ('valid': 11×11, a last odd row and column)
  [8, 8, 8, 8, 1], [7, 9, 12, 24, 3], [5, 6, 16, 16, 2], [4, 4, 20, 40, 1], [3, 3, 8, 16, 4],
  [10, 3, 8, 8, 2], [1, 7, 8, 8, 2], [2, 2, 28, 8, 3],
];

function run(e: Engine, g: Geometry, n: number, x: Float32Array, w: Float32Array, bias: Float32Array | null, relu: boolean): Float32Array {
  const p = convPass(g, descOf(e, g), n);
  const col = e.alloc(convScratchBytes(e, g)), px = put(e, x), pw = put(e, w), pb = bias ? put(e, bias) : 0;
  const size = outSize(g, n), py = e.allocFloats(size + 1);
  e.f32[(py >>> 2) + size] = 12345; // a guard just past the output
  conv2dForward(e, p, py, px, pw, pb, n, relu ? RELU : 0, col, 0);
  expect(e.f32[(py >>> 2) + size]).toBe(12345);
  const y = e.readF32(py, size);
  for (const q of [p.desc, col, px, pw, pb, py]) e.release(q);
  return y;
}

/** Against the f64 twin, within a few ulps of each output's scale. */
function close(g: Geometry, n: number, x: Float32Array, w: Float32Array, bias: Float32Array | null, relu: boolean, got: Float32Array, what: string): void {
  const abs = (a: Float32Array) => a.map(Math.abs);
  withinScale(got, convRef(g, n, false, x, w, bias, relu), convRef(g, n, false, abs(x), abs(w), bias && abs(bias), false), what);
}

const geometryOf = ([h, w, c, co]: Case, padding: Padding) => convGeometry([h, w, c], { filters: co, kernelSize: [3, 3], padding });

describe('Winograd F(2×2, 3×3) forward pass', () => {
  for (const c of CASES) {
    for (const padding of ['valid', 'same'] as Padding[]) {
      if (padding === 'valid' && (c[0] < 3 || c[1] < 3)) continue; // smaller than the window: refused
      const g = geometryOf(c, padding);
      it(`[${c}] ${padding} (${g.oh}×${g.ow} outputs) against the f64 twin, with and without bias and relu`, () => {
        expect(winograd(g)).toBe(true);
        const n = c[4], x = randomArray(inSize(g, n), c[0] * 7 + c[2]), w = randomArray(weightSize(g, false), c[3]), bias = randomArray(g.co, 3);
        for (const [b, relu] of [[bias, true], [bias, false], [null, false]] as const) close(g, n, x, w, b, relu, run(E.base, g, n, x, w, b, relu), `bias=${!!b} relu=${relu}`);
      });
    }
  }

  it('gives the same bits on 1 and 2 threads and on the baseline and threads builds', () => {
    for (const [c, padding] of [[CASES[0], 'valid'], [CASES[2], 'same']] as const) {
      const g = geometryOf(c, padding), n = 5;
      const x = randomArray(inSize(g, n), 1), w = randomArray(weightSize(g, false), 2), bias = randomArray(g.co, 3);
      const ref = run(E.one, g, n, x, w, bias, true);
      for (const [e, what] of [[E.two, '2 threads'], [E.base, 'baseline build']] as const) sameBits(run(e, g, n, x, w, bias, true), ref, `[${c}] ${padding} ${what}`);
    }
  });

  it('any cut of the tile rows gives the same bits (tiles are blocked across rows and images)', () => {
    const e = E.base, g = geometryOf([7, 9, 12, 24, 3], 'same'), n = 3, tileRows = n * ((g.oh + 1) >> 1), size = outSize(g, n);
    const desc = descOf(e, g), wp = e.alloc(convScratchBytes(e, g)), own = wp + 64 * g.c * g.co + 4 * g.co;
    const px = put(e, randomArray(inSize(g, n), 4)), pw = put(e, randomArray(weightSize(g, false), 5)), pb = put(e, randomArray(g.co, 6));
    const py = e.allocFloats(size);
    e.k.conv_winograd_pack(wp, pw, pb, desc);
    e.k.conv_winograd_forward(py, px, wp, desc, RELU, own, 0, 0, 0, tileRows);
    const whole = e.readF32(py, size);
    for (let a = 1; a < tileRows; a++) {
      e.writeF32(py, new Float32Array(size).fill(NaN));
      e.k.conv_winograd_forward(py, px, wp, desc, RELU, own, 0, 0, a, tileRows - a); // tile rows are numbered from the first image
      e.k.conv_winograd_forward(py, px, wp, desc, RELU, own, 0, 0, 0, a);
      sameBits(e.readF32(py, size), whole, `tile rows cut at ${a}`);
    }
    for (const q of [desc, wp, px, pw, pb, py]) e.release(q);
  });

  it('takes 3×3, stride 1, undilated kernels with filters a multiple of 8 over 8 to 1024 channels (a multiple of 4), any padding', () => {
    const take = (c: number, o: Parameters<typeof convGeometry>[1] = {}) => winograd(convGeometry([12, 12, c], { filters: 8, kernelSize: [3, 3], ...o }));
    expect([8, 12, 32, 1024].map((c) => take(c))).toEqual([true, true, true, true]);
    expect([1, 3, 4, 10, 1028].map((c) => take(c))).toEqual([false, false, false, false, false]);
    expect(take(8, { padding: 'same' })).toBe(true);
    for (const o of [{ strides: [2, 2] }, { dilationRate: [2, 2] }, { kernelSize: [3, 2] }, { kernelSize: [5, 5] }, { filters: 12 }] as const) expect(take(8, o), JSON.stringify(o)).toBe(false);
  });
});
