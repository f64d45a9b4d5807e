// One converter per ONNX op of the sequential graphs PyTorch and tf2onnx write: each takes the
// node and the value flowing in, adds dendrite layers (weights converted from ONNX's NCHW layout
// to channels last) and returns the value flowing out. Padding is mapped to Keras' 'valid' or
// 'same' only where the two compute the same thing, else to a zeroPadding2d layer where zeros are
// what ONNX pads with, else refused. Anything a converter does not understand is refused naming
// the node, the op and the attribute.
import { layerTypes } from '../layers/index.js';
import { type Attrs, type Converter, type Ctx, type Value, need, onnxIndex, refuse } from './onnx-import-graph.js';
import type { OnnxNode } from './onnx-read.js';
import { resize } from './onnx-resize.js';


const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;

const size = (shape: number[]) => shape.reduce((a, d) => a * d, 1);
const flat = (v: Value, name: string, shape = v.shape): Value => ({ name, layout: 'flat', shape, nonNegative: v.nonNegative });

/** An activation node: its dendrite spec, or how to make it from the node's attributes. */
function activation(c: Ctx, n: OnnxNode, v: Value, spec: string | ((a: Attrs, n: OnnxNode) => unknown), nonNegative = false, known: string[] = []): Value {
  const a = c.attrs(n, known);
  c.b.activation(typeof spec === 'function' ? spec(a, n) : spec);
  return { ...v, name: n.outputs[0], nonNegative };
}

// ---- dense ---------------------------------------------------------------------------------------

/** A dense layer from B (k, units) read through `at(row, col)`, rows in ONNX's feature order. */
function dense(c: Ctx, v: Value, units: number, at: (row: number, col: number) => number, bias?: Float32Array, scale = 1, biasScale = 1): void {
  const k = v.shape[0];
  const kernel = new Float32Array(k * units);
  for (let r = 0; r < k; r++) {
    const row = onnxIndex(v, r);
    for (let j = 0; j < units; j++) kernel[r * units + j] = scale * at(row, j);
  }
  const weights: Record<string, { shape: number[]; data: Float32Array }> = { kernel: { shape: [k, units], data: kernel } };
  if (bias) weights.bias = { shape: [units], data: bias.length === units ? bias.map((b) => biasScale * b) : new Float32Array(units).fill(biasScale * bias[0]) };
  c.b.add('dense', { units, activation: 'linear', useBias: !!bias }, weights);
}

const biasShape = (units: number) => (d: number[]) => size(d) === 1 || (size(d) === units && d[d.length - 1] === units && d.length <= 2);

const gemm: Converter = (c, n, v) => {
  const a = c.attrs(n, ['alpha', 'beta', 'transA', 'transB']);
  if (a.int('transA', 0) !== 0) throw refuse(n, 'attribute transA=1 is not supported (the input must not be transposed)');
  const transB = a.int('transB', 0) !== 0;
  need(v, ['flat'], n, 'Gemm takes a (batch, features) matrix: flatten first');
  const k = v.shape[0];
  let units = 0;
  const w = c.g.floats(n, 1, 'weight B', transB ? `[units, ${k}]` : `[${k}, units]`, (d) => d.length === 2 && d[transB ? 1 : 0] === k && (units = d[transB ? 0 : 1]) > 0);
  const bias = n.inputs[2] ? c.g.floats(n, 2, 'bias C', `[${units}]`, biasShape(units)) : undefined;
  dense(c, v, units, transB ? (r, j) => w[j * k + r] : (r, j) => w[r * units + j], bias, a.float('alpha', 1), a.float('beta', 1));
  return flat(v, n.outputs[0], [units]);
};

/** MatMul by a constant (k, units), with the Add of a constant bias right after it folded in. */
const matmul: Converter = (c, n, v) => {
  c.attrs(n, []);
  need(v, ['flat'], n, 'MatMul takes a (batch, features) matrix: flatten first');
  const k = v.shape[0];
  let units = 0;
  const w = c.g.floats(n, 1, 'weight', `[${k}, units]`, (d) => d.length === 2 && d[0] === k && (units = d[1]) > 0);
  let out = n.outputs[0];
  let bias: Float32Array | undefined;
  const add = c.g.sole(out, 'Add');
  if (add) {
    const other = add.inputs.indexOf(out) === 0 ? 1 : 0;
    if (add.inputs.length === 2 && add.inputs[1 - other] === out && c.g.constants.has(add.inputs[other])) {
      c.attrs(add, []);
      bias = c.g.floats(add, other, 'bias', `[${units}]`, biasShape(units));
      c.g.done.add(add);
      out = add.outputs[0];
    }
  }
  dense(c, v, units, (r, j) => w[r * units + j], bias);
  return flat(v, out, [units]);
};

// ---- convolution and pooling --------------------------------------------------------------------

type Pads = [top: number, left: number, bottom: number, right: number];

/** Explicit pads from pads / auto_pad (ONNX order: begins then ends). */
function padsOf(a: Attrs, n: OnnxNode, hw: number[], k: number[], s: number[]): Pads {
  const auto = a.string('auto_pad', 'NOTSET');
  if (auto === 'NOTSET') {
    const p = a.ints('pads', [0, 0, 0, 0])!;
    if (p.length !== 4 || p.some((x) => x < 0)) throw refuse(n, `attribute pads=[${p}] must be 4 non-negative numbers`);
    return p as Pads;
  }
  if (auto === 'VALID') return [0, 0, 0, 0];
  if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER') throw refuse(n, `attribute auto_pad=${auto} is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER`);
  const [t, l] = [0, 1].map((i) => sameTotal(hw[i], k[i], s[i]));
  const first = (total: number) => (auto === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2));
  return [first(t), first(l), t - first(t), l - first(l)];
}

/** TF's 'same': output ⌈in / stride⌉, total padding spread with the odd one after. */
function sameTotal(size: number, k: number, s: number): number {
  return Math.max(0, (Math.ceil(size / s) - 1) * s + k - size);
}

/** 'valid', 'same', or zero padding for pads that are neither (undefined when none is needed). */
function classify(p: Pads, hw: number[], k: number[], s: number[]): { padding: 'valid' | 'same'; zeros?: Pads } {
  if (p.every((x) => x === 0)) return { padding: 'valid' };
  const same = [0, 1].every((i) => {
    const total = sameTotal(hw[i], k[i], s[i]);
    return p[i] === Math.floor(total / 2) && p[i + 2] === total - Math.floor(total / 2);
  });
  return same ? { padding: 'same' } : { padding: 'valid', zeros: p };
}

/** A zeroPadding2d layer for pads that are not 'same' (when this dendrite has one). */
function zeroPadding(c: Ctx, n: OnnxNode, p: Pads, what: string): void {
  if (!layerTypes.includes('zeroPadding2d')) throw refuse(n, `${what} pads=[${p}] are neither 'valid' nor 'same' (Keras), and this dendrite has no zeroPadding2d layer`);
  c.b.add('zeroPadding2d', { padding: [[p[0], p[2]], [p[1], p[3]]] });
}

/**
 * Pads no wider than the window or the input itself (ONNX sets no limit, but no exporter writes
 * more): a pad of 65,535 on an 8×8 image would only make a model of enormous activations.
 */
function checkPads(n: OnnxNode, p: Pads, hw: number[], reach: number[]): void {
  if (p.some((x, i) => x > Math.max(reach[i % 2], hw[i % 2]))) throw refuse(n, `pads [${p}] are wider than both the window [${reach}] and the input [${hw}]`);
}

/** Output size along one axis, and whether ceil_mode changes it. */
function outSize(n: OnnxNode, size: number, before: number, after: number, k: number, s: number, ceil: boolean): number {
  const span = size + before + after - k;
  if (span < 0) throw refuse(n, `the window (${k}) is larger than the padded input (${size + before + after})`);
  if (ceil && span % s !== 0) throw refuse(n, 'attribute ceil_mode=1 gives a larger output than floor mode here; dendrite pools in floor mode (Keras)');
  return Math.floor(span / s) + 1;
}

/** Window, strides, dilations, pads and output size shared by Conv and the pools. */
function windowOf(n: OnnxNode, a: Attrs, v: Value, kernel: number[]) {
  const hw = v.shape.slice(0, 2);
  const pair = (name: string, fallback: number[]) => {
    const p = a.ints(name, fallback)!;
    if (p.length !== 2 || p.some((x) => !(x >= 1 && x <= 65536))) throw refuse(n, `attribute ${name}=[${p}] must be 2 numbers ≥ 1 (2-D)`);
    return p as [number, number];
  };
  const k = pair('kernel_shape', kernel);
  if (k[0] !== kernel[0] || k[1] !== kernel[1]) throw refuse(n, `attribute kernel_shape=[${k}] differs from its weights' [${kernel}]`);
  const strides = pair('strides', [1, 1]);
  const dilations = pair('dilations', [1, 1]);
  const reach = k.map((x, i) => (x - 1) * dilations[i] + 1);
  const pads = padsOf(a, n, hw, reach, strides);
  checkPads(n, pads, hw, reach);
  const out = hw.map((x, i) => outSize(n, x, pads[i], pads[i + 2], reach[i], strides[i], a.int('ceil_mode', 0) === 1));
  return { k, strides, dilations, pads, out, ...classify(pads, hw, reach, strides) };
}

const conv: Converter = (c, n, v) => {
  const a = c.attrs(n, ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
  need(v, ['nchw'], n, 'Conv takes an NCHW feature map');
  const channels = v.shape[2];
  const group = a.int('group', 1);
  let d: number[] = [];
  const w = c.g.floats(n, 1, 'weight', `[filters, ${group === 1 ? channels : 1}, kh, kw]`, (x) => (d = x).length === 4 && x.every((e) => e > 0));
  const [filters, perGroup, kh, kw] = d;
  const depthwise = group !== 1 && group === channels && perGroup === 1 && filters % channels === 0;
  if (group !== 1 && !depthwise) throw refuse(n, `attribute group=${group} (a grouped convolution) is not supported: only 1, or the input channels (${channels}) for a depthwise convolution`);
  if (group === 1 && perGroup !== channels) throw refuse(n, `its weight has shape [${d}] but the input has ${channels} channels`);
  const win = windowOf(n, a, v, [kh, kw]);
  if (win.strides.some((s) => s > 1) && win.dilations.some((x) => x > 1)) throw refuse(n, `attributes strides=[${win.strides}] with dilations=[${win.dilations}] are not supported together (nor in Keras)`);
  const bias = n.inputs[2] ? c.g.floats(n, 2, 'bias', `[${filters}]`, (x) => x.length === 1 && x[0] === filters) : undefined;
  if (win.zeros) zeroPadding(c, n, win.zeros, 'its');
  // ONNX (out, in/group, kh, kw) → Keras (kh, kw, in, out), or (kh, kw, channels, multiplier) for
  // depthwise, whose output o = channel · multiplier + m in both.
  const inner = depthwise ? 1 : channels;
  const outer = depthwise ? filters / channels : filters;
  const kernel = new Float32Array(w.length);
  for (let o = 0; o < filters; o++) {
    for (let i = 0; i < inner; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const to = depthwise ? ((y * kw + x) * channels + Math.floor(o / outer)) * outer + (o % outer) : ((y * kw + x) * channels + i) * filters + o;
          kernel[to] = w[((o * inner + i) * kh + y) * kw + x];
        }
      }
    }
  }
  const shape = depthwise ? [kh, kw, channels, outer] : [kh, kw, channels, filters];
  const common = { kernelSize: [kh, kw], strides: win.strides, padding: win.padding, dilationRate: win.dilations, activation: 'linear', useBias: !!bias };
  const weights: Record<string, { shape: number[]; data: Float32Array }> = { [depthwise ? 'depthwise_kernel' : 'kernel']: { shape, data: kernel } };
  if (bias) weights.bias = { shape: [filters], data: bias };
  c.b.add(depthwise ? 'depthwiseConv2d' : 'conv2d', depthwise ? { ...common, depthMultiplier: outer } : { ...common, filters }, weights);
  return { name: n.outputs[0], layout: 'nchw', shape: [...win.out, filters], nonNegative: false };
};

function pool(c: Ctx, n: OnnxNode, v: Value, max: boolean): Value {
  const a = c.attrs(n, ['auto_pad', 'ceil_mode', 'kernel_shape', 'pads', 'strides', ...(max ? ['dilations', 'storage_order'] : ['count_include_pad'])]);
  need(v, ['nchw'], n, `${n.opType} takes an NCHW feature map`);
  const k = a.ints('kernel_shape');
  if (!k) throw refuse(n, 'attribute kernel_shape is missing');
  const win = windowOf(n, a, v, k);
  if (win.dilations.some((x) => x > 1)) throw refuse(n, `attribute dilations=[${win.dilations}] is not supported for pooling`);
  let padding = win.padding;
  // ONNX max pooling pads with −∞ (as Keras' 'same'); average pooling leaves pads out of the
  // count unless count_include_pad (Keras' 'same' leaves them out).
  const countPads = !max && a.int('count_include_pad', 0) === 1;
  if (win.zeros || (countPads && padding === 'same')) {
    if (max && !(v.nonNegative && win.pads.every((p, i) => p < win.k[i % 2]))) {
      throw refuse(n, `attribute pads=[${win.pads}] is neither 'valid' nor 'same' (Keras); max pooling over zero padding is only the same after a non-negative activation such as Relu`);
    }
    if (!max && !countPads) throw refuse(n, `attribute pads=[${win.pads}] is neither 'valid' nor 'same' (Keras) and count_include_pad=0 leaves the pads out of each average`);
    zeroPadding(c, n, win.pads, 'attribute');
    padding = 'valid';
  }
  c.b.add(max ? 'maxPooling2d' : 'averagePooling2d', { poolSize: win.k, strides: win.strides, padding });
  return { ...v, name: n.outputs[0], shape: [...win.out, v.shape[2]] };
}

function globalPool(c: Ctx, n: OnnxNode, v: Value, max: boolean): Value {
  c.attrs(n, []);
  need(v, ['nchw'], n, `${n.opType} takes an NCHW feature map`);
  c.b.add(max ? 'globalMaxPooling2d' : 'globalAveragePooling2d', {});
  return { ...v, name: n.outputs[0], layout: 'pooled', shape: [v.shape[2]] };
}

// ---- layout --------------------------------------------------------------------------------------

/** Flatten to (batch, features): a flatten layer from a map; ONNX's c-h-w order is remembered. */
function flattenTo(c: Ctx, v: Value, name: string): Value {
  if (v.layout === 'flat') return { ...v, name };
  if (v.layout === 'pooled') return flat(v, name);
  c.b.add('flatten', {});
  const [h, w, ch] = v.shape;
  const chw: Value['chw'] = v.layout === 'nchw' && ch > 1 && h * w > 1 ? [ch, h, w] : undefined;
  return { ...flat(v, name, [size(v.shape)]), chw };
}

const flattenOp: Converter = (c, n, v) => {
  const axis = c.attrs(n, ['axis']).int('axis', 1);
  const rank = v.layout === 'flat' ? 2 : 4;
  if (axis !== 1 && axis !== 1 - rank) throw refuse(n, `attribute axis=${axis} is not supported: dendrite flattens to (batch, features), axis 1`);
  return flattenTo(c, v, n.outputs[0]);
};

/** Reshape to (batch, features) only: [N, -1], [0, -1], [-1, features] or [N, features]. */
const reshapeOp: Converter = (c, n, v) => {
  const zero = c.attrs(n, ['allowzero']).int('allowzero', 0) === 1;
  const to = c.g.ints(n, 1, 'shape');
  if (!to) throw refuse(n, 'its shape input is missing');
  const features = size(v.shape);
  const batchOk = (d: number) => (d === 0 && !zero) || (c.batch !== undefined && d === c.batch);
  const ok = to.length === 2 && ((batchOk(to[0]) && (to[1] === -1 || to[1] === features)) || (to[0] === -1 && to[1] === features));
  if (!ok) throw refuse(n, `Reshape to [${to}] is not supported: dendrite reads the flatten form [batch, -1] or [-1, ${features}]`);
  return flattenTo(c, v, n.outputs[0]);
};

const transpose: Converter = (c, n, v) => {
  const perm = c.attrs(n, ['perm']).ints('perm') ?? [];
  const is = (p: number[]) => perm.length === p.length && p.every((x, i) => perm[i] === x);
  if (v.layout === 'nhwc' && is([0, 3, 1, 2])) return { ...v, name: n.outputs[0], layout: 'nchw' };
  if (v.layout === 'nchw' && is([0, 2, 3, 1])) return { ...v, name: n.outputs[0], layout: 'nhwc' };
  if (v.layout === 'flat' && is([0, 1])) return { ...v, name: n.outputs[0] };
  throw refuse(n, `attribute perm=[${perm}] is not supported: only the NHWC↔NCHW transposes of an image, [0, 3, 1, 2] and [0, 2, 3, 1]`);
};

/** Constant zero padding of the spatial axes (Pad's pads input, or attribute before opset 11). */
const pad: Converter = (c, n, v) => {
  const a = c.attrs(n, c.opset < 11 ? ['mode', 'pads', 'value'] : ['mode']);
  const mode = a.string('mode', 'constant');
  if (mode !== 'constant') throw refuse(n, `attribute mode=${mode} is not supported: only constant (zero) padding`);
  const p = c.opset < 11 ? a.ints('pads', [])! : c.g.ints(n, 1, 'pads') ?? [];
  const value = c.opset < 11 ? a.float('value', 0) : n.inputs[2] ? c.g.floats(n, 2, 'constant_value', 'a scalar', (d) => size(d) === 1)[0] : 0;
  if (n.inputs[3]) throw refuse(n, 'its axes input is not supported');
  if (value !== 0) throw refuse(n, `padding with ${value} is not supported: only zeros`);
  const rank = v.layout === 'flat' ? 2 : 4;
  if (p.length !== 2 * rank || p.some((x) => x < 0)) throw refuse(n, `pads [${p}] must be ${2 * rank} non-negative numbers`);
  if (p.every((x) => x === 0)) return { ...v, name: n.outputs[0] };
  need(v, ['nchw', 'nhwc'], n, 'Pad is supported on the height and width of an image');
  const [h, w] = v.layout === 'nhwc' ? [1, 2] : [2, 3];
  if (p.some((x, i) => x !== 0 && i % rank !== h && i % rank !== w)) throw refuse(n, `pads [${p}] pad the batch or the channels; dendrite pads height and width only`);
  const pads: Pads = [p[h], p[w], p[h + rank], p[w + rank]];
  checkPads(n, pads, v.shape.slice(0, 2), [1, 1]);
  zeroPadding(c, n, pads, 'its');
  return { ...v, name: n.outputs[0], shape: [v.shape[0] + p[h] + p[h + rank], v.shape[1] + p[w] + p[w + rank], v.shape[2]] };
};

const identity: Converter = (c, n, v) => (c.attrs(n, []), { ...v, name: n.outputs[0] });

// ---- normalisation and dropout ------------------------------------------------------------------

const batchNorm: Converter = (c, n, v) => {
  const a = c.attrs(n, ['epsilon', 'momentum', 'spatial', 'training_mode']);
  if (a.int('training_mode', 0) !== 0) throw refuse(n, 'attribute training_mode=1 is not supported: export the model in eval mode');
  if (a.int('spatial', 1) !== 1) throw refuse(n, 'attribute spatial=0 is not supported: dendrite normalises per channel');
  need(v, ['flat', 'nchw', 'pooled'], n, 'BatchNormalization normalises ONNX axis 1, which must be channels or features');
  const units = v.shape[v.shape.length - 1];
  const [gamma, beta, mean, variance] = ['scale', 'B', 'mean', 'var'].map((what, i) => {
    const t = c.g.floats(n, i + 1, what, `[${units}]`, (d) => d.length === 1 && d[0] === units);
    return { shape: [units], data: t.map((_, j) => t[onnxIndex(v, j)]) };
  });
  if (variance.data.some((x) => x < 0)) throw refuse(n, 'its var input holds a negative variance');
  const epsilon = a.float('epsilon', 1e-5);
  const momentum = a.float('momentum', 0.9);
  c.b.add('batchNormalization', { epsilon, momentum, center: true, scale: true }, { gamma, beta, moving_mean: mean, moving_variance: variance });
  return { ...v, name: n.outputs[0], nonNegative: false };
};

const dropoutOp: Converter = (c, n, v) => {
  const a = c.attrs(n, ['ratio', 'seed', 'is_test']);
  const rate = c.opset < 12 ? a.float('ratio', 0.5) : n.inputs[1] ? c.g.floats(n, 1, 'ratio', 'a scalar', (d) => size(d) === 1)[0] : 0.5;
  const training = n.inputs[2] ? c.g.constant(n, 2, 'training_mode') : undefined;
  if (training && (training.values?.length !== 1 || training.values[0] !== 0)) throw refuse(n, 'its training_mode input must be false: export the model in eval mode');
  if (!(rate >= 0 && rate < 1)) throw refuse(n, `ratio ${rate} must be in [0, 1)`);
  if (rate > 0) c.b.add('dropout', { rate });
  return { ...v, name: n.outputs[0] };
};

// ---- activations --------------------------------------------------------------------------------

const softmax: Converter = (c, n, v) => {
  const axis = c.attrs(n, ['axis']).int('axis', c.opset < 13 ? 1 : -1);
  need(v, ['flat'], n, 'Softmax is supported over the features of a (batch, features) matrix');
  if (axis !== 1 && axis !== -1) throw refuse(n, `attribute axis=${axis} is not supported: softmax over the features (axis 1 or -1)`);
  if (v.chw) throw refuse(n, 'softmax over a flattened NCHW map: the output order would differ from ONNX\'s');
  c.b.activation('softmax');
  return { ...v, name: n.outputs[0], nonNegative: true };
};

/** Selu's constants must be Keras' (dendrite's selu has no parameters). */
function seluSpec(a: Attrs, n: OnnxNode): string {
  for (const [name, keras] of [['alpha', SELU_ALPHA], ['gamma', SELU_GAMMA]] as const) {
    const x = a.float(name, keras);
    if (Math.abs(x - keras) > 1e-6 * keras) throw refuse(n, `attribute ${name}=${x} is not supported: dendrite's selu uses Keras' ${keras}`);
  }
  return 'selu';
}

// Plain functions only: no call runs when this module loads, so an app that never imports ONNX
// files tree-shakes the table and every converter away (the core size budget).
export const converters: Record<string, Converter> = {
  Gemm: gemm,
  MatMul: matmul,
  Conv: conv,
  MaxPool: (c, n, v) => pool(c, n, v, true),
  AveragePool: (c, n, v) => pool(c, n, v, false),
  GlobalAveragePool: (c, n, v) => globalPool(c, n, v, false),
  GlobalMaxPool: (c, n, v) => globalPool(c, n, v, true),
  Flatten: flattenOp,
  Reshape: reshapeOp,
  Transpose: transpose,
  Pad: pad,
  Resize: resize,
  Upsample: resize,
  Identity: identity,
  BatchNormalization: batchNorm,
  Dropout: dropoutOp,
  Relu: (c, n, v) => activation(c, n, v, 'relu', true),
  Sigmoid: (c, n, v) => activation(c, n, v, 'sigmoid', true),
  Tanh: (c, n, v) => activation(c, n, v, 'tanh'),
  Softplus: (c, n, v) => activation(c, n, v, 'softplus', true),
  LeakyRelu: (c, n, v) => activation(c, n, v, (a) => ({ name: 'leakyRelu', alpha: a.float('alpha', 0.01) }), false, ['alpha']),
  Elu: (c, n, v) => activation(c, n, v, (a) => ({ name: 'elu', alpha: a.float('alpha', 1) }), false, ['alpha']),
  Selu: (c, n, v) => activation(c, n, v, seluSpec, false, ['alpha', 'gamma']),
  Softmax: softmax,
};

export { flattenTo };
