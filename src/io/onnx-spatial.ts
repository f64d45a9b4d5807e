// ONNX ops of the spatial layers (convolutions, pooling, flatten / reshape, padding, upsampling),
// for io/onnx.ts. Convolutions and pooling run channels first, as ONNX defines them: kernels are
// written (out, in, kh, kw) — Keras' (kh, kw, in, out) transposed — and the padding is the
// layer's own, explicit (Keras' 'same' puts the odd extra after, as ONNX's SAME_UPPER would).
// Flatten and Reshape read Keras' channels-last order, so their input is transposed back first.
import type { Geometry } from '../engine/conv-plan.js';
import { type AttrValue, type LayerContext, type LayerOps, type Value, activation } from './onnx-graph.js';

/** A Keras kernel (spatial..., in, out), flat, as ONNX's (out, in, spatial...). */
export function channelsFirstKernel(data: Float32Array, shape: readonly number[]): { dims: number[]; data: Float32Array } {
  const spatial = shape.slice(0, -2), cin = shape[shape.length - 2], cout = shape[shape.length - 1];
  const area = spatial.reduce((a, b) => a * b, 1);
  const out = new Float32Array(data.length);
  for (let p = 0; p < area; p++) {
    for (let i = 0; i < cin; i++) {
      for (let o = 0; o < cout; o++) out[(o * cin + i) * area + p] = data[(p * cin + i) * cout + o];
    }
  }
  return { dims: [cout, cin, ...spatial], data: out };
}

/** The window attributes of a geometry, for a value with `spatial` (1 or 2) spatial axes. */
function windowAttrs(g: Geometry, spatial: number, withDilation: boolean): Record<string, AttrValue> {
  const two = spatial === 2;
  const attrs: Record<string, AttrValue> = {
    kernel_shape: two ? [g.kh, g.kw] : [g.kw],
    strides: two ? [g.sh, g.sw] : [g.sw],
    pads: two ? [g.pt, g.pl, g.pb, g.pr] : [g.pl, g.pr], // begins, then ends
  };
  if (withDilation) attrs.dilations = two ? [g.dh, g.dw] : [g.dw];
  return attrs;
}

/** A Conv node over channels-first `x` with a Keras kernel; `group` > 1 for depthwise. */
function conv(c: LayerContext, x: Value, kernel: string, bias: string | undefined, attrs: Record<string, AttrValue>, kernelShape?: number[]): Value {
  const k = c.weight(kernel);
  const t = channelsFirstKernel(k.data, kernelShape ?? k.shape);
  const inputs = [x.name, c.g.initializer(k.name, t.dims, t.data)];
  if (bias) inputs.push(c.w(bias));
  return c.g.op('Conv', inputs, x, `${c.l.name}_conv`, attrs);
}

/** Conv2D and Conv1D: one Conv, then the activation. */
const convolution: LayerOps = (c) => {
  const x = c.g.channelsFirst(c.x);
  const y = conv(c, x, 'kernel', c.l.useBias ? 'bias' : undefined, windowAttrs(c.layer.geometry!, x.rank - 2, true));
  return activation(c.g, c.l.activation ?? 'linear', y);
};

/** A depthwise step: Conv with one group per input channel, its (kh, kw, c, dm) kernel read as (kh, kw, 1, c·dm). */
function depthwise(c: LayerContext, x: Value, bias: string | undefined): Value {
  const g = c.layer.geometry!, [kh, kw, ch, dm] = c.weight('depthwise_kernel').shape;
  return conv(c, x, 'depthwise_kernel', bias, { ...windowAttrs(g, 2, true), group: ch }, [kh, kw, 1, ch * dm]);
}

const depthwiseConv2d: LayerOps = (c) => {
  const y = depthwise(c, c.g.channelsFirst(c.x), c.l.useBias ? 'bias' : undefined);
  return activation(c.g, c.l.activation ?? 'linear', y);
};

/** SeparableConv2D: the depthwise Conv (no bias), then a 1×1 Conv with the bias, then the activation. */
const separableConv2d: LayerOps = (c) => {
  const mid = depthwise(c, c.g.channelsFirst(c.x), undefined);
  const y = conv(c, mid, 'pointwise_kernel', c.l.useBias ? 'bias' : undefined, { kernel_shape: [1, 1] });
  return activation(c.g, c.l.activation ?? 'linear', y);
};

/** Max / average pooling; 'same' averages over the cells inside the input, as Keras (count_include_pad 0). */
function pooling(kind: 'max' | 'avg'): LayerOps {
  return (c) => {
    const x = c.g.channelsFirst(c.x);
    const attrs = windowAttrs(c.layer.geometry!, x.rank - 2, false);
    if (kind === 'avg') attrs.count_include_pad = 0;
    const indices = kind === 'max' && c.g.zeroPadded(x) ? [c.g.fresh(`${c.l.name}_unused_indices`)] : undefined; // see Graph.zeroPadded
    return { ...x, name: c.g.node(kind === 'max' ? 'MaxPool' : 'AveragePool', [x.name], `${c.l.name}_pool`, attrs, indices) };
  };
}

/** Global pooling: [N, C, ...] → [N, C, 1, ...] → Flatten → [N, C]. */
function globalPooling(kind: 'max' | 'avg'): LayerOps {
  return (c) => {
    const x = c.g.channelsFirst(c.x);
    const pooled = c.g.node(kind === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool', [x.name], `${c.l.name}_pool`);
    return { name: c.g.node('Flatten', [pooled], `${c.l.name}_flat`, { axis: 1 }), rank: 2, channelsFirst: false };
  };
}

const flatten: LayerOps = (c) => {
  const x = c.g.channelsLast(c.x);
  return { name: c.g.node('Flatten', [x.name], `${c.l.name}_out`, { axis: 1 }), rank: 2, channelsFirst: false };
};

/** Reshape to [batch, ...target]: 0 keeps the input's (symbolic) batch dimension. */
const reshape: LayerOps = (c) => {
  const x = c.g.channelsLast(c.x);
  const shape = c.g.int64s(`${c.l.name}_shape`, [0, ...c.layer.outShape]);
  return { name: c.g.node('Reshape', [x.name, shape], `${c.l.name}_out`), rank: c.layer.outShape.length + 1, channelsFirst: false };
};

/** ZeroPadding1D/2D: Pad with zeros, in whichever layout x is ([[top, bottom], [left, right]] or [left, right]). */
const zeroPadding: LayerOps = (c) => {
  const x = c.x, p = c.l.padding as number[][] | number[];
  const sides = (Array.isArray(p[0]) ? p : [p]) as number[][]; // per spatial axis: [before, after]
  const begin = new Array<number>(x.rank).fill(0), end = new Array<number>(x.rank).fill(0);
  sides.forEach(([b, a], i) => {
    const axis = x.channelsFirst ? i + 2 : i + 1;
    begin[axis] = b;
    end[axis] = a;
  });
  return c.g.markPadded(c.g.op('Pad', [x.name, c.g.int64s(`${c.l.name}_pads`, [...begin, ...end])], x, `${c.l.name}_out`, { mode: 'constant' }));
};

/**
 * UpSampling2D: Resize by integer scales. Nearest: asymmetric + floor reads input pixel ⌊i / s⌋, as
 * Keras repeats it; bilinear: linear with half-pixel centres (edges clamped), as tf.image.resize.
 */
const upSampling2d: LayerOps = (c) => {
  const x = c.g.channelsFirst(c.x);
  const [sh, sw] = c.l.size as [number, number];
  const scales = c.g.initializer(`${c.l.name}/scales`, [4], Float32Array.of(1, 1, sh, sw));
  const mode: Record<string, AttrValue> = c.l.interpolation === 'bilinear' ? { mode: 'linear', coordinate_transformation_mode: 'half_pixel' } : { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
  return c.g.op('Resize', [x.name, '', scales], x, `${c.l.name}_out`, mode);
};

const identity: LayerOps = (c) => c.x;

/** The spatial layers' ops, by saved type name. */
export const spatialOps: Record<string, LayerOps> = {
  conv2d: convolution,
  conv1d: convolution,
  depthwiseConv2d,
  separableConv2d,
  maxPooling2d: pooling('max'),
  averagePooling2d: pooling('avg'),
  maxPooling1d: pooling('max'),
  averagePooling1d: pooling('avg'),
  globalAveragePooling2d: globalPooling('avg'),
  globalMaxPooling2d: globalPooling('max'),
  globalAveragePooling1d: globalPooling('avg'),
  globalMaxPooling1d: globalPooling('max'),
  flatten,
  reshape,
  zeroPadding2d: zeroPadding,
  zeroPadding1d: zeroPadding,
  upSampling2d,
  spatialDropout1d: identity, // the identity at inference, as dropout
  spatialDropout2d: identity,
};
