// Guarantee 6 (soak): 200 epochs of a small model in one fit, 100 more short fits and 10,000
// predict calls leave the wasm memory and the engine's allocations exactly flat after warm-up, and
// the JS heap flat within a bound. Measured in a child Node process with --expose-gc (so that the
// heap is read after full collections) running the built package: fixtures/soak.mjs.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { root } from '../../scripts/runtimes/process.mjs';

interface Sample {
  heap: number;
  wasm: number;
  used: number;
}

/**
 * The child runs JS in the interpreter only (--no-opt --no-maglev --no-sparkplug): the optimising
 * tiers add and drop compiled code and feedback, which moves the heap after gc by ±300 KiB from
 * sample to sample and would hide a leak; without them it is stable to a few KiB (retention does
 * not depend on the tier; the wasm kernels are compiled as usual). Halves of the samples are
 * compared by their medians. The history's arrays grow by ~0.1 KiB per epoch; a leak of 50 bytes
 * per batch, or of 7 bytes per predict call, would exceed the bound.
 */
const HEAP_BOUND = 64 * 1024;
const NODE_FLAGS = ['--expose-gc', '--no-opt', '--no-maglev', '--no-sparkplug'];

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

it('200 epochs, 100 fits and 10,000 predictions: wasm memory and allocations flat, JS heap within a bound', () => {
  const started = Date.now();
  const out = execFileSync(process.execPath, [...NODE_FLAGS, join(import.meta.dirname, 'fixtures', 'soak.mjs'), join(root, 'build', 'index.js')], { encoding: 'utf8', timeout: 60_000 });
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as Record<'epochs' | 'fits' | 'predicts', Sample[]> & { firstLoss: number; lastLoss: number };
  expect(r.lastLoss).toBeLessThan(r.firstLoss / 4); // it really trained
  const report: string[] = [];
  for (const phase of ['epochs', 'fits', 'predicts'] as const) {
    const samples = r[phase];
    expect(samples.length).toBe(10);
    // Wasm: not one byte more memory, and not one more byte handed out, than after warm-up.
    expect(new Set(samples.map((s) => s.wasm)).size, `${phase}: wasm memory grew`).toBe(1);
    expect(new Set(samples.map((s) => s.used)).size, `${phase}: engine allocations changed`).toBe(1);
    const heaps = samples.map((s) => s.heap);
    const growth = median(heaps.slice(5)) - median(heaps.slice(0, 5));
    report.push(`${phase}: heap ${(heaps[0] / 1048576).toFixed(1)} MiB, growth ${(growth / 1024).toFixed(0)} KiB`);
    expect(growth, `${phase}: JS heap grew by ${growth} bytes (samples ${heaps.join(', ')})`).toBeLessThan(HEAP_BOUND);
  }
  console.log(`soak (${((Date.now() - started) / 1000).toFixed(1)} s): ${report.join('; ')}`);
});
