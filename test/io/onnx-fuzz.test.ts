// Fuzz of the ONNX import (hostile input, issue 16): 10,000 seeded mutations of the fixture files
// (four of them with Upsample / Resize) and of a tf2onnx-style graph — byte flips, truncations,
// edits of length prefixes, and structural edits re-encoded with consistent lengths (tensor dims
// and data types, attribute types and values, op types, node inputs, removed or duplicated nodes
// and initializers, opset versions, input dims). Each must be a ModelFileError or a model whose
// predict returns finite values or refuses with a NumericError; nothing else may be thrown, memory
// stays bounded, nothing hangs. The counts are printed for the closing note.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromOnnx, getEngine, ModelFileError, NumericError, type Sequential } from '../../src/index.js';
import { mulberry32 } from '../helpers/fuzz.js';
import { tf2onnxGraph, values } from '../helpers/onnx-build.js';
import { allFields, encode, type Field, lengthPrefixes, parse } from '../helpers/protobuf-tree.js';
import { varint } from '../../src/io/protobuf.js';

const dir = new URL('../fixtures/onnx/', import.meta.url);
const fixtures = [...['mlp', 'cnn', 'depthwise', 'gap'].flatMap((n) => [11, 13, 17].map((o) => `${n}-opset${o}`)), 'up-nearest-opset9', 'up-nearest23-opset11', 'up-bilinear-opset17', 'up-size-opset13']
  .map((name) => new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir))));

const tf2onnx = tf2onnxGraph();

const OPS = ['Relu', 'Gemm', 'Conv', 'MaxPool', 'AveragePool', 'Flatten', 'Reshape', 'Softmax', 'BatchNormalization', 'Transpose', 'Pad', 'Identity',
  'Dropout', 'MatMul', 'Add', 'Mul', 'Erf', 'GlobalAveragePool', 'Resize', 'Upsample', 'If', 'Loop', 'Constant', 'Shape', 'Gather', ''];
const BIG = [0n, 1n, 2n, 3n, 7n, 255n, 65535n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 62n, 2n ** 64n - 1n, 2n ** 64n - 2n];

describe('fuzz of the ONNX import', () => {
  it('every source loads', () => {
    for (const f of [...fixtures, tf2onnx]) expect(parse(f)).toBeDefined();
  });

  it('10,000 seeded mutations: a ModelFileError, or a model that predicts finite values or refuses', { timeout: 300_000 }, () => {
    const random = mulberry32(16);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(a: readonly T[]): T => a[int(a.length)];
    const sources = [...fixtures, tf2onnx].filter((f) => {
      try {
        fromOnnx(f).dispose();
        return true;
      } catch {
        return false; // the fixtures that need zeroPadding2d on a dendrite without it
      }
    });
    expect(sources.length).toBeGreaterThanOrEqual(10);

    const mutate = (src: Uint8Array): [string, Uint8Array] => {
      switch (int(4)) {
        case 0: {
          const b = src.slice();
          const n = 1 + int(8);
          for (let i = 0; i < n; i++) b[int(b.length)] = int(256);
          return [`${n} bytes flipped`, b];
        }
        case 1:
          return ['truncated', src.slice(0, int(src.length))];
        case 2: {
          const p = pick(lengthPrefixes(src));
          const to = pick([BigInt(p.length + 1), BigInt(Math.max(0, p.length - 1)), 0n, BigInt(p.length * 2), ...BIG]);
          const head = src.slice(0, p.at);
          const tail = src.slice(p.end);
          const v = varint(to);
          const b = new Uint8Array(head.length + v.length + tail.length);
          b.set(head);
          b.set(v, head.length);
          b.set(tail, head.length + v.length);
          return [`length ${p.length} → ${to}`, b];
        }
        default: {
          const tree = parse(src)!;
          const how = Array.from({ length: 1 + int(3) }, () => structural(tree)).join(', ');
          return [how, encode(tree)];
        }
      }
    };

    /** One structural edit of the tree; returns what it did. */
    const structural = (tree: Field[]): string => {
      const fields = allFields(tree);
      const of = (kind: string, field: number) => fields.filter((x) => x.kind === kind && x.f.field === field);
      const setInt = (list: typeof fields, what: string, to: () => bigint) => {
        if (!list.length) return `no ${what}`;
        const x = pick(list);
        x.f.value = to();
        return `${what} → ${x.f.value}`;
      };
      const anyInt = () => pick([...BIG, BigInt(int(20))]);
      switch (int(12)) {
        case 0: return setInt(of('tensor', 1), 'tensor dim', anyInt);
        case 1: return setInt(of('tensor', 2), 'tensor data type', () => BigInt(int(17)));
        case 2: return setInt(of('attribute', 20), 'attribute type', () => BigInt(int(15)));
        case 3: return setInt([...of('attribute', 3), ...of('attribute', 8)], 'attribute int', anyInt);
        case 4: return setInt(of('dim', 1), 'input dim', anyInt);
        case 5: return setInt(of('opset', 2), 'opset', () => BigInt(int(25)));
        case 6: {
          const ops = of('node', 4);
          if (!ops.length) return 'no node';
          const x = pick(ops);
          const op = pick(OPS);
          x.f.value = new TextEncoder().encode(op);
          return `op → ${op}`;
        }
        case 7: {
          const ins = of('node', 1);
          if (ins.length < 2) return 'no inputs';
          const [a, b] = [pick(ins), pick(ins)];
          a.f.value = b.f.value;
          return 'node input renamed';
        }
        case 8: case 9: {
          const list = int(2) ? of('graph', 1) : of('graph', 5);
          if (!list.length) return 'nothing to remove';
          const x = pick(list);
          const remove = int(2) === 1;
          if (remove) x.parent.splice(x.parent.indexOf(x.f), 1);
          else x.parent.splice(int(x.parent.length + 1), 0, structuredClone(x.f));
          return `${x.f.field === 1 ? 'node' : 'initializer'} ${remove ? 'removed' : 'duplicated'}`;
        }
        case 10: {
          const list = of('node', 5);
          if (!list.length) return 'no attribute';
          const x = pick(list);
          x.parent.splice(x.parent.indexOf(x.f), 1);
          return 'attribute removed';
        }
        default: {
          const raw = of('tensor', 9);
          if (!raw.length) return 'no raw data';
          const x = pick(raw);
          const b = x.f.value as Uint8Array;
          x.f.value = int(2) ? b.slice(0, int(b.length)) : new Uint8Array(b.length).map(() => int(256));
          x.f.children = undefined;
          return 'raw data changed';
        }
      }
    };

    const counts = { loaded: 0, predicted: 0, predictRefused: 0, refused: 0, other: 0 };
    const failures: string[] = [];
    let peak = 0;
    const reasons = new Map<string, number>();
    const trials = 10_000;
    for (let trial = 0; trial < trials; trial++) {
      const [how, bytes] = mutate(pick(sources));
      let m: Sequential | undefined;
      try {
        m = fromOnnx(bytes);
      } catch (e) {
        if (e instanceof ModelFileError) {
          counts.refused++;
          // FUZZ_DEBUG=1 tallies the refusals by mutation and message (numbers and names blanked).
          const key = `${how.split(' ')[0]}: ${(e as Error).message.replace(/"[^"]*"|\d+/g, '_').slice(0, 90)}`;
          if (process.env.FUZZ_DEBUG) reasons.set(key, (reasons.get(key) ?? 0) + 1);
        } else {
          counts.other++;
          failures.push(`trial ${trial} (${how}): import threw ${(e as Error).name}: ${(e as Error).message.slice(0, 200)}`);
        }
        continue;
      }
      counts.loaded++;
      try {
        const width = m.inputDim;
        const x = values(3 * width, trial).map((v) => 2 * v);
        const p = m.predict({ data: x, shape: [3, width] }).data;
        if (p.every(Number.isFinite)) counts.predicted++;
        else failures.push(`trial ${trial} (${how}): predict returned a non-finite value`);
      } catch (e) {
        if (e instanceof NumericError) counts.predictRefused++;
        else failures.push(`trial ${trial} (${how}): predict threw ${(e as Error).name}: ${(e as Error).message.slice(0, 200)}`);
      } finally {
        m.dispose();
      }
      if (trial % 100 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers + getEngine().info().memoryBytes);
    }
    console.log(`ONNX fuzz: ${trials} mutations, ${counts.loaded} loaded (${counts.predicted} predicted finite values, ${counts.predictRefused} refused ` +
      `with NumericError), ${counts.refused} refused (ModelFileError), ${counts.other} other; ${failures.length} loaded models failed; ` +
      `peak memory (array buffers + wasm) ${(peak / 2 ** 20).toFixed(1)} MB`);
    if (process.env.FUZZ_DEBUG) console.log([...reasons].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `${v} ${k}`).join('\n'));
    expect(failures.slice(0, 10)).toEqual([]);
    expect(counts.other).toBe(0);
    expect(counts.loaded).toBeGreaterThan(500); // mutations must also make files that load
    expect(peak).toBeLessThan(512 * 2 ** 20);
  });
});
