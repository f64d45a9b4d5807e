// Guarantee 7 (bad data at scale): every public entry point — fit, evaluate, predict, setWeights,
// loadModel / modelFromBytes, fitDataset, trainOnBatch / testOnBatch / predictOnBatch, and the
// CLI — fed malformed input of every kind (wrong types, wrong shapes, NaN / Infinity, negative and
// fractional counts, huge values, empty arrays) gets an error of a named class whose message says
// what was expected and what was got. test/errors.test.ts covers the first cases of several of
// these; this table adds the entry points and input kinds it lacks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DendriteError,
  ModelFileError,
  NumericError,
  type Sequential,
  ShapeError,
  ValueError,
  dense,
  loadModel,
  modelFromBytes,
  sequential,
} from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { thrownBy } from '../helpers/thrown.js';

type ErrorClass = new (...a: never[]) => DendriteError;
/** [entry point, input kind, description, call, error class, words the message must contain] */
type Case = [string, Kind, string, () => unknown, ErrorClass, RegExp];
type Kind = 'type' | 'shape' | 'non-finite' | 'count' | 'huge' | 'empty';

/** 2 features → 3 classes. */
function classifier(): Sequential {
  const m = sequential([dense({ units: 4, activation: 'relu', inputShape: [2] }), dense({ units: 3, activation: 'softmax' })]);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  m.build({ seed: 1 });
  return m;
}
/** 2 features → 1 value, weights all 1: inputs near float32's limit overflow its output. */
function summer(): Sequential {
  const m = sequential([dense({ units: 1, inputShape: [2], kernelInitializer: 'ones' })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}
const x = [[0, 1], [1, 0], [1, 1]];
const y = [0, 1, 2];
const f32x = new Float32Array([0, 1, 1, 0, 1, 1]);
const big = 3e38; // finite in float32; two of them summed are not
const weightsWith = (edit: (w: (Float32Array | number[])[]) => void) => {
  const m = classifier();
  const w: (Float32Array | number[])[] = m.getWeights().map((t) => t.data);
  edit(w);
  m.setWeights(w);
};
const batches = (b: unknown[]) => b as never;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dendrite-bad-data-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases: Case[] = [
  // fit
  ['fit', 'type', 'x is null', () => classifier().fit(null as never, y), ValueError, /x must be a Float32Array, Uint8Array, number\[\]\[\] or \{ data, shape \}, got null/],
  ['fit', 'type', 'x is an Int32Array', () => classifier().fit(new Int32Array(6) as never, y), ValueError, /x must be .*got a Int32Array/],
  ['fit', 'type', 'y is a BigInt64Array', () => classifier().fit(x, new BigInt64Array(3) as never), ValueError, /y must be class ids .*got a BigInt64Array/],
  ['fit', 'type', 'y is missing', () => classifier().fit(x, undefined as never), ValueError, /y must be class ids .*got undefined/],
  ['fit', 'type', 'a string in a row', () => classifier().fit([[0, 'a'], [1, 0], [1, 1]] as never, y), ValueError, /x has a non-numeric value at row 0, column 1: "a"/],
  ['fit', 'type', 'options are a number', () => classifier().fit(x, y, 5 as never), ValueError, /fit options must be an object/],
  ['fit', 'type', 'shuffle is a string', () => classifier().fit(x, y, { shuffle: 'no' as never }), ValueError, /shuffle must be a boolean, got "no"/],
  ['fit', 'type', 'verbose is 5', () => classifier().fit(x, y, { verbose: 5 as never }), ValueError, /verbose must be 0 or 1, got 5/],
  ['fit', 'type', 'signal is not an AbortSignal', () => classifier().fit(x, y, { signal: 'stop' as never }), ValueError, /signal must be an AbortSignal/],
  ['fit', 'type', 'callbacks is a function', () => classifier().fit(x, y, { callbacks: (() => 1) as never }), ValueError, /callbacks must be objects/],
  ['fit', 'shape', 'ragged rows', () => classifier().fit([[0, 1], [1]], y), ShapeError, /x\[1\] has 1 values but the model expects 2 features/],
  ['fit', 'shape', 'a Matrix with a one-dimensional shape', () => classifier().fit({ data: f32x, shape: [6] as never }, y), ShapeError, /x\.shape must be \[rows, cols\], got \[6\]/],
  ['fit', 'shape', 'a Matrix whose data is short', () => classifier().fit({ data: new Float32Array(5), shape: [3, 2] }, y), ShapeError, /x\.data has 5 values but shape \[3, 2\] needs 6/],
  ['fit', 'shape', 'a y Matrix with a bad shape', () => classifier().fit(x, { data: new Float32Array(3), shape: 'x' as never }), ShapeError, /y\.shape must be \[rows, cols\], got "x"/],
  ['fit', 'shape', 'validation rows of the wrong width', () => classifier().fit(x, y, { validationData: [[[1, 2, 3]], [0]] }), ShapeError, /validationData x\[0\] has 3 values but the model expects 2/],
  ['fit', 'non-finite', 'Infinity in a Float64Array', () => classifier().fit(new Float64Array([0, 1, Infinity, 0, 1, 1]), y), ValueError, /x has a non-finite value at row 1, column 0: Infinity/],
  ['fit', 'non-finite', 'a NaN class id', () => classifier().fit(x, [0, NaN, 2]), ValueError, /y\[1\] = NaN is not a class id/],
  ['fit', 'non-finite', 'an Infinity target', () => summer().fit(x, [[1], [Infinity], [0]]), ValueError, /y has a non-finite value at row 1, column 0: Infinity/],
  ['fit', 'non-finite', 'a NaN sample weight', () => classifier().fit(x, y, { sampleWeight: [1, NaN, 1] }), ValueError, /sampleWeight\[1\] must be a finite number >= 0, got NaN/],
  ['fit', 'non-finite', 'a NaN class weight', () => classifier().fit(x, y, { classWeight: { 0: NaN } }), ValueError, /classWeight\[0\] must be a finite number >= 0, got NaN/],
  ['fit', 'non-finite', 'NaN in validation data', () => classifier().fit(x, y, { validationData: [[[NaN, 1]], [0]] }), ValueError, /validationData x has a non-finite value at row 0, column 0: NaN/],
  ['fit', 'count', 'negative epochs', () => classifier().fit(x, y, { epochs: -1 }), ValueError, /epochs must be a positive integer, got -1/],
  ['fit', 'count', 'NaN epochs', () => classifier().fit(x, y, { epochs: NaN }), ValueError, /epochs must be a positive integer, got NaN/],
  ['fit', 'count', 'fractional batchSize', () => classifier().fit(x, y, { batchSize: 2.5 }), ValueError, /batchSize must be a positive integer, got 2.5/],
  ['fit', 'count', 'negative initialEpoch', () => classifier().fit(x, y, { initialEpoch: -1 }), ValueError, /initialEpoch must be an integer >= 0, got -1/],
  ['fit', 'count', 'fractional initialEpoch', () => classifier().fit(x, y, { initialEpoch: 1.5 }), ValueError, /initialEpoch must be an integer >= 0, got 1.5/],
  ['fit', 'count', 'fractional seed', () => classifier().fit(x, y, { seed: 1.5 }), ValueError, /seed must be a non-negative integer, got 1.5/],
  ['fit', 'count', 'a Matrix with negative rows', () => classifier().fit({ data: f32x, shape: [-3, 2] }, y), ShapeError, /x\.shape must be \[rows, cols\], got \[-3,2\]/],
  ['fit', 'count', 'a Matrix with fractional rows', () => classifier().fit({ data: f32x, shape: [1.5, 2] }, y), ShapeError, /x\.shape must be \[rows, cols\], got \[1\.5,2\]/],
  ['fit', 'huge', 'a value beyond float32', () => classifier().fit([[1e39, 1], [1, 0], [1, 1]], y), ValueError, /x has a non-finite value at row 0, column 0: 1e\+39, beyond float32's range \(±3\.4e38\)/],
  ['fit', 'huge', 'a target beyond float32', () => summer().fit(x, [[1], [-1e39], [0]]), ValueError, /y has a non-finite value at row 1, column 0: -1e\+39, beyond float32's range/],
  ['fit', 'huge', '1e300 epochs', () => classifier().fit(x, y, { epochs: 1e300 }), ValueError, /epochs must be a positive integer, got 1e\+300/],
  ['fit', 'huge', 'a class id of 1e10', () => classifier().fit(x, [0, 1e10, 2]), ValueError, /y\[1\] = 10000000000 is not a class id: expected an integer in \[0, 2\]/],
  ['fit', 'huge', 'a seed beyond 2^53', () => classifier().fit(x, y, { seed: 2 ** 60 }), ValueError, /seed must be a non-negative integer/],
  ['fit', 'huge', 'a class weight for a class the model lacks', () => classifier().fit(x, y, { classWeight: { 7: 2 } }), ValueError, /classWeight has class 7, but the model has 3 classes/],
  ['fit', 'huge', 'a Matrix of 1e20 rows', () => classifier().fit({ data: f32x, shape: [1e20, 2] }, y), ShapeError, /x\.shape must be \[rows, cols\]/],
  ['fit', 'empty', 'no targets for 3 rows', () => classifier().fit(x, []), ShapeError, /x has 3 rows but y has 0/],
  ['fit', 'empty', 'a Matrix of 0 rows', () => classifier().fit({ data: new Float32Array(0), shape: [0, 2] }, []), ValueError, /x is empty: need at least one row/],
  // evaluate
  ['evaluate', 'type', 'options are null', () => classifier().evaluate(x, y, null as never), ValueError, /evaluate options must be an object/],
  ['evaluate', 'type', 'y is a string', () => classifier().evaluate(x, 'abc' as never), ValueError, /y must be class ids .*got "abc"/],
  ['evaluate', 'shape', 'rows of 3 values', () => classifier().evaluate([[1, 2, 3]], [0]), ShapeError, /x\[0\] has 3 values but the model expects 2/],
  ['evaluate', 'non-finite', 'NaN in a Float32Array', () => classifier().evaluate(new Float32Array([0, 1, NaN, 0]), [0, 1]), ValueError, /x has a non-finite value at row 1, column 0: NaN/],
  ['evaluate', 'count', 'negative batchSize', () => classifier().evaluate(x, y, { batchSize: -1 }), ValueError, /batchSize must be a positive integer, got -1/],
  ['evaluate', 'count', 'fractional batchSize', () => classifier().evaluate(x, y, { batchSize: 1.5 }), ValueError, /batchSize must be a positive integer, got 1.5/],
  ['evaluate', 'huge', 'inputs that overflow the network', () => summer().evaluate([[big, big]], [[0]]), NumericError, /evaluate: the loss is Infinity: the network overflows float32; scale the inputs as in training, or lower the learning rate/],
  ['evaluate', 'empty', 'an empty Float32Array', () => classifier().evaluate(new Float32Array(0), []), ValueError, /x is empty/],
  // predict
  ['predict', 'type', 'options are null', () => classifier().predict(x, null as never), ValueError, /predict options must be an object/],
  ['predict', 'type', 'x is undefined', () => classifier().predict(undefined as never), ValueError, /x must be .*got undefined/],
  ['predict', 'type', 'booleans', () => classifier().predict([[true, false]] as never), ValueError, /x has a non-numeric value at row 0, column 0: true/],
  ['predict', 'shape', 'three-dimensional rows', () => classifier().predict([[[1, 2]]] as never), ShapeError, /x\[0\] has 1 values but the model expects 2/],
  ['predict', 'non-finite', '-Infinity', () => classifier().predict([[-Infinity, 0]]), ValueError, /x has a non-finite value at row 0, column 0: -Infinity/],
  ['predict', 'count', 'NaN batchSize', () => classifier().predict(x, { batchSize: NaN }), ValueError, /batchSize must be a positive integer, got NaN/],
  ['predict', 'count', 'zero batchSize', () => classifier().predict(x, { batchSize: 0 }), ValueError, /batchSize must be a positive integer, got 0/],
  ['predict', 'huge', 'a value beyond float32 in a Float64Array', () => classifier().predict(new Float64Array([1, 1e40])), ValueError, /x has a non-finite value at row 0, column 1: 1e\+40, beyond float32's range/],
  ['predict', 'huge', 'inputs that overflow the network', () => summer().predict([[1, 1], [big, big]]), NumericError, /predict: the output for row 1 is Infinity: the network overflows float32; scale the inputs as in training, or lower the learning rate/],
  ['predict', 'empty', 'a row with no values', () => classifier().predict([[]]), ShapeError, /x\[0\] has 0 values but the model expects 2/],
  ['predict', 'empty', 'a Matrix of 0 rows', () => classifier().predict({ data: new Float32Array(0), shape: [0, 2] }), ValueError, /x is empty/],
  // setWeights
  ['setWeights', 'type', 'null', () => classifier().setWeights(null as never), ShapeError, /setWeights expects 4 arrays .*got null/],
  ['setWeights', 'type', 'strings', () => classifier().setWeights(['a', 'b', 'c', 'd'] as never), ValueError, /dense kernel: expected a Float32Array, number\[\] or \{ data, shape \}, got "a"/],
  ['setWeights', 'type', 'an Int32Array', () => weightsWith((w) => (w[1] = new Int32Array(4) as never)), ValueError, /dense bias: expected .*got a Int32Array/],
  ['setWeights', 'shape', 'a kernel with a transposed shape', () => { const m = classifier(); const w = m.getWeights(); w[0] = { ...w[0], shape: [4, 2] }; m.setWeights(w); }, ShapeError, /dense kernel: expected shape \[2,4\], got \[4,2\]/],
  ['setWeights', 'shape', 'nested arrays', () => weightsWith((w) => (w[0] = [[1, 2, 3, 4], [1, 2, 3, 4]] as never)), ShapeError, /dense kernel: expected 8 values \(shape \[2,4\]\), got 2/],
  ['setWeights', 'non-finite', 'Infinity', () => weightsWith((w) => (w[0][0] = Infinity)), ValueError, /dense kernel: value 0 is Infinity; weights must be finite/],
  ['setWeights', 'huge', '1e39 in a number[]', () => weightsWith((w) => (w[2] = [1e39, ...Array.from(w[2]).slice(1)])), ValueError, /dense_1 kernel: value 0 is 1e\+39; weights must be finite/],
  ['setWeights', 'empty', 'no arrays', () => classifier().setWeights([]), ShapeError, /setWeights expects 4 arrays .*got 0/],
  // loadModel / modelFromBytes
  ['modelFromBytes', 'type', 'a string', () => modelFromBytes('abc' as never), ModelFileError, /a model file must be given as a Uint8Array, got "abc"/],
  ['modelFromBytes', 'type', 'null', () => modelFromBytes(null as never), ModelFileError, /must be given as a Uint8Array, got null/],
  ['modelFromBytes', 'shape', 'random bytes', () => modelFromBytes(new Uint8Array(1000).map((_, i) => (i * 31) & 255)), ModelFileError, /header length \d+ exceeds the limit/],
  ['modelFromBytes', 'huge', 'a header length of 2^62', () => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 2n ** 62n, true); return modelFromBytes(b); }, ModelFileError, /header length 4611686018427387904 exceeds the limit/],
  ['loadModel', 'type', 'a number', () => loadModel(5 as never), ValueError, /load needs a path, file:\/\/, .* got 5/],
  ['loadModel', 'type', 'an unknown scheme', () => loadModel('ftp://example.com/m.dnd'), ValueError, /cannot load from "ftp:\/\/example\.com\/m\.dnd"/],
  ['loadModel', 'shape', 'a directory', () => loadModel(dir), ModelFileError, /is a directory, not a model file/],
  ['loadModel', 'shape', 'a text file', () => (writeFileSync(join(dir, 'notes.dnd'), 'hello, not a model'), loadModel(join(dir, 'notes.dnd'))), ModelFileError, /.+/],
  ['loadModel', 'empty', 'an empty path', () => loadModel(''), ValueError, /load needs a path.*got ""/],
  ['loadModel', 'empty', 'zero bytes', () => loadModel(new Uint8Array(0)), ModelFileError, /.+/],
  // fitDataset
  ['fitDataset', 'type', 'a number instead of batches', () => classifier().fitDataset(5 as never), ValueError, /fitDataset data must be an iterable or async iterable of batches .*got 5/],
  ['fitDataset', 'type', 'a null batch', () => classifier().fitDataset(batches([null])), ValueError, /a batch must be \{ x, y, sampleWeight\? \} or \[x, y, sampleWeight\?\], got null/],
  ['fitDataset', 'type', 'a batch without targets', () => classifier().fitDataset(batches([{ x }])), ValueError, /a training batch needs targets/],
  ['fitDataset', 'type', 'options are null', () => classifier().fitDataset(batches([[x, y]]), null as never), ValueError, /fitDataset options must be an object/],
  ['fitDataset', 'shape', 'a batch with fewer targets than rows', () => classifier().fitDataset(batches([[x, [0, 1]]])), ShapeError, /x has 3 rows but y has 2/],
  ['fitDataset', 'non-finite', 'NaN in a batch', () => classifier().fitDataset(batches([[[[NaN, 1]], [0]]])), ValueError, /x has a non-finite value at row 0, column 0: NaN/],
  ['fitDataset', 'count', 'zero stepsPerEpoch', () => classifier().fitDataset(batches([[x, y]]), { stepsPerEpoch: 0 }), ValueError, /stepsPerEpoch must be a positive integer, got 0/],
  ['fitDataset', 'count', 'negative epochs', () => classifier().fitDataset(batches([[x, y]]), { epochs: -2 }), ValueError, /epochs must be a positive integer, got -2/],
  ['fitDataset', 'count', 'a string initialEpoch', () => classifier().fitDataset(batches([[x, y]]), { initialEpoch: 'a' as never }), ValueError, /initialEpoch must be an integer >= 0, got "a"/],
  ['fitDataset', 'count', 'negative validationSteps', () => classifier().fitDataset(batches([[x, y]]), { validationData: batches([[x, y]]), validationSteps: -1 }), ValueError, /validationSteps must be a positive integer, got -1/],
  ['fitDataset', 'huge', 'a class id of 1e9', () => classifier().fitDataset(batches([[x, [0, 1, 1e9]]])), ValueError, /y\[2\] = 1000000000 is not a class id/],
  ['fitDataset', 'empty', 'no batches', () => classifier().fitDataset([]), ValueError, /fitDataset: the data gave no batches/],
  ['fitDataset', 'empty', 'an empty batch', () => classifier().fitDataset(batches([[[], []]])), ValueError, /x is empty/],
  // trainOnBatch / testOnBatch / predictOnBatch
  ['trainOnBatch', 'type', 'options are null', () => classifier().trainOnBatch(x, y, null as never), ValueError, /trainOnBatch options must be an object/],
  ['trainOnBatch', 'shape', 'more targets than rows', () => classifier().trainOnBatch([[0, 1]], [0, 1]), ShapeError, /x has 1 rows but y has 2/],
  ['trainOnBatch', 'non-finite', 'NaN in x', () => classifier().trainOnBatch([[NaN, 1]], [0]), ValueError, /row 0, column 0: NaN/],
  ['trainOnBatch', 'huge', 'a class id past the last class', () => classifier().trainOnBatch([[0, 1]], [5]), ValueError, /y\[0\] = 5 is not a class id: expected an integer in \[0, 2\]/],
  ['trainOnBatch', 'empty', 'no rows', () => classifier().trainOnBatch([], []), ValueError, /x is empty/],
  ['testOnBatch', 'type', 'x is a string', () => classifier().testOnBatch('x' as never, [0]), ValueError, /x must be .*got "x"/],
  ['testOnBatch', 'huge', 'inputs that overflow the network', () => summer().testOnBatch([[big, big]], [[1]]), NumericError, /testOnBatch: the loss is Infinity/],
  ['predictOnBatch', 'non-finite', 'Infinity', () => classifier().predictOnBatch([[Infinity, 0]]), ValueError, /row 0, column 0: Infinity/],
  ['predictOnBatch', 'huge', 'inputs that overflow the network', () => summer().predictOnBatch([[big, big]]), NumericError, /predictOnBatch: the output for row 0 is Infinity/],
  ['predictOnBatch', 'empty', 'no rows', () => classifier().predictOnBatch([]), ValueError, /x is empty/],
];

describe.each([...new Set(cases.map((c) => c[0]))])('%s', (entry) => {
  const rows = cases.filter((c) => c[0] === entry).map(([, kind, what, call, type, words]) => ({ name: `${kind}: ${what}`, call, type, words }));
  it.each(rows)('$name', async ({ call, type, words }) => {
    const thrown = await thrownBy(call);
    expect(thrown, 'expected an error').toBeInstanceOf(type);
    expect((thrown as Error).name).toBe(type.name);
    expect((thrown as Error).message).toMatch(words);
  });
});

it('the table covers every input kind for the main entry points', () => {
  for (const entry of ['fit', 'predict', 'fitDataset']) {
    const kinds = new Set(cases.filter((c) => c[0] === entry).map((c) => c[1]));
    expect([...kinds].sort(), entry).toEqual(['count', 'empty', 'huge', 'non-finite', 'shape', 'type']);
  }
});

describe('the CLI', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'dendrite-bad-cli-'));
    const rows = Array.from({ length: 40 }, (_, i) => `${(i % 7) / 7},${((i * 3) % 5) / 5},${i % 3}`);
    writeFileSync(join(cwd, 'ok.csv'), ['a,b,label', ...rows].join('\n') + '\n');
    writeFileSync(join(cwd, 'huge.csv'), ['a,b,label', '1,1e39,0', ...rows].join('\n') + '\n');
    writeFileSync(join(cwd, 'nulls.json'), '[[1, null], [2, 3]]');
    writeFileSync(join(cwd, 'empty.json'), '[]');
    writeFileSync(join(cwd, 'huge.json'), '[[1, 1e39]]');
    const r = runCli(cwd, ['train', '--csv', 'ok.csv', '--layers', '4:relu,3:softmax', '--epochs', '1', '--out', 'ok.dnd', '--quiet']);
    if (r.code !== 0) throw new Error(r.err);
    writeFileSync(join(cwd, 'cut.dnd'), new Uint8Array(0));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  // [arguments, exit code (2: usage, 1: data / library), words on stderr]
  it.each([
    [['train', '--csv', 'ok.csv', '--epochs', '1e309'], 2, /--epochs needs a number, got "1e309"/],
    [['train', '--csv', 'ok.csv', '--lr', 'NaN'], 2, /--lr needs a number, got "NaN"/],
    [['train', '--csv', 'ok.csv', '--threads', '0'], 2, /--threads must be at least 1, got 0/],
    [['evaluate', 'ok.dnd', '--csv', 'ok.csv', '--batch-size', '2.5'], 2, /--batch-size needs a whole number, got "2.5"/],
    [['train', '--csv', 'ok.csv', '--batch-size', '-1', '--out', ''], 2, /--batch-size must be at least 1, got -1/],
    [['train', '--csv', 'ok.csv', '--lr', '-1', '--out', ''], 2, /--lr must be at least 0, got -1/],
    [['train', '--csv', 'ok.csv', '--validation-split', '2', '--out', ''], 2, /--validation-split must be in \[0, 1\), got 2/],
    [['train', '--csv', 'huge.csv', '--out', ''], 1, /huge\.csv: line 2: column "b" is 1e39, beyond float32's range/],
    [['train', '--csv', 'ok.csv', '--layers', '40000:relu,40000:relu,3:softmax', '--out', ''], 1, /cannot allocate 29\.8 GiB for fit: the model \(1600280003 parameters\).*limited to 4 GiB.*model\.fitDataset/],
    [['train', '--csv', 'ok.csv', '--optimizer', 'sgd', '--lr', '1e30', '--lr-schedule', 'constant', '--epochs', '5', '--out', ''], 1, /at epoch \d+, batch \d+; the weights were not updated by that batch\. Try a lower learning rate/],
    [['predict', 'ok.dnd', '--json', 'nulls.json'], 1, /nulls\.json: row 0, value 1 is null, not a finite number/],
    [['predict', 'ok.dnd', '--json', 'empty.json'], 1, /empty\.json: expected a non-empty JSON array of rows/],
    [['predict', 'ok.dnd', '--json', 'huge.json'], 1, /huge\.json: row 0, value 1 is 1e\+39, beyond float32's range/],
    [['predict', 'ok.dnd', '--csv', 'ok.csv', '--batch-size', '0'], 2, /--batch-size must be at least 1, got 0/],
    [['predict', 'cut.dnd', '--csv', 'ok.csv'], 1, /file is 0 bytes, too short/],
  ] as [string[], number, RegExp][])('dendrite %j', (args, code, words) => {
    const r = runCli(cwd, args);
    expect(r.code, r.err).toBe(code);
    expect(r.err).toMatch(words);
    expect(r.err).not.toMatch(/\n\s+at /); // a message, not a stack trace
    if (code === 1) expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
