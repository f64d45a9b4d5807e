// Kernel threads over one shared memory (src/engine/threads/): work split over rows or output
// columns must give bit-identical results to one thread, for the GEMM layouts, the element-wise
// kernels and a whole training run; thread counts are capped at the cores; builds without shared
// memory stay single-threaded and say why; stopping the threads returns their memory.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { relaxedSimdAvailable } from '../../src/engine/builds.js';
import { adam, dense, getEngine, init, sequential, sgd } from '../../src/index.js';
import { randomArray } from '../helpers/wasm.js';

const build = (file: string) => new WebAssembly.Module(readFileSync(new URL(`../../build/${file}`, import.meta.url)));
const threadsModule = build('dendrite-threads.wasm');
const cores = availableParallelism();
const T = Math.min(cores, 2);

let one: Engine; // threads build, 1 thread
let two: Engine; // threads build, T threads

beforeAll(async () => {
  one = new Engine(threadsModule);
  two = new Engine(threadsModule, { adaptiveThreads: false }); // always split, however busy the machine
  await two.setThreads(2);
});
afterAll(async () => {
  await two.setThreads(1);
});

/** Copy values into fresh memory of engine e. */
function put(e: Engine, values: Float32Array): number {
  const p = e.allocFloats(values.length);
  e.writeF32(p, values);
  return p;
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`${what}: element ${i}: ${a[i]} (1 thread) vs ${b[i]} (${T} threads)`);
}

describe('thread pool', () => {
  it(`runs ${T} threads (capped at the ${cores} cores) and says so`, () => {
    const info = two.info();
    expect(info.sharedMemory).toBe(true);
    expect(info.threads).toBe(T);
    expect(info.threadsReason).toMatch(T < 2 ? /capped at the 1 core/ : /as asked/);
  });

  it('never uses more threads than cores', async () => {
    const e = new Engine(threadsModule);
    const info = await e.setThreads(cores + 3);
    expect(info.threads).toBe(cores);
    expect(info.threadsReason).toMatch(/capped at the \d+ cores? of this machine/);
    await e.setThreads(1);
  });

  it('stays single-threaded on the build without shared memory, and says why', async () => {
    const e = new Engine(build('dendrite.wasm'), { threads: 2 });
    const info = await e.setThreads(2);
    expect(info).toMatchObject({ sharedMemory: false, threads: 1 });
    expect(info.threadsReason).toMatch(/this build has no shared memory/);
  });

  it('returns the workers\' scratch memory when the threads stop', async () => {
    const e = new Engine(threadsModule);
    const before = e.info().usedBytes;
    await e.setThreads(2);
    if (T > 1) expect(e.info().usedBytes).toBeGreaterThan(before);
    const info = await e.setThreads(1);
    expect(info.threads).toBe(1);
    expect(info.usedBytes).toBe(before);
  });

  it('init({ threads }) loads the threads build for the default engine and starts its threads', async () => {
    const info = await init({ threads: 2 });
    expect(info).toMatchObject({ sharedMemory: true, threads: T });
    expect(info.build).toBe(relaxedSimdAvailable() ? 'relaxed-simd' : 'simd128'); // Node 20: baseline unless --experimental-wasm-relaxed-simd
    expect(getEngine().info().threads).toBe(T);
    expect((await init({ threads: 1 })).threads).toBe(1);
    await expect(init({ threads: 0 })).rejects.toThrow(/init\(\{ threads \}\) takes a positive integer, got 0/);
    await expect(init({ deterministic: 'yes' as unknown as boolean })).rejects.toThrow(/init\(\{ deterministic \}\) takes a boolean/);
  });

  it('rejects a thread count that is not a positive integer', () => {
    expect(() => one.setThreads(0)).toThrow(/threads must be a positive integer, got 0/);
    expect(() => new Engine(threadsModule, { threads: 1.5 })).toThrow(/threads must be a positive integer, got 1.5/);
  });
});

describe.each([
  // [m, n, k]: column splits (n ≥ m) and row splits, odd sizes that cut through tiles, m ≤ 16
  // (B read in place), k across the 256 block, and the reference MLP's shapes.
  [128, 256, 784], [784, 256, 128], [128, 784, 256], [37, 501, 300], [300, 37, 290], [9, 1030, 120], [1, 2048, 700], [513, 20, 515],
])('GEMM %i x %i x %i', (m, n, k) => {
  it.each(['nn', 'nt', 'tn'] as const)('%s: bit-identical on 1 and several threads', (layout) => {
    const results = [one, two].map((e) => {
      const [ar, ac] = layout === 'tn' ? [k, m] : [m, k];
      const [br, bc] = layout === 'nt' ? [n, k] : [k, n];
      const a = put(e, randomArray(ar * ac, m + 1)), b = put(e, randomArray(br * bc, n + 2));
      const bias = put(e, randomArray(n, k + 3));
      const c = put(e, randomArray(m * n, 5)); // accumulated into
      const pack = e.alloc(e.k.gemm_pack_bytes(m, n, k));
      if (layout === 'nn') e.gemmNN(c, a, b, bias, m, n, k, n, ac, bc, 1 | 2, pack);
      else if (layout === 'nt') e.gemmNT(c, a, b, m, n, k, n, ac, bc, 1, pack);
      else e.gemmTN(c, a, b, m, n, k, n, ac, bc, 0, pack);
      const out = e.readF32(c, m * n);
      for (const p of [a, b, bias, c, pack]) e.release(p);
      return out;
    });
    sameBits(results[0], results[1], `${layout} ${m}x${n}x${k}`);
  });
});

describe('element-wise kernels split over threads', () => {
  const N = 300_007; // not a multiple of the split unit

  it('the optimizer updates (and clipping, scaling, weight decay) give the same bits', () => {
    const run = (e: Engine) => {
      const [p, g, m, v] = [1, 2, 3, 4].map((s) => put(e, randomArray(N, s, s === 4 ? 0 : -1, 1)));
      const k = e.k as unknown as Record<string, (...a: number[]) => number>;
      k.adam_update(p, g, m, v, N, 0.01, 0.9, 0.999, 1e-7);
      k.sgd_update(p, g, m, N, 0.1, 0.9, 1);
      k.sgd_update(p, g, 0, N, 0.1, 0, 0);
      k.adamax_update(p, g, m, v, N, 0.002, 0.9, 0.999, 1e-7, 0.1);
      k.nadam_update(p, g, m, v, N, 0.002, 0.9, 0.999, 1e-7, 0.93, 0.8, 0.1, 0.2, 0.01);
      k.weight_decay(p, N, 0.004);
      k.clip_f32(g, N, -0.5, 0.5);
      k.scale_f32(p, N, 0.75);
      return [p, g, m, v].map((q) => e.readF32(q, N));
    };
    const [a, b] = [run(one), run(two)];
    a.forEach((x, i) => sameBits(x, b[i], `optimizer state ${i}`));
  });

  it('nonfinite_index finds the first bad value whichever thread scans it', () => {
    for (const bad of [-1, 5, N - 3, Math.floor(N / 2) + 17]) {
      const values = randomArray(N, 9);
      if (bad >= 0) values[bad] = NaN;
      if (bad > 10) values[N - 1] = Infinity; // a later one must not win
      const got = [one, two].map((e) => {
        const p = put(e, values);
        const r = e.k.nonfinite_index(p, N);
        e.release(p);
        return r;
      });
      expect(got).toEqual([bad, bad]);
    }
  });

  it('activation forward and backward, and the u8 gather, give the same bits', () => {
    const rows = 301, cols = 257;
    const run = (e: Engine) => {
      const z = put(e, randomArray(rows * cols, 11, -4, 4)), y = e.allocFloats(rows * cols), dy = put(e, randomArray(rows * cols, 12));
      const out: Float32Array[] = [];
      for (const act of ['sigmoid', 'gelu', 'softmax', 'relu']) {
        e.k[`${act}_forward`](y, z, rows, cols, 0);
        out.push(e.readF32(y, rows * cols));
        const dz = e.allocFloats(rows * cols);
        e.k[`${act}_backward`](dz, dy, z, y, rows, cols, 0);
        out.push(e.readF32(dz, rows * cols));
      }
      const src = e.alloc(1000 * cols), idx = e.allocFloats(rows), g = e.allocFloats(rows * cols);
      e.u8.set(Uint8Array.from({ length: 1000 * cols }, (_, i) => (i * 7919) & 255), src);
      e.i32.set(Int32Array.from({ length: rows }, (_, i) => (i * 331) % 1000), idx >> 2);
      e.k.gather_u8_f32(g, src, idx, rows, cols, 1 / 255);
      out.push(e.readF32(g, rows * cols));
      return out;
    };
    const [a, b] = [run(one), run(two)];
    a.forEach((x, i) => sameBits(x, b[i], `output ${i}`));
  });
});

describe('training', () => {
  /** A 784-256-128-10 MLP trained for `epochs` on synthetic data, on engine e. */
  async function train(e: Engine, optimizer: 'adam' | 'sgd') {
    const rows = 640;
    const x = randomArray(rows * 784, 21, 0, 1);
    const y = Int32Array.from({ length: rows }, (_, i) => (i * 7) % 10);
    const model = sequential([
      dense({ units: 256, activation: 'relu', inputShape: [784] }),
      dense({ units: 128, activation: 'tanh' }),
      dense({ units: 10, activation: 'softmax' }),
    ], { engine: e });
    model.compile({ optimizer: optimizer === 'adam' ? adam() : sgd({ learningRate: 0.05, momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy' });
    const history = await model.fit({ data: x, shape: [rows, 784] }, y, { epochs: 2, batchSize: 128, seed: 5 });
    const weights = model.getWeights().map((w) => w.data);
    model.dispose();
    return { weights, loss: history.history.loss };
  }

  it.each(['adam', 'sgd'] as const)('an MLP trained with %s has bit-identical weights on 1 and several threads', async (opt) => {
    const [a, b] = [await train(one, opt), await train(two, opt)];
    expect(b.loss).toEqual(a.loss);
    a.weights.forEach((w, i) => sameBits(w, b.weights[i], `weight tensor ${i}`));
  });

  it('is bit-identical too when the engine chooses per window between the threads and the caller alone', async () => {
    const adaptive = new Engine(threadsModule);
    await adaptive.setThreads(2);
    const [a, b] = [await train(one, 'adam'), await train(adaptive, 'adam')];
    a.weights.forEach((w, i) => sameBits(w, b.weights[i], `weight tensor ${i}`));
    await adaptive.setThreads(1);
  });
});
