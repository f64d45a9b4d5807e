// The cost shape of a training step (DESIGN §2): a fixed, small number of JS→wasm kernel calls per
// layer per step, the same every step; and no JS objects allocated per step once training runs
// (measured in a child process with V8's sampling heap profiler: fixtures/alloc-child.mjs).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { adam, dense, sequential } from '../../src/index.js';
import { readFileSync } from 'node:fs';

const module = new WebAssembly.Module(readFileSync(new URL('../../build/dendrite-threads.wasm', import.meta.url)));

/**
 * An engine that counts every kernel call by name: calls into its kernel table, and its GEMM
 * methods (which split a product over the threads; the table's gemm_* entries are not counted, so
 * that a GEMM counts once whoever runs it).
 */
function countingEngine(): { engine: Engine; calls: Map<string, number> } {
  const engine = new Engine(module);
  const calls = new Map<string, number>();
  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  const k = engine.k as unknown as Record<string, unknown>;
  const counted = new Proxy(k, {
    get(target, name: string) {
      const f = target[name];
      if (typeof f !== 'function' || name.startsWith('gemm_')) return f;
      return (...args: unknown[]) => {
        count(name);
        return (f as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
  Object.defineProperty(engine, 'k', { value: counted });
  for (const [method, name] of [['gemmNN', 'gemm_nn'], ['gemmNT', 'gemm_nt'], ['gemmTN', 'gemm_tn']] as const) {
    const f = engine[method].bind(engine) as (...a: number[]) => void;
    Object.defineProperty(engine, method, { value: (...args: number[]) => (count(name), f(...args)) });
  }
  return { engine, calls };
}

const total = (calls: Map<string, number>) => [...calls.values()].reduce((a, b) => a + b, 0);

describe('kernel calls per training step', () => {
  it.each([1, 2])('are the same every step, and at most 5 per layer plus 7 (%i threads)', async (threads) => {
    const { engine, calls } = countingEngine();
    await engine.setThreads(threads);
    const layers = 3;
    const model = sequential([
      dense({ units: 64, activation: 'relu', inputShape: [100] }),
      dense({ units: 32, activation: 'tanh' }),
      dense({ units: 10, activation: 'softmax' }),
    ], { engine });
    model.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const rows = 64 * 12;
    const x = Float32Array.from({ length: rows * 100 }, (_, i) => Math.sin(i));
    const y = Int32Array.from({ length: rows }, (_, i) => i % 10);
    const perStep: number[] = [];
    let last = 0;
    await model.fit({ data: x, shape: [rows, 100] }, y, {
      epochs: 2, batchSize: 64, seed: 1,
      callbacks: { onBatchEnd: () => void (perStep.push(total(calls) - last), (last = total(calls))) },
    });
    // Epoch starts add the shuffle (2 calls) to their first batch; every other step is identical.
    const steady = perStep.filter((_, i) => i % 12 !== 0);
    expect(new Set(steady).size).toBe(1);
    expect(steady[0]).toBeLessThanOrEqual(5 * layers + 7);
    // The GEMMs: one forward and two backward per layer (dX skipped for the first layer).
    const gemms = ['gemm_nn', 'gemm_nt', 'gemm_tn'].map((g) => calls.get(g) ?? 0);
    const steps = perStep.length;
    expect(gemms[0]).toBe(layers * steps);
    expect(gemms[2]).toBe(layers * steps);
    expect(gemms[1]).toBe((layers - 1) * steps);
    model.dispose();
    await engine.setThreads(1);
  });
});

describe('JS allocation while training', () => {
  const child = fileURLToPath(new URL('./fixtures/alloc-child.mjs', import.meta.url));
  // What remains per step is a few boxed numbers: V8 boxes a computed f64 (Adam's bias-corrected
  // step size, a performance.now() time) into a 16-byte HeapNumber when it crosses a call it does not
  // inline. A per-step object, array, closure or string (48+ bytes each, and rarely alone) would
  // push the median past the bound; the child names the top allocation sites.
  it.each([[1, 'mlp'], [2, 'mlp'], [1, 'cnn'], [2, 'cnn']])('creates no objects per step once training runs, only a few boxed numbers (%i threads, %s)', (threads, model) => {
    const out = execFileSync(process.execPath, [child, String(threads), model], { encoding: 'utf8' });
    const { bytesPerStep, top } = JSON.parse(out.trim().split('\n').pop()!) as { bytesPerStep: number[]; top: string[] };
    const sorted = [...bytesPerStep].sort((a, b) => a - b);
    const median = (sorted[1] + sorted[2]) / 2;
    expect(median, `bytes per step ${bytesPerStep.map((b) => b.toFixed(1)).join(', ')}; top sites: ${top.join('; ')}`).toBeLessThan(64);
  });
});
