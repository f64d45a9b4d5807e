// Dropout kernels (assembly/dropout.ts): the mask is exactly the uniform draw of random.ts at
// dropout's stream position, and a call split over parts of the batch gives the same mask.
import { describe, expect, it } from 'vitest';
import { loadKernels, randomArray } from '../helpers/wasm';

const h = loadKernels();
const { k } = h;

describe('dropout_forward, and broadcast_mul as its backward', () => {
  /** Dropout's stream position for (step, stream, first): 2^62 + step·2^32 + stream·2^27 + first. */
  const position = (step: number, stream: number, first = 0) => (1n << 62n) + (BigInt(step) << 32n) + (BigInt(stream) << 27n) + BigInt(first);

  it.each([1, 3, 4, 5, 17, 1000])('keeps exactly where rand_uniform draws u >= rate at its position, scaled by 1/(1-rate); n=%i', (n) => {
    h.reset();
    const rate = 0.3, seed = 42n;
    const x = randomArray(n, n, -2, 2);
    const px = h.put(x), y = h.alloc(n * 4), mask = h.alloc(n * 4), u = h.alloc(n * 4);
    k.dropout_forward(y, mask, px, n, rate, seed, 123456, 5, 0);
    k.rand_uniform(u, n, seed, position(123456, 5), 0, 1);
    const scale = Math.fround(1 / Math.fround(1 - Math.fround(rate)));
    const uu = h.f32(u, n);
    const ref = Array.from(uu, (v) => (v >= Math.fround(rate) ? scale : 0));
    expect(Array.from(h.f32(mask, n))).toEqual(ref);
    expect(Array.from(h.f32(y, n))).toEqual(Array.from(x, (v, i) => Math.fround(v * ref[i])));
    const dy = randomArray(n, 99), dx = h.alloc(n * 4);
    k.broadcast_mul(dx, h.put(dy), mask, 1, 0, h.put(Int32Array.from([n, 1, 1])), 1);
    expect(Array.from(h.f32(dx, n))).toEqual(Array.from(dy, (v, i) => Math.fround(v * ref[i])));
  });

  it('keeps about 1 − rate of the elements, and a split call gives the same mask', () => {
    h.reset();
    const n = 20000, rate = 0.25;
    const x = h.put(new Float32Array(n).fill(1)), y = h.alloc(n * 4), mask = h.alloc(n * 4), mask2 = h.alloc(n * 4);
    k.dropout_forward(y, mask, x, n, rate, 7n, 3, 1, 0);
    const kept = h.f32(mask, n).filter((v) => v > 0).length / n;
    expect(Math.abs(kept - (1 - rate))).toBeLessThan(0.015);
    k.dropout_forward(y, mask2, x, 5000, rate, 7n, 3, 1, 0);
    k.dropout_forward(y, mask2 + 5000 * 4, x, n - 5000, rate, 7n, 3, 1, 5000);
    expect(Array.from(h.f32(mask2, n))).toEqual(Array.from(h.f32(mask, n)));
    // Other steps and streams draw other masks.
    const other = h.alloc(n * 4);
    k.dropout_forward(y, other, x, n, rate, 7n, 4, 1, 0);
    expect(Array.from(h.f32(other, n))).not.toEqual(Array.from(h.f32(mask, n)));
    k.dropout_forward(y, other, x, n, rate, 7n, 3, 2, 0);
    expect(Array.from(h.f32(other, n))).not.toEqual(Array.from(h.f32(mask, n)));
  });
});

describe('broadcast masks: dropout_forward without x, broadcast_mul', () => {
  it('x = 0 writes the same mask and leaves y untouched', () => {
    h.reset();
    const n = 37;
    const x = h.put(randomArray(n, 3)), y = h.put(new Float32Array(n).fill(7)), mask = h.alloc(n * 4), mask2 = h.alloc(n * 4);
    k.dropout_forward(y, mask, x, n, 0.4, 9n, 2, 3, 0);
    k.dropout_forward(y + 4 * n, mask2, 0, n, 0.4, 9n, 2, 3, 0);
    expect(Array.from(h.f32(mask2, n))).toEqual(Array.from(h.f32(mask, n)));
  });

  // (samples, sample shape, mask shape per sample (1 = shared), mask shared by the batch)
  const cases: [number, number[], number[], boolean][] = [
    [2, [5, 3], [1, 3], false], [3, [4, 4], [4, 1], false], [2, [3, 7, 9], [1, 1, 9], false], [4, [13], [13], true],
    [2, [3, 2, 5], [3, 1, 5], false], [3, [2, 6, 5, 3], [1, 6, 1, 3], true], [1, [1], [1], false], [2, [9, 5], [1, 1], false],
  ];
  it.each(cases)('y = x · mask broadcast along the shared axes, in place too; n=%i sample %j mask %j batch-shared %s', (n, shape, noise, shared) => {
    h.reset();
    const size = shape.reduce((a, b) => a * b, 1), width = noise.reduce((a, b) => a * b, 1);
    const x = randomArray(n * size, size + n), m = randomArray((shared ? 1 : n) * width, 5);
    // One triple per axis (the kernel takes any split of the sample into axes): size, x stride, mask stride.
    const desc: number[] = [];
    shape.forEach((d, i) => desc.push(d, shape.slice(i + 1).reduce((a, b) => a * b, 1), noise[i] === 1 && d > 1 ? 0 : noise.slice(i + 1).reduce((a, b) => a * b, 1)));
    const px = h.put(x), pm = h.put(m), pd = h.put(Int32Array.from(desc)), y = h.alloc(n * size * 4);
    k.broadcast_mul(y, px, pm, n, shared ? 0 : width, pd, shape.length);
    // Reference: the mask index of element (b, i_0, ..., i_r) keeps i_k on unshared axes only.
    const ref = Array.from(x, (v, flat) => {
      let rest = flat % size, at = 0;
      shape.forEach((d, i) => {
        const stride = size / shape.slice(0, i + 1).reduce((a, b) => a * b, 1);
        const idx = Math.floor(rest / stride);
        rest %= stride;
        at = at * noise[i] + (noise[i] === 1 ? 0 : idx);
      });
      return Math.fround(v * m[(shared ? 0 : Math.floor(flat / size) * width) + at]);
    });
    expect(Array.from(h.f32(y, n * size))).toEqual(ref);
    k.broadcast_mul(px, px, pm, n, shared ? 0 : width, pd, shape.length);
    expect(Array.from(h.f32(px, n * size))).toEqual(ref);
  });
});
