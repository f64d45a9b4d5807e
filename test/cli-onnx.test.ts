// The built CLI on ONNX files (test/fixtures/onnx, PyTorch exports): summary shows the converted
// model, predict gives torch's outputs, evaluate scores them, convert writes a native file that
// predicts the same, and a graph dendrite cannot import is refused with the node named.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { onnxModel, toNhwc } from './helpers/onnx-build.js';

const dir = mkdtempSync(join(tmpdir(), 'dendrite-cli-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => runCli(dir, args);
const fixtures = join(import.meta.dirname, 'fixtures', 'onnx');
const fixture = (name: string) => JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8')) as { input: { shape: number[]; data: number[] }; output: { data: number[] } };

/** The fixture's rows as JSON (images NHWC), and torch's outputs per row. */
function rows(name: string): { file: string; expected: number[][] } {
  const f = fixture(name);
  const s = f.input.shape;
  const x = s.length === 4 ? Array.from(toNhwc(Float32Array.from(f.input.data), s)) : f.input.data;
  const cols = x.length / s[0];
  const file = join(dir, `${name}-rows.json`);
  writeFileSync(file, JSON.stringify(Array.from({ length: s[0] }, (_, r) => x.slice(r * cols, (r + 1) * cols))));
  const units = f.output.data.length / s[0];
  return { file, expected: Array.from({ length: s[0] }, (_, r) => f.output.data.slice(r * units, (r + 1) * units)) };
}

const softmax = (z: number[]) => {
  const e = z.map((v) => Math.exp(v - Math.max(...z)));
  return e.map((v) => v / e.reduce((a, b) => a + b, 0));
};
const argmax = (v: number[]) => v.indexOf(Math.max(...v));

describe('the CLI on .onnx files', () => {
  it('summary lists the converted layers and says how the file is used', () => {
    const r = run('summary', join(fixtures, 'cnn-opset13.onnx'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/conv2d \(Conv2D\) +\[null, 12, 12, 4\] +76 +relu/);
    expect(r.out).toMatch(/flatten \(Flatten\) +\[null, 24\]/);
    expect(r.out).toContain('Imported:       from ONNX (images taken NHWC); evaluate and predict use sparse categorical crossentropy of logits');
  });

  it("predict gives torch's probabilities (softmax output) and classes (logits output)", () => {
    const mlp = rows('mlp');
    const p = JSON.parse(run('predict', join(fixtures, 'mlp-opset17.onnx'), '--json', mlp.file, '--format', 'json', '--probabilities').out);
    p.forEach((r: Record<string, number>, i: number) => {
      expect(r.class_id).toBe(argmax(mlp.expected[i]));
      mlp.expected[i].forEach((v, c) => expect(Math.abs(r[`p_${c}`] - v)).toBeLessThanOrEqual(1e-4));
    });
    const cnn = rows('cnn');
    const q = JSON.parse(run('predict', join(fixtures, 'cnn-opset11.onnx'), '--json', cnn.file, '--format', 'json').out);
    q.forEach((r: Record<string, number>, i: number) => {
      expect(r.class_id).toBe(argmax(cnn.expected[i]));
      expect(Math.abs(r.probability - Math.max(...softmax(cnn.expected[i])))).toBeLessThanOrEqual(1e-4);
    });
  });

  it('evaluate scores an .onnx classifier on labelled CSV rows', () => {
    const mlp = rows('mlp');
    const x: number[][] = JSON.parse(readFileSync(mlp.file, 'utf8'));
    const labels = mlp.expected.map(argmax).map((c, i) => (i === 0 ? (c + 1) % 4 : c)); // one row wrong
    writeFileSync(join(dir, 'mlp.csv'), ['a,b,c,d,e,f,label', ...x.map((r, i) => [...r, labels[i]].join(','))].join('\n'));
    const e = run('evaluate', join(fixtures, 'mlp-opset13.onnx'), '--csv', 'mlp.csv', '--json');
    expect(e.code, e.err).toBe(0);
    const j = JSON.parse(e.out);
    expect(j.accuracy).toBeCloseTo(4 / 5, 6);
    const loss = -mlp.expected.reduce((s, p, i) => s + Math.log(p[labels[i]]), 0) / 5;
    expect(j.loss).toBeCloseTo(loss, 4);
  });

  it('convert writes a native file that predicts what the .onnx file does', () => {
    const c = run('convert', join(fixtures, 'depthwise-opset17.onnx'), 'depthwise.dnd');
    expect(c.code, c.err).toBe(0);
    expect(c.out).toContain('(ONNX → native)');
    const dw = rows('depthwise');
    const a = JSON.parse(run('predict', join(fixtures, 'depthwise-opset17.onnx'), '--json', dw.file, '--format', 'json', '--probabilities').out);
    const b = JSON.parse(run('predict', 'depthwise.dnd', '--json', dw.file, '--format', 'json').out);
    expect(b.map((r: { class_id: number }) => r.class_id)).toEqual(dw.expected.map(argmax));
    expect(a.map((r: { class_id: number }) => r.class_id)).toEqual(dw.expected.map(argmax));
  });

  it('a graph dendrite cannot import is refused naming the node', () => {
    writeFileSync(join(dir, 'abs.onnx'), onnxModel({ nodes: [{ op: 'Abs', name: 'magnitude', inputs: ['input'], outputs: ['output'] }] }));
    for (const cmd of [['summary', 'abs.onnx'], ['convert', 'abs.onnx', 'abs.dnd'], ['predict', 'abs.onnx', '--json', rows('mlp').file]]) {
      const r = run(...cmd);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/ONNX node "magnitude" \(Abs\): op Abs is not supported/);
    }
  });
});
