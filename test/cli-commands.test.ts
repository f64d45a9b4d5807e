// The built CLI end to end on small files: CSV and IDX training, evaluate, predict, summary,
// info, convert, JSON logs, the progress bar, plots (parsed as XML), Ctrl-C and --resume.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLearnableFashion } from './helpers/idx.js';
import { FLOWER_CLASSES, cliPath, parseSimpleCsv, readSvg, runCli, seriesOf, startCli, writeFlowersCsv } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dendrite-cli-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => runCli(dir, args);
const at = (f: string) => join(dir, f);

const train = writeFlowersCsv(at('flowers.csv'), 240, 1);
const test = writeFlowersCsv(at('flowers-test.csv'), 90, 2);
writeLearnableFashion(dir, 400, 100);

describe('train / evaluate / predict on CSV', () => {
  const EPOCHS = 12;
  let r: ReturnType<typeof run>;
  let testAcc = NaN;
  beforeAll(() => {
    r = run('train', '--csv', 'flowers.csv', '--test-csv', 'flowers-test.csv', '--normalize', 'standard', '--layers', '16:relu,3:softmax',
      '--epochs', String(EPOCHS), '--batch-size', '16', '--lr', '0.01', '--out', 'flowers.dnd', '--plot', 'history.svg');
    testAcc = Number(/Test accuracy: ([\d.]+)/.exec(r.out)?.[1]);
  });

  it('trains to high test accuracy, one line per epoch, and saves the model', () => {
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Total params: 131'); // 16·(4+1) + 3·(16+1)
    expect(r.out.split('\n').filter((l) => /^Epoch +\d+\/12  loss [\d.]+  accuracy [\d.]+  val loss [\d.]+  val accuracy [\d.]+  [\d.]+s  \d+ samples\/s$/.test(l))).toHaveLength(EPOCHS);
    expect(testAcc).toBeGreaterThan(0.9);
    expect(existsSync(at('flowers.dnd'))).toBe(true);
  });

  it('plots loss and accuracy, training and validation, one point per epoch, as well-formed SVG', () => {
    const series = seriesOf(readSvg(at('history.svg')));
    expect(Object.keys(series).sort()).toEqual(['accuracy', 'loss', 'valAccuracy', 'valLoss']);
    for (const pts of Object.values(series)) expect(pts).toHaveLength(EPOCHS);
    // y grows downwards: the training loss ends lower on the plot than it starts, i.e. larger y.
    expect(series.loss[EPOCHS - 1][1]).toBeGreaterThan(series.loss[0][1]);
    expect(series.accuracy[EPOCHS - 1][1]).toBeLessThan(series.accuracy[0][1]);
  });

  it('evaluate: same accuracy as train reported, the confusion matrix, and its SVG', () => {
    const e = run('evaluate', 'flowers.dnd', '--csv', 'flowers-test.csv', '--json', '--confusion', 'confusion.svg');
    expect(e.code).toBe(0);
    const j = JSON.parse(e.out);
    expect(j.accuracy).toBeCloseTo(testAcc, 4);
    expect(j.classes).toEqual(FLOWER_CLASSES);
    const m: number[][] = j.confusion;
    expect(m.flat().reduce((a, b) => a + b, 0)).toBe(90);
    expect(m.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([30, 30, 30]); // rows are the true classes
    expect((m[0][0] + m[1][1] + m[2][2]) / 90).toBeCloseTo(j.accuracy, 6);
    const svg = readSvg(at('confusion.svg'));
    const cells = Array.from({ length: svg.getElementsByTagName('rect').length }, (_, i) => svg.getElementsByTagName('rect').item(i)!).filter((c) => c.hasAttribute('data-count'));
    expect(cells).toHaveLength(9);
    for (const c of cells) expect(Number(c.getAttribute('data-count'))).toBe(m[Number(c.getAttribute('data-true'))][Number(c.getAttribute('data-predicted'))]);
    const text = run('evaluate', 'flowers.dnd', '--csv', 'flowers-test.csv');
    expect(text.out).toMatch(/Confusion matrix/);
    expect(text.out).toMatch(/1 versi color +\d+ +\d+ +\d+ +[\d.]+/);
  });

  it('predict applies the saved normalisation: CSV in, CSV out, with class names and probabilities', () => {
    const p = run('predict', 'flowers.dnd', '--csv', 'flowers-test.csv', '--probabilities');
    expect(p.code).toBe(0);
    const rows = parseSimpleCsv(p.out);
    expect(rows).toHaveLength(90);
    expect(Object.keys(rows[0])).toEqual(['row', 'class_id', 'class', 'probability', 'p_setosa', 'p_versi color', 'p_virginica']);
    let right = 0;
    rows.forEach((row, i) => {
      const ps = FLOWER_CLASSES.map((c) => Number(row[`p_${c}`]));
      expect(ps.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(Number(row.probability)).toBe(Math.max(...ps));
      expect(row.class).toBe(FLOWER_CLASSES[Number(row.class_id)]);
      if (Number(row.class_id) === test.labels[i]) right++;
    });
    expect(right / 90).toBeCloseTo(testAcc, 4);
  });

  it('predict takes JSON rows (arrays or objects by column name) and writes JSON', () => {
    const some = test.features.slice(0, 5);
    writeFileSync(at('rows.json'), JSON.stringify(some));
    const names = ['sepal length', 'sepal width', 'petal length', 'petal width'];
    writeFileSync(at('objects.json'), JSON.stringify(some.map((f) => Object.fromEntries(names.map((n, i) => [n, f[i]])))));
    const a = run('predict', 'flowers.dnd', '--json', 'rows.json', '--out', 'a.json');
    const b = run('predict', 'flowers.dnd', '--json', 'objects.json', '--format', 'json');
    const c = run('predict', 'flowers.dnd', '--csv', 'flowers-test.csv', '--format', 'json');
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
    const fromFile = JSON.parse(readFileSync(at('a.json'), 'utf8'));
    expect(fromFile).toEqual(JSON.parse(b.out));
    expect(fromFile).toEqual(JSON.parse(c.out).slice(0, 5));
  });

  it('predict reads CSV rows from stdin with --csv -', () => {
    const rows = readFileSync(at('flowers-test.csv'), 'utf8');
    const r = spawnSync(process.execPath, [cliPath, 'predict', 'flowers.dnd', '--csv', '-'], { cwd: dir, input: rows, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(run('predict', 'flowers.dnd', '--csv', 'flowers-test.csv').out);
  });

  it('summary shows the layers and what the CLI recorded', () => {
    const s = run('summary', 'flowers.dnd');
    expect(s.code).toBe(0);
    expect(s.out).toContain('Total params: 131');
    expect(s.out).toMatch(/Classes: +setosa, versi color, virginica/);
    expect(s.out).toMatch(/Normalisation: +standard/);
    expect(s.out).toMatch(/Epochs trained: +12/);
    const j = JSON.parse(run('summary', 'flowers.dnd', '--json').out);
    expect(j.params).toBe(131);
    expect(j.layers.map((l: { units: number }) => l.units)).toEqual([16, 3]);
    expect(j.cli.features).toEqual(['sepal length', 'sepal width', 'petal length', 'petal width']);
    expect(j.cli.normalization.method).toBe('standard');
  });
});

describe('regression from CSV', () => {
  it('trains on a numeric target with mse and predicts values', () => {
    // y = 2·a − b + 0.5 (hand-chosen), a and b in [0, 1): a linear model fits it exactly.
    const lines = ['a,b,target'];
    for (let i = 0; i < 200; i++) {
      const a = ((i * 37) % 101) / 101, b = ((i * 53) % 97) / 97;
      lines.push(`${a},${b},${2 * a - b + 0.5}`);
    }
    writeFileSync(at('lin.csv'), lines.join('\n'));
    const r = run('train', '--csv', 'lin.csv', '--loss', 'mse', '--layers', '1', '--optimizer', 'sgd', '--lr', '0.1', '--epochs', '60', '--batch-size', '10', '--out', 'lin.dnd', '--quiet');
    expect(r.code, r.err).toBe(0);
    writeFileSync(at('lin-rows.json'), JSON.stringify([[0.25, 0.5], [0.9, 0.1]]));
    const p = JSON.parse(run('predict', 'lin.dnd', '--json', 'lin-rows.json', '--format', 'json').out);
    expect(p[0].value).toBeCloseTo(0.5, 1); // 2·0.25 − 0.5 + 0.5
    expect(p[1].value).toBeCloseTo(2.2, 1); // 2·0.9 − 0.1 + 0.5
    const e = JSON.parse(run('evaluate', 'lin.dnd', '--csv', 'lin.csv', '--json').out);
    expect(e.loss).toBeLessThan(1e-3);
    expect(e.confusion).toBeUndefined();
  });
});

describe('IDX image/label pairs', () => {
  it('train, evaluate and predict on IDX files', () => {
    const r = run('train', '--images', 'train-images-idx3-ubyte.gz', '--labels', 'train-labels-idx1-ubyte.gz', '--test-images', 't10k-images-idx3-ubyte.gz',
      '--test-labels', 't10k-labels-idx1-ubyte.gz', '--layers', '32:relu,10:softmax', '--epochs', '4', '--batch-size', '32', '--lr', '0.01', '--out', 'idx.dnd');
    expect(r.code, r.err).toBe(0);
    const acc = Number(/Test accuracy: ([\d.]+)/.exec(r.out)?.[1]);
    expect(acc).toBeGreaterThan(0.85);
    const e = JSON.parse(run('evaluate', 'idx.dnd', '--images', 't10k-images-idx3-ubyte.gz', '--labels', 't10k-labels-idx1-ubyte.gz', '--json').out);
    expect(e.accuracy).toBeCloseTo(acc, 4);
    expect(e.rows).toBe(100);
    const p = parseSimpleCsv(run('predict', 'idx.dnd', '--images', 't10k-images-idx3-ubyte.gz').out);
    expect(p).toHaveLength(100);
    // The helper's test images cycle through the classes: image i is class i % 10.
    expect(p.filter((row, i) => Number(row.class_id) === i % 10).length / 100).toBeCloseTo(acc, 4);
  });
});

describe('output modes', () => {
  it('--json writes JSON lines only: start, one per epoch, test, saved', () => {
    const r = run('train', '--csv', 'flowers.csv', '--test-csv', 'flowers-test.csv', '--normalize', 'minmax', '--layers', '8:relu,3:softmax', '--epochs', '3', '--out', 'j.dnd', '--json');
    expect(r.code, r.err).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => e.event)).toEqual(['start', 'epoch', 'epoch', 'epoch', 'test', 'saved']);
    expect(events[1]).toMatchObject({ epoch: 1, epochs: 3 });
    for (const k of ['loss', 'accuracy', 'valLoss', 'valAccuracy', 'seconds', 'samplesPerSecond']) expect(typeof events[3][k]).toBe('number');
    expect(events[5].path).toBe('j.dnd');
  });

  it('--progress bar redraws a Keras-style bar and completes it per epoch', () => {
    const r = run('train', '--csv', 'flowers.csv', '--layers', '8:relu,3:softmax', '--epochs', '2', '--batch-size', '8', '--out', '', '--progress', 'bar');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Epoch 1/2\n');
    expect(r.out).toContain('\r'); // redrawn in place
    const final = r.out.split('\n').filter((l) => /\r ?27\/27 \[=+\] - [\d.]+s - loss: [\d.]+ - accuracy: [\d.]+ - val loss: [\d.]+ - val accuracy: [\d.]+ - [\d,]+ samples\/s/.test(l));
    expect(final).toHaveLength(2); // 216 training rows / 8 = 27 batches
    expect(r.out).toMatch(/ETA: \d+s - loss: [\d.]+/);
  });

  it('--quiet prints only the result', () => {
    const r = run('train', '--csv', 'flowers.csv', '--test-csv', 'flowers-test.csv', '--layers', '8:relu,dropout:0.2,batchnorm,3:softmax', '--epochs', '1', '--out', '', '--quiet');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.out).toMatch(/^Test accuracy: /);
  });
});

describe('info, version, bench', () => {
  it('info reports the engine and runtime features', () => {
    const j = JSON.parse(run('info', '--json').out);
    expect(j.features.simd).toBe(true);
    expect(typeof j.features.relaxedSimd).toBe('boolean');
    expect(j.engine.threads).toBeGreaterThanOrEqual(1);
    expect(typeof j.engine.threadsReason).toBe('string');
    expect(run('info').out).toMatch(/SIMD128 +available/);
  });

  it('--threads: used when the engine can, else a warning with the engine\'s reason', () => {
    const r = run('train', '--csv', 'flowers.csv', '--layers', '4:relu,3:softmax', '--epochs', '1', '--out', '', '--json', '--threads', '2');
    expect(r.code, r.err).toBe(0);
    const threads = JSON.parse(r.out.split('\n')[0]).threads;
    if (threads >= 2) expect(r.err).toBe('');
    else expect(r.err).toMatch(/^dendrite: running on 1 thread, not 2: .+\n$/);
    expect(run('train', '--csv', 'flowers.csv', '--threads', '0').code).toBe(2);
  });

  it('--version matches package.json', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(run('--version').out.trim()).toBe(pkg.version);
  });

  it('bench --help explains where the benchmark runs; without one (a published package) it says so', () => {
    const r = run('bench', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('npm run bench');
    // The CLI as installed from npm: build/cli.js and a package.json without the bench script.
    const pkg = join(dir, 'pkg');
    mkdirSync(join(pkg, 'build'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'dendrite', version: '9.9.9', type: 'module' }));
    copyFileSync(cliPath, join(pkg, 'build', 'cli.js'));
    const b = spawnSync(process.execPath, [join(pkg, 'build', 'cli.js'), 'bench'], { encoding: 'utf8' });
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/^dendrite: no benchmark in this installation .*run it from a clone\n$/);
  });
});

describe('Ctrl-C and --resume', () => {
  it('SIGINT stops after the current batch, saves a checkpoint, and --resume finishes the run', async () => {
    writeLearnableFashion(join(dir), 2000, 100, 3);
    const args = ['train', '--data-dir', dir, '--layers', '64:relu,10:softmax', '--epochs', '50', '--batch-size', '16', '--out', 'ck.dnd', '--plot', 'ck.svg'];
    const p = startCli(dir, args);
    while (!/Epoch +1\/50/.test(p.stdout())) await new Promise((r) => setTimeout(r, 20));
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code).toBe(130);
    expect(r.err).toContain('Stopping after the current batch');
    const done = Number(/Interrupted after (\d+) complete epoch/.exec(r.out)?.[1]);
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(50);
    expect(run('summary', 'ck.dnd').out).toMatch(/Checkpoint: +yes/);
    const resumed = run('train', '--data-dir', dir, '--resume', 'ck.dnd', '--epochs', String(done + 2), '--out', 'ck.dnd', '--plot', 'ck.svg');
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain(`epochs ${done + 1}-${done + 2} of ${done + 2}, resumed from ck.dnd`);
    expect(resumed.out.split('\n').filter((l) => /^Epoch +\d+\/\d+ /.test(l))).toHaveLength(2);
    // The plot covers the whole run: the epochs before the interruption and after it.
    expect(seriesOf(readSvg(at('ck.svg'))).loss).toHaveLength(done + 2);
  }, 60_000);

  it('training 2 epochs, then resuming to 4, gives the same model as 4 epochs at once', () => {
    // A run meant to be extended uses a constant rate: the default cosine schedule is laid out
    // over the first run's --epochs and travels in the checkpoint.
    const common = ['--csv', 'flowers.csv', '--normalize', 'standard', '--layers', '8:relu,3:softmax', '--batch-size', '16', '--lr-schedule', 'constant', '--quiet'];
    expect(run('train', ...common, '--epochs', '4', '--out', 'whole.dnd').code).toBe(0);
    expect(run('train', ...common, '--epochs', '2', '--out', 'half.dnd').code).toBe(0);
    const r = run('train', '--csv', 'flowers.csv', '--resume', 'half.dnd', '--epochs', '4', '--out', 'half.dnd', '--quiet');
    expect(r.code, r.err).toBe(0);
    const probs = (f: string) => {
      const p = run('predict', f, '--csv', 'flowers-test.csv', '--probabilities');
      expect(p.code, p.err).toBe(0);
      return p.out;
    };
    const whole = probs('whole.dnd');
    expect(whole.split('\n').length).toBeGreaterThan(90);
    expect(probs('half.dnd')).toBe(whole);
  });
});

describe('convert', () => {
  const help = run('convert', '--help').out;
  const writes = /writes: (.*)/.exec(help)?.[1] ?? '';
  const reads = /reads: (.*)/.exec(help)?.[1] ?? '';

  it('lists the conversions this build has', () => {
    expect(reads).toContain('native (.dnd)');
    expect(writes).toContain('native (.dnd)');
  });

  it.runIf(writes.includes('TF.js') && reads.includes('TF.js'))('native → TF.js → native keeps the predictions (normalisation folded into the first layer)', () => {
    const a = run('convert', 'flowers.dnd', 'tfjs-model');
    expect(a.code, a.err).toBe(0);
    expect(a.err).toContain('folded');
    expect(existsSync(at('tfjs-model/model.json'))).toBe(true);
    const b = run('convert', 'tfjs-model', 'back.dnd');
    expect(b.code, b.err).toBe(0);
    // back.dnd has no CLI record: it takes raw rows, and the folded layer normalises them.
    const rows = JSON.stringify(test.features.slice(0, 20));
    writeFileSync(at('raw.json'), rows);
    const before = JSON.parse(run('predict', 'flowers.dnd', '--json', 'raw.json', '--format', 'json', '--probabilities').out);
    const after = JSON.parse(run('predict', 'back.dnd', '--json', 'raw.json', '--format', 'json', '--probabilities').out);
    expect(after.map((r: { class_id: number }) => r.class_id)).toEqual(before.map((r: { class_id: number }) => r.class_id));
    after.forEach((r: Record<string, number>, i: number) => expect(r.probability).toBeCloseTo(before[i].probability, 3));
  });

  it.runIf(writes.includes('ONNX'))('native → ONNX writes a file onnxruntime runs to the same outputs', async () => {
    const c = run('convert', 'idx.dnd', 'idx.onnx');
    expect(c.code, c.err).toBe(0);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(at('idx.onnx'));
    const x = new Float32Array(784).map((_, i) => ((i * 7) % 255) / 255);
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 784]) };
    const y = (await session.run(feeds))[session.outputNames[0]].data as Float32Array;
    writeFileSync(at('one.json'), JSON.stringify([Array.from(x)]));
    const p = JSON.parse(run('predict', 'idx.dnd', '--json', 'one.json', '--format', 'json').out)[0];
    expect(y[p.class_id]).toBeCloseTo(p.probability, 4);
  });

  it.runIf(!writes.includes('ONNX'))('an unavailable conversion says which ones exist', () => {
    const c = run('convert', 'flowers.dnd', 'm.onnx');
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/cannot write ONNX.*; it writes: native/);
  });
});
