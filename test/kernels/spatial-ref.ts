// Plain TypeScript twins (f64) of the spatial kernels, written from the definitions (NHWC, kernel
// (kh, kw, in, out), TF padding), plus an engine harness for calling the kernels through src/engine/conv.ts.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { type Geometry, writeDesc } from '../../src/engine/conv-plan.js';
import { Engine } from '../../src/engine/engine.js';
import '../../src/engine/threads/enable.js'; // worker threads for the 2-thread engines

/**
 * Every (output element, input element, weight element) triple of a convolution (depthwise when
 * g.dm is set and depthwise = true): forward is y[yi] += x[xi]·w[wi], its adjoints follow.
 */
export function forEachTap(g: Geometry, n: number, depthwise: boolean, f: (yi: number, xi: number, wi: number) => void): void {
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < g.oh; o++) {
      for (let j = 0; j < g.ow; j++) {
        for (let ki = 0; ki < g.kh; ki++) {
          const ih = o * g.sh - g.pt + ki * g.dh;
          if (ih < 0 || ih >= g.h) continue;
          for (let kj = 0; kj < g.kw; kj++) {
            const iw = j * g.sw - g.pl + kj * g.dw;
            if (iw < 0 || iw >= g.w) continue;
            const yBase = ((b * g.oh + o) * g.ow + j) * g.co, xBase = ((b * g.h + ih) * g.w + iw) * g.c;
            if (depthwise) {
              for (let q = 0; q < g.co; q++) f(yBase + q, xBase + Math.floor(q / g.dm), (ki * g.kw + kj) * g.co + q);
            } else {
              for (let ci = 0; ci < g.c; ci++) {
                for (let co = 0; co < g.co; co++) f(yBase + co, xBase + ci, ((ki * g.kw + kj) * g.c + ci) * g.co + co);
              }
            }
          }
        }
      }
    }
  }
}

export const outSize = (g: Geometry, n: number) => n * g.oh * g.ow * g.co;
export const inSize = (g: Geometry, n: number) => n * g.h * g.w * g.c;
export const weightSize = (g: Geometry, depthwise: boolean) => g.kh * g.kw * (depthwise ? g.co : g.c * g.co);

export function convRef(g: Geometry, n: number, depthwise: boolean, x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | null, relu: boolean): Float64Array {
  const y = new Float64Array(outSize(g, n));
  forEachTap(g, n, depthwise, (yi, xi, wi) => (y[yi] += x[xi] * w[wi]));
  for (let i = 0; i < y.length; i++) {
    if (bias) y[i] += bias[i % g.co];
    if (relu) y[i] = Math.max(y[i], 0);
  }
  return y;
}

export function convBackInputRef(g: Geometry, n: number, depthwise: boolean, dy: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(inSize(g, n));
  forEachTap(g, n, depthwise, (yi, xi, wi) => (dx[xi] += dy[yi] * w[wi]));
  return dx;
}

export function convBackFilterRef(g: Geometry, n: number, depthwise: boolean, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dw = new Float64Array(weightSize(g, depthwise));
  forEachTap(g, n, depthwise, (yi, xi, wi) => (dw[wi] += x[xi] * dy[yi]));
  return dw;
}

/** Pooling forward (max: first maximum in window order, with its index in the image). */
export function poolRef(g: Geometry, n: number, kind: 'max' | 'avg', x: ArrayLike<number>): { y: Float64Array; idx: Int32Array } {
  const y = new Float64Array(outSize(g, n)), idx = new Int32Array(y.length).fill(-1);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < g.oh; o++) {
      for (let j = 0; j < g.ow; j++) {
        for (let c = 0; c < g.c; c++) {
          const yi = ((b * g.oh + o) * g.ow + j) * g.c + c;
          let s = 0, cnt = 0, best = -Infinity, at = -1;
          for (let ki = 0; ki < g.kh; ki++) {
            const ih = o * g.sh - g.pt + ki;
            if (ih < 0 || ih >= g.h) continue;
            for (let kj = 0; kj < g.kw; kj++) {
              const iw = j * g.sw - g.pl + kj;
              if (iw < 0 || iw >= g.w) continue;
              const e = (ih * g.w + iw) * g.c + c, v = x[b * g.h * g.w * g.c + e];
              s += v;
              cnt++;
              if (at < 0 || v > best) {
                best = v;
                at = e;
              }
            }
          }
          y[yi] = kind === 'max' ? best : s / cnt;
          idx[yi] = at;
        }
      }
    }
  }
  return { y, idx };
}

/** Σ dy·pool(x) differentiated by the chain rule through poolRef's window sums / maxima. */
export function poolBackRef(g: Geometry, n: number, kind: 'max' | 'avg', x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(inSize(g, n));
  const { idx } = poolRef(g, n, kind, x);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < g.oh; o++) {
      for (let j = 0; j < g.ow; j++) {
        for (let c = 0; c < g.c; c++) {
          const yi = ((b * g.oh + o) * g.ow + j) * g.c + c, base = b * g.h * g.w * g.c;
          if (kind === 'max') {
            dx[base + idx[yi]] += dy[yi];
            continue;
          }
          const cells: number[] = [];
          for (let ki = 0; ki < g.kh; ki++) {
            for (let kj = 0; kj < g.kw; kj++) {
              const ih = o * g.sh - g.pt + ki, iw = j * g.sw - g.pl + kj;
              if (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) cells.push(base + (ih * g.w + iw) * g.c + c);
            }
          }
          for (const e of cells) dx[e] += dy[yi] / cells.length;
        }
      }
    }
  }
  return dx;
}

/** Central finite differences of Σ dy·f(v) with respect to v (f computed in f64). */
export function fdGrad(v: ArrayLike<number>, dy: ArrayLike<number>, f: (v: Float64Array) => ArrayLike<number>, step = 1e-3): Float64Array {
  const base = Float64Array.from(v);
  const g = new Float64Array(base.length);
  const dot = (y: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * dy[i];
    return s;
  };
  for (let i = 0; i < base.length; i++) {
    const keep = base[i];
    base[i] = keep + step;
    const up = dot(f(base));
    base[i] = keep - step;
    const down = dot(f(base));
    base[i] = keep;
    g[i] = (up - down) / (2 * step);
  }
  return g;
}

/** The engines the tests compare: baseline build; threads build on 1 and on 2 threads (always split). */
export interface Engines { base: Engine; one: Engine; two: Engine }

/** Engines set up before the calling file's tests (and the 2-thread one stopped after them). */
export function useEngines(): Engines {
  const e = {} as Engines;
  beforeAll(async () => {
    e.base = engineOn('dendrite.wasm');
    e.one = engineOn('dendrite-threads.wasm');
    e.two = engineOn('dendrite-threads.wasm');
    await e.two.setThreads(2);
  });
  afterAll(async () => {
    await e.two.setThreads(1);
  });
  return e;
}

/** An engine on a built module (adaptive threads off: a 2-thread engine always splits). */
export function engineOn(file: string): Engine {
  return new Engine(new WebAssembly.Module(readFileSync(new URL(`../../build/${file}`, import.meta.url))), { adaptiveThreads: false });
}

export function put(e: Engine, values: ArrayLike<number>): number {
  const p = e.allocFloats(Math.max(values.length, 1));
  e.writeF32(p, values);
  return p;
}

export function descOf(e: Engine, g: Geometry): number {
  const p = e.alloc(64);
  writeDesc(e.i32, p, g);
  return p;
}

/** Bit-exact comparison, reporting the first element that differs. */
export function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: length ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`${what}: element ${i}: ${a[i]} vs ${b[i]}`);
}

/**
 * |got − ref| within `ulps` ulps of each element's scale (an f64 reference computed on |x| and |w|
 * bounds every term that was rounded): for sums whose rounding order differs from the reference's,
 * such as Winograd's. A wrong transform or a missed term is off by about the value itself.
 */
export function withinScale(got: ArrayLike<number>, ref: ArrayLike<number>, scale: ArrayLike<number>, what: string, ulps = 8): void {
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i] - ref[i]) <= ulps * 2 ** -23 * scale[i])) throw new Error(`${what}: element ${i}: ${got[i]} vs f64 ${ref[i]} (scale ${scale[i]})`);
  }
}
