// Hostile model files at the model level (the container's own checks are in test/safetensors.test.ts):
// truncations, absurd header lengths, foreign dtypes, shapes that disagree with the config, unknown
// versions, bad configs and checkpoints — and a seeded fuzz run of 10,000+ mutations of valid
// files (plain and checkpoints). Every case must give a working model (it predicts and trains a
// step) or a ModelFileError: no other exception, no hang, and no wasm allocation beyond what the
// file's own bytes justify. Structural mutations of configs are in fuzz-structure.test.ts.
import { describe, expect, it } from 'vitest';
import {
  activation, adam, batchNormalization, dense, dropout, getEngine, layerNormalization, modelFromBytes, ModelFileError, rmsprop,
  sequential, sgd, type Sequential,
} from '../../src/index.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { mulberry32, reframe, slots, split } from '../helpers/fuzz.js';
import { modelWorks } from '../helpers/model-works.js';

/** Valid files: a plain model, and checkpoints with 1, 2 and 3 optimizer state vectors, one with every layer type. */
async function validFiles(): Promise<Uint8Array[]> {
  const x = [[0.5, -1, 2], [1, 0, -0.5], [-1, 1, 0], [0, 0.3, 0.9]];
  const y = [0, 1, 2, 1];
  const files: Uint8Array[] = [];
  const make = (optimizer: unknown, activation: string) => {
    const m = sequential([dense({ units: 4, activation: activation as never, inputShape: [3] }), dense({ units: 3, activation: 'softmax', useBias: activation !== 'relu' })]);
    m.compile({ optimizer: optimizer as never, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  };
  const models: [Sequential, boolean][] = [
    [make(sgd({ momentum: 0.9 }), 'relu'), true],
    [make(adam(), 'gelu'), true],
    [make(rmsprop({ centered: true, momentum: 0.5 }), { name: 'leakyRelu', alpha: 0.1 } as never), true],
    [make('adam', 'tanh'), false],
  ];
  const mixed = sequential([
    dense({ units: 4, activation: 'relu', inputShape: [3] }), batchNormalization(), dropout({ rate: 0.2 }),
    layerNormalization({ center: false }), activation({ activation: 'tanh' }), dense({ units: 3, activation: 'softmax' }),
  ]);
  mixed.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
  models.push([mixed, true]);
  for (const [m, ckpt] of models) {
    await m.fit(x, y, { epochs: 2, batchSize: 2, seed: 1 });
    files.push(m.toBytes({ includeOptimizer: ckpt }));
    m.dispose();
  }
  return files;
}

function expectFileError(bytes: Uint8Array, message: RegExp): void {
  let error: unknown;
  try {
    modelFromBytes(bytes).dispose();
  } catch (e) {
    error = e;
  }
  expect(error, `expected a ModelFileError matching ${message}`).toBeInstanceOf(ModelFileError);
  expect((error as Error).message).toMatch(message);
}

describe('hostile model files', async () => {
  const files = await validFiles();
  const plain = files[3]; // dense layers, no checkpoint

  /** The plain file with its config (parsed JSON) edited. */
  const withConfig = (edit: (c: any) => void, bytes = plain) => {
    const { header, data } = split(bytes);
    const config = JSON.parse(header.__metadata__.config);
    edit(config);
    header.__metadata__.config = JSON.stringify(config);
    return reframe(header, data);
  };
  const withMetadata = (edit: (m: Record<string, string>) => void) => {
    const { header, data } = split(plain);
    edit(header.__metadata__);
    return reframe(header, data);
  };

  it('truncated at every byte: always a ModelFileError', () => {
    for (let k = 0; k < plain.length; k++) {
      expect(() => modelFromBytes(plain.subarray(0, k)), `truncated to ${k} bytes`).toThrow(ModelFileError);
    }
  });

  it('absurd header lengths are refused before anything is read or allocated', () => {
    const withLength = (n: bigint) => {
      const b = plain.slice();
      new DataView(b.buffer).setBigUint64(0, n, true);
      return b;
    };
    expectFileError(withLength(2n ** 40n), /header length 1099511627776 exceeds the limit/);
    expectFileError(withLength(2n ** 63n), /exceeds the limit/);
    expectFileError(withLength(BigInt(plain.length)), /only \d+ bytes follow/);
  });

  it('foreign dtypes and shape / byte mismatches', () => {
    const { header, data } = split(plain);
    const name = Object.keys(header).find((k) => k.endsWith('/kernel'))!;
    expectFileError(reframe({ ...header, [name]: { ...header[name], dtype: 'F16' } }, data), /dtype "F16" is not supported/);
    expectFileError(reframe({ ...header, [name]: { ...header[name], dtype: 'BF16' } }, data), /dtype "BF16" is not supported/);
    expectFileError(reframe({ ...header, [name]: { ...header[name], shape: [4, 3] } }, data), /tensor "dense\/kernel" has shape \[4,3\] but the config needs \[3,4\]/);
    expectFileError(reframe({ ...header, [name]: { ...header[name], shape: [3, 5] } }, data), /F32 shape \[3,5\] needs 60 bytes, data_offsets \[0, 48\] hold 48/);
    expectFileError(withConfig((c) => (c.layers[0].units = 5)), /tensor "dense\/kernel" has shape \[3,4\] but the config needs \[3,5\]/);
    expectFileError(withConfig((c) => (c.inputShape = [4])), /(dense\/kernel" has shape \[3,4\] but the config needs \[4,4\])|inputShape/);
    expectFileError(withConfig((c) => (c.layers[1].useBias = false)), /tensors its config does not use: dense_1\/bias/);
    expectFileError(withConfig((c) => c.layers.pop()), /tensors its config does not use: dense_1\/kernel, dense_1\/bias/);
  });

  it('versions, formats and configs', () => {
    expectFileError(withMetadata((m) => (m.formatVersion = '2')), /format version 2; this dendrite reads up to version 1 \(upgrade dendrite\)/);
    for (const v of ['0', '-1', '1.0', ' 1', 'one', '']) expectFileError(withMetadata((m) => (m.formatVersion = v)), /bad format version/);
    expectFileError(withMetadata((m) => delete m.formatVersion), /bad format version undefined/);
    expectFileError(withMetadata((m) => (m.format = 'keras')), /not a dendrite model file: metadata format is "keras"/);
    expectFileError(withMetadata((m) => delete m.config), /no "config" in its metadata/);
    expectFileError(withMetadata((m) => (m.config = '{"layers":')), /config in the metadata is not valid JSON/);
    expectFileError(withConfig((c) => (c.layers[1].type = 'lstm')), /layer "dense_1" \(lstm\): unsupported layer type "lstm"; this version supports: dense/);
    expectFileError(withConfig((c) => (c.layers[1].name = 'dense')), /two layers are named "dense"/);
    expectFileError(withConfig((c) => (c.layers[0].activation = 'mish')), /layer "dense" \(dense\)\.activation must be one of linear, .*, got "mish"/);
    expectFileError(withConfig((c) => (c.layers[0].units = -4)), /layer "dense" \(dense\)\.units must be an integer in \[1, /);
    expectFileError(withConfig((c) => (c.layers = [])), /at least one layer/);
    expectFileError(withConfig((c) => (c.inputShape = [2, 3])), /input has shape \[2,3\] per sample but the first layer's inputShape is \[3\]/);
    expectFileError(withConfig((c) => (c.inputShape = [3, 0])), /inputShape must be one sample's shape/);
    expectFileError(withConfig((c) => (c.compile.optimizer = { name: 'lion', config: {} })), /compile\.optimizer\.name must be one of sgd, .*, got "lion"/);
    expectFileError(withConfig((c) => (c.compile.optimizer.config = { learningRate: -1 })), /compile\.optimizer\.config\.learningRate must be a number in \[0, .*got -1/);
    expectFileError(withConfig((c) => (c.compile.loss.kind = 'hinge')), /compile\.loss\.kind must be one of .*got "hinge"/);
    expectFileError(withConfig((c) => (c.compile.loss.delta = 'big')), /compile\.loss\.delta must be a number in \(0, .*got "big"/);
    expectFileError(withConfig((c) => (c.compile.metrics = ['accuracy', 7])), /compile\.metrics\[1\] must be an object, got 7/);
    expectFileError(withConfig((c) => (c.compile.metrics = ['nope'])), /model file is inconsistent: unknown metric "nope"/);
  });

  it('survives 10,000 seeded mutations of valid files: a model or a ModelFileError, no hang, bounded memory', { timeout: 60_000 }, () => {
    const engine = getEngine();
    const random = mulberry32(6);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(a: readonly T[]): T => a[int(a.length)];
    const nasty = [-1, 0, 1, 3, 4, 2 ** 31, 2 ** 32 + 3, 2 ** 53, 1e308, -0, 0.5, null, true, false, '', 'x', '1', 'NaN', [], {}, [3], [3, 4], [null, 3], { name: 'x' }, '__proto__', '18446744073709551615', '18446744073709551616'];

    /** A structure-aware mutation: change, delete or add a value anywhere in the header, config or checkpoint. */
    const mutateStructure = (bytes: Uint8Array): Uint8Array => {
      const { header, data } = split(bytes);
      const meta = header.__metadata__;
      const tree: any = { header, config: JSON.parse(meta.config), checkpoint: meta.checkpoint ? JSON.parse(meta.checkpoint) : undefined };
      for (let m = 1 + int(2); m > 0; m--) {
        const all = slots(tree).filter(([, k]) => k !== 'config' && k !== 'checkpoint');
        const [obj, key] = pick(all);
        const r = int(10);
        if (r < 6) obj[key] = structuredClone(pick(nasty));
        else if (r < 7) delete obj[key];
        else if (r < 8 && typeof obj[key] === 'number') obj[key] += pick([-1, 1, 4, -4]);
        else if (r < 9 && !Array.isArray(obj)) obj[pick(['extra', 'type', 'name', 'units', 'kind'])] = structuredClone(pick(nasty));
        else if (Array.isArray(obj) && obj.length > 1) [obj[0], obj[obj.length - 1]] = [obj[obj.length - 1], obj[0]];
      }
      if (header.__metadata__ && typeof header.__metadata__ === 'object') {
        if ('config' in header.__metadata__) header.__metadata__.config = JSON.stringify(tree.config) ?? 'undefined';
        if (tree.checkpoint !== undefined && 'checkpoint' in header.__metadata__) header.__metadata__.checkpoint = JSON.stringify(tree.checkpoint) ?? '';
      }
      return reframe(header, data);
    };

    /** A byte-level mutation: flips, random bytes, insertions, deletions, truncation, header digits. */
    const mutateBytes = (bytes: Uint8Array): Uint8Array => {
      let b = Array.from(bytes);
      const headerEnd = 8 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
      for (let m = 1 + int(3); m > 0; m--) {
        const at = int(b.length + 1);
        switch (int(6)) {
          case 0: if (at < b.length) b[at] ^= 1 << int(8); break;
          case 1: if (at < b.length) b[at] = int(256); break;
          case 2: b.splice(at, 0, int(256)); break;
          case 3: b.splice(at, 1 + int(4)); break;
          case 4: b = b.slice(0, at); break;
          default: {
            const digits = b.map((v, i) => (i < headerEnd && v >= 0x30 && v <= 0x39 ? i : -1)).filter((i) => i >= 0);
            if (digits.length) b[pick(digits)] = 0x30 + int(10);
          }
        }
      }
      return Uint8Array.from(b);
    };

    const baseBytes = engine.memory.buffer.byteLength;
    const baseUsed = engine.info().usedBytes;
    const outcomes = { loaded: 0, rejected: 0 };
    const failures: string[] = [];
    let slowest = 0;
    let maxRatio = 0;
    const trials = 10_000;
    for (let trial = 0; trial < trials; trial++) {
      const source = pick(files);
      const input = random() < 0.5 ? mutateStructure(source) : mutateBytes(source);
      const started = performance.now();
      let model: Sequential | undefined;
      try {
        model = modelFromBytes(input);
      } catch (e) {
        if (!(e instanceof ModelFileError)) throw new Error(`trial ${trial}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
        outcomes.rejected++;
      }
      if (model) {
        outcomes.loaded++;
        const used = engine.info().usedBytes - baseUsed;
        maxRatio = Math.max(maxRatio, used / input.length);
        expect(used, `trial ${trial}: ${used} bytes of wasm memory for a ${input.length}-byte file`).toBeLessThanOrEqual(3 * input.length + 1024);
        // A loaded model works: it predicts finite values and takes one finite training step.
        const problem = modelWorks(model, [[1, 2, 3], [0.5, -1, 2]], [0, 1]);
        if (problem) failures.push(`trial ${trial}: ${problem}`);
        model.dispose();
      }
      slowest = Math.max(slowest, performance.now() - started);
      expect(engine.info().usedBytes, `trial ${trial} leaked wasm memory`).toBe(baseUsed);
    }
    console.log(`fuzz: ${trials} mutations, ${outcomes.loaded} loaded, ${outcomes.rejected} rejected, 0 other, ${failures.length} loaded but failed predict or a step; slowest ${slowest.toFixed(1)} ms; ` +
      `wasm memory ${baseBytes} → ${engine.memory.buffer.byteLength} bytes; max allocation / file size ${maxRatio.toFixed(2)}`);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(outcomes.loaded).toBeGreaterThan(100);
    expect(outcomes.rejected).toBeGreaterThan(5000);
    expect(slowest).toBeLessThan(1000);
    expect(engine.memory.buffer.byteLength).toBeLessThanOrEqual(baseBytes + 65536 * 4);
  });
});
