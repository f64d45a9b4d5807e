// Every error path of the built CLI: usage errors exit 2 with the command's usage line; bad or
// missing files, bad CSV rows (with their line number) and missing data exit 1 with one line on
// stderr and no stack trace (unless --debug).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeFlowersCsv } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dendrite-cli-err-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => runCli(dir, args);
const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

beforeAll(() => {
  writeFlowersCsv(join(dir, 'ok.csv'), 60, 1);
  const r = run('train', '--csv', 'ok.csv', '--layers', '4:relu,3:softmax', '--epochs', '1', '--out', 'ok.dnd', '--quiet');
  if (r.code !== 0) throw new Error(r.err);
});

/** One line on stderr, starting "dendrite: ", no stack frames. */
function expectOneLine(r: { code: number | null; err: string }, pattern: RegExp) {
  expect(r.code, r.err).toBe(1);
  const lines = r.err.trim().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^dendrite: /);
  expect(lines[0]).toMatch(pattern);
}

describe('usage errors: the usage line and exit code 2', () => {
  it.each([
    [['train', '--bogus'], /unknown option --bogus[\s\S]*usage: dendrite train/],
    [['train', '--epochs', 'many'], /--epochs needs a number, got "many"/],
    [['train', '--epochs', '2.5'], /--epochs needs a whole number/],
    [['train', '--epochs'], /--epochs needs a value/],
    [['train', '--quiet=yes'], /--quiet takes no value/],
    [['train', '--dataset', 'cifar'], /unknown dataset "cifar"/],
    [['train', '--csv', 'ok.csv', '--images', 'x'], /--csv and --images cannot be used together/],
    [['train', '--csv', 'ok.csv', '--normalize', 'zscore'], /--normalize must be one of none, minmax, standard/],
    [['train', '--csv', 'ok.csv', '--layers', '16:relu:x'], /--layers entry 1 "16:relu:x": "x" is one value too many: dense takes 2 values \(UNITS\[:ACT\]\), then options as KEY=VALUE/],
    [['train', '--csv', 'ok.csv', '--layers', 'dropout,3:softmax'], /--layers entry 1 "dropout": dropout needs rate: dropout:RATE/],
    [['train', '--csv', 'ok.csv', '--layers', '4:wiggle,3:softmax'], /--layers entry 1 "4:wiggle": unknown activation "wiggle"; expected one of: linear, sigmoid/],
    [['train', '--csv', 'ok.csv', '--loss', 'hinge'], /unknown loss "hinge"/],
    // The output layer must give a probability per class (ok.csv has 3) or one for binary loss.
    [['train', '--csv', 'ok.csv', '--layers', '8:relu'], /--layers ends with 8 units and activation relu, but the output must be a probability per class \(loss sparseCategoricalCrossentropy, 3 classes in the data\): 3 units with activation softmax \(e.g. end with 3:softmax\)/],
    [['train', '--csv', 'ok.csv', '--layers', '4:relu,2:softmax'], /ends with 2 units and activation softmax[^\n]*3 units with activation softmax/],
    [['train', '--csv', 'ok.csv', '--layers', '4:relu,3'], /ends with 3 units and activation linear/],
    [['train', '--csv', 'ok.csv', '--loss', 'binaryCrossentropy', '--layers', '4:relu,1:relu'], /must be one probability \(loss binaryCrossentropy\): 1 units with activation sigmoid/],
    [['train', '--resume', 'ok.dnd', '--csv', 'ok.csv', '--layers', '8:relu,3:softmax'], /--layers cannot be combined with --resume/],
    [['train', '--images', 'x.idx'], /--images needs --labels/],
    [['evaluate'], /evaluate needs one model file[\s\S]*usage: dendrite evaluate/],
    [['evaluate', 'ok.dnd'], /the model was trained on csv data; give the rows to evaluate \(--csv FILE\)/],
    [['predict', 'ok.dnd'], /predict needs rows: --csv FILE, --images FILE or --json FILE/],
    [['predict', 'ok.dnd', '--csv', 'ok.csv', '--format', 'xml'], /--format must be one of csv, json/],
    [['summary'], /summary needs one model file/],
    [['convert', 'ok.dnd'], /convert needs an input and an output/],
    [['convert', 'ok.dnd', 'out.xyz'], /cannot tell the format of "out.xyz"/],
    [['frobnicate'], /unknown command "frobnicate"[\s\S]*usage: dendrite <command>/],
    [[], /usage: dendrite <command>/],
  ])('dendrite %j', (args, pattern) => {
    const r = run(...(args as string[]));
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(pattern);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('file and data errors: one line, exit code 1', () => {
  it('missing files', () => {
    expectOneLine(run('train', '--csv', 'nope.csv'), /no such file: nope\.csv/);
    expectOneLine(run('evaluate', 'nope.dnd', '--csv', 'ok.csv'), /no such file: nope\.dnd/);
    expectOneLine(run('predict', 'ok.dnd', '--json', 'nope.json'), /no such file: nope\.json/);
    expectOneLine(run('train', '--images', 'a.idx', '--labels', 'b.idx'), /no such file: a\.idx/);
    expectOneLine(run('train', '--csv', 'ok.csv', '--config', 'nope.json'), /no such file: nope\.json/);
  });

  it('a missing dataset names where it looked', () => {
    expectOneLine(run('train', '--data-dir', join(dir, 'nowhere')), /Fashion-MNIST/);
  });

  it('a file that is not a model', () => {
    expectOneLine(run('summary', 'ok.csv'), /./);
    write('short.dnd', 'abc');
    expectOneLine(run('evaluate', 'short.dnd', '--csv', 'ok.csv'), /./);
  });

  it('a bad CSV row names its line', () => {
    write('bad-number.csv', 'a,b,label\n1,2,0\n3,4,1\n5,oops,0\n');
    expectOneLine(run('train', '--csv', 'bad-number.csv'), /bad-number\.csv: line 4: column "b" is "oops", not a number/);
    write('bad-width.csv', 'a,b,label\n1,2,0\n3,4\n');
    expectOneLine(run('train', '--csv', 'bad-width.csv'), /bad-width\.csv: line 3: expected 3 fields like the first row, got 2/);
    write('bad-empty.csv', 'a,b,label\n1,2,0\n,4,1\n');
    expectOneLine(run('train', '--csv', 'bad-empty.csv'), /line 3: column "a" is empty/);
    // The line number counts physical lines: the quoted field spans two.
    write('bad-quote.csv', 'a,b,label\n1,2,"zero\nstill zero"\n3,x,one\n');
    expectOneLine(run('train', '--csv', 'bad-quote.csv'), /line 4: column "b" is "x"/);
    write('unclosed.csv', 'a,b,label\n1,2,"zero\n');
    expectOneLine(run('train', '--csv', 'unclosed.csv'), /line 2: a quoted field is never closed/);
  });

  it('CSV columns and labels that do not fit', () => {
    expectOneLine(run('train', '--csv', 'ok.csv', '--label-column', 'colour'), /has no column "colour"; columns: sepal length, sepal width, petal length, petal width, species/);
    expectOneLine(run('train', '--csv', 'ok.csv', '--label-column', '9'), /label column 9 is out of range: the file has 5 columns/);
    write('new-class.csv', 'sepal length,sepal width,petal length,petal width,species\n1,2,3,4,tulip\n');
    expectOneLine(run('evaluate', 'ok.dnd', '--csv', 'new-class.csv'), /line 2: label "tulip" is not one of the model's classes: setosa, versi color, virginica/);
    write('three.csv', '1,2,3\n4,5,6\n');
    expectOneLine(run('predict', 'ok.dnd', '--csv', 'three.csv'), /has 3 feature columns but the model expects 4/);
    write('empty.csv', '');
    expectOneLine(run('train', '--csv', 'empty.csv'), /empty\.csv: is empty/);
    write('header-only.csv', 'a,b,label\n');
    expectOneLine(run('train', '--csv', 'header-only.csv'), /has a header but no data rows/);
  });

  it('bad JSON rows and config files', () => {
    write('bad.json', '[[1,2,3,4],[1,2]]');
    expectOneLine(run('predict', 'ok.dnd', '--json', 'bad.json'), /row 1 has 2 values but the model expects 4/);
    write('notjson.json', '{oops');
    expectOneLine(run('predict', 'ok.dnd', '--json', 'notjson.json'), /is not valid JSON/);
    write('cfg.json', '{"layers": [{"units": 4, "activation": "relu"}], "colour": 1}');
    expectOneLine(run('train', '--csv', 'ok.csv', '--config', 'cfg.json'), /unknown key\(s\) colour/);
  });

  it('out-of-range values from the library keep their message', () => {
    write('wiggle.json', JSON.stringify({ layers: [{ units: 4, activation: 'wiggle' }, { units: 3, activation: 'softmax' }] }));
    expectOneLine(run('train', '--csv', 'ok.csv', '--config', 'wiggle.json'), /layer 1 of wiggle\.json: unknown activation "wiggle"/);
  });

  it('--debug shows the stack trace', () => {
    const r = run('train', '--csv', 'nope.csv', '--debug');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\n\s+at /);
  });
});

describe('a JSON config file', () => {
  it('its output layer is checked like --layers (usage error before training)', () => {
    write('wide.json', JSON.stringify({ layers: [{ units: 4, activation: 'relu' }, { units: 5, activation: 'softmax' }] }));
    const r = run('train', '--csv', 'ok.csv', '--config', 'wide.json');
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/the layers of wide\.json ends with 5 units and activation softmax[^\n]*3 units with activation softmax/);
    expect(r.out).not.toMatch(/Training on/);
    // An activation layer after the last dense one is the output activation.
    write('split.json', JSON.stringify({ layers: [{ units: 3 }, { type: 'activation', activation: 'softmax' }], epochs: 1 }));
    expect(run('train', '--csv', 'ok.csv', '--config', 'split.json', '--out', '', '--quiet').code).toBe(0);
  });

  it('gives layers, optimizer and training options; flags override it', () => {
    write('model.json', JSON.stringify({ layers: [{ units: 6, activation: 'tanh' }, { type: 'dropout', rate: 0.1 }, { units: 3, activation: 'softmax' }], optimizer: { name: 'sgd', momentum: 0.9 }, learningRate: 0.05, epochs: 2, batchSize: 8 }));
    const r = run('train', '--csv', 'ok.csv', '--config', 'model.json', '--epochs', '3', '--out', 'cfg.dnd');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Total params: 51'); // 6·(4+1) + 3·(6+1)
    expect(r.out.split('\n').filter((l) => /^Epoch \d\/3 /.test(l))).toHaveLength(3);
    const s = JSON.parse(run('summary', 'cfg.dnd', '--json').out);
    expect(s.compile.optimizer.name).toBe('sgd');
    expect(s.compile.optimizer.config).toMatchObject({ learningRate: 0.05, momentum: 0.9 });
    expect(s.layers.map((l: { type: string }) => l.type)).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(s.layers[0].activation).toBe('tanh');
  });
});
