// End to end: the browser playground (examples/playground/) in headless Debian Chromium, driven by
// playwright-core through the page's own controls. Served by the same command `npm run playground`
// runs (cross-origin isolated), it trains Fashion-MNIST in a Web Worker to a set test accuracy,
// the charts and the prediction grid fill, the page's animation frames keep coming, the downloaded
// model gives the page's predictions in Node too and loads back with identical predictions. The CNN
// preset trains on a subset with its first convolution's filters redrawn per epoch.
// Served without COOP/COEP and without the dataset, it runs single-threaded on files picked in a
// file input, and pauses, resumes and stops. Screenshots go to test/output/.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDataDir, servePlayground } from '../scripts/serve-playground.mjs';
import { chromiumAvailable, chromiumPath, launchChromium } from '../scripts/runtimes/chromium.mjs';
import { root } from '../scripts/runtimes/process.mjs';

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

const dataDir: string | undefined = findDataDir();
const output = join(root, 'test', 'output');
const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const DATA_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

const skipWhy = !chromiumAvailable() ? `${chromiumPath} is missing (apt-get install chromium)` : !dataDir ? 'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)' : '';
if (skipWhy) console.warn(`Playground tests skipped: ${skipWhy}`);

/** `node scripts/serve-playground.mjs` (what `npm run playground` runs) on a free port; resolves with its URL. */
function startCommand(args: string[]): Promise<{ url: string; stdout: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['scripts/serve-playground.mjs', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed within 30 s\n${stdout}\n${stderr}`)), 30_000);
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.on('data', (d) => {
      stdout += d;
      const url = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
      if (url && stdout.includes('Ctrl-C')) {
        clearTimeout(timer);
        resolve({ url, stdout, child });
      }
    });
    child.on('exit', (code) => reject(new Error(`serve-playground exited with ${code}\n${stdout}\n${stderr}`)));
  });
}

/** Problems the page reported (script errors, CSP violations, failed loads) other than `allow`. */
const problems = (page: Page, allow = /^$/) => page.log.filter((l: string) => /^(error|pageerror)/.test(l) && !allow.test(l));

/** Open the page and wait until it has its data (or says it has none). */
async function open(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(url);
  await page.waitForFunction(() => ['ready', 'no-data'].includes((window as any).playground?.phase), null, { timeout: 30_000 });
  return page;
}

/** Wait for the current run (training + test evaluation) to finish; on a timeout say where the page was. */
const finished = (page: Page, runs: number) =>
  page.waitForFunction((n) => (window as any).playground.phase === 'ready' && (window as any).playground.runs >= n, runs, { timeout: 60_000 }).catch(async (e) => {
    const state = await page.evaluate(() => {
      const a = (window as any).playground;
      return { phase: a.phase, error: a.error, events: a.progress?.events, job: a.job?.status };
    });
    throw new Error(`${e.message}\npage state: ${JSON.stringify(state)}\npage log:\n${page.log.join('\n')}`);
  });

/** The grid's cells as the page wrote them. */
const gridCells = (page: Page) =>
  page.$$eval('#grid .cell', (cells) =>
    cells.map((c) => ({
      row: Number((c as HTMLElement).dataset.row),
      predicted: Number((c as HTMLElement).dataset.predicted),
      label: Number((c as HTMLElement).dataset.label),
      probability: (c as HTMLElement).dataset.probability!,
      wrong: c.classList.contains('wrong'),
      text: (c as HTMLElement).innerText,
    })),
  );

/** Pixels of each series colour on a chart canvas: proof that lines were drawn, not just counted. */
const inkOf = (page: Page, id: string) =>
  page.$eval(`#${id}`, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const near = (i: number, [r, g, b]: number[]) => Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 60 && data[i + 3] > 200;
    let train = 0;
    let validation = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (near(i, [0x2f, 0x6f, 0xdf])) train++;
      if (near(i, [0xe8, 0x74, 0x2a])) validation++;
    }
    return { train, validation, points: JSON.parse(c.dataset.points ?? '{}') };
  });

describe.skipIf(skipWhy !== '')('playground in Chromium', () => {
  let browser: Browser;
  let command: Awaited<ReturnType<typeof startCommand>>;
  beforeAll(async () => {
    mkdirSync(output, { recursive: true });
    [browser, command] = await Promise.all([launchChromium(), startCommand(['--port', '0'])]);
  });
  afterAll(async () => {
    command?.child.kill();
    await browser?.close();
  });

  it('trains Fashion-MNIST in a worker with live charts, fills the prediction grid, and downloads and reloads the model', async () => {
    expect(command.stdout).toContain('cross-origin isolated');
    expect(command.stdout).toContain(`Fashion-MNIST from ${dataDir}`);
    const page = await open(browser, command.url);
    expect(await page.getAttribute('#data-status', 'data-state')).toBe('ready');
    expect(await page.textContent('#data-status')).toContain('60,000 training and 10,000 test images');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    // A subset, 2 epochs; 2 kernel threads in the worker when the machine has 2 cores.
    await page.fill('#rows', '10000');
    await page.fill('#epochs', '2');
    await page.selectOption('#threads', String(Math.min(2, cores)));
    // Our own frame and timer counters, independent of the page's: the main thread must stay free.
    await page.evaluate(() => {
      const w = window as any;
      w.probe = { frames: 0, maxGap: 0, ticks: 0, last: 0, on: true };
      const loop = (t: number) => {
        if (w.probe.last) w.probe.maxGap = Math.max(w.probe.maxGap, t - w.probe.last);
        w.probe.last = t;
        w.probe.frames++;
        if (w.probe.on) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
      w.probe.timer = setInterval(() => w.probe.ticks++, 20);
    });
    await page.click('#train');
    expect(await page.textContent('#state')).toMatch(/training|evaluating|done/);
    await finished(page, 1);
    const probe = await page.evaluate(() => {
      const p = (window as any).probe;
      p.on = false;
      clearInterval(p.timer);
      return p;
    });
    const app = await page.evaluate(() => {
      const a = (window as any).playground;
      return { test: a.test, error: a.error, events: a.progress.events, batchesPerEpoch: a.progress.batchesPerEpoch, threads: a.progress.threads, frames: a.frames };
    });
    expect(app.error).toBeUndefined();
    expect(problems(page)).toEqual([]);
    expect(app.test.rows).toBe(10_000);
    expect(app.test.accuracy).toBeGreaterThan(0.75);
    expect(await page.textContent('#test-result')).toContain(`test accuracy ${(app.test.accuracy * 100).toFixed(2)} %`);
    expect(app.threads).toBe(Math.min(2, cores));
    expect(await page.textContent('#worker-threads')).toBe(String(app.threads));
    // Every batch was reported (progressInterval 0): 9,000 training rows / 128 = 71 batches per epoch.
    expect(app.batchesPerEpoch).toBe(71);
    expect(app.events).toMatchObject({ trainBegin: 1, batch: 142, epoch: 2 });
    // The page kept drawing while the worker trained.
    expect(probe.frames).toBeGreaterThan(5);
    expect(probe.ticks).toBeGreaterThan(5);
    // Frames kept coming (every ~17 ms; a busy CI machine stretches a few).
    expect(probe.maxGap).toBeLessThan(500);
    expect(app.frames.count).toBeGreaterThan(0);
    expect(await page.textContent('#state')).toBe('done');
    expect(await page.textContent('#epoch')).toBe('2 / 2');

    // Charts: every batch and both epochs (training and validation) plotted, and visibly drawn.
    for (const id of ['loss-chart', 'accuracy-chart']) {
      const ink = await inkOf(page, id);
      expect(ink.points).toEqual({ batch: 142, 'batches (smoothed)': 142, train: 2, validation: 2 });
      expect(ink.train).toBeGreaterThan(200);
      expect(ink.validation).toBeGreaterThan(30);
    }

    // Each batch's own accuracy, recovered from fit's running means, is a count over its rows:
    // k/128, or k/40 for the last batch of an epoch (9,000 = 70·128 + 40).
    const batchAccuracy: number[] = await page.evaluate(() => (window as any).playground.charts.accuracy.series[0].ys);
    expect(batchAccuracy).toHaveLength(142);
    batchAccuracy.forEach((a, i) => {
      const rows = i % 71 === 70 ? 40 : 128;
      expect(Math.abs(a * rows - Math.round(a * rows))).toBeLessThan(1e-3);
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(1);
    });

    // The grid: 40 test images, each with a class name and a probability, the wrong ones marked.
    const cells = await gridCells(page);
    expect(cells).toHaveLength(40);
    for (const c of cells) {
      expect(c.predicted).toBeGreaterThanOrEqual(0);
      expect(c.predicted).toBeLessThan(10);
      expect(c.text).toContain(CLASS_NAMES[c.predicted]);
      expect(Number(c.probability)).toBeGreaterThan(0.1); // the largest of 10 probabilities
      expect(Number(c.probability)).toBeLessThanOrEqual(1);
      expect(c.wrong).toBe(c.predicted !== c.label);
      if (c.wrong) expect(c.text).toContain(`is ${CLASS_NAMES[c.label]}`);
    }
    expect(cells.filter((c) => !c.wrong).length).toBeGreaterThan(20);

    // Download: one .dnd file, which Node's dendrite reads and predicts the same with.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('fashion-mnist.dnd');
    const file = join(output, download.suggestedFilename());
    await download.saveAs(file);
    const d = await import(join(root, 'build', 'index.js'));
    const [images, labels] = await Promise.all(DATA_FILES.slice(2).map((f) => d.readIdx(readFileSync(join(dataDir!, `${f}.gz`)))));
    const x = { data: images.data, shape: [10_000, 784], scale: 1 / 255 };
    const inNode = await d.loadModel(file);
    // Chromium runs the relaxed-SIMD build (fused multiply-add), Node 20 the baseline: close, not equal.
    expect(Math.abs(inNode.evaluate(x, labels.data).accuracy - app.test.accuracy)).toBeLessThan(0.003);
    const rows = cells.map((c) => c.row);
    const probs = inNode.predict({ data: new Uint8Array(rows.flatMap((r) => [...images.data.subarray(r * 784, (r + 1) * 784)])), shape: [rows.length, 784], scale: 1 / 255 });
    cells.forEach((c, i) => expect(probs.row(i)[c.predicted]).toBeCloseTo(Number(c.probability), 4));
    inNode.dispose();

    // Load it back on the page: the same predictions, to the bit (same engine, same weights).
    await page.setInputFiles('#model-file', file);
    await page.waitForFunction(() => /^loaded fashion-mnist\.dnd/.test(document.getElementById('model-status')!.textContent!) && (window as any).playground.phase === 'ready', null, { timeout: 30_000 });
    expect(await gridCells(page)).toEqual(cells);
    expect(await page.evaluate(() => (window as any).playground.test.accuracy)).toBe(app.test.accuracy);
    expect(problems(page)).toEqual([]);
    await page.screenshot({ path: join(output, 'playground.png'), fullPage: true });
    await page.close();
  });

  it('trains the CNN preset on a subset: charts, the first convolution\'s filters redrawn per epoch, and a model file that predicts the same in Node', async () => {
    const page = await open(browser, command.url);
    await page.selectOption('#preset', 'cnn');
    expect(await page.inputValue('#layers')).toBe('conv:32:3:relu, maxpool:2, batchnorm:0.9, conv:64:3:relu, maxpool:2, batchnorm:0.9, flatten, dropout:0.25, 128:relu, dropout:0.4, 10:softmax');
    expect([await page.inputValue('#rows'), await page.inputValue('#epochs')]).toEqual(['10000', '3']);
    // 32·(3·3·1 + 1) + 4·32 + 64·(3·3·32 + 1) + 4·64 + 128·(5·5·64 + 1) + 10·(128 + 1); the batch norms' moving mean and variance do not train
    const summary = await page.textContent('#summary');
    expect(summary).toContain(`Total params: ${(320 + 128 + 18_496 + 256 + 204_928 + 1_290).toLocaleString('en-US')}`);
    expect(summary).toContain(`Non-trainable params: ${2 * (32 + 64)}`);
    expect(await page.isHidden('#filters-panel')).toBe(true); // nothing trained yet
    await page.fill('#rows', '3000');
    await page.fill('#epochs', '2');
    await page.selectOption('#threads', String(Math.min(2, await page.evaluate(() => navigator.hardwareConcurrency))));

    /** The filter canvases as they are now (size on screen, pixels as RGBA), and every drawing the page recorded. */
    const filters = () =>
      page.evaluate(() => ({
        drawn: (window as any).playground.filters.map((f: { epoch: number; scale: number; pixels: Uint8ClampedArray }) => ({ epoch: f.epoch, scale: f.scale, pixels: [...f.pixels] })),
        caption: document.getElementById('filters-caption')!.textContent,
        canvases: [...document.querySelectorAll<HTMLCanvasElement>('#filters canvas')].map((c) => ({
          width: c.width,
          height: c.height,
          shown: c.getBoundingClientRect().width,
          pixels: [...c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data],
        })),
      }));
    await page.click('#train');
    await page.waitForFunction(() => (window as any).playground.filters.length >= 2, null, { timeout: 60_000 });
    await page.screenshot({ path: join(output, 'playground-cnn-training.png'), fullPage: true }); // to look at
    await finished(page, 1);
    const last = await filters();
    const app = await page.evaluate(() => {
      const a = (window as any).playground;
      return { test: a.test, error: a.error, events: a.progress.events, batchesPerEpoch: a.progress.batchesPerEpoch };
    });
    expect(app.error).toBeUndefined();
    expect(problems(page)).toEqual([]);
    expect(app.test.rows).toBe(10_000);
    expect(app.test.accuracy).toBeGreaterThan(0.6);
    // 2,700 training rows / 128 = 22 batches per epoch, all of them plotted.
    expect(app.batchesPerEpoch).toBe(22);
    expect(app.events).toMatchObject({ trainBegin: 1, batch: 44, epoch: 2 });
    for (const id of ['loss-chart', 'accuracy-chart']) {
      const ink = await inkOf(page, id);
      expect(ink.points).toEqual({ batch: 44, 'batches (smoothed)': 44, train: 2, validation: 2 });
      expect(ink.train).toBeGreaterThan(100);
      expect(ink.validation).toBeGreaterThan(30);
    }

    // Filters: drawn as initialised, then after each epoch (each drawing differs from the one
    // before); 32 canvases of 3×3 pixels, shown scaled up, holding the last drawing.
    expect(last.drawn.map((f) => f.epoch)).toEqual([-1, 0, 1]);
    for (let i = 1; i < 3; i++) expect(last.drawn[i].pixels, `drawing ${i}`).not.toEqual(last.drawn[i - 1].pixels);
    expect(last.caption).toMatch(/^32 filters of 3×3, after epoch 2; colour scale ±/);
    expect(last.canvases).toHaveLength(32);
    for (const c of last.canvases) {
      expect([c.width, c.height]).toEqual([3, 3]);
      expect(c.shown).toBeGreaterThanOrEqual(30);
    }
    const pixels = (s: typeof last) => s.canvases.flatMap((c) => c.pixels);
    expect(pixels(last)).toEqual(last.drawn[2].pixels);

    // Download: the file loads in Node, predicts what the page showed, and its kernel is what the
    // last drawing shows: white at 0, red for +, blue for −, saturated at the largest |weight|.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const file = join(output, 'fashion-mnist-cnn.dnd');
    await download.saveAs(file);
    const d = await import(join(root, 'build', 'index.js'));
    const inNode = await d.loadModel(file);
    expect(inNode.layers.map((l: { type: string }) => l.type)).toEqual(['Conv2D', 'MaxPooling2D', 'BatchNormalization', 'Conv2D', 'MaxPooling2D', 'BatchNormalization', 'Flatten', 'Dropout', 'Dense', 'Dropout', 'Dense']);
    expect(inNode.countParams()).toBe(225_418);
    expect([inNode.layers[2].getConfig().momentum, inNode.layers[5].getConfig().momentum]).toEqual([0.9, 0.9]);
    const kernel = inNode.getWeights()[0];
    expect(kernel.shape).toEqual([3, 3, 1, 32]);
    const max = Math.max(...kernel.data.map(Math.abs));
    expect(max).toBe(last.drawn[2].scale);
    last.canvases.forEach((c, f) => {
      for (let p = 0; p < 9; p++) {
        const w = kernel.data[p * 32 + f] / max;
        const fade = 255 * (1 - Math.abs(w));
        const [r, g, b, a] = c.pixels.slice(4 * p, 4 * p + 4);
        const [near, far] = w >= 0 ? [r, b] : [b, r]; // the weight's own colour channel stays full
        expect(near, `filter ${f} pixel ${p} (w/max ${w.toFixed(3)})`).toBe(255);
        expect(Math.abs(far - fade), `filter ${f} pixel ${p} (w/max ${w.toFixed(3)})`).toBeLessThanOrEqual(1);
        expect(Math.abs(g - fade)).toBeLessThanOrEqual(1);
        expect(a).toBe(255);
      }
    });
    const [images, labels] = await Promise.all(DATA_FILES.slice(2).map((f) => d.readIdx(readFileSync(join(dataDir!, `${f}.gz`)))));
    expect(Math.abs(inNode.evaluate({ data: images.data, shape: [10_000, 28, 28, 1], scale: 1 / 255 }, labels.data).accuracy - app.test.accuracy)).toBeLessThan(0.003);
    const cells = await gridCells(page);
    expect(cells).toHaveLength(40);
    const rows = cells.map((c) => c.row);
    const probs = inNode.predict({ data: new Uint8Array(rows.flatMap((r) => [...images.data.subarray(r * 784, (r + 1) * 784)])), shape: [rows.length, 784], scale: 1 / 255 });
    cells.forEach((c, i) => expect(probs.row(i)[c.predicted]).toBeCloseTo(Number(c.probability), 4));
    inNode.dispose();

    // Loaded back on the page: the same predictions and the same filters, named after the file.
    await page.setInputFiles('#model-file', file);
    await page.waitForFunction(() => /^loaded fashion-mnist-cnn\.dnd/.test(document.getElementById('model-status')!.textContent!) && (window as any).playground.phase === 'ready', null, { timeout: 60_000 });
    expect(await gridCells(page)).toEqual(cells);
    const loaded = await filters();
    expect(loaded.caption).toMatch(/^32 filters of 3×3, from fashion-mnist-cnn\.dnd/);
    expect(pixels(loaded)).toEqual(pixels(last));
    expect(problems(page)).toEqual([]);
    await page.screenshot({ path: join(output, 'playground-cnn.png'), fullPage: true });
    await page.close();
  });

  it('served without COOP/COEP or data: single-threaded on picked files, with pause, resume and stop', async () => {
    const plain = await servePlayground({ isolated: false, dataDir: null });
    try {
      const page = await open(browser, plain.url);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await page.getAttribute('#data-status', 'data-state')).toBe('missing');
      expect(await page.isDisabled('#train')).toBe(true);
      expect(await page.isDisabled('#threads')).toBe(true);
      expect(await page.textContent('#threads-note')).toMatch(/^Single-threaded: the page is not cross-origin isolated/);

      // The four files through the file input, as a user without the server's copy would.
      await page.setInputFiles('#data-files', DATA_FILES.map((f) => join(dataDir!, `${f}.gz`)));
      await page.waitForFunction(() => (window as any).playground.phase === 'ready', null, { timeout: 30_000 });
      expect(await page.textContent('#data-status')).toBe('60,000 training and 10,000 test images (picked files)');

      // Mistakes in the layers field are named, and training waits for a valid model.
      await page.fill('#layers', '64:relu, 10:softmaxx');
      expect(await page.textContent('#layers-error')).toMatch(/^"10:softmaxx": unknown activation "softmaxx"; expected one of: linear, /);
      await page.fill('#layers', '64:relu, dropout:0.1');
      expect(await page.textContent('#layers-error')).toBe('the last layer must be 10:softmax (one probability per class), got "dropout:0.1"');
      await page.fill('#layers', 'conv:8:3:relu, 10:softmax');
      expect(await page.textContent('#layers-error')).toBe('"10:softmax": a dense layer after convolutions needs a flatten before it, as in "maxpool:2, flatten, 10:softmax"');
      await page.fill('#layers', 'conv:8, flatten, 10:softmax');
      expect(await page.textContent('#layers-error')).toBe('"conv:8": the window size must be a whole number from 1 to 28, as in conv:32:3:relu');
      await page.fill('#layers', 'conv:8:3, batchnorm:1.5, flatten, 10:softmax');
      expect(await page.textContent('#layers-error')).toBe('"batchnorm:1.5": batchnorm\'s momentum must be in [0, 1), as in batchnorm:0.9');
      await page.fill('#layers', 'conv:8:3, flatten, 10:softmax');
      expect(await page.isHidden('#layers-error')).toBe(true);
      expect(await page.inputValue('#preset')).toBe('custom');
      expect(await page.textContent('#summary')).toContain('[null, 26, 26, 8]');
      await page.fill('#layers', '64:relu, dropout:0.1, 10:softmax');
      expect(await page.isHidden('#layers-error')).toBe(true);
      expect(await page.textContent('#summary')).toContain('dropout (Dropout)');

      await page.fill('#rows', '70000');
      await page.click('#train');
      expect(await page.textContent('#form-error')).toBe('Training images: expected a whole number from 10 to 60000, got "70000"');
      expect(await page.textContent('#state')).toBe('ready');
      await page.fill('#rows', '3000');
      await page.fill('#batch', '16');
      await page.fill('#epochs', '200'); // far more than it will run: Stop ends it
      await page.click('#train');
      const progress = () => page.evaluate(() => ({ ...(window as any).playground.progress.events, done: (window as any).playground.progress.done }));
      await page.waitForFunction(() => (window as any).playground.progress.events.batch >= 20, null, { timeout: 30_000 });
      await page.click('#pause');
      await page.waitForFunction(() => (window as any).playground.progress.events.paused === 1, null, { timeout: 10_000 });
      expect(await page.textContent('#state')).toBe('paused');
      expect(await page.textContent('#pause')).toBe('Resume');
      const atPause = await progress();
      await page.waitForTimeout(400);
      expect(await progress()).toEqual(atPause); // nothing happens while paused
      await page.click('#pause');
      await page.waitForFunction((done) => (window as any).playground.progress.done > done + 20, atPause.done, { timeout: 10_000 });
      expect(await page.textContent('#state')).toBe('training');
      await page.click('#stop');
      await finished(page, 1);
      const app = await page.evaluate(() => {
        const a = (window as any).playground;
        return { test: a.test, error: a.error, events: a.progress.events, threads: a.progress.threads, threadsReason: a.progress.threadsReason };
      });
      expect(app.error).toBeUndefined();
      expect(app.events.resumed).toBe(1);
      expect(app.events.epoch).toBeLessThan(200);
      expect(app.test.accuracy).toBeGreaterThan(0.6); // whatever was trained before Stop is kept
      expect(app.threads).toBe(1);
      expect(await page.textContent('#state')).toBe('stopped');
      // The engine's own words for why (its wording is the engine's business).
      expect(app.threadsReason).not.toBe('');
      expect(await page.getAttribute('#worker-threads', 'title')).toBe(app.threadsReason);
      expect(await gridCells(page)).toHaveLength(40);
      // The only failed loads are the data files this server does not have.
      expect(problems(page, /status of 404/)).toEqual([]);
      await page.screenshot({ path: join(output, 'playground-single-threaded.png'), fullPage: true });
      await page.close();
    } finally {
      await plain.close();
    }
  });
});
