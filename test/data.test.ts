// IDX decoding and the Fashion-MNIST lookup. Synthetic files live in temp folders; the only server
// is a loopback one started here. The real dataset is checked when Debian's package is installed.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError, ValueError } from '../src/errors.js';
import { datasets, parseIdx, readIdx } from '../src/data/index.js';
import { idx } from './helpers/idx.js';
import { DEBIAN_DIR, FILES, loadFashionMnist, MIRROR, MIRROR_MD5, type Lookup } from '../src/data/fashion-mnist.js';

const expectDataError = (f: () => unknown, ...patterns: RegExp[]) => {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DataError);
  for (const p of patterns) expect((error as Error).message).toMatch(p);
};

const rejectsDataError = async (p: Promise<unknown>, ...patterns: RegExp[]) => {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DataError);
  for (const pattern of patterns) expect((error as Error).message).toMatch(pattern);
  return error as DataError;
};

describe('parseIdx', () => {
  // Expected values written out from the big-endian bytes by hand, not through DataView.
  it.each([
    ['uint8', 0x08, [0x00, 0x7f, 0xff], [0, 127, 255], Uint8Array],
    ['int8', 0x09, [0xff, 0x80, 0x7f], [-1, -128, 127], Int8Array],
    ['int16', 0x0b, [0x01, 0x02, 0xff, 0xfe, 0x80, 0x00], [258, -2, -32768], Int16Array],
    ['int32', 0x0c, [0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xff], [16909060, -1], Int32Array],
    ['float32', 0x0d, [0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0], [1.5, -2], Float32Array],
    ['float64', 0x0e, [0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xbf, 0xd0, 0, 0, 0, 0, 0, 0], [1.5, -0.25], Float64Array],
  ] as const)('decodes %s (type %i) big-endian', (dtype, type, bytes, values, Kind) => {
    const a = parseIdx(idx(type, [values.length], bytes));
    expect(a.dtype).toBe(dtype);
    expect(a.shape).toEqual([values.length]);
    expect(a.data).toBeInstanceOf(Kind);
    expect(Array.from(a.data)).toEqual(values);
  });

  it('keeps a 3-D shape row-major and copies out of the input', () => {
    const payload = Array.from({ length: 24 }, (_, i) => i * 10);
    const bytes = idx(0x08, [2, 3, 4], payload);
    const a = parseIdx(bytes);
    expect(a.shape).toEqual([2, 3, 4]);
    expect(Array.from(a.data)).toEqual(payload);
    bytes[4 + 12 + 5] = 99; // the result must not alias the caller's bytes
    expect(a.data[5]).toBe(50);
  });

  it('reads from an unaligned view into a larger buffer', () => {
    const file = idx(0x0d, [1, 2], [0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0]);
    const big = new Uint8Array(file.length + 4);
    big.set(file, 3); // byteOffset 3: no 4-byte alignment for the floats
    expect(Array.from(parseIdx(big.subarray(3, 3 + file.length)).data)).toEqual([1.5, -2]);
  });

  it('accepts a dimension of size 0', () => {
    const a = parseIdx(idx(0x08, [0, 28, 28]));
    expect(a.shape).toEqual([0, 28, 28]);
    expect(a.data.length).toBe(0);
  });

  it('rejects a truncated header', () => {
    expectDataError(() => parseIdx(new Uint8Array([0, 0, 8])), /truncated IDX header/, /at least 4 bytes, got 3/);
    expectDataError(() => parseIdx(idx(0x08, [2, 3]).subarray(0, 10)), /truncated/, /2 dimensions need 12 bytes, got 10/);
  });

  it('rejects a bad magic, naming the file', () => {
    const bytes = idx(0x08, [1], [7]);
    bytes[1] = 0x12;
    expectDataError(() => parseIdx(bytes, { name: 'a.idx' }), /^a\.idx: /, /magic 0x00 0x00, got 0x00 0x12/);
  });

  it('rejects an unknown type code', () => {
    expectDataError(() => parseIdx(idx(0x0a, [1], [7])), /unknown IDX type code 0x0a/);
  });

  it('rejects 0 dimensions', () => {
    expectDataError(() => parseIdx(new Uint8Array([0, 0, 8, 0, 1, 2])), /0 dimensions/);
  });

  it('rejects too few data bytes', () => {
    expectDataError(
      () => parseIdx(idx(0x0b, [2, 3], new Array(11).fill(0)), { name: 'short.idx' }),
      /short\.idx/, /\[2, 3\] of int16 needs 12 data bytes/, /got 11$/,
    );
  });

  it('rejects too many data bytes', () => {
    expectDataError(() => parseIdx(idx(0x08, [4], [1, 2, 3, 4, 5])), /needs 4 data bytes/, /got 5$/);
  });

  it('rejects an absurd declared size before allocating', () => {
    expectDataError(() => parseIdx(idx(0x0e, [0xffffffff, 0xffffffff, 0xffffffff])), /more than the limit/);
    expectDataError(() => parseIdx(idx(0x08, [2000], new Array(2000).fill(0)), { maxBytes: 1000 }), /2000 bytes/);
    expect(() => parseIdx(idx(0x08, [1], [1]), { maxBytes: -1 })).toThrow(ValueError);
  });
});

describe('readIdx', () => {
  const payload = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 7) % 256);

  it('reads raw bytes and gzip (made by node:zlib) alike', async () => {
    const raw = idx(0x08, [2, 3, 4], payload);
    for (const bytes of [raw, gzipSync(raw)]) {
      const a = await readIdx(bytes);
      expect(a.shape).toEqual([2, 3, 4]);
      expect(Array.from(a.data)).toEqual(payload);
    }
  });

  it('round-trips a gzip file larger than one stream chunk', async () => {
    const n = 300_000; // pseudo-random so it neither compresses to nothing nor fits one chunk
    const values = Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24);
    const a = await readIdx(gzipSync(idx(0x08, [n], values)));
    expect(a.data.length).toBe(n);
    expect(Array.from(a.data.subarray(n - 5))).toEqual(values.slice(n - 5));
    expect(a.data.every((v, i) => v === values[i])).toBe(true);
  });

  it('reports size mismatches inside gzip both ways', async () => {
    await rejectsDataError(readIdx(gzipSync(idx(0x08, [10], [1, 2, 3]))), /needs 10 data bytes/, /got 3$/);
    await rejectsDataError(readIdx(gzipSync(idx(0x08, [2], [1, 2, 3]))), /needs 2 data bytes/, /got more/);
    const big = gzipSync(idx(0x08, [10], new Array(200_000).fill(1)));
    await rejectsDataError(readIdx(big, { name: 'big.gz' }), /big\.gz/, /needs 10 data bytes/, /got more/);
    // declared size past the first decompressed chunk, actual size past the declared one
    const noise = Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24);
    await rejectsDataError(readIdx(gzipSync(idx(0x08, [100_000], noise))), /needs 100000 data bytes/, /got more \(stopped at \d+\)/);
  });

  it('reports corrupt or truncated gzip and malformed headers inside it', async () => {
    const gz = gzipSync(idx(0x08, [1000], new Array(1000).fill(3)));
    await rejectsDataError(readIdx(gz.subarray(0, gz.length - 20), { name: 'cut.gz' }), /cut\.gz/);
    await rejectsDataError(readIdx(gzipSync(new Uint8Array([0, 0, 0x42, 1, 0, 0, 0, 1, 9]))), /unknown IDX type code 0x42/);
    await rejectsDataError(readIdx(gzipSync(new Uint8Array([0, 0]))), /truncated IDX header/);
  });

  it('stops a gzip bomb at the header', async () => {
    await rejectsDataError(readIdx(gzipSync(idx(0x08, [1 << 20], [])), { maxBytes: 1 << 16 }), /more than the limit/);
  });
});

// ----- Fashion-MNIST -----

const temps: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'dendrite-data-'));
  temps.push(d);
  return d;
};
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Fake { train: number; test: number; gzip?: boolean; omit?: string; labels?: number[]; side?: number }

/** Writes the four files: `train`/`test` images whose pixel k is (row + k) % 256; labels row % 10 or `labels`. */
function fakeFiles(dir: string, f: Fake): Record<string, Uint8Array> {
  const side = f.side ?? 28;
  const images = (n: number) =>
    idx(0x08, [n, side, side], Array.from({ length: n * side * side }, (_, i) => (Math.floor(i / (side * side)) + i) % 256));
  const labels = (n: number) => idx(0x08, [f.labels?.length ?? n], f.labels ?? Array.from({ length: n }, (_, i) => i % 10));
  const files: Record<string, Uint8Array> = {
    [FILES.trainImages]: images(f.train), [FILES.trainLabels]: labels(f.train),
    [FILES.testImages]: images(f.test), [FILES.testLabels]: labels(f.test),
  };
  const written: Record<string, Uint8Array> = {};
  for (const [name, bytes] of Object.entries(files)) {
    if (name === f.omit) continue;
    const [file, data] = f.gzip === false ? [name, bytes] : [name + '.gz', gzipSync(bytes)];
    writeFileSync(join(dir, file), data);
    written[file] = data;
  }
  return written;
}

const fakeDir = (f: Fake) => {
  const d = tempDir();
  fakeFiles(d, f);
  return d;
};

const ENV = ['DENDRITE_DATA', 'DENDRITE_OFFLINE', 'XDG_CACHE_HOME'] as const;
const savedEnv: Record<string, string | undefined> = {};
beforeEach(() => {
  for (const k of ENV) savedEnv[k] = process.env[k];
  delete process.env.DENDRITE_DATA;
  process.env.DENDRITE_OFFLINE = '1'; // tests never download, even when a case forgets download: false
  process.env.XDG_CACHE_HOME = tempDir();
});
afterEach(() => {
  for (const k of ENV) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

const lookup = (at: Partial<Lookup>): Lookup => ({
  systemDir: tempDir(), cacheDir: tempDir(), noDownload: 'off in tests', mirror: MIRROR, md5: MIRROR_MD5, ...at,
});

describe('fashionMnist from a folder', () => {
  it('loads gzip files: shapes, scale, pixels, labels, class names', async () => {
    const { train, test, classNames } = await datasets.fashionMnist({ dir: fakeDir({ train: 5, test: 3 }), download: false });
    expect(train.x.shape).toEqual([5, 784]);
    expect(test.x.shape).toEqual([3, 784]);
    expect(train.x.scale).toBe(1 / 255);
    expect(train.x.data).toBeInstanceOf(Uint8Array);
    expect(train.y).toBeInstanceOf(Uint8Array);
    expect(Array.from(train.y)).toEqual([0, 1, 2, 3, 4]);
    expect(train.x.data[2 * 784 + 10]).toBe((2 + 2 * 784 + 10) % 256);
    expect(classNames).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
      'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
  });

  it('loads raw files, and a mix of raw and gzip', async () => {
    const raw = fakeDir({ train: 4, test: 2, gzip: false });
    expect((await datasets.fashionMnist({ dir: raw })).train.x.shape).toEqual([4, 784]);
    fakeFiles(raw, { train: 6, test: 2, omit: FILES.testLabels }); // .gz beside raw: the .gz wins
    const { train, test } = await datasets.fashionMnist({ dir: raw });
    expect([train.y.length, test.y.length]).toEqual([6, 2]);
  });

  it('fails when the given dir lacks files, instead of looking elsewhere', async () => {
    process.env.DENDRITE_DATA = fakeDir({ train: 5, test: 3 });
    const empty = tempDir();
    await rejectsDataError(datasets.fashionMnist({ dir: empty }), new RegExp(empty), /no Fashion-MNIST files there/,
      /train-images-idx3-ubyte\.gz/);
    const partial = fakeDir({ train: 5, test: 3, omit: FILES.testLabels });
    await rejectsDataError(datasets.fashionMnist({ dir: partial }), /: missing t10k-labels-idx1-ubyte\(\.gz\)\. Expected/);
  });

  it('checks images and labels agree', async () => {
    await rejectsDataError(datasets.fashionMnist({ dir: fakeDir({ train: 5, test: 3, labels: [1, 2, 3] }) }),
      /train-labels-idx1-ubyte\.gz: 3 labels for the 5 images/);
    await rejectsDataError(datasets.fashionMnist({ dir: fakeDir({ train: 3, test: 3, labels: [1, 10, 3] }) }),
      /label 10 at index 1, expected 0\.\.9/);
    await rejectsDataError(datasets.fashionMnist({ dir: fakeDir({ train: 3, test: 3, side: 27 }) }),
      /train-images-idx3-ubyte\.gz: expected uint8 images of shape \[n, 28, 28\], got uint8 \[3, 27, 27\]/);
    const d = fakeDir({ train: 2, test: 2 });
    writeFileSync(join(d, FILES.testLabels + '.gz'), gzipSync(idx(0x0c, [2], new Array(8).fill(0))));
    await rejectsDataError(datasets.fashionMnist({ dir: d }), /t10k-labels.*expected uint8 labels of shape \[n\], got int32 \[2\]/);
  });
});

describe('fashionMnist lookup order', () => {
  it('dir beats DENDRITE_DATA', async () => {
    process.env.DENDRITE_DATA = fakeDir({ train: 4, test: 2 });
    const { train } = await datasets.fashionMnist({ dir: fakeDir({ train: 5, test: 3 }) });
    expect(train.y.length).toBe(5);
  });

  it('DENDRITE_DATA beats the Debian folder and the cache', async () => {
    process.env.DENDRITE_DATA = fakeDir({ train: 4, test: 2 });
    const cacheDir = fakeDir({ train: 7, test: 1 });
    const { train } = await datasets.fashionMnist({ cacheDir });
    expect(train.y.length).toBe(4); // the Debian folder, when installed, holds 60,000
    const viaLookup = await loadFashionMnist(lookup({ envDir: process.env.DENDRITE_DATA, systemDir: fakeDir({ train: 6, test: 1 }), cacheDir }));
    expect(viaLookup.train.y.length).toBe(4);
  });

  it('the Debian folder beats the cache; the cache is used last', async () => {
    const cacheDir = fakeDir({ train: 7, test: 1 });
    expect((await loadFashionMnist(lookup({ systemDir: fakeDir({ train: 6, test: 1 }), cacheDir }))).train.y.length).toBe(6);
    expect((await loadFashionMnist(lookup({ cacheDir }))).train.y.length).toBe(7);
  });

  it('an incomplete folder is skipped, and the error says what it lacked', async () => {
    const envDir = fakeDir({ train: 4, test: 2, omit: FILES.trainImages });
    expect((await loadFashionMnist(lookup({ envDir, cacheDir: fakeDir({ train: 7, test: 1 }) }))).train.y.length).toBe(7);
    await rejectsDataError(loadFashionMnist(lookup({ envDir })), /DENDRITE_DATA .*: missing train-images-idx3-ubyte\(\.gz\)/);
  });

  it('not found: one error listing every place looked and every way to provide the data', async () => {
    const at = lookup({ noDownload: 'turned off by { download: false }' });
    const e = await rejectsDataError(loadFashionMnist(at),
      /Fashion-MNIST not found/,
      /DENDRITE_DATA: not set/,
      new RegExp(`Debian package dataset-fashion-mnist ${at.systemDir}: no Fashion-MNIST files there`),
      new RegExp(`user cache ${at.cacheDir}: no Fashion-MNIST files there`),
      /download: turned off by \{ download: false \}/,
      /apt-get install dataset-fashion-mnist/,
      /DENDRITE_DATA=\/path/,
      /fashionMnist\(\{ dir: /,
      new RegExp(`copy them into the user cache ${at.cacheDir}`),
      /allow the download from http:\/\/fashion-mnist\.s3-website\.eu-central-1\.amazonaws\.com\//,
      /train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz, t10k-images-idx3-ubyte\.gz, t10k-labels-idx1-ubyte\.gz/,
    );
    console.info(`[data.test] the not-found message reads:\n${e.message}`);
  });

  it.skipIf(existsSync(DEBIAN_DIR))('public API: DENDRITE_OFFLINE is named when nothing is found', async () => {
    await rejectsDataError(datasets.fashionMnist(), /download: turned off by DENDRITE_OFFLINE=1/,
      new RegExp(join(process.env.XDG_CACHE_HOME!, 'dendrite', 'fashion-mnist')));
  });
});

describe('fashionMnist download (loopback server only)', () => {
  let server: Server;
  let mirror = '';
  const served: Record<string, Uint8Array> = {};
  const requests: string[] = [];
  beforeEach(async () => {
    server = createServer((req, res) => {
      const name = (req.url ?? '').slice(1);
      requests.push(name);
      const body = served[name];
      res.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterEach(() => new Promise<void>((ok) => server.close(() => ok())));

  const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

  it('downloads into the cache, checks MD5s, then reads from the cache', async () => {
    Object.assign(served, fakeFiles(tempDir(), { train: 5, test: 3 }));
    const sums = Object.fromEntries(Object.entries(served).map(([k, v]) => [k, md5(v)]));
    const cacheDir = join(tempDir(), 'nested', 'cache');
    const at = lookup({ cacheDir, noDownload: undefined, mirror, md5: sums });
    expect((await loadFashionMnist(at)).train.y.length).toBe(5);
    expect(readdirSync(cacheDir).sort()).toEqual(Object.keys(served).sort());
    requests.length = 0;
    expect((await loadFashionMnist(at)).test.y.length).toBe(3);
    expect(requests).toEqual([]); // second run: found in the cache
  });

  it('rejects a file whose MD5 differs, keeping nothing; the error says why', async () => {
    Object.assign(served, fakeFiles(tempDir(), { train: 5, test: 3 }));
    const cacheDir = tempDir();
    const at = lookup({ cacheDir, noDownload: undefined, mirror }); // the official MD5s cannot match
    await rejectsDataError(loadFashionMnist(at), /download from http:\/\/127\.0\.0\.1:\d+\/: failed: .*MD5 [0-9a-f]{32}, expected 8d4fb7e6c68d591d4c3dfef9ec88bf0d/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('reports a refused connection with its cause', async () => {
    const closed = await new Promise<number>((ok) => { // a port just freed: nothing listens there
      const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as AddressInfo; s.close(() => ok(port)); });
    });
    await rejectsDataError(loadFashionMnist(lookup({ noDownload: undefined, mirror: `http://127.0.0.1:${closed}/` })),
      /failed: http:\/\/127\.0\.0\.1:\d+\/train-images-idx3-ubyte\.gz: fetch failed: .*ECONNREFUSED/);
  });

  it('reports an HTTP error', async () => {
    for (const k of Object.keys(served)) delete served[k];
    await rejectsDataError(loadFashionMnist(lookup({ noDownload: undefined, mirror })), /HTTP 404/);
  });
});

// ----- the real dataset -----

const hasDebian = existsSync(join(DEBIAN_DIR, 'train-images-idx3-ubyte.gz'));
if (!hasDebian) {
  console.warn(`[data.test] SKIPPING the real Fashion-MNIST checks: ${DEBIAN_DIR} is absent (apt-get install dataset-fashion-mnist)`);
}

describe.skipIf(!hasDebian)(`real Fashion-MNIST from ${DEBIAN_DIR}`, () => {
  it('loads the official split with 6000 / 1000 images per class', async () => {
    const { train, test } = await datasets.fashionMnist({ download: false });
    expect(train.x.shape).toEqual([60000, 784]);
    expect(test.x.shape).toEqual([10000, 784]);
    expect(train.x.data.length).toBe(60000 * 784);
    const histogram = (y: ArrayLike<number>) => Array.from(y).reduce((h, c) => (h[c]!++, h), new Array(10).fill(0));
    expect(histogram(train.y)).toEqual(new Array(10).fill(6000));
    expect(histogram(test.y)).toEqual(new Array(10).fill(1000));
    expect(Array.from(train.y.subarray(0, 6))).toEqual([9, 0, 0, 3, 0, 2]); // first labels of the official files
    expect(Array.from(test.y.subarray(0, 6))).toEqual([9, 2, 1, 1, 6, 1]);
    expect(Math.max(...train.x.data.subarray(0, 784))).toBe(255);
  });

  it("Debian's files decompress to the published raw MD5s, byte for byte what we load", async () => {
    // Debian recompressed the .gz (their MD5s differ from the mirror's); the content is the official one.
    const raw = {
      [FILES.trainImages]: 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
      [FILES.trainLabels]: '9018921c3c673c538a1fc5bad174d6f9',
      [FILES.testImages]: '8181f5470baa50b63fa0f6fddb340f0a',
      [FILES.testLabels]: '15d484375f8d13e6eb1aabb0c3f46965',
    };
    const { test } = await datasets.fashionMnist({ download: false });
    for (const [name, sum] of Object.entries(raw)) {
      const bytes = gunzipSync(readFileSync(join(DEBIAN_DIR, name + '.gz')));
      expect(createHash('md5').update(bytes).digest('hex'), name).toBe(sum);
      if (name === FILES.testImages) expect(Buffer.compare(bytes.subarray(16), test.x.data as Uint8Array)).toBe(0);
    }
  });
});
