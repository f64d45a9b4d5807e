// Chromium (Debian's /usr/bin/chromium through playwright-core) on pages served from 127.0.0.1 by
// examples/browser/serve.mjs, whose Content-Security-Policy forbids eval. The example page trains
// on the page and in a Web Worker; further checks run in the page: pause / resume / cancel of the
// worker, the same weights as Node for the same seed, and a cross-origin isolated page (COOP/COEP).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../examples/browser/serve.mjs';
import { chromiumAvailable, chromiumPath, launchChromium } from '../../scripts/runtimes/chromium.mjs';
import { root } from '../../scripts/runtimes/process.mjs';
import { trainedCnnHash, trainedWeightsHash } from './fixtures/determinism.js';

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;
type Server = Awaited<ReturnType<typeof serve>>;

if (!chromiumAvailable()) console.warn(`Chromium tests skipped: ${chromiumPath} is missing (apt-get install chromium)`);

describe.skipIf(!chromiumAvailable())('Chromium', () => {
  let browser: Browser;
  let plain: Server;
  let isolated: Server;
  beforeAll(async () => {
    [browser, plain, isolated] = await Promise.all([launchChromium(), serve(), serve({ isolated: true })]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), plain?.close(), isolated?.close()]);
  });

  /** Open the example page and wait for its results (window.results, see examples/browser/main.js). */
  async function examplePage(server: Server): Promise<[Page, Record<string, any>]> {
    const page = await browser.newPage();
    await page.goto(`${server.url}/examples/browser/`);
    await page.waitForFunction(() => (window as any).results?.done, null, { timeout: 60_000 }).catch((e) => {
      throw new Error(`${e.message}\npage log:\n${page.log.join('\n')}`);
    });
    return [page, await page.evaluate(() => (window as any).results)];
  }

  /** Problems the page reported: script errors, CSP violations (eval would be one), failed loads. */
  const problems = (page: Page) => page.log.filter((l: string) => /^(error|pageerror)/.test(l));

  it('trains XOR on the page and an MLP in a Web Worker, with bit-identical weights to the page', async () => {
    const [page, r] = await examplePage(plain);
    expect(problems(page)).toEqual([]);
    expect(r.error).toBeUndefined();
    expect(r.crossOriginIsolated).toBe(false);
    expect(r.engine.sharedMemory).toBe(false); // not isolated: the single-threaded build
    expect(r.workerThreads).toBe(1);
    expect(r.xor[0]).toBeLessThan(0.1);
    expect(r.xor[1]).toBeGreaterThan(0.9);
    expect(r.xor[2]).toBeGreaterThan(0.9);
    expect(r.xor[3]).toBeLessThan(0.1);
    expect(r.worker.accuracy).toBeGreaterThan(0.95);
    expect(r.worker.events.trainBegin).toBe(1);
    expect(r.worker.events.epoch).toBe(30);
    expect(r.worker.events.batch).toBeGreaterThan(0);
    // The page kept running its timers while the worker trained.
    expect(r.worker.ticks).toBeGreaterThan(0);
    expect(r.worker.maxGap).toBeLessThan(1000);
    expect(r.identical).toBe(true);
    await page.close();
  });

  /**
   * Run `expression` (a string, so that vitest's transform leaves its import() alone) in a blank
   * same-origin page; `d` is the browser entry, already init()ed.
   */
  async function inPage(server: Server, body: string, { init = true, allow = /^$/ } = {}): Promise<any> {
    const page = await browser.newPage();
    await page.goto(`${server.url}/examples/browser/style.css`); // same origin, no page script
    const result = await page.evaluate(`(async () => {
      const d = await import('/build/browser.js');
      ${init ? 'await d.init();' : ''}
      ${body}
    })()`);
    expect(problems(page).filter((l: string) => !allow.test(l))).toEqual([]);
    await page.close();
    return result;
  }

  it('pauses, resumes and cancels training in the Web Worker', async () => {
    const r = await inPage(plain, "return (await import('/test/runtimes/fixtures/worker-controls.js')).workerControls(d);");
    expect(r).toEqual({ epochs: 40, paused: 1, resumed: 1, silentWhilePaused: true, cancelError: 'AbortError', cancelStatus: 'cancelled', unchanged: true });
  });

  for (const [what, train, parameters] of [['an MLP', trainedWeightsHash, 651], ['a CNN', trainedCnnHash, 437]] as const) {
    it(`trains ${what} to bit-identical weights to Node with the same seed`, async () => {
      const inChromium = await inPage(plain, `return (await import('/test/runtimes/fixtures/determinism.js')).${train.name}(d);`, { init: false });
      const inNode = await train(await import(join(root, 'build', 'index.js')));
      expect(inChromium.parameters).toBe(parameters);
      expect(inChromium.build).toBe('simd128');
      expect(inChromium.lastLoss).toBeLessThan(inChromium.firstLoss);
      expect(inChromium).toEqual(inNode);
    });
  }

  it('runs cross-origin isolated (COOP/COEP): SharedArrayBuffer available, training works on the page and in a worker', async () => {
    const [page, r] = await examplePage(isolated);
    expect(problems(page)).toEqual([]);
    expect(r.crossOriginIsolated).toBe(true);
    expect(await page.evaluate(() => typeof SharedArrayBuffer === 'function' && new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer)).toBe(true);
    expect(r.xor[1]).toBeGreaterThan(0.9);
    expect(r.worker.accuracy).toBeGreaterThan(0.95);
    expect(r.identical).toBe(true);
    // threadedBuildHook (src/engine/builds.ts): isolated, init() loads a threads build (shared
    // memory); the page's main thread may not block, so its engine stays single-threaded and says why.
    expect(r.engine.sharedMemory).toBe(true);
    expect(r.engine.threads).toBe(1);
    expect(r.engine.threadsReason).not.toBe('');
    // The training worker may block, so it runs kernel threads there (bit-identical: r.identical).
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(r.workerThreads).toBe(Math.min(2, cores));
    await page.close();
  });

  it('says what to do when a model is created before init(), and names a wasm that fails to load', async () => {
    const r = await inPage(
      plain,
      `const message = (f) => { try { f(); return 'no error'; } catch (e) { return e.name + ': ' + e.message; } };
       const early = message(() => d.sequential([d.dense({ units: 1, inputShape: [1] })]).predict([[1]]));
       const missing = await d.init({ wasm: '/build/missing.wasm' }).then(() => 'loaded', (e) => e.name + ': ' + e.message);
       const info = await d.init({ wasm: fetch('/build/dendrite.wasm') });
       const out = d.sequential([d.dense({ units: 1, inputShape: [2], kernelInitializer: 'ones' })]).predict([[1, 2]]).data[0];
       const evalBlocked = message(() => (0, eval)('1')); // the CSP is on, so no eval could hide in dendrite
       return { early, missing, build: info.build, out, evalBlocked };`,
      { init: false, allow: /status of 404|Content Security Policy/ },
    );
    expect(r.early).toMatch(/^StateError: .*await init\(\)/);
    expect(r.missing).toMatch(/^ValueError: could not load the wasm from \/build\/missing\.wasm: HTTP 404/);
    expect(r.build).toBe('simd128');
    expect(r.out).toBe(3);
    expect(r.evalBlocked).toMatch(/^EvalError/);
  });
});
