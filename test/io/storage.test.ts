// Storage in every runtime: paths and file:// URLs, IndexedDB (against fake-indexeddb, a full
// in-memory implementation of the IndexedDB API), localStorage (an in-memory Storage with a
// browser-like quota), downloads (a fake document), File / Blob loading, http(s) loading from a
// local server, and bytes. Every save → load is bit-exact in the file and the predictions.
import { createServer, type Server } from 'node:http';
import { resolveObjectURL } from 'node:buffer';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  adam, dense, listModels, loadModel, ModelFileError, removeModel, saveModel, sequential, StateError, ValueError,
  type Sequential,
} from '../../src/index.js';
import { fromBase64, toBase64 } from '../../src/io/base64.js';
import { stores } from '../../src/io/storage.js';
import { type DownloadDocument, downloadBytes, indexedDbStore, localStorageStore } from '../../src/io/stores.js';

const x = [[0.1, -0.2, 0.3], [1, 0.5, -1], [0, 0, 2]];

async function trainedModel(): Promise<Sequential> {
  const m = sequential([dense({ units: 5, activation: 'relu', inputShape: [3] }), dense({ units: 2, activation: 'softmax' })]);
  m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit(x, [0, 1, 1], { epochs: 3, batchSize: 2, seed: 3 });
  return m;
}

/** Same file bytes, same predictions bit for bit. */
function expectSame(a: Sequential, b: Sequential, includeOptimizer = false): void {
  expect(Buffer.from(b.toBytes({ includeOptimizer })).equals(Buffer.from(a.toBytes({ includeOptimizer })))).toBe(true);
  expect(Buffer.from(b.predict(x).data.buffer).equals(Buffer.from(a.predict(x).data.buffer))).toBe(true);
}

/** An in-memory Storage that, like browsers, refuses to hold more than `quota` UTF-16 units. */
class MemoryStorage implements Storage {
  private map = new Map<string, string>();
  constructor(private readonly quota = 5_000_000) {}
  get length() {
    return this.map.size;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    const used = [...this.map].reduce((n, [key, val]) => n + (key === k ? 0 : key.length + val.length), 0);
    if (used + k.length + v.length > this.quota) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    this.map.set(k, String(v));
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
  clear() {
    this.map.clear();
  }
}

let model: Sequential;
beforeAll(async () => {
  model = await trainedModel();
});
afterAll(() => model.dispose());
const original = { ...stores };
afterEach(() => Object.assign(stores, original));

describe('paths and file:// URLs (Node, Deno)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dendrite-storage-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('saves atomically to a path and a file:// URL and loads both back', async () => {
    const path = join(dir, 'a.dnd');
    expect(await model.save(path)).toEqual({ target: path, bytes: model.toBytes().length });
    expectSame(model, await loadModel(path));
    const url = pathToFileURL(join(dir, 'b c.dnd')).href; // a space, percent-encoded in the URL
    await saveModel(model, url, { includeOptimizer: true });
    expectSame(model, await loadModel(url), true);
    expect((await readdir(dir)).sort()).toEqual(['a.dnd', 'b c.dnd']); // no temp files left
  });

  it('names the path of a missing file', async () => {
    await expect(loadModel(join(dir, 'missing.dnd'))).rejects.toThrow(new ModelFileError(`no such file: ${join(dir, 'missing.dnd')}`));
  });
});

describe('indexeddb://', () => {
  it('saves, lists, loads (bit-exact, checkpoints too), overwrites and removes', async () => {
    const factory = new IDBFactory();
    stores.indexeddb = () => indexedDbStore(factory);
    expect(await listModels('indexeddb://')).toEqual([]);
    const size = (await model.save('indexeddb://clf', { includeOptimizer: true })).bytes;
    await model.save('indexeddb://other model/v1');
    expect(await listModels('indexeddb')).toEqual([
      { url: 'indexeddb://clf', bytes: size },
      { url: 'indexeddb://other model/v1', bytes: model.toBytes().length },
    ]);
    const back = await loadModel('indexeddb://clf');
    expectSame(model, back, true);
    expect(back.epochsTrained).toBe(3);
    // Overwrite with a different model, then remove.
    const small = sequential([dense({ units: 1, inputShape: [3] })]);
    await small.save('indexeddb://clf');
    expect((await loadModel('indexeddb://clf')).countParams()).toBe(4);
    expect(await removeModel('indexeddb://clf')).toBe(true);
    expect(await removeModel('indexeddb://clf')).toBe(false);
    await expect(loadModel('indexeddb://clf')).rejects.toThrow(new ModelFileError('no model stored at indexeddb://clf'));
    expect((await listModels('indexeddb://')).map((m) => m.url)).toEqual(['indexeddb://other model/v1']);
  });

  it('stores exactly the file when given a view into a larger buffer', async () => {
    const factory = new IDBFactory();
    const store = indexedDbStore(factory);
    const big = new Uint8Array(100).map((_, i) => i);
    await store.write('view', big.subarray(10, 20));
    const back = await store.read('view');
    expect(Array.from(back!)).toEqual(Array.from({ length: 10 }, (_, i) => i + 10));
    expect(back!.buffer.byteLength).toBe(10);
  });

  it('is a clear StateError where the runtime has no IndexedDB (Node)', async () => {
    expect(() => indexedDbStore(undefined)).toThrow(StateError);
    await expect(model.save('indexeddb://x')).rejects.toThrow(/indexeddb:\/\/ needs IndexedDB/);
  });
});

describe('localstorage://', () => {
  it('saves as base64, lists sizes without decoding, loads bit-exact, removes', async () => {
    const storage = new MemoryStorage();
    stores.localstorage = () => localStorageStore(storage);
    await model.save('localstorage://tiny');
    storage.setItem('unrelated', 'x');
    expect(storage.getItem('dendrite/tiny')).toBe(toBase64(model.toBytes()));
    expect(await listModels('localstorage://')).toEqual([{ url: 'localstorage://tiny', bytes: model.toBytes().length }]);
    expectSame(model, await loadModel('localstorage://tiny'));
    expect(await removeModel('localstorage://tiny')).toBe(true);
    expect(storage.getItem('unrelated')).toBe('x');
  });

  it('a full store is a ModelFileError that suggests IndexedDB, and the old model survives', async () => {
    const storage = new MemoryStorage(4000);
    stores.localstorage = () => localStorageStore(storage);
    const small = sequential([dense({ units: 1, inputShape: [3] })]);
    await small.save('localstorage://m');
    const big = sequential([dense({ units: 400, inputShape: [3] })]);
    const error = await big.save('localstorage://m').catch((e) => e);
    expect(error).toBeInstanceOf(ModelFileError);
    expect(error.message).toMatch(/could not store \d+ bytes as "m" in localStorage .*use indexeddb:\/\/.*QuotaExceededError/);
    expectSame(small, await loadModel('localstorage://m'));
  });

  it('rejects an entry that is not base64', async () => {
    const storage = new MemoryStorage();
    storage.setItem('dendrite/bad', '%%%');
    stores.localstorage = () => localStorageStore(storage);
    await expect(loadModel('localstorage://bad')).rejects.toThrow(/not base64 model data/);
  });
});

describe('downloads://', () => {
  function fakeDocument() {
    const clicks: { href: string; download: string }[] = [];
    const doc: DownloadDocument = {
      createElement: () => {
        const a = { href: '', download: '', click: () => clicks.push({ href: a.href, download: a.download }), remove: () => {} };
        return a;
      },
      body: { appendChild: () => undefined },
    };
    return { doc, clicks };
  }

  it('offers the model file as name.dnd through a Blob URL', async () => {
    const { doc, clicks } = fakeDocument();
    downloadBytes(model.toBytes(), 'clf.dnd', doc);
    expect(clicks).toHaveLength(1);
    expect(clicks[0].download).toBe('clf.dnd');
    const blob = resolveObjectURL(clicks[0].href)!;
    expect(Buffer.from(await blob.arrayBuffer()).equals(Buffer.from(model.toBytes()))).toBe(true);
  });

  it('adds .dnd unless the name has an extension; needs a document; cannot load', async () => {
    const { doc, clicks } = fakeDocument();
    (globalThis as { document?: unknown }).document = doc;
    try {
      await model.save('downloads://clf');
      await model.save('downloads://clf.safetensors');
    } finally {
      delete (globalThis as { document?: unknown }).document;
    }
    expect(clicks.map((c) => c.download)).toEqual(['clf.dnd', 'clf.safetensors']);
    await expect(model.save('downloads://clf')).rejects.toThrow(StateError);
    await expect(loadModel('downloads://clf')).rejects.toThrow(/downloads:\/\/ only saves/);
  });
});

describe('File / Blob, bytes, http(s)', () => {
  it('loads a File (file input), a Blob, a Uint8Array and an ArrayBuffer', async () => {
    const bytes = model.toBytes();
    expectSame(model, await loadModel(new File([bytes], 'clf.dnd')));
    expectSame(model, await loadModel(new Blob([bytes])));
    expectSame(model, await loadModel(bytes));
    expectSame(model, await loadModel(bytes.slice().buffer));
  });

  it('fetches http:// URLs, and names the status of a failed fetch', async () => {
    const bytes = model.toBytes();
    const server: Server = createServer((req, res) => {
      if (req.url === '/clf.dnd') res.end(Buffer.from(bytes));
      else res.writeHead(404, 'Not Found').end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      expectSame(model, await loadModel(`http://127.0.0.1:${port}/clf.dnd`));
      await expect(loadModel(`http://127.0.0.1:${port}/nope.dnd`)).rejects.toThrow(/could not fetch .*: HTTP 404 Not Found/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await expect(model.save(`http://127.0.0.1:${port}/x`)).rejects.toThrow(/cannot write to http:\/\/ URLs/);
  });

  it('rejects unknown schemes, empty names and non-sources with ValueError', async () => {
    await expect(model.save('s3://bucket/m')).rejects.toThrow(ValueError);
    await expect(model.save('s3://bucket/m')).rejects.toThrow(/unknown storage scheme "s3:\/\/"/);
    await expect(loadModel('gs://bucket/m')).rejects.toThrow(/cannot load from "gs:\/\/bucket\/m"/);
    await expect(model.save('indexeddb://')).rejects.toThrow(/names no model/);
    await expect(loadModel(42 as never)).rejects.toThrow(ValueError);
    await expect(model.save('' as never)).rejects.toThrow(ValueError);
    await expect(listModels('downloads://')).rejects.toThrow(ValueError);
    await expect(removeModel('file:///tmp/x')).rejects.toThrow(ValueError);
  });
});

describe('base64', () => {
  it('round-trips every length around the chunk size and agrees with Buffer', () => {
    for (const n of [0, 1, 2, 3, 4, 0x7fff, 0x8000, 0x8001, 70_000]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 131 + 7) & 255);
      const text = toBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(Array.from(fromBase64(text)!)).toEqual(Array.from(bytes));
    }
    expect(fromBase64('a')).toBeUndefined();
  });
});
