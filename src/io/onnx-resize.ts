// ONNX Resize (opsets 10–19+) and the deprecated Upsample (7–9) imported as upSampling2d: an
// integer upscale of height and width only. For a whole scale s, output pixel i = s·k + j
// (0 ≤ j < s) is placed at input coordinate x, and the nearest modes accepted all read input k =
// ⌊i / s⌋, as Keras repeats each pixel:
//   asymmetric            x = i / s = k + j / s               floor → k
//   half_pixel            x = (i + ½) / s − ½ = k + δ, with δ = (j + ½) / s − ½ strictly inside
//                         (−½, ½), so round_prefer_floor and round_prefer_ceil both give k (floor
//                         and ceil do not); pytorch_half_pixel is the same for outputs of more
//                         than one pixel (one pixel: x = 0 = k), and half_pixel_symmetric too
//                         (its adjustment, output size / (s · input size), is 1 for a whole s)
//   tf_half_pixel_for_nn  x = (i + ½) / s = k + (j + ½) / s     floor → k (rounding does not)
// Linear with half-pixel centres (the same three modes) is tf.image.resize's bilinear, Keras 3's
// upSampling2d({ interpolation: 'bilinear' }). Upsample and Resize-10 have no coordinate
// attribute: x = i / s, rounded down for nearest (as ONNX Runtime), but for linear that is TF 1's
// corner-anchored resize, which is refused. test/io/onnx-resize.test.ts checks every pair of
// modes against ONNX Runtime.
import { type Attrs, type Ctx, type Value, need, refuse } from './onnx-import-graph.js';
import type { OnnxNode } from './onnx-read.js';

/** Output sides beyond this are refused (ONNX sets no limit; the conv attributes share it). */
const MAX_SIDE = 65_536;

/** Coordinate modes with half-pixel centres: (i + ½) / s − ½ for a whole scale s. */
const HALF = ['half_pixel', 'pytorch_half_pixel', 'half_pixel_symmetric'];
/**
 * coordinate_transformation_mode + nearest_mode pairs that read input ⌊i / s⌋ (see the top of the
 * file). Literals, not computed: no call may run when the module loads (tree shaking, onnx-ops.ts).
 */
const NEAREST = ['asymmetric + floor', 'half_pixel + round_prefer_floor', 'half_pixel + round_prefer_ceil', 'pytorch_half_pixel + round_prefer_floor',
  'pytorch_half_pixel + round_prefer_ceil', 'half_pixel_symmetric + round_prefer_floor', 'half_pixel_symmetric + round_prefer_ceil', 'tf_half_pixel_for_nn + floor'];

/** Upsample, and Resize before opset 11, have no coordinate attributes. */
const isOld = (c: Ctx, n: OnnxNode) => n.opType === 'Upsample' || c.opset < 11;

function known(c: Ctx, n: OnnxNode): string[] {
  if (isOld(c, n)) return n.opType === 'Upsample' && c.opset < 9 ? ['mode', 'scales'] : ['mode'];
  const v11 = ['coordinate_transformation_mode', 'cubic_coeff_a', 'exclude_outside', 'extrapolation_value', 'mode', 'nearest_mode'];
  return c.opset < 18 ? v11 : [...v11, 'antialias', 'axes', 'keep_aspect_ratio_policy'];
}

/** The interpolation, when the node's modes compute exactly what upSampling2d's does. */
function interpolationOf(c: Ctx, n: OnnxNode, a: Attrs): 'nearest' | 'bilinear' {
  const mode = a.string('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') throw refuse(n, `attribute mode=${mode} is not supported: only nearest, linear`);
  for (const name of ['antialias', 'exclude_outside']) { // exclude_outside: cubic or antialias only (ONNX Runtime refuses it otherwise)
    const x = a.int(name, 0);
    if (x !== 0) throw refuse(n, `attribute ${name}=${x} is not supported: only 0`);
  }
  // Upsample and Resize-10 sample x = i / scale, rounded down for nearest (as ONNX Runtime does).
  const old = isOld(c, n);
  const coordinates = old ? 'asymmetric' : a.string('coordinate_transformation_mode', 'half_pixel');
  if (mode === 'linear') {
    if (HALF.includes(coordinates)) return 'bilinear';
    const implied = old ? ` (what ${n.opType} at opset ${c.opset} does; export at opset ≥ 11)` : '';
    throw refuse(n, `mode=linear with coordinate_transformation_mode=${coordinates}${implied} is not supported: only ${HALF.join(', ')}`);
  }
  const pair = `${coordinates} + ${old ? 'floor' : a.string('nearest_mode', 'round_prefer_floor')}`;
  if (NEAREST.includes(pair)) return 'nearest';
  throw refuse(n, `attributes coordinate_transformation_mode + nearest_mode = ${pair} are not supported: only ${NEAREST.join(', ')} read input ⌊i / scale⌋`);
}

/** The ONNX axes of an image value: batch, channels, height, width. */
function axesOf(v: Value): { c: number; h: number; w: number } {
  return v.layout === 'nchw' ? { c: 1, h: 2, w: 3 } : { c: 3, h: 1, w: 2 };
}

/** Resize's axes attribute (opset 18), normalised; `all` without it. */
function resizedAxes(n: OnnxNode, a: Attrs, all: number[]): number[] {
  const axes = a.ints('axes') ?? all;
  const norm = axes.map((x) => (x < 0 ? x + 4 : x));
  if (!axes.length || norm.some((x) => x < 0 || x > 3) || new Set(norm).size !== norm.length) {
    throw refuse(n, `attribute axes=[${axes}] must be distinct axes in [-4, 3]`);
  }
  return norm;
}

/** The scales or sizes the node gives, one per resized axis (exactly one of the two); `computed`: sizes from a pattern. */
function requested(c: Ctx, n: OnnxNode, a: Attrs, count: number, computed?: number[]): { scales?: number[]; sizes?: number[] } {
  if (n.opType === 'Upsample' && c.opset < 9) {
    const scales = a.floats('scales');
    if (scales?.length !== count) throw refuse(n, `attribute scales=[${scales ?? ''}] must hold ${count} values`);
    return { scales };
  }
  const at = isOld(c, n) ? 1 : 2; // Resize-11: X, roi, scales, sizes
  const present = (i: number) => { // opsets 11–12 pass the unused one as an empty tensor
    const t = c.g.constant(n, i, i === at ? 'scales' : 'sizes');
    return !!t && t.dims.reduce((p, d) => p * d, 1) > 0;
  };
  const scales = present(at) ? Array.from(c.g.floats(n, at, 'scales', `[${count}]`, (d) => d.length === 1 && d[0] === count)) : undefined;
  const sizes = computed ?? (at === 2 && present(3) ? c.g.ints(n, 3, 'sizes') : undefined);
  if (!scales === !sizes) throw refuse(n, `needs either scales or sizes, got ${scales ? 'both' : 'neither (missing or empty)'}`);
  if (sizes && sizes.length !== count) throw refuse(n, `its sizes [${sizes}] must hold ${count} values`);
  return { scales, sizes };
}

/** Per-axis scales from sizes (keep_aspect_ratio_policy: one scale for all the axes given). */
function fromSizes(c: Ctx, n: OnnxNode, a: Attrs, v: Value, axes: number[], sizes: number[]): number[] {
  const { c: ch, h, w } = axesOf(v);
  const input: (number | undefined)[] = [];
  [input[0], input[h], input[w], input[ch]] = [c.batch, v.shape[0], v.shape[1], v.shape[2]]; // a batch the graph leaves open: NaN, refused below
  const ratios = axes.map((x, i) => sizes[i] / input[x]!);
  const policy = a.string('keep_aspect_ratio_policy', 'stretch');
  if (policy === 'stretch') return ratios;
  if (policy !== 'not_larger' && policy !== 'not_smaller') throw refuse(n, `attribute keep_aspect_ratio_policy=${policy} is not supported: only stretch, not_larger, not_smaller`);
  return ratios.map(() => (policy === 'not_larger' ? Math.min : Math.max)(...ratios));
}

/** [sh, sw] for an integer upscale of height and width with batch and channels left alone. */
function factors(c: Ctx, n: OnnxNode, a: Attrs, v: Value, computed?: number[]): [number, number] {
  const all = computed ? [1, 2, 3] : [0, 1, 2, 3];
  const axes = c.opset >= 18 && n.opType === 'Resize' ? resizedAxes(n, a, all) : all;
  const { scales, sizes } = requested(c, n, a, axes.length, computed);
  const given = scales ?? fromSizes(c, n, a, v, axes, sizes!);
  const per = [1, 1, 1, 1];
  axes.forEach((x, i) => (per[x] = given[i]));
  const { c: ch, h, w } = axesOf(v);
  const whole = (s: number) => Number.isInteger(s) && s >= 1;
  if (per[0] !== 1 || per[ch] !== 1 || !whole(per[h]) || !whole(per[w])) {
    const what = scales ? `its scales [${scales}]` : `its sizes [${sizes}] (scales [${given.map((s) => +s.toPrecision(6))}])`;
    throw refuse(n, `${what} are not supported: only whole upscales of height and width, ${v.layout === 'nchw' ? '[1, 1, sh, sw]' : '[1, sh, sw, 1]'}`);
  }
  const out = [v.shape[0] * per[h], v.shape[1] * per[w]];
  if (out.some((x) => x > MAX_SIDE)) throw refuse(n, `its output of ${out[0]}×${out[1]} is larger than ${MAX_SIDE} on a side`);
  return [per[h], per[w]];
}

/**
 * Resize and Upsample: an upSampling2d layer, or a refusal naming what differs. `computed`: the
 * sizes [c, h, w] a pattern found for an NCHW value (its own batch).
 */
export const resize = (c: Ctx, n: OnnxNode, v: Value, computed?: number[]): Value => {
  const a = c.attrs(n, known(c, n));
  need(v, ['nchw', 'nhwc'], n, `${n.opType} is supported on the height and width of an image`);
  const interpolation = interpolationOf(c, n, a);
  const [sh, sw] = factors(c, n, a, v, computed);
  c.b.add('upSampling2d', { size: [sh, sw], interpolation });
  return { ...v, name: n.outputs[0], shape: [v.shape[0] * sh, v.shape[1] * sw, v.shape[2]] };
};

/**
 * PyTorch's F.interpolate(x, size=(h, w)) / nn.Upsample(size=...): Resize(x, roi, scales,
 * Concat(Slice(Shape(x), [0], [2]), [h, w])), x's own batch and channels with constant h and w.
 */
export function resizeToSize(c: Ctx, v: Value, users: OnnxNode[]): Value | undefined {
  const g = c.g;
  const shape = users.find((n) => n.opType === 'Shape' && n.attributes.length === 0);
  const n = users.find((u) => u.opType === 'Resize' && u.inputs[0] === v.name);
  const slice = shape && g.sole(shape.outputs[0], 'Slice');
  const concat = slice && g.sole(slice.outputs[0], 'Concat');
  if (users.length !== 2 || !n || !concat || n.inputs[3] !== concat.outputs[0] || v.layout !== 'nchw' || n.domain !== '') return undefined;
  const [, starts, ends, axes, steps] = slice.inputs;
  const sliced = slice.inputs[0] === shape.outputs[0] && slice.attributes.length === 0 && g.intsAre(starts, [0]) && g.intsAre(ends, [2]) &&
    (!axes || g.intsAre(axes, [0])) && (!steps || g.intsAre(steps, [1]));
  const hw = g.constants.get(concat.inputs[1] ?? '')?.values;
  const axis = concat.attributes.find((x) => x.name === 'axis');
  if (!sliced || concat.inputs.length !== 2 || concat.inputs[0] !== slice.outputs[0] || axis?.i !== 0 || !Array.isArray(hw) || hw.length !== 2) return undefined;
  for (let i = 1; i < 3; i++) g.constant(n, i, i === 1 ? 'roi' : 'scales');
  for (const x of [shape, slice, concat, n]) g.done.add(x);
  return resize(c, n, v, [v.shape[2], ...hw]); // the batch's ratio is 1 as the channels'
}
