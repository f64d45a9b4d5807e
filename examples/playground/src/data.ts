// Fashion-MNIST for the page: the four IDX files served beside it (data/, by
// scripts/serve-playground.mjs) or picked by the user, decoded by the library's readIdx (gzip or
// raw). Images stay one byte per pixel; the model sees them through `scale: 1/255`.
import { readIdx, type Matrix } from 'dendrite';

export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** One split: `rows` images of `height`×`width` bytes, and their class ids. */
export interface Split {
  images: Uint8Array; // (rows, height·width)
  labels: Uint8Array; // (rows)
  rows: number;
  height: number;
  width: number;
}

export interface Dataset {
  train: Split;
  test: Split;
  /** Where it came from, for the status line. */
  source: string;
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};
type Key = keyof typeof FILES;

/** The files under data/, or undefined when the server has none (a 404). */
export async function loadServed(status: (text: string) => void): Promise<Dataset | undefined> {
  const bytes = {} as Record<Key, Uint8Array>;
  for (const key of Object.keys(FILES) as Key[]) {
    status(`downloading ${FILES[key]}…`);
    let response = await fetch(`data/${FILES[key]}.gz`);
    if (response.status === 404) response = await fetch(`data/${FILES[key]}`);
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`data/${FILES[key]}: HTTP ${response.status}`);
    bytes[key] = new Uint8Array(await response.arrayBuffer());
  }
  status('decoding…');
  return decode(bytes, 'served by npm run playground');
}

/**
 * Files the user picked: matched by their official names (train-images-idx3-ubyte[.gz], …), or
 * else by content (3-D arrays are images, 1-D labels; the bigger pair is the training split).
 */
export async function loadPicked(files: File[]): Promise<Dataset> {
  if (files.length !== 4) throw new Error(`pick the four Fashion-MNIST files (train and t10k images and labels), got ${files.length}`);
  const byName = {} as Record<Key, File>;
  for (const [key, name] of Object.entries(FILES) as [Key, string][]) {
    const f = files.find((file) => file.name.replace(/\.gz$/, '').replace(/\./g, '-') === name);
    if (f) byName[key] = f;
  }
  if (Object.keys(byName).length === 4) {
    const bytes = {} as Record<Key, Uint8Array>;
    for (const key of Object.keys(FILES) as Key[]) bytes[key] = new Uint8Array(await byName[key].arrayBuffer());
    return decode(bytes, 'picked files');
  }
  const arrays = await Promise.all(files.map(async (f) => ({ name: f.name, idx: await readIdx(new Uint8Array(await f.arrayBuffer()), { name: f.name }) })));
  const images = arrays.filter((a) => a.idx.shape.length === 3).sort((a, b) => b.idx.shape[0] - a.idx.shape[0]);
  const labels = arrays.filter((a) => a.idx.shape.length === 1).sort((a, b) => b.idx.shape[0] - a.idx.shape[0]);
  if (images.length !== 2 || labels.length !== 2) {
    throw new Error(`expected two image files (3-D IDX) and two label files (1-D), got ${arrays.map((a) => `${a.name} [${a.idx.shape.join('×')}]`).join(', ')}`);
  }
  return {
    train: split(images[0].idx, labels[0].idx, images[0].name, labels[0].name),
    test: split(images[1].idx, labels[1].idx, images[1].name, labels[1].name),
    source: 'picked files',
  };
}

async function decode(bytes: Record<Key, Uint8Array>, source: string): Promise<Dataset> {
  const [ti, tl, vi, vl] = await Promise.all((Object.keys(FILES) as Key[]).map((k) => readIdx(bytes[k], { name: FILES[k] })));
  return {
    train: split(ti, tl, FILES.trainImages, FILES.trainLabels),
    test: split(vi, vl, FILES.testImages, FILES.testLabels),
    source,
  };
}

type Idx = Awaited<ReturnType<typeof readIdx>>;

function split(images: Idx, labels: Idx, imageName: string, labelName: string): Split {
  if (images.dtype !== 'uint8' || images.shape.length !== 3) throw new Error(`${imageName}: expected uint8 images [n, height, width], got ${images.dtype} [${images.shape.join(', ')}]`);
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) throw new Error(`${labelName}: expected uint8 labels [n], got ${labels.dtype} [${labels.shape.join(', ')}]`);
  const [rows, height, width] = images.shape;
  if (labels.shape[0] !== rows) throw new Error(`${labelName} has ${labels.shape[0]} labels for the ${rows} images of ${imageName}`);
  const y = labels.data as Uint8Array;
  const bad = y.findIndex((v) => v >= CLASS_NAMES.length);
  if (bad >= 0) throw new Error(`${labelName}: label ${y[bad]} at row ${bad}; Fashion-MNIST has classes 0..9`);
  return { images: images.data as Uint8Array, labels: y, rows, height, width };
}

/** Rows [start, end) of a split as the model's input matrix (bytes scaled to [0, 1] as batches are gathered). */
export function inputs(s: Split, start = 0, end = s.rows): Matrix {
  const cols = s.height * s.width;
  return { data: s.images.subarray(start * cols, end * cols), shape: [end - start, cols], scale: 1 / 255 };
}
