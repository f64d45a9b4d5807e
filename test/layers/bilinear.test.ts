// upSampling2d({ interpolation: 'bilinear' }), Keras 3's UpSampling2D: tf.image.resize with
// half-pixel centres. The kernels against TF.js' resizeBilinear(x, size, false, true), the backward
// against finite differences of it (TF.js' own gradient is wrong: see below), any split of the rows
// bit-identical; gradients through a model against central finite differences; model files, ONNX
// Runtime, TF.js files (TF.js 4.22's own layer differs, so export refuses) and errors.
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValueError, conv2d, dense, flatten, fromTfjs, modelFromBytes, sequential, toOnnx, toTfjs, upSampling2d } from '../../src/index.js';
import { checkLayerConfig } from '../../src/io/config-schema.js';
import { loadKernels, randomArray } from '../helpers/wasm.js';
import { checkTrainingGradients, expectNear, rows, tf, tfReady, tfl } from '../training/helpers.js';

beforeAll(tfReady);

const h = loadKernels();
// Descriptor (assembly/desc.ts): h, w, c, oh, ow, co, kh, kw, sh, sw, dh, dw, pt, pl, dm (2: bilinear), 0.
const desc = (H: number, W: number, C: number, sh: number, sw: number) => h.put(Int32Array.of(H, W, C, H * sh, W * sw, C, sh, sw, 1, 1, 1, 1, 0, 0, 2, 0));

/** TF.js' half-pixel bilinear resize of x (n, H, W, C) by (sh, sw). */
const theirs = (x: Float32Array, n: number, H: number, W: number, C: number, sh: number, sw: number) =>
  tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(x, [n, H, W, C]), [H * sh, W * sw], false, true).dataSync() as Float32Array);

const shapes: [number, number, number, number, number, number][] = [
  // n, h, w, c, size
  [2, 3, 4, 3, 2, 2], [1, 1, 1, 2, 3, 3], [3, 5, 2, 1, 2, 3], [1, 4, 3, 5, 3, 1], [2, 2, 6, 4, 1, 2], [1, 7, 5, 9, 4, 4],
];

describe('bilinear upsampling kernels against TF.js resizeBilinear(halfPixelCenters: true)', () => {
  it.each(shapes)('forward: n=%i [%i, %i, %i] size [%i, %i], and any split of the rows gives the same bits', (n, H, W, C, sh, sw) => {
    h.reset();
    const x = randomArray(n * H * W * C, H + W + C), len = n * H * sh * W * sw * C;
    const px = h.put(x), d = desc(H, W, C, sh, sw), y = h.alloc(len * 4), y2 = h.alloc(len * 4);
    h.k.upsample_forward(y, px, d, 0, n * H * sh);
    expectNear(h.f32(y, len), theirs(x, n, H, W, C, sh, sw), 1e-6, 1e-6, 'forward');
    const cut = Math.floor((n * H * sh) / 3);
    h.k.upsample_forward(y2, px, d, 0, cut);
    h.k.upsample_forward(y2, px, d, cut, n * H * sh - cut);
    expect(h.f32(y2, len)).toEqual(h.f32(y, len));
  });

  it.each([...shapes, [2, 4, 4, 3, 2, 3], [1, 5, 5, 2, 3, 3]] as const)('backward: n=%i [%i, %i, %i] size [%i, %i] equals finite differences (TF.js\' gradient is of another map)', (n, H, W, C, sh, sw) => {
    h.reset();
    const size = n * H * W * C, len = size * sh * sw;
    const x = randomArray(size, 3), dy = randomArray(len, 7);
    // L = Σ dy · resize(x) (TF.js' forward, checked above): ∂L/∂x is the backward of dy. L is linear
    // in x, so a central difference of step 1 is exact up to rounding (f64 sums of f32 outputs).
    const loss = (v: Float32Array) => theirs(v, n, H, W, C, sh, sw).reduce((s, o, i) => s + o * dy[i], 0);
    const fd = Array.from(x, (_, i) => {
      const plus = x.slice(), minus = x.slice();
      plus[i] += 1;
      minus[i] -= 1;
      return (loss(plus) - loss(minus)) / 2;
    });
    const pdy = h.put(dy), d = desc(H, W, C, sh, sw), dx = h.put(new Float32Array(size).fill(NaN)), dx2 = h.alloc(size * 4);
    h.k.upsample_backward(dx, pdy, d, 0, n * H);
    expectNear(h.f32(dx, size), fd, 1e-4, 1e-4, 'backward against finite differences');
    const cut = Math.ceil((n * H) / 2);
    h.k.upsample_backward(dx2, pdy, d, 0, cut);
    h.k.upsample_backward(dx2, pdy, d, cut, n * H - cut);
    expect(h.f32(dx2, size)).toEqual(h.f32(dx, size));
    // TF.js 4.22's gradient (cpu ResizeBilinearGrad) cannot be the reference: it returns an
    // [n, w, h, c] tensor (refused for non-square images) and ignores halfPixelCenters, giving the
    // gradient of the corner-aligned map (measured here, against its finite differences).
    const grad = () => tf.tidy(() => tf.grad((t: tf.Tensor4D) => tf.sum(tf.mul(tf.image.resizeBilinear(t, [H * sh, W * sw], false, true), tf.tensor4d(dy, [n, H * sh, W * sw, C]))))(tf.tensor4d(x, [n, H, W, C])).dataSync() as Float32Array);
    if (H !== W) return void expect(grad).toThrow(/does not match the shape of the input/);
    const cornerLoss = (v: Float32Array) => tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(v, [n, H, W, C]), [H * sh, W * sw], false, false).dataSync()).reduce((s, o, i) => s + o * dy[i], 0);
    expectNear(grad(), Array.from(x, (_, i) => {
      const plus = x.slice(), minus = x.slice();
      plus[i] += 1;
      minus[i] -= 1;
      return (cornerLoss(plus) - cornerLoss(minus)) / 2;
    }), 1e-4, 1e-4, "TF.js' gradient: the corner-aligned map's");
  });
});

describe('upSampling2d bilinear in a model', () => {
  it('predicts tf.image.resize (half-pixel centres), not TF.js 4.22 UpSampling2D (corners aligned); summary, save and load', () => {
    const m = sequential([upSampling2d({ size: [2, 3], interpolation: 'bilinear', inputShape: [4, 3, 2] })]);
    m.build();
    const x = Float32Array.from(rows(3, 24, 5).flat());
    const got = m.predict({ data: x, shape: [3, 4, 3, 2] }).data;
    expectNear(got, theirs(x, 3, 4, 3, 2, 2, 3), 1e-6, 1e-6, 'predict');
    const layer = tfl.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' });
    const tfjsLayer = tf.tidy(() => (layer.apply(tf.tensor4d(x, [3, 4, 3, 2])) as tf.Tensor).dataSync());
    expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - tfjsLayer[i])))).toBeGreaterThan(0.01);
    expect(m.summary({ print: false })).toMatch(/up_sampling2d \(UpSampling2D\)\s+\[null, 8, 9, 2\]/);
    const back = modelFromBytes(m.toBytes());
    expect(back.layers[0].getConfig()).toMatchObject({ type: 'upSampling2d', size: [2, 3], interpolation: 'bilinear' });
    expect(back.predict({ data: x, shape: [3, 4, 3, 2] }).data).toEqual(got);
    expect(() => checkLayerConfig(back.layers[0].getConfig() as never, 'u')).not.toThrow();
    m.dispose();
    back.dispose();
  });

  it('gradients against central finite differences: conv2d + upSampling2d bilinear [2, 3] + conv2d', () => {
    const m = sequential([
      conv2d({ filters: 3, kernelSize: 2, activation: 'tanh', inputShape: [5, 4, 2] }), upSampling2d({ size: [2, 3], interpolation: 'bilinear' }),
      conv2d({ filters: 2, kernelSize: 3, strides: 2 }), flatten(), dense({ units: 2, activation: 'softmax' }),
    ]);
    m.build({ seed: 4 });
    checkTrainingGradients(m, rows(3, 40, 11), [[1, 0], [0, 1], [1, 0]], 'categoricalCrossentropy');
    m.dispose();
  });

  it('ONNX Runtime runs the exported Resize (linear, half_pixel) and predicts the same', async () => {
    const m = sequential([conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 4, 2] }), upSampling2d({ size: [3, 2], interpolation: 'bilinear' }), upSampling2d({ interpolation: 'bilinear' })]);
    m.build({ seed: 2 });
    const x = Float32Array.from(rows(2, 40, 9).flat());
    const session = await ort.InferenceSession.create(toOnnx(m));
    const out = (await session.run({ input: new ort.Tensor('float32', x, [2, 5, 4, 2]) })).output;
    expectNear(out.data as Float32Array, m.predict({ data: x, shape: [2, 5, 4, 2] }).data, 1e-5, 1e-5, 'onnxruntime');
    m.dispose();
  });

  it("TF.js files: a bilinear UpSampling2D imports with Keras 3's half-pixel centres; export refuses (TF.js 4.22 would align corners)", () => {
    const json = (interpolation: unknown) => ({
      modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'UpSampling2D', config: { name: 'up', size: [2, 2], interpolation, data_format: 'channels_last', batch_input_shape: [null, 3, 3, 1] } }] } },
      format: 'layers-model', weightsManifest: [{ paths: ['w.bin'], weights: [] }],
    });
    const m = fromTfjs(json('bilinear'), new Uint8Array(0));
    expect(m.layers[0].getConfig()).toMatchObject({ interpolation: 'bilinear' });
    const x = Float32Array.from(rows(1, 9, 2).flat());
    expectNear(m.predict({ data: x, shape: [1, 3, 3, 1] }).data, theirs(x, 1, 3, 3, 1, 2, 2), 1e-6, 1e-6, 'imported');
    expect(() => toTfjs(m)).toThrow(ValueError);
    expect(() => toTfjs(m)).toThrow(/layer "up" \(upSampling2d\): TF.js 4.22's bilinear UpSampling2D computes without Keras' half-pixel centres; only nearest is exported/);
    expect(() => fromTfjs(json('bicubic'), new Uint8Array(0))).toThrow(/layer "up" \(upSampling2d\)\.interpolation must be one of nearest, bilinear, got "bicubic"/);
    m.dispose();
  });

  it('errors: an unknown interpolation names the valid ones', () => {
    expect(() => upSampling2d({ interpolation: 'cubic' as never })).toThrow(ValueError);
    expect(() => upSampling2d({ interpolation: 'cubic' as never })).toThrow(/upSampling2d interpolation "cubic"; expected one of: nearest, bilinear/);
    expect(() => checkLayerConfig({ ...upSampling2d({ name: 'u' }).getConfig(), interpolation: 'area' } as never, 'u')).toThrow(/interpolation must be one of nearest, bilinear/);
  });
});
