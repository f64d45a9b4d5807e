// Building IDX files for tests.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** An IDX file: magic, type code, ndim, big-endian dims, then `payload` as given. */
export function idx(type: number, dims: number[], payload: ArrayLike<number> = []): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}

/**
 * A small, learnable stand-in for Fashion-MNIST in `dir` (the four official file names, gzip):
 * image of class c is bright in rows 2c..2c+5 plus seeded noise, so a small MLP separates them.
 */
export function writeLearnableFashion(dir: string, train: number, test: number, seed = 1): void {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
  const make = (n: number) => {
    const pixels = new Uint8Array(n * 784);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 10;
      labels[i] = c;
      for (let p = 0; p < 784; p++) {
        const row = Math.floor(p / 28);
        pixels[i * 784 + p] = (row >= 2 * c && row < 2 * c + 6 ? 150 : 0) + (rand() >> 1);
      }
    }
    return [idx(0x08, [n, 28, 28], pixels), idx(0x08, [n], labels)];
  };
  const [trainImages, trainLabels] = make(train);
  const [testImages, testLabels] = make(test);
  const files: [string, Uint8Array][] = [
    ['train-images-idx3-ubyte.gz', trainImages],
    ['train-labels-idx1-ubyte.gz', trainLabels],
    ['t10k-images-idx3-ubyte.gz', testImages],
    ['t10k-labels-idx1-ubyte.gz', testLabels],
  ];
  for (const [name, bytes] of files) writeFileSync(join(dir, name), gzipSync(bytes));
}
