// Guarantee 1 (determinism): the same seed on the baseline build gives bit-identical weights in
// Node, Deno and Chromium, on 1 and 2 kernel threads. One fixture (fixtures/threaded-hash.js)
// trains an MLP whose GEMMs and element-wise kernels are big enough to be split over the threads,
// and hashes its weights; it runs unchanged in every runtime through the runtime tests' helpers
// (scripts/runtimes/*). Deno and Chromium are skipped with a notice when missing; CI has both.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../examples/browser/serve.mjs';
import { chromiumAvailable, chromiumPath, launchChromium } from '../../scripts/runtimes/chromium.mjs';
import { denoBin, runDeno } from '../../scripts/runtimes/deno.mjs';
import { expectOk, root } from '../../scripts/runtimes/process.mjs';
import { threadedWeightsHash } from './fixtures/threaded-hash.js';

interface Hashed {
  hash: string;
  parameters: number;
  firstLoss: number;
  lastLoss: number;
  build: string;
  threads: number;
  threadsReason: string;
}

const denoAvailable = existsSync(denoBin);
if (!denoAvailable) console.warn(`robustness/determinism: Deno runs skipped: ${denoBin} is missing (npm test installs it)`);
if (!chromiumAvailable()) console.warn(`robustness/determinism: Chromium runs skipped: ${chromiumPath} is missing (apt-get install chromium)`);

/** The reference: Node, one thread, the built package as users import it. */
let reference: Hashed;
const d = await import(join(root, 'build', 'index.js'));

/** What every run must agree on, besides the hash (threads are capped at the cores: 2 in CI). */
function expectSameRun(got: Hashed, threads: number): void {
  expect(got.build).toBe('simd128');
  expect(got.threads, got.threadsReason).toBe(Math.min(threads, availableParallelism()));
  expect(got.parameters).toBe(reference.parameters);
  expect(got.lastLoss).toBe(reference.lastLoss);
  expect(got.hash).toBe(reference.hash);
}

beforeAll(async () => {
  reference = await threadedWeightsHash(d, 1);
});

describe('Node', () => {
  it('trains and learns on one thread', () => {
    expect(reference.parameters).toBe(48 * 128 + 128 + 128 * 96 + 96 + 96 * 4 + 4);
    expect(reference.lastLoss).toBeLessThan(reference.firstLoss);
    expect(reference.threads).toBe(1);
    expect(reference.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('2 threads give the same weights as 1', async () => {
    expectSameRun(await threadedWeightsHash(d, 2), 2);
    await d.init({ threads: 1 });
  });
});

describe.skipIf(!denoAvailable)('Deno', () => {
  it('1 and 2 threads give the same weights as Node', async () => {
    // The kernel threads are Web Workers, which keep Deno alive: back to 1 thread before exiting.
    const script = `
      import * as dendrite from 'dendrite';
      import { threadedWeightsHash } from './test/robustness/fixtures/threaded-hash.js';
      const runs = [await threadedWeightsHash(dendrite, 1), await threadedWeightsHash(dendrite, 2)];
      await dendrite.init({ threads: 1 });
      console.log(JSON.stringify(runs));`;
    const result = await runDeno(['run', '--allow-read', '--ext=ts', '-'], { input: script, timeoutMs: 90_000 });
    expectOk(result);
    const [one, two] = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Hashed[];
    expectSameRun(one, 1);
    expectSameRun(two, 2);
  });
});

describe.skipIf(!chromiumAvailable())('Chromium', () => {
  type Browser = Awaited<ReturnType<typeof launchChromium>>;
  type Server = Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  let plain: Server;
  let isolated: Server;
  beforeAll(async () => {
    [browser, plain, isolated] = await Promise.all([launchChromium(), serve(), serve({ isolated: true })]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), plain?.close(), isolated?.close()]);
  });

  /** Evaluate `expression` in a blank same-origin page of `server`; fails on any page error. */
  async function inPage(server: Server, expression: string): Promise<Hashed> {
    const page = await browser.newPage();
    await page.goto(`${server.url}/examples/browser/style.css`);
    const result = await page.evaluate(expression);
    expect(page.log.filter((l: string) => /^(error|pageerror)/.test(l))).toEqual([]);
    await page.close();
    return result as Hashed;
  }

  it("on the page's main thread (1 thread) the weights are Node's", async () => {
    const r = await inPage(plain, `(async () => {
      const d = await import('/build/browser.js');
      return (await import('/test/robustness/fixtures/threaded-hash.js')).threadedWeightsHash(d, 1);
    })()`);
    expectSameRun(r, 1);
  });

  it.each([1, 2])('in a Web Worker of a cross-origin isolated page, %i thread(s) give the weights of Node', async (threads) => {
    const r = await inPage(isolated, `new Promise((resolve) => {
      const w = new Worker('/test/robustness/fixtures/hash-worker.js', { type: 'module' });
      w.onmessage = (e) => { w.terminate(); resolve(e.data); };
      w.onerror = (e) => resolve({ error: e.message || 'worker failed to load' });
      w.postMessage({ threads: ${threads} });
    })`);
    expect((r as { error?: string }).error).toBeUndefined();
    expectSameRun(r, threads);
  });
});
