// ONNX Resize / Upsample import as upSampling2d: PyTorch's nn.Upsample fixtures predict torch's
// outputs; every pair of coordinate_transformation_mode and nearest_mode is accepted exactly when
// ONNX Runtime reads input pixel ⌊i / s⌋ for every output pixel i (s = 2 and 3, odd and even
// sizes), and every linear mode exactly when ONNX Runtime computes what our bilinear layer does;
// the old ops, sizes, axes, keep_aspect_ratio_policy and an NHWC Resize agree with ONNX Runtime;
// dendrite's own export comes back predicting the same.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { conv2d, dense, flatten, fromOnnx, ModelFileError, sequential, type Sequential, toOnnx, upSampling2d } from '../../src/index.js';
import { type NodeSpec, onnxModel, refusal, tensor, toNhwc, values } from '../helpers/onnx-build.js';
import { both, maxAbsDiff } from '../helpers/onnx-ort.js';

const dir = new URL('../fixtures/onnx/', import.meta.url);
const file = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
const layersOf = (m: Sequential) => m.layers.map((l) => l.getConfig() as { type: string; size?: number[]; interpolation?: string });

/** A fixture's input rows and torch's outputs, both in dendrite's layout (images NHWC). */
function fixture(name: string): { x: Float32Array; rows: number; expected: Float32Array } {
  const f = JSON.parse(new TextDecoder().decode(file(`${name}.json`))) as Record<'input' | 'output', { shape: number[]; data: number[] }>;
  const nhwc = (t: { shape: number[]; data: number[] }) => (t.shape.length === 4 ? toNhwc(Float32Array.from(t.data), t.shape) : Float32Array.from(t.data));
  return { x: nhwc(f.input), rows: f.input.shape[0], expected: nhwc(f.output) };
}

describe('PyTorch nn.Upsample (test/fixtures/onnx/make.py)', () => {
  const nearest = (size: number[]) => ({ size, interpolation: 'nearest' });
  const bilinear = (size: number[]) => ({ size, interpolation: 'bilinear' });
  it.each([
    ['up-nearest', [9, 10, 11, 13, 17], [nearest([2, 2])]],
    ['up-nearest23', [9, 10, 11, 13, 17], [nearest([2, 3])]],
    ['up-bilinear', [11, 13, 17], [bilinear([2, 2])]],
    ['up-size', [11, 13, 17], [nearest([2, 2]), bilinear([2, 3])]], // size=: sizes from Concat(Slice(Shape(x)), [h, w])
  ] as const)('%s predicts as torch does (≤ 1e-5) at opsets %j', (name, opsets, upsampling) => {
    const { x, rows, expected } = fixture(name);
    for (const opset of opsets) {
      const m = fromOnnx(file(`${name}-opset${opset}.onnx`));
      expect(layersOf(m).filter((l) => l.type === 'upSampling2d'), `opset ${opset}`).toMatchObject(upsampling);
      expect(maxAbsDiff(m.predict({ data: x, shape: [rows, x.length / rows] }).data, expected), `opset ${opset}`).toBeLessThanOrEqual(1e-5);
      m.dispose();
    }
  });

  it('refuses align_corners=True, bilinear at opsets 9 and 10 (which torch itself warns does not match), and a size that is not a multiple', () => {
    for (const opset of [11, 13, 17]) {
      expect(refusal(file(`up-corners-opset${opset}.onnx`))).toMatch(
        /^ONNX node "[^"]+" \(Resize\): mode=linear with coordinate_transformation_mode=align_corners is not supported: only half_pixel, pytorch_half_pixel, half_pixel_symmetric$/);
    }
    expect(refusal(file('up-bilinear-opset9.onnx'))).toMatch(/\(Upsample\): mode=linear with coordinate_transformation_mode=asymmetric \(what Upsample at opset 9 does; export at opset ≥ 11\) is not supported/);
    expect(refusal(file('up-bilinear-opset10.onnx'))).toMatch(/\(Resize\): mode=linear with coordinate_transformation_mode=asymmetric \(what Resize at opset 10 does; export/);
    expect(refusal(file('up-size-odd-opset13.onnx'))).toMatch(/\(Resize\): its sizes \[3,7,8\] \(scales \[1,1.4,2\]\) are not supported: only whole upscales of height and width, \[1, 1, sh, sw\]$/);
  });
});

// ---- hand-built graphs, against ONNX Runtime ---------------------------------------------------

interface ResizeSpec {
  attrs?: NodeSpec['attrs'];
  scales?: number[];
  sizes?: number[];
  opset?: number;
  input?: (number | string)[];
  op?: 'Resize' | 'Upsample';
}

/** input → Resize (or Upsample) → output, with the inputs each opset takes. */
function resizeGraph({ attrs = {}, scales, sizes, opset = 13, input = ['batch', 2, 3, 4], op = 'Resize' }: ResizeSpec): Uint8Array {
  const inits = [];
  if (scales) inits.push(tensor('scales', [scales.length], scales));
  if (sizes) inits.push(tensor('sizes', [sizes.length], sizes, true));
  if (op === 'Upsample' || opset < 11) return onnxModel({ input, opset, initializers: inits, nodes: [{ op, name: 'up', inputs: scales ? ['input', 'scales'] : ['input'], outputs: ['output'], attrs }] });
  const tfCrop = attrs.coordinate_transformation_mode === 'tf_crop_and_resize';
  const roi = tfCrop || opset < 13; // Resize-11 and 12 need roi and scales, empty when unused
  if (roi) inits.push(tensor('roi', tfCrop ? [8] : [0], tfCrop ? [0, 0, 0, 0, 1, 1, 1, 1] : []));
  if (!scales && opset < 13) inits.push(tensor('empty', [0], []));
  const inputs = ['input', roi ? 'roi' : '', scales ? 'scales' : opset < 13 ? 'empty' : '', ...(sizes ? ['sizes'] : [])];
  return onnxModel({ input, opset, initializers: inits, nodes: [{ op, name: 'up', inputs, outputs: ['output'], attrs }] });
}

/** x (NHWC) upsampled by repeating input pixel ⌊i / s⌋: what Keras' nearest UpSampling2D computes. */
function repeated(x: Float32Array, [n, h, w, c]: number[], sh: number, sw: number): Float32Array {
  const out = new Float32Array(x.length * sh * sw);
  for (let b = 0; b < n; b++) for (let i = 0; i < h * sh; i++) for (let j = 0; j < w * sw; j++) for (let k = 0; k < c; k++) {
    out[((b * h * sh + i) * w * sw + j) * c + k] = x[((b * h + Math.floor(i / sh)) * w + Math.floor(j / sw)) * c + k];
  }
  return out;
}

/** ONNX Runtime's output (NHWC) for the seeded input of `both` on an NCHW input of `dims`. */
async function ortOf(bytes: Uint8Array, dims: number[]): Promise<Float32Array> {
  const x = values(dims.reduce((a, d) => a * d, 1), 99).map((v) => v * 2);
  const session = await ort.InferenceSession.create(bytes);
  const y = (await session.run({ input: new ort.Tensor('float32', x, dims) })).output;
  await session.release();
  return toNhwc(y.data as Float32Array, y.dims as number[]);
}

const input = (dims: number[]) => toNhwc(values(dims.reduce((a, d) => a * d, 1), 99).map((v) => v * 2), dims);
const accepts = (bytes: Uint8Array) => {
  try {
    fromOnnx(bytes).dispose();
    return true;
  } catch (e) {
    if (e instanceof ModelFileError) return false;
    throw e;
  }
};

const COORDINATES = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'];
const ROUNDINGS = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];
/** [n, c, h, w, sh, sw]: scales 2 and 3 on odd and even sides. */
const SHAPES = [[2, 2, 3, 4, 2, 3], [2, 2, 4, 3, 3, 2], [1, 3, 5, 5, 2, 2], [2, 1, 2, 3, 3, 3], [1, 2, 1, 2, 3, 2]];

describe('nearest: accepted exactly where ONNX Runtime reads input pixel ⌊i / s⌋', () => {
  it.each(COORDINATES)('coordinate_transformation_mode=%s', async (coordinates) => {
    const accepted: string[] = [];
    for (const rounding of ROUNDINGS) {
      for (const opset of coordinates === 'half_pixel_symmetric' ? [19] : [11, 19]) {
        let all = true;
        let taken: boolean | undefined;
        for (const [n, c, h, w, sh, sw] of SHAPES) {
          const bytes = resizeGraph({ opset, scales: [1, 1, sh, sw], input: ['batch', c, h, w], attrs: { mode: 'nearest', coordinate_transformation_mode: coordinates, nearest_mode: rounding } });
          const want = repeated(input([n, c, h, w]), [n, h, w, c], sh, sw);
          const got = await ortOf(bytes, [n, c, h, w]);
          const same = got.length === want.length && got.every((v, i) => v === want[i]);
          all &&= same;
          taken ??= accepts(bytes);
          if (taken) expect(Array.from((await both(bytes, [n, c, h, w])).ours), `${coordinates} ${rounding} ${[h, w, sh, sw]}`).toEqual(Array.from(got));
        }
        expect(taken, `${coordinates} + ${rounding} at opset ${opset}: ONNX Runtime ${all ? 'reads' : 'does not read'} ⌊i / s⌋`).toBe(all);
        if (taken && opset === 19) accepted.push(rounding);
      }
    }
    const table: Record<string, string[]> = {
      asymmetric: ['floor'], tf_half_pixel_for_nn: ['floor'],
      half_pixel: ['round_prefer_floor', 'round_prefer_ceil'], pytorch_half_pixel: ['round_prefer_floor', 'round_prefer_ceil'], half_pixel_symmetric: ['round_prefer_floor', 'round_prefer_ceil'],
    };
    expect(accepted).toEqual(table[coordinates] ?? []);
  });

  it('a refused pair names the node, both attributes and what is supported', () => {
    expect(refusal(resizeGraph({ scales: [1, 1, 2, 2], attrs: { mode: 'nearest', coordinate_transformation_mode: 'half_pixel', nearest_mode: 'floor' } }))).toMatch(
      /^ONNX node "up" \(Resize\): attributes coordinate_transformation_mode \+ nearest_mode = half_pixel \+ floor are not supported: only asymmetric \+ floor, half_pixel \+ round_prefer_floor, .*, tf_half_pixel_for_nn \+ floor read input ⌊i \/ scale⌋$/);
    // Resize-11's defaults: half_pixel + round_prefer_floor.
    expect(layersOf(fromOnnx(resizeGraph({ opset: 11, scales: [1, 1, 2, 2] })))).toMatchObject([{ type: 'upSampling2d', interpolation: 'nearest' }]);
  });
});

/** Our bilinear upSampling2d on the seeded input. */
function bilinear([n, c, h, w, sh, sw]: number[]): Float32Array {
  const m = sequential([upSampling2d({ size: [sh, sw], interpolation: 'bilinear', inputShape: [h, w, c] })]);
  const y = m.predict({ data: input([n, c, h, w]), shape: [n, h * w * c] }).data;
  m.dispose();
  return y;
}

describe('linear: accepted exactly where ONNX Runtime computes our (Keras 3) bilinear upsampling', () => {
  it.each(COORDINATES)('coordinate_transformation_mode=%s', async (coordinates) => {
    const opset = coordinates === 'half_pixel_symmetric' ? 19 : 13;
    let all = true;
    let taken: boolean | undefined;
    for (const shape of SHAPES) {
      const [n, c, h, w, sh, sw] = shape;
      const bytes = resizeGraph({ opset, scales: [1, 1, sh, sw], input: ['batch', c, h, w], attrs: { mode: 'linear', coordinate_transformation_mode: coordinates } });
      const got = await ortOf(bytes, [n, c, h, w]);
      all &&= maxAbsDiff(got, bilinear(shape)) <= 1e-6;
      taken ??= accepts(bytes);
      if (taken) expect(maxAbsDiff((await both(bytes, [n, c, h, w])).ours, got)).toBeLessThanOrEqual(1e-6);
    }
    expect(taken, `ONNX Runtime ${all ? 'matches' : 'differs from'} our bilinear`).toBe(all);
    expect(taken).toBe(['half_pixel', 'pytorch_half_pixel', 'half_pixel_symmetric'].includes(coordinates));
  });

  it('cubic differs from bilinear in ONNX Runtime and is refused; antialias=1 and exclude_outside=1 (ONNX Runtime refuses it without antialias) are refused', async () => {
    const shape = SHAPES[0];
    const cubic = resizeGraph({ scales: [1, 1, 2, 3], attrs: { mode: 'cubic' } });
    expect(maxAbsDiff(await ortOf(cubic, shape.slice(0, 4)), bilinear(shape))).toBeGreaterThan(1e-3);
    expect(refusal(cubic)).toMatch(/^ONNX node "up" \(Resize\): attribute mode=cubic is not supported: only nearest, linear$/);
    expect(refusal(resizeGraph({ opset: 18, scales: [1, 1, 2, 2], attrs: { mode: 'linear', antialias: 1 } }))).toMatch(/^ONNX node "up" \(Resize\): attribute antialias=1 is not supported: only 0/);
    const exclude = resizeGraph({ scales: [1, 1, 2, 2], attrs: { mode: 'linear', exclude_outside: 1 } });
    await expect(ortOf(exclude, shape.slice(0, 4))).rejects.toThrow(/exclude_outside can be set to 1 when/);
    expect(refusal(exclude)).toMatch(/^ONNX node "up" \(Resize\): attribute exclude_outside=1 is not supported: only 0$/);
  });
});

describe('the other forms of Resize and Upsample agree with ONNX Runtime', () => {
  it.each<[string, ResizeSpec, number[], [number, number]]>([
    ['Upsample at opset 7 (scales attribute)', { op: 'Upsample', opset: 7, attrs: { mode: 'nearest', scales: { floats: [1, 1, 2, 3] } } }, [2, 2, 3, 4], [2, 3]],
    ['Upsample at opset 8, default mode', { op: 'Upsample', opset: 8, attrs: { scales: { floats: [1, 1, 3, 2] } } }, [2, 2, 3, 4], [3, 2]],
    ['Upsample at opset 9 (scales input)', { op: 'Upsample', opset: 9, scales: [1, 1, 3, 3], attrs: { mode: 'nearest' } }, [2, 2, 3, 4], [3, 3]],
    ['Resize at opset 10', { opset: 10, scales: [1, 1, 2, 3], attrs: { mode: 'nearest' } }, [2, 2, 3, 4], [2, 3]],
    ['sizes at opset 11 (empty scales), fixed batch', { opset: 11, sizes: [2, 2, 9, 8], input: [2, 2, 3, 4], attrs: { coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' } }, [2, 2, 3, 4], [3, 2]],
    ['sizes at opset 13, bilinear', { sizes: [2, 2, 6, 12], input: [2, 2, 3, 4], attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' } }, [2, 2, 3, 4], [2, 3]],
    ['axes [2, 3] with sizes at opset 18', { opset: 18, sizes: [6, 12], attrs: { axes: [2, 3], mode: 'linear' } }, [2, 2, 3, 4], [2, 3]],
    ['axes [-1, -2] with scales at opset 18', { opset: 18, scales: [3, 2], attrs: { axes: [-1, -2] } }, [2, 2, 3, 4], [2, 3]],
    ['keep_aspect_ratio_policy not_larger', { opset: 18, sizes: [6, 16], attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' } }, [2, 2, 3, 4], [2, 2]],
    ['keep_aspect_ratio_policy not_smaller', { opset: 18, sizes: [6, 4], attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_smaller', mode: 'linear' } }, [2, 2, 3, 1], [4, 4]],
    ['scale 1 (the identity)', { scales: [1, 1, 1, 1], attrs: { mode: 'linear' } }, [2, 2, 3, 4], [1, 1]],
  ])('%s', async (_, spec, dims, size) => {
    const bytes = resizeGraph({ input: ['batch', ...dims.slice(1)], ...spec });
    const { ort: expected, ours } = await both(bytes, dims);
    expect(maxAbsDiff(ours, expected)).toBeLessThanOrEqual(1e-6);
    expect(layersOf(fromOnnx(bytes))).toMatchObject([{ type: 'upSampling2d', size }]);
  });

  it('Upsample and Resize-10 linear are x = i / s in ONNX Runtime, not our bilinear, and are refused', async () => {
    const shape = SHAPES[0];
    for (const spec of [{ op: 'Upsample', opset: 9 }, { op: 'Resize', opset: 10 }, { op: 'Upsample', opset: 8 }] as const) {
      const bytes = resizeGraph({ ...spec, input: ['batch', 2, 3, 4], ...(spec.opset < 9 ? { attrs: { mode: 'linear', scales: { floats: [1, 1, 2, 3] } } } : { scales: [1, 1, 2, 3], attrs: { mode: 'linear' } }) });
      expect(maxAbsDiff(await ortOf(bytes, shape.slice(0, 4)), bilinear(shape))).toBeGreaterThan(1e-3);
      expect(refusal(bytes)).toMatch(new RegExp(`^ONNX node "up" \\(${spec.op}\\): mode=linear with coordinate_transformation_mode=asymmetric \\(what ${spec.op} at opset ${spec.opset} does`));
    }
  });

  it('a Resize of an NHWC value (scales [1, sh, sw, 1]) between transposes', async () => {
    const bytes = onnxModel({
      input: ['batch', 2, 3, 4],
      opset: 13,
      initializers: [tensor('scales', [4], [1, 3, 2, 1])],
      nodes: [
        { op: 'Transpose', inputs: ['input'], outputs: ['nhwc'], attrs: { perm: [0, 2, 3, 1] } },
        { op: 'Resize', inputs: ['nhwc', '', 'scales'], outputs: ['up'], attrs: { mode: 'linear' } },
        { op: 'Transpose', inputs: ['up'], outputs: ['output'], attrs: { perm: [0, 3, 1, 2] } },
      ],
    });
    const { ort: expected, ours } = await both(bytes, [2, 2, 3, 4]);
    expect(maxAbsDiff(ours, expected)).toBeLessThanOrEqual(1e-6);
    expect(layersOf(fromOnnx(bytes))).toMatchObject([{ type: 'upSampling2d', size: [3, 2], interpolation: 'bilinear' }]);
  });

  it('an opset-8 CNN (Conv, BatchNormalization with spatial, Relu, MaxPool, Dropout ratio, Upsample, Flatten, Gemm)', async () => {
    const w = (name: string, dims: number[], seed: number) => tensor(name, dims, values(dims.reduce((a, d) => a * d, 1), seed));
    const bytes = onnxModel({
      input: ['batch', 2, 6, 6],
      opset: 8,
      initializers: [w('K', [3, 2, 3, 3], 1), w('KB', [3], 2), w('G', [3], 3), w('B', [3], 4), w('M', [3], 5), tensor('V', [3], [0.5, 1, 2]), w('D', [4, 48], 6), w('DB', [4], 7)],
      nodes: [
        { op: 'Conv', inputs: ['input', 'K', 'KB'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'BatchNormalization', inputs: ['c', 'G', 'B', 'M', 'V'], outputs: ['bn'], attrs: { spatial: 1, epsilon: { f: 1e-3 } } },
        { op: 'Relu', inputs: ['bn'], outputs: ['r'] },
        { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [3, 3], strides: [3, 3] } },
        { op: 'Dropout', inputs: ['p'], outputs: ['d'], attrs: { ratio: { f: 0.3 } } },
        { op: 'Upsample', inputs: ['d'], outputs: ['u'], attrs: { mode: 'nearest', scales: { floats: [1, 1, 2, 2] } } },
        { op: 'Flatten', inputs: ['u'], outputs: ['f'] },
        { op: 'Gemm', inputs: ['f', 'D', 'DB'], outputs: ['output'], attrs: { transB: 1 } },
      ],
    });
    const { ort: expected, ours } = await both(bytes, [3, 2, 6, 6]);
    expect(maxAbsDiff(ours, expected)).toBeLessThanOrEqual(1e-5);
  });
});

describe('toOnnx → fromOnnx', () => {
  it('upSampling2d, nearest and bilinear, comes back as itself predicting the same', () => {
    const m = sequential([
      conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [5, 4, 2] }),
      upSampling2d({ size: [2, 3] }),
      conv2d({ filters: 2, kernelSize: 3, activation: 'tanh' }),
      upSampling2d({ size: 2, interpolation: 'bilinear' }),
      flatten(),
      dense({ units: 3 }),
    ]);
    m.build({ seed: 3 });
    const x = values(4 * 40, 5);
    const back = fromOnnx(toOnnx(m));
    expect(layersOf(back).filter((l) => l.type === 'upSampling2d')).toMatchObject([{ size: [2, 3], interpolation: 'nearest' }, { size: [2, 2], interpolation: 'bilinear' }]);
    expect(maxAbsDiff(back.predict({ data: x, shape: [4, 40] }).data, m.predict({ data: x, shape: [4, 40] }).data)).toBeLessThanOrEqual(1e-5);
    m.dispose();
    back.dispose();
  });
});
