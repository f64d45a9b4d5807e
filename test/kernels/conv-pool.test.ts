// The inference pass that fuses a convolution with the 2×2 max pooling after it (conv_pool_forward,
// and conv_pool_winograd for 3×3 stride-1 kernels over 8 or more channels, through
// src/engine/conv.ts): against the f64 twins (convRef then poolRef) over channel counts, kernel
// sizes, strides, dilations and inner sizes around the GEMM's k-block (K = 256); the direct pass bit
// for bit against the two passes it replaces (im2col + GEMM, then pool_forward), Winograd within its
// rounding; 1 and 2 threads, baseline and threads builds, any cut of the rows. Also which geometries
// each takes (fusesPool, winograd).
import { describe, expect, it } from 'vitest';
import { conv2dForward, conv2dPoolForward, convPass, convScratchBytes, poolForward } from '../../src/engine/conv.js';
import { type Geometry, convGeometry, fusesPool, poolGeometry, winograd } from '../../src/engine/conv-plan.js';
import type { Engine } from '../../src/engine/engine.js';
import { RELU } from '../../src/engine/kernels.js';
import { expectClose, randomArray } from '../helpers/wasm.js';
import { convRef, descOf, inSize, outSize, poolRef, put, sameBits, useEngines, weightSize, withinScale } from './spatial-ref.js';

const E = useEngines();

/** [h, w, c, filters, kh, kw, strides, dilation, images] */
type Case = [h: number, w: number, c: number, co: number, kh: number, kw: number, s: number, d: number, n: number];
const CASES: Case[] = [
  [28, 28, 1, 32, 3, 3, 1, 1, 2], // the tutorial CNN's first layer
  [13, 13, 32, 64, 3, 3, 1, 1, 2], // its second (K = 288: two k-blocks; odd output, last row and column dropped)
  [9, 10, 3, 8, 2, 3, 1, 1, 3], [8, 8, 5, 16, 3, 3, 2, 1, 2], [11, 9, 2, 24, 3, 2, 1, 2, 2],
  [6, 6, 28, 8, 3, 3, 1, 1, 1], // K = 252 (one block)
  [6, 6, 29, 8, 3, 3, 1, 1, 1], // K = 261 (just over)
  [7, 7, 57, 8, 3, 3, 1, 1, 1], // K = 513 (three blocks)
  [5, 5, 4, 40, 1, 1, 1, 1, 3], [4, 4, 7, 8, 3, 3, 1, 1, 2], // 1×1 kernel; a single pooled pixel
  // Winograd: one panel of 8 filters; 3 panels over 12 channels; windows per call not a multiple of
  // the block (8) or of the tile (4); a single window; blocks that span images.
  [10, 10, 8, 8, 3, 3, 1, 1, 3], [9, 11, 12, 24, 3, 3, 1, 1, 2], [7, 7, 16, 16, 3, 3, 1, 1, 3],
  [4, 4, 8, 8, 3, 3, 1, 1, 1], [16, 15, 20, 40, 3, 3, 1, 1, 1],
];

interface Run { fused: Float32Array; twoPass: Float32Array }

/** The fused pass and the two passes it replaces, on engine e. */
function run(e: Engine, g: Geometry, n: number, x: Float32Array, w: Float32Array, bias: Float32Array | null, relu: boolean): Run {
  const pg = poolGeometry([g.oh, g.ow, g.co], { poolSize: [2, 2] });
  const cp = convPass(g, descOf(e, g), n), pp = convPass(pg, descOf(e, pg), n);
  const pack = e.alloc(e.k.gemm_pack_bytes(1 << 20, 1 << 20, 1 << 20));
  const col = e.alloc(Math.max(64, cp.tile * g.oh * g.ow * g.kh * g.kw * g.c * 4, convScratchBytes(e, g)));
  const scratch = e.alloc(convScratchBytes(e, g));
  const px = put(e, x), pw = put(e, w), pb = bias ? put(e, bias) : 0;
  const pz = e.allocFloats(outSize(g, n)), py = e.allocFloats(outSize(pg, n)), idx = e.allocFloats(outSize(pg, n)), pf = e.allocFloats(outSize(pg, n) + 1);
  const flags = relu ? RELU : 0;
  conv2dForward(e, cp, pz, px, pw, pb, n, flags, col, pack);
  poolForward(e, pp, 'max', py, idx, pz, n);
  e.f32[(pf >>> 2) + outSize(pg, n)] = 12345; // a guard just past the output
  conv2dPoolForward(e, cp, pf, px, pw, pb, n, flags, scratch);
  expect(e.f32[(pf >>> 2) + outSize(pg, n)]).toBe(12345);
  const r = { fused: e.readF32(pf, outSize(pg, n)), twoPass: e.readF32(py, outSize(pg, n)) };
  for (const p of [cp.desc, pp.desc, pack, col, scratch, px, pw, pb, pz, py, idx, pf]) e.release(p);
  return r;
}

/** Winograd's pooled outputs against the f64 twin, within a few ulps of each window's scale. */
function winogradClose(g: Geometry, n: number, x: Float32Array, w: Float32Array, bias: Float32Array | null, got: Float32Array, ref: ArrayLike<number>, what: string): void {
  const pg = poolGeometry([g.oh, g.ow, g.co], { poolSize: [2, 2] }), abs = (a: Float32Array) => a.map(Math.abs);
  withinScale(got, ref, poolRef(pg, n, 'max', convRef(g, n, false, abs(x), abs(w), bias && abs(bias), false)).y, what);
}

const geometryOf = ([h, w, c, co, kh, kw, s, d]: Case) =>
  convGeometry([h, w, c], { filters: co, kernelSize: [kh, kw], strides: [s, s], dilationRate: [d, d] });

describe('conv + 2×2 max pooling in one pass (inference)', () => {
  for (const c of CASES) {
    const wino = winograd(geometryOf(c));
    it(`[${c}] against the f64 twin${wino ? ' (Winograd: within a few ulps)' : ''} and, bit for bit, the two passes`, () => {
      const g = geometryOf(c), n = c[8];
      const x = randomArray(inSize(g, n), c[0] + c[2]), w = randomArray(weightSize(g, false), c[3]), bias = randomArray(g.co, 5);
      const pg = poolGeometry([g.oh, g.ow, g.co], { poolSize: [2, 2] });
      expect(fusesPool(g, pg)).toBe(true);
      const K = g.kh * g.kw * g.c;
      for (const [b, relu] of [[bias, true], [bias, false], [null, true], [null, false]] as const) {
        const r = run(E.base, g, n, x, w, b, relu);
        const ref = poolRef(pg, n, 'max', convRef(g, n, false, x, w, b, relu)).y;
        expectClose(r.fused, ref, 2e-6 * K + 1e-5, 1e-5, `bias=${!!b} relu=${relu}`);
        sameBits(r.fused, r.twoPass, `fused vs two passes, bias=${!!b} relu=${relu}`);
        if (wino) winogradClose(g, n, x, w, b, r.fused, ref, `bias=${!!b} relu=${relu}`);
      }
    });
  }

  it('gives the same bits on 1 and 2 threads and on the baseline and threads builds', () => {
    for (const c of [CASES[0], CASES[1], CASES[7]]) {
      const g = geometryOf(c), n = 5;
      const x = randomArray(inSize(g, n), 1), w = randomArray(weightSize(g, false), 2), bias = randomArray(g.co, 3);
      const ref = run(E.one, g, n, x, w, bias, true).fused;
      for (const [e, what] of [[E.two, '2 threads'], [E.base, 'baseline build']] as const) sameBits(run(e, g, n, x, w, bias, true).fused, ref, `[${c}] ${what}`);
    }
  });

  it('Winograd: any cut of the rows gives the same bits (windows are blocked across rows and images)', () => {
    const e = E.base, g = geometryOf([9, 11, 12, 24, 3, 3, 1, 1, 3]), n = 3, rows = n * (g.oh >> 1);
    const size = outSize(poolGeometry([g.oh, g.ow, g.co], { poolSize: [2, 2] }), n);
    const desc = descOf(e, g), scratch = e.alloc(convScratchBytes(e, g)), own = scratch + 64 * g.c * g.co + 4 * g.co;
    const px = put(e, randomArray(inSize(g, n), 7)), pw = put(e, randomArray(weightSize(g, false), 8)), pb = put(e, randomArray(g.co, 9));
    const whole = e.allocFloats(size), cut = e.allocFloats(size);
    e.k.conv_winograd_pack(scratch, pw, pb, desc);
    e.k.conv_pool_winograd(whole, px, scratch, desc, RELU, own, 0, rows);
    const ref = e.readF32(whole, size);
    for (let a = 1; a < rows; a++) {
      e.writeF32(cut, new Float32Array(size).fill(NaN));
      e.k.conv_pool_winograd(cut, px, scratch, desc, RELU, own, 0, a);
      e.k.conv_pool_winograd(cut, px, scratch, desc, RELU, own, a, rows - a); // rows are numbered from the first image: y is the whole output
      sameBits(e.readF32(cut, size), ref, `rows cut at ${a}`);
    }
    for (const p of [desc, scratch, px, pw, pb, whole, cut]) e.release(p);
  });

  it('applies only to unpadded convolutions with filters a multiple of 8, then 2×2 windows, stride 2, valid', () => {
    const g = convGeometry([13, 13, 32], { filters: 64, kernelSize: [3, 3] });
    const pool = (o: Parameters<typeof poolGeometry>[1], shape = [g.oh, g.ow, g.co]) => poolGeometry(shape, o);
    expect(fusesPool(g, pool({ poolSize: [2, 2] }))).toBe(true);
    expect(fusesPool(g, pool({ poolSize: [3, 3] }))).toBe(false);
    expect(fusesPool(g, pool({ poolSize: [2, 2], strides: [1, 1] }))).toBe(false);
    expect(fusesPool(g, pool({ poolSize: [2, 2], padding: 'same' }))).toBe(false);
    const same = convGeometry([13, 13, 32], { filters: 64, kernelSize: [3, 3], padding: 'same' });
    expect(fusesPool(same, pool({ poolSize: [2, 2] }, [same.oh, same.ow, same.co]))).toBe(false);
    const odd = convGeometry([13, 13, 32], { filters: 12, kernelSize: [3, 3] });
    expect(fusesPool(odd, pool({ poolSize: [2, 2] }, [odd.oh, odd.ow, odd.co]))).toBe(false);
  });
});
