// `dendrite convert` between the native file and TF.js for CNNs (the built CLI, build/cli.js):
// a dendrite CNN goes out as model.json + weights.bin that TF.js predicts the same from, and comes
// back bit for bit; the TF.js-made fixture comes in and predicts TF.js' recorded outputs; an
// option dendrite lacks is a named error and an exit code, with nothing written.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchNormalization, conv2d, dense, depthwiseConv2d, flatten, loadModel, maxPooling2d, saveModel, separableConv2d, sequential, type TfjsModelJson,
} from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { maxAbsDiff, tfjsHandler } from '../helpers/tfjs-files.js';
import { tf, tfReady, tfl } from '../training/helpers.js';

let dir: string;
beforeAll(async () => {
  await tfReady();
  dir = await mkdtemp(join(tmpdir(), 'dendrite-convert-cnn-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  tf.disposeVariables();
});

/** Seeded values in [lo, hi) (LCG). */
function values(n: number, seed: number, lo: number, hi: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * (hi - lo) + lo);
}

describe('dendrite convert, CNNs', () => {
  it('native → TF.js: TF.js predicts the same; TF.js → native comes back bit for bit', async () => {
    const m = sequential([
      conv2d({ filters: 4, kernelSize: 3, activation: { name: 'leakyRelu', alpha: 0.1 }, inputShape: [10, 10, 2] }), batchNormalization(),
      maxPooling2d({ poolSize: 2 }), separableConv2d({ filters: 3, kernelSize: 2, depthMultiplier: 2, padding: 'same', activation: 'relu' }),
      depthwiseConv2d({ kernelSize: 2, activation: 'tanh' }), flatten(), dense({ units: 3, activation: 'softmax' }),
    ]);
    m.build({ seed: 12 });
    await saveModel(m, join(dir, 'cnn.dnd'));
    const out = runCli(dir, ['convert', 'cnn.dnd', 'cnn-tfjs']);
    expect(out.code, out.err).toBe(0);
    expect(out.out).toContain('(native → TF.js)');
    const json = JSON.parse(await readFile(join(dir, 'cnn-tfjs', 'model.json'), 'utf8')) as TfjsModelJson;
    const bin = new Uint8Array(await readFile(join(dir, 'cnn-tfjs', 'weights.bin')));
    const t = await tfl.loadLayersModel(tfjsHandler(json, bin));
    const x = values(5 * 200, 3, -2, 2);
    const ours = m.predict({ data: x, shape: [5, 10, 10, 2] }).data;
    expect(maxAbsDiff(ours, tf.tidy(() => (t.predict(tf.tensor(x, [5, 10, 10, 2])) as tf.Tensor).dataSync()))).toBeLessThanOrEqual(1e-5);
    const back = runCli(dir, ['convert', 'cnn-tfjs/model.json', 'back.dnd']);
    expect(back.code, back.err).toBe(0);
    const b = await loadModel(join(dir, 'back.dnd'));
    expect(b.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    expect(Array.from(b.predict({ data: x, shape: [5, 10, 10, 2] }).data)).toEqual(Array.from(ours));
    m.dispose();
    b.dispose();
    t.dispose();
  });

  it('the TF.js-made fixture converts to a native file that predicts TF.js\' recorded outputs', async () => {
    const fixture = join(import.meta.dirname, '..', 'fixtures', 'tfjs-cnn');
    const r = runCli(dir, ['convert', join(fixture, 'model.json'), 'fixture.dnd']);
    expect(r.code, r.err).toBe(0);
    const expected = JSON.parse(await readFile(join(fixture, 'expected.json'), 'utf8')) as { shape: number[]; pixels: number[]; outputs: number[][] };
    const m = await loadModel(join(dir, 'fixture.dnd'));
    const got = m.predict({ data: Uint8Array.from(expected.pixels), shape: expected.shape, scale: 1 / 255 }).data;
    expect(maxAbsDiff(got, expected.outputs.flat())).toBeLessThanOrEqual(1e-5);
    m.dispose();
  });

  it('a channels-first TF.js model is refused naming the layer and option, and nothing is written', async () => {
    const fixture = join(import.meta.dirname, '..', 'fixtures', 'tfjs-cnn');
    const json = JSON.parse(await readFile(join(fixture, 'model.json'), 'utf8')) as TfjsModelJson;
    json.modelTopology.config.layers[0].config.data_format = 'channels_first';
    await writeFile(join(dir, 'nchw.json'), JSON.stringify(json));
    await writeFile(join(dir, 'weights.bin'), await readFile(join(fixture, 'weights.bin')));
    const r = runCli(dir, ['convert', 'nchw.json', 'nchw.dnd']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/layer "conv1" \(Conv2D\): option data_format "channels_first" is not supported/);
    expect(existsSync(join(dir, 'nchw.dnd'))).toBe(false);
  });
});
