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
import { type Attrs, type Value, need, refuse } from './onnx-import-graph.js';
import type { Converter, Ctx } from './onnx-ops.js';
import type { OnnxNode } from './onnx-read.js';

/** Output sides beyond this are refused (ONNX sets no limit; the conv attributes share it). */
const MAX_SIDE = 65_536;

const COORDINATES = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'];
const ROUNDINGS = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];
const ROUND = ['round_prefer_floor', 'round_prefer_ceil'];
/** Per coordinate mode, the nearest_modes that read input ⌊i / s⌋ (see the top of the file). */
const NEAREST: Record<string, string[]> = { asymmetric: ['floor'], half_pixel: ROUND, pytorch_half_pixel: ROUND, half_pixel_symmetric: ROUND, tf_half_pixel_for_nn: ['floor'] };
const NEAREST_TEXT = 'asymmetric + floor, half_pixel / pytorch_half_pixel / half_pixel_symmetric + round_prefer_floor or round_prefer_ceil, tf_half_pixel_for_nn + floor';
const LINEAR = ['half_pixel', 'pytorch_half_pixel', 'half_pixel_symmetric'];

/** Upsample before opset 9, and Resize before 11, have no coordinate attributes. */
const isOld = (c: Ctx, n: OnnxNode) => n.opType === 'Upsample' || c.opset < 11;

function known(c: Ctx, n: OnnxNode): string[] {
  if (n.opType === 'Upsample') return c.opset < 9 ? ['mode', 'scales'] : ['mode'];
  if (c.opset < 11) return ['mode'];
  const v11 = ['coordinate_transformation_mode', 'cubic_coeff_a', 'exclude_outside', 'extrapolation_value', 'mode', 'nearest_mode'];
  return c.opset < 18 ? v11 : [...v11, 'antialias', 'axes', 'keep_aspect_ratio_policy'];
}

/** An enumerated string attribute, refused when it is not one of `valid`. */
function choice(n: OnnxNode, a: Attrs, name: string, fallback: string, valid: string[]): string {
  const v = a.string(name, fallback);
  if (!valid.includes(v)) throw refuse(n, `attribute ${name}=${JSON.stringify(v.slice(0, 60))} is not one of ${valid.join(', ')}`);
  return v;
}

/** The interpolation, when the node's modes compute exactly what upSampling2d's does. */
function interpolationOf(c: Ctx, n: OnnxNode, a: Attrs): 'nearest' | 'bilinear' {
  const mode = choice(n, a, 'mode', 'nearest', n.opType === 'Upsample' ? ['nearest', 'linear'] : ['nearest', 'linear', 'cubic']);
  if (mode === 'cubic') throw refuse(n, "attribute mode=cubic is not supported: upSampling2d interpolates 'nearest' or 'bilinear' (ONNX mode nearest or linear)");
  const antialias = a.int('antialias', 0);
  if (antialias !== 0) throw refuse(n, `attribute antialias=${antialias} is not supported: only 0 (Keras' upSampling2d does not antialias)`);
  const exclude = a.int('exclude_outside', 0); // ONNX Runtime refuses 1 without cubic or antialias
  if (exclude !== 0) throw refuse(n, `attribute exclude_outside=${exclude} is not supported: only 0 (1 applies to cubic and antialiased resizing)`);
  a.float('cubic_coeff_a', -0.75); // cubic only
  a.float('extrapolation_value', 0); // tf_crop_and_resize only
  if (isOld(c, n)) {
    if (mode === 'nearest') return 'nearest';
    throw refuse(n, `attribute mode=linear is not supported: ${n.opType} at opset ${c.opset} places output pixel i at input x = i / scale, not at the half-pixel centres of Keras 3's bilinear upSampling2d; export at opset 11 or later (Resize, coordinate_transformation_mode half_pixel)`);
  }
  const coordinates = choice(n, a, 'coordinate_transformation_mode', 'half_pixel', COORDINATES);
  if (mode === 'linear') {
    if (LINEAR.includes(coordinates)) return 'bilinear';
    throw refuse(n, `attribute coordinate_transformation_mode=${coordinates} is not supported with mode=linear: dendrite's bilinear upSampling2d (Keras 3) uses half-pixel centres: ${LINEAR.join(', ')}`);
  }
  const rounding = choice(n, a, 'nearest_mode', 'round_prefer_floor', ROUNDINGS);
  if (NEAREST[coordinates]?.includes(rounding)) return 'nearest';
  throw refuse(n, `attributes coordinate_transformation_mode=${coordinates} with nearest_mode=${rounding} are not supported: dendrite's nearest upSampling2d repeats each pixel (output i reads input ⌊i / scale⌋), which is ${NEAREST_TEXT}`);
}

/** The ONNX axes of an image value: batch, channels, height, width. */
function axesOf(v: Value): { c: number; h: number; w: number } {
  return v.layout === 'nchw' ? { c: 1, h: 2, w: 3 } : { c: 3, h: 1, w: 2 };
}

/** Resize's axes attribute (opset 18), normalised; all four axes without it. */
function resizedAxes(n: OnnxNode, a: Attrs): number[] {
  const axes = a.ints('axes') ?? [0, 1, 2, 3];
  const norm = axes.map((x) => (x < 0 ? x + 4 : x));
  if (!axes.length || norm.some((x) => x < 0 || x > 3) || new Set(norm).size !== norm.length) {
    throw refuse(n, `attribute axes=[${axes}] must be distinct axes of the 4-D input, in [-4, 3]`);
  }
  return norm;
}

/** The scales or sizes the node gives, one per resized axis (exactly one of the two); `computed`: sizes from a pattern. */
function requested(c: Ctx, n: OnnxNode, a: Attrs, count: number, computed?: number[]): { scales?: number[]; sizes?: number[] } {
  if (n.opType === 'Upsample' && c.opset < 9) {
    const scales = a.floats('scales');
    if (!scales) throw refuse(n, 'attribute scales is missing');
    if (scales.length !== count) throw refuse(n, `attribute scales=[${scales}] has ${scales.length} values; expected ${count}, one per axis of the 4-D input`);
    return { scales };
  }
  const at = isOld(c, n) ? 1 : 2; // Resize-11: X, roi, scales, sizes
  const last = isOld(c, n) ? 1 : 3;
  if (n.inputs.length > last + 1) throw refuse(n, `has ${n.inputs.length} inputs; ${n.opType} at opset ${c.opset} takes at most ${last + 1}`);
  const present = (i: number) => { // opsets 11–12 pass the unused one as an empty tensor
    const t = c.g.constant(n, i, i === at ? 'scales' : 'sizes');
    return !!t && t.dims.reduce((p, d) => p * d, 1) > 0;
  };
  const scales = present(at) ? Array.from(c.g.floats(n, at, 'scales', `[${count}]`, (d) => d.length === 1 && d[0] === count)) : undefined;
  const sizes = computed ?? (at === 2 && present(3) ? c.g.ints(n, 3, 'sizes') : undefined);
  if (scales && sizes) throw refuse(n, 'gives both scales and sizes; ONNX allows one of them');
  if (!scales && !sizes) throw refuse(n, 'has neither scales nor sizes (the scales input is missing or empty)');
  if (sizes && sizes.length !== count) throw refuse(n, `its sizes [${sizes}] have ${sizes.length} values; expected ${count}, one per resized axis`);
  return { scales, sizes };
}

/** Per-axis scales from sizes (keep_aspect_ratio_policy: one scale for all the axes given). */
function fromSizes(c: Ctx, n: OnnxNode, a: Attrs, v: Value, axes: number[], sizes: number[]): number[] {
  const { c: ch, h, w } = axesOf(v);
  const input: (number | undefined)[] = [];
  [input[0], input[h], input[w], input[ch]] = [c.batch, v.shape[0], v.shape[1], v.shape[2]];
  if (axes.includes(0) && input[0] === undefined) {
    throw refuse(n, `its sizes [${sizes}] fix the batch axis to ${sizes[axes.indexOf(0)]}, but the graph's batch size is not fixed; dendrite resizes height and width only`);
  }
  const ratios = axes.map((x, i) => sizes[i] / input[x]!);
  const policy = a.string('keep_aspect_ratio_policy', 'stretch');
  if (policy === 'stretch') return ratios;
  const r = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
  return ratios.map(() => r);
}

/** [sh, sw] for an integer upscale of height and width with batch and channels left alone. */
function factors(c: Ctx, n: OnnxNode, a: Attrs, v: Value, computed?: number[]): [number, number] {
  const axes = computed ? [2, 3] : c.opset >= 18 && n.opType === 'Resize' ? resizedAxes(n, a) : [0, 1, 2, 3];
  choice(n, a, 'keep_aspect_ratio_policy', 'stretch', ['stretch', 'not_larger', 'not_smaller']);
  const { scales, sizes } = requested(c, n, a, axes.length, computed);
  const given = scales ?? fromSizes(c, n, a, v, axes, sizes!);
  const per = [1, 1, 1, 1];
  axes.forEach((x, i) => (per[x] = given[i]));
  const { c: ch, h, w } = axesOf(v);
  const whole = (s: number) => Number.isInteger(s) && s >= 1;
  if (per[0] !== 1 || per[ch] !== 1 || !whole(per[h]) || !whole(per[w])) {
    const form = v.layout === 'nchw' ? '[1, 1, sh, sw]' : '[1, sh, sw, 1]';
    const what = scales ? `its scales [${scales}]` : `its sizes [${sizes}] (scales [${given.map((s) => +s.toPrecision(6))}] of the ${v.layout.toUpperCase()} input)`;
    throw refuse(n, `${what} are not supported: dendrite imports an integer upscale of height and width, scales ${form} (batch and channels 1) with whole sh, sw ≥ 1 (sizes: whole multiples of the input's ${v.shape[0]}×${v.shape[1]})`);
  }
  const out = [v.shape[0] * per[h], v.shape[1] * per[w]];
  if (out.some((x) => x > MAX_SIDE)) throw refuse(n, `scales ${per[h]}, ${per[w]} make a ${out[0]}×${out[1]} output; dendrite imports upscales to at most ${MAX_SIDE} rows and columns`);
  return [per[h], per[w]];
}

/** Resize and Upsample: an upSampling2d layer, or a refusal naming what differs. */
export const resize: Converter = (c, n, v) => convert(c, n, v);

/** `computed`: the [height, width] a pattern found as the sizes of an NCHW value. */
function convert(c: Ctx, n: OnnxNode, v: Value, computed?: number[]): Value {
  const a = c.attrs(n, known(c, n));
  need(v, ['nchw', 'nhwc'], n, `${n.opType} is supported on the height and width of an image`);
  const interpolation = interpolationOf(c, n, a);
  const [sh, sw] = factors(c, n, a, v, computed);
  c.b.add('upSampling2d', { size: [sh, sw], interpolation });
  return { ...v, name: n.outputs[0], shape: [v.shape[0] * sh, v.shape[1] * sw, v.shape[2]] };
}

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
  const perAxis = n?.attributes.some((x) => x.name === 'axes' || x.name === 'keep_aspect_ratio_policy'); // sizes of all four axes only
  if (users.length !== 2 || !n || perAxis || !concat || n.inputs[3] !== concat.outputs[0] || v.layout !== 'nchw' || n.domain !== '') return undefined;
  const [, starts, ends, axes, steps] = slice.inputs;
  const sliced = slice.inputs[0] === shape.outputs[0] && slice.attributes.length === 0 && g.intsAre(starts, [0]) && g.intsAre(ends, [2]) &&
    (!axes || g.intsAre(axes, [0])) && (!steps || g.intsAre(steps, [1]));
  const hw = g.constants.get(concat.inputs[1] ?? '')?.values;
  const axis = concat.attributes.find((x) => x.name === 'axis');
  if (!sliced || concat.inputs.length !== 2 || concat.inputs[0] !== slice.outputs[0] || axis?.i !== 0 || !Array.isArray(hw) || hw.length !== 2) return undefined;
  for (let i = 1; i < 3; i++) g.constant(n, i, i === 1 ? 'roi' : 'scales');
  for (const x of [shape, slice, concat, n]) g.done.add(x);
  return convert(c, n, v, hw);
}
