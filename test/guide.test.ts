// The guide (docs/guide/) runs: every example in examples/guide/ is executed as a user runs it
// (node, importing 'dendrite' from the built package; npm test builds first), its key numbers are
// checked against what the page teaches, and the same checks are applied to the output pasted on
// the page, so a page cannot drift from its program. Each page must also contain its example's
// code verbatim, and the committed SVG plots (and filter pictures) must match what the examples draw now.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'dendrite-guide-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(example: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [join(root, 'examples', 'guide', example), ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, DENDRITE_OFFLINE: '1' },
    timeout: 120_000,
  });
  if (r.status !== 0) {
    const stderr = r.stderr.split('\n').map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l)).join('\n'); // minified bundle lines
    throw new Error(`node examples/guide/${example} exited with ${r.status}:\n${stderr}`);
  }
  expect(r.stderr).toBe('');
  return r.stdout;
}

const page = (file: string) => readFileSync(join(root, 'docs', 'guide', file), 'utf8');

/** The output block a page shows for `node examples/guide/<example>`. */
function shown(file: string, example: string): string {
  const text = page(file);
  const start = text.indexOf(`\`\`\`text\n$ node examples/guide/${example}\n`);
  if (start < 0) throw new Error(`${file} shows no output of ${example}`);
  const body = text.slice(text.indexOf('\n', text.indexOf('$ node', start)) + 1);
  return body.slice(0, body.indexOf('```'));
}

/** The page contains the example's source exactly. */
function expectCodeOnPage(file: string, example: string) {
  const code = readFileSync(join(root, 'examples', 'guide', example), 'utf8');
  expect(page(file).includes('```js\n' + code + '```'), `${file} shows the current ${example}`).toBe(true);
}

/** The line starting with `prefix` (after trimming), as its numbers. */
function nums(text: string, prefix: string): number[] {
  const line = text.split('\n').find((l) => l.trim().startsWith(prefix));
  if (line === undefined) throw new Error(`no line starting with ${JSON.stringify(prefix)} in:\n${text}`);
  return (line.trim().slice(prefix.length).match(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/g) ?? []).map(Number);
}

/** `text` with thousands separators dropped (200,960 → 200960), for nums(). */
const noThousands = (text: string) => text.replace(/(\d),(?=\d{3})/g, '$1');

/** The table row whose first number is `first` and that has `count` numbers. */
function row(text: string, first: number, count: number): number[] {
  for (const line of text.split('\n')) {
    const n = (line.match(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/g) ?? []).map(Number);
    if (n.length === count && n[0] === first) return n;
  }
  throw new Error(`no row starting with ${first} (${count} numbers) in:\n${text}`);
}

/** Runs `check` on a fresh run and on the page's pasted output. */
function both(file: string, example: string, output: string, check: (text: string, where: string) => void) {
  check(output, 'run');
  check(shown(file, example), file);
}

/** Numbers of an SVG's drawing (coordinates), for comparing a fresh plot with the committed one. */
function svgNumbers(svg: string): number[] {
  return (svg.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
}
function expectSameSvg(fresh: string, committedPath: string) {
  const committed = readFileSync(committedPath, 'utf8');
  const a = svgNumbers(fresh);
  const b = svgNumbers(committed);
  expect(a.length, `${committedPath}: number of values`).toBe(b.length);
  expect(fresh.replace(/-?\d+(?:\.\d+)?/g, '#')).toBe(committed.replace(/-?\d+(?:\.\d+)?/g, '#'));
  const worst = Math.max(0, ...a.map((v, i) => Math.abs(v - b[i])));
  expect(worst, `${committedPath}: largest coordinate difference (px)`).toBeLessThanOrEqual(1);
}

describe('guide', () => {
  it('README links the guide, and the guide index links every page', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('docs/guide/');
    const index = page('README.md');
    for (const f of ['01-neuron.md', '02-why-activations.md', '03-parameters.md', '04-activations.md', '05-gradient-descent.md', '06-epochs-and-batches.md', '07-classification.md', '08-fashion-mnist.md', '09-save-and-predict.md', '10-convolutions.md']) {
      expect(index).toContain(`(${f})`);
      expect(existsSync(join(root, 'docs', 'guide', f))).toBe(true);
    }
  });

  it('1. a single neuron learns the slope and intercept', () => {
    const out = run('neuron.mjs');
    expectCodeOnPage('01-neuron.md', 'neuron.mjs');
    both('01-neuron.md', 'neuron.mjs', out, (text) => {
      const hand = nums(text, 'one step by hand:');
      const fit = nums(text, 'one step by fit:');
      hand.forEach((v, i) => expect(Math.abs(v - fit[i])).toBeLessThanOrEqual(2e-4));
      const [w, b] = nums(text, 'learned:');
      const [lw, lb] = nums(text, 'least squares:');
      expect(Math.abs(w - 3)).toBeLessThan(0.05);
      expect(Math.abs(b - -1)).toBeLessThan(0.05);
      expect(Math.abs(w - lw)).toBeLessThanOrEqual(1e-3);
      expect(Math.abs(b - lb)).toBeLessThanOrEqual(1e-3);
      expect(nums(text, 'epoch 60')[0]).toBeLessThan(0.011); // noise variance 0.01
      expect(nums(text, 'epoch  1')[0]).toBeGreaterThan(1);
    });
    const [runW, runB] = nums(out, 'learned:');
    const [pageW, pageB] = nums(shown('01-neuron.md', 'neuron.mjs'), 'learned:');
    expect(Math.abs(runW - pageW) + Math.abs(runB - pageB)).toBeLessThanOrEqual(3e-4);
  });

  it('2. linear layers collapse and cannot fit XOR; a tanh hidden layer solves it', () => {
    const out = run('xor.mjs');
    expectCodeOnPage('02-why-activations.md', 'xor.mjs');
    both('02-why-activations.md', 'xor.mjs', out, (text) => {
      const linear = nums(text, 'linear 2-4-4-1   predictions:').slice(-4);
      const collapsed = nums(text, 'one layer gives  predictions:');
      linear.forEach((p, i) => {
        expect(Math.abs(p - 0.5)).toBeLessThan(0.05);
        expect(Math.abs(p - collapsed[i])).toBeLessThanOrEqual(2e-3);
      });
      const p = nums(text, 'tanh 2-4-1       predictions:').slice(-4);
      [0, 1, 1, 0].forEach((t, i) => expect(Math.abs(p[i] - t)).toBeLessThan(0.1));
      expect(text).toContain('rounded: 0 1 1 0   target: 0 1 1 0');
      expect(nums(text, 'final loss').at(-1)).toBe(1);
    });
  });

  it('3. parameters: 73 for 3-6-6-1, 267 for 64 inputs and seven layers of 3', () => {
    const out = run('parameters.mjs');
    expectCodeOnPage('03-parameters.md', 'parameters.mjs');
    both('03-parameters.md', 'parameters.mjs', out, (text) => {
      expect(text).toContain('Total params: 73\n');
      expect(text).toContain('Total params: 267\n');
      expect(text).toContain('6 × (3 + 1)');
      expect(text).toContain('3 × (64 + 1)');
      expect(text).toContain('by hand: 6×(3+1) + 6×(6+1) + 1×(6+1) = 73');
      const counts = text.split('\n').filter((l) => l.startsWith('countParams():')).map((l) => Number(l.split(':')[1]));
      expect(counts).toEqual([73, 267]);
    });
  });

  it('4. activation values and plots come from the kernels and match the formulas', () => {
    const out = run('activations.mjs', join(tmp, 'img'));
    expectCodeOnPage('04-activations.md', 'activations.mjs');
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const at = [-2, -1, 0, 1, 2];
    // f and f' in closed form (gelu's Φ(±1), Φ(±2) and φ from tables, to 6 digits).
    const Phi: Record<number, number> = { [-2]: 0.02275, [-1]: 0.158655, 0: 0.5, 1: 0.841345, 2: 0.97725 };
    const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    const ref: Record<string, [(x: number) => number, (x: number) => number]> = {
      linear: [(x) => x, () => 1],
      sigmoid: [sig, (x) => sig(x) * (1 - sig(x))],
      tanh: [Math.tanh, (x) => 1 - Math.tanh(x) ** 2],
      relu: [(x) => Math.max(0, x), (x) => (x > 0 ? 1 : 0)],
      leakyRelu: [(x) => (x > 0 ? x : 0.2 * x), (x) => (x > 0 ? 1 : 0.2)],
      elu: [(x) => (x > 0 ? x : Math.expm1(x)), (x) => (x > 0 ? 1 : Math.exp(x))],
      gelu: [(x) => x * Phi[x], (x) => Phi[x] + x * phi(x)],
      softmax: [sig, (x) => sig(x) * (1 - sig(x))],
    };
    both('04-activations.md', 'activations.mjs', out, (text, where) => {
      for (const [name, [f, df]] of Object.entries(ref)) {
        const row = nums(text, name + ' ');
        expect(row, `${where}: ${name}`).toHaveLength(10);
        at.forEach((x, i) => {
          expect(Math.abs(row[i] - f(x)), `${where}: ${name}(${x})`).toBeLessThanOrEqual(1.5e-3);
          expect(Math.abs(row[5 + i] - df(x)), `${where}: ${name}'(${x})`).toBeLessThanOrEqual(1.5e-3);
        });
      }
    });
    for (const name of Object.keys(ref)) {
      const file = `activation-${name}.svg`;
      expect(page('04-activations.md')).toContain(`(img/${file})`);
      expectSameSvg(readFileSync(join(tmp, 'img', file), 'utf8'), join(root, 'docs', 'guide', 'img', file));
    }
  });

  it('5. learning rates: slow, one step, overshoot, divergence', () => {
    const out = run('learning-rate.mjs', join(tmp, 'img'));
    expectCodeOnPage('05-gradient-descent.md', 'learning-rate.mjs');
    both('05-gradient-descent.md', 'learning-rate.mjs', out, (text, where) => {
      // columns: loss at steps 0 1 2 5 10 25, then w after steps 1..4
      const row = (rate: string) => nums(text, `${rate} `).slice(0, 10);
      const [slow, good, exact, over, diverge] = ['0.01', '0.1', '0.5', '0.95', '1.1'].map(row);
      const floor = exact[5];
      expect(Math.abs(exact[1] - floor), `${where}: 0.5 reaches the minimum in one step`).toBeLessThanOrEqual(1e-3);
      expect(good[5]).toBeLessThan(floor * 1.05);
      expect(slow[5], `${where}: 0.01 is still far from the minimum`).toBeGreaterThan(10 * floor);
      const wStar = exact[9];
      expect(Math.abs(wStar - 2)).toBeLessThan(0.1);
      const side = over.slice(6, 10).map((w) => Math.sign(w - wStar));
      expect(side, `${where}: 0.95 overshoots every step`).toEqual([1, -1, 1, -1]);
      expect(over[5]).toBeLessThan(over[0]);
      for (let i = 1; i < 6; i++) expect(diverge[i], `${where}: 1.1 diverges`).toBeGreaterThan(diverge[i - 1]);
      expect(diverge[5]).toBeGreaterThan(1000 * diverge[0]);
    });
    expect(page('05-gradient-descent.md')).toContain('(img/learning-rates.svg)');
    expectSameSvg(readFileSync(join(tmp, 'img', 'learning-rates.svg'), 'utf8'), join(root, 'docs', 'guide', 'img', 'learning-rates.svg'));
  });

  it('6. batch 1 vs 32 vs full batch: ceil(rows / batch) updates per epoch', () => {
    const out = run('batches.mjs');
    expectCodeOnPage('06-epochs-and-batches.md', 'batches.mjs');
    both('06-epochs-and-batches.md', 'batches.mjs', out, (text, where) => {
      const rows = [1, 32, 1024].map((b) => row(text, b, 5)); // batch, updates/epoch, updates, seconds, loss
      const [one, mid, full] = rows;
      for (const [batch, perEpoch, updates] of rows) {
        expect(perEpoch).toBe(Math.ceil(1024 / batch));
        expect(updates).toBe(20 * perEpoch);
      }
      expect(mid[4], `${where}: batch 32 beats the full batch`).toBeLessThan(full[4]);
      expect(mid[4], `${where}: batch 32 beats batch 1`).toBeLessThan(one[4]);
    });
  });

  it('7. binary classification of the loans CSV', () => {
    const out = run('loans.mjs');
    expectCodeOnPage('07-classification.md', 'loans.mjs');
    expectCodeOnPage('07-classification.md', 'loans-data.mjs');
    both('07-classification.md', 'loans.mjs', out, (text) => {
      expect(nums(text, 'features:')).toEqual([320, 80]);
      const first = row(text, 1, 5); // epoch, loss, accuracy, test loss, test accuracy
      const last = row(text, 100, 5);
      expect(last[1]).toBeLessThan(first[1]);
      expect(nums(text, 'test accuracy:')[0]).toBeGreaterThanOrEqual(0.85);
      const p = ['age 25', 'age 52', 'age 38'].map((a) => nums(text, a).at(-1)!);
      expect(p[0]).toBeGreaterThan(0.5);
      expect(p[1]).toBeLessThan(0.5);
      expect(p[2]).toBeLessThan(0.5);
    });
  });

  // Where datasets.fashionMnist() looks without downloading (the run sets DENDRITE_OFFLINE).
  const fashionDirs = [process.env.DENDRITE_DATA, '/usr/share/datasets/fashion-mnist'].filter((d): d is string => !!d);
  const haveFashion = fashionDirs.some((d) => ['train-images-idx3-ubyte.gz', 'train-images-idx3-ubyte'].some((f) => existsSync(join(d, f))));
  if (!haveFashion) {
    console.warn(`NOTICE: Fashion-MNIST not installed (${fashionDirs.join(', ')}); the guide's Fashion-MNIST run is skipped (its page is still checked). apt-get install dataset-fashion-mnist`);
  }
  const checkFashion = (text: string, where: string) => {
    expect(text).toContain('train x [60000,784], test x [10000,784]');
    expect(text).toContain('784-128-10: 101,770 parameters');
    const epochs = [1, 2, 3].map((e) => row(text, e, 5)); // epoch, loss, accuracy, test accuracy, seconds
    expect(epochs[2][2], `${where}: training accuracy rises`).toBeGreaterThan(epochs[0][2]);
    expect(epochs[2][3], `${where}: test accuracy rises`).toBeGreaterThan(epochs[0][3]);
    expect(nums(text, 'final test accuracy:')[0], where).toBeGreaterThanOrEqual(0.85);
    const predictions = text.split('\n').filter((l) => l.startsWith('test image ') && l.includes('predicted'));
    expect(predictions).toHaveLength(5);
  };
  it('8. Fashion-MNIST page: flattened 784 inputs, softmax, accuracy per epoch', () => {
    expectCodeOnPage('08-fashion-mnist.md', 'fashion-mnist.mjs');
    checkFashion(shown('08-fashion-mnist.md', 'fashion-mnist.mjs'), '08-fashion-mnist.md');
  });
  it.skipIf(!haveFashion)('8. Fashion-MNIST example: 3 epochs reach >= 0.85 test accuracy', () => {
    checkFashion(run('fashion-mnist.mjs'), 'run');
  });

  it('9. fit continues; save, load and predict with frozen weights', () => {
    const out = run('save-load.mjs', join(tmp, 'loans.dnd'));
    expectCodeOnPage('09-save-and-predict.md', 'save-load.mjs');
    both('09-save-and-predict.md', 'save-load.mjs', out, (text, where) => {
      const first = nums(text, 'fit #1, epochs 1-5:');
      const second = nums(text, 'fit #2, epochs 6-10:');
      const fresh = nums(text, 'a new model, 1-5:');
      expect([first, second, fresh].map((l) => l.length)).toEqual([5, 5, 5]);
      expect(second[0], `${where}: fit #2 starts where fit #1 stopped`).toBeLessThan(first[4]);
      expect(fresh[0], `${where}: a new model starts over`).toBeGreaterThan(first[4]);
      expect(text).toContain('3 layers, 73 parameters');
      expect(nums(text, 'trained model: P(repaid) =')).toEqual(nums(text, 'loaded model:  P(repaid) ='));
      expect(text).toContain('identical predictions: true');
      expect(text).toContain('weights unchanged by predict: true');
      expect(nums(text, 'loaded model test accuracy:')[0]).toBeGreaterThanOrEqual(0.8);
    });
    expect(existsSync(join(tmp, 'loans.dnd'))).toBe(true);
  });

  // A plain convolution to check the page's grids against: the 5×5 image (columns 0 0 1 1 1) and the
  // vertical-edge filter of convolution.mjs, zero padding `pad`, stride `stride`.
  const image = [0, 1, 2, 3, 4].map(() => [0, 0, 1, 1, 1]);
  const edge = [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]];
  function convolve(pad: number, stride: number, out: number): number[][] {
    return Array.from({ length: out }, (_, r) => Array.from({ length: out }, (_, c) => {
      let sum = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sum += edge[i][j] * (image[r * stride + i - pad]?.[c * stride + j - pad] ?? 0);
      return sum;
    }));
  }
  /** The `size` lines of numbers after the line starting with `header`. */
  function grid(text: string, header: string, size: number): number[][] {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith(header));
    if (at < 0) throw new Error(`no line starting with ${JSON.stringify(header)}`);
    return lines.slice(at + 1, at + 1 + size).map((l) => l.trim().split(/\s+/).map(Number));
  }
  function pool2(map: number[][], f: (block: number[]) => number): number[][] {
    return [0, 1].map((r) => [0, 1].map((c) => f([map[2 * r][2 * c], map[2 * r][2 * c + 1], map[2 * r + 1][2 * c], map[2 * r + 1][2 * c + 1]])));
  }

  it('10. convolutions: a filter by hand equals Conv2D for each padding and stride; pooling; 320 vs 200,960 parameters', () => {
    const out = run('convolution.mjs');
    expectCodeOnPage('10-convolutions.md', 'convolution.mjs');
    both('10-convolutions.md', 'convolution.mjs', out, (text, where) => {
      // (padding, stride) → output size: valid ⌊(5 − 3) / s⌋ + 1, same ⌈5 / s⌉ with one zero each side.
      for (const [padding, stride, pad, size] of [['valid', 1, 0, 3], ['same', 1, 1, 5], ['valid', 2, 0, 2], ['same', 2, 1, 3]] as const) {
        const header = `padding '${padding}', stride ${stride}: ${size}×${size} output, by hand the same: true`;
        expect(grid(text, header, size), `${where}: ${padding} ${stride}`).toEqual(convolve(pad, stride, size));
      }
      const map = [[1, 3, 2, 0], [4, 2, 1, 5], [0, 1, 7, 2], [6, 0, 3, 1]];
      expect(nums(text, 'max pooling 2×2 of').slice(16)).toEqual(pool2(map, (b) => Math.max(...b)).flat());
      expect(nums(text, 'average pooling 2×2 of').slice(16)).toEqual(pool2(map, (b) => (b[0] + b[1] + b[2] + b[3]) / 4).flat());
      const n = (prefix: string) => nums(noThousands(text), prefix);
      // Each line: the formula's numbers, its result, countParams(), and the outputs.
      expect(n('conv 32 3×3 on 28×28×1:'), where).toEqual([32, 3, 3, 1, 1, 32 * (3 * 3 * 1 + 1), 320, 26 * 26 * 32]);
      expect(n('dense 784 → 256:'), where).toEqual([256, 784, 1, 256 * (784 + 1), 200_960, 256]);
      expect(n(`dense 784 → ${26 * 26 * 32}:`), where).toEqual([21_632, 784, 1, 21_632 * (784 + 1), Math.round((21_632 * 785 * 4) / 1e6)]);
      expect(n('conv 64 3×3 on 13×13×32:'), where).toEqual([64, 3, 3, 32, 1, 64 * (3 * 3 * 32 + 1), 18_496]);
    });
  });

  const checkSmallCnn = (text: string, where: string) => {
    expect(nums(noThousands(text), 'cnn:').at(-1), where).toBe(8 * (5 * 5 + 1) + 16 * (3 * 3 * 8 + 1) + 10 * (400 + 1));
    expect(nums(noThousands(text), 'mlp:').at(-1), where).toBe(7 * (784 + 1) + 10 * (7 + 1));
    const epochs = [1, 2, 3].map((e) => row(text, e, 5)); // epoch, cnn accuracy, cnn test, mlp accuracy, mlp test
    expect(epochs[2][2], `${where}: the CNN's test accuracy rises`).toBeGreaterThan(epochs[0][2]);
    const [cnn, mlp] = nums(text, 'final test accuracy:');
    expect(Math.abs(cnn - epochs[2][2])).toBeLessThanOrEqual(5e-4);
    expect(Math.abs(mlp - epochs[2][4])).toBeLessThanOrEqual(5e-4);
    expect(cnn, `${where}: CNN test accuracy`).toBeGreaterThanOrEqual(0.78);
    expect(cnn - mlp, `${where}: the CNN beats the dense network of the same size`).toBeGreaterThanOrEqual(0.05);
  };
  it('10. small CNN page: parameters, accuracy per epoch, the filter picture', () => {
    expectCodeOnPage('10-convolutions.md', 'small-cnn.mjs');
    checkSmallCnn(shown('10-convolutions.md', 'small-cnn.mjs'), '10-convolutions.md');
    expect(page('10-convolutions.md')).toContain('(img/cnn-filters.svg)');
    expect(existsSync(join(root, 'docs', 'guide', 'img', 'cnn-filters.svg'))).toBe(true);
  });
  it.skipIf(!haveFashion)('10. small CNN example: beats a dense network of its size on a subset, and draws the committed filters', () => {
    const out = run('small-cnn.mjs', join(tmp, 'img'));
    checkSmallCnn(out, 'run');
    expectSameSvg(readFileSync(join(tmp, 'img', 'cnn-filters.svg'), 'utf8'), join(root, 'docs', 'guide', 'img', 'cnn-filters.svg'));
  });
});
