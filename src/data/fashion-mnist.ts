// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017, https://github.com/zalandoresearch/fashion-mnist):
// 60,000 training and 10,000 test images of 28×28 grey pixels in 10 classes, as four IDX files.
// Lookup order (DESIGN §9): { dir } → $DENDRITE_DATA → Debian's package folder → the user cache →
// download from the official mirror into the cache, MD5-checked. Node built-ins are imported lazily
// so that bundling this module for a browser does not pull them in.

import { checkObject } from '../check.js';
import { DataError } from '../errors.js';
import type { LabelledData } from '../types.js';
import { readIdx, type IdxArray } from './idx.js';

/** Options of `datasets.fashionMnist`. */
export interface FashionMnistOptions {
  /**
   * Folder holding the four official files, gzip (`train-images-idx3-ubyte.gz`) or raw
   * (`train-images-idx3-ubyte`). When given it is the only place looked: missing files are an error.
   */
  dir?: string;
  /**
   * Download the files from the official mirror into `cacheDir` when no local copy is found.
   * Default true; setting the environment variable `DENDRITE_OFFLINE` (to anything but `0`) also
   * turns it off.
   */
  download?: boolean;
  /**
   * Folder of the user cache, looked in before downloading and downloaded into. Default
   * `$XDG_CACHE_HOME/dendrite/fashion-mnist`, or `~/.cache/dendrite/fashion-mnist`.
   */
  cacheDir?: string;
}

/** The official train/test split; `x` is [n, 784] bytes with `scale` 1/255, `y` class ids 0..9. */
export interface FashionMnist {
  train: LabelledData;
  test: LabelledData;
  /** Class names indexed by label. */
  classNames: string[];
}

export const CLASS_NAMES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

/** The four files, without the `.gz` suffix. */
export const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;
type FileKey = keyof typeof FILES;
const KEYS = Object.keys(FILES) as FileKey[];

/**
 * MD5 of the .gz files served by the mirror (upstream README). Debian's package recompresses them,
 * so its .gz differ while the decompressed bytes are identical: only downloads are checked by MD5.
 */
export const MIRROR_MD5: Record<string, string> = {
  'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
  't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
  't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
};
export const MIRROR = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
export const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000; // per file; 26 MB on a slow link

/** Every place to look, resolved from options and environment. Tests build it directly. */
export interface Lookup {
  dir?: string;
  envDir?: string; // $DENDRITE_DATA
  systemDir: string;
  cacheDir: string;
  /** Why download is off (`undefined` = allowed). */
  noDownload?: string;
  mirror: string;
  md5: Record<string, string>;
}

type NodeApi = Awaited<ReturnType<typeof importNode>>;

async function importNode() {
  try {
    const [fs, path, os, crypto, process] = await Promise.all([
      import('node:fs/promises'), import('node:path'), import('node:os'),
      import('node:crypto'), import('node:process'),
    ]);
    return { fs, path, os, crypto, process };
  } catch {
    throw new DataError(
      'datasets.fashionMnist reads files through node:fs, which this runtime lacks. ' +
        `Fetch the four files (${MIRROR}) yourself and decode them with readIdx().`,
    );
  }
}

/** Loads Fashion-MNIST from the first place that has all four files (see `FashionMnistOptions`). */
export async function fashionMnist(options: FashionMnistOptions = {}): Promise<FashionMnist> {
  checkObject(options, 'fashionMnist options', ['dir', 'download', 'cacheDir']);
  const { process, os, path } = await importNode();
  const env = process.env;
  const offline = env.DENDRITE_OFFLINE !== undefined && !['', '0'].includes(env.DENDRITE_OFFLINE);
  const cacheRoot = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return loadFashionMnist({
    dir: options.dir,
    envDir: env.DENDRITE_DATA || undefined,
    systemDir: DEBIAN_DIR,
    cacheDir: options.cacheDir ?? path.join(cacheRoot, 'dendrite', 'fashion-mnist'),
    noDownload:
      options.download === false ? 'turned off by { download: false }'
        : offline ? `turned off by DENDRITE_OFFLINE=${env.DENDRITE_OFFLINE}` : undefined,
    mirror: MIRROR,
    md5: MIRROR_MD5,
  });
}

/** The lookup itself, separate from option and environment parsing so tests can aim it anywhere. */
export async function loadFashionMnist(at: Lookup): Promise<FashionMnist> {
  const node = await importNode();
  if (at.dir !== undefined) {
    const found = await findFiles(node, at.dir);
    if (typeof found === 'string') {
      throw new DataError(
        `fashionMnist({ dir: '${at.dir}' }): ${found}. Expected the four Fashion-MNIST files, gzip or ` +
          `raw: ${Object.values(FILES).map((f) => `${f}.gz`).join(', ')}`,
      );
    }
    return load(node, found);
  }
  const tried: string[] = [];
  const places: [string, string | undefined][] = [
    ['DENDRITE_DATA', at.envDir],
    ['Debian package dataset-fashion-mnist', at.systemDir],
    ['user cache', at.cacheDir],
  ];
  for (const [what, dir] of places) {
    if (dir === undefined) {
      tried.push(`${what}: not set`);
      continue;
    }
    const found = await findFiles(node, dir);
    if (typeof found !== 'string') return load(node, found);
    tried.push(`${what} ${dir}: ${found}`);
  }
  if (at.noDownload === undefined) {
    try {
      await download(node, at);
      const found = await findFiles(node, at.cacheDir);
      if (typeof found !== 'string') return load(node, found);
      tried.push(`download into ${at.cacheDir}: files still missing after download (${found})`);
    } catch (e) {
      tried.push(`download from ${at.mirror}: failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    tried.push(`download: ${at.noDownload}`);
  }
  throw notFound(tried, at.cacheDir);
}

function notFound(tried: string[], cacheDir: string): DataError {
  const gz = Object.values(FILES).map((f) => `${f}.gz`).join(', ');
  return new DataError(
    'Fashion-MNIST not found. Looked in:\n' +
      tried.map((t) => `  - ${t}\n`).join('') +
      `Provide the four files (${gz}; gzip or raw) in any of these ways:\n` +
      `  - apt-get install dataset-fashion-mnist   (Debian/Ubuntu: installs ${DEBIAN_DIR})\n` +
      '  - set DENDRITE_DATA=/path/to/folder holding them\n' +
      "  - pass the folder: datasets.fashionMnist({ dir: '/path/to/folder' })\n" +
      `  - copy them into the user cache ${cacheDir}\n` +
      `  - allow the download from ${MIRROR}: unset DENDRITE_OFFLINE and do not pass { download: false }`,
  );
}

/** Paths of the four files in `dir` (the .gz preferred), or a sentence saying which are missing. */
async function findFiles(node: NodeApi, dir: string): Promise<Record<FileKey, string> | string> {
  const exists = (p: string) => node.fs.stat(p).then((s) => s.isFile(), () => false);
  const found: Partial<Record<FileKey, string>> = {};
  const missing: string[] = [];
  for (const key of KEYS) {
    const [gz, raw] = [node.path.join(dir, FILES[key] + '.gz'), node.path.join(dir, FILES[key])];
    if (await exists(gz)) found[key] = gz;
    else if (await exists(raw)) found[key] = raw;
    else missing.push(`${FILES[key]}(.gz)`);
  }
  if (missing.length === KEYS.length) return 'no Fashion-MNIST files there';
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  return found as Record<FileKey, string>;
}

/** Fetches each missing .gz into the cache: MD5-checked in memory, then written atomically. */
async function download(node: NodeApi, at: Lookup): Promise<void> {
  const { fs, path } = node;
  const exists = (p: string) => fs.stat(p).then(() => true, () => false);
  await fs.mkdir(at.cacheDir, { recursive: true });
  for (const file of Object.values(FILES)) {
    const name = file + '.gz';
    const dest = path.join(at.cacheDir, name);
    if ((await exists(dest)) || (await exists(path.join(at.cacheDir, file)))) continue; // partial cache
    const url = new URL(name, at.mirror).href;
    const bytes = await fetchBytes(url);
    const md5 = node.crypto.createHash('md5').update(bytes).digest('hex');
    if (md5 !== at.md5[name]) {
      throw new Error(`${url}: MD5 ${md5}, expected ${at.md5[name]} (file not kept)`);
    }
    await writeAtomically(node, dest, bytes);
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) }).catch((e: unknown) => {
    // undici says only "fetch failed"; the reason (DNS, refused, timeout) is in `cause`
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    throw new Error(`${url}: ${e instanceof Error ? e.message : String(e)}${cause}`);
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** rename is atomic within a folder: a crash or a parallel run never leaves a half file at `dest`. */
async function writeAtomically({ fs, crypto, process }: NodeApi, dest: string, bytes: Uint8Array) {
  const temp = `${dest}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temp, bytes);
    await fs.rename(temp, dest);
  } catch (e) {
    await fs.rm(temp, { force: true });
    throw e;
  }
}

async function load(node: NodeApi, files: Record<FileKey, string>): Promise<FashionMnist> {
  const read = async (key: FileKey) => readIdx(await node.fs.readFile(files[key]), { name: files[key] });
  // In parallel: zlib inflates on libuv's thread pool, so the two big files use both cores.
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(KEYS.map(read));
  return {
    train: split(trainImages!, trainLabels!, files.trainImages, files.trainLabels),
    test: split(testImages!, testLabels!, files.testImages, files.testLabels),
    classNames: [...CLASS_NAMES],
  };
}

/** Checks one images/labels pair and flattens the images to [n, 784]. */
function split(images: IdxArray, labels: IdxArray, imagesName: string, labelsName: string): LabelledData {
  const [n, h, w] = images.shape;
  const got = (a: IdxArray) => `got ${a.dtype} [${a.shape.join(', ')}]`;
  if (images.dtype !== 'uint8' || images.shape.length !== 3 || h !== 28 || w !== 28) {
    throw new DataError(`${imagesName}: expected uint8 images of shape [n, 28, 28], ${got(images)}`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new DataError(`${labelsName}: expected uint8 labels of shape [n], ${got(labels)}`);
  }
  if (labels.shape[0] !== n) {
    throw new DataError(`${labelsName}: ${labels.shape[0]} labels for the ${n} images of ${imagesName}`);
  }
  const y = labels.data as Uint8Array;
  const bad = y.findIndex((c) => c >= CLASS_NAMES.length);
  if (bad >= 0) throw new DataError(`${labelsName}: label ${y[bad]} at index ${bad}, expected 0..9`);
  return { x: { data: images.data as Uint8Array, shape: [n!, h * w], scale: 1 / 255 }, y };
}
