// ONNX Runtime against dendrite's import on the same file and the same seeded input, for the
// hand-built graphs of the ONNX import tests.
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { fromOnnx } from '../../src/index.js';
import { toNhwc, values } from './onnx-build.js';

/** ONNX Runtime's output for `x` of shape `dims`, and dendrite's for the same rows (images NHWC). */
export async function both(bytes: Uint8Array, dims: number[], nhwcInput = false): Promise<{ ort: Float32Array; ours: Float32Array }> {
  const x = values(dims.reduce((a, d) => a * d, 1), 99).map((v) => v * 2);
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ input: new ort.Tensor('float32', x, dims) });
  await session.release();
  const m = fromOnnx(bytes);
  const rows = dims.length === 4 && !nhwcInput ? toNhwc(x, dims) : x;
  const ours = m.predict({ data: rows, shape: [dims[0], rows.length / dims[0]] }).data;
  m.dispose();
  // An image output is NCHW in ONNX and NHWC in dendrite.
  const y = out.output.data as Float32Array;
  return { ort: out.output.dims.length === 4 ? toNhwc(y, out.output.dims as number[]) : y, ours };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
