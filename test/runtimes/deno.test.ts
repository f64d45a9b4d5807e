// Deno (the `deno` npm package) running the built package: the example trains XOR and a small
// MLP (in a Web Worker), saves, loads and predicts; and the same seed gives the weights Node gives.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDeno } from '../../scripts/runtimes/deno.mjs';
import { expectOk, lastJson, root } from '../../scripts/runtimes/process.mjs';
import { trainedCnnHash, trainedWeightsHash } from './fixtures/determinism.js';

const tmp = mkdtempSync(join(tmpdir(), 'dendrite-deno-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('Deno', () => {
  it('runs the example: XOR, an MLP in a worker, save, load, predict', async () => {
    const result = await runDeno(['run', '--allow-read', `--allow-write=${tmp}`, 'examples/deno/main.ts', tmp], { timeoutMs: 60_000 });
    expectOk(result);
    const r = lastJson(result.stdout);
    expect(r.xor[0]).toBeLessThan(0.1);
    expect(r.xor[1]).toBeGreaterThan(0.9);
    expect(r.xor[2]).toBeGreaterThan(0.9);
    expect(r.xor[3]).toBeLessThan(0.1);
    expect(r.xorReloadedSame).toBe(true);
    expect(r.mlpAccuracy).toBeGreaterThan(0.95);
    expect(r.mlpReloadedAccuracy).toBe(r.mlpAccuracy);
    expect(r.mlpReloadedSame).toBe(true);
    expect(r.saved).toEqual([join(tmp, 'xor.dnd'), join(tmp, 'rings.dnd')]);
    // The saved file loads in Node with the same predictions (to rounding: Deno runs the
    // relaxed-SIMD build by default, Node 20 the baseline).
    const d = await import(join(root, 'build', 'index.js'));
    const loaded = await d.loadModel(r.saved[0]);
    const inNode: number[] = Array.from(loaded.predict([[0, 0], [0, 1], [1, 0], [1, 1]]).data);
    inNode.forEach((p, i) => expect(Math.abs(p - r.xor[i]), `row ${i}`).toBeLessThan(1e-6));
  });

  for (const [what, train, parameters] of [['an MLP', trainedWeightsHash, 651], ['a CNN', trainedCnnHash, 437]] as const) {
    it(`trains ${what} to bit-identical weights to Node with the same seed`, async () => {
      const script = `
        import * as dendrite from 'dendrite';
        import { ${train.name} } from './test/runtimes/fixtures/determinism.js';
        console.log(JSON.stringify(await ${train.name}(dendrite)));`;
      const result = await runDeno(['run', '--allow-read', '--ext=ts', '-'], { input: script, timeoutMs: 60_000 });
      expectOk(result);
      const inDeno = lastJson(result.stdout);
      const inNode = await train(await import(join(root, 'build', 'index.js')));
      expect(inDeno.parameters).toBe(parameters);
      expect(inDeno.build).toBe('simd128');
      expect(inDeno.lastLoss).toBeLessThan(inDeno.firstLoss);
      expect(inDeno).toEqual(inNode);
    });
  }
});
