// ONNX import of PyTorch exports (test/fixtures/onnx, made by make.py there with torch 1.13 at
// opsets 11, 13 and 17): every fixture predicts torch's outputs (≤ 1e-4) on the same inputs laid
// out NHWC; the imported CNN trains, saves and loads back bit-exact; loadOnnx reads paths and bytes.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toNhwc } from '../helpers/onnx-build.js';
import { adam, fromOnnx, loadModel, loadOnnx, losses, modelFromBytes, type Sequential } from '../../src/index.js';

const dir = new URL('../fixtures/onnx/', import.meta.url);
const file = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));

interface Fixture {
  input: { shape: number[]; data: number[] };
  output: { shape: number[]; data: number[] };
}

/** A fixture's input rows in dendrite's layout: NCHW images transposed to NHWC, then one row per sample. */
function fixture(name: string): { x: Float32Array; rows: number; cols: number; expected: number[] } {
  const f = JSON.parse(new TextDecoder().decode(file(`${name}.json`))) as Fixture;
  const s = f.input.shape;
  const x = s.length === 4 ? toNhwc(Float32Array.from(f.input.data), s) : Float32Array.from(f.input.data);
  return { x, rows: s[0], cols: x.length / s[0], expected: f.output.data };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const layersOf = (m: Sequential) => m.layers.map((l) => (l.getConfig() as { type: string }).type);

// The gap fixture pads 1 at stride 2 on an even size: a zeroPadding2d layer (the layer work).
const names = ['mlp', 'cnn', 'depthwise', 'gap'];
const cases = names.flatMap((name) => [11, 13, 17].map((opset) => [name, opset] as const));

describe('ONNX import of torch.onnx.export files', () => {
  it.each(cases)('%s at opset %i predicts as torch does (≤ 1e-4)', (name, opset) => {
    const m = fromOnnx(file(`${name}-opset${opset}.onnx`));
    const { x, rows, cols, expected } = fixture(name);
    const p = m.predict({ data: x, shape: [rows, cols] });
    expect(maxAbsDiff(p.data, expected)).toBeLessThanOrEqual(1e-4);
    m.dispose();
  });

  it('maps each fixture to the layers its PyTorch model has', () => {
    const types = Object.fromEntries(names.map((n) => [n, layersOf(fromOnnx(file(`${n}-opset13.onnx`)))]));
    expect(types.mlp).toEqual(['dense', 'dense', 'dense', 'batchNormalization', 'activation', 'dense', 'dense', 'dense', 'dense', 'dense', 'dense']);
    expect(types.cnn).toEqual(['conv2d', 'batchNormalization', 'maxPooling2d', 'conv2d', 'averagePooling2d', 'flatten', 'dense', 'dense']);
    expect(types.depthwise).toEqual(['depthwiseConv2d', 'depthwiseConv2d', 'conv2d', 'flatten', 'dense']);
    expect(types.gap).toEqual(['conv2d', 'zeroPadding2d', 'conv2d', 'maxPooling2d', 'globalAveragePooling2d', 'dense']);
  });

  it('the imported CNN trains (loss falls, weights finite) and saves and loads back bit-exact', async () => {
    const m = fromOnnx(file('cnn-opset17.onnx'));
    const { x, rows, cols } = fixture('cnn');
    const labels = Array.from({ length: rows }, (_, i) => i % 3);
    m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
    const before = m.evaluate({ data: x, shape: [rows, cols] }, labels).loss;
    await m.fit({ data: x, shape: [rows, cols] }, labels, { epochs: 1, batchSize: rows, seed: 3 });
    const after = m.evaluate({ data: x, shape: [rows, cols] }, labels).loss;
    expect(after).toBeLessThan(before);
    for (const w of m.getWeights()) expect(w.data.every(Number.isFinite), w.name).toBe(true);
    const back = modelFromBytes(m.toBytes());
    const p1 = m.predict({ data: x, shape: [rows, cols] }).data;
    expect(Array.from(back.predict({ data: x, shape: [rows, cols] }).data)).toEqual(Array.from(p1));
    back.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(m.getWeights()[i].data)));
    m.dispose();
    back.dispose();
  });

  it('loadOnnx reads a path, a file:// URL, bytes and a Blob', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'dendrite-onnx-'));
    try {
      const path = join(tmp, 'model.onnx');
      const bytes = file('mlp-opset17.onnx');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(path, bytes);
      const { x, rows, cols } = fixture('mlp');
      const reference = fromOnnx(bytes).predict({ data: x, shape: [rows, cols] }).data;
      for (const source of [path, `file://${path}`, bytes, bytes.slice().buffer, new Blob([bytes])]) {
        const m = await loadOnnx(source as never);
        expect(Array.from(m.predict({ data: x, shape: [rows, cols] }).data)).toEqual(Array.from(reference));
        m.dispose();
      }
      const saved = join(tmp, 'model.dnd');
      const m = await loadOnnx(path);
      await m.save(saved);
      expect(Array.from((await loadModel(saved)).predict({ data: x, shape: [rows, cols] }).data)).toEqual(Array.from(reference));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
