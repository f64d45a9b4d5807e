// Browser storage in a real browser: Debian's Chromium (through playwright-core, as
// chromium.test.ts) saving to its own IndexedDB, localStorage and downloads — not fake-indexeddb
// and a stub as test/io/storage.test.ts. Save / list / load / remove; two tabs saving the same key
// (the result is one whole model, never a mix); a localStorage quota exceeded by a large model
// (the previous model survives, a ModelFileError says why); a model saved in the page loads in a
// Web Worker and, as bytes, in Node with the same predictions.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../examples/browser/serve.mjs';
import { chromiumAvailable, chromiumPath, launchChromium } from '../../scripts/runtimes/chromium.mjs';
import { root } from '../../scripts/runtimes/process.mjs';
import { rows } from './fixtures/storage.js';

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

if (!chromiumAvailable()) console.warn(`Chromium storage tests skipped: ${chromiumPath} is missing (apt-get install chromium)`);

describe.skipIf(!chromiumAvailable())('browser storage in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    [browser, server] = await Promise.all([launchChromium(), serve()]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), server?.close()]);
  });

  /** A blank page of the server's origin (one origin: one IndexedDB, one localStorage). */
  async function tab(): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${server.url}/examples/browser/style.css`);
    return page;
  }

  /**
   * Run `body` in `page` (a string, so vitest's transform leaves its import() alone) with `d` the
   * browser entry (deterministic build) and `s` the fixture module.
   */
  async function run(page: Page, body: string): Promise<any> {
    const result = await page.evaluate(`(async () => {
      const d = await import('/build/browser.js');
      await d.init({ deterministic: true });
      const s = await import('/test/runtimes/fixtures/storage.js');
      ${body}
    })()`);
    expect(page.log.filter((l: string) => /^(error|pageerror)/.test(l))).toEqual([]);
    return result;
  }

  /** Predictions of a model file's bytes in Node (deterministic build, as the page). */
  async function inNode(bytes: Uint8Array): Promise<number[]> {
    const d = await import(join(root, 'build', 'index.js'));
    await d.init({ deterministic: true });
    return Array.from((await d.loadModel(bytes)).predict(rows).data as Float32Array);
  }

  it.each(['indexeddb', 'localstorage'])('%s://: save, list, load, remove', async (scheme) => {
    const page = await tab();
    const r = await run(page, `return s.roundTrip(d, '${scheme}');`);
    expect(r.saved).toEqual({ target: `${scheme}://rt`, bytes: r.fileBytes });
    expect(r.listed).toEqual([{ url: `${scheme}://rt`, bytes: r.fileBytes }]);
    expect(r.sameBytes).toBe(true);
    expect(r.after).toEqual(r.before);
    expect([r.removed, r.removedAgain]).toEqual([true, false]);
    expect(r.listedAfter).toEqual([]);
    expect(r.loadRemoved).toBe(`ModelFileError: no model stored at ${scheme}://rt`);
    await page.close();
  });

  it.each(['indexeddb', 'localstorage'])('%s://: two tabs saving the same key leave one whole model, which a third tab loads', async (scheme) => {
    const [a, b] = await Promise.all([tab(), tab()]);
    const url = `${scheme}://shared`;
    // Different widths, so the listed size tells which file the listing describes.
    const [ra, rb] = await Promise.all([
      run(a, `return s.saveRepeatedly(d, '${url}', 1, 5, 12);`),
      run(b, `return s.saveRepeatedly(d, '${url}', 2, 9, 12);`),
    ]);
    expect(ra.bytes).not.toBe(rb.bytes);
    const c = await tab();
    const got = await run(c, `return s.stored(d, '${url}');`);
    const winner = got.bytes === ra.bytes ? ra : rb;
    expect([ra.bytes, rb.bytes]).toContain(got.bytes);
    expect(got.predictions).toEqual(winner.predictions);
    expect(got.listed).toEqual([{ url, bytes: winner.bytes }]);
    await run(c, `await d.removeModel('${url}');`);
    await Promise.all([a, b, c].map((p) => p.close()));
  });

  it('localStorage quota exceeded by a large model: a ModelFileError, and the previous model intact', async () => {
    const page = await tab();
    const r = await run(page, 'return s.quotaExceeded(d);');
    expect(r.error.isModelFileError).toBe(true);
    expect(r.error.name).toBe('ModelFileError');
    expect(r.error.message).toMatch(/^could not store 8\d{6} bytes as "q" in localStorage \(about 5 MB of text per origin; use indexeddb:\/\/ for bigger models\): QuotaExceededError/);
    expect(r.after).toEqual(r.before);
    expect(r.listed).toEqual([{ url: 'localstorage://q', bytes: r.smallBytes }]);
    await page.close();
  });

  it('downloads://: the browser downloads name.dnd, whose bytes load in Node with the same predictions', async () => {
    const page = await tab();
    const [download, r] = await Promise.all([
      page.waitForEvent('download'),
      run(page, `const m = s.smallModel(d, 7); const saved = await m.save('downloads://mine');
                 const load = await d.loadModel('downloads://mine').then(() => 'loaded', (e) => e.name + ': ' + e.message);
                 return { saved, bytes: Array.from(m.toBytes()), predictions: s.predictions(m), load };`),
    ]);
    expect(download.suggestedFilename()).toBe('mine.dnd');
    const file = new Uint8Array(await readFile(await download.path()));
    expect(Array.from(file)).toEqual(r.bytes);
    expect(r.saved).toEqual({ target: 'downloads://mine', bytes: file.length });
    expect(await inNode(file)).toEqual(r.predictions);
    expect(r.load).toMatch(/^ValueError: .*downloads:\/\/ only saves/);
    await page.close();
  });

  it('a model saved in the page loads in a Web Worker and, as bytes, in Node with the same predictions', async () => {
    const page = await tab();
    const r = await run(page, `const m = s.smallModel(d, 11, 6); await m.save('indexeddb://w'); await m.save('localstorage://w');
      const out = { page: s.predictions(m), worker: await s.predictInWorker('indexeddb://w'), workerLocal: await s.predictInWorker('localstorage://w').catch((e) => e.message),
                    bytes: await s.indexedDbBytes('w'), local: localStorage.getItem('dendrite/w') };
      await d.removeModel('indexeddb://w'); await d.removeModel('localstorage://w');
      return out;`);
    expect(r.worker).toEqual(r.page);
    // Web Workers have no localStorage: a StateError saying so, not a crash.
    expect(r.workerLocal).toMatch(/^StateError: localstorage:\/\/ needs localStorage/);
    expect(await inNode(Uint8Array.from(r.bytes))).toEqual(r.page);
    expect(await inNode(new Uint8Array(Buffer.from(r.local, 'base64')))).toEqual(r.page);
    await page.close();
  });
});
