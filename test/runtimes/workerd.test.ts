// workerd (the Cloudflare Workers runtime, from npm) serving examples/edge: the worker imports
// dendrite's edge entry, which imports dendrite.wasm as a WebAssembly.Module; it loads a model
// saved by Node from bytes and answers predictions over HTTP on 127.0.0.1.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, root, run } from '../../scripts/runtimes/process.mjs';
import { startWorkerd } from '../../scripts/runtimes/workerd.mjs';
import { trainedCnnHash, trainedWeightsHash } from './fixtures/determinism.js';

const modelPath = join(root, 'examples', 'edge', 'model.dnd');

describe('workerd', () => {
  let server: Awaited<ReturnType<typeof startWorkerd>>;
  beforeAll(async () => {
    // The steps in docs/runtimes.md: train and save in Node, then serve the config.
    expectOk(await run(process.execPath, ['examples/edge/train.mjs', modelPath], { timeoutMs: 60_000 }));
    server = await startWorkerd(join(root, 'examples', 'edge', 'config.capnp'));
  });
  afterAll(() => server?.stop());

  const post = (body: string) => fetch(`${server.url}/predict`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

  it('answers predictions equal to Node\'s for the same model file', async () => {
    const rows = [[0, 0], [0.9, 0.9], [0.3, -0.2], [-0.8, 0.1]];
    const res = await post(JSON.stringify(rows));
    expect(res.status).toBe(200);
    const body = await res.json();
    const d = await import(join(root, 'build', 'index.js'));
    const model = await d.loadModel(modelPath);
    const expected = model.predict(rows);
    expect(body.predictions).toEqual(expected.toArray());
    expect(body.classes).toEqual([1, 0, 1, 0]); // inside radius 0.5 is class 1
    expect(body.classes).toEqual(Array.from(expected.argMax()));
  });

  it('reports the model and the engine, and rejects bad input with the typed error', async () => {
    const info = await (await fetch(`${server.url}/info`)).json();
    expect(info.summary).toMatch(/Total params: 658/);
    expect(info.engine).toMatchObject({ build: 'simd128', threads: 1 });
    const bad = await post('[[1, 2, 3]]');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/^ShapeError: .*2 features/);
  });
});

describe('workerd training', () => {
  let server: Awaited<ReturnType<typeof startWorkerd>>;
  beforeAll(async () => {
    server = await startWorkerd(join(root, 'test', 'runtimes', 'fixtures', 'determinism.capnp'), { readyPath: '/ready' });
  });
  afterAll(() => server?.stop());

  it('trains an MLP and a CNN to bit-identical weights to Node with the same seed', async () => {
    const d = await import(join(root, 'build', 'index.js'));
    for (const [path, train, parameters] of [['/mlp', trainedWeightsHash, 651], ['/cnn', trainedCnnHash, 437]] as const) {
      const res = await fetch(server.url + path);
      expect(res.status, await res.clone().text()).toBe(200);
      const inWorkerd = await res.json();
      expect(inWorkerd.parameters, path).toBe(parameters);
      expect(inWorkerd.lastLoss, path).toBeLessThan(inWorkerd.firstLoss);
      expect(inWorkerd, path).toEqual(await train(d));
    }
  });
});
