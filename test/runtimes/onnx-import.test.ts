// ONNX import in the other runtimes and bundles: Deno (loadOnnx from a path) and, in Node, the
// browser and inline bundles (fromOnnx from bytes) predict the PyTorch CNN fixture as the Node
// entry does, and as torch did (≤ 1e-4). The edge bundle exports the same API (bundles.test.ts)
// but needs workerd to run; its import path is the same code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDeno } from '../../scripts/runtimes/deno.mjs';
import { expectOk, lastJson, root } from '../../scripts/runtimes/process.mjs';
import { toNhwc } from '../helpers/onnx-build.js';

const fixture = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'onnx', 'cnn.json'), 'utf8'));
const x = Array.from(toNhwc(Float32Array.from(fixture.input.data), fixture.input.shape));
const rows = fixture.input.shape[0];
const bytes = new Uint8Array(readFileSync(join(root, 'test', 'fixtures', 'onnx', 'cnn-opset17.onnx')));

type Dendrite = typeof import('../../src/index.js');
const predict = (d: Dendrite, m: ReturnType<Dendrite['fromOnnx']>) => Array.from(m.predict({ data: Float32Array.from(x), shape: [rows, x.length / rows] }).data);

function near(got: number[], want: number[], tolerance: number): void {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i]), `output ${i}`).toBeLessThanOrEqual(tolerance));
}

describe('ONNX import beyond the Node entry', () => {
  it('Deno: loadOnnx reads the file and predicts as torch did', async () => {
    const script = `
      import * as d from 'dendrite';
      const m = await d.loadOnnx('test/fixtures/onnx/cnn-opset17.onnx');
      const x = ${JSON.stringify(x)};
      console.log(JSON.stringify({ y: Array.from(m.predict({ data: Float32Array.from(x), shape: [${rows}, x.length / ${rows}] }).data) }));`;
    const result = await runDeno(['run', '--allow-read', '--ext=ts', '-'], { input: script, timeoutMs: 60_000 });
    expectOk(result);
    near(lastJson(result.stdout).y, fixture.output.data, 1e-4);
  });

  it('the browser bundle (init with bytes) and the inline bundle: fromOnnx predicts as the Node entry does', async () => {
    const node = (await import(join(root, 'build', 'index.js'))) as Dendrite;
    const reference = predict(node, node.fromOnnx(bytes));
    near(reference, fixture.output.data, 1e-4);
    const browser = (await import(join(root, 'build', 'browser.js'))) as Dendrite;
    await browser.init({ wasm: readFileSync(join(root, 'build', 'dendrite.wasm')) });
    expect(predict(browser, browser.fromOnnx(bytes))).toEqual(reference);
    const inline = (await import(join(root, 'build', 'inline.js'))) as Dendrite;
    expect(predict(inline, inline.fromOnnx(bytes.buffer.slice(0)))).toEqual(reference);
  });
});
