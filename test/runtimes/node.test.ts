// Node: the example, init(), and training in a worker thread (fitInWorker) through the built
// bundle build/index.js: progress events, pause / resume / stop / cancel, errors of the same
// classes, and weights bit-identical to model.fit on the main thread — also when continuing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOk, lastJson, root, run } from '../../scripts/runtimes/process.mjs';
import type * as Dendrite from '../../src/api.js';

const d: typeof Dendrite = await import(join(root, 'build', 'index.js'));
const { sequential, dense, adam, fitInWorker } = d;

const tmp = mkdtempSync(join(tmpdir(), 'dendrite-node-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Two rings: class 1 inside radius 0.5 (the examples' data). */
function rings(n: number) {
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = rand();
    x[2 * i + 1] = rand();
    y[i] = Math.hypot(x[2 * i], x[2 * i + 1]) < 0.5 ? 1 : 0;
  }
  return { x, y };
}

function mlp() {
  const m = sequential([
    dense({ units: 32, activation: 'relu', inputShape: [2] }),
    dense({ units: 16, activation: 'tanh' }),
    dense({ units: 2, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const flat = (m: Dendrite.Sequential) => m.getWeights().flatMap((w) => Array.from(w.data));
const identical = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const { x, y } = rings(1000);

describe('Node example', () => {
  it('trains XOR and an MLP in a worker thread, pauses and resumes it, saves, loads and predicts', async () => {
    const result = await run(process.execPath, ['examples/node/main.mjs', tmp], { timeoutMs: 60_000 });
    expectOk(result);
    const r = lastJson(result.stdout);
    expect(r.xor[0]).toBeLessThan(0.1);
    expect(r.xor[1]).toBeGreaterThan(0.9);
    expect(r.xor[2]).toBeGreaterThan(0.9);
    expect(r.xor[3]).toBeLessThan(0.1);
    expect(r.accuracy).toBeGreaterThan(0.95);
    expect(r.epochs).toBe(20);
    expect(r.events).toEqual({ trainBegin: 1, batch: 20 * 50, epoch: 20, paused: 1, resumed: 1 }); // 1600 rows / 32
    expect(r.same).toBe(true);
    expect(readFileSync(r.path).length).toBeGreaterThan(658 * 4);
  });
});

describe('fitInWorker (worker_threads)', () => {
  it('gives the weights model.fit gives, bit for bit, and continues training exactly', async () => {
    const main = mlp();
    await main.fit(x, y, { epochs: 2, batchSize: 32, seed: 5 });
    await main.fit(x, y, { epochs: 2, batchSize: 32 });

    const worker = mlp();
    const first = await fitInWorker(worker, x, y, { epochs: 2, batchSize: 32, seed: 5 }).result;
    expect(first.history.epoch).toEqual([0, 1]);
    expect(first.weights.map((w) => w.name)).toEqual(worker.getWeights().map((w) => w.name));
    // Continue: epoch count (shuffle stream), Adam's step and moments must have come back too.
    await fitInWorker(worker, x, y, { epochs: 2, batchSize: 32 }).result;
    expect(identical(flat(worker), flat(main))).toBe(true);

    // And the other way round: worker-trained, then continued on the main thread.
    const mixed = mlp();
    await fitInWorker(mixed, x, y, { epochs: 2, batchSize: 32, seed: 5 }).result;
    await mixed.fit(x, y, { epochs: 2, batchSize: 32 });
    expect(identical(flat(mixed), flat(main))).toBe(true);
    expect(mixed.epochsTrained).toBe(4);
  });

  it('is bit-identical with dropout, normalization, a regularizer and a learning-rate schedule', async () => {
    // Everything that carries state across steps: dropout's generator stream, batch-norm moving
    // statistics (non-trainable weights), the schedule's step count, Adam's moments.
    const rich = () => {
      const m = sequential([
        dense({ units: 32, activation: 'relu', inputShape: [2], kernelRegularizer: d.l2(1e-3) }),
        d.batchNormalization(),
        d.dropout({ rate: 0.2 }),
        dense({ units: 16, activation: 'tanh' }),
        d.layerNormalization(),
        dense({ units: 2, activation: 'softmax' }),
      ]);
      const learningRate = d.exponentialDecay({ initialLearningRate: 0.01, decaySteps: 10, decayRate: 0.9 });
      m.compile({ optimizer: adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const main = rich();
    await main.fit(x, y, { epochs: 2, batchSize: 32, seed: 4 });
    await main.fit(x, y, { epochs: 2, batchSize: 32 });
    const worker = rich();
    await fitInWorker(worker, x, y, { epochs: 2, batchSize: 32, seed: 4 }).result;
    await fitInWorker(worker, x, y, { epochs: 2, batchSize: 32 }).result;
    expect(identical(flat(worker), flat(main))).toBe(true);
  });

  it('runs kernel threads inside the worker when asked, with the same bits', async () => {
    const main = mlp();
    await main.fit(x, y, { epochs: 2, batchSize: 500, seed: 8 });
    const events: Dendrite.WorkerFitEvent[] = [];
    const threaded = mlp();
    await fitInWorker(threaded, x, y, { epochs: 2, batchSize: 500, seed: 8, threads: 2, onProgress: (e) => events.push(e) }).result;
    const begin = events[0] as Extract<Dendrite.WorkerFitEvent, { type: 'trainBegin' }>;
    expect(begin.threads).toBe(Math.min(2, availableParallelism()));
    expect(identical(flat(threaded), flat(main))).toBe(true);
  });

  it('reports typed progress: trainBegin, every batch, epochs with logs and samples/s', async () => {
    const events: Dendrite.WorkerFitEvent[] = [];
    const { history } = await fitInWorker(mlp(), x, y, { epochs: 3, batchSize: 100, seed: 1, validationSplit: 0.2, progressInterval: 0, onProgress: (e) => events.push(e) }).result;
    expect(events[0]).toMatchObject({ type: 'trainBegin', epochs: 3, batchesPerEpoch: 8, samplesPerEpoch: 800, threads: 1 });
    const batches = events.filter((e) => e.type === 'batch');
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(batches).toHaveLength(24);
    expect(batches.slice(0, 8).map((e) => e.type === 'batch' && e.batch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const e of batches) if (e.type === 'batch') expect(e.samplesPerSec).toBeGreaterThan(0);
    expect(epochs.map((e) => e.type === 'epoch' && e.epoch)).toEqual([0, 1, 2]);
    for (const e of epochs) {
      if (e.type !== 'epoch') continue;
      expect(Object.keys(e.logs).sort()).toEqual(['accuracy', 'loss', 'valAccuracy', 'valLoss']);
      expect(e.samplesPerSec).toBeGreaterThan(0);
      expect(e.logs.loss).toBe(history.history.loss[e.epoch]);
    }
  });

  it('sends the weights with every epoch event on request: those model.fit has at each epoch end', async () => {
    const main = mlp();
    const atEpochEnd: number[][] = [];
    await main.fit(x, y, { epochs: 3, batchSize: 50, seed: 3, callbacks: { onEpochEnd: () => void atEpochEnd.push(flat(main)) } });
    const events: Dendrite.WorkerFitEvent[] = [];
    const worker = mlp();
    await fitInWorker(worker, x, y, { epochs: 3, batchSize: 50, seed: 3, epochWeights: true, onProgress: (e) => events.push(e) }).result;
    const sent = events.flatMap((e) => (e.type === 'epoch' ? [e.weights!] : []));
    expect(sent).toHaveLength(3);
    expect(sent[0].map((w) => w.name)).toEqual(worker.getWeights().map((w) => w.name));
    sent.forEach((ws, i) => expect(identical(ws.flatMap((w) => Array.from(w.data)), atEpochEnd[i])).toBe(true));
    expect(identical(atEpochEnd[1], atEpochEnd[2])).toBe(false);
    // Off by default: epoch events carry no weights.
    const plain: Dendrite.WorkerFitEvent[] = [];
    await fitInWorker(mlp(), x, y, { epochs: 1, onProgress: (e) => plain.push(e) }).result;
    expect(plain.filter((e) => e.type === 'epoch').every((e) => !('weights' in e))).toBe(true);
    expect(() => fitInWorker(mlp(), x, y, { epochWeights: 1 as never })).toThrow(/epochWeights must be true or false, got 1/);
  });

  it('pauses between batches and resumes', async () => {
    const log: string[] = [];
    let pausedAt = 0;
    const job = fitInWorker(mlp(), x, y, {
      epochs: 40, // long enough (≈ 1 s) for the pause to land mid-training
      batchSize: 10,
      seed: 2,
      progressInterval: 0,
      onProgress(e) {
        log.push(e.type);
        if (e.type === 'epoch' && e.epoch === 0) job.pause();
        if (e.type === 'paused') {
          pausedAt = log.length;
          setTimeout(() => {
            // Nothing may arrive while paused.
            expect(log.length).toBe(pausedAt);
            expect(job.status).toBe('paused');
            job.resume();
          }, 150);
        }
      },
    });
    const { history } = await job.result;
    expect(history.epoch).toHaveLength(40);
    expect(log.filter((t) => t === 'paused')).toHaveLength(1);
    expect(log.filter((t) => t === 'epoch')).toHaveLength(40);
    expect(log[pausedAt]).toBe('resumed');
    expect(job.status).toBe('done');
  });

  it('stops early and keeps what was trained', async () => {
    const model = mlp();
    model.build({ seed: 3 });
    const before = flat(model);
    const job = fitInWorker(model, x, y, {
      epochs: 50,
      batchSize: 10,
      seed: 3,
      onProgress: (e) => e.type === 'epoch' && e.epoch === 1 && job.stop(),
    });
    const { history } = await job.result;
    expect(history.epoch.length).toBeGreaterThanOrEqual(2);
    expect(history.epoch.length).toBeLessThan(50);
    expect(identical(flat(model), before)).toBe(false);
    expect(model.epochsTrained).toBe(history.epoch.length);
  });

  it('cancels at once: AbortError, the model keeps its weights, also through a signal', async () => {
    const model = mlp();
    model.build({ seed: 4 });
    const before = flat(model);
    const job = fitInWorker(model, x, y, { epochs: 500, batchSize: 10, onProgress: (e) => e.type === 'epoch' && job.cancel() });
    const error = await job.result.catch((e) => e);
    expect(error).toBeInstanceOf(d.AbortError);
    expect(error.message).toMatch(/cancelled after 1 epoch/);
    expect(job.status).toBe('cancelled');
    expect(identical(flat(model), before)).toBe(true);

    const controller = new AbortController();
    const job2 = fitInWorker(model, x, y, { epochs: 500, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(job2.result).rejects.toBeInstanceOf(d.AbortError);
    expect(identical(flat(model), before)).toBe(true);
    // The model is free again.
    await fitInWorker(model, x, y, { epochs: 1 }).result;
  });

  it('throws typed errors at the call, and rebuilds the worker\'s errors as the same classes', async () => {
    const uncompiled = sequential([dense({ units: 2, inputShape: [2] })]);
    expect(() => fitInWorker(uncompiled, x, y)).toThrow(d.StateError);
    expect(() => fitInWorker(mlp(), new Float32Array(3), y)).toThrow(d.ShapeError);
    expect(() => fitInWorker(mlp(), x, y.subarray(1))).toThrow(d.ShapeError);
    expect(() => fitInWorker(mlp(), x, y, { progressInterval: -1 })).toThrow(d.ValueError);
    expect(() => fitInWorker(mlp(), x, y, { threads: 0 })).toThrow(d.ValueError);
    const busy = mlp();
    const running = fitInWorker(busy, x, y, { epochs: 1 });
    expect(() => fitInWorker(busy, x, y)).toThrow(/already training/);
    await running.result;

    // Checked inside the worker by fit itself.
    const bad = await fitInWorker(mlp(), x, y, { validationSplit: 1.5 }).result.catch((e) => e);
    expect(bad).toBeInstanceOf(d.ValueError);
    expect(bad.message).toMatch(/validationSplit/);
    const nan = x.slice();
    nan[7] = Number.NaN;
    await expect(fitInWorker(mlp(), nan, y).result).rejects.toThrow(/non-finite value at row 3, column 1/);
    const missing = await fitInWorker(mlp(), x, y, { worker: new URL('file:///nonexistent/fit-worker.js') }).result.catch((e) => e);
    expect(missing).toBeInstanceOf(Error);
    // An unknown option is refused at the call; a value that cannot cross to a thread rejects instead of hanging.
    expect(() => fitInWorker(mlp(), x, y, { epochs: 1, notAnOption: () => 1 } as never)).toThrow(d.ValueError);
    const uncloneable = await fitInWorker(mlp(), x, y, { epochs: 1, shuffle: (() => true) as never }).result.catch((e) => e);
    expect(uncloneable.name).toBe('DataCloneError');
  });

  it('copies the data by default, and moves it with transfer: true', async () => {
    const xs = x.slice();
    await fitInWorker(mlp(), xs, y, { epochs: 1 }).result;
    expect(xs.length).toBe(x.length);
    await fitInWorker(mlp(), xs, y, { epochs: 1, transfer: true }).result;
    expect(xs.length).toBe(0); // detached: it went to the worker without a copy
  });
});

describe('init()', () => {
  it('is optional in Node, resolves with the engine info, and refuses a new module once models exist', async () => {
    const info = await d.init();
    expect(info.build).toBe('simd128');
    expect(info.threads).toBeGreaterThanOrEqual(1);
    const bytes = readFileSync(join(root, 'build', 'dendrite.wasm'));
    await expect(d.init({ wasm: bytes })).rejects.toBeInstanceOf(d.StateError);
    await expect(d.init({ wasm: 42 as never })).rejects.toBeInstanceOf(d.ValueError);
  });

  it.each([
    ['a path', "path.join(root, 'build/dendrite.wasm')"],
    ['a file: URL', "new URL('build/dendrite.wasm', pathToFileURL(root + '/'))"],
    ['bytes', "fs.readFileSync(path.join(root, 'build/dendrite.wasm'))"],
    ['a Response', "new Response(fs.readFileSync(path.join(root, 'build/dendrite.wasm')), { headers: { 'content-type': 'application/wasm' } })"],
  ])('loads the wasm from %s before the first model', async (_what, expr) => {
    const script = `
      import fs from 'node:fs'; import path from 'node:path'; import { pathToFileURL } from 'node:url';
      const root = ${JSON.stringify(root)};
      const d = await import(pathToFileURL(path.join(root, 'build/index.js')).href);
      const info = await d.init({ wasm: ${expr} });
      const m = d.sequential([d.dense({ units: 1, inputShape: [2], kernelInitializer: 'ones' })]);
      console.log(JSON.stringify({ build: info.build, out: Array.from(m.predict([[1, 2]]).data) }));`;
    const result = await run(process.execPath, ['--input-type=module', '-e', script]);
    expectOk(result);
    expect(lastJson(result.stdout)).toEqual({ build: 'simd128', out: [3] });
  });
});
