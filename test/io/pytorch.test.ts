// The way out to PyTorch: saved files read by an independent safetensors parser, and the recipe in
// docs/files.md (stack nn.Linear with the transposed (in, units) kernels and the mapped
// activations) run in plain JavaScript (f64) against predict() for every activation. When python3 has torch and
// safetensors, that page's Python snippet itself runs on a saved file.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activation, batchNormalization, dense, dropout, layerNormalization, sequential, type Sequential } from '../../src/index.js';
import { parseSafetensors } from '../helpers/safetensors.js';

/** PyTorch's modules, as the ACTIVATIONS table of docs/files.md maps dendrite names to them (f64). */
const torchActivations: Record<string, (alpha: number | undefined) => (row: number[]) => number[]> = {
  linear: () => (r) => r,
  relu: () => (r) => r.map((v) => Math.max(v, 0)),
  sigmoid: () => (r) => r.map((v) => 1 / (1 + Math.exp(-v))),
  tanh: () => (r) => r.map(Math.tanh),
  softmax: () => (r) => {
    const m = Math.max(...r);
    const e = r.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  },
  selu: () => (r) => r.map((v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v))),
  leakyRelu: (a = 0.2) => (r) => r.map((v) => (v > 0 ? v : a * v)),
  elu: (a = 1) => (r) => r.map((v) => (v > 0 ? v : a * Math.expm1(v))),
  gelu: () => (r) => r.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))),
  swish: () => (r) => r.map((v) => v / (1 + Math.exp(-v))),
  silu: () => (r) => r.map((v) => v / (1 + Math.exp(-v))),
  softplus: () => (r) => r.map((v) => (v > 20 ? v : Math.log1p(Math.exp(v)))), // torch's threshold 20
};

/** erf by its Maclaurin series / continued-fraction tail, to ~1e-15 (f64). */
function erf(x: number): number {
  const t = Math.abs(x);
  if (t < 2.5) {
    let sum = 0;
    let term = t;
    for (let n = 0; n < 60; n++) {
      sum += term / (2 * n + 1);
      term *= (-t * t) / (n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0; // erfc(t) = e^{-t²}/√π · 1/(t + 1/2/(t + 1/(t + 3/2/(t + …))))
  for (let n = 60; n >= 1; n--) f = n / 2 / (t + f);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f));
}

/** load_dendrite of docs/files.md, in JavaScript: parse the file independently, stack the modules in eval mode. */
function torchRecipe(bytes: Uint8Array, transpose = true): (row: number[]) => number[] {
  const file = parseSafetensors(bytes);
  const config = JSON.parse(file.metadata.config);
  const tensor = (name: string) => file.tensors.get(name)?.data;
  const act = (spec: string | { name: string; alpha?: number }) =>
    typeof spec === 'string' ? torchActivations[spec](undefined) : torchActivations[spec.name](spec.alpha);
  let width: number = config.inputShape[0];
  const steps = config.layers.map((layer: Record<string, any>): ((x: number[]) => number[]) => {
    const { type, name } = layer;
    if (type === 'dense') {
      const kernel = file.tensors.get(`${name}/kernel`)!;
      const [inputs, units] = kernel.shape;
      // nn.Linear(inputs, units): weight (units, inputs) = kernelᵀ, y = x·weightᵀ + bias.
      const weight = Array.from({ length: units }, (_, j) => Array.from({ length: inputs }, (_, i) => kernel.data[transpose ? i * units + j : j * inputs + i]));
      const bias = layer.useBias ? Array.from(tensor(`${name}/bias`)!) : new Array(units).fill(0);
      const f = act(layer.activation);
      width = units;
      return (x) => f(weight.map((w, j) => w.reduce((s, v, i) => s + v * x[i], bias[j])));
    }
    if (type === 'activation') return act(layer.activation);
    if (type === 'dropout') return (x) => x; // eval()
    const n = width;
    const gamma = tensor(`${name}/gamma`) ?? new Float32Array(n).fill(1);
    const beta = tensor(`${name}/beta`) ?? new Float32Array(n);
    const eps: number = layer.epsilon;
    if (type === 'batchNormalization') {
      const mean = tensor(`${name}/moving_mean`)!;
      const variance = tensor(`${name}/moving_variance`)!;
      return (x) => x.map((v, j) => ((v - mean[j]) / Math.sqrt(variance[j] + eps)) * gamma[j] + beta[j]);
    }
    if (type === 'layerNormalization') {
      return (x) => {
        const mu = x.reduce((a, b) => a + b, 0) / n;
        const v = x.reduce((a, b) => a + (b - mu) ** 2, 0) / n; // biased, as torch.nn.LayerNorm
        return x.map((e, j) => ((e - mu) / Math.sqrt(v + eps)) * gamma[j] + beta[j]);
      };
    }
    throw new Error(`the recipe has no branch for ${type}`);
  });
  return (row) => steps.reduce((x: number[], step: (x: number[]) => number[]) => step(x), row);
}

const rows = Array.from({ length: 16 }, (_, r) => Array.from({ length: 6 }, (_, c) => Math.sin(3.7 * r + 1.3 * c) * 3));
const activations = Object.keys(torchActivations).map((a) => [a, a] as [string, unknown]).concat([
  ['leakyRelu α=0.02', { name: 'leakyRelu', alpha: 0.02 }], ['elu α=0.6', { name: 'elu', alpha: 0.6 }],
]);

function makeModel(activation: unknown): Sequential {
  const m = sequential([
    dense({ units: 10, activation: activation as never, inputShape: [6], name: 'hidden', biasInitializer: 'randomNormal' }),
    dense({ units: 5, activation: 'tanh', useBias: false }),
    dense({ units: 4, activation: activation as never, biasInitializer: 'ones' }),
  ]);
  m.build({ seed: 17 });
  return m;
}

describe('the PyTorch recipe of docs/files.md, in JavaScript', () => {
  it.each(activations)('%s: same outputs as predict (<= 1e-5)', (_, activation) => {
    const m = makeModel(activation);
    const forward = torchRecipe(m.toBytes());
    const ours = m.predict(rows);
    let diff = 0;
    rows.forEach((row, r) => forward(row).forEach((v, j) => (diff = Math.max(diff, Math.abs(v - ours.data[r * 4 + j])))));
    expect(diff).toBeLessThanOrEqual(1e-5);
    m.dispose();
  });

  it('every layer type: dense, batch / layer normalisation (with and without gamma, beta), dropout, activation', async () => {
    const m = sequential([
      dense({ units: 8, activation: 'relu', inputShape: [6] }),
      batchNormalization({ momentum: 0.8 }),
      dropout({ rate: 0.3 }),
      dense({ units: 7 }),
      layerNormalization({ epsilon: 0.01 }),
      activation({ activation: { name: 'leakyRelu', alpha: 0.1 } }),
      batchNormalization({ center: false, scale: false }),
      layerNormalization({ center: false }),
      dense({ units: 3, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await m.fit(rows, rows.map((r) => (r[0] > 0 ? 1 : r[1] > 0 ? 2 : 0)), { epochs: 3, batchSize: 4, seed: 2 });
    const forward = torchRecipe(m.toBytes());
    const ours = m.predict(rows).data;
    const diff = Math.max(...rows.flatMap((row, r) => forward(row).map((v, j) => Math.abs(v - ours[r * 3 + j]))));
    expect(diff).toBeLessThanOrEqual(1e-5);
    m.dispose();
  });

  it('the recipe can fail: kernels are (in, units), so skipping the transpose gives other outputs', () => {
    const m = sequential([dense({ units: 6, activation: 'tanh', inputShape: [6] }), dense({ units: 6 })]); // square: both reads run
    m.build({ seed: 3 });
    const file = parseSafetensors(m.toBytes());
    expect(file.names).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
    const ours = m.predict(rows).data;
    const diff = (f: (row: number[]) => number[]) => Math.max(...rows.flatMap((row, r) => f(row).map((v, j) => Math.abs(v - ours[r * 6 + j]))));
    expect(diff(torchRecipe(m.toBytes()))).toBeLessThanOrEqual(1e-5);
    expect(diff(torchRecipe(m.toBytes(), false))).toBeGreaterThan(0.01);
    m.dispose();
  });
});

// ---- the snippet itself, when python3 has torch and safetensors (DENDRITE_PYTHON to choose) ------

/** The Python block of docs/files.md that defines load_dendrite. */
function recipeBlock(): string {
  const page = readFileSync(new URL('../../docs/files.md', import.meta.url), 'utf8');
  const block = [...page.matchAll(/```python\n([\s\S]*?)```/g)].map((b) => b[1]).find((b) => b.includes('def load_dendrite'));
  if (block === undefined) throw new Error('docs/files.md has no Python block defining load_dendrite');
  return block;
}

it('docs/files.md shows the recipe the tests run: load_dendrite, then a use of it', () => {
  const block = recipeBlock();
  expect(block).toContain('model = load_dendrite(');
  for (const name of Object.keys(torchActivations)) expect(block, name).toContain(`"${name}"`);
});

const python = process.env.DENDRITE_PYTHON ?? 'python3';
const hasTorch = spawnSync(python, ['-c', 'import torch, safetensors'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasTorch)('the Python snippet of docs/files.md with torch + safetensors', () => {
  it('loads a dendrite file into torch.nn.Sequential and predicts the same', async () => {
    const block = recipeBlock();
    const definitions = block.slice(0, block.indexOf('model = load_dendrite'));
    const dir = await mkdtemp(join(tmpdir(), 'dendrite-torch-'));
    try {
      for (const [, activation] of activations) {
        const m = makeModel(activation);
        await m.save(join(dir, 'm.dnd'));
        const script = `${definitions}\nimport sys\nmodel = load_dendrite(sys.argv[1])\nx = torch.tensor(json.loads(sys.argv[2]), dtype=torch.float32)\nprint(json.dumps(model(x).tolist()))\n`;
        const run = spawnSync(python, ['-c', script, join(dir, 'm.dnd'), JSON.stringify(rows)], { encoding: 'utf8' });
        expect(run.stderr).toBe('');
        const theirs = (JSON.parse(run.stdout) as number[][]).flat();
        const ours = m.predict(rows).data;
        expect(Math.max(...theirs.map((v, i) => Math.abs(v - ours[i])))).toBeLessThanOrEqual(1e-5);
        m.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
