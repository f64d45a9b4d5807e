// Model-file configs against their schema (issue 17, items 3–6): a file means what it says or is
// refused by name — misspelt keys with the closest valid one, wrong types, values nested 5,000
// deep, state tensors out of range, sizes beyond memory from a few hundred bytes, too many layers —
// and loading is linear in the layer count.
import { describe, expect, it } from 'vitest';
import { adam, batchNormalization, dense, ModelFileError, modelFromBytes, nadam, rmsprop, sequential, toOnnx, type Sequential } from '../../src/index.js';
import { MAX_LAYERS } from '../../src/io/config-schema.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';

const x = [[0.5, -1, 2], [1, 0, -0.5], [-1, 1, 0], [0, 0.3, 0.9]];

async function checkpoint(optimizer: unknown): Promise<Uint8Array> {
  const m = sequential([dense({ units: 4, activation: 'relu', inputShape: [3] }), batchNormalization(), dense({ units: 3, activation: 'softmax' })]);
  m.compile({ optimizer: optimizer as never, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit(x, [0, 1, 2, 1], { epochs: 2, batchSize: 2, seed: 1 });
  const bytes = m.toBytes({ includeOptimizer: true });
  m.dispose();
  return bytes;
}

/** The file with its metadata JSON (config or checkpoint) edited as text or as an object, tensors edited in place. */
function edit(bytes: Uint8Array, o: { config?: (c: any) => void; configText?: (s: string) => string; checkpointText?: (s: string) => string; tensor?: [string, (d: Float32Array) => void] }): Uint8Array {
  const { metadata, tensors } = decodeSafetensors(bytes);
  if (o.config) {
    const c = JSON.parse(metadata.config);
    o.config(c);
    metadata.config = JSON.stringify(c);
  }
  if (o.configText) metadata.config = o.configText(metadata.config);
  if (o.checkpointText) metadata.checkpoint = o.checkpointText(metadata.checkpoint);
  if (o.tensor) o.tensor[1](tensors.get(o.tensor[0])!.data);
  return encodeSafetensors([...tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })), metadata);
}

function refused(bytes: Uint8Array): ModelFileError {
  try {
    modelFromBytes(bytes).dispose();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFileError);
    return e as ModelFileError;
  }
  throw new Error('the file loaded');
}

describe('model configs are checked against a schema', async () => {
  const adamFile = await checkpoint(adam());
  const rmsFile = await checkpoint(rmsprop({ centered: true }));

  it('a misspelt key is refused naming the key, the layer and the closest valid key', () => {
    const e = refused(edit(adamFile, { configText: (s) => s.replace('"activation":"relu"', '"activatiom":"relu"') }));
    expect(e.message).toMatch(/^layer "dense" \(dense\) has an unknown key "activatiom" \(did you mean "activation"\?\); valid keys: type, name, units, activation/);
    expect(refused(edit(adamFile, { config: (c) => (c.compiel = c.compile) })).message).toMatch(/model config has an unknown key "compiel" \(did you mean "compile"\?\)/);
    expect(refused(edit(adamFile, { config: (c) => (c.compile.optimizer.config.learningRat = 0.1) })).message)
      .toMatch(/compile\.optimizer\.config has an unknown key "learningRat" \(did you mean "learningRate"\?\)/);
    expect(refused(edit(adamFile, { config: (c) => (c.layers[1].momentun = 0.5) })).message).toMatch(/layer "batch_normalization" \(batchNormalization\) has an unknown key "momentun" \(did you mean "momentum"\?\)/);
  });

  it('types, ranges and required keys', () => {
    expect(refused(edit(adamFile, { config: (c) => (c.layers[0].useBias = 1234) })).message).toMatch(/layer "dense" \(dense\)\.useBias must be true or false, got 1234/);
    expect(refused(edit(adamFile, { config: (c) => delete c.layers[0].activation })).message).toMatch(/layer "dense" \(dense\) lacks the key "activation"/);
    expect(refused(edit(adamFile, { config: (c) => delete c.compile.optimizer.config.learningRate })).message).toMatch(/lacks the key "learningRate"/);
    expect(refused(edit(adamFile, { config: (c) => (c.compile.optimizer.config.beta1 = 1) })).message).toMatch(/beta1 must be a number in \[0, 1\), got 1/);
    expect(refused(edit(adamFile, { config: (c) => (c.compile.loss.name = 'meanSquaredError') })).message).toMatch(/compile\.loss names "meanSquaredError" but its kind "scce" is sparseCategoricalCrossentropy/);
    expect(refused(edit(adamFile, { config: (c) => (c.layers[1].epsilon = 0) })).message).toMatch(/epsilon must be a number in \(0, /);
  });

  it('values nested 5,000 deep are refused by depth, with a short message, wherever they are', () => {
    const deep = (leaf: string) => '['.repeat(5000) + leaf + ']'.repeat(5000);
    const cases: [string, (s: string) => string][] = [
      ['activation', (s) => s.replace('"activation":"relu"', `"activation":${deep('"relu"')}`)],
      ['initializer', (s) => s.replace('"kernelInitializer":{"name":"glorotUniform","config":{}}', `"kernelInitializer":{"name":"glorotUniform","config":{"a":${deep('1')}}}`)],
      ['regularizer', (s) => s.replace('"useBias":true', `"useBias":true,"kernelRegularizer":${deep('1')}`)],
      ['rate', (s) => s.replace(/"learningRate":[0-9.e-]+/, `"learningRate":${deep('0.1')}`)],
      ['shape', (s) => s.replace('"inputShape":[3]', `"inputShape":${deep('3')}`)],
      ['optimizer', (s) => s.replace('"beta1":0.9', `"beta1":${deep('0.9')}`)],
      ['metrics', (s) => s.replace('"metrics":["accuracy"]', `"metrics":${deep('"accuracy"')}`)],
    ];
    for (const [what, change] of cases) {
      const text = change(JSON.parse(JSON.stringify(decodeSafetensors(adamFile).metadata.config)));
      expect(text.length, what).toBeGreaterThan(10_000);
      const e = refused(edit(adamFile, { configText: () => text }));
      expect(e.message, what).toMatch(/^model config nests values more than 16 levels deep/);
      expect(e.message.length, what).toBeLessThan(200);
    }
    const e = refused(edit(adamFile, { checkpointText: (s) => s.replace(/"iterations":\d+/, `"iterations":${deep('4')}`) }));
    expect(e.message).toMatch(/^checkpoint nests values more than 16 levels deep/);
  });

  it('state tensors out of their range: negative moving variance, negative second moments, centred RMSprop, huge weights', () => {
    expect(refused(edit(adamFile, { tensor: ['batch_normalization/moving_variance', (d) => (d[2] = -0.5)] })).message)
      .toMatch(/tensor "batch_normalization\/moving_variance" holds -0\.5 at 2; expected a variance ≥ 0/);
    expect(refused(edit(adamFile, { tensor: ['optimizer/1', (d) => (d[7] = -1e-3)] })).message)
      .toMatch(/tensor "optimizer\/1" holds -0\.0010000000474974513 at 7; expected a finite adam state ≥ 0/);
    expect(refused(edit(adamFile, { tensor: ['optimizer/0', (d) => (d[0] = NaN)] })).message).toMatch(/"optimizer\/0" holds NaN at 0; expected a finite adam state$/);
    expect(refused(edit(rmsFile, { tensor: ['optimizer/2', (d) => (d[3] = 10)] })).message).toMatch(/centred rmsprop state at 3: mean square .* is below the squared mean 100/);
    // A byte flip that makes a bias 1.2e36: its gradient's square overflows every second-moment optimizer.
    expect(refused(edit(rmsFile, { tensor: ['dense/bias', (d) => (d[1] = 1.23e36)] })).message).toMatch(/tensor "dense\/bias" holds 1\.2\d*e\+36 at 1; expected a trainable weight within ±2\^64/);
    // Untouched, both load and train.
    for (const f of [adamFile, rmsFile]) {
      const m = modelFromBytes(f);
      expect(Number.isFinite(m.trainOnBatch(x, [0, 1, 2, 1]).loss)).toBe(true);
      m.dispose();
    }
  });

  it('a nadam checkpoint at 2^31 steps (the most a file may say) takes its next step at once', async () => {
    const file = edit(await checkpoint(nadam()), { checkpointText: (s) => s.replace(/"iterations":\d+/, `"iterations":${2 ** 31}`) });
    const m = modelFromBytes(file);
    expect(Number.isFinite(m.trainOnBatch(x, [0, 1, 2, 1]).loss)).toBe(true); // was a 2^31-step loop
    expect(refused(edit(file, { checkpointText: (s) => s.replace(/"iterations":\d+/, `"iterations":${2 ** 31 + 1}`) })).message).toMatch(/checkpoint\.iterations must be an integer in \[0, 2147483648\]/);
    m.dispose();
  });

  it('a 234-byte file describing a layer 2^28 wide is refused at load, before build or export allocates', () => {
    for (const width of [2 ** 28, 2 ** 31]) {
      const config = { name: 's', inputShape: [width], layers: [{ type: 'layerNormalization', name: 'n', inputShape: [width], epsilon: 0.001, center: false, scale: false, betaInitializer: { name: 'zeros', config: {} }, gammaInitializer: { name: 'ones', config: {} } }] };
      const bytes = encodeSafetensors([], { format: 'dendrite', formatVersion: '1', config: JSON.stringify(config) });
      expect(bytes.length).toBeLessThan(400);
      expect(refused(bytes).message).toMatch(/model config describes a model that cannot fit in memory: 0 floats of weights and gradients, \d+ per row of activations/);
    }
    // The same layer at a sane width loads, exports and predicts.
    const config = { name: 's', inputShape: [4], layers: [{ type: 'layerNormalization', name: 'n', inputShape: [4], epsilon: 0.001, center: false, scale: false, betaInitializer: { name: 'zeros', config: {} }, gammaInitializer: { name: 'ones', config: {} } }] };
    const m = modelFromBytes(encodeSafetensors([], { format: 'dendrite', formatVersion: '1', config: JSON.stringify(config) }));
    expect(toOnnx(m).length).toBeGreaterThan(0);
    m.dispose();
  });

  it(`at most ${MAX_LAYERS} layers, refused before any layer is built`, () => {
    const file = (n: number) => {
      const layers = Array.from({ length: n }, (_, i) => ({ type: 'activation', name: `a${i}`, activation: 'relu' }));
      return encodeSafetensors([], { format: 'dendrite', formatVersion: '1', config: JSON.stringify({ name: 'deep', inputShape: [2], layers }) });
    };
    expect(refused(file(MAX_LAYERS + 1)).message).toBe(`model config lists ${MAX_LAYERS + 1} layers; a model file may have at most ${MAX_LAYERS}`);
  });
});
