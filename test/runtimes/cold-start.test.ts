// scripts/cold-start.mjs (for bench/): each runtime reaches a first prediction of the reference MLP
// through its own entry, and the timings it reports are consistent.
import { describe, expect, it } from 'vitest';
import { measureColdStart } from '../../scripts/cold-start.mjs';
import { chromiumAvailable } from '../../scripts/runtimes/chromium.mjs';

describe('cold start', () => {
  it('measures import, init, build and first prediction in Node, Deno, Chromium and workerd', async () => {
    const runtimes = ['node', 'deno', 'workerd', ...(chromiumAvailable() ? ['chromium'] : [])];
    const r = await measureColdStart(runtimes);
    for (const name of ['node', 'deno', 'chromium']) {
      const t = r[name];
      if (!t) continue;
      for (const k of ['importMs', 'initMs', 'buildMs', 'firstPredictMs']) expect(t[k], `${name} ${k}`).toBeGreaterThanOrEqual(0);
      expect(t.totalMs, name).toBeCloseTo(t.importMs + t.initMs + t.buildMs + t.firstPredictMs, 0);
      expect(t.totalMs, name).toBeLessThan(10_000);
    }
    expect(r.node.spawnMs).toBeGreaterThan(r.node.totalMs);
    expect(r.workerd.firstRequestMs).toBeGreaterThan(0);
    expect(r.workerd.secondRequestMs).toBeGreaterThan(0);
  });
});
