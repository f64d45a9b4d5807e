// Nearest upsampling and zero padding kernels (assembly/spatial.ts) through src/engine/conv.ts:
// forward against an f64 twin (exact), backward against the twin's transpose and central finite
// differences, odd sizes and channel counts around the 4-lane tiles; 1 and 2 threads, both builds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convPass, spatialBackward, spatialForward } from '../../src/engine/conv.js';
import { type Geometry, upsampleGeometry, zeroPadGeometry } from '../../src/engine/conv-plan.js';
import type { Engine } from '../../src/engine/engine.js';
import { expectClose, randomArray } from '../helpers/wasm.js';
import { descOf, engineOn, fdGrad, inSize, outSize, put, sameBits } from './spatial-ref.js';

let base: Engine;
let one: Engine;
let two: Engine;
beforeAll(async () => {
  base = engineOn('dendrite.wasm');
  one = engineOn('dendrite-threads.wasm');
  two = engineOn('dendrite-threads.wasm');
  await two.setThreads(2);
});
afterAll(async () => {
  await two.setThreads(1);
});

type Kind = 'upsample' | 'zeropad';

function run(e: Engine, g: Geometry, kind: Kind, n: number, x: Float32Array, dy: Float32Array) {
  const p = convPass(g, descOf(e, g), n);
  const px = put(e, x), pdy = put(e, dy), py = e.allocFloats(outSize(g, n)), pdx = e.allocFloats(inSize(g, n));
  // Garbage in the outputs: the kernels must write every element.
  e.writeF32(py, new Float32Array(outSize(g, n)).fill(Number.NaN));
  e.writeF32(pdx, new Float32Array(inSize(g, n)).fill(Number.NaN));
  spatialForward(e, p, kind, py, px, n);
  spatialBackward(e, p, kind, pdx, pdy, n);
  const r = { y: e.readF32(py, outSize(g, n)), dx: e.readF32(pdx, inSize(g, n)) };
  for (const ptr of [p.desc, px, pdy, py, pdx]) e.release(ptr);
  return r;
}

/** f64 twin: y[b, i, j, c] = x at the source pixel src(i, j), or 0; and its transpose for dy. */
function twin(g: Geometry, n: number, src: (i: number, j: number) => [number, number] | null) {
  const forward = (x: ArrayLike<number>) => {
    const y = new Float64Array(outSize(g, n));
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < g.oh; i++) {
        for (let j = 0; j < g.ow; j++) {
          const s = src(i, j);
          for (let c = 0; c < g.c; c++) y[((b * g.oh + i) * g.ow + j) * g.c + c] = s ? x[((b * g.h + s[0]) * g.w + s[1]) * g.c + c] : 0;
        }
      }
    }
    return y;
  };
  const backward = (dy: ArrayLike<number>) => {
    const dx = new Float64Array(inSize(g, n));
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < g.oh; i++) {
        for (let j = 0; j < g.ow; j++) {
          const s = src(i, j);
          if (!s) continue;
          for (let c = 0; c < g.c; c++) dx[((b * g.h + s[0]) * g.w + s[1]) * g.c + c] += dy[((b * g.oh + i) * g.ow + j) * g.c + c];
        }
      }
    }
    return dx;
  };
  return { forward, backward };
}

describe('upsampling (nearest) and zero padding against the f64 twin', () => {
  for (const [h, w, c] of [[3, 4, 1], [2, 5, 4], [4, 3, 7], [1, 1, 9], [5, 3, 5]]) {
    for (const size of [[2, 2], [1, 3], [3, 2], [1, 1]] as [number, number][]) {
      it(`upsampling [${h}, ${w}, ${c}] by ${size}`, () => {
        const g = upsampleGeometry([h, w, c], size), n = 3;
        const x = randomArray(inSize(g, n), 1), dy = randomArray(outSize(g, n), 2);
        const r = run(base, g, 'upsample', n, x, dy);
        const t = twin(g, n, (i, j) => [Math.floor(i / size[0]), Math.floor(j / size[1])]);
        expectClose(r.y, t.forward(x), 0, 0, 'y');
        expectClose(r.dx, t.backward(dy), 1e-6, 1e-6, 'dx');
        expectClose(r.dx, fdGrad(x, dy, t.forward, 1e-3), 1e-5, 1e-5, 'dx vs finite differences');
      });
    }
    for (const pad of [[[1, 2], [0, 3]], [[0, 0], [0, 0]], [[3, 0], [2, 1]]] as [[number, number], [number, number]][]) {
      it(`zero padding [${h}, ${w}, ${c}] by ${JSON.stringify(pad)}`, () => {
        const g = zeroPadGeometry([h, w, c], pad), n = 3;
        const [[pt], [pl]] = pad;
        const x = randomArray(inSize(g, n), 3), dy = randomArray(outSize(g, n), 4);
        const r = run(base, g, 'zeropad', n, x, dy);
        const t = twin(g, n, (i, j) => (i >= pt && i < pt + h && j >= pl && j < pl + w ? [i - pt, j - pl] : null));
        expectClose(r.y, t.forward(x), 0, 0, 'y');
        expectClose(r.dx, t.backward(dy), 0, 0, 'dx');
        expectClose(r.dx, fdGrad(x, dy, t.forward, 1e-3), 1e-5, 1e-5, 'dx vs finite differences');
      });
    }
  }

  it('1 and 2 threads, baseline and threads builds give the same bits', () => {
    expect(two.info().threads).toBe(2);
    const n = 17;
    const cases = [[upsampleGeometry([19, 21, 7], [2, 3]), 'upsample'], [zeroPadGeometry([23, 25, 5], [[2, 1], [1, 3]]), 'zeropad']] as const;
    for (const [g, kind] of cases) {
      const x = randomArray(inSize(g, n), 5), dy = randomArray(outSize(g, n), 6);
      const want = run(one, g, kind, n, x, dy);
      for (const e of [two, base]) {
        const r = run(e, g, kind, n, x, dy);
        sameBits(r.y, want.y, `${kind} y`);
        sameBits(r.dx, want.dx, `${kind} dx`);
      }
    }
  });
});
